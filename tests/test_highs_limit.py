"""HiGHS stopped by a limit: the status contract, and the next solve in the process still works.

No wall-clock assertions (HiGHS 1.16 can overrun its limit inside root-node
heuristics that check neither the time limit nor a user interrupt).
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from portfolio_opt._compile import compile_problem
from portfolio_opt._solvers import CompiledModel, SolverOptions, Status, solve
from portfolio_opt._solvers._highs import map_status

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import instances as bench_instances  # noqa: E402


@pytest.mark.parametrize("name", ["kInterrupt", "kHighsInterrupt", "kTimeLimit"])
def test_a_stopped_run_is_feasible_with_a_solution_else_no_solution(name):
    assert map_status(name, True) == Status.FEASIBLE
    assert map_status(name, False) == Status.NO_SOLUTION


def _small_knapsack():
    rng = np.random.default_rng(7)
    n, m = 12, 3
    W = rng.integers(1, 20, (m, n)).astype(float)
    c = rng.integers(1, 30, n).astype(float)
    b = W.sum(axis=1) * 0.4
    model = CompiledModel(c=c, A=sp.csr_matrix(W), row_lo=np.full(m, -np.inf), row_hi=b,
                          col_lo=np.zeros(n), col_hi=np.ones(n), integrality=np.ones(n, dtype=np.int8))
    best = max(float(c @ x) for x in itertools.product([0, 1], repeat=n) if np.all(W @ np.array(x) <= b + 1e-9))
    return model, best


@pytest.fixture(scope="module")
def hard_model():
    return compile_problem(bench_instances.instance_by_name("gen-n1000-T12-R5").problem()).model


@pytest.mark.parametrize("limit", [0.3, 1.0])  # usually stops without a solution, then with one
def test_time_limited_solve_then_an_unlimited_one(hard_model, limit):
    raw = solve(hard_model, SolverOptions(time_limit=limit), "highs")
    assert raw.status in (Status.FEASIBLE, Status.NO_SOLUTION, Status.OPTIMAL)
    if raw.status == Status.NO_SOLUTION:
        assert raw.x is None and raw.objective is None
    else:
        assert raw.x is not None and raw.objective is not None
        assert raw.bound is not None and raw.bound >= raw.objective - 1e-6 * max(1.0, abs(raw.objective))
        if raw.status == Status.FEASIBLE:
            assert "limit" in raw.message.lower() or "interrupt" in raw.message.lower()
    small, best = _small_knapsack()
    again = solve(small, SolverOptions(), "highs")
    assert again.status == Status.OPTIMAL
    assert again.objective == pytest.approx(best)
