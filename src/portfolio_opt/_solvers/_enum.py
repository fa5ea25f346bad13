"""Lagrangian enumeration: the proven optimum of a 0-1 model whose LP bound is close, without a MIP solver.

The Lagrangian bound of :mod:`._fixing` holds for every feasible ``x``::

    c.x <= U - loss(x),   loss(x) = sum_j |r_j| * [x_j != p_j]

so every portfolio worth at least ``U - g`` differs from the LP-preferred
values ``p`` only in columns with ``|r_j| <= g``, and by a set of them whose
``|r_j|`` sum to at most ``g``.  :func:`enumerate_near` lists those sets (a
breadth-first walk over the columns with ``|r_j| <= g``, largest first, that
drops a partial set as soon as its loss exceeds ``g``, a row can no longer be
met by any choice of the columns still to come, or another set dominates it:
worth no less and no worse placed for any row, as in a knapsack's dynamic
program, :func:`undominated`) and keeps the best feasible portfolio.  If that
portfolio is worth ``v >= U - g`` nothing better exists: a better one would
lose less than ``g`` and would have been listed, or one at least as good that
dominates it.  ``g`` starts small and grows until the proof holds, the
incumbent is proven, or the walks grow too large (:data:`MAX_STATES`,
:data:`MAX_COLUMNS`, :data:`MAX_WORK`; then the caller hands the model to a
MIP solver, as before).

On single-budget portfolios the LP bound is within a few units of the optimum
and 18-50 columns are left to walk: the hard knapsack core that took CBC
0.1-0.25 s (branch and bound) is listed in milliseconds (``benchmarks/README.md``).
It is the exact counterpart of the "core" of knapsack algorithms (Balas and
Zemel 1980; Pisinger's expanding core), for any rows.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np

from ._base import CompiledModel
from ._fixing import _TOL  # row feasibility, as :func:`._fixing.feasible`

#: the walk gives up once this many partial sets are alive at one column
MAX_STATES = 10_000
#: ... or once the columns to walk exceed this (the sets are kept as 64-bit masks)
MAX_COLUMNS = 64
#: ... or once the walks of one model have handled this many (partial set, row) pairs in all
#: (0.1-0.35 us each: walks that fail cost up to ~0.15 s more than at the former 300,000 before the MIP
#: solver runs; at 300,000, walks that needed 220,000-340,000 gave up on models CBC took 0.08-0.6 s for;
#: over 66 single-period models of 6-1,000 columns the sum of select's times fell 14 %: benchmarks/README.md)
MAX_WORK = 1_000_000
#: a walk costs up to this many times the work of the one before (measured: 2-6x, mostly 2-4x); the next
#: one is not started when that would exceed what is left of MAX_WORK
GROWTH = 3.0
#: dominated partial sets are looked for from this many on, and only when every row compared by
#: equality has integer coefficients summing to at most NARROW_ROW in absolute value
DOMINANCE_STATES = 64
NARROW_ROW = 64
#: a model of at most this many matrix entries (rows times columns) is walked on a dense copy of its matrix:
#: scipy's column slicing took 0.3-0.4 ms of a 0.7 ms walk of mknap1-1 (6 columns, 10 rows)
DENSE_ENTRIES = 20_000


@dataclasses.dataclass
class Enumerated:
    """A proven optimal portfolio, and what it took: the columns and the loss budget of the last walk,
    and the most partial sets alive at once."""

    x: np.ndarray
    columns: int
    states: int
    gap: float


def walk(model: CompiledModel, r: np.ndarray, p: np.ndarray, gap: float, max_states: int = MAX_STATES,
         max_work: float = MAX_WORK, base: np.ndarray | None = None,
         stop: Callable[[], bool] | None = None) -> tuple[np.ndarray | None, int, int, float] | None:
    """A feasible portfolio at least as good as every one worth ``U - gap`` or more (None if no partial set
    survives: then there is no such portfolio), the columns walked, the peak count of partial sets, and the
    work done (partial sets times rows, summed over the columns).

    A portfolio worth ``U - gap`` or more loses at most ``gap``, so the walk
    meets it or one that dominates it (:func:`undominated`) and is worth as
    much: the best portfolio the walk lists is worth at least as much.

    None when the walk is too large (:data:`MAX_COLUMNS`, ``max_states``, ``max_work``), or once
    ``stop()`` is true (asked at every column). ``base`` is ``model.A @ p`` when the caller has it.

    Examples
    --------
    Items worth 3, 4 and 2, weights 1, 2 and 2, capacity 3, with the LP's dual
    of the capacity, 2: ``r = (1, 0, -2)``, ``p = (1, 0, 0)``.  Within a loss of
    0.5 only the second item may change, and taking it is best:

    >>> import scipy.sparse as sp
    >>> m = CompiledModel(c=np.array([3.0, 4.0, 2.0]), A=sp.csr_matrix([[1.0, 2.0, 2.0]]),
    ...                   row_lo=np.array([-np.inf]), row_hi=np.array([3.0]), col_lo=np.zeros(3),
    ...                   col_hi=np.ones(3), integrality=np.ones(3, dtype=np.int32))
    >>> x, columns, peak, work = walk(m, np.array([1.0, 0.0, -2.0]), np.array([1.0, 0.0, 0.0]), 0.5)
    >>> x.tolist(), columns
    ([1.0, 1.0, 0.0], 1)
    """
    lo_c, hi_c = np.asarray(model.col_lo, float), np.asarray(model.col_hi, float)
    size = np.abs(r) * (hi_c - lo_c)
    free = np.flatnonzero((size <= gap) & (lo_c < hi_c))
    k = len(free)
    if k > MAX_COLUMNS:
        return None
    free = free[np.argsort(-size[free], kind="stable")]  # the costly changes first: most sets die early
    lo, hi = np.asarray(model.row_lo, float), np.asarray(model.row_hi, float)
    base = model.A @ p if base is None else base
    if model.n_rows * model.n_cols <= DENSE_ENTRIES:  # sparse slicing costs more than the whole walk here
        sub = model.A.toarray()[:, free]
        touched = np.flatnonzero(np.any(sub != 0, axis=1))
        sub = sub[touched]
    else:
        sub = model.A[:, free].tocsr()
        touched = np.flatnonzero(np.diff(sub.indptr) > 0)
        sub = sub[touched].toarray()
    rest = np.ones(len(lo), dtype=bool)
    rest[touched] = False
    if np.any(base[rest] > hi[rest] + _TOL) or np.any(base[rest] < lo[rest] - _TOL):
        return None, k, 1, 0.0  # the LP-preferred values break a row that no walked column touches
    step = 1.0 - 2.0 * p[free]  # a change moves the column from p to 1 - p
    D = sub * step  # rows x columns: the activity change of each column
    lo_t, hi_t = lo[touched] - _TOL, hi[touched] + _TOL
    # the sets are compared (:func:`undominated`) on the widest one-sided row by order, on the others by
    # equality: only worth it where those others take few values (requires, excludes, counts)
    width = np.abs(D).sum(axis=1)
    narrow = np.all(D == np.round(D), axis=1) & (width <= NARROW_ROW)
    one_sided = np.isfinite(lo_t) != np.isfinite(hi_t)
    main = int(np.argmax(np.where(one_sided, width, -1.0))) if one_sided.any() else -1
    # what the columns from t on can still add at least / at most, per row
    low = np.zeros((len(touched), k + 1))
    high = np.zeros((len(touched), k + 1))
    low[:, :k] = np.cumsum(np.minimum(D, 0.0)[:, ::-1], axis=1)[:, ::-1]
    high[:, :k] = np.cumsum(np.maximum(D, 0.0)[:, ::-1], axis=1)[:, ::-1]
    b = base[touched]
    # rows no set of changes can break are left out (all their sets stay feasible and none is ever compared
    # there); of the others, column t's check reads only the rows that a set walked so far can break
    rows = np.flatnonzero((b + high[:, 0] > hi_t) | (b + low[:, 0] < lo_t))
    if main >= 0:
        main = int(np.searchsorted(rows, main)) if main in rows else -1
    D, lo_t, hi_t, narrow, low, high, b = D[rows], lo_t[rows], hi_t[rows], narrow[rows], low[rows], high[rows], b[rows]
    can_fail = ((b[:, None] + high[:, :1] - high[:, 1:] + low[:, 1:] > hi_t[:, None])
                | (b[:, None] + low[:, :1] - low[:, 1:] + high[:, 1:] < lo_t[:, None]))  # rows x columns
    gain = np.asarray(model.c, float)[free] * step  # what a change adds to the objective
    act = b[None, :]
    loss = np.zeros(1)
    val = np.zeros(1)
    sets = np.zeros(1, dtype=np.uint64)
    peak, work = 1, 0.0
    for t in range(k):
        keep = loss + size[free[t]] <= gap
        act = np.concatenate([act, act[keep] + D[:, t]])
        loss = np.concatenate([loss, loss[keep] + size[free[t]]])
        val = np.concatenate([val, val[keep] + gain[t]])
        sets = np.concatenate([sets, sets[keep] | np.uint64(1 << t)])
        check = np.flatnonzero(can_fail[:, t])
        if len(check) == len(rows):
            ok = np.all((act + low[:, t + 1] <= hi_t) & (act + high[:, t + 1] >= lo_t), axis=1)
        elif len(check):
            a = act[:, check]
            ok = np.all((a + low[check, t + 1] <= hi_t[check]) & (a + high[check, t + 1] >= lo_t[check]), axis=1)
        else:
            ok = np.ones(len(loss), dtype=bool)
        if ok.sum() >= DOMINANCE_STATES:
            a = act[ok]
            upper, lower = a.max(axis=0) + high[:, t + 1] > hi_t, a.min(axis=0) + low[:, t + 1] < lo_t
            others = (upper | lower) & ~narrow
            if main >= 0:
                others[main] = False
            if not others.any():  # else too many groups to gain from, at a price
                ok[ok] = undominated(a, val[ok], upper, lower, main)
        if not ok.all():
            act, loss, val, sets = act[ok], loss[ok], val[ok], sets[ok]
        peak = max(peak, len(loss))
        work += len(loss) * (len(touched) + 1)
        if len(loss) > max_states or work > max_work or (stop is not None and stop()):
            return None
        if not len(loss):
            return None, k, peak, work
    best = int(np.argmax(val))  # the first of equal ones: the walk's order is fixed by the model
    x = p.astype(float).copy()
    on = np.array([(int(sets[best]) >> t) & 1 for t in range(k)], dtype=bool)
    x[free[on]] = 1.0 - x[free[on]]
    return x, k, peak, work


def undominated(act: np.ndarray, val: np.ndarray, upper: np.ndarray, lower: np.ndarray,
                main: int = -1) -> np.ndarray:
    """Which partial sets to keep: those no other one dominates (the first of equal ones is kept).

    Set 1 dominates set 2 when it is worth at least as much and every completion
    that keeps set 2 feasible keeps set 1 feasible: on each row that some
    completion could push over its upper limit (``upper``) its activity is no
    higher, on each that could fall under its lower limit (``lower``) no lower,
    and on rows that could do either, equal.  Exact for one such row, ``main``
    (the budget: sets sorted by its activity, each kept only if worth more than
    every set before it; by default the one-sided row of most distinct
    activities) and for the others by equality (sets are compared only with
    those of the same activities there), so it may keep more than it must,
    never less.  A dominated set may lead to the optimum, but then so does the
    set that dominates it, by the same columns.

    Examples
    --------
    Three sets on a budget row (upper limit), worth 5, 4 and 6 with activities 2, 3 and 3:
    the second costs more than the first and is worth less.

    >>> undominated(np.array([[2.0], [3.0], [3.0]]), np.array([5.0, 4.0, 6.0]),
    ...             np.array([True]), np.array([False])).tolist()
    [True, False, True]
    """
    n = len(val)
    live = upper | lower
    if n <= 1:
        return np.ones(n, dtype=bool)
    if not live.any():  # no completion can break a row: the best set is all that matters
        keep = np.zeros(n, dtype=bool)
        keep[int(np.argmax(val))] = True
        return keep
    one_sided = np.flatnonzero(live & (upper != lower))
    if main < 0 or main not in one_sided:
        main = -1
        if len(one_sided):  # the row the sets differ most on is compared by order, the others by equality
            spread = [len(np.unique(act[:, i])) for i in one_sided]
            main = int(one_sided[int(np.argmax(spread))])
    key = np.zeros(n) if main < 0 else act[:, main] if upper[main] else -act[:, main]
    group = _groups(act, [i for i in np.flatnonzero(live) if i != main])
    order = np.lexsort((np.arange(n), -val, key, group))  # by group, then activity, then worth first
    g = group[order]
    rank = np.unique(val[order], return_inverse=True)[1].ravel().astype(np.int64)  # exact, as integers
    seg = np.concatenate([[0], np.cumsum(g[1:] != g[:-1])]).astype(np.int64)
    lifted = rank + seg * (int(rank.max()) + 1)  # later groups above every earlier one
    prior = np.empty(n, dtype=np.int64)
    prior[0] = -1
    prior[1:] = np.maximum.accumulate(lifted)[:-1]
    first = np.ones(n, dtype=bool)
    first[1:] = seg[1:] != seg[:-1]
    keep = np.zeros(n, dtype=bool)
    keep[order] = first | (lifted > prior)  # worth more than every set before it in its group
    return keep


def enumerate_near(model: CompiledModel, U: float, r: np.ndarray, p: np.ndarray, margin: float,
                   incumbent: np.ndarray | None = None, max_work: float = MAX_WORK, max_states: int = MAX_STATES,
                   stop: Callable[[], bool] | None = None,
                   extend: tuple[float, int, Callable[[], None]] | None = None) -> Enumerated | None:
    """The proven optimum by :func:`walk` with a growing loss budget, or None when the walks grow too large
    (or ``stop()`` turns true).

    ``U`` and ``r`` are the Lagrangian bound and reduced costs of
    :func:`._fixing.lagrangian` (``U`` includes ``model.offset``), ``p`` the
    LP-preferred values, ``margin`` the rounding allowance, ``incumbent`` a
    feasible portfolio (its value caps the budget: a better one loses less
    than ``U`` minus it).  ``extend = (work, states, hook)``: when the walks
    outgrow ``max_work`` or ``max_states``, ``hook()`` is called and they go on
    with these larger allowances (a solver started beside them by the hook
    ends them through ``stop``).
    """
    c = np.asarray(model.c, float)
    best = None if incumbent is None else np.asarray(incumbent, float)
    z = -math.inf if best is None else float(c @ best + model.offset)
    movable = np.sort(np.abs(r)[np.asarray(model.col_lo) < np.asarray(model.col_hi)])

    def budget_for(columns: int) -> float:  # the loss budget that lets about this many columns change
        return float(movable[min(columns, len(movable)) - 1]) if len(movable) else 0.0

    def top() -> float:  # a portfolio better than the best known loses less than this
        return U - z if len(movable) else min(U - z, 0.0)

    gap = min(max(budget_for(8), margin), top())
    walked = states = 0
    budget = float(max_work)
    base = model.A @ p  # the same for every walk

    def extended() -> bool:  # the larger allowances from now on, if there are any
        nonlocal budget, max_states, extend
        if extend is None or (stop is not None and stop()):
            return False
        more, max_states, hook = extend
        budget, extend = budget + max(0.0, float(more) - float(max_work)), None
        hook()
        return True

    while True:
        out = walk(model, r, p, gap + margin, max_states, budget, base, stop)
        if out is None:
            if extended():
                continue  # the same walk again, with room to finish
            return None
        x, walked, peak, work = out
        states, budget = max(states, peak), budget - work
        v = -math.inf if x is None else float(c @ x + model.offset)
        if v > z:
            best, z = x, v
        # every portfolio better than the best known was listed, or every portfolio at all (a walk within the
        # sum of the movable |r| changes any columns): none is better. Without the second, an infeasible
        # model (no best known, top() infinite) was walked again and again with a growing budget until the
        # work ran out: 1,741 walks and 1.3 s on 5 columns, past a 0.1 s limit, then "no solution"
        if gap >= top() or gap + margin >= float(movable.sum()):
            return None if best is None else Enumerated(best, walked, states, gap)
        # half as much budget again and a quarter more columns (each walk costs more than the last), or at
        # once the budget that decides (a better portfolio within it, or the best known is optimal)
        gap = min(max(1.5 * gap, budget_for(math.ceil(1.25 * max(walked, 8))), 1e-9 * (1.0 + abs(U))), top())
        if GROWTH * work > budget and not extended():  # the next walk would most likely run out of work
            return None


def _groups(act: np.ndarray, rows: list[int]) -> np.ndarray:
    """A label per set, equal exactly where the sets' activities on ``rows`` are all equal, and ordered as
    those activities are (lexicographically, the first row first).

    The same labels as ``np.unique(act[:, rows], axis=0, return_inverse=True)`` up to their numbering, row
    by row (one 1-D ``np.unique`` each, combined in mixed radix): 30-40x faster on 100,000 sets, where the
    2-D ``np.unique`` took most of a long walk (0.2 of 0.37 s on a 300-candidate portfolio with five
    resources).

    Examples
    --------
    >>> _groups(np.array([[1.0, 2.0], [0.0, 2.0], [1.0, 2.0], [1.0, 3.0]]), [0, 1]).tolist()
    [2, 0, 2, 3]
    """
    code = np.zeros(len(act), dtype=np.int64)
    radix = 1
    for i in reversed(rows):
        values, inverse = np.unique(act[:, i], return_inverse=True)
        if radix * len(values) >= 2**62:  # too many combinations for one integer: compare the rows whole
            return np.unique(act[:, rows], axis=0, return_inverse=True)[1].ravel()
        code += inverse.ravel().astype(np.int64) * radix
        radix *= len(values)
    return code
