"""solver="race" (what "auto" runs on multi-limit scheduling models): HiGHS and CBC side by side.

Checked: the answer against brute force, that the loser is stopped (CBC's process
killed when HiGHS proves first; HiGHS interrupted when CBC proves first), how two
runs stopped at a limit are combined, and that batches never race.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings

import portfolio_opt as po
from oracle import brute_force, feasible
from strategies import small_requests
from portfolio_opt._solvers import (CompiledModel, RawSolution, SolverOptions, Status, _better_of, _pulp,
                                    available_backends, no_race, racing_allowed, solve)
from portfolio_opt._solvers import _highs as highs_mod
from portfolio_opt.analysis.scenarios import Scenario, run_scenarios

pytestmark = pytest.mark.skipif(not {"highs", "cbc"} <= set(available_backends()), reason="needs HiGHS and CBC")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=small_requests(min_periods=2, resources=True))
def test_race_finds_the_brute_force_optimum(spec):
    best = brute_force(spec)
    r = po.select(po.problem_from_spec(spec), solver="race")
    if best is None:
        assert r.status.value == "infeasible"
        return
    assert r.status.value == "optimal" and r.objective == pytest.approx(best, abs=1e-9)
    assert feasible(spec, {i: int(s) for i, s in r.starts.items() if s >= 0})
    assert r.solver.options["name"] == "race" and r.solver.name in ("highs", "cbc")


def _knapsack(n=8, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.integers(1, 9, size=(2, n)).astype(float)
    return CompiledModel(c=rng.integers(1, 9, size=n).astype(float), A=sp.csr_matrix(w),
                         row_lo=np.full(2, -np.inf), row_hi=w.sum(axis=1) / 2, col_lo=np.zeros(n),
                         col_hi=np.ones(n), integrality=np.ones(n, dtype=np.int8))


def test_cbc_is_killed_when_highs_proves_first(monkeypatch):
    started = []

    def slow_cbc(model, options, solver="cbc"):  # a CBC that would run for a minute
        proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        started.append(proc)
        _pulp._started.on_start(proc)
        proc.wait()
        raise RuntimeError(f"exited with {proc.returncode}")

    monkeypatch.setattr(_pulp, "solve_pulp", slow_cbc)
    raw = solve(_knapsack(), SolverOptions(), "race")
    assert raw.status == Status.OPTIMAL and raw.solver == "highs" and "highs first" in raw.message
    assert started and started[0].poll() is not None and started[0].returncode != 0  # killed, not finished


def test_highs_is_interrupted_when_cbc_proves_first(monkeypatch):
    from portfolio_opt._compile import compile_problem
    from portfolio_opt.constraints import BudgetLimit
    from portfolio_opt.demo import load_sample

    base = load_sample()  # at 85 % of its budgets HiGHS needs seconds to prove the optimum
    problem = base.replace(constraints=tuple(BudgetLimit(c.amount * 0.85, c.period) if isinstance(c, BudgetLimit)
                                             else c for c in base.constraints))
    model = compile_problem(problem).model
    proven = solve(model, SolverOptions(), "highs")
    assert proven.status == Status.OPTIMAL

    def instant_cbc(model, options, solver="cbc"):
        return RawSolution(Status.OPTIMAL, proven.x, proven.objective, proven.objective, "cbc", "test", 0.01)

    seen = []
    real = highs_mod.solve_highs

    def watched(*args, **kwargs):
        seen.append(real(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(_pulp, "solve_pulp", instant_cbc)
    monkeypatch.setattr(highs_mod, "solve_highs", watched)
    raw = solve(model, SolverOptions(), "race")
    assert raw.solver == "cbc" and raw.status == Status.OPTIMAL and "cbc first" in raw.message
    assert seen and seen[0].status != Status.OPTIMAL and "nterrupt" in seen[0].message  # stopped, not finished


def test_two_runs_at_the_limit_keep_the_better_portfolio_and_the_smaller_bound():
    m = _knapsack()
    a = RawSolution(Status.FEASIBLE, np.zeros(8), 10.0, 14.0, "highs", "1", 5.0)
    b = RawSolution(Status.FEASIBLE, np.ones(8), 12.0, 13.0, "cbc", "2", 5.1)
    r = _better_of(m, SolverOptions(), a, b)
    assert (r.status, r.objective, r.bound, r.solver) == (Status.FEASIBLE, 12.0, 13.0, "cbc")
    c = RawSolution(Status.FEASIBLE, np.zeros(8), 12.0, 12.0 + 1e-12, "highs", "1", 5.0)
    r = _better_of(m, SolverOptions(), b, c)  # one's portfolio meets the other's bound: optimal
    assert r.status == Status.OPTIMAL and r.objective == 12.0
    none = RawSolution(Status.NO_SOLUTION, None, None, 20.0, "highs", "1", 5.0)
    r = _better_of(m, SolverOptions(), none, b)
    assert (r.status, r.objective, r.bound) == (Status.FEASIBLE, 12.0, 13.0)


def test_batches_never_race():
    spec = {"version": 1, "periods": 3, "projects": [
        {"id": f"P{k}", "cost": [2 + k % 3, 1], "value": 5 + k, "earliest_start": 0, "latest_start": 1,
         "resources": {"eng": [1, 1]}} for k in range(6)],
        "budget": {"total": 14, "per_period": [6, 6, 6]}, "resources": {"eng": [3, 3, 3]}}
    problem = po.problem_from_spec(spec)
    assert racing_allowed() == ((__import__("os").cpu_count() or 1) >= 2)
    with no_race():
        assert not racing_allowed()
    res = run_scenarios(problem, [Scenario("cut", budget_scale=0.8)], executor="serial", explain_moves=False)
    assert res["cut"].result.solver.options["name"] == "highs"
    assert res["cut"].objective == pytest.approx(brute_force({**spec, "budget": {
        "total": 14 * 0.8, "per_period": [6 * 0.8] * 3}}), abs=1e-9)
