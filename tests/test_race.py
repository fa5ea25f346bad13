"""solver="race" (what "auto" runs on multi-limit scheduling models): HiGHS and CBC side by side.

Checked: the answer against brute force, that the loser is stopped (CBC's process
killed when HiGHS proves first; HiGHS's process ended when CBC proves first, and when
it runs far past the time limit), how two runs stopped at a limit are combined, that
a failing solver leaves the other's answer, and that batches never race.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings

import portfolio_opt as po
from oracle import assert_brute_force_optimum, brute_force
from strategies import small_requests
from portfolio_opt._solvers import (CompiledModel, RawSolution, SolverOptions, Status, _better_of, _pulp, _race,
                                    available_backends, no_fixing, no_race, racing_allowed, solve)
from portfolio_opt._solvers import _highs as highs_mod
from portfolio_opt.analysis.scenarios import Scenario, run_scenarios

pytestmark = pytest.mark.skipif(not {"highs", "cbc"} <= set(available_backends()), reason="needs HiGHS and CBC")


@pytest.fixture(autouse=True)
def race_only():
    """The race itself on small models (the Lagrangian enumeration would prove them before it starts)."""
    with no_fixing():
        yield


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=small_requests(min_periods=2, resources=True))
def test_race_finds_the_brute_force_optimum(spec):
    r = po.select(po.problem_from_spec(spec), solver="race")
    assert_brute_force_optimum(spec, r)
    assert r.solver.options["name"] == "race" and r.solver.name in ("highs", "cbc")


def _knapsack(n=8, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.integers(1, 9, size=(2, n)).astype(float)
    return CompiledModel(c=rng.integers(1, 9, size=n).astype(float), A=sp.csr_matrix(w),
                         row_lo=np.full(2, -np.inf), row_hi=w.sum(axis=1) / 2, col_lo=np.zeros(n),
                         col_hi=np.ones(n), integrality=np.ones(n, dtype=np.int8))


_PYTHON = sys.executable  # tests below may hide it from the library


def _sleeper(seconds):
    return subprocess.Popen([_PYTHON, "-c", f"import time; time.sleep({seconds})"])


def _stuck_highs(hung):
    """A HiGHS that would run for a minute (as in its root heuristics on large models); its process goes to ``hung``."""
    def stuck(model, options, on_start=None):
        proc = _sleeper(60)
        hung.append(proc)
        on_start(proc)
        proc.wait()
        raise po.SolverError(f"ended with {proc.returncode}")
    return stuck


def _cbc_after(seconds, answer):
    """A CBC whose process runs ``seconds``, then answers ``answer``."""
    def cbc(model, options, solver="cbc"):
        proc = _sleeper(seconds)
        _pulp._started.on_start(proc)
        proc.wait()
        return answer
    return cbc


def test_cbc_is_killed_when_highs_proves_first(monkeypatch):
    started = []

    def slow_cbc(model, options, solver="cbc"):  # a CBC that would run for a minute
        proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        started.append(proc)
        _pulp._started.on_start(proc)
        proc.wait()
        raise RuntimeError(f"exited with {proc.returncode}")

    monkeypatch.setattr(_pulp, "solve_pulp", slow_cbc)
    raw = solve(_knapsack(), SolverOptions(), "race")
    assert raw.status == Status.OPTIMAL and raw.solver == "highs" and "highs first" in raw.message
    assert started and started[0].poll() is not None and started[0].returncode != 0  # killed, not finished


def _watch_highs(monkeypatch, started):
    """Record every HiGHS process the race starts."""
    real = highs_mod.solve_highs_process

    def watched(model, options, on_start=None):
        def spy(proc):
            started.append(proc)
            on_start(proc)
        return real(model, options, on_start=spy)

    monkeypatch.setattr(highs_mod, "solve_highs_process", watched)


def test_highs_is_stopped_when_cbc_proves_first(monkeypatch):
    from portfolio_opt._compile import compile_problem
    from portfolio_opt.constraints import BudgetLimit
    from portfolio_opt.demo import load_sample

    base = load_sample()  # at 85 % of its budgets HiGHS needs seconds to prove the optimum
    problem = base.replace(constraints=tuple(BudgetLimit(c.amount * 0.85, c.period) if isinstance(c, BudgetLimit)
                                             else c for c in base.constraints))
    model = compile_problem(problem).model
    proven = solve(model, SolverOptions(), "highs")
    assert proven.status == Status.OPTIMAL and proven.seconds > 1.0

    started = []
    _watch_highs(monkeypatch, started)
    # CBC proves it after a second, once HiGHS has surely started
    proof = RawSolution(Status.OPTIMAL, proven.x, proven.objective, proven.objective, "cbc", "test", 1.0)
    monkeypatch.setattr(_pulp, "solve_pulp", _cbc_after(1.0, proof))
    raw = solve(model, SolverOptions(), "race")
    assert raw.solver == "cbc" and raw.status == Status.OPTIMAL and "cbc first" in raw.message
    assert raw.seconds < proven.seconds
    assert started and started[0].returncode not in (None, 0)  # HiGHS's process was ended, it did not finish


def test_highs_is_not_started_when_cbc_proves_within_the_delay(monkeypatch):
    from portfolio_opt import _solvers

    m = _knapsack()
    proven = solve(m, SolverOptions(), "highs")
    proof = RawSolution(Status.OPTIMAL, proven.x, proven.objective, proven.objective, "cbc", "test", 0.1)
    started = []
    _watch_highs(monkeypatch, started)
    monkeypatch.setattr(_pulp, "solve_pulp", _cbc_after(0.1, proof))
    monkeypatch.setattr(_solvers, "_RACE_HIGHS_DELAY", 30.0)  # generous: a loaded machine must not flake
    raw = solve(m, SolverOptions(), "race")
    assert raw.solver == "cbc" and raw.status == Status.OPTIMAL and "before highs was started" in raw.message
    assert raw.seconds < 10 and started == []
    # past the delay HiGHS does start: a CBC still running then no longer keeps it waiting
    monkeypatch.setattr(_solvers, "_RACE_HIGHS_DELAY", 0.0)
    monkeypatch.setattr(_pulp, "solve_pulp", _cbc_after(60.0, proof))
    raw = solve(m, SolverOptions(), "race")
    assert raw.solver == "highs" and raw.status == Status.OPTIMAL and started


def test_highs_gets_what_is_left_of_the_time_limit(monkeypatch):
    from portfolio_opt import _solvers

    m = _knapsack()
    proven = solve(m, SolverOptions(), "highs")
    at_the_limit = RawSolution(Status.FEASIBLE, proven.x, proven.objective, proven.objective + 5, "cbc", "test", 2.0)
    given = []

    def highs(model, options, on_start=None):
        given.append(options.time_limit)
        return dataclasses.replace(at_the_limit, solver="highs")

    monkeypatch.setattr(highs_mod, "solve_highs_process", highs)
    monkeypatch.setattr(_pulp, "solve_pulp", _cbc_after(2.0, at_the_limit))
    monkeypatch.setattr(_solvers, "_RACE_HIGHS_DELAY", 1.0)  # HiGHS starts a second after CBC
    solve(m, SolverOptions(time_limit=2.0), "race")
    assert len(given) == 1 and 0.01 <= given[0] <= 1.0  # not the whole 2 s: the race ends near the caller's limit


def test_a_solver_far_past_the_time_limit_is_ended(monkeypatch):
    # CBC stops at the 1 s limit with a portfolio; a HiGHS stuck past its limit (as in its root heuristics
    # on large models) is ended after the grace period and CBC's answer stands
    m = _knapsack()
    hung = []

    at_the_limit = RawSolution(Status.FEASIBLE, np.zeros(8), 0.0, 20.0, "cbc", "test", 1.0)
    monkeypatch.setattr(highs_mod, "solve_highs_process", _stuck_highs(hung))
    monkeypatch.setattr(_pulp, "solve_pulp", _cbc_after(1.0, at_the_limit))
    raw = solve(m, SolverOptions(time_limit=1.0), "race")
    assert (raw.status, raw.solver, raw.objective, raw.bound) == (Status.FEASIBLE, "cbc", 0.0, 20.0)
    assert "ended 0.25 s after the time limit" in raw.message
    # the limit, then 0.25 s (_late_wait at a 1 s limit: CBC holds a portfolio), not the grace of 2 s nor
    # HiGHS's 60 s
    assert 1.25 <= raw.seconds < 2.0
    assert hung and hung[0].returncode not in (None, 0)


def test_a_late_solver_gets_the_whole_grace_while_no_portfolio_is_held(monkeypatch):
    # HiGHS stops at the 1 s limit without a portfolio; CBC, past its limit, still writes one 1.4 s after
    # it: the race waits for it (the grace, 2 s), as it would not once a portfolio is held
    from portfolio_opt import _solvers

    m = _knapsack()
    found = solve(m, SolverOptions(), "highs")
    none = RawSolution(Status.NO_SOLUTION, None, None, None, "highs", "test", 1.0)
    late_cbc = RawSolution(Status.FEASIBLE, found.x, found.objective, found.objective + 3, "cbc", "test", 2.4)

    def highs(model, options, on_start=None):
        return none

    monkeypatch.setattr(highs_mod, "solve_highs_process", highs)
    monkeypatch.setattr(_pulp, "solve_pulp", _cbc_after(2.4, late_cbc))
    monkeypatch.setattr(_solvers, "_RACE_HIGHS_DELAY", 0.0)
    raw = solve(m, SolverOptions(time_limit=1.0), "race")
    assert raw.x is not None and raw.objective == found.objective and raw.solver == "cbc"
    assert 2.3 <= raw.seconds < 3.0


def test_a_highs_ended_past_the_limit_still_lends_its_portfolio_and_bound(monkeypatch):
    # ended past the limit, HiGHS answers with its last portfolio and bound (solve_highs_process):
    # the race combines it with CBC's as for two runs stopped at the limit
    m = _knapsack()
    hung = []

    def highs_with_a_last_portfolio(model, options, on_start=None):
        try:
            _stuck_highs(hung)(model, options, on_start)
        except po.SolverError:
            return RawSolution(Status.FEASIBLE, np.ones(8), 15.0, 18.0, "highs", "1", 3.0, "ended; its last portfolio")

    monkeypatch.setattr(highs_mod, "solve_highs_process", highs_with_a_last_portfolio)
    at_the_limit = RawSolution(Status.FEASIBLE, np.zeros(8), 12.0, 20.0, "cbc", "test", 1.0)
    monkeypatch.setattr(_pulp, "solve_pulp", _cbc_after(1.0, at_the_limit))
    raw = _race(m, SolverOptions(time_limit=1.0))
    assert (raw.status, raw.solver, raw.objective, raw.bound) == (Status.FEASIBLE, "highs", 15.0, 18.0)
    # ended 0.25 s after the limit (CBC held a portfolio: _late_wait), not after the whole grace
    assert hung and hung[0].returncode not in (None, 0) and 1.25 <= raw.seconds < 10.0


def test_the_wait_for_a_late_solver_is_a_tenth_of_the_limit_within_a_quarter_and_one_second():
    """A solver still running past the limit once the other holds a portfolio was waited for 1 s whatever
    the limit: a 3 s limit answered after 4 s. Now a tenth of the limit, at least 0.25 s and at most 1 s."""
    from portfolio_opt._solvers import _late_wait

    assert [_late_wait(t) for t in (0.2, 1.0, 3.0, 5.0, 10.0, 60.0, None)] == pytest.approx(
        [0.25, 0.25, 0.3, 0.5, 1.0, 1.0, 1.0])


def test_a_portfolio_worth_the_known_bound_ends_the_race(monkeypatch):
    m = _knapsack()
    best = solve(m, SolverOptions(), "highs")
    hung = []

    # CBC stops after a second with a portfolio worth the known bound but without a proof of its own
    at_the_target = RawSolution(Status.FEASIBLE, best.x, best.objective, best.objective + 5.0, "cbc", "test", 1.0)
    monkeypatch.setattr(highs_mod, "solve_highs_process", _stuck_highs(hung))
    monkeypatch.setattr(_pulp, "solve_pulp", _cbc_after(1.0, at_the_target))
    raw = solve(m, SolverOptions(known_bound=best.objective), "race")
    assert (raw.status, raw.objective, raw.bound) == (Status.OPTIMAL, best.objective, best.objective)
    assert raw.seconds < 10 and "cbc first" in raw.message  # no time limit: HiGHS alone would take 60 s
    assert hung and hung[0].returncode not in (None, 0)


def test_a_failing_solver_leaves_the_other_answer(monkeypatch):
    m = _knapsack()
    best = solve(m, SolverOptions(), "highs")
    with monkeypatch.context() as mp:  # HiGHS's process cannot even start: CBC's answer stands
        mp.setattr(_pulp, "solve_pulp", _cbc_after(0.5, dataclasses.replace(best, solver="cbc")))
        mp.setattr(sys, "executable", "/nonexistent/python")
        raw = solve(m, SolverOptions(), "race")
    assert raw.status == Status.OPTIMAL and raw.solver == "cbc" and raw.objective == pytest.approx(best.objective)

    def broken_cbc(model, options, solver="cbc"):
        raise po.SolverError("CBC crashed")

    monkeypatch.setattr(_pulp, "solve_pulp", broken_cbc)
    m = _knapsack()
    raw = solve(m, SolverOptions(), "race")
    assert raw.status == Status.OPTIMAL and raw.solver == "highs"
    assert raw.objective == pytest.approx(solve(m, SolverOptions(), "highs").objective)

    def broken_highs(model, options, on_start=None):
        raise po.SolverError("HiGHS crashed")

    monkeypatch.setattr(highs_mod, "solve_highs_process", broken_highs)
    with pytest.raises(po.SolverError, match="both solvers of the race failed.*HiGHS crashed.*CBC crashed"):
        solve(m, SolverOptions(), "race")


def test_two_runs_at_the_limit_keep_the_better_portfolio_and_the_smaller_bound():
    m = _knapsack()
    a = RawSolution(Status.FEASIBLE, np.zeros(8), 10.0, 14.0, "highs", "1", 5.0)
    b = RawSolution(Status.FEASIBLE, np.ones(8), 12.0, 13.0, "cbc", "2", 5.1)
    r = _better_of(m, SolverOptions(), a, b)
    assert (r.status, r.objective, r.bound, r.solver) == (Status.FEASIBLE, 12.0, 13.0, "cbc")
    c = RawSolution(Status.FEASIBLE, np.zeros(8), 12.0, 12.0 + 1e-12, "highs", "1", 5.0)
    r = _better_of(m, SolverOptions(), b, c)  # one's portfolio meets the other's bound: optimal
    assert r.status == Status.OPTIMAL and r.objective == 12.0
    none = RawSolution(Status.NO_SOLUTION, None, None, 20.0, "highs", "1", 5.0)
    r = _better_of(m, SolverOptions(), none, b)
    assert (r.status, r.objective, r.bound) == (Status.FEASIBLE, 12.0, 13.0)


def test_batches_never_race():
    spec = {"version": 1, "periods": 3, "projects": [
        {"id": f"P{k}", "cost": [2 + k % 3, 1], "value": 5 + k, "earliest_start": 0, "latest_start": 1,
         "resources": {"eng": [1, 1]}} for k in range(6)],
        "budget": {"total": 14, "per_period": [6, 6, 6]}, "resources": {"eng": [3, 3, 3]}}
    problem = po.problem_from_spec(spec)
    assert racing_allowed() == ((__import__("os").cpu_count() or 1) >= 2)
    with no_race():
        assert not racing_allowed()
    res = run_scenarios(problem, [Scenario("cut", budget_scale=0.8)], executor="serial", explain_moves=False)
    assert res["cut"].result.solver.options["name"] == "highs"
    assert res["cut"].objective == pytest.approx(brute_force({**spec, "budget": {
        "total": 14 * 0.8, "per_period": [6 * 0.8] * 3}}), abs=1e-9)


# --------------------------------------------------------------------------- the second CBC, in the request's order


def _reorder(m, seed=5):
    """A second order of ``m``'s columns and rows (``SolverOptions.second_order``)."""
    rng = np.random.default_rng(seed)
    return rng.permutation(m.n_cols), rng.permutation(m.n_rows)


def _cbc_for_a_minute(procs, key):
    """A CBC run whose process would sleep a minute: announced as CBC's are, kept in ``procs[key]``; it raises
    once the process is ended."""
    proc = _sleeper(60)
    procs[key] = proc
    _pulp._started.on_start(proc)
    proc.wait()
    raise po.SolverError(f"cbc exited with {proc.returncode}")


def _cbcs(m, real, procs):
    """CBC on ``m`` itself runs a minute (its process goes to ``procs["first"]``); on any other model, ``real``."""
    def cbc(model, options, solver="cbc"):
        if model is not m:
            procs.setdefault("models", []).append(model)
            return real(model, options, solver)
        _cbc_for_a_minute(procs, "first")
    return cbc


def test_a_second_cbc_on_a_second_order_can_win_the_race(monkeypatch):
    from portfolio_opt import _solvers
    from test_beside import _best

    m = _knapsack(n=10, seed=3)
    cols, rows = _reorder(m)
    procs = {}
    monkeypatch.setattr(_pulp, "solve_pulp", _cbcs(m, _pulp.solve_pulp, procs))
    monkeypatch.setattr(_solvers, "_RACE_HIGHS_DELAY", 30.0)  # HiGHS out of the way
    raw = solve(m, SolverOptions(second_order=(cols, rows)), "race")
    assert raw.solver == "cbc" and raw.status == Status.OPTIMAL and "cbc in the request's order first" in raw.message
    # its portfolio comes back in the model's own order: feasible there, worth what it says, and optimal
    assert raw.objective == pytest.approx(_best(m), abs=1e-9)
    assert float(m.c @ raw.x) == pytest.approx(raw.objective, abs=1e-9)
    assert np.all(m.A @ raw.x <= m.row_hi + 1e-9)
    (second,) = procs["models"]
    assert np.array_equal(second.c, m.c[cols]) and np.array_equal(second.A.toarray(), m.A.toarray()[rows][:, cols])
    assert procs["first"].returncode not in (None, 0)  # the first CBC lost: killed


def test_the_second_cbc_gives_its_core_to_highs(monkeypatch):
    from portfolio_opt import _solvers
    from test_beside import _best

    m = _knapsack(n=10, seed=4)
    procs = {}

    def slow(model, options, solver="cbc"):  # both CBCs would run a minute
        _cbc_for_a_minute(procs, "first" if model is m else "second")

    real = highs_mod.solve_highs_process
    ended_first = []

    def highs(model, options, on_start=None):
        for _ in range(1000):  # the second CBC is ended when HiGHS starts (at once if it had not started yet)
            if "second" in procs:
                break
            time.sleep(0.01)
        ended_first.append(procs["second"].wait(timeout=10) not in (None, 0))
        return real(model, options, on_start=on_start)

    monkeypatch.setattr(_pulp, "solve_pulp", slow)
    monkeypatch.setattr(highs_mod, "solve_highs_process", highs)
    monkeypatch.setattr(_solvers, "_RACE_HIGHS_DELAY", 0.3)
    raw = solve(m, SolverOptions(second_order=_reorder(m)), "race")
    assert raw.solver == "highs" and raw.status == Status.OPTIMAL and raw.objective == pytest.approx(_best(m))
    assert ended_first == [True] and procs["first"].returncode not in (None, 0)
    assert "cbc in the request's order until highs started" in raw.message


def test_no_second_cbc_where_the_order_does_not_fit_or_repeats_the_first(monkeypatch):
    from portfolio_opt import _solvers

    m = _knapsack(n=6)
    cols, rows = _reorder(m)
    assert _solvers._second_model(m, SolverOptions()) is None
    assert _solvers._second_model(m, SolverOptions(second_order=(np.arange(6), np.arange(2)))) is None  # the same
    assert _solvers._second_model(m, SolverOptions(second_order=(cols[:5], rows))) is None  # another model's
    m2, order = _solvers._second_model(m, SolverOptions(second_order=(cols, rows)))
    assert np.array_equal(order, cols) and np.array_equal(m2.row_hi, m.row_hi[rows])
    monkeypatch.setattr(_solvers, "_RACE_SECOND_CBC", False)
    assert _solvers._second_model(m, SolverOptions(second_order=(cols, rows))) is None


_SPEC = {"version": 1, "periods": 2, "budget": {"total": 14, "per_period": [8, 8]}, "resources": {"eng": [3, 3]},
         "projects": [{"id": f"P{k}", "cost": cost, "value": value, "earliest_start": 0, "latest_start": 2 - len(cost),
                       "resources": {"eng": [1] * len(cost)}}
                      for k, (cost, value) in enumerate([([3], 5), ([2, 2], 7), ([4], 6), ([1, 3], 6), ([5], 8),
                                                         ([2], 3), ([3, 1], 6)])]}


def test_select_hands_the_second_cbc_the_request_s_own_order(monkeypatch):
    """``select`` solves a canonical order; the race's second CBC gets the compiled model in the input's order."""
    from portfolio_opt import _solvers
    from portfolio_opt._compile import compile_problem

    problem = po.problem_from_spec(_SPEC)
    own = compile_problem(problem).model
    seen, procs = [], {}
    real = _pulp.solve_pulp

    def first_slow(model, options, solver="cbc"):
        seen.append(model)
        if len(seen) > 1:
            return real(model, options, solver)
        _cbc_for_a_minute(procs, "first")  # the first CBC, on the canonical order

    monkeypatch.setattr(_pulp, "solve_pulp", first_slow)
    monkeypatch.setattr(_solvers, "_RACE_HIGHS_DELAY", 30.0)
    r = po.select(problem, solver="race")
    assert_brute_force_optimum(_SPEC, r)
    assert "cbc in the request's order first" in r.solver.message
    canonical, second = seen
    assert not np.array_equal(canonical.c, own.c)  # the canonical order is another order here
    assert np.array_equal(second.c, own.c) and np.array_equal(second.row_hi, own.row_hi)
    assert np.array_equal(second.A.toarray(), own.A.toarray())
    assert procs["first"].returncode not in (None, 0)
