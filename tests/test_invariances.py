"""Invariances a correct selection must keep (style.md: tests that prove something)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import portfolio_opt as po


@st.composite
def frames(draw):
    n = draw(st.integers(2, 8))
    T = draw(st.integers(1, 3))
    rows = []
    for k in range(n):
        dur = draw(st.integers(1, T))
        es = draw(st.integers(0, T - dur))
        rows.append({"id": f"P{k}", "cost": ";".join(str(draw(st.integers(1, 9))) for _ in range(dur)),
                     "value": draw(st.integers(0, 30)), "earliest_start": es,
                     "latest_start": draw(st.integers(es, T - dur)),
                     "res_eng": ";".join(str(draw(st.integers(0, 3))) for _ in range(dur)),
                     "category": draw(st.sampled_from(["a", "b"]))})
    budget = [draw(st.integers(3, 15)) for _ in range(T)]
    cap = draw(st.integers(2, 6))
    return pd.DataFrame(rows), T, budget, cap


def _solve(df, T, budget, cap, **kw):
    return po.select(po.Problem.from_frame(df, periods=T, budget_per_period=budget, capacity={"eng": cap}, **kw))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames(), st.randoms(use_true_random=False))
def test_permuting_rows_keeps_the_optimum(data, rnd):
    df, T, budget, cap = data
    r1 = _solve(df, T, budget, cap)
    perm = list(range(len(df)))
    rnd.shuffle(perm)
    r2 = _solve(df.iloc[perm], T, budget, cap)
    assert r1.objective == pytest.approx(r2.objective)
    # outputs keep the caller's order
    assert list(r2.to_frame().index) == list(df.iloc[perm]["id"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames())
def test_more_budget_never_lowers_the_optimum(data):
    df, T, budget, cap = data
    lo = _solve(df, T, budget, cap).objective
    hi = _solve(df, T, [b + 3 for b in budget], cap).objective
    assert hi >= lo - 1e-9


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames(), st.sampled_from([2, 10, 1000]))
def test_scaling_costs_and_budgets_together_keeps_the_optimum(data, factor):
    df, T, budget, cap = data
    r1 = _solve(df, T, budget, cap)
    scaled = df.assign(cost=[";".join(str(int(x) * factor) for x in c.split(";")) for c in df["cost"]])
    r2 = _solve(scaled, T, [b * factor for b in budget], cap)
    assert r1.objective == pytest.approx(r2.objective)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames())
def test_adding_a_dominated_project_changes_nothing(data):
    df, T, budget, cap = data
    r1 = _solve(df, T, budget, cap)
    # dominated by leaving it out: no value, some cost, no relations
    dom = dict(df.iloc[0])
    dom.update(id="DOMINATED", value=0, cost=";".join(str(int(x) + 1) for x in str(dom["cost"]).split(";")))
    r2 = _solve(pd.concat([df, pd.DataFrame([dom])], ignore_index=True), T, budget, cap)
    assert r2.objective == pytest.approx(r1.objective)


def test_result_is_frozen_and_reports_against_budget():
    df = pd.DataFrame({"id": ["A", "B"], "cost": ["3;3", "4"], "value": [5, 4], "res_eng": ["1;1", "2"]})
    problem = po.Problem.from_frame(df, periods=["2027", "2028"], budget_per_period=[7, 3], capacity={"eng": [3, 3]})
    r = po.select(problem)
    with pytest.raises(AttributeError):
        r.objective = 0  # type: ignore[misc]
    assert list(r.spend.index) == ["2027", "2028"]
    assert r.spend["spend"].tolist() == [7.0, 3.0]
    assert r.spend["budget"].tolist() == [7.0, 3.0]
    assert r.resource_use[("eng", "use")].tolist() == [3.0, 1.0]
    assert r.violations() == []
    d = r.to_dict()
    assert d["spend"] == [7.0, 3.0] and d["resource_use"] == {"eng": [3.0, 1.0]}
    from portfolio_opt._compile import compile_problem
    from portfolio_opt._solvers import default_backend

    assert r.solver.name == default_backend(**compile_problem(problem).backend_hint)
    assert r.solver.version
    assert r.solver.options["name"] == r.solver.name  # "auto" is recorded as the backend it chose


def test_probability_weights_the_objective():
    df = pd.DataFrame({"id": ["A", "B"], "cost": [5, 5], "value": [10, 8], "probability": [0.5, 1.0]})
    r = po.select(po.Problem.from_frame(df, budget=5))
    assert r.selected_ids == ["B"] and r.objective == 8


def test_npv_and_score_objectives():
    df = pd.DataFrame({"id": ["A", "B"], "cost": ["10;0", "10;0"], "benefits": ["0;30", "0;20"],
                       "fit": [1, 5], "value": [0, 0]})
    p = po.Problem.from_frame(df, budget=10, objective="npv", discount_rate=0.1, periods=2)
    r = po.select(p)
    assert r.selected_ids == ["A"]
    assert r.objective == pytest.approx(-10 + 30 / 1.1)
    s = po.select(p.replace(objective="score", scoring=po.ScoringModel((po.Criterion("fit"),))))
    assert s.selected_ids == ["B"] and s.objective == pytest.approx(1.0)


def test_feasible_at_a_limit_is_kept_apart_from_optimal():
    rng = np.random.default_rng(7)
    n = 150
    df = pd.DataFrame({"id": [f"P{k}" for k in range(n)],
                       "cost": [";".join(map(str, rng.integers(10, 100, 4))) for _ in range(n)],
                       "value": rng.integers(10, 100, n),
                       **{f"res_r{j}": [";".join(map(str, rng.integers(0, 9, 4))) for _ in range(n)] for j in range(3)}})
    p = po.Problem.from_frame(df, periods=4, budget_per_period=2000, capacity={f"r{j}": 200 for j in range(3)})
    r = po.select(p, time_limit=0.3)
    assert r.status in (po.Status.FEASIBLE, po.Status.OPTIMAL)
    if r.status == po.Status.FEASIBLE:
        assert r.gap is not None and r.gap > 0 and r.bound >= r.objective
    assert r.violations() == []
