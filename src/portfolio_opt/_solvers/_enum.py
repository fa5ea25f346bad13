"""Lagrangian enumeration: the proven optimum of a 0-1 model whose LP bound is close, without a MIP solver.

The Lagrangian bound of :mod:`._fixing` holds for every feasible ``x``::

    c.x <= U - loss(x),   loss(x) = sum_j |r_j| * [x_j != p_j]

so every portfolio worth at least ``U - g`` differs from the LP-preferred
values ``p`` only in columns with ``|r_j| <= g``, and by a set of them whose
``|r_j|`` sum to at most ``g``.  :func:`enumerate_near` lists those sets (a
breadth-first walk over the columns with ``|r_j| <= g``, largest first, that
drops a partial set as soon as its loss exceeds ``g`` or a row can no longer
be met by any choice of the columns still to come) and keeps the best feasible
portfolio.  If that portfolio is worth ``v >= U - g`` nothing better exists:
a better one would lose less than ``g`` and would have been listed.  ``g``
starts small and doubles until the proof holds, the incumbent is proven, or
the walk grows past :data:`MAX_STATES` (then the caller hands the model to a
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

import numpy as np

from ._base import CompiledModel

#: the walk gives up once this many partial sets are alive at one column
MAX_STATES = 20_000
#: ... or once the columns to walk exceed this (the sets are kept as 64-bit masks)
MAX_COLUMNS = 64
#: ... or once the walks of one model have handled this many (partial set, row) pairs in all
#: (a few milliseconds of numpy; walks that fail cost at most that before the MIP solver runs)
MAX_WORK = 300_000
_TOL = 1e-9  # row feasibility, as :func:`._fixing.feasible`


@dataclasses.dataclass
class Enumerated:
    """A proven optimal portfolio, and what it took: the columns and the loss budget of the last walk,
    the most partial sets alive at once, the work of all walks."""

    x: np.ndarray
    columns: int
    states: int
    gap: float
    work: float


def walk(model: CompiledModel, r: np.ndarray, p: np.ndarray, gap: float, max_states: int = MAX_STATES,
         max_work: float = MAX_WORK) -> tuple[np.ndarray | None, int, int, float] | None:
    """The best feasible portfolio with ``loss <= gap`` (None if there is none), the columns walked, the peak
    count of partial sets, and the work done (partial sets times rows, summed over the columns).

    None when the walk is too large (:data:`MAX_COLUMNS`, ``max_states``, ``max_work``).

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
    base = model.A @ p
    sub = model.A[:, free].tocsr()
    touched = np.flatnonzero(np.diff(sub.indptr) > 0)
    rest = np.ones(len(lo), dtype=bool)
    rest[touched] = False
    if np.any(base[rest] > hi[rest] + _TOL) or np.any(base[rest] < lo[rest] - _TOL):
        return None, k, 1, 0.0  # the LP-preferred values break a row that no walked column touches
    step = 1.0 - 2.0 * p[free]  # a change moves the column from p to 1 - p
    D = sub[touched].toarray() * step  # rows x columns: the activity change of each column
    lo_t, hi_t = lo[touched] - _TOL, hi[touched] + _TOL
    # what the columns from t on can still add at least / at most, per row
    low = np.zeros((len(touched), k + 1))
    high = np.zeros((len(touched), k + 1))
    low[:, :k] = np.cumsum(np.minimum(D, 0.0)[:, ::-1], axis=1)[:, ::-1]
    high[:, :k] = np.cumsum(np.maximum(D, 0.0)[:, ::-1], axis=1)[:, ::-1]
    act = base[touched][None, :]
    loss = np.zeros(1)
    sets = np.zeros(1, dtype=np.uint64)
    peak, work = 1, 0.0
    for t in range(k):
        keep = loss + size[free[t]] <= gap
        act = np.concatenate([act, act[keep] + D[:, t]])
        loss = np.concatenate([loss, loss[keep] + size[free[t]]])
        sets = np.concatenate([sets, sets[keep] | np.uint64(1 << t)])
        ok = np.all((act + low[:, t + 1] <= hi_t) & (act + high[:, t + 1] >= lo_t), axis=1)
        act, loss, sets = act[ok], loss[ok], sets[ok]
        peak = max(peak, len(loss))
        work += len(loss) * (len(touched) + 1)
        if len(loss) > max_states or work > max_work:
            return None
        if not len(loss):
            return None, k, peak, work
    gain = np.asarray(model.c, float)[free] * step
    value = np.zeros(len(sets))
    for t in range(k):
        value += ((sets >> np.uint64(t)) & np.uint64(1)).astype(float) * gain[t]
    best = int(np.argmax(value))  # the first of equal ones: the walk's order is fixed by the model
    x = p.astype(float).copy()
    on = np.array([(int(sets[best]) >> t) & 1 for t in range(k)], dtype=bool)
    x[free[on]] = 1.0 - x[free[on]]
    return x, k, peak, work


def enumerate_near(model: CompiledModel, U: float, r: np.ndarray, p: np.ndarray, margin: float,
                   incumbent: np.ndarray | None = None, max_states: int = MAX_STATES) -> Enumerated | None:
    """The proven optimum by :func:`walk` with a doubling loss budget, or None when the walks grow too large.

    ``U`` and ``r`` are the Lagrangian bound and reduced costs of
    :func:`._fixing.lagrangian` (``U`` includes ``model.offset``), ``p`` the
    LP-preferred values, ``margin`` the rounding allowance, ``incumbent`` a
    feasible portfolio (its value caps the budget: a better one loses less
    than ``U`` minus it).
    """
    c = np.asarray(model.c, float)
    z = -math.inf if incumbent is None else float(c @ incumbent + model.offset)
    top = U - z  # a portfolio better than the incumbent loses less than this
    movable = np.sort(np.abs(r)[np.asarray(model.col_lo) < np.asarray(model.col_hi)])
    if not len(movable):
        top = min(top, 0.0)

    def budget_for(columns: int) -> float:  # the loss budget that lets about this many columns change
        return float(movable[min(columns, len(movable)) - 1]) if len(movable) else 0.0

    gap = min(max(budget_for(8), margin), top)
    walked = states = 0
    budget = float(MAX_WORK)
    while True:
        out = walk(model, r, p, gap + margin, max_states, budget)
        if out is None:
            return None
        x, walked, peak, work = out
        states, budget = max(states, peak), budget - work
        v = -math.inf if x is None else float(c @ x + model.offset)
        if x is not None and U - v <= gap and v >= z:
            return Enumerated(x, walked, states, gap, MAX_WORK - budget)
        if gap >= top:  # every portfolio better than the incumbent was listed: none is
            if incumbent is not None and v <= z:
                return Enumerated(np.asarray(incumbent, float), walked, states, gap, MAX_WORK - budget)
            return Enumerated(x, walked, states, gap, MAX_WORK - budget) if x is not None else None
        # twice the budget, and at least half as many columns again: each walk costs more than the last
        gap = min(max(2.0 * gap, budget_for(math.ceil(1.5 * max(walked, 8))), 1e-9 * (1.0 + abs(U))), top)
