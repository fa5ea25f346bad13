"""The solver layer: the only package that imports solver libraries (lazily).

``solve(model, options, backend)`` dispatches a compiled model to HiGHS
(in-process, highspy), CBC (through PuLP) or any other solver PuLP can drive.
``"auto"`` (the default everywhere) picks one per model, by a rule measured on
the benchmark suite (``benchmarks/README.md``), see :func:`default_backend`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import numpy as np

from ..errors import SolverError
from ._base import (CompiledModel, RawSolution, SolverOptions, Status, absolute_tolerance, objective_tolerance,
                    permuted, rounding_tolerance)
from ._base import grace as _grace
from ._base import hard_deadline as _deadline

from ._core import CoreFound, CoreStart

if TYPE_CHECKING:
    from ._fixing import Beside

__all__ = ["CompiledModel", "RawSolution", "SolverOptions", "Status", "solve", "available_backends", "BACKENDS",
           "default_backend", "resolve_backend"]

BACKENDS = ("highs", "cbc")

class _Depth:
    """A nesting count, raised for the length of a ``with`` block (:func:`no_race`, :func:`one_thread`,
    :func:`no_fixing`): a count rather than a flag, so that blocks on the threads of one process do not
    undo one another."""

    def __init__(self) -> None:
        self.n = 0

    @contextlib.contextmanager
    def block(self) -> Iterator[None]:
        self.n += 1
        try:
            yield
        finally:
            self.n -= 1


_NO_RACE, _ONE_THREAD, _NO_FIXING = _Depth(), _Depth(), _Depth()


def no_race() -> contextlib.AbstractContextManager[None]:
    """Within this block "auto" never races, and so no race starts beside a walk (:class:`_Beside`):
    batches, whose workers already use every core.

    Examples
    --------
    >>> with no_race():
    ...     racing_allowed()
    False
    """
    return _NO_RACE.block()


def one_thread() -> contextlib.AbstractContextManager[None]:
    """Within this block a solve whose options name no thread count uses one thread.

    Batches run their units this way (``analysis.batch``): the units themselves
    use the cores, and HiGHS would otherwise start a thread per core in every
    worker, contending for them.  A depth count, like :func:`no_race`, so that
    units running on the threads of one process do not undo one another (:class:`_Depth`).

    Examples
    --------
    >>> with one_thread():
    ...     _threads(SolverOptions()).threads, _threads(SolverOptions(threads=2)).threads
    (1, 2)
    >>> _threads(SolverOptions()).threads is None
    True
    """
    return _ONE_THREAD.block()


def _threads(options: SolverOptions) -> SolverOptions:
    """``options`` with one thread inside :func:`one_thread` when they name no thread count."""
    if options.threads is None and _ONE_THREAD.n > 0:
        return dataclasses.replace(options, threads=1)
    return options


def racing_allowed() -> bool:
    """Whether "auto" may race two solvers here: two cores or more and not inside :func:`no_race`."""
    return _NO_RACE.n == 0 and (os.cpu_count() or 1) >= 2


#: above this many columns "auto" prefers CBC whatever the shape (HiGHS overran its time
#: limit 2-3x and ended with a 10x larger gap at 10,000 candidates x 12 periods x 5 resources)
AUTO_CBC_COLUMNS = 20_000

#: from this many columns, HiGHS with a time limit runs in a process of its own that is ended
#: 10 % (at least 2 s) past the limit, with its last portfolio: in-process it overran 20 s limits
#: by 7 s at 10,000 columns and 60 s limits by 77 s at 100,000 (root heuristics that check no limit)
HIGHS_PROCESS_COLUMNS = 5_000

#: models of at most this many columns go to HiGHS, in-process: both solvers prove them in
#: milliseconds, and starting CBC's process costs more than that (``benchmarks/README.md``)
AUTO_HIGHS_COLUMNS = 30


def default_backend(model: CompiledModel | None = None, scheduling: bool = False) -> str:
    """The backend ``"auto"`` stands for, for this model.

    * At most :data:`AUTO_HIGHS_COLUMNS` columns: HiGHS (in-process).
    * Several knapsack rows (rows of three or more non-negative coefficients
      with an upper limit: budgets per period, capacities) and at most
      :data:`AUTO_CBC_COLUMNS` columns: ``"race"``, HiGHS and CBC side by side,
      one thread and one process each; the first proven answer wins, and when
      both stop at the time limit the better portfolio is kept with the
      smaller of the two bounds (:func:`_race`).  Where racing is not allowed
      (:func:`racing_allowed`): HiGHS for a *scheduling* model (some project
      can start in several periods), CBC otherwise.
    * Everything else (a single budget, or more columns): CBC.

    Whichever is installed when only one is.

    Neither solver wins every multi-limit model, and racing them keeps each
    one's speed (two processes on two cores; CBC serial, HiGHS with one
    thread).  Measured (``benchmarks/README.md``): on the sample portfolio at
    85 % of its budgets HiGHS proved the optimum in 15 s where CBC had not in
    40 s; on ``gen-n100-T12-R5`` and the OR-Library ``mknapcb1-1`` CBC proved it
    in 1.5-7 s against HiGHS's 9-13 s, and raced it kept its time; at a 10 s
    limit on ``mknapcb4-1`` the race's gap (CBC's portfolio, HiGHS's bound) was
    smaller than either's alone; on 40-100 column models HiGHS was up to 4x
    slower than CBC, on 6-30 column ones HiGHS was the faster (12-18 ms against
    19-29 ms, median of 3, 18 generated instances and mknap1).  CBC was the
    faster on single-budget portfolios of every larger size (HiGHS 3-6x slower,
    or no solution at 100,000 candidates; measured on whole models: from 1,000
    columns such models go through reduced-cost fixing first, see :func:`solve`,
    and both solvers are fast on what is left) and at 10,000 x 12 x 5 (where
    HiGHS also overruns its time limit, so it is not raced on large models).
    """
    if model is not None and model.n_cols <= AUTO_HIGHS_COLUMNS and _has_highs():
        return "highs"  # before looking for CBC: that imports PuLP (~10 ms, more than such a solve)
    if not _has_cbc():
        return "highs"
    if not _has_highs():  # pragma: no cover - highspy is a core dependency
        return "cbc"
    if model is None or model.n_cols > AUTO_CBC_COLUMNS or _knapsack_rows(model) <= 1:
        return "cbc"
    if racing_allowed():
        return "race"
    return "highs" if scheduling else "cbc"


def _knapsack_rows(model: CompiledModel) -> int:
    A = model.A.tocsr()
    nnz = np.diff(A.indptr)
    neg = np.zeros(A.shape[0], dtype=bool)
    rows_of = np.repeat(np.arange(A.shape[0]), nnz)
    neg[rows_of[A.data < 0]] = True
    return int(np.count_nonzero((nnz >= 3) & ~neg & np.isfinite(model.row_hi)))


def resolve_backend(backend: str, model: CompiledModel | None = None, scheduling: bool = False) -> str:
    """``"auto"`` → :func:`default_backend` (for ``model`` when given); any other name unchanged."""
    return default_backend(model, scheduling) if backend.lower() == "auto" else backend


def solve(model: CompiledModel, options: SolverOptions, backend: str = "auto", *, relax: bool = False) -> RawSolution:
    """Solve a compiled model with the named backend (``"auto"``: see :func:`default_backend`).

    A run given a warm start whose solution falls short of its own proven bound
    (HiGHS 1.16 was seen to return the warm start as "optimal" while reporting
    a better objective and bound, after presolve found the start feasible "in
    the reduced space") is run again without the warm start.

    With ``options.known_bound`` (an upper bound proven elsewhere) the reported
    bound is the smaller of the solver's and the known one, and a solution
    reaching the known bound within ``mip_gap`` is optimal; HiGHS is told to
    stop as soon as it holds one.  A solution worth more than the known bound
    proves it wrong: :class:`~portfolio_opt.errors.ValidationError`.

    A 0-1 model of :data:`._fixing.ENUM_COLUMNS` columns or more (of any size
    for HiGHS and the race; but one of under :data:`._fixing.FIX_COLUMNS` columns with more
    than :data:`._fixing.ENUM_KNAPSACK_ROWS` knapsack rows) first has its
    LP relaxation solved (:func:`._fixing.solve_fixed`, not inside
    :func:`no_fixing`), whose duals may prove the optimum by Lagrangian
    enumeration (:mod:`._enum`: single-budget portfolios of 1,000 candidates
    in 0.03 s against CBC's 0.25 s; the answer then names "highs", the LP's
    solver, and no backend runs, unless ``options.own_answer`` (a request that
    names CBC or another PuLP solver): that backend then solves the model over
    the columns the proof leaves open, the rest fixed at the proven portfolio,
    and the answer is its own (:func:`._fixing._backend_answer`; the rounds
    of reduced-cost fixing below hand it their rest directly); a model of at
    most ``_fixing.TINY_COLUMNS`` columns is walked once before the LP, with
    zero multipliers).  From
    :data:`._fixing.FIX_COLUMNS` columns, if it did not, reduced-cost fixing
    fixes the columns that no portfolio
    better than a greedy one can change, and the backend solves the rest
    (before the enumeration: 100,000 candidates, 500 columns left, 1.7 s
    against 16 s with CBC).  Where too few columns are fixed the model is
    solved whole, with the greedy portfolio as HiGHS's warm start and the LP
    bound as a bound; the message says which.  Under
    :data:`._fixing.FIX_COLUMNS` columns, when the race is to solve the model
    and a second core is free (:func:`racing_allowed`), the race starts beside
    the walk instead of after it (:class:`_Beside`): a walk that gives up then
    costs little (0.08-0.2 s before, on 200-500 candidates with five
    resources), one that proves the optimum ends the race, and one that
    outgrows its allowance goes on with a larger one until the race answers.
    A named solver (``"cbc"``, ``"highs"``) still runs after the walk: the
    answer then never depends on which finished first.
    """
    backend = resolve_backend(backend, model)
    options = _threads(options)
    raw = None
    incumbent = lp_bound = None
    greedy_tried = False  # _kept_greedy already found no portfolio
    if not relax and _fixing_allowed():
        from ._fixing import solve_fixed, walks_small

        highs_backend = backend.lower() in ("highs", "race")
        beside = None
        if backend.lower() == "race" and racing_allowed() and walks_small(model, highs_backend):
            beside = _Beside(model, options)  # the race starts while the model is walked
        try:
            fixing = solve_fixed(model, options, lambda m, o: _solve_checked(m, o, backend), highs_backend,
                                 None if beside is None else beside.hooks())
        except BaseException:
            if beside is not None:
                beside.stop()
            raise
        raw = fixing.raw
        if beside is not None and raw is not None:
            beside.stop()
        elif beside is not None:  # the walk gave up: the solver's answer, whenever it comes
            raw = beside.result()
            raw = dataclasses.replace(raw, seconds=time.monotonic() - beside.t0)
            how = "solved whole, started beside the enumeration"
        elif raw is None and fixing.seconds > 0:  # solved whole, in what is left of the limit
            left = None if options.time_limit is None else options.time_limit - fixing.seconds
            warm = options.warm_start if options.warm_start is not None else fixing.incumbent
            raw = None
            core = _core_start(model, options, backend, fixing)
            if left is not None and left < min(NO_TIME_LEFT, 0.1 * float(options.time_limit)):
                # the LP took the limit: a greedy portfolio, if there is one (else the backend, briefly)
                raw = _kept_greedy(model, options, _not_run(backend), fixing.incumbent, fixing.bound)
                greedy_tried = raw.x is None
            elif core is not None and backend.lower() == "cbc" and left is not None and (
                    left < CORE_ONLY_LP_TIMES * core.lp_seconds):
                # CBC's own first LP would not end in the time left: the core search has it all
                raw = _core_only(model, options, core, time.monotonic() + left)
            if raw is None or raw.x is None:
                left = None if left is None else max(0.01, left)
                beside_greedy = beside_core = None
                if fixing.bound is None and left is not None and not greedy_tried and _greedy_beside(model, backend):
                    # no LP within its share of the limit: the backend's own first LP may well not end either
                    beside_greedy = _GreedyBeside(model, options, fixing.incumbent, time.monotonic() + left)
                elif core is not None and left is not None and backend.lower() == "cbc" and racing_allowed():
                    beside_core = _CoreBeside(model, options, core, time.monotonic() + left)
                whole_options = dataclasses.replace(options, time_limit=left, warm_start=warm)
                if core is not None and backend.lower() == "race":
                    whole_options = dataclasses.replace(whole_options, core=core)  # the race's CBC slot ends with it
                watch: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
                if beside_greedy is not None:
                    watch = beside_greedy.cbc_at_limit()
                elif beside_core is not None:
                    watch = beside_core.watch_cbc()
                whole_t0 = time.monotonic()
                with watch:
                    raw = _solve_checked(model, whole_options, backend)
                kept = None if beside_greedy is None else beside_greedy.result()  # (it ends by the limit)
                if kept is not None:
                    found, U, from_lp = kept
                    raw = _with_kept(model, options, raw, found, U, from_lp=from_lp)
                    greedy_tried = True  # its portfolios are in the answer (or there were none)
                if beside_core is not None:  # (the search may end after CBC: the solve's time is until then)
                    raw = _with_core(model, options, raw, beside_core.result(raw), core)
                    raw = dataclasses.replace(raw, seconds=max(raw.seconds, time.monotonic() - whole_t0))
            raw = dataclasses.replace(raw, seconds=raw.seconds + fixing.seconds)
            how = "solved whole"
            incumbent, lp_bound = fixing.incumbent, fixing.bound
        if raw is not None and fixing.raw is None:
            bound = raw.bound
            if fixing.bound is not None and raw.status != Status.INFEASIBLE:  # the LP bound holds too
                bound = fixing.bound if bound is None else min(bound, fixing.bound)
                if raw.objective is not None:
                    bound = max(bound, raw.objective)
            raw = dataclasses.replace(raw, bound=bound, message=f"{raw.message}; {how} ({fixing.note})")
    if raw is None:
        raw = _solve_checked(model, options, backend, relax)
    refuted = False
    if raw.status == Status.INFEASIBLE and not relax:
        checked = _refuted_infeasible(model, raw, options.warm_start, incumbent)
        refuted, raw = checked is not raw, checked
    if (raw.status == Status.NO_SOLUTION and (options.time_limit is not None or refuted) and not relax
            and not greedy_tried):
        raw = _kept_greedy(model, options, raw, incumbent, lp_bound)
    if options.known_bound is not None and not relax:
        raw = _apply_known_bound(model, options, raw)
    return raw


def _refuted_infeasible(model: CompiledModel, raw: RawSolution, *known: np.ndarray | None) -> RawSolution:
    """``raw`` (status infeasible) as "no portfolio" when a portfolio known to this run is feasible.

    A solver's claim of infeasibility that a portfolio in hand refutes is
    wrong (CBC's preprocessing, stopped by its clock, was seen to say
    "infeasible" on a feasible model): the run then has no answer, and a
    time-limited one falls back to the greedy (:func:`_kept_greedy`).
    """
    from ._fixing import feasible

    for x in known:
        if x is not None and len(x) == model.n_cols and feasible(model, np.asarray(x, float)):
            return dataclasses.replace(
                raw, status=Status.NO_SOLUTION, x=None, objective=None, bound=None,
                message=f"{raw.message}; {raw.solver} reported infeasible, but a portfolio known to this run "
                        "is feasible: not trusted")
    return raw


#: seconds of a time limit (at most a tenth of it) below which the model is not handed to the backend after
#: its LP when a greedy portfolio is found (:func:`_kept_greedy`)
NO_TIME_LEFT = 0.05


#: a large model solved whole with CBC alone after its LP (``_fixing.solve_fixed``) gets no CBC run when the time
#: left is under this many times the LP's: CBC's own first LP is slower than HiGHS's, and CBC stopped there found
#: no portfolio (10,000 candidates over 12 periods with 5 resources, a 3 s limit: the LP took 2.0 s, then CBC
#: 3.9 s past its 1 s, killed; the answer, a greedy portfolio, came after 6.5 s); the core search
#: (:mod:`._core`) has the time instead
CORE_ONLY_LP_TIMES = 2.0
#: in the race with a time limit, a model with a core search (``SolverOptions.core``) gives CBC this share of the
#: limit, then the core search the rest of it, on CBC's core (HiGHS runs to the limit beside them)
CORE_RACE_CBC_SHARE = 0.3


def _core_start(model: CompiledModel, options: SolverOptions, backend: str, fixing: object) -> CoreStart | None:
    """Where a core search (:mod:`._core`) starts for a model solved whole, or None: only with a time limit (a
    run to the proof gains nothing from it), for ``"auto"``'s CBC or race (a named solver answers itself), on
    a 0-1 model of ``_core.CORE_SEARCH_COLUMNS`` columns or more whose LP ended."""
    from ._core import searchable

    core = getattr(fixing, "core", None)
    if core is None or options.time_limit is None or options.own_answer or backend.lower() not in ("cbc", "race"):
        return None
    return core if searchable(model) else None


def _core_only(model: CompiledModel, options: SolverOptions, core: CoreStart, deadline: float) -> RawSolution:
    """The core search's answer (:mod:`._core`) in place of a backend that has no time to find a portfolio."""
    from ._core import core_search

    t0 = time.monotonic()
    found = core_search(model, core, options, deadline)
    raw = dataclasses.replace(_not_run("highs"), message="")
    out = _with_core(model, options, raw, found, core)
    return dataclasses.replace(out, seconds=time.monotonic() - t0,
                               message=f"no time for CBC after the LP ({core.lp_seconds:.3g} s); {out.message}")


def _with_core(model: CompiledModel, options: SolverOptions, raw: RawSolution, found: CoreFound | None,
               core: CoreStart) -> RawSolution:
    """``raw`` with the core search's portfolio where it has none or a worse one, and the LP's bound where that is
    smaller than its own; ``raw`` unchanged when it is proven or the search found nothing."""
    if found is None or raw.status in (Status.OPTIMAL, Status.INFEASIBLE):
        return raw
    from ._highs import highs_version

    z = found.objective
    tol = objective_tolerance(model, options, z)
    stands = raw.x is not None and raw.objective is not None and z <= float(raw.objective) + tol
    x, z = (raw.x, float(raw.objective)) if stands else (found.x, z)  # type: ignore[arg-type]
    bound = max(min([core.U] + ([float(raw.bound)] if raw.bound is not None else [])), z)
    # a portfolio as good as a proven optimum is optimal too; one better than it disproves the proof (the
    # proof is of the optimum itself, not within the gap: its value is the bound)
    trusted = found.proven and z <= found.objective + absolute_tolerance(model, z)
    proven = trusted or bound - z <= tol
    if trusted:
        bound = max(z, found.objective)
    status = Status.OPTIMAL if proven else Status.FEASIBLE
    before = f"{raw.message}; " if raw.message else ""
    if stands:
        return dataclasses.replace(raw, status=status, bound=bound,
                                   message=f"{before}{found.note} (the backend's portfolio kept)")
    return dataclasses.replace(raw, status=status, x=x, objective=z, bound=bound, solver="highs",
                               version=highs_version(), message=f"{before}{found.note}: its portfolio kept")


class _CoreBeside:
    """:func:`._core.core_search` in a thread of its own, on the core CBC leaves free, until ``deadline``.

    CBC, run within :meth:`watch_cbc`, is interrupted at its time limit (the
    search holds a portfolio from the start) and ended at once if the search
    proves the optimum; the search is ended when CBC proves it (:meth:`result`).
    """

    def __init__(self, model: CompiledModel, options: SolverOptions, core: CoreStart, deadline: float) -> None:
        self._lock = threading.Lock()
        self._stopped = False
        self._cbc: list[object] = []
        self._highs: list[object] = []
        self._box: dict[str, object] = {}
        self._thread = threading.Thread(target=self._run, args=(model, options, core, deadline), daemon=True,
                                        name="portfolio_opt-core-beside")
        self._thread.start()

    def _run(self, model: CompiledModel, options: SolverOptions, core: CoreStart, deadline: float) -> None:
        from ._core import core_search

        try:
            found = core_search(model, core, options, deadline, register=self._register_highs,
                                stopped=lambda: self._stopped)
            self._box["found"] = found
            if found.proven:
                with self._lock:
                    cbc = list(self._cbc)
                for proc in cbc:
                    _kill(proc)
        except BaseException as exc:  # noqa: BLE001 - CBC's answer stands without it
            self._box["error"] = exc

    def _register_highs(self, proc: object) -> None:
        with self._lock:
            self._highs.append(proc)
            if self._stopped:
                _kill(proc)

    def _register_cbc(self, proc: object) -> None:
        with self._lock:
            self._cbc.append(proc)
        if isinstance(self._box.get("found"), CoreFound) and self._box["found"].proven:  # type: ignore[union-attr]
            _kill(proc)

    @contextlib.contextmanager
    def watch_cbc(self) -> Iterator[None]:
        """Within: CBC's processes (this thread's) are interrupted at their limit and ended on a proof."""
        from . import _pulp

        before = getattr(_pulp._started, "on_start", None)
        _pulp._started.on_start = self._register_cbc
        try:
            with _pulp.interrupt_at_limit(lambda: True):
                yield
        finally:
            _pulp._started.on_start = before

    def result(self, raw: RawSolution) -> CoreFound | None:
        """The search's portfolio once it has ended (at once when ``raw``, CBC's answer, is proven), or None."""
        if raw.status in (Status.OPTIMAL, Status.INFEASIBLE):
            with self._lock:
                self._stopped = True
                highs = list(self._highs)
            for proc in highs:
                _kill(proc)
        self._thread.join()
        found = self._box.get("found")
        return found if isinstance(found, CoreFound) else None


def _not_run(backend: str) -> RawSolution:
    """The answer of a backend given no time: no portfolio yet (:func:`_kept_greedy` may give one)."""
    name = backend.lower()
    if name in ("highs", "race"):
        from ._highs import highs_version

        name, version = "highs", highs_version()
    else:
        from ._pulp import _fallback_version, pulp_version

        version = _fallback_version(pulp_version(), name == "cbc")
    return RawSolution(Status.NO_SOLUTION, None, None, None, name, version, 0.0, f"no time left for {name}")


def _kept_greedy(model: CompiledModel, options: SolverOptions, raw: RawSolution, incumbent: np.ndarray | None,
                 lp_bound: float | None) -> RawSolution:
    """``raw`` (no portfolio: a time limit stopped the backend first) answered with a greedy portfolio.

    The best feasible one of: the portfolio near the LP optimum (``incumbent``,
    from ``_fixing.solve_fixed``), the warm start, the greedy by value, and the
    greedy on the reduced costs of a few subgradient steps of the Lagrangian
    bound towards the best of those (:func:`_greedy_portfolios`).  Its
    bound is the least of the LP's (``lp_bound``), the backend's and the
    Lagrangian one: the status is ``feasible`` with a proven, if loose, gap
    (``optimal`` where the greedy portfolio reaches the bound).  On 10,000
    candidates over 12 periods with 5 resources and a limit of 1 s the answer
    was no portfolio after 14 s (CBC's first LP ran 13 s: it is now ended at
    :func:`._base.hard_deadline`); the greedy portfolio is 1.2 % below the
    optimum there, its bound 0.14 % above the LP's.
    ``raw`` unchanged for a model that is not 0-1 or has no such portfolio.
    """
    from ._fixing import eligible

    t0 = time.monotonic()
    if not eligible(model, 0):
        return raw
    found, U, _ = _greedy_portfolios(model, options, incumbent)
    out = _with_kept(model, options, raw, found, U, lp_bound)
    return dataclasses.replace(out, seconds=out.seconds + time.monotonic() - t0)


def _greedy_portfolios(model: CompiledModel, options: SolverOptions, incumbent: np.ndarray | None,
                       deadline: float | None = None) -> tuple[list[np.ndarray], float, bool]:
    """The feasible portfolios of :func:`_kept_greedy` (maybe none), their bound (inf if none), and whether
    that is the LP's.

    ``deadline`` (a ``time.monotonic()``, beside a backend: :class:`_GreedyBeside`):
    first the LP relaxation, given :data:`BESIDE_LP_SHARE` of the time left (one
    thread; HiGHS lets go of the interpreter while it runs), and the greedy near its
    optimum; where it does not end, the subgradient steps go on until the deadline
    (:data:`._fixing.BESIDE_STEPS` at most), less twice the greedy's time (the greedy on
    their reduced costs comes after).  Without it, :data:`._fixing.FALLBACK_STEPS`
    within :data:`._fixing.FALLBACK_SECONDS`.
    """
    from ._fixing import (BESIDE_STEPS, FALLBACK_SECONDS, FALLBACK_STEPS, feasible, greedy, lagrangian,
                          subgradient_bound)

    c = np.asarray(model.c, float)
    found = [np.asarray(x, float) for x in (incumbent, options.warm_start) if x is not None]
    found = [x for x in found if feasible(model, x)]
    t = time.monotonic()
    by_value = greedy(model, np.zeros(model.n_cols), c, candidates=model.n_cols)  # feasible, or None
    found += [] if by_value is None else [by_value]
    if not found:
        return [], np.inf, False
    steps, seconds = FALLBACK_STEPS, FALLBACK_SECONDS
    if deadline is not None:
        greedy_seconds = time.monotonic() - t
        lp_seconds = BESIDE_LP_SHARE * (deadline - time.monotonic())
        if lp_seconds >= 1.0:
            from ._highs import lp_duals

            lp = lp_duals(model, dataclasses.replace(options, time_limit=lp_seconds, threads=1, warm_start=None))
            if lp is not None:
                x_lp, y = lp
                U, r, _ = lagrangian(model, y)
                near = greedy(model, x_lp, r)
                return found + ([] if near is None else [near]), U, True
        now = time.monotonic()
        steps, seconds = BESIDE_STEPS, max(FALLBACK_SECONDS, deadline - now - 2.0 * greedy_seconds)
    U, r = subgradient_bound(model, max(float(c @ x + model.offset) for x in found), steps, seconds)
    by_r = greedy(model, np.zeros(model.n_cols), r, candidates=model.n_cols)
    found += [] if by_r is None else [by_r]
    return found, U, False


#: the share of the time left that :class:`_GreedyBeside` gives the LP relaxation before the subgradient steps
#: take the rest (100,000 candidates over 12 periods with 5 resources: the LP took 67 s, and the greedy near it
#: came within 0.73 % of its bound, where 200 steps' greedy was 1.5 % below it with a bound 0.8 % above it)
BESIDE_LP_SHARE = 0.6


def _with_kept(model: CompiledModel, options: SolverOptions, raw: RawSolution, found: list[np.ndarray],
               U: float, lp_bound: float | None = None, from_lp: bool = False) -> RawSolution:
    """``raw`` with the best of the greedy portfolios ``found`` where it has none or a worse one, and with the
    Lagrangian bound ``U`` (of the LP's duals where ``from_lp``) where that is smaller than its own (and
    ``lp_bound``); ``raw`` unchanged when it is proven or nothing was found."""
    if not found or raw.status in (Status.OPTIMAL, Status.INFEASIBLE):
        return raw
    c = np.asarray(model.c, float)
    x = max(found, key=lambda v: float(c @ v))
    z = float(c @ x + model.offset)
    stands = (raw.x is not None and raw.objective is not None  # the backend's portfolio; the bound may improve
              and z <= raw.objective + objective_tolerance(model, options, raw.objective))
    if stands:
        x, z = raw.x, float(raw.objective)
    bound = max(min([U] + [float(b) for b in (raw.bound, lp_bound) if b is not None]), z)
    if stands and raw.bound is not None and bound >= float(raw.bound):
        return raw
    proven = bound - z <= objective_tolerance(model, options, z)
    if raw.x is not None:
        what = ("the backend's portfolio" if stands else "a greedy portfolio (better than the backend's)") + (
            " with the least of its bound and " + ("the LP's" if from_lp else "a Lagrangian one"))
        note = f"{raw.message}; kept {what} (computed beside it)"
    else:
        source = ("the relaxation" if lp_bound is not None or raw.bound is not None or from_lp
                  else "a Lagrangian relaxation, no LP within the limit")
        note = (f"{raw.message}; {raw.solver} found no portfolio within the time limit: kept a greedy portfolio"
                f" (its bound: {source})")
    return dataclasses.replace(raw, status=Status.OPTIMAL if proven else Status.FEASIBLE, x=x, objective=z,
                               bound=bound, message=note)


def _greedy_beside(model: CompiledModel, backend: str) -> bool:
    """Whether :class:`_GreedyBeside` runs beside this backend: CBC alone (one core) with a second core free
    (:func:`racing_allowed`: not in a batch), on a 0-1 model."""
    from ._fixing import eligible

    return backend.lower() == "cbc" and racing_allowed() and eligible(model, 0)


class _GreedyBeside:
    """:func:`_greedy_portfolios` in a thread of its own, on the core the backend leaves free, until ``deadline``.

    A model whose LP did not end within its share of the limit is solved whole,
    and the backend's own first LP may not end within the limit either: 10,000
    candidates over 12 periods with 5 resources at 1-10 s, 100,000 at 60 s (the
    LP alone took 67 s).  Its greedy answer (:func:`_kept_greedy`) then came
    after the backend was stopped, with 200 subgradient steps for a bound
    (100,000 candidates: 29 % above the portfolio, every row relaxed); beside the backend, the LP
    is given most of the time left and the steps the rest, and its portfolio
    and bound are kept where better than the backend's (:func:`_with_kept`).
    """

    def __init__(self, model: CompiledModel, options: SolverOptions, incumbent: np.ndarray | None,
                 deadline: float) -> None:
        self._box: dict[str, object] = {}
        self._thread = threading.Thread(target=self._run, args=(model, options, incumbent, deadline),
                                        daemon=True, name="portfolio_opt-greedy-beside")
        self._thread.start()

    def _run(self, model: CompiledModel, options: SolverOptions, incumbent: np.ndarray | None,
             deadline: float) -> None:
        try:
            self._box["kept"] = _greedy_portfolios(model, options, incumbent, deadline)
        except BaseException as exc:  # noqa: BLE001 - the backend's answer stands without it
            self._box["error"] = exc

    def cbc_at_limit(self) -> contextlib.AbstractContextManager[None]:
        """CBC, run within, is interrupted at its time limit once this holds a portfolio (not 10 %, at least
        2 s, later: ``_pulp.interrupt_at_limit``)."""
        from . import _pulp

        return _pulp.interrupt_at_limit(self.holds_portfolio)

    def holds_portfolio(self) -> bool:
        """Whether it has ended with a portfolio."""
        kept = self._box.get("kept")
        return isinstance(kept, tuple) and bool(kept[0])

    def result(self) -> tuple[list[np.ndarray], float, bool] | None:
        """Its portfolios and bound, once it has ended (it ends near the deadline), or None if it failed."""
        self._thread.join()
        kept = self._box.get("kept")
        return kept if isinstance(kept, tuple) else None


def _solve_checked(model: CompiledModel, options: SolverOptions, backend: str, relax: bool = False) -> RawSolution:
    """:func:`_solve`, run again without the warm start when its answer falls short of its own bound."""
    raw = _solve(model, options, backend, relax)
    if options.warm_start is not None and not relax and _short_of_bound(model, options, raw):
        raw = _solve(model, dataclasses.replace(options, warm_start=None), backend, relax)
    return raw


def no_fixing() -> contextlib.AbstractContextManager[None]:
    """Within this block every model is solved whole (no reduced-cost fixing, ``_fixing``).

    Examples
    --------
    >>> with no_fixing():
    ...     _fixing_allowed()
    False
    >>> _fixing_allowed()
    True
    """
    return _NO_FIXING.block()


def _fixing_allowed() -> bool:
    return _NO_FIXING.n == 0


def _short_of_bound(model: CompiledModel, options: SolverOptions, raw: RawSolution) -> bool:
    """True when an "optimal" solution is worse than the bound the same run proved."""
    if raw.status != Status.OPTIMAL or raw.objective is None or raw.bound is None:
        return False
    return raw.bound - raw.objective > objective_tolerance(model, options, raw.objective)


def _apply_known_bound(model: CompiledModel, options: SolverOptions, raw: RawSolution) -> RawSolution:
    """Combine the solver's bound with ``options.known_bound`` (see :func:`solve`)."""
    kb = float(options.known_bound)  # type: ignore[arg-type]
    if raw.status == Status.INFEASIBLE:
        return raw
    if raw.objective is None:
        bound = kb if raw.bound is None else min(raw.bound, kb)
        return dataclasses.replace(raw, bound=bound)
    if raw.objective > kb + rounding_tolerance(model):  # refuted only beyond any rounding
        from ..errors import ValidationError

        raise ValidationError(f"known_bound {kb:g} is not a bound: the solver found a solution worth {raw.objective:g}")
    bound = max(kb if raw.bound is None else min(raw.bound, kb), raw.objective)
    status = raw.status
    if status == Status.FEASIBLE and bound - raw.objective <= objective_tolerance(model, options, raw.objective):
        status = Status.OPTIMAL
    message = raw.message if status == raw.status else f"{raw.message}; reached the known bound"
    return dataclasses.replace(raw, status=status, bound=bound, message=message)


def _solve(model: CompiledModel, options: SolverOptions, backend: str, relax: bool) -> RawSolution:
    """Dispatch to a backend already resolved by :func:`solve`."""
    name = backend.lower()
    if name == "race" and not relax:
        return _race(model, options)
    if name in ("highs", "race"):
        from ._highs import solve_highs

        if not relax and options.time_limit is not None and model.n_cols >= HIGHS_PROCESS_COLUMNS:
            from ._highs import ProcessUnavailable, solve_highs_process

            try:
                return solve_highs_process(model, options, deadline=_deadline(options.time_limit))
            except ProcessUnavailable as exc:  # HiGHS never ran: run it here, where its limit may overrun
                r = solve_highs(model, options)
                note = f"run in this process: {exc}; HiGHS may overrun its time limit here"
                return dataclasses.replace(r, message=f"{r.message}; {note}" if r.message else note)

        return solve_highs(model, options, relax=relax)
    if relax:
        from ._highs import solve_highs

        return solve_highs(model, options, relax=True)
    from ._pulp import solve_pulp

    return solve_pulp(model, options, solver=backend)


#: the race beside a walk (:class:`_Beside`) starts this many seconds after it unless the walk has ended
#: or outgrown its allowance: a walk that proves the optimum by then never pays for CBC's process
_BESIDE_DELAY = 0.05


class _Beside:
    """A small model raced (:func:`_race`) in a thread, while the caller walks it.

    Under ``_fixing.FIX_COLUMNS`` columns a model is first tried by Lagrangian
    enumeration after its LP (``_fixing.walks_small``), and solved whole when the
    walk gives up.  The walk runs in this process and CBC and HiGHS in processes
    of their own, so with a second core free (:func:`racing_allowed`) the race
    starts beside the walk, :data:`_BESIDE_DELAY` after it, as soon as the walk
    outgrows its allowance (``go``) or when it gives up (:meth:`result`), and a walk
    that proves the optimum ends the race's processes (:meth:`stop`): a walk that
    gives up then costs little more than its LP (before: 0.08-0.2 s on 200-500
    candidates with five resources, as much as a third of CBC's own solve).  Beside
    the race the walk may grow larger (``_fixing.BESIDE_WORK``,
    ``_fixing.BESIDE_STATES``) and ends when the race answers (``answered``).
    The race's HiGHS process waits for the walk to end (``walked``): the walk has
    that core.
    """

    def __init__(self, model: CompiledModel, options: SolverOptions) -> None:
        self.t0 = time.monotonic()
        self.stopped = False
        self.go = threading.Event()  # start the solver now
        self.walked = threading.Event()  # the walk has ended
        self.on_walked: Callable[[], None] | None = None  # the race's wake-up when the walk ends
        self.answered = threading.Event()  # the solver has answered (or failed, or was never started)
        self._lock = threading.Lock()
        self._procs: list[object] = []
        self._box: dict[str, object] = {}
        self._thread = threading.Thread(target=self._run, args=(model, options), daemon=True,
                                        name="portfolio_opt-beside")
        self._thread.start()

    def register(self, proc: object) -> None:
        """Keep a solver process of the race to end on :meth:`stop` (ended at once if stopped already)."""
        with self._lock:
            self._procs.append(proc)
            if self.stopped:
                _kill(proc)

    def _run(self, model: CompiledModel, options: SolverOptions) -> None:
        try:
            self._solve(model, options)
        finally:
            self.answered.set()

    def hooks(self) -> Beside:
        """What the walk needs: start the race now, and whether it has answered (``_fixing.Beside``)."""
        from . import _fixing

        return _fixing.Beside(start=self.go.set, answered=self.answered.is_set)

    def _solve(self, model: CompiledModel, options: SolverOptions) -> None:
        self.go.wait(_BESIDE_DELAY)
        if self.stopped:
            return
        if options.time_limit is not None:
            left = max(0.01, float(options.time_limit) - (time.monotonic() - self.t0))
            options = dataclasses.replace(options, time_limit=left)
        try:
            self._box["raw"] = _race(model, options, beside=self)
        except BaseException as exc:  # handed to the caller by result()
            self._box["error"] = exc

    def _walk_ended(self) -> None:
        self.walked.set()
        wake = self.on_walked
        if wake is not None:
            wake()  # the race starts its second CBC now, not at its next look (every 10 ms)

    def stop(self) -> None:
        """The walk proved the optimum: end the race (or never start it)."""
        with self._lock:
            self.stopped = True
            procs = list(self._procs)
        self._walk_ended()
        self.go.set()
        for proc in procs:
            _kill(proc)
        self._thread.join()

    def result(self) -> RawSolution:
        """The walk gave up: the race's answer (it starts now if it had not)."""
        self._walk_ended()
        self.go.set()
        try:
            self._thread.join()
        except BaseException:  # interrupted: do not leave the solver running
            self.stop()
            raise
        error = self._box.get("error")
        if error is not None:
            raise error  # type: ignore[misc]
        raw = self._box["raw"]
        assert isinstance(raw, RawSolution)
        return raw


def _kill(proc: object) -> None:
    try:
        proc.kill()  # type: ignore[attr-defined]
    except OSError:  # pragma: no cover - already gone
        pass


#: seconds HiGHS waits at most for the race's CBC process to start
_RACE_START_WAIT = 5.0
#: HiGHS's process starts only when CBC has not answered this many seconds after it started:
#: models CBC proves within it then never pay for that process, which slowed CBC by 40-75 ms on
#: sub-second solves (0.2 s before: one period, 200-1,000 candidates with five resources, mknapcb1-1,
#: sum 4.82 s -> 4.53 s, CBC alone 4.48 s; medians of 5), while a HiGHS that wins the race needs seconds
#: anyway (the sample portfolio at 85 %: 15 s); HiGHS's time limit is what is left of the race's
_RACE_HIGHS_DELAY = 1.0
#: the race's second CBC (on ``SolverOptions.second_order``) runs until HiGHS starts
_RACE_SECOND_CBC = True
#: seconds past the time limit the race waits for a solver still running once another has answered with a
#: portfolio (the whole ``_grace`` while none has): CBC ran past its 10 s limit by 1.0-1.35 s on ``mknapcb8-1``
#: (250 columns, 30 rows) alone and 2 s in the race, whose answer came after 12.0 s with HiGHS's portfolio.
#: At most this, and :data:`_RACE_LATE_SHARE` of the limit (at least :data:`_RACE_LATE_MIN`): with 1 s a 3 s
#: limit on 2,000 candidates over 4 periods with 2 resources was answered after 4.0 s, now 3.3 s (same gap)
_RACE_LATE_WAIT = 1.0
_RACE_LATE_SHARE = 0.1
_RACE_LATE_MIN = 0.25


def _late_wait(time_limit: float | None) -> float:
    """Seconds past ``time_limit`` the race waits for a solver still running once another holds a portfolio."""
    share = _RACE_LATE_WAIT if time_limit is None else _RACE_LATE_SHARE * float(time_limit)
    return min(_RACE_LATE_WAIT, max(_RACE_LATE_MIN, share))


def _proved(r: object, model: CompiledModel, options: SolverOptions) -> bool:
    """Whether a race's answer ends the race: optimal or infeasible, or worth the known bound."""
    if not isinstance(r, RawSolution):
        return False
    if r.status in (Status.OPTIMAL, Status.INFEASIBLE):
        return True
    kb = options.known_bound
    return (kb is not None and r.objective is not None
            and float(kb) - r.objective <= objective_tolerance(model, options, r.objective))


def _second_model(model: CompiledModel, options: SolverOptions) -> tuple[CompiledModel, np.ndarray] | None:
    """The model in ``options.second_order`` and its column order, or None (no such order, or it does not fit)."""
    order = options.second_order
    if order is None or not _RACE_SECOND_CBC:
        return None
    cols, rows = (np.asarray(v, dtype=np.int64) for v in order)
    if cols.shape != (model.n_cols,) or rows.shape != (model.n_rows,):
        return None
    if np.array_equal(cols, np.arange(model.n_cols)) and np.array_equal(rows, np.arange(model.n_rows)):
        return None  # the same order: a second CBC would repeat the first
    return permuted(model, cols, rows), cols


#: what the race's answers are called in its messages
_RACE_NAMES = {"cbc": "cbc", "cbc2": "cbc in the request's order", "highs": "highs"}


def _race(model: CompiledModel, options: SolverOptions, beside: _Beside | None = None) -> RawSolution:
    """HiGHS and CBC side by side, one thread each, each in a process of its own.

    The first to *prove* its answer (optimal or infeasible, or a portfolio worth
    ``options.known_bound``) wins and the others' processes are ended at once; when
    both stop at the time limit, the better portfolio is kept with the smaller of
    the two bounds (each is a valid bound).  HiGHS starts :data:`_RACE_HIGHS_DELAY`
    after CBC, and not at all when CBC has proved the answer by then; its time
    limit is what is left of the caller's.  Until HiGHS starts, its core runs a
    second CBC on the model in ``options.second_order`` (the request's own order,
    where the model is in a canonical one: :data:`_RACE_SECOND_CBC`), ended when
    HiGHS starts.  One that is still running :func:`_late_wait` after the
    limit while another has stopped with a portfolio (:func:`_grace` after it
    while none has) is ended too, and the other's answer stands:
    HiGHS can spend many seconds past its limit in a root-node heuristic that
    checks neither the limit nor an interrupt (``_highs_core``), which used to
    keep the race waiting after CBC had proved the optimum (10,000 candidates
    with 5 resources: 56 s where CBC alone took 6.7 s).  A solver that fails
    leaves the other's answer.  CBC never gets the warm start (see
    ``_pulp.solve_pulp``).  Run ``beside`` a walk (:class:`_Beside`), its
    processes are ended by the walk's proof, and the second CBC and HiGHS start
    only once the walk has ended.
    """
    from . import _pulp
    from ._highs import solve_highs_process

    from ._core import core_search

    one = dataclasses.replace(options, threads=1, warm_start=None, second_order=None, core=None)
    box: dict[str, object] = {}
    finished: list[str] = []
    cond = threading.Condition()
    procs: dict[str, list[object]] = {"cbc": [], "cbc2": [], "highs": []}
    cancelled = [False]
    started = threading.Event()
    withdrawn: set[str] = set()  # the second CBC, ended to give HiGHS its core
    second = _second_model(model, options)
    core = options.core if options.time_limit is not None else None
    limit = 0.0 if options.time_limit is None else float(options.time_limit)
    t0 = time.monotonic()

    def register(name: str, proc: object) -> None:
        if beside is not None:
            beside.register(proc)
        with cond:
            procs[name].append(proc)
            if cancelled[0] or name in withdrawn:
                _kill(proc)

    def on_cbc_start(proc: object) -> None:
        register("cbc", proc)
        started.set()

    def run(name: str, solve_one: Callable[[], RawSolution]) -> None:
        try:
            box[name] = solve_one()
        except BaseException as exc:  # a failure leaves the other's answer
            box[name] = exc
        finally:
            started.set()  # also when CBC failed before it ran
            with cond:
                finished.append(name)
                cond.notify_all()

    def run_cbc() -> RawSolution:
        _pulp._started.on_start = on_cbc_start
        if core is None:
            return _pulp.solve_pulp(model, one, "cbc")
        # CBC for a share of the limit, then a core search (from the greedy portfolio near the LP optimum: from
        # CBC's, which differs from the LP's preferred values in many more columns, the cores were larger and the
        # portfolios worse, gen-n1000-T12-R5 at 10 s and 20 s: 0.021 % below the LP bound against 0.009 %)
        r = _pulp.solve_pulp(model, dataclasses.replace(one, time_limit=CORE_RACE_CBC_SHARE * limit), "cbc")
        if _proved(r, model, options) or cancelled[0]:
            return r
        found = core_search(model, core, options, t0 + limit, register=lambda proc: register("cbc", proc),
                            stopped=lambda: cancelled[0])
        return _with_core(model, options, r, found, core)

    def run_cbc2() -> RawSolution:
        assert second is not None
        m2, cols = second
        _pulp._started.on_start = lambda proc: register("cbc2", proc)
        r = _pulp.solve_pulp(m2, one, "cbc")
        if r.x is None:
            return r
        x = np.empty_like(r.x)
        x[cols] = r.x
        return dataclasses.replace(r, x=x)

    def start(name: str, target: Callable[[], RawSolution]) -> None:
        t = threading.Thread(target=run, args=(name, target), name=f"portfolio_opt-race-{name}", daemon=True)
        threads[name] = t
        t.start()

    def stop_all() -> list[str]:
        with cond:
            cancelled[0] = True
            for proc in (p for ps in procs.values() for p in ps):
                _kill(proc)
            return list(finished)

    threads: dict[str, threading.Thread] = {}
    grace = _grace(options.time_limit)
    late = grace  # how long past the limit a solver still running is waited for
    if beside is not None:
        def wake() -> None:
            with cond:
                cond.notify_all()

        beside.on_walked = wake
    try:
        start("cbc", run_cbc)
        # the others start once CBC runs: writing CBC's MPS file while HiGHS's model is saved slowed both
        started.wait(timeout=_RACE_START_WAIT)
        highs_at = time.monotonic() + _RACE_HIGHS_DELAY
        with cond:  # a model CBC proves at once never pays for HiGHS's process
            while "cbc" not in finished and not any(_proved(box.get(k), model, options) for k in finished):
                walked = beside is None or beside.walked.is_set()
                if walked and second is not None and "cbc2" not in threads and not (beside and beside.stopped):
                    start("cbc2", run_cbc2)  # the walk's core (or an idle one) is free
                wait = highs_at - time.monotonic()
                if walked and wait <= 0:
                    break
                cond.wait(timeout=0.01 if not walked else wait)
            unproved = not any(_proved(box.get(k), model, options) for k in finished)
            if unproved and "cbc2" in threads and "cbc2" not in finished:
                withdrawn.add("cbc2")  # HiGHS takes its core
                for proc in procs["cbc2"]:
                    _kill(proc)
        if unproved and not (beside is not None and beside.stopped):
            # HiGHS's limit runs from the race's start, as CBC's does: the race ends near the caller's limit
            left = None if one.time_limit is None else max(0.01, float(one.time_limit) - (time.monotonic() - t0))
            highs_options = dataclasses.replace(one, time_limit=left)
            start("highs", lambda: solve_highs_process(model, highs_options,
                                                       on_start=lambda proc: register("highs", proc)))
        with cond:
            while not (any(_proved(box.get(k), model, options) for k in finished) or len(finished) == len(threads)):
                answers = [box[k] for k in finished if k not in withdrawn and isinstance(box.get(k), RawSolution)]
                answered = bool(answers)
                # one holding a portfolio leaves the others _late_wait past the limit, not the whole grace
                held = any(r.x is not None for r in answers)  # type: ignore[union-attr]
                late = grace if grace is None or not held else min(grace, _late_wait(options.time_limit))
                left = None if late is None else t0 + float(options.time_limit or 0) + late - time.monotonic()
                if answered and left is not None and left <= 0:
                    break  # one stopped at the limit, the other is far past it
                cond.wait(timeout=max(left, 0.01) if answered and left is not None else None)
    finally:
        order = stop_all()
        for t in threads.values():
            t.join()
    seconds = time.monotonic() - t0
    ran = [k for k in ("highs", "cbc", "cbc2") if k in threads]
    winner = next((k for k in order if _proved(box.get(k), model, options)), None)
    if winner is not None:
        r = box[winner]
        assert isinstance(r, RawSolution)
        others = [_RACE_NAMES[k] + (" until highs started" if k in withdrawn else "") for k in ran if k != winner]
        how = (f"raced with {' and '.join(others)}: {_RACE_NAMES[winner]} first" if others
               else "proved before highs was started")
        if "highs" not in threads and others:
            how += "; proved before highs was started"
        return dataclasses.replace(r, seconds=seconds, message=f"{r.message}; {how}")
    # a HiGHS ended past the limit answers with its last portfolio and bound (``solve_highs_process``)
    answers = {k: box[k] for k in ran if k not in withdrawn and isinstance(box.get(k), RawSolution)}
    if len(answers) >= 2:
        rs = list(answers.values())
        r = rs[0]
        for other in rs[1:]:
            r = _better_of(model, options, r, other)  # type: ignore[arg-type]
        return dataclasses.replace(r, seconds=seconds)
    if len(answers) == 1:
        (name, r), = answers.items()
        assert isinstance(r, RawSolution)
        notes = []
        for other in (k for k in ran if k != name and k not in withdrawn):
            why = box.get(other)
            notes.append(f"raced with {_RACE_NAMES[other]}, which failed: {why}" if other in order
                         else f"raced with {_RACE_NAMES[other]}, ended {late:g} s after the time limit")
        note = "; ".join(notes) or "the only answer of the race"
        return dataclasses.replace(r, seconds=seconds, message=f"{r.message}; {note}")
    failed = [k for k in ran if k not in withdrawn]
    who = "both solvers" if len(failed) == 2 else "every solver"
    raise SolverError(f"{who} of the race failed: " + "; ".join(f"{_RACE_NAMES[k]}: {box.get(k)}" for k in failed))


def _better_of(model: CompiledModel, options: SolverOptions, a: RawSolution, b: RawSolution) -> RawSolution:
    """Two runs stopped at a limit: the better portfolio, with the smaller of the two bounds."""
    best = max((r for r in (a, b) if r.objective is not None), key=lambda r: r.objective, default=a)
    bounds = [r.bound for r in (a, b) if r.bound is not None]
    bound = min(bounds) if bounds else None
    if bound is not None and best.objective is not None:
        bound = max(bound, best.objective)
    status = best.status
    if (status == Status.FEASIBLE and bound is not None and best.objective is not None
            and bound - best.objective <= objective_tolerance(model, options, best.objective)):
        status = Status.OPTIMAL
    other = b if best is a else a
    return dataclasses.replace(best, status=status, bound=bound, seconds=max(a.seconds, b.seconds),
                               message=f"{best.message}; raced with {other.solver} (bound {other.bound})")


def available_backends() -> list[str]:
    """Names of the backends usable here ("highs", "cbc" and other PuLP solvers)."""
    return list(_available())


@functools.lru_cache(maxsize=1)
def _has_highs() -> bool:
    import importlib.util

    return importlib.util.find_spec("highspy") is not None


@functools.lru_cache(maxsize=1)
def _has_cbc() -> bool:
    """Whether CBC runs here, without probing every other solver PuLP knows (``"auto"`` needs no more)."""
    try:
        from ._pulp import _cbc_class, _import_pulp

        return _cbc_class(_import_pulp()) is not None
    except Exception:  # pragma: no cover - pulp missing or broken
        return False


@functools.lru_cache(maxsize=1)
def _available() -> tuple[str, ...]:
    out = []
    try:
        import highspy  # noqa: F401

        out.append("highs")
    except ImportError:  # pragma: no cover
        pass
    try:
        from ._pulp import available_pulp_solvers

        out.extend(s for s in available_pulp_solvers() if s not in out)
    except Exception:  # pragma: no cover - pulp missing or broken
        pass
    if "highs" in out and "cbc" in out:
        out.append("race")
    return tuple(out)
