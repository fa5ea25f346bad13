"""The infeasibility diagnosis, checked against the brute-force oracle.

For infeasible requests (generated, and written by hand with several kinds of
constraint in one conflict):

- the conflict set really cannot hold on its own, and without any one member
  it can (it is irreducible) — by brute force on a request rebuilt from only
  those constraints;
- every repair reported as working really restores feasibility (brute force),
  and for a relaxed limit, a slightly smaller relaxation does not;
- a repair reported as not enough on its own really is not enough;
- the plain-language diagnosis names every constraint of the conflict.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from oracle import brute_force

import portfolio_opt as po
from portfolio_opt.constraints import (
    BudgetLimit,
    CapacityLimit,
    CountLimit,
    Excludes,
    ForcedOut,
    GroupLimit,
    Mandatory,
    Requires,
)
from portfolio_opt.diagnosis import diagnose_infeasibility, quick_checks

BACKENDS = [b for b in ("highs", "cbc") if b in po.available_solvers()]


# --------------------------------------------------------------------------- request <-> constraint objects
def _periods(spec):
    T = spec.get("periods", 1)
    return T if isinstance(T, int) else len(T)


def strip(spec):
    """The request without any of its constraints (projects, windows and values kept)."""
    s = copy.deepcopy(spec)
    for key in ("budget", "resources", "groups", "min_projects", "max_projects"):
        s.pop(key, None)
    for p in s["projects"]:
        for key in ("mandatory", "excluded", "requires", "excludes"):
            p.pop(key, None)
    return s


def add(spec, con, amount=None):
    """Add constraint ``con`` (with ``amount`` instead of its own, if given) to a request, in place."""
    a = con.amount if amount is None and hasattr(con, "amount") else amount
    T = _periods(spec)
    ps = {p["id"]: p for p in spec["projects"]}
    if isinstance(con, BudgetLimit):
        b = spec.setdefault("budget", {})
        if not isinstance(b, dict):
            b = spec["budget"] = {"per_period": b} if isinstance(b, list) else {"total": b}
        if con.period is None:
            b["total"] = a
        else:
            per = b.setdefault("per_period", [None] * T)
            per[con.period] = a
    elif isinstance(con, CapacityLimit):
        res = spec.setdefault("resources", {})
        cur = res.get(con.resource)
        lst = cur if isinstance(cur, list) else [cur] * T
        lst[con.period] = a
        res[con.resource] = lst
    elif isinstance(con, Mandatory):
        ps[con.project]["mandatory"] = True
    elif isinstance(con, ForcedOut):
        ps[con.project]["excluded"] = True
    elif isinstance(con, Requires):
        ps[con.project].setdefault("requires", []).append(con.required)
    elif isinstance(con, Excludes):
        ps[con.a].setdefault("excludes", []).append(con.b)
    elif isinstance(con, GroupLimit):
        spec.setdefault("groups", []).append({"category": con.category, f"{con.bound}_{con.measure}": a})
    elif isinstance(con, CountLimit):
        spec[f"{con.bound}_projects"] = int(round(a))
    else:  # pragma: no cover
        raise TypeError(con)
    return spec


def rebuild(spec, constraints, changed=None, amount=None):
    """The request with exactly ``constraints``; ``changed`` gets ``amount`` (None with no amount: dropped)."""
    s = strip(spec)
    for c in constraints:
        if c == changed:
            if amount is None:
                continue
            add(s, c, amount)
        else:
            add(s, c)
    b = s.get("budget")
    if isinstance(b, dict) and "per_period" in b:
        b["per_period"] = [1e18 if v is None else v for v in b["per_period"]]
    for r, cap in (s.get("resources") or {}).items():
        if isinstance(cap, list):
            s["resources"][r] = [1e18 if v is None else v for v in cap]
    return s


# --------------------------------------------------------------------------- generated infeasible requests
@st.composite
def infeasible_requests(draw):
    T = draw(st.integers(1, 2))
    n = draw(st.integers(2, 5))
    ids = [f"P-{k}" for k in range(n)]
    projects = []
    for pid in ids:
        dur = draw(st.integers(1, T))
        es = draw(st.integers(0, T - dur))
        p = {"id": pid, "cost": [draw(st.integers(0, 6)) for _ in range(dur)], "value": draw(st.integers(0, 9)),
             "earliest_start": es, "latest_start": draw(st.integers(es, T - dur)),
             "category": draw(st.sampled_from(["run", "grow"]))}
        if draw(st.booleans()):
            p["resources"] = {"eng": [draw(st.integers(0, 3)) for _ in range(dur)]}
        r = draw(st.integers(0, 5))
        if r <= 1:
            p["mandatory"] = True
        elif r == 2:
            p["excluded"] = True
        others = [i for i in ids if i != pid]
        if draw(st.integers(0, 2)) == 0:
            p["requires"] = [draw(st.sampled_from(others))]
        if draw(st.integers(0, 3)) == 0:
            e = draw(st.sampled_from(others))
            if e not in p.get("requires", []):
                p["excludes"] = [e]
        projects.append(p)
    spec = {"version": 1, "periods": T, "projects": projects}
    kind = draw(st.sampled_from(["total", "per", "both"]))
    if kind in ("total", "both"):
        spec["budget"] = {"total": draw(st.integers(0, 12))}
    if kind in ("per", "both"):
        spec.setdefault("budget", {})["per_period"] = [draw(st.integers(0, 8)) for _ in range(T)]
    if any("resources" in p for p in projects) and draw(st.booleans()):
        spec["resources"] = {"eng": draw(st.integers(0, 4))}
    if draw(st.booleans()):
        cat = draw(st.sampled_from(sorted({p["category"] for p in projects})))
        field = draw(st.sampled_from(["min_count", "max_count", "min_cost", "max_cost", "min_share", "max_share"]))
        val = (draw(st.integers(0, 3)) if "count" in field else draw(st.integers(0, 10)) if "cost" in field
               else draw(st.sampled_from([0.25, 0.5, 0.75])))
        spec["groups"] = [{"category": cat, field: val}]
    if draw(st.integers(0, 2)) == 0:
        spec["min_projects"] = draw(st.integers(1, 4))
    if draw(st.integers(0, 3)) == 0:
        spec["max_projects"] = draw(st.integers(0, 2))
    return spec


def _smaller(con, new):
    """A slightly smaller relaxation than the repair's new amount."""
    lower = isinstance(con, (GroupLimit, CountLimit)) and con.bound == "min"
    if isinstance(con, CountLimit) or (isinstance(con, GroupLimit) and con.measure == "count"):
        eps = 1.0
    elif isinstance(con, GroupLimit) and con.measure == "share":
        eps = 2e-4
    else:
        eps = 1e-5 * max(1.0, abs(new))
    return new + eps if lower else new - eps


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(spec=infeasible_requests())
def test_conflict_is_irreducible_and_repairs_work_by_brute_force(spec):
    assume(brute_force(spec) is None)
    problem = po.problem_from_spec(spec)
    d = po.diagnose(problem)
    assert d.conflict, "an infeasible request needs a conflict set"
    # the conflict alone is infeasible; without any one member it is feasible
    assert brute_force(rebuild(spec, d.conflict)) is None
    for c in d.conflict:
        assert brute_force(rebuild(spec, d.conflict, changed=c)) is not None, c
    for rep in d.repairs:
        con = rep.constraint
        if rep.kind == "relax":
            fixed = rebuild(spec, problem.constraints, changed=con, amount=rep.new_amount)
            assert rep.verified and brute_force(fixed) is not None, rep.text
            less = rebuild(spec, problem.constraints, changed=con, amount=_smaller(con, rep.new_amount))
            assert brute_force(less) is None, f"a smaller change than '{rep.text}' works too"
        else:
            dropped = rebuild(spec, problem.constraints, changed=con)
            assert (brute_force(dropped) is not None) == rep.verified, rep.text
    text = " ".join(diagnose_infeasibility(problem))
    for c in d.conflict:
        assert c.describe(problem.periods) in text


# --------------------------------------------------------------------------- conflicts written by hand
FIVE_KINDS = {
    # REG-04 is mandatory and needs DWH-01; at least one 'grow' project (only GRO-01 is one); in 2028 the
    # engineers (1) cannot take DWH-01 or GRO-01 (2 each), so both start in 2027, where the budget (8) cannot
    # pay 4 + 3 + 4 and the engineers (3) cannot staff 1 + 2 + 2
    "version": 1, "periods": ["2027", "2028"],
    "budget": {"per_period": [8, 10]}, "resources": {"eng": [6, 1]},
    "groups": [{"category": "grow", "min_count": 1}],
    "projects": [
        {"id": "REG-04", "cost": [4], "value": 1, "mandatory": True, "requires": ["DWH-01"],
         "resources": {"eng": [1]}, "category": "run"},
        {"id": "DWH-01", "cost": [3], "value": 5, "earliest_start": 0, "latest_start": 1,
         "resources": {"eng": [2]}, "category": "run"},
        {"id": "GRO-01", "cost": [4], "value": 8, "earliest_start": 0, "latest_start": 1,
         "resources": {"eng": [2]}, "category": "grow"},
        {"id": "OPS-01", "cost": [2], "value": 2, "category": "run"}],
}


@pytest.mark.parametrize("backend", BACKENDS)
def test_five_kinds_of_constraint_in_one_conflict(backend):
    spec = FIVE_KINDS
    assert brute_force(spec) is None
    problem = po.problem_from_spec(spec)
    d = po.diagnose(problem, solver=backend)
    names = {c.describe(problem.periods) for c in d.conflict}
    assert names == {
        "the budget of 2027 (8)", "the mandatory flag of 'REG-04'", "'REG-04' requires 'DWH-01'",
        "the minimum number of 'grow' projects (1)", "the eng capacity in 2028 (1)"}
    working = [r for r in d.repairs if r.verified]
    assert {r.text for r in working} >= {
        "raise the budget of 2027 (8) by 3 to 11", "drop the mandatory flag of 'REG-04'",
        "drop the requirement: 'REG-04' requires 'DWH-01'", "raise the eng capacity in 2028 (1) by 1 to 2",
        "lower the minimum number of 'grow' projects (1) by 1 to 0"}
    for r in working:
        amount = r.new_amount if r.kind == "relax" else None
        assert brute_force(rebuild(spec, problem.constraints, changed=r.constraint, amount=amount)) is not None
    out = po.solve_spec(dict(spec, solver={"name": backend}))
    assert out["status"] == "infeasible"
    text = " ".join(out["diagnosis"])
    for name in names:
        assert name in text
    assert "any one of these changes restores feasibility" in text


def test_two_independent_conflicts_report_repairs_that_are_not_enough_alone():
    spec = {"version": 1, "budget": 5, "max_projects": 1, "projects": [
        {"id": "A", "cost": 4, "value": 1, "mandatory": True},
        {"id": "B", "cost": 4, "value": 1, "mandatory": True},
        {"id": "C", "cost": 0, "value": 1, "mandatory": True, "excluded": True}]}
    problem = po.problem_from_spec(spec)
    d = po.diagnose(problem)
    assert not any(r.verified for r in d.repairs)
    assert all("not enough on its own" in r.text or "not confirmed" in r.text for r in d.repairs)
    assert "'C' is both mandatory and forced out" in d.checks


@pytest.mark.parametrize("spec, message", [
    ({"version": 1, "budget": [5, 5], "periods": 2, "projects": [
        {"id": "A", "cost": [4, 1], "value": 1, "mandatory": True},
        {"id": "B", "cost": [3], "value": 1, "mandatory": True}]},
     "the mandatory projects 'A' and 'B' need at least 7 in period 0 and that period's budget is 5"),
    ({"version": 1, "projects": [
        {"id": "A", "cost": 1, "value": 1, "mandatory": True, "requires": ["B"]},
        {"id": "B", "cost": 1, "value": 1, "requires": ["C"]},
        {"id": "C", "cost": 1, "value": 1, "excluded": True}]},
     "mandatory 'A' requires 'B' → 'C', but 'C' is forced out"),
    ({"version": 1, "projects": [
        {"id": "A", "cost": 1, "value": 1, "mandatory": True, "requires": ["B"]},
        {"id": "B", "cost": 1, "value": 1, "excludes": ["A"]}]},
     "'A' and 'B' exclude each other, but 'A' is mandatory and 'B' is required by mandatory 'A'"),
    ({"version": 1, "groups": [{"category": "x", "min_count": 3}], "projects": [
        {"id": "A", "cost": 1, "value": 1, "category": "x"},
        {"id": "B", "cost": 1, "value": 1, "category": "x", "excluded": True}]},
     "the minimum number of 'x' projects (3) is more than the 1 selectable projects of that category"),
    ({"version": 1, "groups": [{"category": "x", "min_cost": 10}], "projects": [
        {"id": "A", "cost": 4, "value": 1, "category": "x"},
        {"id": "B", "cost": 9, "value": 1, "category": "x", "excluded": True}]},
     "the minimum cost of category 'x' (10) is more than the 4 that all selectable projects of that category "
     "cost together"),
    ({"version": 1, "groups": [{"category": "x", "max_cost": 5}], "projects": [
        {"id": "A", "cost": 4, "value": 1, "category": "x", "mandatory": True, "requires": ["B"]},
        {"id": "B", "cost": 3, "value": 1, "category": "x"}]},
     "the maximum cost of category 'x' (5) is less than the 7 that the mandatory projects 'A' and 'B' of that "
     "category cost"),
    ({"version": 1, "resources": {"eng": 2}, "projects": [
        {"id": "A", "cost": 1, "value": 1, "mandatory": True, "resources": {"eng": 3}}]},
     "the mandatory projects 'A' need at least 3 eng in period 0 and the capacity is 2"),
])
def test_quick_checks_name_projects_periods_and_amounts(spec, message):
    problem = po.problem_from_spec(spec)
    assert message in quick_checks(problem)
    assert brute_force(spec) is None
    assert message in po.select(problem).diagnosis


def test_feasible_problem_has_an_empty_diagnosis():
    problem = po.problem_from_spec({"version": 1, "budget": 5, "projects": [{"id": "A", "cost": 4, "value": 1}]})
    d = po.diagnose(problem)
    assert d.conflict == () and d.repairs == () and d.messages == []


def test_a_minimum_beyond_reach_is_repaired_by_its_whole_excess():
    """The repair reads the minimum off the compiled row: it must stay the request's amount (3 'run' projects
    wanted, none selectable: lower it by 3 to 0, confirmed), and one beyond what solvers read as a number
    (1e30) is still explained rather than failing inside HiGHS."""
    spec = {"version": 1, "periods": 1, "budget": 10, "groups": [{"category": "run", "min_count": 3}], "projects": [
        {"id": "A", "cost": 1, "value": 1, "category": "run", "excluded": True},
        {"id": "B", "cost": 1, "value": 1, "category": "grow"}]}
    out = po.solve_spec(spec)
    assert out["status"] == "infeasible" and brute_force(spec) is None
    assert out["diagnosis"][-1].endswith("lower the minimum number of 'run' projects (3) by 3 to 0"), out["diagnosis"]
    huge = {**spec, "groups": [{"category": "run", "min_count": 1e30}]}
    assert po.solve_spec(huge)["diagnosis"][0].startswith("the minimum number of 'run' projects (1e+30)")


def test_a_diagnosis_out_of_time_reports_what_it_holds_and_says_so():
    """With no time at all (total_time=0) the deletion filter stops before its first check: the answer still
    has the quick checks, names the whole request as the set that cannot hold (it cannot, as a whole), says no
    smaller set was found in time, and tries no repair. With time, the same problem gets its irreducible set."""
    import pandas as pd

    df = pd.DataFrame({"id": ["A", "B", "C"], "cost": [5, 4, 1], "value": [1, 1, 1],
                       "mandatory": [True, True, False]})
    problem = po.Problem.from_frame(df, budget=6, max_projects=3)
    cut = po.diagnose(problem, total_time=0)
    assert cut.checks and "'A' and 'B' cost 9" in cut.checks[0]
    assert cut.conflict == problem.constraints and not cut.repairs
    assert "no smaller set" in cut.conflict_text and "time limit" in cut.conflict_text
    full = po.diagnose(problem)
    assert len(full.conflict) < len(problem.constraints) and full.repairs
    assert "time limit" not in full.conflict_text


def test_select_with_a_time_limit_bounds_its_diagnosis(monkeypatch):
    import pandas as pd

    from portfolio_opt import diagnosis as D

    seen = []
    real = D.diagnose_infeasibility
    monkeypatch.setattr(D, "diagnose_infeasibility", lambda *a, **k: seen.append(k.get("total_time")) or real(*a, **k))
    df = pd.DataFrame({"id": ["A", "B"], "cost": [5, 4], "value": [1, 1], "mandatory": [True, True]})
    problem = po.Problem.from_frame(df, budget=6)
    for limit, total in ((None, None), (0.5, 2.0), (30, 30.0)):
        r = po.select(problem, time_limit=limit)
        assert r.status.value == "infeasible" and r.diagnosis
    assert seen == [None, 2.0, 30.0]


def test_a_diagnosis_that_cannot_prove_infeasibility_again_in_time_still_says_something(monkeypatch):
    """Under a total time, the first check (the whole problem, proved infeasible by the solve just before)
    may hit its limit: the diagnosis then has the quick checks and says no set was isolated, instead of
    nothing at all."""
    import pandas as pd

    from portfolio_opt import diagnosis as D

    df = pd.DataFrame({"id": ["A", "B"], "cost": [5, 4], "value": [1, 1], "mandatory": [True, True]})
    problem = po.Problem.from_frame(df, budget=6)
    monkeypatch.setattr(D, "_feasible", lambda *a, **k: None)  # every check hits its limit
    d = po.diagnose(problem, total_time=1.0)
    assert d.checks and "cost 9" in d.checks[0] and not d.conflict
    assert "within the time limit" in d.conflict_text
    assert po.diagnose(problem).messages == []  # without a total time: unknown, as before
