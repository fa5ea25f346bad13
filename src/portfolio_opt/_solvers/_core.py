"""Core search: better portfolios of a large 0-1 model within a time limit, on the LP's reduced costs.

Where reduced-cost fixing fixes too few columns (many budgets per period and
resources: the LP bound is close, but not close enough to fix most columns,
``_fixing``), the whole model goes to the MIP backend, which on 1,000 and more
candidates over 12 periods with 5 resources stops at a time limit with a
portfolio 0.05-0.5 % below the LP bound, or none.  Yet the LP bound is
within about 0.01 % of the optimum there, and a portfolio that good differs
from the LP-preferred values ``p`` (``_fixing._bound_terms``) mostly in the
columns whose reduced cost ``|r_j|`` is smallest: the *core* of the knapsack
algorithms (Balas and Zemel 1980; Pisinger's expanding core), and of the
kernel search heuristics for multidimensional knapsacks.

:func:`core_search` solves the model restricted to a core (the
:data:`CORE_FIRST` columns of smallest ``|r_j|`` and those where the best
portfolio so far differs from ``p``; the rest fixed at ``p``) by HiGHS in a
process of its own with one thread, warm-started from the best portfolio so
far, then a core twice as large, and so on until the time is up.  Every
portfolio it returns is feasible for the whole model.  Its portfolio is proven
optimal when a round's core holds every column with ``|r_j| <= U - z`` (the
exact round of ``_fixing``: a better portfolio would differ from ``p`` only
there) and HiGHS proved that round's optimum.

Measured (``benchmarks/README.md``, "Twenty-first session"): ``gen-n1000-T12-R5``
0.0086 % below the LP bound within 3 s, where the race ended at 0.07-0.2 % after
20 s and raw HiGHS on both cores at 0.097 %; ``gen-n10000-T12-R5`` 0.037 % in
10 s (CBC: no portfolio in 10 s, 0.021 % in 60 s).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import numpy as np

from ._base import CompiledModel, RawSolution, SolverOptions, Status, absolute_tolerance, objective_tolerance

#: models of fewer columns are not searched this way: their gap at a limit is the bound's (OR-Library
#: mknapcb, 100-500 columns: the LP bound 1.8-2.9 % above the best portfolios), not the portfolio's
CORE_SEARCH_COLUMNS = 1_000
#: the first round's core: this many columns of smallest |r| (plus those where the start differs from p)
CORE_FIRST = 200
#: each round's core is this many times the last one's
CORE_GROWTH = 2
#: a round may take this share of the time left (the last one, over every column, all of it)
CORE_ROUND_SHARE = 0.5
#: no round is started with less time left than this (seconds): HiGHS's process ran 0.2-0.35 s past its limits
CORE_MIN_SECONDS = 0.5


@dataclasses.dataclass(frozen=True)
class CoreStart:
    """What :func:`core_search` starts from: the LP's bound ``U`` (valid for every portfolio), reduced costs
    ``r``, preferred values ``p`` and rounding ``margin`` (``_fixing._bound_terms``), a feasible portfolio
    ``x``, the seconds the LP took, and the LP's solution ``x_lp`` (None: not known)."""

    U: float
    r: np.ndarray = dataclasses.field(repr=False)
    p: np.ndarray = dataclasses.field(repr=False)
    margin: float
    x: np.ndarray = dataclasses.field(repr=False)
    lp_seconds: float
    x_lp: np.ndarray | None = dataclasses.field(default=None, repr=False)


@dataclasses.dataclass
class CoreFound:
    """The best portfolio :func:`core_search` found (at least as good as its start), its value, whether it is
    proven optimal, and the rounds it took, in words."""

    x: np.ndarray
    objective: float
    proven: bool
    note: str


def searchable(model: CompiledModel) -> bool:
    """Whether :func:`core_search` applies: a 0-1 model of :data:`CORE_SEARCH_COLUMNS` columns or more."""
    from ._fixing import eligible

    return eligible(model, CORE_SEARCH_COLUMNS)


def core_search(model: CompiledModel, start: CoreStart, options: SolverOptions, deadline: float,
                register: Callable[[object], None] | None = None,
                stopped: Callable[[], bool] | None = None) -> CoreFound:
    """Expanding cores solved by HiGHS until ``deadline`` (a ``time.monotonic()``), or a proof.

    ``proven`` means the optimum itself, not one within ``options.mip_gap``: a
    portfolio within that gap of ``U`` ends the search unproven (its bound is ``U``).

    ``register(proc)`` is handed each HiGHS process as it starts (the caller may
    end it); ``stopped()`` ends the search between rounds.  A round that fails
    (HiGHS's process could not run) ends it with what it has.

    Examples
    --------
    Ten items, one budget: the greedy start leaves room that a core fills.

    >>> import scipy.sparse as sp
    >>> from portfolio_opt._solvers import _fixing
    >>> from portfolio_opt._solvers._highs import lp_duals
    >>> w = np.array([5.0, 4, 6, 3, 7, 2, 8, 5, 4, 6]); v = w + np.array([1.0, 2, 0, 1, 3, 1, 2, 0, 1, 2])
    >>> m = CompiledModel(c=v, A=sp.csr_matrix(w.reshape(1, -1)), row_lo=np.array([-np.inf]),
    ...                   row_hi=np.array([20.0]), col_lo=np.zeros(10), col_hi=np.ones(10),
    ...                   integrality=np.ones(10, dtype=np.int32))
    >>> x_lp, y = lp_duals(m, SolverOptions())
    >>> U, r, p, margin = _fixing._bound_terms(m, y)
    >>> x0 = np.zeros(10); x0[4] = 1.0  # a poor but feasible start
    >>> found = core_search(m, CoreStart(U, r, p, margin, x0, 0.0), SolverOptions(),
    ...                     time.monotonic() + 30)
    >>> found.proven, found.objective  # brute force over the 1,024 subsets: 28
    (True, 28.0)
    """
    from . import _fixing
    from ._highs import solve_highs_process

    t0 = time.monotonic()
    n = model.n_cols
    size = np.abs(np.asarray(start.r, float))
    p = np.asarray(start.p, float)
    # smallest |r| first; among equals (the LP's basic columns, |r| = 0: thousands at 10,000 candidates over 12
    # periods) the most fractional first, whatever the columns' order
    frac = np.zeros(n) if start.x_lp is None else np.abs(np.asarray(start.x_lp, float) - p)
    order = np.lexsort((-frac, size))
    best = np.asarray(start.x, float)
    z = float(model.c @ best + model.offset)
    sub_options = dataclasses.replace(options, threads=1, second_order=None, own_answer=False)
    k = min(CORE_FIRST, n)
    rounds: list[str] = []
    proven = False
    while not (stopped is not None and stopped()):
        left = deadline - time.monotonic()
        if left < CORE_MIN_SECONDS:
            break
        mask = np.zeros(n, dtype=bool)
        mask[order[:k]] = True
        mask |= best != p
        whole = bool(mask.all())
        sub = _fixing.restrict(model, mask, p)
        if sub is None:  # cannot be: best agrees with p outside the core and is feasible
            break
        cap = left if whole else max(CORE_MIN_SECONDS, CORE_ROUND_SHARE * left)
        try:
            raw: RawSolution = solve_highs_process(
                sub, dataclasses.replace(sub_options, time_limit=cap, warm_start=best[mask]), on_start=register,
                deadline=cap + max(1.0, 0.1 * cap))
        except Exception as exc:  # noqa: BLE001 - the search ends with what it has
            rounds.append(f"{int(mask.sum()):,} columns: {type(exc).__name__}")
            break
        rejected = False  # HiGHS's portfolio better than the best, but not feasible for the whole model
        if raw.x is not None:
            x = p.copy()
            x[mask] = np.round(np.asarray(raw.x, float))
            v = float(model.c @ x + model.offset)
            if _fixing.feasible(model, x) and v > z:
                best, z = x, v
            else:
                rejected = v > z + absolute_tolerance(model, z)
        rounds.append(f"{int(mask.sum()):,} columns {raw.status.value} at {time.monotonic() - t0:.2f} s"
                      + (" (its portfolio breaks a row: not kept)" if rejected else ""))
        if raw.status == Status.OPTIMAL and options.mip_gap == 0 and not rejected and (
                whole or bool(np.all(size[~mask] > start.U - z + start.margin))):
            proven = True  # a better portfolio would differ from p only inside this core
            break
        if start.U - z <= absolute_tolerance(model, z):
            proven = True  # it reaches the bound
            break
        if start.U - z <= objective_tolerance(model, options, z) or whole:
            break  # within the requested gap (not proven: the bound stays U), or nothing left to free
        k = min(n, CORE_GROWTH * int(mask.sum()))
    gain = z - float(model.c @ np.asarray(start.x, float) + model.offset)
    note = (f"core search: {len(rounds)} round(s) ({'; '.join(rounds) or 'no time'}), "
            f"{gain:+.10g} on its start, {100 * (start.U - z) / max(abs(z), abs(start.U), 1.0):.4g} % below the "
            "LP bound"
            + (", proven optimal" if proven else ""))
    return CoreFound(best, z, proven, note)
