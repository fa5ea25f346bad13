"""Problem → arrays: the compiled MIP shared by every backend, built in bulk.

Columns are (project, start period) pairs: x[i, s] = 1 when project i starts
in period s.  Rows are one "choice" row per project with several start
options (Σ_s x[i, s] ≤ 1, the structural part; a project with one start
needs none, its column's 0-1 bounds say it) followed by the rows of each
constraint object, in the order of ``problem.constraints``; ``row_owner`` maps
every row to the index of the constraint that made it (-1 for structural
rows), which is what the explanation and the infeasibility diagnosis read,
and ``choice_row`` maps each project to its choice row (-1 without one).
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # imported by compile_problem: `import portfolio_opt` stays without scipy
    import scipy.sparse as sp

from ._solvers._base import CompiledModel
from .constraints import (
    BudgetLimit,
    CapacityLimit,
    CountLimit,
    Excludes,
    ForcedOut,
    GroupLimit,
    Mandatory,
    Requires,
)
from .data import MAX_AMOUNT
from .problem import Problem


@dataclasses.dataclass(frozen=True, eq=False)
class Compiled:
    model: CompiledModel
    col_proj: np.ndarray  # project position of each column
    col_start: np.ndarray  # start period of each column
    proj_cols: np.ndarray  # project p owns columns proj_cols[p]:proj_cols[p+1]
    row_owner: np.ndarray  # index into problem.constraints, -1 structural
    coef: np.ndarray  # objective coefficient per project (probability × value)
    choice_row: np.ndarray  # the choice row of each project, -1 when it has a single start

    def force_in(self, row_lo: np.ndarray, col_lo: np.ndarray, p: int) -> None:
        """Make project ``p`` selected in these (mutable) row and column lower bounds."""
        r = self.choice_row[p]
        if r >= 0:
            row_lo[r] = 1.0
        else:
            col_lo[self.proj_cols[p]] = 1.0

    @property
    def scheduling(self) -> bool:
        """True when some project has several start options."""
        return bool(np.any(np.diff(self.proj_cols) > 1))

    @property
    def backend_hint(self) -> dict[str, object]:
        """Keyword arguments of :func:`_solvers.resolve_backend` describing this model."""
        return {"model": self.model, "scheduling": self.scheduling}

    def y(self, x: np.ndarray) -> np.ndarray:
        """Selection per project from a column vector."""
        return np.add.reduceat(np.asarray(x, float), self.proj_cols[:-1]) if len(x) else np.zeros(0)

    def starts(self, x: np.ndarray) -> np.ndarray:
        """Start period per project (-1 when not selected)."""
        out = np.full(len(self.proj_cols) - 1, -1, dtype=int)
        on = np.asarray(x) > 0.5
        out[self.col_proj[on]] = self.col_start[on]
        return out

    def x_from_starts(self, starts: np.ndarray) -> np.ndarray:
        """Column vector from a start per project (-1 = not selected)."""
        x = np.zeros(len(self.col_proj))
        sel = np.flatnonzero(starts >= 0)
        for p in sel:
            lo, hi = self.proj_cols[p], self.proj_cols[p + 1]
            k = np.flatnonzero(self.col_start[lo:hi] == starts[p])
            if len(k):
                x[lo + k[0]] = 1.0
        return x


class _Rows:
    """Accumulates sparse rows as COO triplets, one block at a time."""

    def __init__(self) -> None:
        self.r: list[np.ndarray] = []
        self.c: list[np.ndarray] = []
        self.v: list[np.ndarray] = []
        self.lo: list[float] = []
        self.hi: list[float] = []
        self.owner: list[int] = []
        self.n = 0

    def add(self, cols: np.ndarray, vals: np.ndarray, lo: float, hi: float, owner: int) -> None:
        self.r.append(np.full(len(cols), self.n, dtype=np.int64))
        self.c.append(np.asarray(cols, dtype=np.int64))
        self.v.append(np.asarray(vals, dtype=float))
        self.lo.append(lo)
        self.hi.append(hi)
        self.owner.append(owner)
        self.n += 1

    def add_block(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n_rows: int,
                  lo: np.ndarray, hi: np.ndarray, owner: np.ndarray) -> None:
        self.r.append(np.asarray(rows, dtype=np.int64) + self.n)
        self.c.append(np.asarray(cols, dtype=np.int64))
        self.v.append(np.asarray(vals, dtype=float))
        self.lo.extend(np.asarray(lo, float).tolist())
        self.hi.extend(np.asarray(hi, float).tolist())
        self.owner.extend(np.asarray(owner, int).tolist())
        self.n += n_rows


def _row(M: tuple[np.ndarray, np.ndarray, np.ndarray], t: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and values of row ``t`` of a matrix held as CSR arrays ``(indptr, indices, data)``."""
    indptr, indices, data = M
    lo, hi = indptr[t], indptr[t + 1]
    return indices[lo:hi], data[lo:hi]


def _reachable(amount: float, top: float) -> float:
    """A minimum as the solvers can read it: one beyond what the solvers take as a number (MAX_AMOUNT; HiGHS
    rejected a model with a minimum of 1e30) becomes ``top``, just past what the row can reach, which means
    the same (infeasible).  Others stay as given: the diagnosis's repairs read them off the rows."""
    return min(amount, top) if amount > MAX_AMOUNT else amount


def _limits(bound: str, amount: float, top: float = math.inf) -> tuple[float, float]:
    """A row's ``(lo, hi)`` for a ``"min"`` or ``"max"`` ``amount`` (``top``: what the row can reach)."""
    return (_reachable(amount, top), math.inf) if bound == "min" else (-math.inf, amount)


def compile_problem(problem: Problem) -> Compiled:
    """Build the MIP of ``problem`` as arrays (see the module docstring)."""
    import scipy.sparse as sp

    tab = problem.table
    f = tab.frame
    n = len(f)
    T = problem.n_periods
    es = f["earliest_start"].to_numpy(int)
    ls = f["latest_start"].to_numpy(int)
    n_opt = ls - es + 1
    proj_cols = np.concatenate([[0], np.cumsum(n_opt)]).astype(np.int64)
    N = int(proj_cols[-1])
    col_proj = np.repeat(np.arange(n), n_opt)
    col_start = es[col_proj] + (np.arange(N) - proj_cols[col_proj])
    coef = problem.objective_coefficients.copy()
    c = coef[col_proj]
    total_cost = f["total_cost"].to_numpy(float)
    pos = {pid: k for k, pid in enumerate(f.index.to_numpy(dtype=object).tolist())}  # not the str Index: slow
    cats = f["category"].to_numpy(object)

    rows = _Rows()
    # structural choice rows: at most one start per project that has several
    multi = n_opt > 1
    choice_row = np.full(n, -1, dtype=np.int64)
    choice_row[multi] = np.arange(int(multi.sum()))
    in_multi = multi[col_proj]
    k = int(multi.sum())
    rows.add_block(choice_row[col_proj[in_multi]], np.flatnonzero(in_multi), np.ones(int(in_multi.sum())), k,
                   np.full(k, -math.inf), np.ones(k), np.full(k, -1))

    def per_period_matrix(demand: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(T × N) as CSR arrays: demand[p, t - s] for column (p, s) in period t.

        Sorted by period with numpy: a scipy matrix per resource cost ~0.25 ms, most of a small
        model's compile, and was no faster on large ones.
        """
        rr, cc, vv = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)], [np.zeros(0)]
        for k in range(demand.shape[1]):
            t = col_start + k
            val = demand[col_proj, k]
            m = (t < T) & (val != 0)
            rr.append(t[m])
            cc.append(np.flatnonzero(m))
            vv.append(val[m])
        t, col, val = np.concatenate(rr), np.concatenate(cc), np.concatenate(vv)
        order = np.argsort(t, kind="stable")
        return np.searchsorted(t, np.arange(T + 1), sorter=order), col[order], val[order].astype(float)

    spend: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    use: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def proj_block(p: int) -> np.ndarray:
        return np.arange(proj_cols[p], proj_cols[p + 1])

    for ci, con in enumerate(problem.constraints):
        if isinstance(con, BudgetLimit):
            if con.period is None:
                rows.add(np.arange(N), total_cost[col_proj], -math.inf, con.amount, ci)
            else:
                if spend is None:
                    spend = per_period_matrix(tab.cost)
                rows.add(*_row(spend, con.period), -math.inf, con.amount, ci)
        elif isinstance(con, CapacityLimit):
            if con.resource not in use:
                use[con.resource] = per_period_matrix(tab.resources[con.resource])
            rows.add(*_row(use[con.resource], con.period), -math.inf, con.amount, ci)
        elif isinstance(con, Mandatory):
            rows.add(proj_block(pos[con.project]), np.ones(n_opt[pos[con.project]]), 1.0, math.inf, ci)
        elif isinstance(con, ForcedOut):
            rows.add(proj_block(pos[con.project]), np.ones(n_opt[pos[con.project]]), -math.inf, 0.0, ci)
        elif isinstance(con, Requires):
            a, b = proj_block(pos[con.project]), proj_block(pos[con.required])
            rows.add(np.concatenate([a, b]), np.concatenate([np.ones(len(a)), -np.ones(len(b))]), -math.inf, 0.0, ci)
        elif isinstance(con, Excludes):
            a, b = proj_block(pos[con.a]), proj_block(pos[con.b])
            rows.add(np.concatenate([a, b]), np.ones(len(a) + len(b)), -math.inf, 1.0, ci)
        elif isinstance(con, CountLimit):
            rows.add(np.arange(N), np.ones(N), *_limits(con.bound, con.amount, N + 1), ci)
        elif isinstance(con, GroupLimit):
            in_cat = (cats == con.category)[col_proj]
            if con.measure == "count":
                cols = np.flatnonzero(in_cat)
                rows.add(cols, np.ones(len(cols)), *_limits(con.bound, con.amount, len(cols) + 1.0), ci)
            elif con.measure == "cost":
                cols = np.flatnonzero(in_cat)
                vals = total_cost[col_proj][cols]
                rows.add(cols, vals, *_limits(con.bound, con.amount, float(vals.sum()) + 1.0), ci)
            else:  # share: Σ_cat cost - share Σ_all cost  (≤ 0 for max, ≥ 0 for min)
                vals = total_cost[col_proj] * (in_cat.astype(float) - con.amount)
                nz = np.flatnonzero(vals)
                rows.add(nz, vals[nz], *_limits(con.bound, 0.0), ci)
        else:  # pragma: no cover - the Constraint union is closed
            raise TypeError(f"unknown constraint {con!r}")

    if rows.r:
        A = sp.csr_matrix(
            (np.concatenate(rows.v), (np.concatenate(rows.r), np.concatenate(rows.c))), shape=(rows.n, N)
        )
    else:
        A = sp.csr_matrix((0, N))
    A.sum_duplicates()
    # a start from which the project would run past the last period is not allowed (a window wholly past it)
    late = col_start + f["duration"].to_numpy(int)[col_proj] > T
    model = CompiledModel(
        c=c.astype(float),
        A=A,
        row_lo=np.asarray(rows.lo, float),
        row_hi=np.asarray(rows.hi, float),
        col_lo=np.zeros(N),
        col_hi=np.where(late, 0.0, 1.0),
        integrality=np.ones(N, dtype=np.int8),
    )
    return Compiled(
        model=model,
        col_proj=col_proj,
        col_start=col_start,
        proj_cols=proj_cols,
        row_owner=np.asarray(rows.owner, int),
        coef=coef,
        choice_row=choice_row,
    )
