"""A solver's "infeasible" that the run can refute is not answered as infeasible.

CBC 2.10, given -sec 0.09 on 1,000 candidates over 12 periods with five resources (a feasible
model), stopped inside its preprocessing's cut generators and reported "Cut generators found to be
infeasible!", "Pre-processing says infeasible", status line "Integer infeasible"; at 0.08 s and 0.10 s
it said "Stopped on time".  `select(time_limit=0.2)` answered that model "infeasible" in 2 of 25 runs.
Two guards, each tested here with a CBC stand-in that says so: CBC's infeasibility reported only once
its time limit has passed is not trusted, and any solver's infeasibility refuted by a portfolio the run
holds (a warm start, the LP's greedy) becomes "no portfolio" and falls back to the greedy.
"""
from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
import scipy.sparse as sp

import portfolio_opt._solvers as S
from portfolio_opt._solvers import RawSolution, SolverOptions, Status, _pulp, available_backends
from portfolio_opt._solvers._base import CompiledModel

cbc_only = pytest.mark.skipif("cbc" not in available_backends(), reason="CBC not installed")


def knapsack(n: int = 8, capacity: float = 10.0, at_least: float | None = None) -> CompiledModel:
    w = np.arange(1, n + 1, dtype=float)
    rows, lo, hi = [w], [-np.inf], [capacity]
    if at_least is not None:  # at least this many projects
        rows.append(np.ones(n))
        lo.append(at_least)
        hi.append(np.inf)
    return CompiledModel(c=w[::-1].copy(), A=sp.csr_matrix(np.array(rows)), row_lo=np.array(lo),
                         row_hi=np.array(hi), col_lo=np.zeros(n), col_hi=np.ones(n),
                         integrality=np.ones(n, dtype=np.int32))


def brute_force(model: CompiledModel) -> float | None:
    best = None
    for bits in itertools.product((0.0, 1.0), repeat=model.n_cols):
        x = np.array(bits)
        act = model.A @ x
        if np.all(act <= model.row_hi + 1e-9) and np.all(act >= model.row_lo - 1e-9):
            v = float(model.c @ x)
            best = v if best is None else max(best, v)
    return best


def fake_cbc(delay_past_limit: bool):
    """A CBC that writes CBC 2.10's words for an infeasible preprocessing, at or before its limit."""

    def run(args, log_path, deadline=None, limit=None):
        if delay_past_limit:
            time.sleep(float(limit) + 0.01)
        with open(log_path, "w") as log:
            log.write("Cgl0000I Cut generators found to be infeasible! (or unbounded)\n"
                      "Pre-processing says infeasible or unbounded\n")
        with open(args[args.index("-solution") + 1], "w") as sol:
            sol.write("Integer infeasible - objective value 12.00000000\n")
        return None

    return run


@cbc_only
def test_cbc_infeasible_after_its_limit_is_not_trusted(monkeypatch):
    m = knapsack()
    monkeypatch.setattr(_pulp, "_run_cbc", fake_cbc(delay_past_limit=True))
    raw = S.solve(m, SolverOptions(time_limit=0.05), "cbc")
    assert raw.status != Status.INFEASIBLE, raw.message
    assert "not trusted" in raw.message
    # the greedy answers for it, and its portfolio is feasible and no better than the optimum
    assert raw.x is not None and raw.status in (Status.FEASIBLE, Status.OPTIMAL)
    act = m.A @ raw.x
    assert np.all(act <= m.row_hi + 1e-9) and raw.objective <= brute_force(m) + 1e-9


@cbc_only
def test_cbc_infeasible_within_its_limit_is_kept(monkeypatch):
    m = knapsack(at_least=7)  # seven projects of weights 1..8 cannot fit 10: truly infeasible
    assert brute_force(m) is None
    monkeypatch.setattr(_pulp, "_run_cbc", fake_cbc(delay_past_limit=False))
    assert S.solve(m, SolverOptions(time_limit=30), "cbc").status == Status.INFEASIBLE
    monkeypatch.undo()
    assert S.solve(m, SolverOptions(time_limit=30), "cbc").status == Status.INFEASIBLE  # the real CBC too


@pytest.mark.parametrize("backend", ["cbc", "highs"])
def test_an_infeasibility_a_warm_start_refutes_falls_back_to_a_portfolio(backend, monkeypatch):
    m = knapsack()
    warm = np.zeros(m.n_cols)
    warm[[0, 1]] = 1.0  # weights 1 and 2: feasible
    said = RawSolution(Status.INFEASIBLE, None, None, None, backend, "x", 0.01, "proven infeasible")
    monkeypatch.setattr(S, "_solve_checked", lambda *a, **k: said)
    with S.no_fixing():  # the backend's answer, not the walk's proof
        for limit in (None, 5.0):
            raw = S.solve(m, SolverOptions(time_limit=limit, warm_start=warm), backend)
            assert raw.status in (Status.FEASIBLE, Status.OPTIMAL) and raw.x is not None, raw.message
            assert "reported infeasible, but a portfolio known to this run is feasible" in raw.message
            assert raw.objective >= float(m.c @ warm) and raw.objective <= brute_force(m) + 1e-9
        # without a portfolio to refute it, the claim stands
        assert S.solve(m, SolverOptions(), backend).status == Status.INFEASIBLE
