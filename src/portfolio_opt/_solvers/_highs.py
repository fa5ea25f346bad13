"""HiGHS backend (in-process, through highspy): the whole model in one passModel call."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import SolverError
from . import _highs_core as core
from ._base import CompiledModel, RawSolution, SolverOptions, Status, absolute_tolerance, wait_process
from ._quiet import stdout_to_stderr

_scheduler_threads: int | None = None  # the thread count of the process' HiGHS scheduler
_scheduler_lock = threading.Lock()  # solves on several threads of one process (a thread or Dask executor)


@functools.lru_cache(maxsize=1)
def highs_version() -> str:
    """HiGHS's version, e.g. ``"1.16.0"``: from highspy's constants where it has them (a ``Highs`` object
    costs 0.13-0.3 ms on a process's first call, a tenth of a tiny model's solve), else from one."""
    import highspy

    parts = [getattr(highspy, f"HIGHS_VERSION_{k}", None) for k in ("MAJOR", "MINOR", "PATCH")]
    if all(isinstance(v, int) for v in parts):
        return ".".join(map(str, parts))
    with stdout_to_stderr(discard=True):
        h = highspy.Highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


_LIMITS = {"kTimeLimit", "kIterationLimit", "kSolutionLimit", "kObjectiveBound", "kObjectiveTarget",
           "kInterrupt", "kMemoryLimit", "kHighsInterrupt"}


def map_status(name: str, has_solution: bool) -> Status | None:
    """Our status from a HiGHS model-status name; None for a failure.

    A run stopped at a limit is FEASIBLE only if it holds a solution, else
    NO_SOLUTION; "unbounded or infeasible" on a bounded 0-1 model means
    infeasible.
    """
    if name in ("kOptimal", "kModelEmpty"):
        return Status.OPTIMAL
    if name in ("kInfeasible", "kUnboundedOrInfeasible"):
        return Status.INFEASIBLE
    if name in _LIMITS:
        return Status.FEASIBLE if has_solution else Status.NO_SOLUTION
    return None


def _settings(model: CompiledModel, options: SolverOptions, relax: bool) -> dict[str, Any]:
    """The options of one run, as ``_highs_core.configure`` takes them."""
    target = None if relax else options.stop_at()
    return {
        "msg": bool(options.msg),
        "time_limit": None if options.time_limit is None else float(options.time_limit),
        "mip_gap": float(options.mip_gap),
        "threads": int(options.threads or 0),  # 0 = HiGHS chooses
        "extra": [list(kv) for kv in options.extra],
        # HiGHS stops once an incumbent is strictly better than the target
        "objective_target": None if target is None else target - absolute_tolerance(model, target),
    }


def _arrays(model: CompiledModel, relax: bool) -> dict[str, np.ndarray]:
    """The model columnwise, as ``_highs_core.load`` takes it."""
    A = model.A.tocsc()
    n = model.n_cols
    return {
        "c": np.asarray(model.c, float), "col_lo": np.asarray(model.col_lo, float),
        "col_hi": np.asarray(model.col_hi, float), "row_lo": np.asarray(model.row_lo, float),
        "row_hi": np.asarray(model.row_hi, float), "indptr": A.indptr.astype(np.int32),
        "indices": A.indices.astype(np.int32), "data": A.data.astype(float),
        "integrality": np.zeros(n, dtype=np.int32) if relax else np.asarray(model.integrality, dtype=np.int32),
        "offset": np.float64(model.offset),
    }


def solve_highs(model: CompiledModel, options: SolverOptions, *, relax: bool = False) -> RawSolution:
    """Solve ``model`` (a maximisation) with HiGHS, in this process; ``relax`` drops integrality (LP)."""
    settings = _settings(model, options, relax)
    h, highspy, seconds = _run(model, settings, relax, None if relax else options.warm_start)
    return _raw_solution(model, relax, core.outcome(h, highspy, model.n_cols), seconds)


def lp_duals(model: CompiledModel, options: SolverOptions) -> tuple[np.ndarray, np.ndarray] | None:
    """The LP relaxation's column values and row duals by HiGHS's interior point method, or None.

    No presolve and no crossover: on single-budget portfolios with requires and
    excludes rows HiGHS's presolve took 1.3 s of a 1.4 s LP at 10,000 columns
    and over 30 s at 100,000, where the interior point method alone took 0.9 s.
    The duals need not be exact: whoever uses them derives a bound that holds
    for any multipliers (``_fixing``).  None when HiGHS stops without an optimal LP.
    """
    settings = _settings(model, options, True)  # an LP: no objective target, no warm start
    settings["extra"] = [*settings["extra"], ["presolve", "off"], ["solver", "ipm"], ["run_crossover", "off"]]
    h, highspy, _ = _run(model, settings, True, None)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    sol = h.getSolution()
    return np.asarray(sol.col_value, float), np.asarray(sol.row_dual, float)


def _run(model: CompiledModel, settings: dict[str, Any], relax: bool,
         warm_start: np.ndarray | None) -> tuple[Any, Any, float]:
    """One in-process HiGHS run with ``settings`` (``_settings``): the Highs object, highspy, seconds."""
    try:
        import highspy
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise SolverError(f"HiGHS is not installed ({exc}); pip install highspy") from None

    log_path = None
    if settings["msg"]:
        fd, log_path = tempfile.mkstemp(suffix=".log", prefix="highs-")
        os.close(fd)
        settings["log_file"] = log_path
    with stdout_to_stderr(discard=not settings["msg"]):
        h = highspy.Highs()
    # HiGHS keeps one thread scheduler per process, fixed at its first run: a run that
    # asks for another thread count must reset it first, or HiGHS fails with "Not Set".
    # Before our first run the count is unknown (the caller may have run highspy itself).
    global _scheduler_threads
    with _scheduler_lock:  # two first solves at once must not both reset it, one under the other's run
        if settings["threads"] != _scheduler_threads:
            highspy.Highs.resetGlobalScheduler(True)
        _scheduler_threads = settings["threads"]
    core.configure(h, settings)
    if not core.load(h, highspy, _arrays(model, relax), warm_start):
        raise SolverError("HiGHS rejected the model (passModel returned an error)")
    t0 = time.perf_counter()
    with stdout_to_stderr():
        run = h.run()
        if run == highspy.HighsStatus.kError and h.getModelStatus() == highspy.HighsModelStatus.kNotset:
            # someone else ran HiGHS in this process with another thread count since our
            # last run: reset the scheduler and run once more
            highspy.Highs.resetGlobalScheduler(True)
            run = h.run()
    seconds = time.perf_counter() - t0
    if log_path:
        _copy_log(log_path)
        os.unlink(log_path)
    if run == highspy.HighsStatus.kError:
        raise SolverError(f"HiGHS failed: {h.modelStatusToString(h.getModelStatus())}")
    return h, highspy, seconds


def _copy_log(path: str) -> None:
    with open(path, encoding="utf-8", errors="replace") as fh:
        sys.stderr.write(fh.read())


def _raw_solution(model: CompiledModel, relax: bool, out: dict[str, Any], seconds: float) -> RawSolution:
    """Our result from a run's outcome (``_highs_core.outcome``)."""
    n = model.n_cols
    x = out["x"]
    st = map_status(out["status"], x is not None)
    if st is None:
        raise SolverError(f"HiGHS ended with status '{out['message']}'")
    if out["status"] == "kModelEmpty":
        x = np.zeros(n)
    if x is not None and not relax:
        x = np.where(np.asarray(model.integrality) == 1, np.round(x), x)
    objective = float(model.c @ x + model.offset) if x is not None else None
    if relax or st == Status.OPTIMAL and objective is not None and n == 0:
        bound = objective
    else:
        bound = out["dual_bound"]
        if st == Status.OPTIMAL and bound is None:
            bound = objective
    return RawSolution(
        status=st,
        x=x,
        objective=objective,
        bound=bound,
        solver="highs",
        version=out["version"],
        seconds=seconds,
        message=out["message"],
    )


#: loads ``_highs_core`` by its path and runs it on the folder given: no ``portfolio_opt`` import
_CHILD = ("import importlib.util, sys; s = importlib.util.spec_from_file_location('_portfolio_opt_highs_core', "
          "sys.argv[1]); m = importlib.util.module_from_spec(s); s.loader.exec_module(m); sys.exit(m.main(sys.argv[2]))")


class ProcessUnavailable(SolverError):
    """HiGHS's process could not run here (no Python to start, or it could not import highspy):
    HiGHS itself never ran, so running it in the caller's process instead is safe."""


def solve_highs_process(model: CompiledModel, options: SolverOptions, *,
                        on_start: Callable[[subprocess.Popen[bytes]], None] | None = None,
                        deadline: float | None = None) -> RawSolution:
    """:func:`solve_highs` in a process of its own, which can be ended at any time.

    Inside some root-node heuristics HiGHS checks neither its time limit nor its
    interrupt callback (``_highs_core``): in-process, a run can go on long past its
    limit, and the race could not stop it when CBC had proved the optimum.  Here
    the process is ended ``deadline`` seconds after it started, if given, and
    ``on_start(proc)`` lets the caller end it (``proc.kill()``) at any time.  A run
    ended early answers with the last portfolio HiGHS found and the dual bound of
    that moment (status ``feasible``); with none, ``no_solution`` when the deadline
    ended it, :class:`SolverError` when the caller did.  :class:`ProcessUnavailable`
    when the process could not start or failed before HiGHS ran (an embedding
    whose ``sys.executable`` is not this Python, say).
    """
    if not sys.executable:  # pragma: no cover - an embedded interpreter without a python to start
        raise ProcessUnavailable("no Python executable to run HiGHS in a process of its own")
    settings = _settings(model, options, False)
    with tempfile.TemporaryDirectory(prefix="portfolio-highs-") as work:
        arrays = _arrays(model, False)
        if options.warm_start is not None and model.n_cols:
            arrays["warm_start"] = np.asarray(options.warm_start, float)
        np.savez(os.path.join(work, "model.npz"), **arrays)
        log_path = os.path.join(work, "highs.log")
        if options.msg:
            settings["log_file"] = log_path
        with open(os.path.join(work, "settings.json"), "w", encoding="utf-8") as fh:
            json.dump(settings, fh)
        env = dict(os.environ)  # the parent's import path, so that the child finds numpy and highspy as it did
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        t0 = time.perf_counter()
        timed_out = False
        with open(os.path.join(work, "output.txt"), "wb") as output:
            try:
                proc = subprocess.Popen([sys.executable, "-c", _CHILD, core.__file__, work], cwd=work, env=env,
                                        stdin=subprocess.DEVNULL, stdout=output, stderr=output)
            except OSError as exc:
                raise ProcessUnavailable(f"could not start HiGHS's process ({sys.executable}): {exc}") from None
            try:
                if on_start is not None:
                    on_start(proc)
                try:
                    wait_process(proc, deadline)
                except subprocess.TimeoutExpired:
                    timed_out = True
                    proc.kill()
                    proc.wait()
            except BaseException:
                proc.kill()
                proc.wait()
                raise
        seconds = time.perf_counter() - t0
        if options.msg and os.path.exists(log_path):
            _copy_log(log_path)
        result = os.path.join(work, "result.json")
        if proc.returncode != 0 or not os.path.exists(result):
            early = _ended_early(model, work, seconds, timed_out)
            if early is not None:
                return early
            with open(os.path.join(work, "output.txt"), encoding="utf-8", errors="replace") as fh:
                tail = " | ".join(fh.read().strip().splitlines()[-3:])
            why = f"HiGHS's process ended with code {proc.returncode}" + (f": {tail}" if tail else "")
            if proc.returncode > 0 and not os.path.exists(os.path.join(work, core.STARTED)):
                raise ProcessUnavailable(f"{why} (before HiGHS ran; {sys.executable})")
            raise SolverError(why)
        with open(result, encoding="utf-8") as fh:
            out = json.load(fh)
        if "error" in out:
            raise SolverError(out["error"])
        out["x"] = np.load(os.path.join(work, "x.npy")) if out.pop("has_solution") else None
        return _raw_solution(model, False, out, seconds)  # the process: start-up included


def _ended_early(model: CompiledModel, work: str, seconds: float, timed_out: bool) -> RawSolution | None:
    """The answer of a HiGHS process ended before it finished: its last portfolio, if any."""
    why = f"ended after {seconds:.1f} s, past its time limit" if timed_out else f"ended after {seconds:.1f} s"
    info = os.path.join(work, "incumbent.json")
    if not os.path.exists(info):
        if not timed_out:
            return None
        return RawSolution(status=Status.NO_SOLUTION, x=None, objective=None, bound=None, solver="highs",
                           version=highs_version(), seconds=seconds, message=f"{why}, before finding a portfolio")
    with open(info, encoding="utf-8") as fh:
        inc = json.load(fh)
    out = {"status": "kInterrupt", "message": f"{why}; its last portfolio", "dual_bound": inc["dual_bound"],
           "version": inc["version"], "x": np.load(os.path.join(work, "incumbent.npy"))}
    return _raw_solution(model, False, out, seconds)
