"""solver="auto": the backend is chosen per model by the documented rule, and recorded."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import portfolio_opt as po
from portfolio_opt._compile import compile_problem
from portfolio_opt._solvers import AUTO_CBC_COLUMNS, AUTO_RACE_MIN_COLUMNS, CompiledModel, available_backends, default_backend, no_race
from portfolio_opt.demo import load_sample

RACE = "race" if (os.cpu_count() or 1) >= 2 else "highs"  # racing needs two cores
both = pytest.mark.skipif(not {"highs", "cbc"} <= set(available_backends()), reason="needs HiGHS and CBC")


def _model(A, hi, n_cols=None):
    A = sp.csr_matrix(np.asarray(A, float))
    n = A.shape[1]
    return CompiledModel(c=np.ones(n), A=A, row_lo=np.full(A.shape[0], -np.inf), row_hi=np.asarray(hi, float),
                         col_lo=np.zeros(n), col_hi=np.ones(n), integrality=np.ones(n, dtype=np.int8))


def _wide(rows, n=AUTO_RACE_MIN_COLUMNS, hi=None):
    """``rows`` knapsack rows over ``n`` columns (coefficients 1..9)."""
    A = np.random.default_rng(0).integers(1, 10, size=(rows, n))
    return _model(A, hi if hi is not None else [float(n)] * rows)


@both
def test_rule_counts_knapsack_rows():
    one_budget = _model([[3, 4, 5, 6], [1, -1, 0, 0], [1, 1, 0, 0]], [10, 0, 1])  # relation rows do not count
    assert default_backend(one_budget, scheduling=True) == "cbc"
    assert default_backend(_wide(1), scheduling=True) == "cbc"
    two = _wide(2)
    assert default_backend(two, scheduling=True) == RACE
    assert default_backend(two, scheduling=False) == ("race" if RACE == "race" else "cbc")  # no start choices
    with no_race():
        assert default_backend(two, scheduling=True) == "highs"
        assert default_backend(two, scheduling=False) == "cbc"
    small = _wide(2, n=AUTO_RACE_MIN_COLUMNS - 1)  # too small to be worth a race
    assert default_backend(small, scheduling=True) == "highs"
    assert default_backend(small, scheduling=False) == "cbc"
    share = _model([[3, -4, 5, -6], [1, 2, 3, 4]], [0, 5])  # a share row has negative coefficients
    assert default_backend(share, scheduling=True) == "cbc"
    lower_only = _model([[3, 4, 5, 6], [1, 1, 1, 1]], [10, np.inf])  # a minimum count is not a limit
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
    r = po.select(po.Problem.from_frame(df, budget=9))
    assert r.solver.name == "cbc" and r.solver.options["name"] == "cbc"
    assert r.objective == 22.0  # A + B + C
    assert po.select(po.Problem.from_frame(df, budget=9), solver="highs").objective == 22.0
