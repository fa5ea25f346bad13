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
from hypothesis import strategies as st

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
    if result.status.value == "no_solution":  # the greedy can miss a portfolio that minimums make rare ...
        assert "kept a greedy portfolio" not in result.solver.message
        assert not feasible(spec, {})  # ... but not where the empty portfolio is one
        return
    assert result.status.value in ("feasible", "optimal"), result.solver.message
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


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=related_requests(), seed=st.integers(0, 2**16))
def test_the_bound_with_choice_rows_kept_holds_and_is_no_looser(spec, seed):
    """For random multipliers of the other rows, the bound with each project's choice row kept
    (``_fixing._ChoiceGroups``) is at least the brute-force optimum, at most the bound with every row
    relaxed, and is the Lagrangian value of the ``x`` it reports, which takes one option per kept row."""
    from portfolio_opt._solvers._fixing import _ChoiceGroups, lagrangian

    best = brute_force(spec)
    model = compile_problem(po.problem_from_spec(spec)).model
    groups = _ChoiceGroups(model)
    rng = np.random.default_rng(seed)
    lo, hi = np.asarray(model.row_lo), np.asarray(model.row_hi)
    for scale in (0.0, 1.0, 10.0):  # the sign each row's multiplier may take: + on an upper limit, - on a lower
        y = scale * rng.random(model.n_rows) * np.where(np.isfinite(hi), 1.0, np.where(np.isfinite(lo), -1.0, 0.0))
        U, r, x = groups.bound(y)
        y0 = np.where(groups.kept, 0.0, y)
        assert U <= lagrangian(model, y0)[0] + 1e-9
        if best is not None:
            assert U >= best - 1e-9
        rows = np.where(y0 > 0, y0 * np.where(np.isfinite(hi), hi, 0), y0 * np.where(np.isfinite(lo), lo, 0))
        assert U == pytest.approx(float(rows.sum() + r @ x + model.offset), abs=1e-9)
        A = model.A.tocsr()
        assert np.all(A[np.flatnonzero(groups.kept)] @ x <= 1 + 1e-12)
    choice = [k for k, p in enumerate(spec["projects"]) if p.get("latest_start", 0) > p.get("earliest_start", 0)]
    assert groups.kept.sum() <= len(choice) + len(spec["projects"])  # choice (and exclusion) rows only


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


# From an independent fuzz of short limits (2,267 requests): two requests that went wrong.
_MUTUAL = {"version": 1, "periods": 3, "budget": [111, 108, 100], "resources": {"eng": 30}, "projects": [
    {"id": "p1", "cost": [31, 3], "value": 48, "earliest_start": 1},
    {"id": "p4", "cost": [4, 7, 35], "value": 44.09, "resources": {"eng": 1}, "requires": ["p6"]},
    {"id": "p6", "cost": 53, "duration": 2, "value": 0, "latest_start": 1, "requires": ["p4"], "mandatory": True},
    {"id": "x1_p0", "cost": [42], "value": 62, "earliest_start": 2, "resources": {"eng": 4}},
    {"id": "x2_p2", "cost": [20, 1, 9], "value": 68.64},
    {"id": "x2_p6", "cost": [15], "value": 27, "earliest_start": 1, "resources": {"eng": [1]}},
    {"id": "x2_p8", "cost": [0], "value": 65.54, "earliest_start": 1, "latest_start": 2},
    {"id": "x3_p0", "cost": 33, "value": 77.28, "latest_start": 2},
    {"id": "x3_p1", "cost": [5, 0], "value": 42.24, "probability": 0.5, "earliest_start": 1, "resources": {"eng": 4}},
    {"id": "x3_p4", "cost": [37, 1], "value": 51.29},
    {"id": "x3_p5", "cost": [41, 5, 8], "value": 92, "requires": ["x3_p4"]}]}
_NONE_FITS = {"version": 1, "periods": 2, "budget": [31, 32], "min_projects": 3, "projects": [
    {"id": "p0", "cost": [3], "value": 56.36}, {"id": "p1", "cost": [24, 3], "value": 0},
    {"id": "p2", "cost": [0, 49], "value": 87.82}, {"id": "p3", "cost": [10], "value": 75.37}]}


@pytest.mark.parametrize("solver", [{"name": "highs", "time_limit": 0.01}, {"time_limit": 0.05},
                                    {"name": "cbc", "time_limit": 0.01}])
def test_a_limit_too_short_for_the_lp_still_runs_the_backend_when_the_greedy_finds_nothing(solver):
    """A mandatory project and the project it requires, which requires it back, can only be added together,
    which the greedy does not do: with "no time left" after the LP the answer was no_solution in 0.02 s for a
    request whose optimum is 446.96. The backend now gets the model when the greedy finds no portfolio."""
    spec = {**_MUTUAL, "solver": solver}
    best = brute_force(spec)
    out = po.solve_spec(spec)
    assert out["status"] in ("optimal", "feasible"), out["solver"]["message"]
    assert feasible(spec, out["starts"])
    assert out["objective"] <= best + 1e-9 <= out["bound"] + 2e-9
    assert {"p4", "p6"} <= set(out["selected"])


def test_an_infeasible_model_is_not_walked_again_and_again():
    """No portfolio exists (three projects cannot fit the yearly budgets): the Lagrangian enumeration, with no
    portfolio to stop at, grew its loss budget walk after walk (1,741 walks, 1.3 s past a 0.1 s limit, then
    no_solution; its diagnosis took 15 s). A walk that may change every column lists every portfolio: it stops
    there, and the backend proves the model infeasible."""
    from portfolio_opt._solvers import _enum

    assert brute_force(_NONE_FITS) is None
    walks = []
    real = _enum.walk
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_enum, "walk", lambda *a, **k: walks.append(1) or real(*a, **k))
        out = po.solve_spec({**_NONE_FITS, "solver": {"name": "highs", "time_limit": 0.1}})
    assert out["status"] == "infeasible" and out["diagnosis"]
    assert 0 < len(walks) <= 60, len(walks)


# A model whose LP does not end within its share of the limit is solved whole, and CBC's own first LP may not
# end either (100,000 candidates over 12 periods with 5 resources: the LP alone took 67 s): the greedy portfolio
# and its Lagrangian bound are computed beside CBC, on the core it leaves free, until the limit.

def _single_budget(n: int = FIX_COLUMNS + 200, seed: int = 7) -> tuple[po.Problem, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    cost = rng.integers(10, 100, n)
    df = pd.DataFrame({"id": [f"P{k:04d}" for k in range(n)], "cost": cost,
                       "value": (cost * rng.uniform(0.5, 1.5, n)).round(1), "mandatory": np.arange(n) < 3})
    return po.Problem.from_frame(df, budget=float(cost.sum()) / 4), df


@posix
@needs_cbc
def test_without_its_lp_a_model_gets_the_greedy_portfolio_computed_beside_cbc():
    from portfolio_opt._solvers import _fixing

    problem, df = _single_budget()
    optimum = po.select(problem, solver="highs").objective  # proven, with the LP
    calls = []
    real = _fixing.subgradient_bound

    def spy(model, target, steps=_fixing.FALLBACK_STEPS, seconds=_fixing.FALLBACK_SECONDS):
        calls.append((steps, seconds))
        return real(model, target, steps, seconds)

    # CBC stuck in its first LP: it ignores the interrupt and writes nothing
    stuck = [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(60)"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_highs, "lp_duals", lambda model, options: None)  # no LP within its share of the limit
        mp.setattr(_pulp, "_cbc_command", lambda *args, **kwargs: stuck)
        mp.setattr(_fixing, "subgradient_bound", spy)
        result = po.select(problem, solver="cbc", time_limit=2, tie_break=False)
    assert "kept a greedy portfolio" in result.solver.message, result.solver.message
    # interrupted at its limit (2 s), once the greedy portfolio was held, and killed 1 s later: not interrupted
    # at its deadline (4 s) and killed at 5 s
    killed = float(result.solver.message.split("was killed ")[1].split(" s after")[0])
    assert killed < 4.0, result.solver.message
    assert calls and calls[0][0] == _fixing.BESIDE_STEPS and calls[0][1] > _fixing.FALLBACK_SECONDS, calls
    assert len(calls) == 1  # not computed a second time after CBC
    assert result.status.value == "feasible"
    assert not po.check_portfolio(problem, _starts(result))
    assert set(df.id[df.mandatory]) <= set(result.selected_ids)
    assert 0.9 * optimum <= result.objective <= optimum + 1e-6
    assert result.bound >= optimum - 1e-6


@needs_cbc
def test_no_greedy_beside_cbc_in_a_batch_or_beside_another_backend():
    from portfolio_opt._solvers import _greedy_beside, no_race

    model = compile_problem(_single_budget(50)[0]).model
    assert _greedy_beside(model, "cbc") == ((os.cpu_count() or 1) >= 2)
    with no_race():  # a batch's workers use the cores
        assert not _greedy_beside(model, "cbc")
    assert not _greedy_beside(model, "highs") and not _greedy_beside(model, "race")


@posix
def test_cbc_is_interrupted_at_its_limit_once_the_caller_holds_a_portfolio(tmp_path):
    stops = "import time\ntry:\n    time.sleep(60)\nexcept KeyboardInterrupt:\n    print('best portfolio so far')"
    log = tmp_path / "log"
    t0 = time.monotonic()
    with _pulp.interrupt_at_limit(lambda: True):
        ended = _pulp._run_cbc([sys.executable, "-c", stops], str(log), deadline=30.0, limit=0.5)
    assert time.monotonic() - t0 < 10  # not its 30 s deadline
    assert ended is not None and ended.startswith("interrupted") and "exit code" not in ended, ended
    assert "best portfolio so far" in log.read_text()
    t0 = time.monotonic()
    with _pulp.interrupt_at_limit(lambda: False):  # nothing held: the deadline, as before
        ended = _pulp._run_cbc([sys.executable, "-c", stops], str(log), deadline=1.5, limit=0.2)
    assert time.monotonic() - t0 >= 1.4
    assert ended is not None and ended.startswith("interrupted")


def test_the_kept_greedy_portfolio_replaces_only_a_worse_unproven_one():
    """Items worth 3, 4 and 2, weights 1, 2 and 2, capacity 3: optimum 7 (the first two)."""
    import scipy.sparse as sp

    from portfolio_opt._solvers import _with_kept
    from portfolio_opt._solvers._base import CompiledModel, RawSolution, SolverOptions, Status

    m = CompiledModel(c=np.array([3.0, 4.0, 2.0]), A=sp.csr_matrix([[1.0, 2.0, 2.0]]), row_lo=np.array([-np.inf]),
                      row_hi=np.array([3.0]), col_lo=np.zeros(3), col_hi=np.ones(3),
                      integrality=np.ones(3, dtype=np.int32))
    opts = SolverOptions()
    best = np.array([1.0, 1.0, 0.0])

    def raw(status, x, bound):
        return RawSolution(status=status, x=x, objective=None if x is None else float(m.c @ x), bound=bound,
                           solver="cbc", version="x", seconds=1.0, message="cbc")

    worse = raw(Status.FEASIBLE, np.array([1.0, 0.0, 0.0]), 9.0)
    out = _with_kept(m, opts, worse, [best], 8.0)
    assert out.x.tolist() == best.tolist() and out.objective == 7.0 and out.bound == 8.0
    assert out.status == Status.FEASIBLE and "better than the backend's" in out.message
    out = _with_kept(m, opts, worse, [best], 7.0)  # the bound meets the portfolio: proven
    assert out.status == Status.OPTIMAL and out.objective == 7.0
    better = raw(Status.FEASIBLE, best, 9.0)
    out = _with_kept(m, opts, better, [np.array([1.0, 0.0, 0.0])], 8.0)  # its portfolio stands, the bound falls
    assert out.x is better.x and out.bound == 8.0
    assert _with_kept(m, opts, better, [best], 9.5) is better  # nothing better: unchanged
    proven = raw(Status.OPTIMAL, best, 7.0)
    assert _with_kept(m, opts, proven, [np.array([0.0, 1.0, 0.0])], 6.0) is proven
    none = raw(Status.NO_SOLUTION, None, None)
    out = _with_kept(m, opts, none, [np.array([0.0, 1.0, 0.0])], 7.5)
    assert out.status == Status.FEASIBLE and out.objective == 4.0 and out.bound == 7.5
    assert _with_kept(m, opts, none, [], np.inf) is none


@posix
@needs_cbc
def test_beside_cbc_the_lp_that_missed_its_share_is_solved_again_with_more_time():
    """The fixing's LP misses its share of the limit; beside CBC (stuck), the LP is given most of the time
    left and ends: the greedy portfolio near it, under the LP's bound (not the subgradient's)."""
    from portfolio_opt._solvers import _fixing

    problem, df = _single_budget()
    optimum = po.select(problem, solver="highs").objective
    real_lp, calls, steps = _highs.lp_duals, [], []

    def first_misses(model, options):
        calls.append(options.time_limit)
        return None if len(calls) == 1 else real_lp(model, options)

    stuck = [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(60)"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_highs, "lp_duals", first_misses)
        mp.setattr(_pulp, "_cbc_command", lambda *args, **kwargs: stuck)
        mp.setattr(_fixing, "subgradient_bound", lambda *args, **kwargs: steps.append(args) or (np.inf, None))
        result = po.select(problem, solver="cbc", time_limit=3, tie_break=False)
    assert len(calls) == 2 and calls[1] >= 1.0, calls  # the beside LP, with most of what was left
    assert not steps  # no subgradient steps: the LP's duals give the bound
    assert "kept a greedy portfolio (its bound: the relaxation)" in result.solver.message, result.solver.message
    assert not po.check_portfolio(problem, _starts(result))
    assert set(df.id[df.mandatory]) <= set(result.selected_ids)
    assert 0.98 * optimum <= result.objective <= optimum + 1e-6  # near the LP optimum (within 0.1 % here)
    assert optimum - 1e-6 <= result.bound <= 1.01 * optimum


def test_a_kept_row_that_must_hold_one_option_takes_the_best_even_at_a_loss():
    """Options worth -1 and -2 in a row ``x_a + x_b = 1``, a third column worth 3 alone: the optimum is 2
    (option a and the third), and the bound with the row kept is exactly that, where relaxing it gives 3."""
    import scipy.sparse as sp

    from portfolio_opt._solvers._base import CompiledModel
    from portfolio_opt._solvers._fixing import _ChoiceGroups, lagrangian

    m = CompiledModel(c=np.array([-1.0, -2.0, 3.0]), A=sp.csr_matrix([[1.0, 1.0, 0.0]]), row_lo=np.array([1.0]),
                      row_hi=np.array([1.0]), col_lo=np.zeros(3), col_hi=np.ones(3),
                      integrality=np.ones(3, dtype=np.int32))
    groups = _ChoiceGroups(m)
    assert groups.kept.tolist() == [True] and groups.must.tolist() == [True]
    U, _, x = groups.bound(np.zeros(1))
    assert U == 2.0 and x.tolist() == [1.0, 0.0, 1.0]
    assert lagrangian(m, np.zeros(1))[0] == 3.0
