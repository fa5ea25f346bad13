"""Choosing the optimal portfolio: compile, solve, check, wrap.

:func:`select` is the one entry point: it compiles the problem into arrays,
hands them to a backend, checks the returned portfolio against the input in
plain arithmetic and returns a frozen :class:`PortfolioResult`.  An infeasible
problem is a status with a diagnosis, not an exception.

Ties are broken by a documented rule (see :func:`select`), so equal-value
portfolios come out the same on every run, for every row order of the input
and on every backend.  The helpers that do it (:func:`_tie_break`,
:func:`_earliest_starts`, :func:`_nogood`) are shared with
:mod:`portfolio_opt.analysis.alternatives`.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import time
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import scipy.sparse as sp

from ._compile import Compiled, compile_problem
from ._solvers import CompiledModel, RawSolution, SolverOptions, Status, resolve_backend, solve
from ._solvers._base import permuted
from .errors import SolverError, ValidationError
from .problem import Problem
from .result import PortfolioResult, SolverInfo, check_portfolio

__all__ = ["select"]


def _options(time_limit: float | None, mip_gap: float, threads: int | None, msg: bool,
             warm: np.ndarray | None = None) -> SolverOptions:
    problems = []
    if time_limit is not None and (isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or time_limit <= 0):
        problems.append(f"solver option 'time_limit' must be a positive number of seconds, got {time_limit!r}")
    if isinstance(mip_gap, bool) or not isinstance(mip_gap, (int, float)) or not 0 <= mip_gap < 1:
        problems.append(f"solver option 'mip_gap' must be within [0, 1), got {mip_gap!r}")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        problems.append(f"solver option 'threads' must be a positive whole number, got {threads!r}")
    if problems:
        raise ValidationError(problems)
    return SolverOptions(time_limit=time_limit, mip_gap=float(mip_gap), threads=threads, msg=msg, warm_start=warm)


def select(
    problem: Problem,
    *,
    solver: str = "auto",
    time_limit: float | None = None,
    mip_gap: float = 0.0,
    threads: int | None = None,
    warm_start: pd.Series | dict[str, int] | None = None,
    msg: bool = False,
    diagnose: bool = True,
    tie_break: bool | str = "canonical",
    known_bound: float | None = None,
) -> PortfolioResult:
    """Choose the portfolio (and the start of each selected project) that maximises the objective.

    Parameters
    ----------
    problem : Problem
    solver : str
        ``"auto"`` (default): HiGHS for tiny models (up to 30 columns);
        under several budgets or capacities, up to 20,000 columns,
        ``"race"``; CBC otherwise (the faster on those shapes in
        ``benchmarks/README.md``; the rule is
        ``portfolio_opt._solvers.default_backend``).  ``"race"``: HiGHS and
        CBC side by side, one thread and one process each, the first proven
        answer wins, and at the time limit the better portfolio with the
        smaller bound (one still running well past the limit is ended; inside
        batches or on one core: HiGHS alone where projects choose their
        start, CBC otherwise); until HiGHS starts, 1 s after CBC, a second
        CBC on the model in the input's own order runs on its core;
        ``result.solver.name`` is the winner.
        ``"highs"`` (in-process), ``"cbc"`` or the name of any other solver
        PuLP can drive here, by PuLP's name too (``"GLPK_CMD"``;
        ``"PULP_CBC_CMD"`` is ``"cbc"``).  Whichever it is, a 0-1
        model of 40 columns or more (of any size for HiGHS and the race,
        e.g. ``"auto"`` on models of up to 30 columns or of several budget
        or capacity rows; but not one of under 1,000 columns with more than
        12 such rows) first has its LP relaxation solved by
        HiGHS, which may prove the optimum on its own (Lagrangian
        enumeration; ``result.solver.name`` is then ``"highs"`` and the
        message says so; up to 24 columns a walk without the LP comes
        first) or fix most columns before the backend runs (see
        the README's "Solvers").  A solver named here other than HiGHS
        (``"cbc"``) gives the answer itself: after such a proof it solves
        the model over the columns the proof leaves open (the others fixed
        at the proven portfolio, the optimum the same) with a search of
        its own, which costs more than the proof (see the README).
    time_limit : float, optional
        Seconds; a run stopped at the limit with a solution has status
        ``feasible`` and reports its proven ``gap``.  HiGHS on models of
        5,000 columns or more runs in a process of its own that is ended 10 %
        (at least 2 s) past the limit with its last portfolio: inside some
        root heuristics it checks no limit (60 s became 137 s in-process at
        100,000 candidates).
    mip_gap : float
        Relative optimality gap at which the solver may stop (0 = prove optimal).
    threads : int, optional
    warm_start : Series or dict of id → start, optional
        A known feasible portfolio handed to the solver as a first incumbent.
    msg : bool
        Send the solver's log to standard error.
    diagnose : bool
        When infeasible, search for a small set of conflicting constraints
        (with a ``time_limit``, within as much time again, at least 2 s: what
        is found by then is reported, and the text says where a smaller set
        may exist).
    tie_break : {"canonical", "rule", False}
        How a portfolio is chosen among equally good ones (see Notes).
        ``"canonical"`` (default, no extra solve): the same request gives the
        same portfolio on every run and for every row order of the input, with
        a given backend (a race may be won by either).  ``"rule"`` (or
        ``True``): the documented rule below,
        the same on every backend, at the price of extra solves.  ``False``:
        whichever optimal portfolio the solver meets first.
    known_bound : float, optional
        An upper bound on the optimal objective proven elsewhere, typically the
        optimum (or proven bound) of a looser problem: cutting a budget or a
        capacity, or forcing a project out, never raises the best value.  A
        portfolio reaching it (within ``mip_gap``) is optimal, so the solver
        stops as soon as it finds one instead of proving it again (HiGHS; with
        other backends only the reported bound and status use it), and the
        result's ``bound`` is the smaller of the solver's and this one.  Pass
        only a proven bound: a portfolio found worth more than it raises
        ``ValidationError``, but a bound that is too low and never beaten makes
        a wrong claim of optimality.  :func:`~portfolio_opt.analysis.run_scenarios`
        passes it between related scenarios.

    Returns
    -------
    PortfolioResult

    Raises
    ------
    SolverError
        When the solver fails or returns a portfolio that breaks a constraint.

    Notes
    -----
    **Ties.**  Several portfolios can reach the same optimal objective (equal
    within 1e-9 of the sum of the absolute objective coefficients).  With
    ``tie_break="canonical"`` the model is handed to the solver in a canonical
    order (a fixed hash of the project ids, starts and constraint contents), so
    which of them comes back depends on the content of the request and on the
    backend, never on the row order of the input or on the run; except in a
    race (``solver="race"``, as ``"auto"`` chooses for several budget or
    capacity rows), where whichever solver proves first answers, and its second
    CBC solves the model in the input's own order.  ``tie_break="rule"`` returns,
    on every backend,

    1. the one with the lowest total cost, then
    2. of those costing the same, the one that includes the project with the
       first id (in sorted order of the ids as strings) on which they differ;

    and schedules it with the earliest starts: taking the selected projects in
    sorted id order, each starts as early as the limits allow given the starts
    already fixed.  The rule depends on ids, values and costs only, never on
    the row order of the input or on the backend.

    It is applied when the solve is proven optimal (``mip_gap`` 0): the other
    optimal portfolios are enumerated with no-good cuts (one extra solve
    proves there is none); when there are more than a few, an exact sequential
    search (minimum cost, then one feasibility check per id) takes over.
    The extra solves share the ``time_limit``; if it runs out the portfolio is
    still optimal but the rule may not have been applied in full, which
    ``result.solver.options["tie_break"]`` records as ``"incomplete"``.

    Examples
    --------
    >>> import pandas as pd, portfolio_opt as po
    >>> df = pd.DataFrame({"id": ["A", "B", "C"], "cost": [4, 3, 2], "value": [10, 7, 5]})
    >>> r = po.select(po.Problem.from_frame(df, budget=6))
    >>> r.status.value, r.objective, r.selected_ids
    ('optimal', 15.0, ['A', 'C'])

    Two projects worth the same and costing the same, room for one: by the
    rule the one with the first id wins, whatever the row order and backend.

    >>> df = pd.DataFrame({"id": ["Y", "X"], "cost": [5, 5], "value": [8, 8]})
    >>> po.select(po.Problem.from_frame(df, budget=5), tie_break="rule").selected_ids
    ['X']

    The optimum with a budget of 6 (15) bounds every tighter budget; with a
    budget of 5 a portfolio worth 15 still exists, so it is optimal at once:

    >>> df = pd.DataFrame({"id": ["A", "B", "C"], "cost": [3, 3, 2], "value": [10, 7, 5]})
    >>> r = po.select(po.Problem.from_frame(df, budget=5), known_bound=15.0)
    >>> r.status.value, r.objective, r.bound
    ('optimal', 15.0, 15.0)
    """
    if not isinstance(problem, Problem):
        raise ValidationError(f"select() needs a Problem, got {type(problem).__name__}")
    solver = _check_solver(solver)
    mode = _tie_mode(tie_break)
    comp = compile_problem(problem)
    named = solver.lower() not in ("auto", "highs", "race")  # the answer must be that solver's own
    solver = resolve_backend(solver, **comp.backend_hint)
    warm = None
    if warm_start is not None:
        st = np.full(len(problem.table), -1, dtype=int)
        pos = problem._position
        for pid, s in dict(warm_start).items():
            if pid not in pos:
                raise ValidationError(f"warm_start: unknown project id '{pid}'")
            if s is not None and not pd.isna(s) and int(s) >= 0:
                st[pos[pid]] = int(s)
        warm = comp.x_from_starts(st)
    opts = dataclasses.replace(_options(time_limit, mip_gap, threads, msg, warm), own_answer=named)
    if known_bound is not None:
        if isinstance(known_bound, bool) or not isinstance(known_bound, (int, float)) or not np.isfinite(known_bound):
            raise ValidationError(f"known_bound must be a finite number, got {known_bound!r}")
        opts = dataclasses.replace(opts, known_bound=float(known_bound))
    t0 = time.perf_counter()
    raw = _solve_canonical(problem, comp, opts, solver) if mode == "canonical" else solve(comp.model, opts, solver)
    x = raw.x
    tie: bool | str = "canonical" if mode == "canonical" else False
    if mode == "rule" and raw.status == Status.OPTIMAL and opts.mip_gap == 0 and x is not None:
        x, complete = _tie_break(problem, comp, x, opts, solver, deadline=_deadline(time_limit, t0))
        tie = True if complete else "incomplete"
    seconds = raw.seconds if x is raw.x else time.perf_counter() - t0
    info = SolverInfo(raw.solver, raw.version, seconds, {"name": solver, **opts.as_dict(), "tie_break": tie},
                      raw.message)
    if raw.status.has_solution and x is not None:
        starts = comp.starts(x)
        bad = check_portfolio(problem, starts)
        if bad:
            raise SolverError(
                f"{raw.solver} returned a portfolio that breaks the input's constraints: " + "; ".join(bad[:5])
            )
        objective = float(np.dot(comp.coef, starts >= 0))
        bound = raw.bound
        if bound is not None and raw.status == Status.OPTIMAL and opts.mip_gap == 0:
            bound = max(bound, objective)
        gap = None if bound is None else max(0.0, (bound - objective) / max(abs(objective), 1e-10))
        if raw.status == Status.OPTIMAL and opts.mip_gap == 0:
            gap = 0.0 if gap is None or gap < 1e-6 else gap
        return PortfolioResult(
            problem=problem,
            status=raw.status,
            objective=objective,
            bound=bound,
            gap=gap,
            starts=pd.Series(starts, index=problem.ids, name="start"),
            solver=info,
        )
    diagnosis: tuple[str, ...] = ()
    if raw.status == Status.INFEASIBLE and diagnose:
        from .diagnosis import diagnose_infeasibility

        # a request with a time limit gets its diagnosis within as much again (at least DIAGNOSIS_MIN_SECONDS):
        # 1,000 candidates over 12 periods with 5 resources and a 5 s limit took 42-45 s to diagnose
        total = None if time_limit is None else max(DIAGNOSIS_MIN_SECONDS, float(time_limit))
        diagnosis = tuple(diagnose_infeasibility(problem, solver=solver, threads=threads, total_time=total))
    elif raw.status == Status.NO_SOLUTION:
        diagnosis = (f"the solver hit its limit ({raw.message}) before finding any portfolio; "
                     "raise the time limit or relax the constraints",)
    return PortfolioResult(
        problem=problem,
        status=raw.status,
        objective=None,
        bound=raw.bound,
        gap=None,
        starts=pd.Series(np.full(len(problem.table), -1, dtype=int), index=problem.ids, name="start"),
        solver=info,
        diagnosis=diagnosis,
    )


# --------------------------------------------------------------------------- tie-breaking
_TIE_MODES = {"canonical": "canonical", "rule": "rule", True: "rule", False: "off", None: "off", "off": "off"}


def _tie_mode(value: Any) -> str:
    try:
        return _TIE_MODES[value]
    except (KeyError, TypeError):
        raise ValidationError(
            f"tie_break must be 'canonical', 'rule' (or True) or False, got {value!r}") from None


def _h64(texts: Any) -> np.ndarray:
    """A fixed 64-bit hash per string (blake2b; Python's own hash is salted per process)."""
    return np.fromiter((int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little")
                        for t in texts), dtype=np.uint64, count=len(texts))


@functools.lru_cache(maxsize=4)
def _id_hashes(ids: tuple[str, ...]) -> np.ndarray:
    """:func:`_h64` of a portfolio's ids, kept for the next call on the same ids (read-only).

    A scenario batch, a frontier or a what-if loop calls :func:`select` on
    many problems with the same candidates: 100,000 ids take 0.17 s to hash,
    most of :func:`_canonical_order`'s 0.21 s.
    """
    out = _h64(ids)
    out.setflags(write=False)
    return out


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads every input bit over the whole word (uint64 arithmetic wraps)."""
    x = x.astype(np.uint64)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _canonical_order(problem: Problem, comp: Compiled) -> tuple[np.ndarray, np.ndarray]:
    """Column and row orders that make the compiled model independent of the input's row order.

    Each column is placed by a fixed hash of its project id and start, each
    choice row by a hash of its project id and each constraint row by a hash of
    its constraint's content (ties by id, start and content).  The order is a
    function of the request alone, and it scatters the model's structure:
    CBC proved the sample portfolio in 1.5-6 s over six such orders, but took
    24 s with the projects in input order and did not finish in 40 s with them
    sorted by id (``benchmarks/README.md``).  Returns ``(cols, rows)``: position
    k of the canonical model is column ``cols[k]`` / row ``rows[k]`` of ``comp.model``.
    """
    n = len(comp.proj_cols) - 1
    ids = np.asarray(problem.ids, dtype=str)
    id_rank = np.empty(n, dtype=np.int64)
    id_rank[np.argsort(ids, kind="stable")] = np.arange(n)
    hid = _id_hashes(tuple(ids.tolist()))
    with np.errstate(over="ignore"):
        ckey = _mix(hid[comp.col_proj] ^ _mix(comp.col_start.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)))
    cols = np.lexsort((comp.col_start, id_rank[comp.col_proj], ckey)).astype(np.int64)
    owner = comp.row_owner
    texts = [repr(c) for c in problem.constraints]
    text_rank = np.empty(len(texts), dtype=np.int64)
    text_rank[sorted(range(len(texts)), key=texts.__getitem__)] = np.arange(len(texts))
    hcon = _h64(texts)
    rkey = np.zeros(len(owner), dtype=np.uint64)
    tie = np.zeros(len(owner), dtype=np.int64)
    has = comp.choice_row >= 0  # the choice rows, placed by their project's id
    with np.errstate(over="ignore"):
        rkey[comp.choice_row[has]] = _mix(hid[has] ^ np.uint64(0x5851F42D4C957F2D))
    tie[comp.choice_row[has]] = id_rank[has]
    others = np.flatnonzero(owner >= 0)
    rkey[others] = hcon[owner[others]]
    tie[others] = n + text_rank[owner[others]]
    return cols, np.lexsort((tie, rkey)).astype(np.int64)


def _solve_canonical(problem: Problem, comp: Compiled, opts: SolverOptions, backend: str) -> RawSolution:
    """Solve ``comp.model`` permuted into canonical order; the solution comes back in the original order."""
    m = comp.model
    cols, rows = _canonical_order(problem, comp)
    pm = permuted(m, cols, rows)
    if opts.warm_start is not None:
        opts = dataclasses.replace(opts, warm_start=np.asarray(opts.warm_start, float)[cols])
    if backend.lower() == "race":  # its second CBC gets the request's own order: CBC's time moves 1-4x with it
        opts = dataclasses.replace(opts, second_order=(np.argsort(cols), np.argsort(rows)))
    raw = solve(pm, opts, backend)
    if raw.x is None:
        return raw
    x = np.empty_like(raw.x)
    x[cols] = raw.x
    return dataclasses.replace(raw, x=x)


#: tied portfolios enumerated one by one before the sequential search takes over
TIE_ENUMERATION_LIMIT = 8


def _deadline(time_limit: float | None, t0: float) -> float | None:
    return None if time_limit is None else t0 + float(time_limit)


def _tol(values: np.ndarray) -> float:
    """A margin for what a solver may let through: 1e-9 of the sum of every absolute value (its tolerances
    scale with the model's).  To decide whether two portfolios are equally good, :func:`_tie_tol`."""
    return 1e-9 * max(1.0, float(np.abs(values).sum()))


def _tie_tol(values: np.ndarray, *selections: np.ndarray) -> float:
    """Two portfolio totals closer than this are equal: 1e-9 of the larger sum of absolute terms of the given
    portfolios (float sums in another order differ by ~1e-15 of it).

    Only their own projects count: with :func:`_tol`'s sum over every candidate, one huge value elsewhere
    in the request (an NPV of -1.5e10 among values of about 10) made a portfolio worth 0 tie with one
    worth 11.9.

    Examples
    --------
    >>> v = np.array([11.9, 0.0, -1.5e10])
    >>> _tol(v) > 11.9, _tie_tol(v, np.array([True, True, False])) < 1e-6
    (True, True)
    """
    a = np.abs(np.asarray(values, float))
    return 1e-9 * max([1.0] + [float(a @ np.asarray(y, float)) for y in selections])


def _top(coef: np.ndarray, found: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The portfolios of ``found`` (selection, columns) that tie with the best of them (:func:`_tie_tol`)."""
    values = [float(coef @ y) for y, _ in found]
    k = int(np.argmax(values))
    tol = _tie_tol(coef, found[k][0])
    return [t for t, v in zip(found, values) if v >= values[k] - tol]


def _add_rows(model: CompiledModel, rows: sp.csr_matrix | np.ndarray, lo: np.ndarray | float,
              hi: np.ndarray | float) -> CompiledModel:
    """A copy of ``model`` with dense or sparse rows appended."""
    import scipy.sparse as sp

    R = sp.csr_matrix(np.atleast_2d(rows)) if isinstance(rows, np.ndarray) else rows
    k = R.shape[0]
    return dataclasses.replace(
        model, A=sp.vstack([model.A, R], format="csr"),
        row_lo=np.append(model.row_lo, np.broadcast_to(lo, (k,))),
        row_hi=np.append(model.row_hi, np.broadcast_to(hi, (k,))),
    )


def _nogood(comp: Compiled, sel: np.ndarray) -> tuple[np.ndarray, float]:
    """The cut Σ_{i∈S} y_i − Σ_{i∉S} y_i ≤ |S| − 1 that removes exactly the selection ``sel``.

    y_i is the sum of project i's start columns, so the cut removes every
    schedule of that set of projects and nothing else.
    """
    sign = np.where(np.asarray(sel, bool), 1.0, -1.0)[comp.col_proj]
    return sign, float(np.count_nonzero(sel)) - 1.0


def _sel(comp: Compiled, x: np.ndarray) -> np.ndarray:
    return comp.y(x) > 0.5


def _remaining(deadline: float | None) -> float | None:
    if deadline is None:
        return None
    return max(deadline - time.perf_counter(), 0.0)


def _run(model: CompiledModel, opts: SolverOptions, backend: str, deadline: float | None,
         warm: np.ndarray | None = None) -> RawSolution | None:
    """One solve within what is left of the time limit (None when nothing is left).

    The warm start goes to HiGHS only: CBC 2.10 through PuLP was seen to return
    a warm start as "optimal" when a better solution existed.
    """
    left = _remaining(deadline)
    if left is not None and left <= 0.01:
        return None
    o = dataclasses.replace(opts, time_limit=left, warm_start=warm if backend.lower() in ("highs", "race") else None,
                            known_bound=None)
    return solve(model, o, backend)


def _tie_break(problem: Problem, comp: Compiled, x: np.ndarray, opts: SolverOptions, backend: str,
               deadline: float | None = None) -> tuple[np.ndarray, bool]:
    """An optimal column vector ``x`` → the optimal one chosen by the documented rule.

    Returns the chosen vector and whether the rule was applied in full (False
    when the time limit ran out on the way).
    """
    m = comp.model
    order = np.argsort(np.asarray(problem.ids, dtype=str), kind="stable")
    cost = problem.table.frame["total_cost"].to_numpy(float)
    y0 = _sel(comp, x)
    z = float(comp.coef @ y0)
    ztol = _tol(comp.coef)  # wide: whatever the solver may have let through is enumerated, then ranked exactly
    m = _face_fixed(m, x, z - ztol, opts, deadline)  # what no tie can change fixed: the solves below are small
    face = _add_rows(m, m.c, z - ztol, np.inf)  # the optimal face: c·x ≥ z* − tol
    tied = [(y0, x)]
    row, hi = _nogood(comp, y0)
    cuts = _add_rows(face, row, -np.inf, hi)
    complete = False
    for _ in range(TIE_ENUMERATION_LIMIT + 1):
        raw = _run(cuts, opts, backend, deadline)
        if raw is None or not (raw.status.has_solution or raw.status == Status.INFEASIBLE) or (
                raw.status.has_solution and raw.x is None):
            return _earliest(problem, comp, *_best(_top(comp.coef, tied), cost, order), opts, backend, deadline,
                             False)
        if raw.status == Status.INFEASIBLE:
            complete = True
            break
        assert raw.x is not None
        y = _sel(comp, raw.x)
        # a portfolio the solver let through on its own tolerance but that is not a tie is only cut off
        if float(comp.coef @ y) >= z - ztol:
            tied.append((y, raw.x))
        row, hi = _nogood(comp, y)
        cuts = _add_rows(cuts, row, -np.inf, hi)
    tied = _top(comp.coef, tied)
    if complete:
        y, xb = _best(tied, cost, order)
        return _earliest(problem, comp, y, xb, opts, backend, deadline, True)
    best = max(tied, key=lambda t: float(comp.coef @ t[0]))[0]
    face = _add_rows(m, m.c, float(comp.coef @ best) - _tie_tol(comp.coef, best), np.inf)  # the ties only
    return _sequential(problem, comp, face, tied, cost, order, opts, backend, deadline)


def _face_fixed(m: CompiledModel, x: np.ndarray, least: float, opts: SolverOptions,
                deadline: float | None) -> CompiledModel:
    """``m`` with every column fixed that no portfolio worth ``least`` or more (``c.x``) can change (``m``
    itself when it is not 0-1, its LP does not solve in time, or the optimal ``x`` breaks a fixing).

    With the LP's duals, every portfolio ``x`` of ``m`` has ``c.x <= U - loss(x)`` (the Lagrangian bound of
    ``_solvers._fixing``, which holds for any multipliers), where a change of column j from its
    LP-preferred value costs ``|r_j|``: one worth ``least`` or more keeps every column whose ``|r_j|``
    exceeds ``U - least`` (plus the rounding margin).  The tie-breaking solves run on the optimal face, so
    they hold only such portfolios: 2,000 single-budget candidates, where one solve proving there was no
    other tie took CBC 5.7 s on the whole face, ``select(tie_break="rule")`` 5.05 s -> 0.35 s in all
    (``benchmarks/README.md``).
    """
    from ._solvers import _fixing
    from ._solvers._highs import lp_duals

    left = _remaining(deadline)
    if not _fixing.eligible(m, 1) or left is not None and left <= 0.01:
        return m
    try:
        lp = lp_duals(m, dataclasses.replace(opts, time_limit=left, warm_start=None, known_bound=None))
    except SolverError:
        return m
    if lp is None:
        return m
    U, r, value, margin = _fixing._bound_terms(m, lp[1])
    keep = np.abs(r) > U - float(m.offset) - least + margin  # no portfolio worth `least` changes these
    if not keep.any() or np.any(np.abs(np.asarray(x, float)[keep] - value[keep]) > 1e-6):
        return m
    col_lo, col_hi = m.col_lo.astype(float).copy(), m.col_hi.astype(float).copy()
    col_lo[keep] = col_hi[keep] = value[keep]
    return dataclasses.replace(m, col_lo=col_lo, col_hi=col_hi)


def _best(tied: list[tuple[np.ndarray, np.ndarray]], cost: np.ndarray,
          order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The tied selection the rule prefers: lowest cost, then the first differing id included."""
    costs = [float(cost @ y) for y, _ in tied]
    k = int(np.argmin(costs))
    cheap = [t for t, c in zip(tied, costs) if c <= costs[k] + _tie_tol(cost, tied[k][0])]
    return min(cheap, key=lambda t: tuple((~t[0][order]).astype(int)))


def _sequential(problem: Problem, comp: Compiled, face: CompiledModel, tied: list[tuple[np.ndarray, np.ndarray]],
                cost: np.ndarray, order: np.ndarray, opts: SolverOptions, backend: str,
                deadline: float | None) -> tuple[np.ndarray, bool]:
    """The rule by exact steps when too many portfolios tie: minimum cost, then one check per id."""
    y, x = _best(tied, cost, order)
    cost_col = cost[comp.col_proj]
    raw = _run(dataclasses.replace(face, c=-cost_col), opts, backend, deadline, warm=x)
    if raw is None or raw.status != Status.OPTIMAL or raw.x is None:
        if raw is not None and raw.x is not None and float(cost @ _sel(comp, raw.x)) < float(cost @ y) - _tie_tol(
                cost, y):
            y, x = _sel(comp, raw.x), raw.x
        return _earliest(problem, comp, y, x, opts, backend, deadline, False)
    y, x = _sel(comp, raw.x), raw.x
    cmin = float(cost @ y)
    model = _add_rows(face, cost_col, -np.inf, cmin + _tie_tol(cost, y))
    model = dataclasses.replace(model, c=np.zeros_like(model.c))
    row_lo, col_lo, col_hi = model.row_lo.copy(), model.col_lo.copy(), model.col_hi.copy()
    pc = comp.proj_cols
    for p in order:
        if not y[p]:
            trial_lo, trial_col_lo = row_lo.copy(), col_lo.copy()
            comp.force_in(trial_lo, trial_col_lo, p)
            raw = _run(dataclasses.replace(model, row_lo=trial_lo, col_lo=trial_col_lo, col_hi=col_hi), opts,
                       backend, deadline)
            if raw is None or not (raw.status.has_solution or raw.status == Status.INFEASIBLE):
                return _earliest(problem, comp, y, x, opts, backend, deadline, False)
            if raw.status.has_solution and raw.x is not None:
                y, x = _sel(comp, raw.x), raw.x
        if y[p]:
            comp.force_in(row_lo, col_lo, p)
        else:
            col_hi[pc[p]:pc[p + 1]] = 0.0
    return _earliest(problem, comp, y, x, opts, backend, deadline, True)


def _earliest(problem: Problem, comp: Compiled, y: np.ndarray, x: np.ndarray, opts: SolverOptions, backend: str,
              deadline: float | None, complete: bool) -> tuple[np.ndarray, bool]:
    xs, ok = _earliest_starts(problem, comp, y, x, opts, backend, deadline)
    return xs, complete and ok


def _earliest_starts(problem: Problem, comp: Compiled, sel: np.ndarray, x: np.ndarray, opts: SolverOptions,
                     backend: str, deadline: float | None = None) -> tuple[np.ndarray, bool]:
    """Reschedule the selection ``sel`` (feasible as ``x``) with the earliest starts in sorted id order.

    Taking the selected projects by sorted id, each gets the earliest start
    that still leaves the rest schedulable; a project already at the first
    start of its window needs no solve.  Returns the new column vector and
    whether every step was decided (False when the time limit ran out).
    """
    m = comp.model
    pc = comp.proj_cols
    sel = np.asarray(sel, bool)
    row_lo, col_lo, col_hi = m.row_lo.copy(), m.col_lo.copy(), m.col_hi.copy()
    for p in np.flatnonzero(sel):
        comp.force_in(row_lo, col_lo, p)
    for p in np.flatnonzero(~sel):
        col_hi[pc[p]:pc[p + 1]] = 0.0
    x = np.asarray(x, float).copy()
    order = np.argsort(np.asarray(problem.ids, dtype=str), kind="stable")
    for p in order:
        if not sel[p]:
            continue
        lo, hi = pc[p], pc[p + 1]
        cur = lo + int(np.argmax(x[lo:hi]))
        if cur > lo:
            c = np.zeros(m.n_cols)
            c[lo:hi] = -np.arange(hi - lo, dtype=float)  # maximise −(start offset)
            trial = dataclasses.replace(m, c=c, row_lo=row_lo, col_lo=col_lo, col_hi=col_hi)
            raw = _run(trial, opts, backend, deadline, warm=x)
            if raw is None or raw.x is None or not raw.status.has_solution:
                return x, False
            x = raw.x
            cur = lo + int(np.argmax(x[lo:hi]))
            if raw.status != Status.OPTIMAL:
                return x, False
        col_hi[lo:hi] = 0.0
        col_hi[cur] = m.col_hi[cur]
    return x, True


#: seconds the diagnosis of an infeasible problem solved with a time limit gets at least (else the limit)
DIAGNOSIS_MIN_SECONDS = 2.0


def _check_solver(name: str) -> str:
    """``name`` as the solver layer knows it (lower case; PuLP's own names of its solvers, e.g.
    ``"PULP_CBC_CMD"``, ``"COIN_CMD"``, ``"GLPK_CMD"``, as listed by :func:`available_backends`:
    ``"cbc"``, ``"glpk"``), or a :class:`ValidationError` naming the solvers available here."""
    from ._solvers import _has_cbc, _has_highs, available_backends

    if not isinstance(name, str) or not name:
        raise ValidationError(f"solver must be a name such as 'auto', 'highs' or 'cbc', got {name!r}")
    key = name.lower()
    if (key == "auto" or key == "highs" and _has_highs() or key == "cbc" and _has_cbc()
            or key == "race" and _has_highs() and _has_cbc()):
        return key  # without probing every other solver PuLP knows
    avail = available_backends()
    names = {a.lower() for a in avail}
    if key in names:
        return key
    from ._solvers._pulp import public_name

    public = public_name(name)
    if public is None or public.lower() not in names:
        raise ValidationError(f"solver '{name}' is not available here (available: {', '.join(avail)})")
    return public
