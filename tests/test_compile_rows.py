"""The compiled model has a choice row only for projects with several start options."""

from __future__ import annotations

import numpy as np
import pytest

import portfolio_opt as po
from oracle import brute_force
from portfolio_opt._compile import compile_problem

SPEC = {"version": 1, "periods": 3, "projects": [
    {"id": "A", "cost": [3], "value": 5},                                            # one start (period 0)
    {"id": "B", "cost": [2, 2], "value": 6, "earliest_start": 0, "latest_start": 1},  # two starts
    {"id": "C", "cost": [4], "value": 7, "earliest_start": 2, "latest_start": 2},     # one start (period 2)
    {"id": "D", "cost": [1], "value": 2, "earliest_start": 0, "latest_start": 2}],    # three starts
    "budget": {"total": 9, "per_period": [4, 4, 4]}}


def test_only_multi_start_projects_get_a_choice_row():
    comp = compile_problem(po.problem_from_spec(SPEC))
    assert comp.choice_row.tolist() == [-1, 0, -1, 1]
    A = comp.model.A.toarray()
    for p, r in enumerate(comp.choice_row):
        if r >= 0:  # Σ_s x[p, s] ≤ 1 over exactly p's columns
            lo, hi = comp.proj_cols[p], comp.proj_cols[p + 1]
            assert np.flatnonzero(A[r]).tolist() == list(range(lo, hi)) and comp.model.row_hi[r] == 1
    assert (comp.row_owner[:2] == -1).all() and (comp.row_owner[2:] >= 0).all()
    assert comp.model.n_rows == 2 + 4  # two choice rows, a total and three yearly budgets


def test_force_in_uses_the_row_or_the_single_column():
    comp = compile_problem(po.problem_from_spec(SPEC))
    row_lo, col_lo = comp.model.row_lo.copy(), comp.model.col_lo.copy()
    comp.force_in(row_lo, col_lo, 0)
    comp.force_in(row_lo, col_lo, 1)
    assert col_lo[comp.proj_cols[0]] == 1 and row_lo[comp.choice_row[1]] == 1
    assert col_lo.sum() == 1 and (row_lo == 1).sum() == 1


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize("tie_break", ["canonical", "rule"])
def test_optimum_and_rule_on_a_mixed_model(solver, tie_break):
    r = po.select(po.problem_from_spec(SPEC), solver=solver, tie_break=tie_break)
    assert r.objective == pytest.approx(brute_force(SPEC))
    assert not po.check_portfolio(r.problem, r.starts)
    assert r.selected_ids == ["B", "C", "D"]  # 15; A + C + D is worth 14, A + B + D 13
    if tie_break == "rule":  # D fits at 0 or 1: the rule takes the earliest
        assert r.solver.options["tie_break"] is True and r.starts["D"] == 0 and r.starts["B"] == 0
