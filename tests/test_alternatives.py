"""Near-optimal alternatives and deterministic tie-breaking, proven against the brute-force oracle.

The oracle (tests/oracle.py) enumerates every feasible portfolio of a request
without the library.  From it these tests build the ranking the documented
rule defines — objective (highest first), then total cost (lowest first), then
the portfolio that includes the first id, in sorted order, on which two
portfolios differ — and the schedule the rule defines for a set of projects
(the lexicographically earliest starts, taking the projects by sorted id).

- ``alternatives(k)`` returns exactly the first k portfolios of that ranking,
  each with exactly that schedule; the objectives also equal the k best by
  brute force as a multiset, and every returned portfolio is feasible by the
  oracle.
- ``alternatives(within=x)`` returns exactly the portfolios within x of the
  optimum.
- ``select`` returns rank 1 with its schedule, on HiGHS and CBC, for every row
  order of the input, through the enumeration path and through the
  sequential path (forced by lowering the enumeration limit).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import all_portfolios, expand, feasible

import portfolio_opt as po
from portfolio_opt import optimize
from portfolio_opt.analysis import alternatives as alt_mod
from portfolio_opt.analysis.alternatives import alternatives, check_alternatives

BACKENDS = [b for b in ("highs", "cbc") if b in po.available_solvers()]


# --------------------------------------------------------------------------- oracle of the rule
def ranking(spec):
    """Every feasible set of projects, ranked by the rule, with the rule's schedule.

    Returns a list of (objective, total cost, frozenset of ids, {id: start}).
    """
    ps = {p["id"]: p for p in expand(spec)}
    ids = sorted(ps)
    by_set = {}
    for v, choice in all_portfolios(spec):
        key = frozenset(choice)
        sched = tuple(choice[i] for i in sorted(key))
        if key not in by_set or sched < by_set[key][1]:
            by_set[key] = (v, sched, dict(choice))
    rows = []
    for key, (v, _, choice) in by_set.items():
        cost = sum(sum(ps[i]["cost"]) for i in key)
        rows.append((v, cost, key, choice))
    rows.sort(key=lambda r: (-round(r[0], 6), round(r[1], 6), tuple(0 if i in r[2] else 1 for i in ids)))
    return rows


@st.composite
def requests(draw, ties=False, max_n=5):
    """Small requests over every constraint type; ``ties`` draws values and costs from tiny sets."""
    T = draw(st.integers(1, 3))
    n = draw(st.integers(1, max_n))
    ids = [f"P-{k}" for k in range(n)]
    draw(st.randoms()).shuffle(ids)  # ids not in sorted order in the input
    projects = []
    for pid in ids:
        dur = draw(st.integers(1, T))
        cost = [draw(st.integers(0, 3) if ties else st.integers(0, 9)) for _ in range(dur)]
        es = draw(st.integers(0, T - dur))
        ls = draw(st.integers(es, T - dur))
        value = draw(st.sampled_from([0, 2, 4]) if ties else st.integers(-3, 20))
        p = {"id": pid, "cost": cost, "value": value, "earliest_start": es, "latest_start": ls,
             "category": draw(st.sampled_from(["run", "grow"]))}
        if draw(st.booleans()):
            p["resources"] = {"eng": [draw(st.integers(0, 3)) for _ in range(dur)]}
        if draw(st.integers(0, 9)) == 0:
            p["mandatory"] = True
        elif draw(st.integers(0, 9)) == 0:
            p["excluded"] = True
        if not ties and draw(st.booleans()):
            p["probability"] = draw(st.sampled_from([0.5, 0.8, 1.0]))
        others = [i for i in ids if i != pid]
        if others and draw(st.integers(0, 3)) == 0:
            p["requires"] = [draw(st.sampled_from(others))]
        if others and draw(st.integers(0, 4)) == 0:
            e = draw(st.sampled_from(others))
            if e not in p.get("requires", []):
                p["excludes"] = [e]
        projects.append(p)
    spec = {"version": 1, "periods": T, "projects": projects}
    kind = draw(st.sampled_from(["none", "total", "per"]))
    if kind == "total":
        spec["budget"] = draw(st.integers(0, 15))
    elif kind == "per":
        spec["budget"] = [draw(st.integers(0, 8)) for _ in range(T)]
    if any("resources" in p for p in projects) and draw(st.booleans()):
        spec["resources"] = {"eng": draw(st.integers(0, 4))}
    if draw(st.integers(0, 3)) == 0:
        cat = draw(st.sampled_from(sorted({p["category"] for p in projects})))
        field = draw(st.sampled_from(["min_count", "max_count", "max_cost", "max_share"]))
        spec["groups"] = [{"category": cat, field: draw(st.sampled_from([0.5, 0.75])) if field == "max_share"
                           else draw(st.integers(0, 6))}]
    if draw(st.integers(0, 4)) == 0:
        spec["max_projects"] = draw(st.integers(1, 4))
    return spec


def _problem(spec):
    return po.problem_from_spec(spec)


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- alternatives
@SETTINGS
@given(spec=requests(), k=st.integers(1, 6))
def test_k_best_equal_the_oracle_ranking(spec, k):
    expected = ranking(spec)[:k]
    alts = alternatives(_problem(spec), k=k)
    assert alts.complete
    got = [(a.objective, frozenset(a.selected), dict(a.starts)) for a in alts]
    # the k best objectives, as a multiset, whatever the order among ties
    assert sorted(round(g[0], 6) for g in got) == sorted(round(e[0], 6) for e in expected)
    # distinct sets, every one feasible by the oracle and worth what it says
    assert len({g[1] for g in got}) == len(got)
    for _, _, starts in got:
        assert feasible(spec, starts)
    # and exactly the rule's order and schedules
    assert [(g[1], g[2]) for g in got] == [(e[2], e[3]) for e in expected]
    for a, e in zip(alts, expected):
        assert a.objective == pytest.approx(e[0], abs=1e-9)
        assert a.total_cost == pytest.approx(e[1], abs=1e-9)


@SETTINGS
@given(spec=requests(ties=True), k=st.integers(1, 6))
def test_k_best_with_many_ties_follow_the_rule(spec, k):
    expected = ranking(spec)[:k]
    got = [(frozenset(a.selected), dict(a.starts)) for a in alternatives(_problem(spec), k=k)]
    assert got == [(e[2], e[3]) for e in expected]


@SETTINGS
@given(spec=requests(), within=st.sampled_from([0.0, 0.1, 0.3]))
def test_within_returns_every_portfolio_in_the_band(spec, within):
    rank = ranking(spec)
    alts = alternatives(_problem(spec), within=within)
    if not rank:
        assert len(alts) == 0
        return
    best = rank[0][0]
    band = [r for r in rank if r[0] >= best - within * abs(best) - 1e-9]
    assert [frozenset(a.selected) for a in alts] == [r[2] for r in band]


def test_ranking_table_says_what_differs_from_the_best():
    spec = {"version": 1, "budget": 6, "projects": [
        {"id": "A", "cost": 4, "value": 10}, {"id": "B", "cost": 3, "value": 7}, {"id": "C", "cost": 2, "value": 5}]}
    alts = alternatives(_problem(spec), k=4)
    t = alts.to_frame()
    assert list(t.index) == [1, 2, 3, 4]
    assert list(t["objective"]) == [15, 12, 10, 7]
    assert list(t["added"]) == ["", "B", "", "B"] and list(t["removed"]) == ["", "A", "C", "A; C"]
    assert list(t["n_selected"]) == [2, 2, 1, 1] and list(t["total_cost"]) == [6, 5, 4, 3]
    assert t.loc[2, "below_best"] == 3 and t.loc[2, "below_best_pct"] == pytest.approx(20)
    d = alts.to_dict()
    assert d["alternatives"][1] == {"rank": 2, "objective": 12.0, "selected": ["B", "C"], "starts": {"B": 0, "C": 0},
                                    "total_cost": 5.0, "added": ["B"], "removed": ["A"]}
    assert "adds B; drops A" in alts.summary()


def test_rank_one_is_the_portfolio_select_returns_and_the_list_ignores_row_order():
    projects = [{"id": f"P{k}", "cost": [2, 1], "value": 5, "earliest_start": 0, "latest_start": 1} for k in range(5)]
    spec = {"version": 1, "periods": 3, "budget": [4, 4, 4], "projects": projects}
    lists = []
    for order in (projects, projects[::-1], projects[2:] + projects[:2]):
        for backend in BACKENDS:
            p = _problem(dict(spec, projects=order))
            alts = alternatives(p, k=4, solver=backend)
            r = po.select(p, solver=backend, tie_break="rule")
            assert set(alts[0].selected) == set(r.selected_ids)
            assert alts[0].starts == {i: int(s) for i, s in r.starts.items() if s >= 0}
            lists.append([(frozenset(a.selected), tuple(sorted(a.starts.items()))) for a in alts])
    assert all(x == lists[0] for x in lists)


def test_infeasible_problem_has_no_alternatives():
    spec = {"version": 1, "budget": 1, "projects": [{"id": "A", "cost": 4, "value": 1, "mandatory": True}]}
    alts = alternatives(_problem(spec), k=3)
    assert len(alts) == 0 and alts.complete and alts.to_frame().empty


def test_limit_marks_the_list_incomplete():
    spec = {"version": 1, "projects": [{"id": f"P{k}", "cost": 1, "value": 0} for k in range(4)]}
    alts = alternatives(_problem(spec), within=1.0, limit=5)
    assert len(alts) == 5 and not alts.complete
    assert "cut short" in alts.summary()


def test_bad_arguments_are_validation_errors():
    p = _problem({"version": 1, "projects": [{"id": "A", "cost": 1, "value": 1}]})
    with pytest.raises(po.ValidationError, match="'k' must be a whole number"):
        alternatives(p, k=0)
    with pytest.raises(po.ValidationError, match="'within' must be a fraction"):
        alternatives(p, within=5)
    with pytest.raises(po.ValidationError, match="needs a Problem"):
        alternatives("not a problem")


def test_engine_contract():
    spec = {"version": 1, "budget": 6, "projects": [
        {"id": "A", "cost": 4, "value": 10}, {"id": "B", "cost": 3, "value": 7}, {"id": "C", "cost": 2, "value": 5}],
        "analyses": {"alternatives": {"k": 2}}}
    out = po.solve_spec(spec)
    alts = out["alternatives"]
    assert [a["rank"] for a in alts] == [1, 2]
    assert alts[0]["selected"] == out["selected"] and alts[0]["starts"] == out["starts"]
    assert alts[1]["objective"] == 12 and alts[1]["selected"] == ["B", "C"]
    assert set(alts[0]) >= {"rank", "objective", "selected", "starts"}
    out = po.solve_spec(dict(spec, analyses={"alternatives": {"within": 0.25}}))
    assert [a["objective"] for a in out["alternatives"]] == [15, 12]
    infeasible = dict(spec, budget=1, projects=[dict(spec["projects"][0], mandatory=True)])
    assert po.solve_spec(infeasible | {"analyses": {"alternatives": {"k": 2}}})["alternatives"] == []


@pytest.mark.parametrize("value, message", [
    ({"k": 0}, "'k' must be a whole number ≥ 1, got 0"),
    ({"k": True}, "'k' must be a whole number"),
    ({"k": 2.5}, "'k' must be a whole number"),
    ({"within": -0.1}, "'within' must be a fraction"),
    ({"within": "5%"}, "'within' must be a fraction"),
    ({}, "needs 'k'"),
    ({"n": 3}, "unknown key(s) n"),
    (3, "must be an object"),
])
def test_check_alternatives_messages(value, message):
    with pytest.raises(po.ValidationError) as err:
        check_alternatives(None, value)
    assert any(message in p for p in err.value.problems), err.value.problems
    assert all(p.startswith("field 'analyses.alternatives'") for p in err.value.problems)
    spec = {"version": 1, "projects": [{"id": "A", "cost": 1, "value": 1}], "analyses": {"alternatives": value}}
    with pytest.raises(po.ValidationError):
        po.solve_spec(spec)


# --------------------------------------------------------------------------- tie-breaking in select()
def _portfolio(result):
    return frozenset(result.selected_ids), {i: int(s) for i, s in result.starts.items() if s >= 0}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=requests(ties=True, max_n=6), data=st.data())
def test_select_breaks_ties_by_the_rule_on_every_backend_and_row_order(spec, data):
    rank = ranking(spec)
    perm = data.draw(st.permutations(spec["projects"]))
    for projects in (spec["projects"], perm):
        for backend in BACKENDS:
            r = po.select(_problem(dict(spec, projects=projects)), solver=backend, tie_break="rule")
            if not rank:
                assert r.status == po.Status.INFEASIBLE
                continue
            assert r.solver.options["tie_break"] is True
            assert _portfolio(r) == (rank[0][2], rank[0][3]), (backend, [p["id"] for p in projects])


@pytest.mark.parametrize("limit", [0, 1])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(spec=requests(ties=True, max_n=6))
def test_sequential_tie_breaking_gives_the_same_answer(spec, limit, monkeypatch):
    """With the enumeration limit lowered, ties go through the exact sequential search."""
    monkeypatch.setattr(optimize, "TIE_ENUMERATION_LIMIT", limit)
    rank = ranking(spec)
    for backend in BACKENDS:
        r = po.select(_problem(spec), solver=backend, tie_break="rule")
        if rank:
            assert _portfolio(r) == (rank[0][2], rank[0][3]), backend


def test_many_zero_value_projects_tie_without_enumerating_them_all():
    """2^12 optimal portfolios (free, worthless projects): the rule picks all of them, quickly."""
    projects = [{"id": f"Z{k:02d}", "cost": 0, "value": 0} for k in range(12)]
    projects += [{"id": "A", "cost": 3, "value": 5}, {"id": "B", "cost": 3, "value": 5}]
    spec = {"version": 1, "budget": 3, "projects": projects[::-1]}
    for backend in BACKENDS:
        r = po.select(_problem(spec), solver=backend, tie_break="rule")
        assert sorted(r.selected_ids) == ["A"] + [f"Z{k:02d}" for k in range(12)]


def test_equal_portfolios_cheaper_first_then_first_id():
    spec = {"version": 1, "budget": 10, "projects": [
        {"id": "B", "cost": 4, "value": 6}, {"id": "A", "cost": 5, "value": 6}, {"id": "C", "cost": 4, "value": 6}]}
    for backend in BACKENDS:
        # B and C cost 4, A costs 5: the cheaper pair {B, C} wins although A has the first id
        assert po.select(_problem(spec), solver=backend, tie_break="rule").selected_ids == ["B", "C"]
        spec2 = dict(spec, budget=5)
        assert po.select(_problem(spec2), solver=backend, tie_break=True).selected_ids == ["B"]


def test_tie_break_can_be_turned_off_and_is_recorded():
    p = _problem({"version": 1, "budget": 5, "projects": [{"id": "A", "cost": 5, "value": 1},
                                                          {"id": "B", "cost": 5, "value": 1}]})
    assert po.select(p).solver.options["tie_break"] == "canonical"
    assert po.select(p, tie_break="rule").solver.options["tie_break"] is True
    assert po.select(p, tie_break=False).solver.options["tie_break"] is False
    assert po.select(p, tie_break="rule").to_dict()["solver"]["options"]["tie_break"] is True
    with pytest.raises(po.ValidationError, match="tie_break"):
        po.select(p, tie_break="sometimes")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=requests(ties=True, max_n=6), data=st.data())
def test_canonical_default_ignores_row_order_on_each_backend(spec, data):
    """The default gives one optimal portfolio per backend, whatever the row order of the input."""
    rank = ranking(spec)
    perm = data.draw(st.permutations(spec["projects"]))
    for backend in BACKENDS:
        got = [po.select(_problem(dict(spec, projects=p)), solver=backend) for p in (spec["projects"], perm)]
        if not rank:
            assert all(r.status == po.Status.INFEASIBLE for r in got)
            continue
        assert got[0].objective == pytest.approx(rank[0][0], abs=1e-6)
        assert _portfolio(got[0]) == _portfolio(got[1]), backend
        assert got[0].solver.options["tie_break"] == "canonical"


def test_earliest_starts_take_projects_in_id_order():
    # B (id second) could start first and push A later; the rule starts A as early as possible
    spec = {"version": 1, "periods": 4, "budget": [3, 3, 3, 3], "projects": [
        {"id": "B", "cost": [3], "value": 5, "earliest_start": 0, "latest_start": 3},
        {"id": "A", "cost": [3, 3], "value": 5, "earliest_start": 0, "latest_start": 2}]}
    for backend in BACKENDS:
        r = po.select(_problem(spec), solver=backend, tie_break="rule")
        assert r.starts.to_dict() == {"B": 2, "A": 0}


def test_module_constants_are_sane():
    assert optimize.TIE_ENUMERATION_LIMIT >= 1
    assert alt_mod.DEFAULT_K == 5 and alt_mod.DEFAULT_LIMIT >= alt_mod.DEFAULT_K
    assert math.isclose(optimize._tol([1.0, -2.0]), 3e-9)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_a_huge_value_elsewhere_does_not_make_unequal_portfolios_tie(solver):
    """One project worth -1.5e10 (which no good portfolio takes) must not widen "equal objective": with a
    tolerance on every coefficient (15 here), the rule returned the empty portfolio (0) as the optimum over
    A (10), and the ranking put 0 first."""
    import pandas as pd

    df = pd.DataFrame({"id": ["A", "Z"], "cost": [5, 1e9], "value": [10, -1.5e10]})
    p = po.Problem.from_frame(df, budget=5)
    r = po.select(p, solver=solver, tie_break="rule")
    assert r.status.value == "optimal" and r.objective == 10.0 and r.selected_ids == ["A"]
    ranked = alternatives(p, k=3, solver=solver)
    assert [(a.objective, a.selected) for a in ranked] == [(10.0, ("A",)), (0.0, ())]
    assert [a.selected for a in alternatives(p, within=0.0, solver=solver)] == [("A",)]
    # the fuzz's request: NPVs 11.94 and 0 beside one of -1.5e10; best first, rank 1 optimal
    spec = {"projects": [{"id": "Ä0", "cost": 0, "benefits": [1.5, 9.0, 5.0, 7.5]}, {"id": "proj-1", "cost": 0},
                         {"id": "P5", "cost": 15000000000}], "objective": "npv", "discount_rate": 0.5}
    q = po.problem_from_spec(spec)
    objectives = [a.objective for a in alternatives(q, k=3, solver=solver)]
    assert objectives == sorted(objectives, reverse=True) and objectives[0] == pytest.approx(
        po.select(q, solver=solver).objective)


def test_id_hashes_are_kept_per_list_of_ids_and_read_only():
    """The canonical order's id hashes are cached by the ids in their order: a permutation gets the same
    hash per id (so the same canonical order), a cached array cannot be changed by a caller."""
    ids = ("CRM", "DWH", "ERP", "P-01")
    first, again = optimize._id_hashes(ids), optimize._id_hashes(tuple(ids))
    assert again is first and not first.flags.writeable
    assert first.tolist() == optimize._h64(list(ids)).tolist()
    perm = optimize._id_hashes(ids[::-1])
    assert perm.tolist() == first.tolist()[::-1]
    assert len(set(first.tolist())) == len(ids)
    with pytest.raises(ValueError):
        first[0] = 0


@pytest.mark.parametrize("seed", [0, 1])
def test_the_rule_on_a_fixed_face_matches_the_rule_on_the_whole_face(seed, monkeypatch):
    """400 candidates under one budget, each project also listed twice more under other ids (same cost and
    value): the optimum has many ties. The rule's solves now run with every column fixed that no tied
    portfolio can change (``optimize._face_fixed``, by the LP's Lagrangian bound); its portfolio and starts
    are the same as with the whole face (the path the brute-force tests above check), most columns are
    fixed, and the portfolio is optimal by the whole-model solve and feasible."""
    import numpy as np

    rng = np.random.default_rng(seed)
    base = [(int(rng.integers(5, 60)), int(rng.integers(5, 90))) for _ in range(134)]
    projects = [{"id": f"{tag}{k:03d}", "cost": c, "value": v} for k, (c, v) in enumerate(base) for tag in "PQR"]
    spec = {"version": 1, "budget": int(sum(c for c, _ in base) * 0.7), "projects": projects[::-1]}
    p = _problem(spec)
    fixed: list[float] = []
    real = optimize._face_fixed

    def spy(m, *args):
        out = real(m, *args)
        fixed.append(float(np.mean(out.col_lo == out.col_hi)))
        return out

    monkeypatch.setattr(optimize, "_face_fixed", spy)
    got = po.select(p, solver="cbc", tie_break="rule")
    assert got.solver.options["tie_break"] is True and fixed and fixed[0] > 0.5
    monkeypatch.setattr(optimize, "_face_fixed", lambda m, *args: m)
    whole = po.select(p, solver="cbc", tie_break="rule")
    assert whole.solver.options["tie_break"] is True
    assert got.selected_ids == whole.selected_ids and got.starts.to_dict() == whole.starts.to_dict()
    assert got.objective == pytest.approx(po.select(p, solver="cbc").objective, abs=1e-6)
    assert po.check_portfolio(p, got.starts.to_dict()) == []
