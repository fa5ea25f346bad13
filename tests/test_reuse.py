"""Reuse of proofs across a scenario batch: every reused portfolio is checked against the oracle.

A scenario settled without a solve (a looser scenario's portfolio fits it, or the sandwich
between a looser and a tighter one closes) must have the brute-force optimum of the
changed request, a feasible portfolio, and the same objective as a batch run without reuse.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import portfolio_opt as po
from oracle import brute_force, feasible
from portfolio_opt._solvers import CompiledModel
from portfolio_opt.analysis import _reuse as reuse_mod
from portfolio_opt.analysis import scenarios as scen_mod
from portfolio_opt.analysis._reuse import plan_chunks, relaxes
from portfolio_opt.analysis.scenarios import Scenario, run_scenarios


def _knap(c, rows, hi, lo=None, col_hi=None):
    A = np.atleast_2d(np.asarray(rows, float))
    n = A.shape[1]
    return CompiledModel(c=np.asarray(c, float), A=sp.csr_matrix(A), row_lo=np.full(len(A), -np.inf) if lo is None
                         else np.asarray(lo, float), row_hi=np.asarray(hi, float), col_lo=np.zeros(n),
                         col_hi=np.ones(n) if col_hi is None else np.asarray(col_hi, float),
                         integrality=np.ones(n, dtype=np.int8))


def test_relaxes_compares_models_exactly():
    a = _knap([3, 2], [[2, 1]], [3])
    assert relaxes(a, a)
    assert relaxes(a, _knap([3, 2], [[2, 1]], [2]))  # tighter budget
    assert not relaxes(_knap([3, 2], [[2, 1]], [2]), a)  # looser is not relaxed
    assert not relaxes(a, _knap([3, 2.5], [[2, 1]], [2]))  # another objective
    assert not relaxes(a, _knap([3, 2], [[2, 1.5]], [2]))  # another coefficient
    assert relaxes(a, _knap([3, 2], [[2, 1]], [2], lo=[0.5]))  # a lower bound added is tighter
    assert not relaxes(_knap([3, 2], [[2, 1]], [3], lo=[0.5]), a)
    assert relaxes(a, _knap([3, 2], [[2, 1], [1, 1]], [3, 1]))  # an extra row
    assert not relaxes(_knap([3, 2], [[2, 1], [1, 1]], [3, 1]), a)  # a missing row
    assert relaxes(a, _knap([3, 2], [[2, 1]], [3], col_hi=[1, 0]))  # a project forced out
    assert not relaxes(_knap([3, 2], [[2, 1]], [3], col_hi=[1, 0]), a)


def test_plan_orders_loose_to_tight_and_links_chains():
    ms = [_knap([3, 2], [[2, 1]], [b]) for b in (1, 3, 2)] + [_knap([3, 9], [[2, 1]], [5])]
    plan = plan_chunks(ms, [("a", "b")] * 4, _knap([3, 2], [[2, 1]], [2.5]), ("a", "b"), chunk=2)
    flat = [k for ch in plan.chunks for k in ch]
    assert sorted(flat) == [0, 1, 2, 3] and all(len(ch) <= 2 for ch in plan.chunks)
    pos = {k: flat.index(k) for k in flat}
    assert pos[1] < pos[2] < pos[0]  # the budget-3 model first, then 2, then 1
    assert plan.base_relaxes == frozenset({0, 2})
    for ch in plan.chunks:
        for a, b in zip(ch, ch[1:]):
            assert plan.links[a] == relaxes(ms[a], ms[b])
        assert plan.links[ch[-1]] is False


def test_unrelated_scenarios_get_small_units_and_chains_stay_together():
    # 12 scenarios none of which relaxes another (another objective each): 12 units that spread over
    # the workers (they were 10 + 2 on two workers)
    odd = [_knap([3, 20 + k], [[2, 1]], [2]) for k in range(12)]
    plan = plan_chunks(odd, [("a", "b")] * 12, None, ("a", "b"))
    assert sorted(len(ch) for ch in plan.chunks) == [1] * 12 and not any(plan.links.values())
    many = [_knap([3, 2 + k], [[2, 1]], [2]) for k in range(40)]  # 40: units of at most ceil(40 / 16) = 3
    plan = plan_chunks(many, [("a", "b")] * 40, None, ("a", "b"))
    assert sorted(k for ch in plan.chunks for k in ch) == list(range(40)) and max(map(len, plan.chunks)) == 3
    # a budget sweep of 25 with 3 unrelated scenarios: the chain in pieces of 10, 10 and 5
    sweep = [_knap([3, 2], [[2, 1]], [1 + k / 10]) for k in range(25)]
    plan = plan_chunks(sweep + odd[:3], [("a", "b")] * 28, _knap([3, 2], [[2, 1]], [10]), ("a", "b"), chunk=10)
    chains = [ch for ch in plan.chunks if ch[0] < 25]
    assert sorted(map(len, chains)) == [5, 10, 10] and all(plan.links[a] for ch in chains for a in ch[:-1])
    assert sorted(k for ch in plan.chunks if ch[0] >= 25 for k in ch) == [25, 26, 27]


def _changed(spec, sc):
    s = copy.deepcopy(spec)
    f = sc.get("budget_scale", 1.0)
    s["budget"] = {"total": s["budget"]["total"] * f, "per_period": [b * f for b in s["budget"]["per_period"]]}
    for r, add in sc.get("resources_add", {}).items():
        s["resources"][r] = [c + add for c in s["resources"][r]]
    for p in s["projects"]:
        if p["id"] in sc.get("force_out", []):
            p["excluded"], p["mandatory"] = True, False
    return s


@st.composite
def sweeps(draw):
    n = draw(st.integers(3, 6))
    T = draw(st.integers(1, 3))
    projects = []
    for k in range(n):
        dur = draw(st.integers(1, T))
        es = draw(st.integers(0, T - dur))
        projects.append({
            "id": f"P{k}", "cost": [draw(st.integers(1, 6)) for _ in range(dur)],
            "value": draw(st.integers(0, 9)), "earliest_start": es, "latest_start": draw(st.integers(es, T - dur)),
            "resources": {"eng": [draw(st.integers(0, 2)) for _ in range(dur)]},
        })
    spec = {"version": 1, "periods": T, "projects": projects,
            "budget": {"total": draw(st.integers(4, 20)), "per_period": [draw(st.integers(2, 9)) for _ in range(T)]},
            "resources": {"eng": [draw(st.integers(1, 3)) for _ in range(T)]}}
    scales = sorted(set(draw(st.lists(st.sampled_from([0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0]),
                                      min_size=3, max_size=9))))
    scs = [{"name": f"x{s}", "budget_scale": s} for s in scales]
    scs += [{"name": f"hire {a}", "resources_add": {"eng": a}} for a in (1, 2)]
    scs += [{"name": f"without {p['id']}", "force_out": [p["id"]]} for p in projects]
    return spec, scs


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=sweeps(), backend=st.sampled_from(["highs", "cbc"]), chunk=st.sampled_from([25, 2, 3]))
def test_reused_results_equal_the_oracle(case, backend, chunk):
    spec, scs = case
    problem = po.problem_from_spec(spec)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(reuse_mod, "MIN_CHUNK", chunk)
        res = run_scenarios(problem, scs, solver=backend, executor="serial", explain_moves=False)
    for o, sc in zip(res.outcomes, scs):
        changed = _changed(spec, sc)
        best = brute_force(changed)
        if best is None:
            assert o.status == "infeasible", o.name
            continue
        assert o.status == "optimal", (o.name, o.status, o.error)
        assert o.objective == pytest.approx(best, abs=1e-6), o.name
        assert feasible(changed, o.starts), o.name


def test_a_budget_sweep_reuses_proofs_and_agrees_with_solving_each():
    rng = np.random.default_rng(7)
    n = 14
    projects = [{"id": f"P{k:02d}", "cost": int(rng.integers(1, 20)), "value": int(rng.integers(1, 30))}
                for k in range(n)]
    problem = po.problem_from_spec({"version": 1, "projects": projects, "budget": 60})
    scs = [Scenario(f"b{k}", budget_scale=float(s)) for k, s in enumerate(np.linspace(0.5, 1.5, 60))]
    scs += [Scenario(f"out {p['id']}", force_out=[p["id"]]) for p in projects]
    with_reuse = run_scenarios(problem, scs, executor="serial", explain_moves=False)
    alone = run_scenarios(problem, scs, executor="serial", explain_moves=False, reuse=False)
    reused = [o for o in with_reuse.outcomes if "reused_from" in o.result.solver.options]
    assert len(reused) >= len(scs) // 3, len(reused)  # most of a fine sweep needs no solve
    assert not any("reused_from" in o.result.solver.options for o in alone.outcomes)
    for a, b in zip(with_reuse.outcomes, alone.outcomes):
        assert a.status == b.status == "optimal"
        assert a.objective == pytest.approx(b.objective, abs=1e-9), a.name
        assert a.result.gap == 0.0
        assert not po.check_portfolio(a.result.problem, a.result.starts), a.name
    # the reused source is named and is a scenario of the batch or the base
    names = {o.name for o in with_reuse.outcomes} | {"base"}
    assert all(o.result.solver.options["reused_from"] in names for o in reused)


def test_reuse_gives_the_same_portfolios_on_every_executor():
    rng = np.random.default_rng(3)
    projects = [{"id": f"P{k:02d}", "cost": int(rng.integers(1, 20)), "value": int(rng.integers(1, 30))}
                for k in range(10)]
    problem = po.problem_from_spec({"version": 1, "projects": projects, "budget": 50})
    scs = [Scenario(f"b{k}", budget_scale=float(s)) for k, s in enumerate(np.linspace(0.6, 1.4, 70))]
    serial = run_scenarios(problem, scs, executor="serial", explain_moves=False)
    pooled = run_scenarios(problem, scs, executor=2, explain_moves=False)
    assert [(o.status, o.objective, tuple(o.selected)) for o in serial.outcomes] == \
        [(o.status, o.objective, tuple(o.selected)) for o in pooled.outcomes]


def test_one_failing_scenario_in_a_chunk_fails_alone(monkeypatch):
    problem = po.problem_from_spec({"version": 1, "budget": 5, "projects": [
        {"id": "A", "cost": 3, "value": 4}, {"id": "B", "cost": 2, "value": 3}, {"id": "C", "cost": 4, "value": 5}]})
    real = scen_mod._solve_scenario

    def flaky(p, kw, base_starts, **more):
        if p.budget_limits()[0] == pytest.approx(5 * 0.7):
            raise RuntimeError("solver crashed")
        return real(p, kw, base_starts, **more)

    monkeypatch.setattr(scen_mod, "_solve_scenario", flaky)
    scs = [Scenario(f"b{s}", budget_scale=s) for s in (1.4, 1.2, 0.7, 0.5)]
    res = run_scenarios(problem, scs, executor="serial", explain_moves=False)
    status = dict(zip(res.names, res.summary["status"].iloc[1:]))
    assert status["b0.7"] == "failed" and "solver crashed" in res["b0.7"].error
    assert all(status[k] == "optimal" for k in ("b1.4", "b1.2", "b0.5"))
    assert res["b0.5"].objective == pytest.approx(3.0)  # budget 2.5: B alone
    assert res["b1.4"].objective == pytest.approx(9.0)  # budget 7: B and C
