"""HiGHS backend (in-process, through highspy): the whole model in one passModel call."""

from __future__ import annotations

import math
import os
import sys
import tempfile
import time
from collections.abc import Callable

import numpy as np

from ..errors import SolverError
from ._base import CompiledModel, RawSolution, SolverOptions, Status, absolute_tolerance
from ._quiet import stdout_to_stderr

_INF = 1e30  # HiGHS' infinity
_scheduler_threads: int | None = None  # the thread count of the process' HiGHS scheduler


def highs_version() -> str:
    import highspy

    with stdout_to_stderr():
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


def solve_highs(model: CompiledModel, options: SolverOptions, *, relax: bool = False,
                stop: Callable[[], bool] | None = None) -> RawSolution:
    """Solve ``model`` (a maximisation) with HiGHS; ``relax`` drops integrality (LP).

    ``stop``, when given, is asked at HiGHS's MIP interrupt checks; True ends
    the run as if at a limit (``feasible`` with the incumbent, or ``no_solution``).
    """
    try:
        import highspy
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise SolverError(f"HiGHS is not installed ({exc}); pip install highspy") from None

    A = model.A.tocsc()
    n, m = model.n_cols, model.n_rows
    with stdout_to_stderr():
        h = highspy.Highs()
    h.setOptionValue("output_flag", bool(options.msg))
    h.setOptionValue("log_to_console", False)
    log_path = None
    if options.msg:
        fd, log_path = tempfile.mkstemp(suffix=".log", prefix="highs-")
        os.close(fd)
        h.setOptionValue("log_file", log_path)
    if options.time_limit is not None:
        h.setOptionValue("time_limit", float(options.time_limit))
    h.setOptionValue("mip_rel_gap", float(options.mip_gap))
    # HiGHS keeps one thread scheduler per process, fixed at its first run: a run that
    # asks for another thread count must reset it first, or HiGHS fails with "Not Set".
    # Before our first run the count is unknown (the caller may have run highspy itself).
    global _scheduler_threads
    threads = int(options.threads or 0)  # 0 = HiGHS chooses
    if threads != _scheduler_threads:
        highspy.Highs.resetGlobalScheduler(True)
    _scheduler_threads = threads
    h.setOptionValue("threads", threads)
    for key, val in options.extra:
        h.setOptionValue(key, val)
    target = None if relax else options.stop_at()
    if target is not None:  # HiGHS stops once an incumbent is strictly better than the target
        h.setOptionValue("objective_target", target - absolute_tolerance(model))

    def fin(a: np.ndarray) -> np.ndarray:
        return np.clip(np.asarray(a, float), -_INF, _INF)

    integrality = np.zeros(n, dtype=np.int32) if relax else np.asarray(model.integrality, dtype=np.int32)
    status = h.passModel(
        n, m, int(A.nnz), 1, -1, float(model.offset),  # colwise, maximise
        np.asarray(model.c, float), fin(model.col_lo), fin(model.col_hi),
        fin(model.row_lo), fin(model.row_hi),
        A.indptr.astype(np.int32), A.indices.astype(np.int32), A.data.astype(float),
        integrality,
    )
    if status == highspy.HighsStatus.kError:
        raise SolverError("HiGHS rejected the model (passModel returned an error)")
    if options.warm_start is not None and not relax and n:
        sol = highspy.HighsSolution()
        sol.col_value = list(np.asarray(options.warm_start, float))
        sol.value_valid = True
        h.setSolution(sol)
    if stop is not None and not relax:
        h.cbMipInterrupt.subscribe(lambda e: e.interrupt() if stop() else None)
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
        with open(log_path, encoding="utf-8", errors="replace") as fh:
            sys.stderr.write(fh.read())
        os.unlink(log_path)
    if run == highspy.HighsStatus.kError:
        raise SolverError(f"HiGHS failed: {h.modelStatusToString(h.getModelStatus())}")

    ms = h.getModelStatus()
    MS = highspy.HighsModelStatus
    info = h.getInfo()
    has_sol = bool(n == 0 or info.primal_solution_status == 2)  # kSolutionStatusFeasible
    x = np.asarray(h.getSolution().col_value, float) if has_sol and n else (np.zeros(0) if has_sol else None)
    st = map_status(MS(ms).name, has_sol)
    if st is None:
        raise SolverError(f"HiGHS ended with status '{h.modelStatusToString(ms)}'")
    if MS(ms) == MS.kModelEmpty:
        x = np.zeros(n)
    if x is not None and not relax:
        x = np.where(np.asarray(model.integrality) == 1, np.round(x), x)
    objective = float(model.c @ x + model.offset) if x is not None else None
    if relax or st == Status.OPTIMAL and objective is not None and n == 0:
        bound = objective
    else:
        b = getattr(info, "mip_dual_bound", math.nan)
        bound = float(b) if b is not None and math.isfinite(b) and abs(b) < _INF else None
        if st == Status.OPTIMAL and bound is None:
            bound = objective
    return RawSolution(
        status=st,
        x=x,
        objective=objective,
        bound=bound,
        solver="highs",
        version=f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}",
        seconds=seconds,
        message=h.modelStatusToString(ms),
    )
