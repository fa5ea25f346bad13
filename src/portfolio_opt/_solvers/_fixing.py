"""Reduced-cost fixing: a large 0-1 model solved as a much smaller one, with the same proven optimum.

For any row multipliers ``y`` (signs clipped so that each term is bounded), the
Lagrangian bound holds for every feasible ``x`` of the maximisation
``max c.x, lo <= A x <= hi, x in {0,1}``::

    c.x <= U(y) - sum_j |r_j| * [x_j != p_j],   r = c - A'y,
    U(y) = sum_i max(y_i lo_i, y_i hi_i) + sum_j max(0, r_j),   p_j = 1 if r_j > 0 else 0.

So once a portfolio worth ``z`` is known, every column with ``|r_j| > U - z``
takes its value ``p_j`` in any portfolio worth more than ``z``: it can be fixed.
The multipliers come from the LP relaxation (HiGHS's interior point method,
:func:`._highs.lp_duals`); they need not be exact, the bound is computed here
from whatever they are.  On a single-budget portfolio the LP bound is within a
hair of the optimum and 99 % of the columns are fixed: 100,000 candidates went
from 16 s (CBC on the whole model) to 1.7 s (``benchmarks/README.md``).  This is
the reduced-cost fixing MIP solvers do inside their search, done once before it
on the whole model, and the "core" of knapsack algorithms (Balas and Zemel, 1980).

:func:`solve_fixed` runs at most two rounds: a *core* of the columns with the
smallest ``|r_j|`` (fixing the rest at ``p_j`` is then a heuristic: it finds a
portfolio, usually the optimum), and, unless the core's answer is already
proven optimal by the bound above, the exact round over every column with
``|r_j| <= U - z``.  Where the LP bound is weak (several budgets per period and
resources: the multi-limit models are hard precisely because of that) too few
columns are fixed, and the model is solved whole, as before, after an LP that
costs a few percent of the solve.

Before any round the same LP's multipliers go to the Lagrangian enumeration
(:mod:`._enum`), which lists the portfolios near the bound and often proves the
optimum outright (under :data:`ENUM_COLUMNS` columns only for HiGHS or the race; under
:data:`FIX_COLUMNS` columns with :data:`FAR_WORK` work only, unless a greedy
portfolio is within :data:`ENUM_GAP` of the bound);
each round's restricted model is tried the same way, after an LP of its own,
before the backend gets it.  A model of under :data:`FIX_COLUMNS` columns that
the walk does not prove is solved whole (:func:`walks_small`), by a race that
may have started beside the walk (``_solvers._Beside``).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable

import numpy as np

from ..errors import SolverError
from ._base import CompiledModel, RawSolution, SolverOptions, Status, objective_tolerance, rounding_tolerance
from ._core import CoreStart

#: models with fewer columns are solved whole: the LP and the rounds cost more than they save
#: (100 single-budget candidates: CBC 0.03 s whole, 0.05 s fixed; 1,000: 0.27 s whole, 0.18 s fixed)
FIX_COLUMNS = 1_000
#: from this many columns a 0-1 model is first tried by Lagrangian enumeration (``_enum``) after its LP,
#: whatever the backend ...
ENUM_COLUMNS = 40
#: ... and from this many when the backend is HiGHS or the race of HiGHS and CBC (``highs_backend``: the
#: proof's answer names HiGHS, the LP's solver; a request that names CBC gets CBC's own answer, see
#: ``_backend_answer``, and a small one is solved by CBC whole). HiGHS
#: took 9-145 ms on small models that the enumeration proved in 3-17 ms (see FAR_WORK)
ENUM_HIGHS_COLUMNS = 1
#: ... with the full work allowance of ``_enum.MAX_WORK`` when a greedy portfolio is within this share of
#: the LP bound or the model has FIX_COLUMNS columns or more (tried: successes within 0.26 %, failures from
#: 0.33 %, and up to 42 % on 12-period models) ...
ENUM_GAP = 0.005
#: ... else with this much (HiGHS took 9-145 ms on what 60,000 proved in 3-20 ms: mknap1-1 to -5,
#: generated single-period portfolios of 15-60 candidates with and without resources, their greedy
#: portfolios 1-32 % from the bound; 300,000 proved 4 more of 42 single-period models of 6-1,000
#: columns, in 30-50 ms where CBC took 55-100 ms)
FAR_WORK = 300_000
#: a walk that outgrows its allowance beside the race (:class:`Beside`) goes on with this much work and this
#: many partial sets alive at once, until the race answers: 200-500 candidates with five resources and
#: mknap1-6, whose walks gave up at ``_enum.MAX_STATES``, were proven in 0.15-0.4 s (CBC: 0.13-0.66 s); the
#: rest gave up in 0.2-0.25 s
BESIDE_WORK = 10_000_000
BESIDE_STATES = 100_000
#: ... on models of at least this many columns: on smaller ones CBC takes 0.03-0.15 s, and a walk beside it
#: slowed it more than it won (mknap1-7, 50 columns: 62 -> 93 ms, the walk holding the interpreter while
#: CBC's thread writes and reads its files)
BESIDE_COLUMNS = 100
#: under FIX_COLUMNS columns, a model is tried (LP, greedy, enumeration) only if it has at most this many
#: knapsack rows (budgets per period, capacities: the sample portfolio's 12 periods with resources have
#: 69; its LP bound was 4.7-18 % from a greedy portfolio, where the LP and the greedy cost 3-6 % of a
#: solve in a batch)
ENUM_KNAPSACK_ROWS = 12
#: a 0-1 model of at most this many columns is first walked without an LP (:func:`_walked_without_lp`):
#: on mknap1-1 to -4 (6-20 columns, 10 rows) select's solve took 1.4-3.3 ms, against 3.5-4.6 ms for the
#: LP (1.3 ms of it), the greedy and the walk (``benchmarks/README.md``); mknap1-5 (28 columns) took 10 ms
TINY_COLUMNS = 24
#: ... and gives up (the LP's path follows) after this much work (partial sets times rows, as ``_enum.MAX_WORK``)
TINY_WORK = 30_000
#: the exact round is run only when it frees at most this share of the columns
MAX_FREE_SHARE = 0.5
#: the core round's size: this share of the columns, at least CORE_MIN
CORE_SHARE = 0.005
CORE_MIN = 200
#: the LP may take this share of a time limit (at least LP_MIN_SECONDS: 0.9-1.2 s at 100,000 candidates),
#: else the model is solved whole:
#: where fixing fails (1,000-10,000 candidates over 12 periods: the LP bound fixed under 10 % of the
#: columns) the LP is lost time, 2.3-2.6 s at 10,000 candidates x 12 periods
LP_SHARE = 0.05
LP_MIN_SECONDS = 2.0
#: the greedy repairs the rows its rounding of the LP breaks in at most this many rounds
ROUNDING_ROUNDS = 20
#: the greedy considers at most this many columns to add (by reduced cost) ...
GREEDY_CANDIDATES = 1_000
#: ... this many at a time, those that no longer fit dropped in bulk
GREEDY_BLOCK = 256
#: the greedy adds a column of at most this many nonzeros with plain float arithmetic, one row at a time
#: (the same sums and comparisons as numpy's, in ~2 us against ~27 us for numpy's calls on a few rows:
#: 100,000 single-budget candidates under a 0.5 s limit, 44,964 additions tried: 1.2 s -> 0.18 s; the tests
#: check that both paths add the same columns)
SCALAR_ADD_NNZ = 16
#: the greedy adds a project with its prerequisites up to this many deep, one by one; where that fails ...
PREREQUISITE_DEPTH = 3
#: ... it tries the project and its prerequisites as one set of at most this many columns: projects that
#: require each other (A requires B and B requires A, a package) went in only if the LP rounded both to 1
TOGETHER_COLUMNS = 8
#: a model the backend left without a portfolio at its time limit gets a greedy one (``_solvers._kept_greedy``),
#: bounded, without the LP's bound, by at most this many subgradient steps (:func:`subgradient_bound`) ...
FALLBACK_STEPS = 200
#: ... within this many seconds; beside a backend (``_solvers._GreedyBeside``), at most this many steps until the limit
FALLBACK_SECONDS = 0.5
BESIDE_STEPS = 5_000
_TOL = 1e-9  # row feasibility, as the solvers' own (1e-9 absolute on integral data)


@dataclasses.dataclass(frozen=True)
class Beside:
    """The race started beside the walk of a small model (``_solvers._Beside``): ``start()`` starts it now
    (the walk outgrew its allowance and goes on with :data:`BESIDE_WORK`), ``answered()`` says it has answered
    (the walk then ends)."""

    start: Callable[[], None]
    answered: Callable[[], bool]


@dataclasses.dataclass
class Outcome:
    """What :func:`solve_fixed` did: its answer (None: solve the model whole) and what it learnt."""

    raw: RawSolution | None
    seconds: float
    note: str = ""
    incumbent: np.ndarray | None = None  # a feasible portfolio, for the whole-model solve's warm start
    bound: float | None = None  # the LP bound, valid for the whole model
    core: CoreStart | None = None  # where a core search may start (``_core``), for a model solved whole


def eligible(model: CompiledModel, columns: int | None = None) -> bool:
    """0-1 models of at least ``columns`` columns (default :data:`FIX_COLUMNS`)."""
    if model.n_cols < (FIX_COLUMNS if columns is None else columns) or not np.all(
            np.asarray(model.integrality) == 1):
        return False
    lo, hi = np.asarray(model.col_lo), np.asarray(model.col_hi)
    return bool(np.all((lo == 0) | (lo == 1)) and np.all((hi == 0) | (hi == 1)) and np.all(lo <= hi))


def _enum_from(highs_backend: bool) -> int:
    """The fewest columns a model needs to be walked (:data:`ENUM_COLUMNS`, :data:`ENUM_HIGHS_COLUMNS`)."""
    return max(1, min(ENUM_COLUMNS, ENUM_HIGHS_COLUMNS) if highs_backend else ENUM_COLUMNS)


def walks_small(model: CompiledModel, highs_backend: bool = True) -> bool:
    """Whether :func:`solve_fixed` walks this model of under :data:`FIX_COLUMNS` columns after its LP.

    Such a model, when the walk gives up, is handed back to be solved whole
    (``Outcome.raw`` None, no incumbent): the race may as well start beside
    the walk (``_solvers.solve``).  True for 0-1 models of at least
    :func:`_enum_from` columns with at most :data:`ENUM_KNAPSACK_ROWS` knapsack rows.
    """
    if not (_enum_from(highs_backend) <= model.n_cols < FIX_COLUMNS) or not eligible(model, 0):
        return False
    from . import _knapsack_rows

    return _knapsack_rows(model) <= ENUM_KNAPSACK_ROWS


def lagrangian(model: CompiledModel, y: np.ndarray) -> tuple[float, np.ndarray, float]:
    """``(U, r, scale)``: the bound U(y), the reduced costs, and the size of U's terms (for rounding).

    Examples
    --------
    Two items of weight 1 and 2 worth 3 and 4, capacity 2: the optimum is 4.

    >>> import scipy.sparse as sp
    >>> m = CompiledModel(c=np.array([3.0, 4.0]), A=sp.csr_matrix([[1.0, 2.0]]), row_lo=np.array([-np.inf]),
    ...                   row_hi=np.array([2.0]), col_lo=np.zeros(2), col_hi=np.ones(2),
    ...                   integrality=np.ones(2, dtype=np.int32))
    >>> U, r, _ = lagrangian(m, np.array([2.0]))  # the LP's dual: U = 2*2 + max(0, 3-2) + max(0, 4-4)
    >>> U, r.tolist()
    (5.0, [1.0, 0.0])
    """
    lo, hi = np.asarray(model.row_lo, float), np.asarray(model.row_hi, float)
    y = np.where(np.isfinite(y), y, 0.0)
    y = np.where((y > 0) & ~np.isfinite(hi), 0.0, y)
    y = np.where((y < 0) & ~np.isfinite(lo), 0.0, y)
    row = np.where(y > 0, y * np.where(np.isfinite(hi), hi, 0.0), y * np.where(np.isfinite(lo), lo, 0.0))
    r = np.asarray(model.c, float) - model.A.T @ y
    col = np.maximum(r * model.col_lo, r * model.col_hi)
    U = float(row.sum() + col.sum() + model.offset)
    return U, r, float(np.abs(row).sum() + np.abs(col).sum())


def feasible(model: CompiledModel, x: np.ndarray) -> bool:
    """Whether ``x`` keeps its bounds, integrality and every row (to :data:`_TOL`)."""
    if x.shape != (model.n_cols,) or np.any(x < model.col_lo - _TOL) or np.any(x > model.col_hi + _TOL):
        return False
    if np.any(np.abs(x - np.round(x)) > _TOL):
        return False
    act = model.A @ x
    return bool(np.all(act <= model.row_hi + _TOL) and np.all(act >= model.row_lo - _TOL))


def greedy(model: CompiledModel, x_lp: np.ndarray, r: np.ndarray, candidates: int = GREEDY_CANDIDATES
           ) -> np.ndarray | None:
    """A feasible 0-1 portfolio near the LP optimum, or None.

    The LP's columns at 1 are kept; rows then short of their lower limit are
    filled with their columns of largest LP value (with the columns their
    requirement rows need, where those alone fall short); then columns are added by
    LP value and reduced cost (of the ``candidates`` of largest reduced cost)
    while every row they touch stays within its limits.  Where that ends in no
    portfolio, a second pass fills the short rows fewest columns first (each by
    LP value, then reduced cost), and a third even where another row then falls
    below its lower limit, which the columns added after may only raise: on
    random small requests with a feasible portfolio the first pass alone found
    none in 16 of 114, the three in 7 of 114 (a mandatory 'grow' project with a
    minimum share of 'run', or with a minimum cost of 'grow' filled first by a
    project the mandatory one excludes).
    """
    A, R = model.A.tocsc(), model.A.tocsr()  # by column (to add one), by row (to repair one)
    if not A.has_canonical_format:  # one entry per row and column, as add() assumes (a copy: the model is kept)
        A = A.copy()
        A.sum_duplicates()
    lo, hi = np.asarray(model.row_lo, float), np.asarray(model.row_hi, float)
    ptr, lo_of, hi_of = A.indptr.tolist(), lo.tolist(), hi.tolist()
    # an LP far from integral (an interior point, many start options each in part) leaves most of the portfolio
    # to the columns added: each fractional column stays a candidate (100,000 candidates over 12 periods with 5
    # resources, 52,910 fractional columns: 11.5M with 1,000 candidates, 31.87M with all, LP bound 32.11M)
    candidates = max(candidates, 2 * int(np.count_nonzero((x_lp > 1e-6) & (x_lp < 1 - 1e-6))))
    x = np.clip(np.where(x_lp >= 1 - 1e-6, 1.0, 0.0), model.col_lo, model.col_hi)
    act = model.A @ x
    # rounding broke a row with negative coefficients (a requirement): drop its columns, least LP value first,
    # or, where one cannot be dropped (mandatory), lift it with its prerequisite, largest LP value first; a
    # drop may break another requirement (of a project that requires the one dropped): rounds until none is
    # broken (100,000 candidates over 12 periods: 95 broken rows, and more after the first round)
    for _ in range(ROUNDING_ROUNDS):
        broken = np.flatnonzero(act > hi + _TOL)
        if not len(broken):
            break
        for i in broken:
            s, e = R.indptr[i], R.indptr[i + 1]
            drops = R.indices[s:e][R.data[s:e] > 0]
            drops = drops[x[drops] > model.col_lo[drops]]
            lifts = R.indices[s:e][R.data[s:e] < 0]
            lifts = lifts[x[lifts] < model.col_hi[lifts]]
            # the lifts only where the drops leave the row broken (it is checked before each move)
            for j, value in [*((j, 0.0) for j in drops[np.argsort(x_lp[drops], kind="stable")]),
                             *((j, 1.0) for j in lifts[np.argsort(-x_lp[lifts], kind="stable")])]:
                if act[i] <= hi[i] + _TOL:
                    break
                x[j] = value
                act[A.indices[A.indptr[j]:A.indptr[j + 1]]] += (2 * value - 1) * A.data[A.indptr[j]:A.indptr[j + 1]]
    if np.any(act > hi + _TOL):
        return None

    # rows whose coefficients are all >= 0 only lose room as columns are added: a column that breaks one of
    # them now never fits later, and is dropped in bulk, a block at a time, before add() looks at it
    # (the same portfolio; 100,000 candidates with 5 resources: 2 s of add() calls, most of them misfits)
    liftable = np.zeros(R.shape[0], dtype=bool)  # rows with a negative entry (a requirement: lifts exist)
    liftable[np.repeat(np.arange(R.shape[0]), np.diff(R.indptr))[R.data < 0]] = True
    room_rows = np.flatnonzero(np.isfinite(hi) & ~liftable)
    # the columns a prerequisite can make fit: those with a positive entry in a row that has a negative one;
    # for the others add_with_prerequisites has nothing to add (a budget or capacity is broken)
    needs = np.zeros(A.shape[1], dtype=bool)
    needs[np.repeat(np.arange(A.shape[1]), np.diff(A.indptr))[liftable[A.indices] & (A.data > 0)]] = True

    def attempt(x: np.ndarray, act: np.ndarray, narrow_first: bool, falls: bool) -> np.ndarray | None:
        """One pass from ``x``.  ``narrow_first``: the short rows are filled fewest columns first (a mandatory
        project's row before a category's minimum, which could otherwise take a project it excludes), each
        with its columns by LP value and then reduced cost; ``falls``: even where that takes another row below
        its own lower limit (a minimum share of one category, by the mandatory project of another), which the
        columns added after may then only bring back up."""
        act_of = act.tolist()  # act as Python floats, kept equal to it (add's scalar path reads these)

        def add(j: int, fall: bool = False) -> bool:
            s, e = ptr[j], ptr[j + 1]
            if e - s <= SCALAR_ADD_NNZ:  # the same test, in Python floats (numpy's calls cost more on few rows)
                pairs = list(zip(A.indices[s:e].tolist(), A.data[s:e].tolist()))
                for i, v in pairs:
                    new = act_of[i] + v
                    if not new <= hi_of[i] + _TOL or not (fall or v > 0 or new >= lo_of[i] - _TOL):
                        return False
                for i, v in pairs:
                    act_of[i] += v
                    act[i] = act_of[i]
                x[j] = 1.0
                return True
            rows, vals = A.indices[s:e], A.data[s:e]
            new = act[rows] + vals
            # a row may rise while under its upper limit, fall while over its lower one (or, with ``fall``, below)
            if np.all(new <= hi[rows] + _TOL) and (fall or np.all((new >= lo[rows] - _TOL) | (vals > 0))):
                act[rows] = new
                for i, a in zip(rows.tolist(), new.tolist()):
                    act_of[i] = a
                x[j] = 1.0
                return True
            return False

        def add_with_prerequisites(j: int, depth: int = PREREQUISITE_DEPTH) -> bool:
            """``add(j)``, first adding for each row it would break one of the columns that lift it (a mandatory
            project's prerequisite: ``y_i - y_k <= 0``), up to ``depth`` prerequisites deep."""
            if add(j, falls) or depth == 0 or x[j] >= model.col_hi[j]:
                return bool(x[j] >= model.col_hi[j])
            if not needs[j]:
                return False  # what it breaks no prerequisite lifts
            s, e = A.indptr[j], A.indptr[j + 1]
            for i in A.indices[s:e][act[A.indices[s:e]] + A.data[s:e] > hi[A.indices[s:e]] + _TOL]:
                lifts = lifts_of(i)
                if not len(lifts):
                    return False  # a row no prerequisite lifts (a budget, a capacity)
                if not any(add_with_prerequisites(int(k), depth - 1) for k in lifts):
                    # prerequisites that need each other (A requires B, B requires A): one by one none goes in
                    return depth == PREREQUISITE_DEPTH and add_together(j)
            return add(j, falls)

        def lifts_of(i: int) -> np.ndarray:
            """The columns not yet at 1 that lift row ``i`` (a prerequisite's), largest LP value first."""
            lifts = R.indices[R.indptr[i]:R.indptr[i + 1]][R.data[R.indptr[i]:R.indptr[i + 1]] < 0]
            lifts = lifts[x[lifts] < model.col_hi[lifts]]
            return lifts[np.argsort(-x_lp[lifts], kind="stable")]

        def add_together(j: int) -> bool:
            """``j`` with its prerequisites, all at once: each row the set would break gets the first of the
            columns that lift it, until none is broken (at most :data:`TOGETHER_COLUMNS` columns); the set
            goes in only if every row then keeps its limits (a row may fall only as :func:`add` lets it)."""
            chosen, delta = [j], {}

            def take(k: int) -> None:
                for i, v in zip(A.indices[ptr[k]:ptr[k + 1]].tolist(), A.data[ptr[k]:ptr[k + 1]].tolist()):
                    delta[i] = delta.get(i, 0.0) + v

            take(j)
            while True:
                i = next((i for i, d in delta.items() if not act_of[i] + d <= hi_of[i] + _TOL), None)
                if i is None:
                    break
                k = next((int(k) for k in lifts_of(i) if int(k) not in chosen), None)
                if k is None or len(chosen) >= TOGETHER_COLUMNS:
                    return False
                chosen.append(k)
                take(k)
            if not falls and any(d < 0 and act_of[i] + d < lo_of[i] - _TOL for i, d in delta.items()):
                return False
            for i, d in delta.items():
                act_of[i] += d
                act[i] = act_of[i]
            x[chosen] = 1.0
            return True

        short = np.flatnonzero(act < lo - _TOL)
        if narrow_first:
            short = short[np.argsort(np.diff(R.indptr)[short], kind="stable")]
        for i in short:  # short of a lower limit: fill with its columns
            s, e = R.indptr[i], R.indptr[i + 1]
            cols = R.indices[s:e][R.data[s:e] > 0]
            cols = cols[x[cols] < model.col_hi[cols]]
            cols = cols[np.lexsort((-r[cols], -x_lp[cols]))] if narrow_first else cols[np.argsort(-x_lp[cols],
                                                                                                   kind="stable")]
            for with_prerequisites in (False, True):  # those only where the columns alone fall short
                for j in cols:
                    if act[i] >= lo[i] - _TOL:
                        break
                    add_with_prerequisites(int(j)) if with_prerequisites else add(int(j), falls)
        cand = np.flatnonzero((x < model.col_hi) & (np.asarray(model.c) > 0))
        if len(cand) > candidates:
            cand = cand[np.argpartition(-r[cand], candidates)[:candidates]]
        order = cand[np.lexsort((-r[cand], -x_lp[cand]))]
        M = A[room_rows].tocsc() if len(order) > GREEDY_BLOCK else None
        for b in range(0, len(order), GREEDY_BLOCK):
            block = order[b:b + GREEDY_BLOCK]
            if M is not None:
                sub = M[:, block]
                too_big = np.r_[0, np.cumsum(sub.data > (hi[room_rows] - act[room_rows])[sub.indices] + _TOL)]
                block = block[too_big[sub.indptr[1:]] == too_big[sub.indptr[:-1]]]  # no row it breaks
            for j in block:  # a project whose prerequisite is not chosen yet comes with it (3 deep at most)
                if not add(int(j)):
                    add_with_prerequisites(int(j))
        return x if feasible(model, x) else None

    for narrow_first, falls in ((False, False), (True, False), (True, True)):  # the next where one finds none
        found = attempt(x.copy(), act.copy(), narrow_first, falls)
        if found is not None:
            return found
    return None


def subgradient_bound(model: CompiledModel, target: float, steps: int = FALLBACK_STEPS,
                      seconds: float = FALLBACK_SECONDS) -> tuple[float, np.ndarray]:
    """``(U, r)`` of a 0-1 model without its LP: the least Lagrangian bound met in a few subgradient steps,
    with each project's choice row kept (:class:`_ChoiceGroups`), and its reduced costs (an order for
    :func:`greedy`).

    Polyak's step towards ``target`` (a portfolio's worth), along the subgradient
    deflected by 0.7 of the previous direction (halving the step after 10 steps
    without a better bound), on rows scaled to a largest coefficient of 1; at
    most ``steps`` steps within ``seconds``.  With every row relaxed, 200 steps
    came within 1.8 % of the LP bound on 10,000 candidates over 12 periods with 5
    resources and 8.6 % on 100,000 (1,000 steps: 5.9 %); with the choice rows
    kept, 0.14 % at 10,000 (a 1 s limit) and 0.8 % at 100,000 after 200 steps
    (3.8 s), the greedy on their reduced costs 1.2 % and 1.5 % below the optimum.

    Examples
    --------
    Two items of weight 1 and 2 worth 3 and 4, capacity 2: every multiplier gives a bound of at least 4,
    and the descent starts from the sum of the values, 7.

    >>> import scipy.sparse as sp
    >>> m = CompiledModel(c=np.array([3.0, 4.0]), A=sp.csr_matrix([[1.0, 2.0]]), row_lo=np.array([-np.inf]),
    ...                   row_hi=np.array([2.0]), col_lo=np.zeros(2), col_hi=np.ones(2),
    ...                   integrality=np.ones(2, dtype=np.int32))
    >>> U, r = subgradient_bound(m, 4.0)
    >>> 4.0 <= U < 7.0
    True
    """
    import scipy.sparse as sp

    t0 = time.monotonic()
    A = model.A.tocsr()
    big = abs(A).max(axis=1).toarray().ravel()
    k = np.where(big > 0, 1.0 / np.where(big > 0, big, 1.0), 1.0)
    scaled = dataclasses.replace(model, A=(sp.diags(k) @ A).tocsr(), row_lo=model.row_lo * k,
                                 row_hi=model.row_hi * k)
    lo, hi = scaled.row_lo, scaled.row_hi
    groups = _ChoiceGroups(scaled)
    y, d = np.zeros(A.shape[0]), np.zeros(A.shape[0])
    best, best_r, step, stalled = math.inf, np.asarray(model.c, float), 2.0, 0
    for _ in range(steps):
        U, r, x = groups.bound(y)
        if U < best:
            best, best_r, stalled = U, r, 0
        else:
            stalled += 1
            if stalled >= 10:
                step, stalled = step / 2, 0
        if time.monotonic() - t0 > seconds or best - target <= 1e-9 * max(1.0, abs(target)):
            break
        a = scaled.A @ x
        side = np.where(y > 0, hi, np.where(y < 0, lo, np.where(a > hi, hi, np.where(a < lo, lo, a))))
        d = np.where(np.isfinite(side) & ~groups.kept, side - a, 0.0) + 0.7 * d
        norm = float(d @ d)
        if norm == 0:
            break
        y = y - step * (U - target) / norm * d
        y = np.where((y > 0) & ~np.isfinite(hi) | (y < 0) & ~np.isfinite(lo), 0.0, y)
    return float(best), best_r


class _ChoiceGroups:
    """The Lagrangian bound of a 0-1 model with its choice rows kept: rows ``x_a + x_b + ... <= 1`` (a project's
    start options; ``= 1`` for a mandatory one) over free columns that no other such row holds.

    Relaxing only the other rows (budgets, capacities, requirements), the best
    ``x`` for multipliers ``y`` takes, in each group, its column of largest
    reduced cost where that is positive (or where the row must hold one), and
    every other column where its reduced cost is positive; the bound is that
    ``x``'s Lagrangian value, which no portfolio exceeds.  With the choice rows
    relaxed as well, 100,000 multipliers of 100,000 candidates over 12 periods
    had to be found by the descent, and 1,000 steps ended 5.9 % above the LP
    bound.

    Examples
    --------
    Two start options of one project (worth 5 and 4), a second project worth 3; a budget of 1 each uses:
    with the budget's multiplier 0 the bound takes the better option and the other project, 8 (not 12).

    >>> import scipy.sparse as sp
    >>> m = CompiledModel(c=np.array([5.0, 4.0, 3.0]), A=sp.csr_matrix([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0]]),
    ...                   row_lo=np.array([-np.inf, -np.inf]), row_hi=np.array([1.0, 2.0]), col_lo=np.zeros(3),
    ...                   col_hi=np.ones(3), integrality=np.ones(3, dtype=np.int32))
    >>> U, r, x = _ChoiceGroups(m).bound(np.zeros(2))
    >>> U, x.tolist()
    (8.0, [1.0, 0.0, 1.0])
    """

    def __init__(self, model: CompiledModel) -> None:
        self.model = model
        R = model.A.tocsr()
        lo, hi = np.asarray(model.row_lo, float), np.asarray(model.row_hi, float)
        free = (np.asarray(model.col_lo) == 0) & (np.asarray(model.col_hi) == 1)
        m_rows = R.shape[0]
        nnz = np.diff(R.indptr)
        row_of = np.repeat(np.arange(m_rows), nnz)
        plain = (R.data == 1.0) & free[R.indices]
        cand = (np.bincount(row_of[~plain], minlength=m_rows) == 0) & (nnz >= 2) & (hi == 1.0) & (lo <= 1.0)
        # disjoint rows only: a column held by two such rows (an exclusion over several start options beside
        # their choice rows) leaves both rows to the multipliers
        held = np.bincount(R.indices[cand[row_of]], minlength=model.n_cols)
        self.kept = cand & (np.bincount(row_of[held[R.indices] > 1], minlength=m_rows) == 0)
        kept = np.flatnonzero(self.kept)
        group = np.full(model.n_cols, -1, dtype=np.int64)
        entries = self.kept[row_of]
        group[R.indices[entries]] = np.searchsorted(kept, row_of[entries])
        self.must = lo[kept] > 0  # a mandatory project's row: one option
        self.order = np.flatnonzero(group >= 0)
        self.order = self.order[np.argsort(group[self.order], kind="stable")]  # the group's columns together
        self.group_of = group[self.order]
        self.starts = np.flatnonzero(np.r_[True, self.group_of[1:] != self.group_of[:-1]]) if len(self.order) else \
            np.zeros(0, dtype=np.int64)

    def bound(self, y: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """``(U, r, x)`` for multipliers ``y`` of the other rows (those of the kept rows are taken as 0)."""
        y = np.where(self.kept, 0.0, y)
        U, r, _ = lagrangian(self.model, y)
        m = self.model
        x = np.where(r > 0, m.col_hi, m.col_lo).astype(float)
        if not len(self.order):
            return U, r, x
        # lagrangian() counted every grouped column with a positive r: count one per group instead
        rg = r[self.order]
        U -= float(np.maximum(rg, 0.0).sum())
        top = np.maximum.reduceat(rg, self.starts)
        take = self.must | (top > 0)
        U += float(top[take].sum())
        first = np.flatnonzero(rg == np.repeat(top, np.diff(np.r_[self.starts, len(rg)])))
        first = first[np.r_[True, self.group_of[first[1:]] != self.group_of[first[:-1]]]]  # one per group
        x[self.order] = 0.0
        x[self.order[first[take]]] = 1.0
        return U, r, x


def restrict(model: CompiledModel, free: np.ndarray, value: np.ndarray) -> CompiledModel | None:
    """The model over the ``free`` columns, the others fixed at ``value``; None if that breaks a row outright."""
    fixed = ~free
    act = model.A[:, np.flatnonzero(fixed)] @ value[fixed]
    A = model.A[:, np.flatnonzero(free)].tocsr()
    lo, hi = model.row_lo - act, model.row_hi - act
    empty = np.diff(A.indptr) == 0
    if np.any(empty & ((lo > _TOL) | (hi < -_TOL))):
        return None
    keep = np.flatnonzero(~empty)
    return dataclasses.replace(
        model, c=model.c[free], A=A[keep], row_lo=lo[keep], row_hi=hi[keep], col_lo=model.col_lo[free],
        col_hi=model.col_hi[free], integrality=model.integrality[free],
        offset=float(model.offset + model.c[fixed] @ value[fixed]))


def solve_fixed(model: CompiledModel, options: SolverOptions,
                run: Callable[[CompiledModel, SolverOptions], RawSolution], highs_backend: bool = True,
                beside: Beside | None = None) -> Outcome:
    """Solve ``model`` through reduced-cost fixing (see the module docstring), or say why not.

    ``run(model, options)`` solves a restricted model with the caller's backend;
    ``highs_backend`` says whether that is HiGHS or the race (:data:`ENUM_HIGHS_COLUMNS`).
    ``beside``, for a model of under :data:`FIX_COLUMNS` columns: the race on the
    whole model, started beside the walk; a walk (of :data:`BESIDE_COLUMNS` columns or
    more) that outgrows its allowance starts it and goes on with :data:`BESIDE_WORK`
    and :data:`BESIDE_STATES` until it answers.
    Returns an :class:`Outcome` whose ``raw`` is None when the model is better
    solved whole (not 0-1, too small, no optimal LP, no portfolio to fix from,
    or too few columns fixed).
    """
    t0 = time.monotonic()

    def spent() -> float:
        return time.monotonic() - t0

    def left() -> float | None:
        return None if options.time_limit is None else max(0.0, float(options.time_limit) - spent())

    enum_from = _enum_from(highs_backend)
    own = options.own_answer and not highs_backend  # a named CBC (or other) solver gives the answer itself
    if not (walks_small(model, highs_backend) if model.n_cols < FIX_COLUMNS else eligible(model)):
        return Outcome(None, 0.0)  # solved whole, as such models always were
    if enum_from <= model.n_cols <= TINY_COLUMNS:
        tiny = _walked_without_lp(model, options, t0)
        if tiny is not None:
            return Outcome(tiny, spent(), tiny.message)
    from ._highs import lp_duals

    cap = None if options.time_limit is None else min(float(options.time_limit),
                                                      max(LP_MIN_SECONDS, LP_SHARE * float(options.time_limit)))
    lp_t0 = time.monotonic()
    try:
        lp = lp_duals(model, dataclasses.replace(options, time_limit=cap))
    except SolverError as exc:  # no HiGHS here, or it failed on the LP: the backend gets the whole model
        return Outcome(None, spent(), f"no LP relaxation ({exc})")
    if lp is None:
        return Outcome(None, spent(), "no optimal LP relaxation" + (f" within {cap:g} s" if cap else ""))
    lp_seconds = time.monotonic() - lp_t0
    x_lp, y = lp
    U, r, value, margin = _bound_terms(model, y)
    size = np.abs(r)
    n = model.n_cols
    warm = _feasible_start(model, options)

    def incumbent() -> np.ndarray | None:
        g = greedy(model, x_lp, r)
        return warm if warm is not None and (g is None or model.c @ warm > model.c @ g) else g

    # a small model's enumeration gets its full work allowance only if a greedy portfolio is near the LP
    # bound (the greedy costs ~1 ms there; a failed enumeration 10 ms to 0.15 s, as much as some solves),
    # else FAR_WORK; a large model's is tried at once (the greedy costs 10-20 ms there, and the enumeration
    # mostly succeeds without it)
    best = incumbent() if n < FIX_COLUMNS else warm
    near = best is not None and U - float(model.c @ best + model.offset) <= ENUM_GAP * max(1.0, abs(U))
    if n >= FIX_COLUMNS:
        beside = None
    if n >= enum_from:
        done = _enumerated(model, U, r, value, margin, best, t0, None if n >= FIX_COLUMNS or near else FAR_WORK,
                           beside)
        if done is not None and own:
            done = _backend_answer(model, done, U, size, margin, run, options, t0, left())
            if done is None:  # the backend found better than the proof allows: distrust it, solve whole
                return Outcome(None, spent(), "the named backend beat the Lagrangian enumeration's proof",
                               bound=U)
        if done is not None:
            return Outcome(done, spent(), done.message)
    if n >= FIX_COLUMNS:
        best = incumbent()
    if best is None:
        return Outcome(None, spent(), "no portfolio near the LP optimum to fix from", bound=U)
    if n < FIX_COLUMNS:
        if beside is not None and beside.answered():
            why = "the race beside the Lagrangian enumeration answered first"
        else:
            why = "the Lagrangian enumeration grew too large"
            if not near and beside is None:
                why += " (a greedy portfolio is far from the LP bound)"
        return Outcome(None, spent(), why, bound=U)  # no warm start: as these models were always solved
    z = float(model.c @ best + model.offset)

    def whole(why: str) -> Outcome:  # solved whole after all, from the best portfolio so far (a core search may follow)
        core = CoreStart(U, r, value, margin, best, lp_seconds, x_lp) if feasible(model, best) else None
        return Outcome(None, spent(), why, incumbent=best, bound=U, core=core)

    def exact_free(obj: float) -> np.ndarray:
        return size <= U - obj + margin

    free = exact_free(z)
    if free.sum() > MAX_FREE_SHARE * n:
        return whole(f"the LP bound fixes {n - int(free.sum()):,} of {n:,} columns only")
    k = max(CORE_MIN, math.ceil(CORE_SHARE * n))
    rounds = []
    if free.sum() > k:  # the core first: its portfolio is usually the optimum, and proves it
        cut = np.partition(size, k - 1)[k - 1]
        rounds.append(("core", size <= cut))
    rounds.append(("exact", None))
    raw: RawSolution | None = None
    status, bound, mask = Status.FEASIBLE, max(U, z), np.ones(n, dtype=bool)
    messages = []
    for name, core in rounds:
        mask = core if core is not None else exact_free(z)
        if core is None and mask.sum() > MAX_FREE_SHARE * n:
            return whole(f"after the core, the LP bound fixes {n - int(mask.sum()):,} of {n:,} columns only")
        sub = restrict(model, mask, value)
        if sub is None:  # only a core can (the incumbent keeps the exact round's fixings)
            messages.append(f"{name} round: its fixings break a row")
            continue
        t = left()
        if t is not None and t <= 0.01:
            break
        agrees = bool(np.all(best[~mask] == value[~mask]))
        sub_options = dataclasses.replace(options, time_limit=t, warm_start=best[mask] if agrees else None)
        raw = (None if own else _enumerate_sub(sub, sub_options)) or run(sub, sub_options)
        messages.append(f"{name} round: {int(mask.sum()):,} free columns, {raw.solver} {raw.status.value}")
        if raw.x is not None:
            x = value.copy()
            x[mask] = raw.x
            obj = float(model.c @ x + model.offset)
            if not feasible(model, x):
                if obj > z + objective_tolerance(model, options, z):  # the optimum may be that one: distrust
                    return whole(f"the {name} round's portfolio breaks a row of the whole model")
            elif obj > z:
                best, z = x, obj
        # a portfolio that breaks a fixing is worth at most U - |r_j| of that column
        outside = U - float(size[~mask].min()) if (~mask).any() else -math.inf
        if raw.status == Status.INFEASIBLE:
            if core is None:  # cannot be: the incumbent keeps these fixings; distrust the answer
                return whole("the restricted model was reported infeasible")
            inside = -math.inf  # nothing agrees with the core's fixings
        elif raw.status == Status.OPTIMAL:
            inside = z if raw.bound is None else max(min(float(raw.bound), U), z)
        else:
            inside = U if raw.bound is None else float(raw.bound)
        bound = max(inside, outside, z)
        if options.known_bound is not None:
            bound = min(bound, max(float(options.known_bound), z))
        tol = objective_tolerance(model, options, z)
        if raw.status in (Status.OPTIMAL, Status.INFEASIBLE) and outside - z <= tol or bound - z <= tol:
            status = Status.OPTIMAL
            break
        if raw.status not in (Status.OPTIMAL, Status.INFEASIBLE):
            break  # stopped at a limit: no time for another round
    if raw is None:
        return whole("; ".join(messages) or "no time left")
    bound = max(min(bound, U), z)
    fixed = n - int(mask.sum())
    note = (f"reduced-cost fixing: LP bound {U:.10g}, {fixed:,} of {n:,} columns fixed; " + "; ".join(messages)
            + (f"; {raw.message}" if raw.message else ""))
    return Outcome(RawSolution(status=status, x=best, objective=z, bound=bound, solver=raw.solver,
                               version=raw.version, seconds=spent(), message=note), spent(), note)


def _enumerated(model: CompiledModel, U: float, r: np.ndarray, value: np.ndarray, margin: float,
                incumbent: np.ndarray | None, t0: float, max_work: float | None = None,
                beside: Beside | None = None) -> RawSolution | None:
    """The proven optimum by Lagrangian enumeration (:func:`._enum.enumerate_near`) as a solution, or None
    (``max_work`` defaults to ``_enum.MAX_WORK``; ``beside``: see :func:`solve_fixed`)."""
    from ._enum import MAX_STATES, MAX_WORK, enumerate_near

    extend = beside is not None and model.n_cols >= BESIDE_COLUMNS
    found = enumerate_near(model, U, r, value, margin, incumbent, MAX_WORK if max_work is None else max_work,
                           MAX_STATES, None if beside is None else beside.answered,
                           (BESIDE_WORK, BESIDE_STATES, beside.start) if extend else None)
    if found is None or not feasible(model, found.x):
        return None
    from ._highs import highs_version

    v = float(model.c @ found.x + model.offset)
    note = (f"Lagrangian enumeration: LP bound {U:.10g}, {found.columns:,} of {model.n_cols:,} columns walked "
            f"within a loss of {found.gap:.6g} ({found.states:,} partial sets at most): proven optimal "
            "without the MIP backend")
    return RawSolution(status=Status.OPTIMAL, x=found.x, objective=v, bound=v, solver="highs",
                       version=highs_version(), seconds=time.monotonic() - t0, message=note)


#: the fewest columns a named backend is handed after the enumeration's proof (:func:`_backend_answer`;
#: 1, 10, 20 and 40 on five generated portfolios: within noise, CBC's own search on what the proof leaves
#: open costs the time, 0.05-0.4 s)
OWN_FREE = 1


def _backend_answer(model: CompiledModel, proof: RawSolution, U: float, size: np.ndarray, margin: float,
                    run: Callable[[CompiledModel, SolverOptions], RawSolution], options: SolverOptions,
                    t0: float, left: float | None) -> RawSolution | None:
    """The named backend's own answer after the enumeration proved ``proof`` optimal (``options.own_answer``).

    Every column is fixed at the proven portfolio's value except those the
    proof left open (a reduced cost ``size`` within ``U`` minus its value, plus
    ``margin``; at least :data:`OWN_FREE` of the smallest): the restricted
    model holds the proven portfolio, so its optimum is the whole model's,
    and the backend proves it there with a search of its own.  With CBC on
    generated single-period portfolios (medians of 3): 1,000 candidates
    0.12 s (the proof alone 0.02 s, CBC on the whole model 0.18 s), with five
    resources 0.35 s (0.53 s), 10,000 0.09 s (0.41 s), but 100 candidates
    0.05-0.08 s where CBC alone took 0.03 s.
    The answer names the backend when it proves that optimum; without time
    left, or when it stops at the limit, it is the proof's, in HiGHS's name
    (the LP's solver), as the message says.  None when the backend returns a
    portfolio better than the proven optimum (the proof is then not trusted).
    """
    x0 = np.asarray(proof.x, dtype=float)
    z = float(proof.objective)
    free = size <= U - z + margin  # a better portfolio would differ from the proven one only here
    free[np.argsort(size, kind="stable")[:min(model.n_cols, OWN_FREE)]] = True
    sub = restrict(model, free, x0)
    if sub is None or (left is not None and left <= 0.01):
        why = "no time left" if sub is not None else "its fixings break a row"
        return dataclasses.replace(proof, message=f"{proof.message}; not handed to the named backend ({why})")
    raw = run(sub, dataclasses.replace(options, time_limit=left, warm_start=x0[free]))
    tol = objective_tolerance(model, options, z)
    if raw.x is not None:
        x = x0.copy()
        x[free] = raw.x
        obj = float(model.c @ x + model.offset)
        if feasible(model, x) and obj > z + tol:
            return None
    if raw.status != Status.OPTIMAL or raw.x is None:
        return dataclasses.replace(
            proof, message=f"{proof.message}; {raw.solver} did not prove it over the {int(free.sum()):,} columns "
                           f"left open ({raw.status.value}: {raw.message})")
    if not feasible(model, x) or obj < z - tol:  # its "optimum" falls short of one the restriction holds
        return dataclasses.replace(
            proof, message=f"{proof.message}; {raw.solver}'s answer over the columns left open fell short of it")
    if obj < z:  # within a relative mip_gap of the proven optimum: the backend's proof holds, and so does z's
        x, obj = x0, z
    return RawSolution(status=Status.OPTIMAL, x=x, objective=obj, bound=obj, solver=raw.solver,
                       version=raw.version, seconds=time.monotonic() - t0,
                       message=f"{raw.solver} over the {int(free.sum()):,} of {model.n_cols:,} columns the Lagrangian "
                               f"enumeration left open ({raw.message}); the enumeration's proof: "
                               + proof.message.replace(": proven optimal without the MIP backend", ""))


def _walked_without_lp(model: CompiledModel, options: SolverOptions, t0: float) -> RawSolution | None:
    """The proven optimum of a tiny 0-1 model by one walk (:func:`._enum.walk`) with zero multipliers, or None.

    With ``y = 0`` the Lagrangian bound is the sum of the positive values and a
    change of column j costs ``|c_j|`` of it: every portfolio better than a
    greedy one (by value) loses less than ``U - z`` and is listed, or one that
    dominates it.  No LP is solved: on models of :data:`TINY_COLUMNS` columns
    or fewer HiGHS's LP cost more than the whole walk.  None when there is no
    greedy portfolio or the walk outgrows :data:`TINY_WORK`.

    Examples
    --------
    Items worth 3, 4 and 2, weights 1, 2 and 2, capacity 3: the first two.

    >>> import scipy.sparse as sp
    >>> m = CompiledModel(c=np.array([3.0, 4.0, 2.0]), A=sp.csr_matrix([[1.0, 2.0, 2.0]]),
    ...                   row_lo=np.array([-np.inf]), row_hi=np.array([3.0]), col_lo=np.zeros(3),
    ...                   col_hi=np.ones(3), integrality=np.ones(3, dtype=np.int32))
    >>> r = _walked_without_lp(m, SolverOptions(), time.monotonic())
    >>> r.status.value, r.objective, r.x.tolist()
    ('optimal', 7.0, [1.0, 1.0, 0.0])
    """
    from ._enum import MAX_STATES, walk

    U, r, value, margin = _bound_terms(model, np.zeros(model.n_rows))
    best = greedy(model, np.zeros(model.n_cols), r)
    warm = _feasible_start(model, options)
    if warm is not None and (best is None or model.c @ warm > model.c @ best):
        best = warm
    if best is None:
        return None
    z = float(model.c @ best + model.offset)
    gap = U - z + margin
    out = walk(model, r, value, gap, MAX_STATES, TINY_WORK)
    if out is None:
        return None
    x, walked, peak, _ = out
    if x is not None and feasible(model, x) and float(model.c @ x + model.offset) > z:
        best, z = x, float(model.c @ x + model.offset)
    from ._highs import highs_version

    note = (f"Lagrangian enumeration without an LP (zero multipliers): {walked:,} of {model.n_cols:,} columns "
            f"walked within a loss of {gap:.6g} of the sum of the positive values ({peak:,} partial sets at "
            "most): proven optimal without the MIP backend")
    return RawSolution(status=Status.OPTIMAL, x=best, objective=z, bound=z, solver="highs",
                       version=highs_version(), seconds=time.monotonic() - t0, message=note)


def _enumerate_sub(model: CompiledModel, options: SolverOptions) -> RawSolution | None:
    """A round's restricted model solved by enumeration after its own LP (sharper than the whole model's), or None."""
    if model.n_cols < ENUM_COLUMNS or not eligible(model, 0):
        return None
    from ._highs import lp_duals

    t0 = time.monotonic()
    try:
        lp = lp_duals(model, options)  # an LP's settings ignore the warm start
    except SolverError:
        return None
    if lp is None:
        return None
    U, r, value, margin = _bound_terms(model, lp[1])
    return _enumerated(model, U, r, value, margin, _feasible_start(model, options), t0)


def _bound_terms(model: CompiledModel, y: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, float]:
    """From the LP's duals: the bound U, the reduced costs, the LP-preferred values and the rounding margin.

    Columns are fixed (and changes listed) only where a change costs more than
    the margin beyond U - z: rounding, and ties (portfolios worth as much as z
    within it stay, for the tie-breaking rule); not mip_gap, which would free
    most columns while only solutions worth more than z are of use.
    """
    U, r, scale = lagrangian(model, y)
    value = np.where(r > 0, model.col_hi, model.col_lo).astype(float)
    return U, r, value, rounding_tolerance(model) + 1e-12 * scale


def _feasible_start(model: CompiledModel, options: SolverOptions) -> np.ndarray | None:
    """The options' warm start when it is a feasible portfolio of ``model``, else None."""
    if options.warm_start is None:
        return None
    w = np.asarray(options.warm_start, float)
    return w if feasible(model, w) else None
