"""The core search (``_solvers._core``): better portfolios of large models within a time limit.

Oracles: brute force over every 0-1 vector of small random models (the
search's portfolio is feasible, never worth more than the optimum, at least
as good as its start, and the optimum whenever it says "proven"); brute force
over small random requests, end to end through ``select`` with the thresholds
lowered so that they take the core search's path; and, on a generated
portfolio of 1,200 candidates over 12 periods with 5 resources, the LP bound
computed independently (SciPy's ``linprog``), which no portfolio may beat.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from scipy.optimize import linprog

import portfolio_opt as po
from oracle import assert_brute_force_optimum, brute_force, feasible
from portfolio_opt import _solvers
from portfolio_opt._compile import compile_problem
from portfolio_opt._solvers import RawSolution, SolverOptions, Status, _core, _fixing, available_backends
from portfolio_opt._solvers._highs import lp_duals
from strategies import small_requests
from test_fixing import all_feasible, random_model

pytestmark = pytest.mark.skipif("highs" not in available_backends(), reason="needs HiGHS")
needs_cbc = pytest.mark.skipif("cbc" not in available_backends(), reason="needs CBC")


def _start(model, x=None) -> _core.CoreStart | None:
    """The LP's terms and a feasible start (the greedy near the LP optimum unless ``x``), as ``solve_fixed``."""
    lp = lp_duals(model, SolverOptions())
    if lp is None:
        return None
    x_lp, y = lp
    U, r, p, margin = _fixing._bound_terms(model, y)
    x = _fixing.greedy(model, x_lp, r) if x is None else x
    return None if x is None else _core.CoreStart(U, r, p, margin, x, 0.0, x_lp)


def test_core_search_is_feasible_bounded_and_right_when_it_says_proven(monkeypatch):
    """Cores of 2 columns and up, from the empty portfolio where it is feasible (else the greedy's)."""
    monkeypatch.setattr(_core, "CORE_FIRST", 2)
    monkeypatch.setattr(_core, "CORE_MIN_SECONDS", 0.0)
    rng = np.random.default_rng(5)
    proven = rounds = improved = 0
    for _ in range(25):
        m = random_model(rng)
        X, vals = all_feasible(m)
        if not len(X):
            continue
        empty = np.zeros(m.n_cols)
        start = _start(m, empty if _fixing.feasible(m, empty) else None)
        if start is None:
            continue
        found = _core.core_search(m, start, SolverOptions(), time.monotonic() + 60)
        assert _fixing.feasible(m, found.x)
        assert found.objective == pytest.approx(float(m.c @ found.x + m.offset))
        assert found.objective >= float(m.c @ start.x + m.offset) - 1e-9  # never worse than its start
        assert found.objective <= vals.max() + 1e-9
        if found.proven:
            assert found.objective == pytest.approx(vals.max(), abs=1e-9), found.note
            proven += 1
        rounds += found.note.count("columns") > 1
        improved += found.objective > float(m.c @ start.x + m.offset) + 1e-9
    assert proven >= 10 and rounds >= 5 and improved >= 5, (proven, rounds, improved)


def test_core_search_within_a_gap_is_not_called_proven(monkeypatch):
    """A portfolio within ``mip_gap`` of the LP bound ends the search, but only the optimum itself is "proven":
    a proven portfolio's value becomes the bound (a portfolio within 20 % of U was called proven, and the
    answer's bound was its own value, below a better portfolio's)."""
    monkeypatch.setattr(_core, "CORE_FIRST", 2)
    monkeypatch.setattr(_core, "CORE_MIN_SECONDS", 0.0)
    rng = np.random.default_rng(9)
    ended_within = 0
    for _ in range(20):
        m = random_model(rng)
        X, vals = all_feasible(m)
        start = _start(m) if len(X) else None
        if start is None:
            continue
        found = _core.core_search(m, start, SolverOptions(mip_gap=0.2), time.monotonic() + 60)
        assert _fixing.feasible(m, found.x) and found.objective <= vals.max() + 1e-9
        if found.proven:
            assert found.objective == pytest.approx(vals.max(), abs=1e-9), found.note
        ended_within += not found.proven and start.U - found.objective <= 0.2 * abs(found.objective)
    assert ended_within >= 3, ended_within


def test_a_round_whose_portfolio_breaks_a_row_proves_nothing(monkeypatch):
    """HiGHS "proves" a core's optimum with a portfolio that, rounded, breaks a row of the whole model (a
    tolerance): it is not kept, and the round proves nothing."""
    from portfolio_opt._solvers import _highs

    m = random_model(np.random.default_rng(2))
    start = _start(m)
    assert start is not None

    def overspends(sub, options, **kwargs):
        return RawSolution(Status.OPTIMAL, np.ones(sub.n_cols), None, None, "highs", "1", 0.0, "")

    monkeypatch.setattr(_highs, "solve_highs_process", overspends)
    found = _core.core_search(m, start, SolverOptions(), time.monotonic() + 5)
    assert not _fixing.feasible(m, np.ones(m.n_cols))  # (every column taken breaks a knapsack row)
    assert not found.proven and np.array_equal(found.x, start.x) and "breaks a row" in found.note


def test_core_search_stops_when_asked_and_keeps_its_start():
    m = random_model(np.random.default_rng(2))
    start = _start(m)
    assert start is not None
    found = _core.core_search(m, start, SolverOptions(), time.monotonic() + 60, stopped=lambda: True)
    assert not found.proven and np.array_equal(found.x, start.x) and "no time" in found.note
    found = _core.core_search(m, start, SolverOptions(), time.monotonic())  # no time left
    assert np.array_equal(found.x, start.x)


def _raw(status: Status, x, objective, bound) -> RawSolution:
    return RawSolution(status, None if x is None else np.asarray(x, float), objective, bound, "cbc", "2", 1.0, "cbc")


def test_with_core_keeps_the_better_portfolio_and_the_smaller_bound():
    m = random_model(np.random.default_rng(3), n=4)
    core = _core.CoreStart(U=20.0, r=np.zeros(4), p=np.zeros(4), margin=0.0, x=np.zeros(4), lp_seconds=0.0)
    found = _core.CoreFound(np.array([1.0, 0, 0, 0]), 12.0, False, "core search: 1 round(s)")
    opts = SolverOptions()
    # the backend's worse portfolio: the core's is kept, in HiGHS's name, with the smaller bound (CBC's 19)
    out = _solvers._with_core(m, opts, _raw(Status.FEASIBLE, [0, 1, 0, 0], 10.0, 19.0), found, core)
    assert (out.status, out.objective, out.bound, out.solver) == (Status.FEASIBLE, 12.0, 19.0, "highs")
    assert np.array_equal(out.x, found.x)
    # no portfolio and no bound from the backend: the LP's bound
    out = _solvers._with_core(m, opts, _raw(Status.NO_SOLUTION, None, None, None), found, core)
    assert (out.status, out.objective, out.bound) == (Status.FEASIBLE, 12.0, 20.0)
    # the backend's better portfolio stands, with the LP's bound where smaller than its own
    out = _solvers._with_core(m, opts, _raw(Status.FEASIBLE, [0, 1, 0, 0], 15.0, 25.0), found, core)
    assert (out.status, out.objective, out.bound, out.solver) == (Status.FEASIBLE, 15.0, 20.0, "cbc")
    # a proven core portfolio is optimal, and so is a backend portfolio as good as it
    proven = _core.CoreFound(found.x, 12.0, True, "core search")
    out = _solvers._with_core(m, opts, _raw(Status.FEASIBLE, [0, 1, 0, 0], 10.0, 19.0), proven, core)
    assert (out.status, out.objective, out.bound) == (Status.OPTIMAL, 12.0, 12.0)
    out = _solvers._with_core(m, opts, _raw(Status.FEASIBLE, [0, 1, 0, 0], 12.0, 19.0), proven, core)
    assert (out.status, out.objective, out.bound, out.solver) == (Status.OPTIMAL, 12.0, 12.0, "cbc")
    # a backend portfolio better than the "proven" one disproves the proof: its own bound stands
    out = _solvers._with_core(m, opts, _raw(Status.FEASIBLE, [0, 1, 0, 0], 14.0, 19.0), proven, core)
    assert (out.status, out.objective, out.bound, out.solver) == (Status.FEASIBLE, 14.0, 19.0, "cbc")
    # an optimal answer, or none, is left as it is
    opt = _raw(Status.OPTIMAL, [0, 1, 0, 0], 15.0, 15.0)
    assert _solvers._with_core(m, opts, opt, found, core) is opt
    assert _solvers._with_core(m, opts, opt, None, core) is opt


@pytest.fixture
def core_path(monkeypatch):
    """Small models take the core search's path: fixing on models of any size, none fixed (so solved whole),
    no enumeration, CBC alone for "auto", and no time for CBC after the LP (the core search answers)."""
    for name in ("ENUM_COLUMNS", "ENUM_HIGHS_COLUMNS"):
        monkeypatch.setattr(_fixing, name, 10**9)
    monkeypatch.setattr(_fixing, "FIX_COLUMNS", 1)
    monkeypatch.setattr(_fixing, "MAX_FREE_SHARE", -1.0)
    monkeypatch.setattr(_core, "CORE_SEARCH_COLUMNS", 1)
    monkeypatch.setattr(_core, "CORE_FIRST", 2)
    monkeypatch.setattr(_core, "CORE_MIN_SECONDS", 0.0)
    monkeypatch.setattr(_solvers, "AUTO_HIGHS_COLUMNS", 0)
    monkeypatch.setattr(_solvers, "AUTO_CBC_COLUMNS", 0)
    monkeypatch.setattr(_solvers, "CORE_ONLY_LP_TIMES", 1e12)


@needs_cbc
def test_select_answered_by_the_core_search_matches_brute_force(core_path):
    """Where the search proves its portfolio, it is the optimum; where it does not, no better one is claimed."""
    paths: list[str] = []

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(spec=small_requests(min_periods=1, resources=True))
    def check(spec):
        r = po.select(po.problem_from_spec(spec), time_limit=30)
        message = r.solver.message
        if r.status.value == "optimal":
            assert_brute_force_optimum(spec, r)
        if r.status.value in ("optimal", "feasible"):
            assert feasible(spec, {i: int(s) for i, s in r.starts.items() if s >= 0}), message
            assert r.objective <= brute_force(spec) + 1e-9 <= r.bound + 2e-9, (r.objective, r.bound, message)
            # no portfolio near the LP optimum to start from: the backend's answer, as before
            assert "core search" in message or "no portfolio near the LP optimum" in message, message
        if "core search" in message:
            assert "no time for CBC" in message
            paths.append(r.status.value)

    check()
    assert paths.count("optimal") >= 10, paths


@needs_cbc
def test_select_answered_by_the_core_search_within_a_gap_keeps_a_valid_bound(core_path):
    """With ``mip_gap`` an answer within it is "optimal" (the documented meaning), and its bound is still at
    least the optimum (on 1,000 candidates a fuzz found one reported with its own value as the bound, 0.05 %
    below a portfolio raw HiGHS found: ``test_core_search_within_a_gap_is_not_called_proven`` has the cause;
    these small requests mostly start at their optimum)."""
    seen: list[bool] = []

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(spec=small_requests(min_periods=1, resources=True))
    def check(spec):
        best = brute_force(spec)
        r = po.select(po.problem_from_spec(spec), time_limit=30, mip_gap=0.3)
        if r.status.value in ("optimal", "feasible"):
            assert r.bound >= best - 1e-9 and r.objective <= best + 1e-9, (r.objective, r.bound, best)
            if r.status.value == "optimal":
                assert r.objective >= best * (1 - 0.3) - 1e-9 and r.gap <= 0.3 + 1e-9
            seen.append("core search" in r.solver.message and r.bound > r.objective + 1e-9)

    check()
    assert sum(seen) >= 3, seen  # some answers within the gap, not at their bound


def large_scheduled(n: int = 1_200, seed: int = 0) -> po.Problem:
    """``n`` candidates over 12 periods with 5 resources, budgets and capacities at ~30 % of the demand."""
    rng = np.random.default_rng(seed)
    dur = rng.integers(1, 5, n)
    cost = rng.integers(20, 200, n).astype(float)
    es = rng.integers(0, 8, n)
    df = pd.DataFrame({
        "id": [f"P{k:05d}" for k in range(n)], "cost": cost * dur, "duration": dur,
        "value": np.round(cost * dur * rng.uniform(0.6, 1.8, n), 2), "earliest_start": es,
        "latest_start": np.minimum(es + rng.integers(0, 4, n), 12 - dur)})
    demand = {f"R{k}": rng.integers(0, 4, n).astype(float) for k in range(5)}
    for k, d in demand.items():
        df[f"res_{k}"] = d
    per_period = float((cost * dur).sum()) / 12 * 0.3
    caps = {k: float(d.sum()) * 2.5 / 12 * 0.3 for k, d in demand.items()}
    return po.Problem.from_frame(df, periods=12, budget_per_period=per_period, capacity=caps)


@pytest.fixture(scope="module")
def large():
    """The large model and its LP bound, computed independently of the library (SciPy's ``linprog``)."""
    problem = large_scheduled()
    m = compile_problem(problem).model
    hi, lo = np.isfinite(m.row_hi), np.isfinite(m.row_lo)
    lp = linprog(-m.c, A_ub=sp.vstack([m.A[hi], -m.A[lo]]).tocsr(), b_ub=np.r_[m.row_hi[hi], -m.row_lo[lo]],
                 bounds=np.c_[m.col_lo, m.col_hi], method="highs")
    assert lp.status == 0
    return problem, -lp.fun + m.offset


@pytest.mark.parametrize("backend", ["race", "cbc"])
def test_a_large_scheduled_model_with_a_time_limit_keeps_the_core_search_portfolio_if_better(large, backend,
                                                                                           monkeypatch):
    """1,200 candidates over 12 periods with 5 resources, 6 s: "auto" races CBC (then the core search) and
    HiGHS; with CBC alone ("auto" above ``AUTO_CBC_COLUMNS``) the search runs beside it.  The answer is at
    least as good as the search's portfolio, and neither beats the LP bound."""
    if backend == "cbc":
        if "cbc" not in available_backends():
            pytest.skip("needs CBC")
        monkeypatch.setattr(_solvers, "AUTO_CBC_COLUMNS", 0)
    problem, lp_bound = large
    found: list[_core.CoreFound] = []
    search = _core.core_search

    def spy(*args, **kwargs):
        out = search(*args, **kwargs)
        found.append(out)
        return out

    monkeypatch.setattr(_core, "core_search", spy)
    r = po.select(problem, time_limit=6)
    assert len(found) == 1, r.solver.message
    tol = 1e-9 * abs(lp_bound)
    assert found[0].objective <= lp_bound + tol and r.objective >= found[0].objective - tol
    assert r.status.value in ("optimal", "feasible")
    assert r.objective <= r.bound + tol and r.bound <= lp_bound + 1e-6 * abs(lp_bound)
