"""What-if scenarios: every change checked field by field, results against an independent oracle.

- ``apply()`` is checked field by field on a problem built from an engine request, and the
  base problem is checked to be untouched;
- the engine's ``analyses.scenarios`` output is checked against solving the *changed request*
  (edited as JSON, not through the library) by the brute-force oracle;
- the evidence of a move (the cost of keeping the base decision) is checked against the oracle;
- an infeasible scenario is a row with a diagnosis, a failed work unit a row marked failed.
"""

from __future__ import annotations

import concurrent.futures as cf
import copy
import json

import numpy as np
import pandas as pd
import pytest

import portfolio_opt as po
from oracle import all_portfolios, brute_force
from portfolio_opt.analysis.scenarios import (
    Scenario,
    check_scenarios,
    constraint_from_dict,
    constraint_to_dict,
    hire,
    run_scenarios,
)

SPEC = {
    "version": 1,
    "periods": ["2027", "2028", "2029"],
    "projects": [
        {"id": "CRM", "cost": [4, 2], "value": 9, "category": "grow", "resources": {"eng": [2, 1]},
         "earliest_start": 0, "latest_start": 1, "scores": {"fit": 4, "risk": 2}},
        {"id": "DWH", "cost": [3], "value": 6, "category": "grow", "resources": {"eng": [1]},
         "earliest_start": 0, "latest_start": 2, "scores": {"fit": 3, "risk": 1}},
        {"id": "ERP", "cost": [5, 3], "value": 11, "category": "run", "resources": {"eng": [2, 2]},
         "earliest_start": 0, "latest_start": 1, "requires": ["DWH"], "scores": {"fit": 5, "risk": 4}},
        {"id": "REG", "cost": 2, "value": 1, "category": "run", "mandatory": True, "scores": {"fit": 1, "risk": 1}},
        {"id": "WEB", "cost": [2, 2], "value": 5, "category": "grow", "resources": {"eng": 1},
         "earliest_start": 0, "latest_start": 1, "excludes": ["CRM"], "scores": {"fit": 2, "risk": 3}},
    ],
    "scoring": {"criteria": {"fit": {"weight": 3}, "risk": {"weight": 1, "direction": "min"}}},
    "budget": {"total": 16, "per_period": [8, 6, 6]},
    "resources": {"eng": [3, 3, 3]},
}


@pytest.fixture(scope="module")
def problem():
    return po.problem_from_spec(SPEC)


def limits(p):
    total, per = p.budget_limits()
    return total, list(per), {r: list(v) for r, v in p.capacity_limits().items()}


# --------------------------------------------------------------------------- apply(), field by field


def test_apply_never_mutates_the_base(problem):
    before_cons = problem.constraints
    before_frame = problem.table.frame.copy()
    before_cost = problem.table.cost.copy()
    sc = Scenario("everything", budget_scale=0.5, resources_add={"eng": 1}, weights={"risk": 5},
                  cost_scale={"category:grow": 2.0}, value_scale={"ERP": 0.5}, force_in=["WEB"],
                  force_out=["CRM"], remove_projects=["DWH"],
                  add_projects=[{"id": "NEW", "cost": 1, "value": 3, "scores": {"fit": 1, "risk": 1}}])
    sc.apply(problem)
    assert problem.constraints == before_cons
    pd.testing.assert_frame_equal(problem.table.frame, before_frame)
    np.testing.assert_array_equal(problem.table.cost, before_cost)


def test_budget_scale_and_budget_set(problem):
    p = Scenario("cut", budget_scale=0.9).apply(problem)
    total, per, caps = limits(p)
    assert total == pytest.approx(16 * 0.9) and per == pytest.approx([7.2, 5.4, 5.4])
    assert caps == limits(problem)[2]
    p = Scenario("set total", budget=20).apply(problem)
    assert limits(p)[:2] == (20.0, [8.0, 6.0, 6.0])
    p = Scenario("set per period", budget=[5, None, 7]).apply(problem)
    assert limits(p)[0] == 16.0 and limits(p)[1] == [5.0, np.inf, 7.0]
    p = Scenario("no total", budget={"total": None, "per_period": [1, 2, 3]}).apply(problem)
    assert limits(p)[:2] == (np.inf, [1.0, 2.0, 3.0])
    p = Scenario("set then scale", budget=10, budget_scale=0.5).apply(problem)
    assert limits(p)[0] == 5.0


def test_capacity_add_set_and_hire(problem):
    assert limits(Scenario("a", resources_add={"eng": 2}).apply(problem))[2]["eng"] == [5, 5, 5]
    assert limits(Scenario("b", resources_add={"eng": [0, 1, -1]}).apply(problem))[2]["eng"] == [3, 4, 2]
    assert limits(Scenario("c", resources_add={"eng": hire(2, "2028")}).apply(problem))[2]["eng"] == [3, 5, 5]
    assert limits(Scenario("d", resources_add={"eng": hire(1, 2)}).apply(problem))[2]["eng"] == [3, 3, 4]
    assert limits(Scenario("e", capacity={"eng": [1, None, 2]}).apply(problem))[2]["eng"] == [1, np.inf, 2]
    # a capacity set and then added to
    assert limits(Scenario("f", capacity={"eng": 4}, resources_add={"eng": 1}).apply(problem))[2]["eng"] == [5, 5, 5]


def test_weights(problem):
    p = Scenario("risk-averse", weights={"risk": 3}).apply(problem)
    assert p.weights.to_dict() == {"fit": 0.5, "risk": 0.5}
    assert problem.weights.to_dict() == {"fit": 0.75, "risk": 0.25}


def test_cost_scale_is_consistent_everywhere(problem):
    p = Scenario("overrun", cost_scale={"category:grow": 1.5, "DWH": 2.0}).apply(problem)
    f, f0 = p.table.frame, problem.table.frame
    fac = {"CRM": 1.5, "DWH": 2.0, "ERP": 1.0, "REG": 1.0, "WEB": 1.5}  # the id overrides its category
    for k, pid in enumerate(f.index):
        assert f.at[pid, "cost"] == pytest.approx(tuple(x * fac[pid] for x in f0.at[pid, "cost"]))
        assert f.at[pid, "total_cost"] == pytest.approx(f0.at[pid, "total_cost"] * fac[pid])
        np.testing.assert_allclose(p.table.cost[k], problem.table.cost[k] * fac[pid])
    assert not p.table.cost.flags.writeable
    # the spend of a portfolio follows the scaled profile
    r = po.select(p)
    assert r.spend["spend"].sum() == pytest.approx(r.total_spend)


def test_value_scale(problem):
    p = Scenario("v", value_scale={"category:run": 0.5, "REG": 3}).apply(problem)
    assert p.table.frame["value"].to_dict() == {"CRM": 9, "DWH": 6, "ERP": 5.5, "REG": 3, "WEB": 5}


def test_value_scale_scales_the_score_under_a_score_objective():
    """v_i is the weighted score there (the contract's model), so value_scale multiplies it (it was refused,
    failing the whole engine request); the score, normalised over the candidates, is reported unscaled."""
    from oracle import brute_force

    spec = {"version": 1, "budget": 10, "objective": "score", "max_projects": 2,
            "scoring": {"criteria": {"fit": {"weight": 2}, "risk": {"weight": 1, "direction": "min"}}},
            "projects": [{"id": i, "cost": c, "value": 0, "scores": {"fit": f, "risk": r}}
                         for i, c, f, r in (("A", 4, 9, 2), ("B", 3, 7, 1), ("C", 5, 4, 3), ("D", 2, 1, 5))]}
    base = po.solve_spec(spec)
    score = {p["id"]: p["score"] for p in base["projects"]}
    sc = {"name": "A down, C up", "value_scale": {"A": 0.3, "category:x": 9, "C": 3}}
    for p in spec["projects"][:1]:
        p["category"] = "x"  # A's own factor overrides its category's
    out = po.solve_spec({**spec, "analyses": {"scenarios": [sc]}})["scenarios"][0]
    scaled = {"A": 0.3, "C": 3}
    by_hand = {**spec, "objective": "value", "scoring": None,  # the scaled scores as plain values
               "projects": [dict(p, value=score[p["id"]] * scaled.get(p["id"], 1)) for p in spec["projects"]]}
    assert out["status"] == "optimal" and out["objective"] == pytest.approx(brute_force(by_hand))
    assert out["objective"] != pytest.approx(base["objective"]) and out["left"] == ["A"]


def test_force_constraints_and_candidates(problem):
    p = Scenario("f", force_in=["WEB"], force_out=["REG"]).apply(problem)
    assert po.Mandatory("WEB") in p.constraints and po.ForcedOut("REG") in p.constraints
    assert po.Mandatory("REG") not in p.constraints
    p = Scenario("c", drop_constraints=[po.Requires("ERP", "DWH")],
                 add_constraints=[po.CountLimit("max", 2), {"type": "excludes", "a": "DWH", "b": "REG"}]).apply(problem)
    assert po.Requires("ERP", "DWH") not in p.constraints
    assert po.CountLimit("max", 2) in p.constraints and po.Excludes("DWH", "REG") in p.constraints
    # removing DWH forces out ERP, which requires it
    p = Scenario("r", remove_projects=["DWH"]).apply(problem)
    assert "DWH" not in p.ids and po.ForcedOut("ERP") in p.constraints
    assert p.table.frame.at["ERP", "requires"] == ()
    p = Scenario("a", add_projects=[{"id": "AI", "cost": [1, 1], "value": 4, "requires": ["DWH"], "mandatory": True,
                                     "resources": {"eng": [1, 0]}, "scores": {"fit": 5, "risk": 1}}]).apply(problem)
    assert list(p.ids)[-1] == "AI" and p.table.frame.at["AI", "total_cost"] == 2
    assert po.Requires("AI", "DWH") in p.constraints and po.Mandatory("AI") in p.constraints
    np.testing.assert_allclose(p.table.resources["eng"][-1][:2], [1, 0])


def test_round_trip_and_hash():
    sc = Scenario("all", budget_scale=0.9, budget={"per_period": [1, None, 2]}, resources_add={"eng": hire(2, 1)},
                  capacity={"eng": [3, 3, 4]}, weights={"risk": 2}, cost_scale={"category:grow": 1.2},
                  value_scale={"CRM": 0.8}, force_in=["WEB"], force_out=["CRM"],
                  add_constraints=[po.BudgetLimit(5.0, 1)], drop_constraints=[po.Requires("ERP", "DWH")],
                  add_projects=[{"id": "X", "cost": 1, "value": 1}], remove_projects=["DWH"])
    d = sc.to_dict()
    assert json.loads(json.dumps(d)) == d
    again = Scenario.from_dict(d)
    assert again == sc and hash(again) == hash(sc)
    assert constraint_from_dict(constraint_to_dict(po.GroupLimit("grow", "share", "max", 0.5))) == \
        po.GroupLimit("grow", "share", "max", 0.5)


@pytest.mark.parametrize("scenario, needle", [
    ({"name": "s", "budget_scale": "x"}, "scenario 's': field 'budget_scale'"),
    ({"name": "s", "colour": 1}, "scenario 's': unknown field(s) colour"),
    ({"name": "s", "force_in": ["NOPE"]}, "scenario 's': field 'force_in': unknown project id(s) 'NOPE'"),
    ({"name": "s", "cost_scale": {"CRM": -1}}, "scenario 's': field 'cost_scale' of 'CRM' must be a number ≥ 0"),
    ({"name": "s", "resources_add": {"cpu": 1}}, "scenario 's': field 'resources_add': unknown resource 'cpu'"),
    ({"name": "s", "resources_add": {"eng": [1, 2]}}, "gives 2 period values but the horizon has 3"),
    ({"name": "s", "resources_add": {"eng": -5}}, "would become negative"),
    ({"name": "s", "weights": {"speed": 1}}, "scenario 's': field 'weights': unknown criteria 'speed'"),
    ({"name": "s", "force_in": ["CRM"], "force_out": ["CRM"]}, "both forced in and forced out"),
    ({"name": "s", "drop_constraints": [{"type": "budget", "amount": 1}]}, "is not a constraint of the base problem"),
    ({"name": "s", "resources_add": {"eng": {"add": 1, "from": "1999"}}}, "unknown period '1999'"),
])
def test_bad_scenarios_name_the_scenario_and_field(problem, scenario, needle):
    with pytest.raises(po.ValidationError) as exc:
        check_scenarios(problem, [scenario])
    assert any(needle in m for m in exc.value.problems), exc.value.problems
    # and the engine reports it as invalid input, before solving
    spec = {**SPEC, "analyses": {"scenarios": [scenario]}}
    with pytest.raises(po.ValidationError):
        po.solve_spec(spec)


def test_adding_to_a_resource_without_capacity_says_where_a_capacity_is_set():
    """The request's field for capacities is 'resources' (the library's argument is 'capacity'): the message names
    both."""
    spec = {"version": 1, "periods": 1, "projects": [{"id": "A", "cost": 1, "value": 1, "resources": {"eng": 1}}],
            "analyses": {"scenarios": [{"name": "hire", "resources_add": {"eng": 1}}]}}
    with pytest.raises(po.ValidationError) as exc:
        po.solve_spec(spec)
    assert any("'eng' has no capacity limit" in m and "'resources'" in m for m in exc.value.problems), exc.value


def test_duplicate_and_reserved_names(problem):
    with pytest.raises(po.ValidationError, match="unique"):
        run_scenarios(problem, [Scenario("a"), Scenario("a")], executor="serial")
    with pytest.raises(po.ValidationError, match="reserved"):
        run_scenarios(problem, [Scenario("base")], executor="serial")


# --------------------------------------------------------------------------- the engine against the oracle


def _changed_request(spec, sc):
    """The scenario applied to the request JSON by hand (independent of the library's apply())."""
    s = copy.deepcopy(spec)
    s.pop("analyses", None)
    T = len(s["periods"])
    if "budget_scale" in sc:
        s["budget"]["total"] *= sc["budget_scale"]
        s["budget"]["per_period"] = [b * sc["budget_scale"] for b in s["budget"]["per_period"]]
    for r, add in sc.get("resources_add", {}).items():
        add = add if isinstance(add, list) else [add] * T
        s["resources"][r] = [c + a for c, a in zip(s["resources"][r], add)]
    for p in s["projects"]:
        f = sc.get("cost_scale", {}).get(p["id"], sc.get("cost_scale", {}).get(f"category:{p.get('category')}"))
        if f is not None:
            p["cost"] = [c * f for c in p["cost"]] if isinstance(p["cost"], list) else p["cost"] * f
        g = sc.get("value_scale", {}).get(p["id"])
        if g is not None:
            p["value"] *= g
        if p["id"] in sc.get("force_out", []):
            p["excluded"], p["mandatory"] = True, False
        if p["id"] in sc.get("force_in", []):
            p["mandatory"], p["excluded"] = True, False
    return s


SCENARIOS = [
    {"name": "budget -25%", "budget_scale": 0.75},
    {"name": "hire 2 engineers", "resources_add": {"eng": [0, 2, 2]}},
    {"name": "without ERP", "force_out": ["ERP"]},
    {"name": "with WEB", "force_in": ["WEB"]},
    {"name": "growth overrun", "cost_scale": {"category:grow": 1.4, "DWH": 0.5}},
    {"name": "ERP worth more", "value_scale": {"ERP": 2.0}},
    {"name": "impossible", "budget_scale": 0.1},
]


def test_engine_scenarios_match_solving_the_changed_request():
    out = po.solve_spec({**SPEC, "analyses": {"scenarios": SCENARIOS}})
    assert [e["name"] for e in out["scenarios"]] == [s["name"] for s in SCENARIOS]
    base_starts = out["starts"]
    for entry, sc in zip(out["scenarios"], SCENARIOS):
        assert set(entry) == {"name", "status", "objective", "selected", "starts", "entered", "left", "moved",
                              "diagnosis"}
        changed = _changed_request(SPEC, sc)
        best = brute_force(changed)
        if best is None:
            assert entry["status"] == "infeasible" and entry["objective"] is None
            assert entry["diagnosis"], "an infeasible scenario carries its diagnosis"
            assert entry["selected"] == [] and entry["entered"] == entry["left"] == entry["moved"] == []
            continue
        assert entry["status"] == "optimal"
        assert entry["objective"] == pytest.approx(best)
        direct = po.solve_spec(changed)
        assert direct["objective"] == pytest.approx(entry["objective"])
        # the portfolio is feasible for the changed request and as good as the oracle's
        assert any(ch == {k: v for k, v in entry["starts"].items()} for _, ch in all_portfolios(changed)
                   if _ == pytest.approx(best))
        st = entry["starts"]
        assert entry["entered"] == [i for i in st if i not in base_starts]
        assert entry["left"] == [i for i in base_starts if i not in st]
        assert entry["moved"] == [i for i in base_starts if i in st and st[i] != base_starts[i]]
    json.dumps(out)


def test_a_capacity_no_candidate_uses_is_part_of_the_request():
    """A planning system sends its usual capacities whatever the candidates: a resource no project demands
    is checked like any other, its use reported (zero), and scenarios may change it."""
    spec = {"version": 1, "periods": 2, "budget": 4, "resources": {"eng": 3, "ops": [1, 1]}, "projects": [
        {"id": "A", "cost": 3, "value": 5}, {"id": "B", "cost": 2, "value": 3, "resources": {"ops": 1}}]}
    scenarios = [{"name": "hire", "resources_add": {"eng": 2}}, {"name": "cut", "resources_add": {"eng": -3}},
                 {"name": "set", "capacity": {"eng": [0, 1]}}, {"name": "more budget", "budget_scale": 1.25}]
    changed = [{**spec, "resources": {"eng": 5, "ops": [1, 1]}}, {**spec, "resources": {"eng": 0, "ops": [1, 1]}},
               {**spec, "resources": {"eng": [0, 1], "ops": [1, 1]}}, {**spec, "budget": 5}]
    out = po.solve_spec({**spec, "analyses": {"scenarios": scenarios}})
    assert out["objective"] == brute_force(spec) == 5 and out["resource_use"]["eng"] == [0.0, 0.0]
    assert [e["objective"] for e in out["scenarios"]] == [brute_force(c) for c in changed] == [5, 5, 5, 8]
    assert [e["status"] for e in out["scenarios"]] == ["optimal"] * 4
    with pytest.raises(po.ValidationError, match="'eng'.*negative"):
        po.solve_spec({**spec, "analyses": {"scenarios": [{"name": "x", "resources_add": {"eng": -4}}]}})
    for bad, needle in (("many", "expected a number"), ([1, 2, 3], "3 period values"), (-1, "negative")):
        with pytest.raises(po.ValidationError, match=f"field 'resources.eng'.*{needle}"):  # the request's name
            po.solve_spec({**spec, "resources": {"eng": bad, "ops": 1}})
    with pytest.raises(po.ValidationError, match="unknown resource 'staff'"):  # never declared: a typo
        po.solve_spec({**spec, "analyses": {"scenarios": [{"name": "x", "resources_add": {"staff": 1}}]}})


def test_evidence_equals_the_oracle_cost_of_keeping_the_base_decision(problem):
    res = run_scenarios(problem, [Scenario("budget -25%", budget_scale=0.75)], executor="serial")
    o = res["budget -25%"]
    assert o.moves, "the cut changes the portfolio"
    changed = _changed_request(SPEC, {"budget_scale": 0.75})
    best = brute_force(changed)
    base = res.base.starts
    for m in o.moves:
        b = int(base[m.id])

        def keeps(choice, pid=m.id, b=b):
            return (pid not in choice) if b < 0 else (choice.get(pid) == b)

        kept = [v for v, ch in all_portfolios(changed) if keeps(ch)]
        if kept:
            assert m.kept_objective == pytest.approx(max(kept))
            assert m.cost_of_keeping == pytest.approx(best - max(kept))
        else:
            assert m.kept_objective is None and "infeasible" in m.reason
        assert m.reason
    d = res.diff("budget -25%")
    assert list(d.index) == [m.id for m in o.moves]
    assert {"change", "cost_of_keeping", "blocked_by", "reason"} <= set(d.columns)


def test_results_tables(problem):
    scs = [Scenario("cut", budget_scale=0.75), Scenario("too tight", budget_scale=0.1),
           Scenario("new", add_projects=[{"id": "AI", "cost": 1, "value": 50, "scores": {"fit": 1, "risk": 1}}])]
    res = run_scenarios(problem, scs, executor="serial", explain_moves=False)
    s = res.summary
    assert list(s.index) == ["base", "cut", "too tight", "new"]
    assert s.loc["too tight", "status"] == "infeasible" and np.isnan(s.loc["too tight", "objective"])
    assert s.loc["cut", "change"] == pytest.approx(s.loc["cut", "objective"] - s.loc["base", "objective"])
    assert res["too tight"].diagnosis
    sel = res.selection
    assert list(sel.columns) == ["base", "cut", "too tight", "new"] and "AI" in sel.index
    assert sel.loc["AI", "new"] == "2027" and sel.loc["AI", "base"] == ""
    assert (sel["too tight"] == "").all()
    assert set(sel.loc[sel["base"] != "", "base"]) <= {"2027", "2028", "2029"}
    d = res.to_dict()
    json.dumps(d)
    assert [x["name"] for x in d["scenarios"]] == ["cut", "too tight", "new"]
    text = res.report()
    assert "too tight: infeasible" in text and "entered AI" in text


class FlakyExecutor(cf.ThreadPoolExecutor):
    """Runs everything in one thread but 'loses' the unit whose scenario is called 'doomed'."""

    def submit(self, fn, *args, **kwargs):
        if "doomed" in args:  # the scenario name is one of the work unit's arguments
            fut: cf.Future = cf.Future()
            fut.set_exception(RuntimeError("worker lost"))
            return fut
        return super().submit(fn, *args, **kwargs)


def test_a_failed_unit_marks_its_scenario_failed_and_the_batch_goes_on(problem):
    with FlakyExecutor(max_workers=1) as ex:
        res = run_scenarios(problem, [Scenario("ok", budget_scale=0.9), Scenario("doomed"),
                                      Scenario("also ok", budget_scale=1.1)], executor=ex, explain_moves=False,
                            reuse=False)
    assert res.summary["status"].tolist() == ["optimal", "optimal", "failed", "optimal"]
    assert "worker lost" in res["doomed"].error
    assert res["doomed"].to_engine()["diagnosis"] == ["RuntimeError: worker lost"]


@pytest.mark.parametrize("field", ["cost_scale", "value_scale"])
def test_a_scale_on_a_category_no_project_has_changes_nothing(problem, field):
    """Every project of a category no project has is none: the factor is a no-op (as a group on such a category
    counts none), with a warning naming the categories there are; it used to fail the whole request."""
    needle = f"scenario 's': field '{field}': no project has category 'nope' .categories: "
    with pytest.warns(po.PortfolioWarning, match=needle):
        changed = Scenario("s", **{field: {"category:nope": 2, "CRM": 1.5}}).apply(problem)
    same = Scenario("s", **{field: {"CRM": 1.5}}).apply(problem)
    pd.testing.assert_frame_equal(changed.table.frame, same.table.frame)
    assert not changed.table.frame.equals(problem.table.frame)
