"""The race started beside the Lagrangian enumeration on small models (``_solvers._Beside``).

Under ``_fixing.FIX_COLUMNS`` columns a 0-1 model is walked after its LP; where
the race is to solve it and a second core is free, the race starts beside the
walk. Checked: when the walk gives up, the answer is the race's and equals the
brute-force optimum (its portfolio feasible, its bound valid); when the walk
proves the optimum, the race's processes are ended; a walk that outgrows its
allowance starts the race and goes on until the race answers; an interrupted
walk leaves no solver running; the race's HiGHS waits for the walk; batches and
a named solver walk first and solve after, as before.
"""

from __future__ import annotations

import dataclasses
import itertools
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings

import portfolio_opt as po
from oracle import assert_brute_force_optimum
from strategies import small_requests
from test_fixing import _enumeration
from portfolio_opt import _solvers
from portfolio_opt._solvers import (CompiledModel, RawSolution, SolverOptions, Status, _enum, _fixing, _pulp,
                                    available_backends, no_race, solve)
from portfolio_opt._solvers import _highs as highs_mod

pytestmark = pytest.mark.skipif(not {"highs", "cbc"} <= set(available_backends()), reason="needs HiGHS and CBC")

_PYTHON = sys.executable
_RACING_ALLOWED = _solvers.racing_allowed


@pytest.fixture(autouse=True)
def two_cores(monkeypatch):
    """Racing (and so the race beside the walk) allowed, as on the 2-core machines this runs on; no walk
    before the LP (``_fixing.TINY_COLUMNS``: it would prove these 14-column models before the race could start)."""
    monkeypatch.setattr(_solvers, "racing_allowed", lambda: True)
    monkeypatch.setattr(_fixing, "TINY_COLUMNS", 0)


def _walk_gives_up(monkeypatch):
    """Every model walked (whatever its size) and no walk proves anything: the race's answer is used."""
    _enumeration(monkeypatch, on=True)
    monkeypatch.setattr(_enum, "MAX_WORK", 1)
    monkeypatch.setattr(_fixing, "FAR_WORK", 1)
    monkeypatch.setattr(_fixing, "BESIDE_WORK", 1)


def _model(seed: int, n: int = 14, rows: int = 3) -> CompiledModel:
    """``rows`` knapsack rows at about 40 % of their column sums and a requirement (column 0 needs column 1)."""
    rng = np.random.default_rng(seed)
    W = rng.integers(1, 40, (rows, n)).astype(float)
    req = np.zeros((1, n))
    req[0, 0], req[0, 1] = 1.0, -1.0  # column 0 needs column 1
    return CompiledModel(c=rng.integers(1, 60, n).astype(float), A=sp.csr_matrix(np.vstack([W, req])),
                         row_lo=np.full(rows + 1, -np.inf), row_hi=np.append(np.floor(0.4 * W.sum(axis=1)), 0.0),
                         col_lo=np.zeros(n), col_hi=np.ones(n), integrality=np.ones(n, dtype=np.int32))


def _best(model: CompiledModel) -> float:
    """The brute-force optimum over every 0-1 vector."""
    X = np.array(list(itertools.product((0.0, 1.0), repeat=model.n_cols)))
    act = (model.A @ X.T).T
    ok = np.all(act <= model.row_hi + 1e-9, axis=1) & np.all(act >= model.row_lo - 1e-9, axis=1)
    return float((X[ok] @ model.c).max())


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_a_walk_that_gives_up_leaves_the_answer_to_the_race_started_beside_it(monkeypatch, seed):
    _walk_gives_up(monkeypatch)
    m = _model(seed)
    assert _fixing.walks_small(m, True)
    raw = solve(m, SolverOptions(), "race")
    assert raw.status == Status.OPTIMAL and raw.solver in ("cbc", "highs")
    assert "started beside the enumeration" in raw.message and "grew too large" in raw.message
    assert raw.objective == pytest.approx(_best(m), abs=1e-9)
    assert _fixing.feasible(m, raw.x) and float(m.c @ raw.x) == pytest.approx(raw.objective, abs=1e-9)
    assert raw.bound == pytest.approx(raw.objective, abs=1e-6)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(spec=small_requests(min_periods=1, resources=True))
def test_select_with_the_solver_beside_a_failed_walk_matches_brute_force(monkeypatch, spec):
    _walk_gives_up(monkeypatch)
    r = po.select(po.problem_from_spec(spec), solver="race")
    assert_brute_force_optimum(spec, r)


def _slow_cbc(started: list, running: threading.Event):
    """A CBC whose process would run a minute; it goes to ``started`` and is announced as CBC's are."""
    def cbc(model, options, solver="cbc"):
        proc = subprocess.Popen([_PYTHON, "-c", "import time; time.sleep(60)"])
        started.append(proc)
        _pulp._started.on_start(proc)
        running.set()
        proc.wait()
        raise po.SolverError(f"cbc exited with {proc.returncode}")
    return cbc


def _cbc_at_once(monkeypatch) -> tuple[list, threading.Event]:
    """The race beside the walk starts at once, with a :func:`_slow_cbc`: its processes and its start."""
    monkeypatch.setattr(_solvers, "_BESIDE_DELAY", 0.0)
    started, running = [], threading.Event()
    monkeypatch.setattr(_pulp, "solve_pulp", _slow_cbc(started, running))
    return started, running


def _walk_after(event: threading.Event, then=None):
    """The enumeration, once ``event`` is set (the race's CBC beside it has surely started)."""
    real = _fixing._enumerated

    def walk(*args, **kwargs):
        assert event.wait(30), "the race beside the walk never started CBC"
        if then is not None:
            then()
        return real(*args, **kwargs)
    return walk


def test_a_walk_that_proves_the_optimum_ends_the_race_beside_it(monkeypatch):
    _enumeration(monkeypatch, on=True)
    started, running = _cbc_at_once(monkeypatch)
    monkeypatch.setattr(_fixing, "_enumerated", _walk_after(running))
    m = _model(3)
    t0 = time.monotonic()
    raw = solve(m, SolverOptions(), "race")
    assert raw.status == Status.OPTIMAL and raw.message.startswith("Lagrangian enumeration")
    assert raw.objective == pytest.approx(_best(m), abs=1e-9) and _fixing.feasible(m, raw.x)
    assert time.monotonic() - t0 < 30  # not the minute the solver would have taken
    assert len(started) == 1 and started[0].poll() is not None and started[0].returncode != 0  # killed


def _outgrown_then(extended):
    """A walk that outgrows its first allowance at once, then runs ``extended(real_walk, args)``."""
    real_walk = _enum.walk

    def walk(model, r, p, gap, max_states, budget, base, stop):
        if max_states != _fixing.BESIDE_STATES:
            return None  # too many partial sets
        return extended(real_walk, (model, r, p, gap, max_states, budget, base, stop))
    return walk


def test_a_walk_that_outgrows_its_allowance_starts_the_solver_and_goes_on(monkeypatch):
    _enumeration(monkeypatch, on=True)
    monkeypatch.setattr(_fixing, "BESIDE_COLUMNS", 1)
    monkeypatch.setattr(_solvers, "_BESIDE_DELAY", 30.0)  # the solver starts only because the walk outgrew it
    started, running = [], threading.Event()
    monkeypatch.setattr(_pulp, "solve_pulp", _slow_cbc(started, running))

    def once_cbc_runs(real_walk, args):
        assert running.wait(20), "the solver was not started when the walk outgrew its allowance"
        return real_walk(*args)

    monkeypatch.setattr(_enum, "walk", _outgrown_then(once_cbc_runs))
    m = _model(10)
    t0 = time.monotonic()
    raw = solve(m, SolverOptions(), "race")
    assert raw.status == Status.OPTIMAL and raw.message.startswith("Lagrangian enumeration")
    assert raw.objective == pytest.approx(_best(m), abs=1e-9) and _fixing.feasible(m, raw.x)
    assert time.monotonic() - t0 < 25
    assert len(started) == 1 and started[0].poll() is not None and started[0].returncode != 0  # then killed


def test_a_walk_beside_a_solver_ends_when_the_solver_answers(monkeypatch):
    _enumeration(monkeypatch, on=True)
    monkeypatch.setattr(_fixing, "BESIDE_COLUMNS", 1)
    m = _model(11)
    with _solvers.no_fixing():
        proven = solve(m, SolverOptions(), "highs")
    monkeypatch.setattr(_pulp, "solve_pulp", lambda model, options, solver="cbc": dataclasses.replace(
        proven, solver="cbc", message="CBC's proof"))
    ended = []

    def until_answered(real_walk, args):
        stop, deadline = args[-1], time.monotonic() + 30  # as long as it takes the solver to answer
        while not stop() and time.monotonic() < deadline:
            time.sleep(0.01)
        ended.append(stop())
        return None

    monkeypatch.setattr(_enum, "walk", _outgrown_then(until_answered))
    raw = solve(m, SolverOptions(), "race")
    assert ended == [True]  # stopped by the answer, not by the deadline
    assert raw.solver == "cbc" and raw.message.startswith("CBC's proof") and raw.status == Status.OPTIMAL
    assert "answered first" in raw.message and raw.objective == pytest.approx(_best(m), abs=1e-9)


def test_a_small_model_s_walk_does_not_go_on_beside_the_solver(monkeypatch):
    _enumeration(monkeypatch, on=True)
    m = _model(12)
    assert m.n_cols < _fixing.BESIDE_COLUMNS
    monkeypatch.setattr(_enum, "walk", _outgrown_then(lambda real_walk, args: pytest.fail("no longer walk")))
    raw = solve(m, SolverOptions(), "race")
    assert "grew too large" in raw.message and "started beside" in raw.message
    assert raw.objective == pytest.approx(_best(m), abs=1e-9)


def test_a_proof_within_the_delay_never_starts_the_solver(monkeypatch):
    _enumeration(monkeypatch, on=True)
    monkeypatch.setattr(_solvers, "_BESIDE_DELAY", 30.0)  # generous: a loaded machine must not flake
    monkeypatch.setattr(_pulp, "solve_pulp", lambda *a, **k: pytest.fail("no solver expected"))
    raw = solve(_model(4), SolverOptions(), "race")
    assert raw.status == Status.OPTIMAL and raw.message.startswith("Lagrangian enumeration")


def test_an_interrupted_walk_leaves_no_solver_running(monkeypatch):
    _enumeration(monkeypatch, on=True)
    started, running = _cbc_at_once(monkeypatch)

    def interrupt():
        raise KeyboardInterrupt

    monkeypatch.setattr(_fixing, "_enumerated", _walk_after(running, then=interrupt))
    with pytest.raises(KeyboardInterrupt):
        solve(_model(5), SolverOptions(), "race")
    assert len(started) == 1 and started[0].poll() is not None and started[0].returncode != 0


def test_the_race_starts_highs_only_once_the_walk_has_ended(monkeypatch):
    _walk_gives_up(monkeypatch)
    monkeypatch.setattr(_solvers, "_RACE_HIGHS_DELAY", 0.0)
    started, running = _cbc_at_once(monkeypatch)
    walk_ended, highs_started = [], []

    def slow_walk():
        time.sleep(0.5)  # CBC runs; HiGHS, without the wait, would have started at once
        walk_ended.append(time.monotonic())

    monkeypatch.setattr(_fixing, "_enumerated", _walk_after(running, then=slow_walk))
    real = highs_mod.solve_highs_process

    def watched(model, options, on_start=None):
        highs_started.append(time.monotonic())
        return real(model, options, on_start=on_start)

    monkeypatch.setattr(highs_mod, "solve_highs_process", watched)
    m = _model(6)
    raw = solve(m, SolverOptions(), "race")
    assert raw.solver == "highs" and raw.status == Status.OPTIMAL and "started beside the enumeration" in raw.message
    assert raw.objective == pytest.approx(_best(m), abs=1e-9)
    assert walk_ended and highs_started and highs_started[0] >= walk_ended[0]
    assert started[0].poll() is not None and started[0].returncode != 0  # CBC lost the race: killed


@pytest.mark.parametrize("where", ["batch", "highs", "cbc"])
def test_batches_and_named_solvers_walk_first_and_solve_after(monkeypatch, where):
    """A named solver's answer never depends on which finished first; batches use their cores already."""
    _walk_gives_up(monkeypatch)
    monkeypatch.setattr(_solvers, "_Beside", lambda *a: pytest.fail("no race beside the walk expected"))
    m = _model(7)
    if where == "batch":
        monkeypatch.setattr(_solvers, "racing_allowed", _RACING_ALLOWED)  # the real rule: False inside no_race()
        with no_race():
            raw = solve(m, SolverOptions(), "race")
    else:
        raw = solve(m, SolverOptions(), where)
    assert raw.status == Status.OPTIMAL and raw.objective == pytest.approx(_best(m), abs=1e-9)
    assert "solved whole (" in raw.message


def test_a_failing_race_beside_the_walk_is_reported(monkeypatch):
    _walk_gives_up(monkeypatch)
    monkeypatch.setattr(_solvers, "_RACE_HIGHS_DELAY", 0.0)

    def broken(*args, **kwargs):
        raise po.SolverError("exited with code 1")

    monkeypatch.setattr(_pulp, "solve_pulp", broken)
    monkeypatch.setattr(highs_mod, "solve_highs_process", broken)
    with pytest.raises(po.SolverError, match="both solvers of the race failed"):
        solve(_model(8), SolverOptions(), "race")


def test_the_race_beside_gets_what_is_left_of_the_time_limit(monkeypatch):
    _walk_gives_up(monkeypatch)
    seen = []

    def race(model, options, beside=None):
        seen.append(options.time_limit)
        x = np.zeros(model.n_cols)
        return RawSolution(Status.FEASIBLE, x, 0.0, None, "cbc", "test", 0.0)

    monkeypatch.setattr(_solvers, "_race", race)
    raw = solve(_model(9), SolverOptions(time_limit=10.0), "race")
    assert seen and 9.0 < seen[0] < 10.0  # the limit less the time since the call began
    assert raw.status == Status.FEASIBLE and raw.objective == 0.0
    assert raw.bound is not None and raw.bound >= _best(_model(9)) - 1e-6  # the LP bound, kept
