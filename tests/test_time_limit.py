"""A time limit the backend cannot keep.

CBC reads its clock only between steps: its first LP on a large model ran 13 s
under a 1 s limit and ended with no portfolio (10,000 candidates, 12 periods,
5 resources: ``no_solution`` after 14 s).  Now CBC is interrupted at its
deadline (``_base.hard_deadline``) and killed if it does not stop, and a solve
that a limit leaves without a portfolio answers with a greedy one and a valid
bound (``_solvers._kept_greedy``).  Oracles: the brute-force optimum of small
random requests with every kind of constraint (``oracle.py``), which the kept
portfolio may not beat and its bound may not fall below, and the plain
feasibility check of the same module.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

import portfolio_opt as po
from oracle import brute_force, feasible
from portfolio_opt._compile import compile_problem
from portfolio_opt._solvers import _highs, _pulp, available_backends, no_fixing
from portfolio_opt._solvers._fixing import FIX_COLUMNS, subgradient_bound
from test_check_portfolio import related_requests

posix = pytest.mark.skipif(os.name == "nt", reason="the interrupt is SIGINT")
needs_cbc = pytest.mark.skipif("cbc" not in available_backends(), reason="needs CBC")


def _starts(result: po.PortfolioResult) -> dict[str, int]:
    return {pid: int(s) for pid, s in result.starts.items() if s >= 0}


@posix
def test_a_process_that_ignores_the_interrupt_is_killed(tmp_path):
    busy = "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(60)"
    t0 = time.monotonic()
    ended = _pulp._run_cbc([sys.executable, "-c", busy], str(tmp_path / "log"), deadline=1.0)
    assert ended is not None and ended.startswith("killed"), ended
    assert time.monotonic() - t0 < 30  # not the process's 60 s: it was ended


@posix
def test_a_process_that_stops_on_the_interrupt_is_interrupted_and_keeps_its_output(tmp_path):
    stops = "import time\ntry:\n    time.sleep(60)\nexcept KeyboardInterrupt:\n    print('best portfolio so far')"
    log = tmp_path / "log"
    ended = _pulp._run_cbc([sys.executable, "-c", stops], str(log), deadline=1.0)
    assert ended is not None and ended.startswith("interrupted") and "exit code" not in ended, ended
    assert "best portfolio so far" in log.read_text()


def test_a_process_within_its_deadline_is_left_alone(tmp_path):
    assert _pulp._run_cbc([sys.executable, "-c", "print('done')"], str(tmp_path / "log"), deadline=30.0) is None


@posix
@needs_cbc
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=related_requests())
def test_cbc_ended_at_once_leaves_a_greedy_portfolio_that_is_feasible_and_bounded(spec):
    """CBC interrupted as it starts (its deadline set to 0): the answer is a greedy portfolio, feasible by
    the oracle, worth at most the optimum, under a bound at least the optimum; none if there is none."""
    best = brute_force(spec)
    problem = po.problem_from_spec(spec)
    with pytest.MonkeyPatch.context() as mp, no_fixing():
        mp.setattr(_pulp, "hard_deadline", lambda limit: 0.0)
        result = po.select(problem, solver="cbc", time_limit=5, tie_break=False, diagnose=False)
    if best is None:
        assert result.status.value in ("infeasible", "no_solution"), result.solver.message
        return
    if result.status.value == "no_solution":  # the greedy can miss a portfolio that minimums make rare
        assert "kept a greedy portfolio" not in result.solver.message
        return
    assert result.status.value in ("feasible", "optimal"), result.solver.message
    assert "CBC was " in result.solver.message  # interrupted (it may have finished at once), or killed
    assert feasible(spec, _starts(result))
    assert result.objective <= best + 1e-9
    assert result.bound >= best - 1e-9
    if result.status.value == "optimal":
        assert result.objective == pytest.approx(best, abs=1e-9)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=related_requests())
def test_the_subgradient_bound_is_never_below_the_optimum(spec):
    best = brute_force(spec)
    model = compile_problem(po.problem_from_spec(spec)).model
    target = 0.0 if best is None else best
    U, r = subgradient_bound(model, target)
    if best is not None:
        assert U >= best - 1e-9
    assert U <= float(np.maximum(model.c, 0).sum() + model.offset) + 1e-9  # the descent starts there
    assert r.shape == (model.n_cols,)


@needs_cbc
def test_no_time_left_after_the_lp_gives_a_greedy_portfolio_under_a_valid_bound():
    """The LP takes the whole limit (HiGHS's LP made to sleep through it): the backend is not run, and the
    answer is a greedy portfolio, feasible, worth at most the proven optimum, under a bound at least it."""
    rng = np.random.default_rng(7)
    n = FIX_COLUMNS + 200
    cost = rng.integers(10, 100, n)
    df = pd.DataFrame({"id": [f"P{k:04d}" for k in range(n)], "cost": cost,
                       "value": (cost * rng.uniform(0.5, 1.5, n)).round(1),
                       "mandatory": np.arange(n) < 3})
    problem = po.Problem.from_frame(df, budget=float(cost.sum()) / 4)
    optimum = po.select(problem, solver="highs").objective  # proven, with the LP

    def slow_lp(model, options):
        time.sleep(float(options.time_limit) + 0.05)
        return None

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_highs, "lp_duals", slow_lp)
        result = po.select(problem, solver="cbc", time_limit=0.2, tie_break=False)
    assert "no time left for cbc" in result.solver.message, result.solver.message
    assert result.status.value in ("feasible", "optimal"), result.solver.message
    assert not po.check_portfolio(problem, _starts(result))
    assert set(df.id[df.mandatory]) <= set(result.selected_ids)
    assert result.objective <= optimum + 1e-6
    assert result.bound >= optimum - 1e-6
    assert result.objective >= 0.9 * optimum  # a greedy portfolio, not the empty one: 97-99 % here
    assert result.solver.name == "cbc"


@needs_cbc
def test_spec_at_a_limit_reports_the_kept_portfolio_as_feasible_with_its_gap():
    """Through the engine contract: status feasible, the proven gap, the portfolio within the budget."""
    projects = [{"id": f"P{k}", "cost": [3 + k % 5, 2 + k % 3], "value": 10 + (7 * k) % 13} for k in range(12)]
    spec = {"version": 1, "periods": 2, "projects": projects, "budget": {"per_period": [12, 8]},
            "solver": {"name": "cbc", "time_limit": 5}}
    best = brute_force(spec)
    with pytest.MonkeyPatch.context() as mp, no_fixing():
        mp.setattr(_pulp, "hard_deadline", lambda limit: 0.0)
        out = po.solve_spec(spec)
    assert out["status"] in ("feasible", "optimal")
    assert out["objective"] <= best + 1e-9 <= out["bound"] + 2e-9
    assert out["gap"] == pytest.approx(max(0.0, (out["bound"] - out["objective"]) / out["objective"]), abs=1e-6)
    assert feasible(spec, out["starts"])
