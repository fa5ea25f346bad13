"""Running many independent solves: serially, on local processes, on any Executor or on Dask.

Every what-if analysis (scenarios, frontier points, marginal values, Monte
Carlo samples) is a batch of independent work units.  A work unit is a
module-level function and plain, picklable arguments (a
:class:`~portfolio_opt.Problem` is sent whole, never a closure), so the same
batch runs

- serially, in this process (``executor="serial"``);
- on local processes (``executor=None``, ``"processes"`` or a number of
  workers): a :class:`concurrent.futures.ProcessPoolExecutor` whose workers
  are started with the *forkserver* (or *spawn*) method, because a process
  forked after a HiGHS solve can hang on the solver's thread pool;
- on any :class:`concurrent.futures.Executor` you pass;
- on a Dask cluster: pass a ``distributed.Client`` (its
  ``get_executor()`` is used) or ``"dask"`` for the current default client.

Results come back in input order and are identical to a serial run.  Every
unit solves with one thread unless the solver settings name a thread count
(the units themselves use the cores), and never races two solvers.  A work
unit that raises, or whose worker is killed, is marked failed (with the
error) and the batch goes on; nothing already computed is lost.  When a local
worker dies, the units that were running at that moment are retried one at a
time, so only the unit that really kills its worker is marked failed.

A progress bar (tqdm, on standard error) is shown with ``progress=True``.

As with any process pool started by spawn or forkserver, a script that runs
a batch on local processes needs the usual ``if __name__ == "__main__":``
guard around its top-level code (notebooks and the REPL do not).
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..errors import PortfolioWarning, SolverError, ValidationError

__all__ = ["TaskOutcome", "run_batch", "solver_kwargs", "solve_task", "resolve_executor"]

#: select() keyword arguments a ``solver`` mapping may carry (``name`` is an alias of ``solver``)
_SOLVER_KEYS = ("solver", "time_limit", "mip_gap", "threads", "msg")


def solver_kwargs(solver: str | Mapping[str, Any] | None = "auto") -> dict[str, Any]:
    """Keyword arguments of :func:`portfolio_opt.select` from a solver name or settings mapping.

    The mapping may be the engine request's ``solver`` object (``name``,
    ``time_limit``, ``mip_gap``, ``threads``) or ``select()`` keywords
    (``solver``, ...).  Solves inside analyses never run the infeasibility
    diagnosis unless the analysis asks for it.

    Examples
    --------
    >>> solver_kwargs("cbc")
    {'solver': 'cbc'}
    >>> solver_kwargs({"name": "highs", "time_limit": 30})
    {'solver': 'highs', 'time_limit': 30}
    """
    if solver is None:
        return {"solver": "auto"}
    if isinstance(solver, str):
        return {"solver": solver}
    if not isinstance(solver, Mapping):
        raise ValidationError(f"solver must be a name or a mapping of solver settings, got {type(solver).__name__}")
    d = dict(solver)
    if "name" in d:
        d.setdefault("solver", d.pop("name"))
    unknown = sorted(set(d) - set(_SOLVER_KEYS))
    if unknown:
        raise ValidationError(
            f"solver settings: unknown keys {', '.join(unknown)} (known: name, time_limit, mip_gap, threads, msg)"
        )
    d.setdefault("solver", "auto")
    return {k: d[k] for k in _SOLVER_KEYS if k in d and d[k] is not None}


def solve_task(problem: Any, kwargs: Mapping[str, Any]) -> Any:
    """Work unit: :func:`portfolio_opt.select` on ``problem`` (a module-level function, so it pickles)."""
    from ..optimize import select

    return select(problem, **dict(kwargs))


@dataclasses.dataclass(frozen=True)
class TaskOutcome:
    """The outcome of one work unit: its ``value``, or the ``error`` that stopped it.

    Attributes
    ----------
    index : int
        Position of the unit in the batch.
    ok : bool
    value : object
        What the work function returned (None when it failed).
    error : str or None
        ``"ExceptionType: message"`` when the unit raised or its worker died.
    seconds : float
        Wall time from submission to completion as seen by the caller (for a
        serial run, the time of the call itself).
    """

    index: int
    ok: bool
    value: Any = None
    error: str | None = None
    seconds: float = 0.0


class _Progress:
    """tqdm when installed and wanted; otherwise a quiet counter (or plain lines on stderr)."""

    def __init__(self, total: int, enabled: bool, desc: str) -> None:
        self.bar = None
        self.enabled = enabled
        self.total, self.n, self.desc = total, 0, desc
        self._last = 0.0
        if enabled:
            try:
                from tqdm.auto import tqdm
            except ImportError:  # pragma: no cover - tqdm is optional
                tqdm = None
            if tqdm is not None:
                self.bar = tqdm(total=total, desc=desc, file=sys.stderr, leave=False)

    def update(self, k: int = 1) -> None:
        self.n += k
        if self.bar is not None:
            self.bar.update(k)
        elif self.enabled:  # pragma: no cover - fallback without tqdm
            now = time.monotonic()
            if now - self._last > 1.0 or self.n == self.total:
                self._last = now
                print(f"{self.desc}: {self.n}/{self.total}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _mp_context() -> Any:
    # forkserver/spawn: a worker forked from a parent that already ran HiGHS can
    # deadlock on the solver's thread pool, so never use plain fork.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def resolve_executor(executor: Any, n_items: int) -> tuple[str, Any]:
    """Classify ``executor``: ``("serial", None)``, ``("local", max_workers)`` or ``("executor", obj)``.

    Examples
    --------
    >>> resolve_executor("serial", 10)
    ('serial', None)
    >>> resolve_executor(None, 1)
    ('serial', None)
    >>> resolve_executor(2, 10)
    ('local', 2)
    """
    if executor is None or executor == "processes":
        n = min(os.cpu_count() or 1, n_items)
        return ("serial", None) if n <= 1 else ("local", n)
    if isinstance(executor, str):
        if executor == "serial":
            return "serial", None
        if executor == "dask":
            try:
                from distributed import default_client
            except ImportError:
                raise ValidationError("executor 'dask' needs the 'distributed' package (pip install distributed)") from None
            try:
                client = default_client()
            except ValueError:
                raise ValidationError("executor 'dask': no Dask client is running; create distributed.Client() first") from None
            return "executor", client.get_executor(pure=False)
        raise ValidationError(
            f"executor must be None, 'serial', 'processes', 'dask', a number of processes, "
            f"a concurrent.futures.Executor or a Dask client; got {executor!r}"
        )
    if isinstance(executor, bool):
        raise ValidationError(f"executor must not be a boolean, got {executor!r}")
    if isinstance(executor, int):
        if executor < 1:
            raise ValidationError(f"executor: the number of processes must be at least 1, got {executor}")
        n = min(executor, n_items)
        return ("serial", None) if n <= 1 else ("local", n)
    if isinstance(executor, cf.Executor):
        return "executor", executor
    get = getattr(executor, "get_executor", None)
    if callable(get):  # a distributed.Client
        return "executor", get(pure=False)
    raise ValidationError(f"executor: cannot run work on a {type(executor).__name__}")


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _unraced(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` with racing off and one thread per solve (unless the caller named a thread
    count): a batch already keeps every core busy, and every executor must give the same
    portfolios (a race's winner depends on timing, HiGHS's path on its thread count).  With a
    thread per core in each of two workers, HiGHS's threads contended for the cores: a 50-scenario
    budget sweep of the sample took 126.7 s on two workers, 90.3 s with one thread each."""
    from .._solvers import no_race, one_thread

    with no_race(), one_thread():
        return fn(*args)


def _marked_call(fn: Callable[..., Any], args: tuple[Any, ...], marker: str) -> Any:
    """Run ``fn(*args)`` in a worker, leaving a marker file while it runs (to find a unit that kills its worker)."""
    with open(marker, "w", encoding="ascii") as fh:
        fh.write(str(os.getpid()))
    try:
        return _unraced(fn, *args)
    finally:
        try:
            os.unlink(marker)
        except OSError:  # pragma: no cover
            pass


def run_batch(
    fn: Callable[..., Any],
    items: Sequence[tuple[Any, ...]],
    *,
    executor: Any = None,
    progress: bool = False,
    desc: str = "solving",
) -> list[TaskOutcome]:
    """Run ``fn(*args)`` for every ``args`` in ``items``; return one :class:`TaskOutcome` each, in order.

    Parameters
    ----------
    fn : callable
        A module-level function (it is pickled by reference).
    items : sequence of tuples
        The arguments of each call; they must pickle (send data, not closures).
    executor : None, "serial", "processes", "dask", int, Executor or Dask client
        Where to run (see the module docstring); ``None`` uses local processes
        (one per core) when there is more than one unit, else runs serially.
    progress : bool
        Show a progress bar on standard error.
    desc : str
        The progress bar's label.

    Returns
    -------
    list of TaskOutcome
        Failures (an exception in ``fn``, a killed worker) are outcomes with
        ``ok=False``; they never stop the batch.

    Examples
    --------
    >>> out = run_batch(divmod, [(7, 2), (1, 0)], executor="serial")
    >>> out[0].value, out[1].ok, out[1].error
    ((3, 1), False, 'ZeroDivisionError: integer division or modulo by zero')
    """
    items = [tuple(a) for a in items]
    n = len(items)
    kind, ex = resolve_executor(executor, n)
    bar = _Progress(n, progress, desc)
    try:
        if kind == "serial":
            return _run_serial(fn, items, bar)
        if kind == "local":
            return _run_local(fn, items, int(ex), bar)
        return _run_executor(fn, items, ex, bar)
    finally:
        bar.close()


def _run_serial(fn: Callable[..., Any], items: list[tuple[Any, ...]], bar: _Progress) -> list[TaskOutcome]:
    out = []
    for k, args in enumerate(items):
        t0 = time.perf_counter()
        try:
            out.append(TaskOutcome(k, True, _unraced(fn, *args), None, time.perf_counter() - t0))
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # one failed unit never stops the batch
            out.append(TaskOutcome(k, False, None, _describe(exc), time.perf_counter() - t0))
        bar.update()
    return out


def _collect(futures: Mapping[cf.Future, int], t0: Mapping[int, float], results: dict[int, TaskOutcome],
             bar: _Progress, broken: type[BaseException] | None = None) -> list[int]:
    """Wait for ``futures``; store outcomes; return the indices whose pool broke under them."""
    lost: list[int] = []
    for fut in cf.as_completed(futures):
        k = futures[fut]
        secs = time.perf_counter() - t0[k]
        try:
            value = fut.result()
        except cf.CancelledError:
            results[k] = TaskOutcome(k, False, None, "CancelledError: the work unit was cancelled", secs)
        except Exception as exc:
            if broken is not None and isinstance(exc, broken):
                lost.append(k)
                continue
            results[k] = TaskOutcome(k, False, None, _describe(exc), secs)
        else:
            results[k] = TaskOutcome(k, True, value, None, secs)
        bar.update()
    return lost


def _run_executor(fn: Callable[..., Any], items: list[tuple[Any, ...]], ex: cf.Executor, bar: _Progress) -> list[TaskOutcome]:
    results: dict[int, TaskOutcome] = {}
    t0: dict[int, float] = {}
    futures: dict[cf.Future, int] = {}
    for k, args in enumerate(items):
        t0[k] = time.perf_counter()
        try:
            futures[ex.submit(_unraced, fn, *args)] = k
        except Exception as exc:
            results[k] = TaskOutcome(k, False, None, _describe(exc), 0.0)
            bar.update()
    _collect(futures, t0, results, bar)
    return [results[k] for k in range(len(items))]


def _run_local(fn: Callable[..., Any], items: list[tuple[Any, ...]], workers: int, bar: _Progress) -> list[TaskOutcome]:
    from concurrent.futures.process import BrokenProcessPool

    results: dict[int, TaskOutcome] = {}
    markers = tempfile.mkdtemp(prefix="portfolio_opt-batch-")
    try:
        pending = list(range(len(items)))
        suspects: list[int] = []
        first = True
        while pending or suspects:
            # units that were running when a worker died are retried alone: a unit
            # that kills its worker again is the culprit and is marked failed
            for k in suspects:
                lost = _pool_pass(fn, items, [k], 1, markers, results, bar, BrokenProcessPool)
                if lost:
                    results[k] = TaskOutcome(k, False, None,
                                             "WorkerDied: the worker process running this unit died "
                                             "(killed, out of memory or crashed)", 0.0)
                    bar.update()
            suspects = []
            if not pending:
                break
            lost = _pool_pass(fn, items, pending, workers, markers, results, bar, BrokenProcessPool)
            running = {int(name) for name in os.listdir(markers)}
            for name in os.listdir(markers):
                os.unlink(os.path.join(markers, name))
            suspects = [k for k in lost if k in running]
            pending = [k for k in lost if k not in running]
            if first and lost and not running and not results:
                # no worker ever started a unit: the processes could not boot, typically a
                # script without the `if __name__ == "__main__":` guard. Run here instead.
                warnings.warn(
                    "local worker processes could not start (a script that runs batches in "
                    "processes needs an `if __name__ == \"__main__\":` guard); running serially",
                    PortfolioWarning, stacklevel=4,
                )
                serial = _run_serial(fn, [items[k] for k in lost], bar)
                for k, o in zip(lost, serial):
                    results[k] = dataclasses.replace(o, index=k)
                break
            first = False
            if lost and not suspects:  # the pool broke before any unit started: blame none, retry all alone
                suspects, pending = pending, []
    finally:
        shutil.rmtree(markers, ignore_errors=True)
    return [results[k] for k in range(len(items))]


def _pool_pass(fn: Callable[..., Any], items: list[tuple[Any, ...]], indices: Iterable[int], workers: int,
               markers: str, results: dict[int, TaskOutcome], bar: _Progress,
               broken: type[BaseException]) -> list[int]:
    indices = list(indices)
    t0: dict[int, float] = {}
    futures: dict[cf.Future, int] = {}
    with cf.ProcessPoolExecutor(max_workers=min(workers, len(indices)), mp_context=_mp_context()) as pool:
        try:
            for k in indices:
                t0[k] = time.perf_counter()
                futures[pool.submit(_marked_call, fn, items[k], os.path.join(markers, str(k)))] = k
        except broken:
            pass  # the units not submitted are collected as lost below
        lost = _collect(futures, t0, results, bar, broken)
    submitted = set(futures.values())
    return sorted(set(lost) | {k for k in indices if k not in submitted})


def raise_if_all_failed(outcomes: Sequence[TaskOutcome], what: str) -> None:
    """Raise :class:`SolverError` when every unit failed (a broken setup rather than a bad scenario)."""
    if outcomes and not any(o.ok for o in outcomes):
        raise SolverError(f"every {what} failed; the first error: {outcomes[0].error}")
