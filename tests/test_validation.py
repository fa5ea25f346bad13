"""Every kind of bad input gets one clear message naming the project id and the field."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import portfolio_opt as po


def _spec(**changes):
    spec = {"version": 1, "periods": 3, "budget": 1000, "projects": [
        {"id": "A", "cost": [100, 50], "value": 10, "resources": {"eng": [1, 1]}},
        {"id": "B", "cost": 80, "value": 7},
        {"id": "C", "cost": [30], "value": 3, "earliest_start": 0, "latest_start": 2},
    ]}
    spec.update(changes)
    return spec


def _errors(spec) -> list[str]:
    with pytest.raises(po.ValidationError) as info:
        po.solve_spec(spec)
    assert isinstance(info.value, ValueError)
    return list(info.value.problems)


def _one(spec, *needles):
    msgs = _errors(spec)
    hits = [m for m in msgs if all(n in m for n in needles)]
    assert hits, f"no message with {needles} in {msgs}"
    return hits[0]


def _project(spec, pid):
    return next(p for p in spec["projects"] if p["id"] == pid)


@pytest.mark.parametrize("field,value,needles", [
    ("cost", -5, ("'B'", "'cost'", "negative")),
    ("cost", "abc", ("'B'", "'cost'")),
    ("cost", math.inf, ("'B'", "'cost'", "finite")),
    ("cost", None, ("'B'", "'cost'", "missing")),
    ("value", "lots", ("'B'", "'value'", "must be a number", "'lots'")),
    ("value", math.nan, ("'B'", "'value'", "nan", "finite number")),
    ("probability", math.nan, ("'B'", "'probability'", "nan")),  # read as missing (1) before
    ("value", "6", ("'B'", "'value'", "must be a number")),  # JSON numbers; text only from tables
    ("probability", 1.5, ("'B'", "'probability'", "outside")),
    ("probability", -0.1, ("'B'", "'probability'", "outside")),
    ("requires", ["ZZZ"], ("'B'", "'requires'", "'ZZZ'")),
    ("excludes", ["NOPE"], ("'B'", "'excludes'", "'NOPE'")),
    ("earliest_start", 3, None),  # no start left in a 3-period horizon: B is left out, not refused
    ("mandatory", "maybe", ("'B'", "'mandatory'")),
    ("duration", 2, None),  # cost is a number: spread over 2 periods, valid
])
def test_bad_project_field(field, value, needles):
    spec = _spec()
    _project(spec, "B")[field] = value
    if needles is None:
        assert po.solve_spec(spec)["status"] == "optimal"
        return
    _one(spec, *needles)


@pytest.mark.parametrize("pid,field,bad,fine", [
    ("B", "cost", 1e30, 1e14), ("A", "cost", [100, 10**30], [100, 1e14]), ("B", "value", -2e15, -1e14),
    ("B", "benefits", [1, 1e16], [1, 1e14]), ("A", "resources", {"eng": [1, 1e30]}, {"eng": [1, 1e14]}),
])
def test_amounts_too_large_for_the_solvers_are_named(pid, field, bad, fine):
    """Finite but beyond what the solvers read as numbers (HiGHS: 1e15 the largest matrix entry, 1e20
    infinity): refused with the project and field, where they used to fail inside HiGHS (exit 3)."""
    spec = _spec()
    _project(spec, pid)[field] = bad
    _one(spec, f"'{pid}'", "'resources.eng'" if field == "resources" else f"'{field}'", "too large")
    ok = _spec()
    _project(ok, pid)[field] = fine  # 1e14 is still a number
    assert po.solve_spec(ok)["status"] in ("optimal", "infeasible")


def test_huge_counts_and_durations_are_input_not_crashes():
    spec = _spec()
    _project(spec, "B")["duration"] = 10**30  # used to build a profile of that length (OverflowError)
    _one(spec, "'B'", "'duration'", "longer than the horizon of 3 and than 10000 periods")
    out = po.solve_spec(_spec(min_projects=1e30))  # used to reach HiGHS as a bound it rejects
    assert out["status"] == "infeasible" and "minimum number of projects" in out["diagnosis"][0]
    assert po.solve_spec(_spec(max_projects=10**30))["status"] == "optimal"
    for limit in ({"min_cost": 1e30}, {"min_count": 10**30}):  # beyond the category: infeasible, explained
        out = po.solve_spec({**_spec(projects=[dict(p, category="grow") for p in _spec()["projects"]]),
                             "groups": [{"category": "grow", **limit}]})
        assert out["status"] == "infeasible" and "(1e+30)" in out["diagnosis"][0], out["diagnosis"]
    for periods in (True, -0.5, "3", {"n": 3}):  # used to raise TypeError from inside the library
        assert "'periods' must be" in _one(_spec(periods=periods), "'periods'")


def test_profile_length_must_match_duration():
    spec = _spec()
    _project(spec, "A")["duration"] = 3
    _one(spec, "'A'", "'cost'", "2 periods", "3")


def test_resource_profile_length():
    spec = _spec()
    _project(spec, "A")["resources"] = {"eng": [1, 2, 3]}
    _one(spec, "'A'", "'resources.eng'", "3 periods")  # the request's name, not the table's res_eng


def test_duplicate_ids():
    spec = _spec()
    spec["projects"].append({"id": "A", "cost": 1, "value": 1})
    _one(spec, "duplicate", "'A'")


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_required_and_excluded_at_once_is_read_as_written(solver):
    """y_A <= y_B and y_A + y_B <= 1: A is never selected (as when B excludes A, which was always accepted);
    it used to be refused. A warning says so; mandatory, A makes the request infeasible, with the pair named."""
    from oracle import brute_force

    spec = _spec(solver={"name": solver})
    _project(spec, "A").update(requires=["B"], excludes=["B"], value=100)  # the best project, if it could be
    with pytest.warns(po.PortfolioWarning, match="'A': requires and excludes the same project.s. 'B', so it can"):
        out = po.solve_spec(spec)
    assert out["status"] == "optimal" and "A" not in out["selected"] and out["objective"] == brute_force(spec) > 0
    _project(spec, "A")["mandatory"] = True
    with pytest.warns(po.PortfolioWarning):
        out = po.solve_spec(spec)
    assert out["status"] == "infeasible" and "'A'" in out["diagnosis"][0] and "'B'" in out["diagnosis"][0]


def test_a_window_that_cannot_fit_the_horizon_leaves_the_project_out():
    """The contract: a start from which the project would run past the last period is not allowed. A window
    wholly past it leaves the project no start: it is never selected (the oracle reads it so), and mandatory
    or forced in it is infeasible, with the reason."""
    from oracle import brute_force

    spec = _spec()
    _project(spec, "A").update(earliest_start=2, latest_start=2)  # 2 periods from period 2 in a 3-period horizon
    _project(spec, "C").update(earliest_start=5, latest_start=7)
    out = po.solve_spec(spec)
    assert out["status"] == "optimal" and out["selected"] == ["B"] and out["objective"] == brute_force(spec) == 7
    _project(spec, "A")["mandatory"] = True
    out = po.solve_spec(spec)
    assert out["status"] == "infeasible" and "'A' cannot finish within the 3 period(s)" in (
        out["diagnosis"][0])
    _project(spec, "A")["mandatory"] = False
    spec["analyses"] = {"scenarios": [{"name": "C in", "force_in": ["C"]}]}
    assert po.solve_spec(spec)["scenarios"][0]["status"] == "infeasible"
    p = po.problem_from_spec({k: v for k, v in spec.items() if k != "analyses"})
    assert po.check_portfolio(p, {"A": 2}) == [
        "project 'A' starts in period 2 and would run past the last period (2 period(s) from there)"]


@pytest.mark.parametrize("longer", [{"cost": 100, "duration": 4}, {"cost": [1, 1, 1, 1, 1]},
                                    {"cost": 100, "duration": 10_000}])
def test_a_project_longer_than_the_horizon_is_left_out(longer):
    """No start lets it finish: like a window past the horizon, never selected (as the oracle reads the
    contract), and mandatory infeasible with the reason; a duration beyond 10,000 periods is still refused."""
    from oracle import brute_force

    spec = _spec()
    _project(spec, "A").update(value=100, resources={"eng": 1}, **longer)  # the best project, if it could finish
    out = po.solve_spec(spec)
    assert out["status"] == "optimal" and "A" not in out["selected"] and out["objective"] == brute_force(spec)
    assert out["objective"] > 0
    spec["analyses"] = {"explain": True}
    why = po.solve_spec(spec)["explanations"][0]
    assert why["id"] == "A" and why["value_if_flipped"] is None and why["reason"].startswith(
        "Not selected. It cannot be added: 'A' cannot finish within the 3 period(s)")
    _project(spec, "A")["mandatory"] = True
    out = po.solve_spec(spec)
    assert out["status"] == "infeasible" and out["diagnosis"][0].startswith(
        "'A' cannot finish within the 3 period(s)") and "the mandatory flag of 'A'" in out["diagnosis"][1]


def test_a_project_longer_than_any_horizon_is_refused_on_the_python_path():
    df = pd.DataFrame({"id": ["A", "B"], "cost": [3.0, 4.0], "duration": [5, 10_001], "value": [1.0, 2.0]})
    with pytest.raises(po.ValidationError, match="'B': field 'duration' is 10001 periods"):
        po.Problem.from_frame(df, budget=10, periods=3)
    p = po.Problem.from_frame(df.iloc[:1], budget=10, periods=3)  # 5 periods in 3: left out
    assert po.select(p).selected.empty and po.check_portfolio(p, {"A": 0})


def test_every_problem_is_reported_at_once():
    spec = _spec()
    _project(spec, "A")["cost"] = [-1, 5]
    _project(spec, "B")["probability"] = 2
    _project(spec, "C")["requires"] = ["X"]
    msgs = _errors(spec)
    assert len(msgs) == 3
    assert any("'A'" in m for m in msgs) and any("'B'" in m for m in msgs) and any("'C'" in m for m in msgs)


def test_unknown_fields_are_not_ignored():
    spec = _spec()
    _project(spec, "A")["mandatroy"] = True
    _one(spec, "'A'", "mandatroy")
    _one(_spec(budgte=5), "budgte")


def test_budget_list_of_wrong_length():
    _one(_spec(budget=[1, 2]), "budget", "2 period", "3 periods")


def test_missing_cost_column_in_a_frame():
    df = pd.DataFrame({"id": ["A"], "value": [3]})
    with pytest.raises(po.ValidationError, match="missing required column 'cost'"):
        po.Problem.from_frame(df)


def test_a_column_named_twice_is_an_error():
    df = pd.DataFrame([["A", 1, 5, 2], ["B", 2, 6, 3]], columns=["id", "cost", "value", "cost"])
    with pytest.raises(po.ValidationError, match="several columns named 'cost'"):
        po.Problem.from_frame(df, budget=3)


def test_criterion_with_missing_values_names_the_projects():
    df = pd.DataFrame({"id": ["A", "B", "C"], "cost": [1, 2, 3], "value": [1, 2, 3],
                       "fit": [1.0, np.nan, np.inf]})
    model = po.ScoringModel((po.Criterion("fit"),))
    with pytest.raises(po.ValidationError) as info:
        po.Problem.from_frame(df, scoring=model, objective="score")
    text = str(info.value)
    assert "'fit'" in text and "'B'" in text and "'C'" in text


def test_capacity_for_an_unknown_resource_is_an_error_in_the_api():
    df = pd.DataFrame({"id": ["A"], "cost": [1], "value": [1], "res_engineers": [2]})
    with pytest.raises(po.ValidationError, match="engineer'.*engineers"):
        po.Problem.from_frame(df, capacity={"engineer": 3})


def test_inputs_are_not_mutated():
    df = pd.DataFrame({"id": ["A", "B"], "cost": ["3;2", 4], "value": [5, 6], "requires": ["B", None]})
    before = df.copy(deep=True)
    spec = _spec()
    spec_before = copy.deepcopy(spec)
    r = po.select(po.Problem.from_frame(df, budget=9, periods=2))
    po.solve_spec(spec)
    pd.testing.assert_frame_equal(df, before)
    assert spec == spec_before
    assert r.status == po.Status.OPTIMAL


def test_column_names_are_parameters():
    df = pd.DataFrame({"key": ["A", "B"], "capex": [4, 3], "benefit": [10, 7]})
    cols = po.Columns(id="key", cost="capex", value="benefit")
    r = po.select(po.Problem.from_frame(df, budget=4, columns=cols))
    assert r.selected_ids == ["A"]


def test_csv_excel_and_json_loaders_agree(tmp_path):
    df = pd.DataFrame({"id": ["A", "B", "C"], "cost": ["4;2", "3", "2"], "value": [10, 7, 5],
                       "requires": ["", "C", ""], "res_eng": ["1;1", "2", "1"]})
    df.to_csv(tmp_path / "p.csv", index=False)
    df.to_excel(tmp_path / "p.xlsx", index=False)
    records = [{"id": "A", "cost": [4, 2], "value": 10, "resources": {"eng": [1, 1]}},
               {"id": "B", "cost": 3, "value": 7, "requires": ["C"], "resources": {"eng": 2}},
               {"id": "C", "cost": 2, "value": 5, "resources": {"eng": 1}}]
    import json
    (tmp_path / "p.json").write_text(json.dumps({"projects": records}))
    results = []
    for name in ("p.csv", "p.xlsx", "p.json"):
        p = po.Problem.from_frame(po.load_projects(tmp_path / name), periods=2, budget=8, capacity={"eng": 2})
        r = po.select(p)
        results.append((r.objective, tuple(r.selected_ids)))
    assert len(set(results)) == 1, results


def test_unknown_file_format(tmp_path):
    (tmp_path / "p.txt2").write_text("x")
    with pytest.raises(po.ValidationError, match="unknown format"):
        po.load_projects(tmp_path / "p.txt2")


# ---------------------------------------------------------------------------- whole-column path
@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1e6, allow_nan=False), st.integers(1, 4), st.sampled_from(
    ["", None, float("nan"), "P0", "P1;P2", ["P0"], "  "])), min_size=1, max_size=8))
def test_numeric_columns_read_whole_equal_the_checks_per_cell(rows):
    # numeric cost and duration columns take a whole-column path; as text they are parsed
    # cell by cell: both must give the same table (and the same requires)
    ids = [f"P{k}" for k in range(len(rows))]
    num = pd.DataFrame({"id": ids, "cost": [c for c, _, _ in rows], "duration": [d for _, d, _ in rows],
                        "requires": [r for _, _, r in rows]})  # unknown or own ids give the same errors
    text = num.assign(cost=[repr(c) for c, _, _ in rows], duration=[str(d) for _, d, _ in rows])
    _same_table_or_same_errors(num, text)


def _same_table_or_same_errors(a_df, b_df):
    """validate_projects gives both frames the same table (and cost matrix) or the same problems."""
    from portfolio_opt.data import validate_projects

    try:
        a = validate_projects(a_df, periods=6)
    except po.ValidationError as exc:
        with pytest.raises(po.ValidationError) as other:
            validate_projects(b_df, periods=6)
        assert other.value.problems == exc.problems
        return
    b = validate_projects(b_df, periods=6)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    np.testing.assert_array_equal(a.cost, b.cost)


_cost_item = st.one_of(st.floats(-1, 1e6), st.floats(0, 1e6), st.floats(0, 1e6), st.integers(0, 10**6),
                       st.sampled_from([True, "3", None, math.nan, math.inf]))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.lists(_cost_item, min_size=0, max_size=4), st.sampled_from([None, None, None, 1, 2])),
                min_size=1, max_size=6), st.booleans())
def test_cost_lists_read_at_once_equal_the_checks_per_cell(rows, with_duration):
    # cost profiles given as lists (the engine's format) take an at-once path (_list_costs);
    # the same profiles as arrays go cell by cell: both must give the same table or the same errors
    ids = [f"P{k}" for k in range(len(rows))]
    lists = pd.DataFrame({"id": ids, "cost": [list(c) for c, _ in rows]})
    if with_duration:  # mostly the profile's length, sometimes another number
        lists["duration"] = [max(len(c), 1) if d is None else d for c, d in rows]
    arrays = lists.assign(cost=[np.array(c, dtype=object) for c, _ in rows])
    _same_table_or_same_errors(lists, arrays)


def test_ids_are_stripped_of_any_whitespace():
    # ids are read through a fast path for clean text; padded ids (also non-breaking or other
    # Unicode spaces) must still come out stripped, as str.strip() does
    df = pd.DataFrame({"id": ["\u00a0A", "B ", "\u2003C\t", "D"], "cost": [1, 2, 3, 4], "value": [3, 4, 5, 6]})
    assert list(po.Problem.from_frame(df, budget=3).ids) == ["A", "B", "C", "D"]


@pytest.mark.parametrize("change,needles", [
    (lambda s: s.update(budget={"total": 1000, "per_period": [500, math.nan, 500]}),
     ("'budget.per_period[1]'", "nan")),  # read as no limit in that period before
    (lambda s: s.update(resources={"eng": math.nan}), ("'resources.eng'", "nan")),  # no limit before
    (lambda s: s.update(resources={"eng": [1, math.inf, 1]}), ("'resources.eng[1]'", "inf", "null")),
    (lambda s: _project(s, "C").update(latest_start=math.nan), ("'C'", "'latest_start'", "nan")),
    (lambda s: _project(s, "A").update(resources={"eng": [1, math.nan]}), ("'A'", "'resources.eng[1]'", "nan")),
])
def test_nan_and_infinity_in_a_request_are_refused_by_name(change, needles):
    """JSON has no NaN or Infinity (Python's json reads them anyway): each is refused, naming the project and
    the field, where they used to be read as missing (a default) or as no limit."""
    spec = _spec()
    change(spec)
    _one(spec, *needles)


def test_a_nan_limit_for_every_period_is_refused_in_python_too():
    df = pd.DataFrame({"id": ["A", "B"], "cost": [5, 5], "value": [3, 4], "res_eng": [1, 1]})
    for kw, needle in ((dict(budget_per_period=math.nan), "budget per period"),
                       (dict(budget=8, capacity={"eng": math.nan}), "capacity of 'eng'")):
        with pytest.raises(po.ValidationError, match=needle):
            po.Problem.from_frame(df, **kw)
    # a NaN in one period is a blank cell: no limit there, as documented
    p = po.Problem.from_frame(df, budget_per_period=[math.nan], capacity={"eng": [np.nan]})
    assert po.select(p).selected_ids == ["A", "B"]


def test_each_problem_is_reported_once():
    spec = {"version": 1, "projects": [{"id": "A", "cost": [1, 2], "duration": 10**5, "value": 1}, {"id": "B"}]}
    msgs = _errors(spec)
    assert len(msgs) == len(set(msgs)) and any("'A'" in m and "'duration'" in m for m in msgs)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize("limit", [{"max_count": 0}, {"min_count": 0}, {"max_share": 0.5}, {"min_count": 1},
                                   {"min_cost": 1}, {"min_share": 0.2}])
def test_a_group_on_a_category_no_project_has_counts_no_project(limit, solver):
    """The contract's group counts the selected projects of the category: none, so a maximum holds, a
    minimum above 0 is infeasible (with the reason) and a minimum share leaves only the empty portfolio. It
    used to be refused; it is read as written, with a warning that names the categories there are."""
    from oracle import brute_force

    spec = _spec(projects=[dict(p, category="grow") for p in _spec()["projects"]],
                 groups=[{"category": "grwo", **limit}], solver={"name": solver})
    with pytest.warns(po.PortfolioWarning, match="group 'grwo': no project has this category .categories: grow"):
        out = po.solve_spec(spec)
    best = brute_force(spec)
    if best is None:
        assert out["status"] == "infeasible" and "'grwo'" in out["diagnosis"][0]
    else:
        assert out["status"] == "optimal" and out["objective"] == pytest.approx(best)
        assert (best == 0) == ("min_share" in limit)  # the empty portfolio, share undefined, is the only one
