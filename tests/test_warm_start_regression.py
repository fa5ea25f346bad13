"""A warm start must never come back as the optimum when a better portfolio exists (HiGHS 1.16 case)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import portfolio_opt as po
from portfolio_opt._solvers import CompiledModel, SolverOptions, Status, available_backends, solve

# Found by tests/test_reuse.py: HiGHS presolve judged the start "feasible in the reduced space" with
# objective 3, reported Optimal with primal and dual bound 3, and returned the start itself (worth 2).
A = np.array([[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 1], [5, 1, 8, 4, 4],
              [1, 1, 6, 4, 0], [4, 0, 1, 0, 4], [0, 0, 1, 0, 0], [1, 0, 0, 1, 0], [0, 0, 0, 0, 1],
              [0, 0, 0, 0, 0]], float)
MODEL = CompiledModel(c=np.array([1.0, 0.0, 2.0, 1.0, 1.0]), A=sp.csr_matrix(A),
                      row_lo=np.full(11, -np.inf), row_hi=np.array([1, 1, 1, 1, 12, 9, 6, 3, 1, 1, 1], float),
                      col_lo=np.zeros(5), col_hi=np.ones(5), integrality=np.ones(5, dtype=np.int8))
START = np.array([0.0, 0.0, 1.0, 0.0, 0.0])


def _brute_force() -> float:
    best = -np.inf
    for bits in range(32):
        x = np.array([(bits >> j) & 1 for j in range(5)], float)
        if np.all(A @ x <= MODEL.row_hi + 1e-9):
            best = max(best, float(MODEL.c @ x))
    return best


@pytest.mark.parametrize("backend", [b for b in ("highs", "cbc") if b in available_backends()])
def test_a_warm_start_is_not_returned_as_optimal_when_it_is_not(backend):
    best = _brute_force()
    assert best == 3.0
    raw = solve(MODEL, SolverOptions(warm_start=START), backend)
    assert raw.status == Status.OPTIMAL
    assert raw.objective == pytest.approx(best)
    assert float(MODEL.c @ raw.x) == pytest.approx(best)
    assert np.all(A @ raw.x <= MODEL.row_hi + 1e-9)


def test_select_with_that_warm_start_finds_the_optimum():
    # the same model as a portfolio: P0..P3 (P3 has two starts), budgets per period and a total
    from portfolio_opt._compile import compile_problem

    spec = {"version": 1, "periods": 3, "projects": [
        {"id": "P0", "cost": [1, 4], "value": 1, "resources": {"eng": [1, 0]}},
        {"id": "P1", "cost": [1], "value": 0},
        {"id": "P2", "cost": [6, 1, 1], "value": 2},
        {"id": "P3", "cost": [4], "value": 1, "earliest_start": 0, "latest_start": 1, "resources": {"eng": [1]}}],
        "budget": {"total": 12, "per_period": [9, 6, 3]}, "resources": {"eng": [1, 1, 1]}}
    p = po.problem_from_spec(spec)
    # the same rows less the choice rows of the single-start projects (their column bounds say it)
    assert np.array_equal(compile_problem(p).model.A.toarray(), A[3:])
    for backend in [b for b in ("highs", "cbc") if b in available_backends()]:
        r = po.select(p, solver=backend, warm_start={"P2": 0})
        assert r.status == po.Status.OPTIMAL and r.objective == pytest.approx(3.0) and r.gap == 0.0
