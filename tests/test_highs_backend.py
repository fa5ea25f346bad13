"""HiGHS backend: status mapping, bound and gap, the LP relaxation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from portfolio_opt._solvers import CompiledModel, SolverOptions, Status, solve
from portfolio_opt._solvers._highs import map_status


@pytest.mark.parametrize("name,has,expected", [
    ("kOptimal", True, Status.OPTIMAL),
    ("kInfeasible", False, Status.INFEASIBLE),
    ("kUnboundedOrInfeasible", False, Status.INFEASIBLE),
    ("kTimeLimit", True, Status.FEASIBLE),
    ("kTimeLimit", False, Status.NO_SOLUTION),
    ("kSolutionLimit", True, Status.FEASIBLE),
    ("kInterrupt", False, Status.NO_SOLUTION),
    ("kSolveError", False, None),
    ("kLoadError", False, None),
])
def test_status_mapping(name, has, expected):
    assert map_status(name, has) == expected


def _knapsack(seed, n=10, m=3):
    rng = np.random.default_rng(seed)
    W = rng.integers(1, 20, (m, n)).astype(float)
    c = rng.integers(1, 30, n).astype(float)
    b = W.sum(axis=1) * 0.4
    model = CompiledModel(c=c, A=sp.csr_matrix(W), row_lo=np.full(m, -np.inf), row_hi=b,
                          col_lo=np.zeros(n), col_hi=np.ones(n), integrality=np.ones(n, dtype=np.int8))
    best = max(float(c @ x) for x in itertools.product([0, 1], repeat=n) if np.all(W @ np.array(x) <= b + 1e-9))
    return model, best


@pytest.mark.parametrize("seed", range(5))
def test_knapsack_against_brute_force(seed):
    model, best = _knapsack(seed)
    raw = solve(model, SolverOptions(), "highs")
    assert raw.status == Status.OPTIMAL
    assert raw.objective == pytest.approx(best)
    assert raw.bound == pytest.approx(best, rel=1e-6)
    lp = solve(model, SolverOptions(), "highs", relax=True)
    assert lp.objective >= best - 1e-6  # the LP relaxation bounds the optimum from above


def test_warm_start_is_accepted_and_optimum_unchanged():
    model, best = _knapsack(3)
    x0 = np.zeros(model.n_cols)
    raw = solve(model, SolverOptions(warm_start=x0), "highs")
    assert raw.objective == pytest.approx(best)


def test_changing_the_thread_count_between_solves():
    # HiGHS fixes its scheduler at the first run; a later run with other threads must still work
    model, best = _knapsack(4)
    for threads in (None, 1, 2, 1, None):
        assert solve(model, SolverOptions(threads=threads), "highs").objective == pytest.approx(best)
