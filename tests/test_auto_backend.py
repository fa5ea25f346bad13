"""solver="auto": the backend is chosen per model by the documented rule, and recorded."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import portfolio_opt as po
from portfolio_opt._compile import compile_problem
from portfolio_opt._solvers import (AUTO_CBC_COLUMNS, AUTO_HIGHS_COLUMNS, CompiledModel, available_backends,
                                    default_backend, no_race)
from portfolio_opt.demo import load_sample

RACE = "race" if (os.cpu_count() or 1) >= 2 else "highs"  # racing needs two cores
both = pytest.mark.skipif(not {"highs", "cbc"} <= set(available_backends()), reason="needs HiGHS and CBC")


def _model(A, hi, n_cols=None):
    A = sp.csr_matrix(np.asarray(A, float))
    n = A.shape[1]
    return CompiledModel(c=np.ones(n), A=A, row_lo=np.full(A.shape[0], -np.inf), row_hi=np.asarray(hi, float),
                         col_lo=np.zeros(n), col_hi=np.ones(n), integrality=np.ones(n, dtype=np.int8))


N = AUTO_HIGHS_COLUMNS + 1  # the smallest model "auto" does not hand to HiGHS by its size alone


def _wide(rows, n=N, hi=None, neg_row=None):
    """``rows`` knapsack rows over ``n`` columns (coefficients 1..9); row ``neg_row`` gets negative ones."""
    A = np.random.default_rng(0).integers(1, 10, size=(rows, n)).astype(float)
    if neg_row is not None:
        A[neg_row, ::2] *= -1
    return _model(A, hi if hi is not None else [float(n)] * rows)


@both
def test_rule_counts_knapsack_rows():
    relations = np.zeros((2, N))
    relations[0, :2], relations[1, :2] = (1, -1), (1, 1)  # a requires and an excludes row do not count
    one_budget = _model(np.vstack([np.arange(1, N + 1), relations]), [10, 0, 1])
    assert default_backend(one_budget, scheduling=True) == "cbc"
    assert default_backend(_wide(1), scheduling=True) == "cbc"
    two = _wide(2)
    assert default_backend(two, scheduling=True) == RACE
    assert default_backend(two, scheduling=False) == ("race" if RACE == "race" else "cbc")  # no start choices
    with no_race():
        assert default_backend(two, scheduling=True) == "highs"
        assert default_backend(two, scheduling=False) == "cbc"
    for tiny in (_wide(2, n=AUTO_HIGHS_COLUMNS), _wide(1, n=5)):  # solved in-process, whatever the shape
        assert default_backend(tiny, scheduling=False) == "highs"
        with no_race():
            assert default_backend(tiny, scheduling=True) == "highs"
    share = _wide(2, neg_row=0)  # a share row has negative coefficients
    assert default_backend(share, scheduling=True) == "cbc"
    lower_only = _wide(2, hi=[float(N), np.inf])  # a minimum count is not a limit
    assert default_backend(lower_only, scheduling=True) == "cbc"
    big = _model(sp.random(2, AUTO_CBC_COLUMNS + 1, density=0.5, random_state=0).toarray() + 1.0, [1e6, 1e6])
    assert default_backend(big, scheduling=True) == "cbc"
    assert default_backend() == "cbc"


@both
def test_select_records_the_backend_auto_chose():
    sample = load_sample()  # five yearly budgets and three capacities
    comp = compile_problem(sample)
    assert comp.scheduling and default_backend(**comp.backend_hint) == RACE
    r = po.select(sample, time_limit=1)
    assert r.solver.options["name"] == RACE and r.solver.name in ("highs", "cbc")  # the winner
    with no_race():
        assert po.select(sample, time_limit=1).solver.name == "highs"
    df = pd.DataFrame({"id": list("ABCD"), "cost": [4, 3, 2, 5], "value": [10, 7, 5, 9]})
    r = po.select(po.Problem.from_frame(df, budget=9))  # four columns: HiGHS, in-process
    assert r.solver.name == "highs" and r.solver.options["name"] == "highs"
    assert r.objective == 22.0  # A + B + C
    pinned = po.select(po.Problem.from_frame(df, budget=9), solver="cbc")
    assert pinned.objective == 22.0 and pinned.solver.name == "cbc"  # a small request that names CBC gets CBC
    assert r.solver.message.startswith("Lagrangian enumeration")  # HiGHS's: proven after its LP, in-process
    wide = pd.DataFrame({"id": [f"P{k}" for k in range(N)], "cost": np.arange(1, N + 1), "value": np.arange(N, 0, -1)})
    r = po.select(po.Problem.from_frame(wide, budget=N))  # a single budget over more columns: CBC
    assert r.solver.name == "cbc" and r.solver.options["name"] == "cbc"
    assert r.objective == po.select(po.Problem.from_frame(wide, budget=N), solver="highs").objective
