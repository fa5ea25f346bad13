"""A request that names CBC gets CBC's own answer, also where the Lagrangian enumeration proves the optimum.

The enumeration's LP is HiGHS's; before, a portfolio it proved was answered in HiGHS's name even when the
caller had named CBC, and CBC never ran.  Now the named backend solves the model over the columns the
proof leaves open (the rest fixed at the proven portfolio), and the answer is its own.  Oracle: a dynamic
program over whole-number costs (single budget), independent of every solver.
"""
from __future__ import annotations

import dataclasses
import time

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import portfolio_opt as po
from portfolio_opt import engine
from portfolio_opt._solvers import RawSolution, SolverOptions, Status, _fixing, available_backends
from portfolio_opt._solvers._base import CompiledModel

pytestmark = pytest.mark.skipif("cbc" not in available_backends(), reason="CBC not installed")


def knapsack_optimum(cost: np.ndarray, value: np.ndarray, budget: int) -> float:
    """The 0-1 knapsack's optimum by dynamic programming over whole-number costs."""
    best = np.zeros(budget + 1)
    for w, v in zip(cost.astype(int), value):
        if v > 0 and w <= budget:
            best[w:] = np.maximum(best[w:], best[:budget + 1 - w] + v)
    return float(best[budget])


def frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"id": [f"P{k:04d}" for k in range(n)], "cost": rng.integers(5, 100, n).astype(float),
                         "value": rng.integers(1, 300, n).astype(float)})


@pytest.mark.parametrize("n,seed", [(60, 1), (300, 2), (1_500, 3)])
def test_named_cbc_answers_in_its_own_name_with_the_optimum(n, seed):
    df = frame(n, seed)
    budget = int(df["cost"].sum() * 0.3)
    problem = po.Problem.from_frame(df, budget=budget)
    want = knapsack_optimum(df["cost"].to_numpy(), df["value"].to_numpy(), budget)
    auto = po.select(problem, solver="highs")
    assert auto.solver.message.startswith("Lagrangian enumeration") and auto.solver.name == "highs"
    r = po.select(problem, solver="cbc")
    assert r.solver.name == "cbc", r.solver.message
    assert "left open" in r.solver.message or "reduced-cost fixing" in r.solver.message, r.solver.message
    assert r.status.value == "optimal" and r.gap == 0.0
    assert r.objective == pytest.approx(want, abs=1e-6) == auto.objective
    chosen = r.starts[r.starts >= 0].index
    assert df.set_index("id").loc[chosen, "cost"].sum() <= budget
    assert df.set_index("id").loc[chosen, "value"].sum() == pytest.approx(want, abs=1e-6)


def test_named_cbc_with_a_relative_gap_keeps_a_valid_bound():
    """With mip_gap CBC may stop at a portfolio short of the proven optimum: the bound stays at or above the
    optimum, and the portfolio is within the gap of it."""
    df = frame(400, 9)
    budget = int(df["cost"].sum() * 0.3)
    want = knapsack_optimum(df["cost"].to_numpy(), df["value"].to_numpy(), budget)
    r = po.select(po.Problem.from_frame(df, budget=budget), solver="cbc", mip_gap=0.05)
    assert r.status.value == "optimal" and r.solver.name == "cbc"
    assert r.bound >= want - 1e-6 and want * (1 - 0.05) - 1e-6 <= r.objective <= want + 1e-6
    chosen = r.starts[r.starts >= 0].index
    assert df.set_index("id").loc[chosen, "cost"].sum() <= budget


def test_engine_request_naming_cbc_is_answered_by_cbc():
    df = frame(200, 7)
    budget = int(df["cost"].sum() * 0.25)
    projects = [{"id": i, "cost": c, "value": v} for i, c, v in zip(df["id"], df["cost"], df["value"])]
    want = knapsack_optimum(df["cost"].to_numpy(), df["value"].to_numpy(), budget)
    for name in ("cbc", "highs"):
        out = engine.solve_spec({"version": 1, "projects": projects, "budget": budget, "solver": {"name": name}})
        assert out["solver"]["name"] == name
        assert out["status"] == "optimal" and out["objective"] == pytest.approx(want, abs=1e-6)
        assert out["total_spend"] <= budget


def single_row_model(n: int, seed: int) -> CompiledModel:
    rng = np.random.default_rng(seed)
    w = rng.integers(5, 100, n).astype(float)
    return CompiledModel(c=rng.integers(1, 300, n).astype(float), A=sp.csr_matrix(w[None, :]),
                         row_lo=np.array([-np.inf]), row_hi=np.array([w.sum() * 0.3]), col_lo=np.zeros(n),
                         col_hi=np.ones(n), integrality=np.ones(n, dtype=np.int32))


def test_backend_answer_distrusts_a_wrong_proof_and_keeps_a_proof_without_time():
    m = single_row_model(80, 11)
    want = knapsack_optimum(np.asarray(m.A.todense())[0], m.c, int(m.row_hi[0]))
    size = np.abs(m.c)  # any ordering of the columns: every column is freed below
    calls = []

    def run(sub, opts):
        calls.append(sub.n_cols)
        return po._solvers.solve(sub, dataclasses.replace(opts, own_answer=False), "cbc")

    # a "proof" of a portfolio that is not optimal: the backend, over all the columns, finds better
    weak = np.zeros(m.n_cols)
    fake = RawSolution(Status.OPTIMAL, weak, 0.0, 0.0, "highs", "x", 0.0, "Lagrangian enumeration: fake")
    assert _fixing._backend_answer(m, fake, 1e9, size, 0.0, run, SolverOptions(), time.monotonic(), None) is None
    assert calls == [m.n_cols]
    # no time left: the proof itself, in HiGHS's name, and the message says why
    kept = _fixing._backend_answer(m, fake, 1e9, size, 0.0, run, SolverOptions(), time.monotonic(), 0.0)
    assert kept.solver == "highs" and "no time left" in kept.message and len(calls) == 1
    # a true proof: the backend's own answer, the same optimum
    r = po._solvers.solve(m, SolverOptions(own_answer=True), "cbc")
    assert r.solver == "cbc" and r.status == Status.OPTIMAL and r.objective == pytest.approx(want, abs=1e-6)
    assert f"of {m.n_cols:,} columns the Lagrangian enumeration left open" in r.message
    highs = po._solvers.solve(m, SolverOptions(own_answer=True), "highs")
    assert highs.solver == "highs" and highs.message.startswith("Lagrangian enumeration")
