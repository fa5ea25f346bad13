"""Benchmark instances: a seeded portfolio generator and the OR-Library MKP sets.

Every instance exists in three equivalent forms, so that each configuration of
the suite gets its input the way its user would hold it:

* an **engine request dict** (``Instance.spec()``), the JSON contract of
  ``../shared/engine-spec.md``; the hand-written PuLP model reads this;
* a **Problem** (``Instance.problem()``), built with ``Problem.from_frame`` from
  a candidate DataFrame (``Instance.frame()``), as an analyst would;
* a **prebuilt matrix** (``Instance.matrix()``), the 0-1 program as arrays,
  built here in numpy *independently of portfolio_opt's compiler*, for the raw
  solvers (HiGHS, CBC, CP-SAT).  Its optimum must agree with the library's.

Generated portfolios (:func:`generate`) are realistic PMO data: categories
run / grow / transform / compliance, costs that are a few hundred (k EUR) per
period with a long tail, values correlated with cost, probabilities of success,
1-4 period durations, start windows of up to four periods, up to five roles
with per-period demand, ~3 % of projects requiring another, ~2 % in an
exclusion pair, ~0.5 % mandatory (small compliance projects), a cap on the
share of ``transform`` spend and a minimum count of ``compliance`` projects;
budgets and capacities are about 30 % of what all candidates would need.

OR-Library files (:func:`read_mknap`) are found in ``../shared/data/orlib``
next to the repository (``PORTFOLIO_OPT_ORLIB`` overrides the folder);
:func:`orlib_dir` returns None where they are missing so callers can skip.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

ROLES = ("engineers", "analysts", "architects", "testers", "project_managers")
CATEGORIES = ("run", "grow", "transform", "compliance")
ORLIB_ENV = "PORTFOLIO_OPT_ORLIB"


# --------------------------------------------------------------------------- instance


@dataclasses.dataclass(frozen=True, eq=False)
class Instance:
    """A portfolio instance held as columns (one entry per candidate project).

    ``cost[i]`` and ``demand[r][i]`` are per-period profiles from the start
    (length ``duration[i]``); ``requires`` / ``excludes`` are pairs of
    positions; budgets and capacities are None where absent.
    """

    name: str
    periods: int
    ids: list[str]
    category: list[str | None]
    duration: np.ndarray
    cost: list[np.ndarray]
    value: np.ndarray
    probability: np.ndarray
    earliest: np.ndarray
    latest: np.ndarray
    mandatory: np.ndarray
    requires: list[tuple[int, int]]
    excludes: list[tuple[int, int]]
    demand: dict[str, list[np.ndarray]]
    budget_total: float | None
    budget_per_period: list[float] | None
    capacity: dict[str, list[float]]
    groups: list[dict[str, Any]]
    known_optimum: float | None = None  # proven optimum where a source gives one
    best_known: float | None = None  # best known value (may be heuristic)
    excluded: np.ndarray | None = None  # forced out (engine requests' ``excluded``); None: none is
    min_projects: int | None = None
    max_projects: int | None = None

    @property
    def n(self) -> int:
        return len(self.ids)

    # -------------------------------------------------------------- engine request
    def spec(self, solver: dict[str, Any] | None = None) -> dict[str, Any]:
        """The engine request dict (``../shared/engine-spec.md``)."""
        projects = []
        for i, pid in enumerate(self.ids):
            p: dict[str, Any] = {
                "id": pid,
                "cost": [_num(v) for v in self.cost[i]],
                "value": _num(self.value[i]),
            }
            if self.category[i] is not None:
                p["category"] = self.category[i]
            if self.probability[i] != 1.0:
                p["probability"] = float(self.probability[i])
            if self.periods > 1:
                p["earliest_start"] = int(self.earliest[i])
                p["latest_start"] = int(self.latest[i])
            res = {r: [_num(v) for v in d[i]] for r, d in self.demand.items() if np.any(d[i])}
            if res:
                p["resources"] = res
            if self.mandatory[i]:
                p["mandatory"] = True
            if self.excluded is not None and self.excluded[i]:
                p["excluded"] = True
            projects.append(p)
        for a, b in self.requires:
            projects[a].setdefault("requires", []).append(self.ids[b])
        for a, b in self.excludes:
            projects[a].setdefault("excludes", []).append(self.ids[b])
        spec: dict[str, Any] = {"version": 1, "periods": self.periods, "projects": projects, "objective": "value"}
        budget: dict[str, Any] = {}
        if self.budget_total is not None:
            budget["total"] = self.budget_total
        if self.budget_per_period is not None:
            budget["per_period"] = list(self.budget_per_period)
        if budget:
            spec["budget"] = budget
        if self.capacity:
            spec["resources"] = {r: list(v) for r, v in self.capacity.items()}
        if self.groups:
            spec["groups"] = [dict(g) for g in self.groups]
        if self.min_projects is not None:
            spec["min_projects"] = self.min_projects
        if self.max_projects is not None:
            spec["max_projects"] = self.max_projects
        if solver:
            spec["solver"] = dict(solver)
        return spec

    # -------------------------------------------------------------- pandas / Problem
    def frame(self) -> Any:
        """The candidate table as a DataFrame (lists for profiles and relations)."""
        import pandas as pd

        req: list[list[str]] = [[] for _ in self.ids]
        exc: list[list[str]] = [[] for _ in self.ids]
        for a, b in self.requires:
            req[a].append(self.ids[b])
        for a, b in self.excludes:
            exc[a].append(self.ids[b])
        data: dict[str, Any] = {
            "id": self.ids,
            "category": self.category,
            "duration": self.duration.astype(int),
            "cost": [c.tolist() for c in self.cost],
            "value": self.value,
            "probability": self.probability,
            "earliest_start": self.earliest.astype(int),
            "latest_start": self.latest.astype(int),
            "mandatory": self.mandatory.astype(bool),
            **({} if self.excluded is None else {"excluded": self.excluded.astype(bool)}),
            "requires": req,
            "excludes": exc,
        }
        for r, d in self.demand.items():
            data[f"res_{r}"] = [x.tolist() for x in d]
        return pd.DataFrame(data)

    def problem_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``Problem.from_frame`` for this instance."""
        return dict(
            periods=self.periods,
            budget=self.budget_total,
            budget_per_period=self.budget_per_period,
            capacity={r: list(v) for r, v in self.capacity.items()} or None,
            groups=[dict(g) for g in self.groups],
            min_projects=self.min_projects,
            max_projects=self.max_projects,
            objective="value",
        )

    def problem(self) -> Any:
        """The instance as a ``portfolio_opt.Problem``."""
        from portfolio_opt import Problem

        return Problem.from_frame(self.frame(), **self.problem_kwargs())

    # -------------------------------------------------------------- matrix
    def matrix(self) -> Matrix:
        """The 0-1 program as arrays, built here independently of portfolio_opt."""
        return _matrix(self)


@dataclasses.dataclass(frozen=True, eq=False)
class Matrix:
    """max c.x  s.t.  row_lo <= A x <= row_hi,  x binary."""

    c: np.ndarray
    A: sp.csr_matrix
    row_lo: np.ndarray
    row_hi: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.A.shape


def _num(v: Any) -> int | float:
    f = float(v)
    return int(f) if f.is_integer() else f


# --------------------------------------------------------------------------- generator


def generate(n: int, periods: int = 1, resources: int = 0, seed: int = 0, *, tightness: float = 0.3) -> Instance:
    """A realistic random portfolio of ``n`` candidates (see the module docstring).

    Parameters
    ----------
    n : int
        Number of candidate projects.
    periods : int
        Horizon T; with 1, every project lasts one period and has one start.
    resources : int
        Number of roles with capacities (0 … 5).
    seed : int
        Same arguments, same instance.
    tightness : float
        Budgets and capacities as a share of what all candidates would need.
    """
    if not 0 <= resources <= len(ROLES):
        raise ValueError(f"resources must be within 0..{len(ROLES)}")
    rng = np.random.default_rng([n, periods, resources, seed])
    T = int(periods)
    cat_idx = rng.choice(len(CATEGORIES), size=n, p=[0.35, 0.35, 0.2, 0.1])
    category = [CATEGORIES[k] for k in cat_idx]
    if T == 1:
        duration = np.ones(n, dtype=int)
    else:
        dmax = min(4, T)
        w = np.array([0.3, 0.35, 0.2, 0.15][:dmax])
        duration = rng.choice(np.arange(1, dmax + 1), size=n, p=w / w.sum())
    # total cost in k EUR: lognormal around 200 per period of duration, long tail
    total = np.maximum(10, np.round(rng.lognormal(math.log(180), 0.7, size=n) * duration))
    cost: list[np.ndarray] = []
    for i in range(n):
        d = int(duration[i])
        if d == 1:
            cost.append(np.array([total[i]]))
        else:
            share = rng.dirichlet(np.full(d, 3.0))
            prof = np.maximum(1, np.round(total[i] * share))
            cost.append(prof)
    total = np.array([c.sum() for c in cost])
    # value correlated with cost (the hard case for knapsack solvers) plus noise
    value = np.round(total * rng.lognormal(math.log(1.5), 0.45, size=n))
    probability = np.where(rng.random(n) < 0.7, np.round(rng.uniform(0.6, 1.0, size=n), 2), 1.0)
    latest_possible = T - duration
    earliest = np.array([rng.integers(0, lp + 1) for lp in latest_possible], dtype=int)
    latest = np.minimum(earliest + rng.integers(0, 4, size=n), latest_possible)

    # mandatory: a few small compliance projects with a wide window
    is_comp = cat_idx == CATEGORIES.index("compliance")
    small = total <= np.quantile(total, 0.3)
    cand = np.flatnonzero(is_comp & small)
    n_mand = min(len(cand), max(1, n // 200))
    mand_idx = rng.choice(cand, size=n_mand, replace=False) if n_mand else np.zeros(0, dtype=int)
    mandatory = np.zeros(n, dtype=bool)
    mandatory[mand_idx] = True

    # relations only among optional projects, requires and excludes disjoint
    free = np.flatnonzero(~mandatory)
    pairs: set[tuple[int, int]] = set()
    requires: list[tuple[int, int]] = []
    for a in rng.choice(free, size=int(0.03 * n), replace=False) if len(free) > 1 else []:
        b = int(rng.choice(free))
        if b != a and (a, b) not in pairs and (b, a) not in pairs:
            pairs.add((int(a), b))
            requires.append((int(a), b))
    excludes: list[tuple[int, int]] = []
    for a in rng.choice(free, size=int(0.01 * n), replace=False) if len(free) > 1 else []:
        b = int(rng.choice(free))
        if b != a and (a, b) not in pairs and (b, a) not in pairs:
            pairs.add((int(a), b))
            excludes.append((int(a), b))

    demand: dict[str, list[np.ndarray]] = {}
    for r in ROLES[:resources]:
        uses = rng.random(n) < 0.45
        demand[r] = [
            (rng.integers(1, 6, size=int(duration[i])).astype(float) if uses[i] else np.zeros(int(duration[i])))
            for i in range(n)
        ]

    # limits: a share of what everything would need, per period assuming starts
    # spread over the windows
    def per_period_need(profiles: list[np.ndarray]) -> np.ndarray:
        need = np.zeros(T)
        for i, prof in enumerate(profiles):
            opts = np.arange(earliest[i], latest[i] + 1)
            for s in opts:
                need[s:s + len(prof)] += prof / len(opts)
        return need

    budget_total: float | None
    budget_pp: list[float] | None
    if T == 1:
        budget_total = float(round(tightness * total.sum()))
        budget_pp = None
    else:
        need = per_period_need(cost)
        level = float(round(tightness * need.mean()))
        budget_pp = [level] * T
        budget_total = float(round(0.9 * level * T))
    capacity: dict[str, list[float]] = {}
    for r, prof in demand.items():
        need = per_period_need(prof)
        capacity[r] = [float(max(5, round(tightness * need.mean())))] * T
    n_comp = int(is_comp.sum())
    groups = [{"category": "transform", "max_share": 0.35}]
    min_comp = max(n_mand, min(n_comp // 4, n // 100))
    if min_comp > 0:
        groups.append({"category": "compliance", "min_count": min_comp})
    ids = [f"P{i:06d}" for i in range(n)]
    return Instance(
        name=f"gen-n{n}-T{T}-R{resources}" + (f"-s{seed}" if seed else ""),
        periods=T,
        ids=ids,
        category=category,
        duration=duration.astype(int),
        cost=cost,
        value=value.astype(float),
        probability=probability.astype(float),
        earliest=earliest,
        latest=latest,
        mandatory=mandatory,
        requires=requires,
        excludes=excludes,
        demand=demand,
        budget_total=budget_total,
        budget_per_period=budget_pp,
        capacity=capacity,
        groups=groups,
    )


# --------------------------------------------------------------------------- independent matrix


def _matrix(inst: Instance) -> Matrix:
    n, T = inst.n, inst.periods
    n_opt = inst.latest - inst.earliest + 1
    first = np.concatenate([[0], np.cumsum(n_opt)]).astype(np.int64)
    N = int(first[-1])
    col_proj = np.repeat(np.arange(n), n_opt)
    col_start = inst.earliest[col_proj] + (np.arange(N) - first[col_proj])
    c = (inst.probability * inst.value)[col_proj]
    total = np.array([float(p.sum()) for p in inst.cost])
    cats = np.array([x if x is not None else "" for x in inst.category], dtype=object)

    R: list[np.ndarray] = []
    C: list[np.ndarray] = []
    V: list[np.ndarray] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    nrow = 0

    def block(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, k: int, l: Any, h: Any) -> None:
        nonlocal nrow
        R.append(np.asarray(rows, np.int64) + nrow)
        C.append(np.asarray(cols, np.int64))
        V.append(np.asarray(vals, float))
        lo.append(np.broadcast_to(np.asarray(l, float), (k,)).copy())
        hi.append(np.broadcast_to(np.asarray(h, float), (k,)).copy())
        nrow += k

    # one start at most per project; exactly one when mandatory, none when excluded
    out = np.zeros(n, bool) if inst.excluded is None else np.asarray(inst.excluded, bool)
    block(col_proj, np.arange(N), np.ones(N), n, np.where(inst.mandatory, 1.0, -np.inf), np.where(out, 0.0, 1.0))

    def per_period(profiles: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        dmax = int(inst.duration.max())
        padded = np.zeros((n, dmax))
        for i, prof in enumerate(profiles):
            padded[i, : len(prof)] = prof
        rr, cc, vv = [], [], []
        for k in range(dmax):
            t = col_start + k
            val = padded[col_proj, k]
            m = (t < T) & (val != 0)
            rr.append(t[m])
            cc.append(np.flatnonzero(m))
            vv.append(val[m])
        return np.concatenate(rr), np.concatenate(cc), np.concatenate(vv)

    if inst.budget_per_period is not None:
        rr, cc, vv = per_period(inst.cost)
        block(rr, cc, vv, T, -np.inf, np.asarray(inst.budget_per_period, float))
    if inst.budget_total is not None:
        block(np.zeros(N), np.arange(N), total[col_proj], 1, -np.inf, inst.budget_total)
    for r, cap in inst.capacity.items():
        rr, cc, vv = per_period(inst.demand[r])
        block(rr, cc, vv, T, -np.inf, np.asarray(cap, float))
    if inst.requires:
        a = np.array([p[0] for p in inst.requires])
        b = np.array([p[1] for p in inst.requires])
        k = len(a)
        ra, ca = _rows_of(a, first, n_opt)
        rb, cb = _rows_of(b, first, n_opt)
        block(np.concatenate([ra, rb]), np.concatenate([ca, cb]),
              np.concatenate([np.ones(len(ca)), -np.ones(len(cb))]), k, -np.inf, 0.0)
    if inst.excludes:
        a = np.array([p[0] for p in inst.excludes])
        b = np.array([p[1] for p in inst.excludes])
        k = len(a)
        ra, ca = _rows_of(a, first, n_opt)
        rb, cb = _rows_of(b, first, n_opt)
        block(np.concatenate([ra, rb]), np.concatenate([ca, cb]), np.ones(len(ca) + len(cb)), k, -np.inf, 1.0)
    for g in inst.groups:
        in_cat = (cats == g["category"])[col_proj]
        for key, amount in g.items():
            if key == "category":
                continue
            bound, _, measure = key.partition("_")
            if measure == "count":
                cols, vals, rhs = np.flatnonzero(in_cat), None, float(amount)
                vals = np.ones(len(cols))
            elif measure == "cost":
                cols = np.flatnonzero(in_cat)
                vals, rhs = total[col_proj][cols], float(amount)
            else:  # share of the portfolio's cost
                v = total[col_proj] * (in_cat.astype(float) - float(amount))
                cols = np.flatnonzero(v)
                vals, rhs = v[cols], 0.0
            lo_, hi_ = (rhs, np.inf) if bound == "min" else (-np.inf, rhs)
            block(np.zeros(len(cols)), cols, vals, 1, lo_, hi_)
    if inst.min_projects is not None or inst.max_projects is not None:
        block(np.zeros(N), np.arange(N), np.ones(N), 1,
              -np.inf if inst.min_projects is None else float(inst.min_projects),
              np.inf if inst.max_projects is None else float(inst.max_projects))
    A = sp.csr_matrix((np.concatenate(V), (np.concatenate(R), np.concatenate(C))), shape=(nrow, N))
    A.sum_duplicates()
    return Matrix(c=c.astype(float), A=A, row_lo=np.concatenate(lo), row_hi=np.concatenate(hi))


def _rows_of(proj: np.ndarray, first: np.ndarray, n_opt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row k, column) pairs of the start columns of proj[k]."""
    cnt = n_opt[proj]
    rows = np.repeat(np.arange(len(proj)), cnt)
    offs = np.arange(int(cnt.sum())) - np.repeat(np.concatenate([[0], np.cumsum(cnt)[:-1]]), cnt)
    return rows, first[proj][rows] + offs


# --------------------------------------------------------------------------- OR-Library


def orlib_dir() -> Path | None:
    """The OR-Library folder (env ``PORTFOLIO_OPT_ORLIB``, else ``../shared/data/orlib``), or None."""
    env = os.environ.get(ORLIB_ENV)
    path = Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data" / "orlib"
    return path if (path / "mknap1.txt").is_file() else None


@dataclasses.dataclass(frozen=True, eq=False)
class MKP:
    """One 0-1 multidimensional knapsack: max p.x s.t. W x <= b (W is m × n)."""

    name: str
    profits: np.ndarray
    weights: np.ndarray
    capacities: np.ndarray
    optimum: float | None  # from the file header (0 there means unknown)

    @property
    def n(self) -> int:
        return len(self.profits)

    @property
    def m(self) -> int:
        return len(self.capacities)

    def instance(self, best_known: float | None = None, proven: bool = False) -> Instance:
        """As a one-period portfolio: cost = the first constraint under a total budget b(1),
        every other constraint a resource ``c2`` … ``cm`` with capacity b(i)."""
        n = self.n
        ids = [f"I{j + 1:03d}" for j in range(n)]
        demand = {f"c{i + 1}": [np.array([self.weights[i, j]], float) for j in range(n)] for i in range(1, self.m)}
        capacity = {f"c{i + 1}": [float(self.capacities[i])] for i in range(1, self.m)}
        known = self.optimum if self.optimum else (best_known if proven else None)
        return Instance(
            name=self.name,
            periods=1,
            ids=ids,
            category=[None] * n,
            duration=np.ones(n, dtype=int),
            cost=[np.array([self.weights[0, j]], float) for j in range(n)],
            value=self.profits.astype(float),
            probability=np.ones(n),
            earliest=np.zeros(n, dtype=int),
            latest=np.zeros(n, dtype=int),
            mandatory=np.zeros(n, dtype=bool),
            requires=[],
            excludes=[],
            demand=demand,
            budget_total=float(self.capacities[0]),
            budget_per_period=None,
            capacity=capacity,
            groups=[],
            known_optimum=known,
            best_known=best_known if best_known is not None else (self.optimum or None),
        )


def _tokens(path: Path) -> Iterator[str]:
    with open(path, encoding="ascii") as fh:
        for line in fh:
            yield from line.split()


def read_mknap(path: str | Path, prefix: str | None = None) -> list[MKP]:
    """Parse an OR-Library ``mknap1`` / ``mknapcb*`` file (whitespace-separated numbers).

    Format: K, then per problem ``n m opt``, n profits, m rows of n weights,
    m capacities.  Profits are read as floats (``mknap1`` instance 2 has decimals).
    Instances are named ``<file stem>-<k>`` (k 1-based, in file order).
    """
    path = Path(path)
    prefix = prefix or path.stem
    tok = _tokens(path)
    K = int(next(tok))
    out = []
    for k in range(K):
        n, m = int(next(tok)), int(next(tok))
        opt = float(next(tok))
        p = np.array([float(next(tok)) for _ in range(n)])
        w = np.array([[float(next(tok)) for _ in range(n)] for _ in range(m)])
        b = np.array([float(next(tok)) for _ in range(m)])
        out.append(MKP(f"{prefix}-{k + 1}", p, w, b, opt if opt else None))
    if next(tok, None) is not None:
        raise ValueError(f"{path}: trailing data after {K} problems")
    return out


def read_mknap2(path: str | Path, prefix: str | None = None) -> list[MKP]:
    """Parse OR-Library's ``mknap2`` file: a free-text header, then blocks between ``+++`` lines.

    Each block follows a ``problem NAME.DAT`` line: ``m n`` (constraints first), n profits, m capacities,
    the m × n weights row by row, and the known optimum.  The header's worked example (WEING1 with ``//``
    comments) precedes the first ``problem`` line and is skipped.  Instances are named
    ``<file stem>-<k>`` (k 1-based, in file order, as in ``best_known.csv``).
    """
    path = Path(path)
    prefix = prefix or path.stem
    lines = path.read_text(encoding="ascii").splitlines()
    heads = [i for i, line in enumerate(lines) if line.strip().startswith("problem ")]
    out = []
    for k, h in enumerate(heads):
        end = heads[k + 1] if k + 1 < len(heads) else len(lines)
        body = [line for line in lines[h + 1:end] if not line.strip().startswith("+")]
        tok = [float(t) for line in body for t in line.split()]
        m, n = int(tok[0]), int(tok[1])
        expected = 2 + n + m + m * n + 1  # sizes, profits, capacities, weights, optimum
        if len(tok) != expected:
            raise ValueError(f"{path}: {lines[h].strip()}: {len(tok)} numbers, expected {expected}")
        p = np.array(tok[2:2 + n])
        b = np.array(tok[2 + n:2 + n + m])
        w = np.array(tok[2 + n + m:2 + n + m + m * n]).reshape(m, n)
        out.append(MKP(f"{prefix}-{k + 1}", p, w, b, tok[-1]))
    return out


@functools.lru_cache(maxsize=1)
def best_known(folder: str | None = None) -> dict[str, tuple[float, bool]]:
    """``best_known.csv`` as {``<file stem>-<instance>``: (value, proven optimal)}."""
    base = Path(folder) if folder else orlib_dir()
    if base is None:
        return {}
    out: dict[str, tuple[float, bool]] = {}
    with open(base / "best_known.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            stem = row["file"].rsplit(".", 1)[0]
            proven = row["proven_optimal"].strip().lower() == "yes" or row["verified_here"].startswith("optimal")
            out[f"{stem}-{int(row['instance'])}"] = (float(row["best_known"]), proven)
    return out


def orlib_instances(spec: str) -> list[Instance]:
    """Instances named like ``mknap1`` (all), ``mknap2``, ``mknapcb4:1`` (the first) or ``mknapcb1:1-3``."""
    base = orlib_dir()
    if base is None:
        raise FileNotFoundError(f"OR-Library files not found (set {ORLIB_ENV})")
    stem, _, sel = spec.partition(":")
    probs = (read_mknap2 if stem == "mknap2" else read_mknap)(base / f"{stem}.txt")
    if sel:
        a, _, b = sel.partition("-")
        probs = probs[int(a) - 1: int(b or a)]
    bk = best_known()
    out = []
    for p in probs:
        val, proven = bk.get(p.name, (None, False))
        out.append(p.instance(best_known=val, proven=proven))
    return out


def instance_by_name(name: str) -> Instance:
    """Rebuild an instance from its name: ``gen-n1000-T12-R5[-s0]``, ``mknapcb1-1``, or one given by
    path (:func:`file_instances`): ``request.json`` or ``PATH#k``."""
    path, hash_, k = name.rpartition("#")
    if hash_ and k.isdigit() and Path(path).is_file():
        return file_instances(f"{path}:{k}")[0]
    if name.lower().endswith(".json") and Path(name).is_file():
        return file_instances(name)[0]
    if name.startswith("gen-"):
        parts = dict((p[0], p[1:]) for p in name[4:].split("-"))
        return generate(int(parts["n"]), int(parts["T"]), int(parts["R"]), int(parts.get("s", 0)))
    stem, _, k = name.rpartition("-")
    (inst,) = orlib_instances(f"{stem}:{k}")
    return inst


# --------------------------------------------------------------------------- instances given by path

#: request fields the suite reads (the rest of the contract, ``analyses`` and ``solver`` included, is
#: not part of the selection problem the suite times, or is checked below)
_REQUEST_FIELDS = {"version", "periods", "projects", "objective", "budget", "resources", "groups",
                   "min_projects", "max_projects", "solver", "analyses", "scoring", "discount_rate"}
_PROJECT_FIELDS = {"id", "name", "duration", "cost", "value", "resources", "earliest_start", "latest_start",
                   "mandatory", "excluded", "category", "requires", "excludes", "scores", "benefits",
                   "probability"}
_GROUP_KEYS = {"min_count", "max_count", "min_cost", "max_cost", "min_share", "max_share"}


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _limits(v: Any, T: int, what: str, problems: list[str]) -> list[float] | None:
    """A limit given as one number (every period) or a list of T numbers."""
    if _number(v):
        return [float(v)] * T
    if isinstance(v, list) and len(v) == T and all(_number(x) for x in v):
        return [float(x) for x in v]
    problems.append(f"{what} must be a number or a list of {T} numbers (one per period), got {v!r}")
    return None


def instance_from_spec(spec: dict[str, Any], name: str) -> Instance:
    """An engine request (``../shared/engine-spec.md``, version 1) as a suite instance.

    The instance is the request's selection problem with ``objective: "value"``: costs,
    values, probabilities, resource demand, start windows (a start whose project would
    run past the horizon is dropped, as the contract says), mandatory and excluded
    projects, requires / excludes, budgets, capacities, category groups and the number
    of projects.  ``analyses``, ``solver`` and the fields only other objectives read
    (``scores``, ``benefits``, ``scoring``, ``discount_rate``) are ignored.  What the
    suite's independent model (:func:`_matrix`, the hand-written PuLP model) does not
    cover is refused with a :class:`ValueError` that names the project and the field:
    another objective, a limit left blank in some period, a project with no start
    inside the horizon.

    Examples
    --------
    >>> req = {"version": 1, "periods": 2, "budget": {"per_period": [5, 5]},
    ...        "projects": [{"id": "A", "cost": [3, 2], "value": 4},
    ...                     {"id": "B", "cost": 4, "value": 3, "latest_start": 1, "requires": ["A"]}]}
    >>> inst = instance_from_spec(req, "two")
    >>> inst.n, inst.periods, inst.requires, inst.latest.tolist()
    (2, 2, [(1, 0)], [0, 1])
    >>> instance_from_spec({"projects": [{"id": "A", "cost": 1}], "objective": "npv"}, "x")
    Traceback (most recent call last):
    ...
    ValueError: x: objective 'npv': the suite times the objective 'value' only
    """
    problems: list[str] = []
    if not isinstance(spec, dict):
        raise ValueError(f"{name}: a request must be a JSON object, got {type(spec).__name__}")
    unknown = sorted(set(spec) - _REQUEST_FIELDS)
    if unknown:
        problems.append(f"unknown field(s) {', '.join(map(repr, unknown))}")
    if spec.get("objective", "value") != "value":
        problems.append(f"objective {spec['objective']!r}: the suite times the objective 'value' only")
    periods = spec.get("periods", 1)
    if isinstance(periods, list) and periods:
        T = len(periods)
    elif isinstance(periods, int) and not isinstance(periods, bool) and periods >= 1:
        T = periods
    else:
        raise ValueError(f"{name}: field 'periods' must be a positive integer or a list of labels, got {periods!r}")
    projects = spec.get("projects")
    if not isinstance(projects, list) or not projects:
        raise ValueError(f"{name}: field 'projects' must be a non-empty list")
    if problems:
        raise ValueError(f"{name}: " + "; ".join(problems))

    ids: list[str] = []
    for k, p in enumerate(projects):
        pid = p.get("id") if isinstance(p, dict) else None
        if not isinstance(pid, str) or not pid:
            raise ValueError(f"{name}: project {k + 1}: field 'id' must be a non-empty string")
        ids.append(pid)
    pos = {pid: k for k, pid in enumerate(ids)}
    if len(pos) != len(ids):
        dups = sorted({i for i in ids if ids.count(i) > 1})
        raise ValueError(f"{name}: duplicate project ids {', '.join(map(repr, dups))}")

    cost: list[np.ndarray] = []
    duration, value, prob, early, late = [], [], [], [], []
    mandatory, excluded, category = [], [], []
    demand: dict[str, list[np.ndarray | None]] = {}
    requires: list[tuple[int, int]] = []
    excludes: list[tuple[int, int]] = []
    for k, p in enumerate(projects):
        pid = ids[k]
        where = f"project '{pid}'"
        extra = sorted(set(p) - _PROJECT_FIELDS)
        if extra:
            problems.append(f"{where}: unknown field(s) {', '.join(map(repr, extra))}")
        c = p.get("cost")
        d = p.get("duration", len(c) if isinstance(c, list) else 1)
        if not (isinstance(d, int) and not isinstance(d, bool) and d >= 1):
            problems.append(f"{where}: field 'duration' must be a whole number >= 1, got {d!r}")
            d = 1
        if _number(c) and c >= 0:
            prof = np.full(d, float(c) / d)
        elif isinstance(c, list) and len(c) == d and all(_number(x) and x >= 0 for x in c):
            prof = np.array(c, float)
        else:
            problems.append(f"{where}: field 'cost' must be a number >= 0 or a list of {d} such numbers, got {c!r}")
            prof = np.zeros(d)
        cost.append(prof)
        duration.append(d)
        v, pr = p.get("value", 0), p.get("probability", 1)
        if not _number(v):
            problems.append(f"{where}: field 'value' must be a finite number, got {v!r}")
        if not (_number(pr) and 0 <= pr <= 1):
            problems.append(f"{where}: field 'probability' must be a number in [0, 1], got {pr!r}")
        value.append(float(v) if _number(v) else 0.0)
        prob.append(float(pr) if _number(pr) else 1.0)
        es = p.get("earliest_start", 0)
        ls = p.get("latest_start", es)
        if not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in (es, ls)) or ls < es:
            problems.append(f"{where}: fields 'earliest_start' / 'latest_start' must be whole numbers "
                            f"0 <= earliest <= latest, got {es!r} / {ls!r}")
            es = ls = 0
        if min(ls, T - d) < es:
            problems.append(f"{where}: no start from {es} to {ls} lets it finish within the {T} period(s); "
                            "the suite needs at least one (leave the project out)")
        early.append(es)
        late.append(max(es, min(ls, T - d)))
        for flag, into in (("mandatory", mandatory), ("excluded", excluded)):
            f = p.get(flag, False)
            if not isinstance(f, bool):
                problems.append(f"{where}: field '{flag}' must be true or false, got {f!r}")
            into.append(f is True)
        cat = p.get("category")
        if cat is not None and not isinstance(cat, str):
            problems.append(f"{where}: field 'category' must be a string, got {cat!r}")
        category.append(cat if isinstance(cat, str) else None)
        res = p.get("resources") or {}
        if not isinstance(res, dict):
            problems.append(f"{where}: field 'resources' must be an object, got {res!r}")
            res = {}
        for r, dem in res.items():
            if _number(dem) and dem >= 0:
                arr = np.full(d, float(dem))
            elif isinstance(dem, list) and len(dem) == d and all(_number(x) and x >= 0 for x in dem):
                arr = np.array(dem, float)
            else:
                problems.append(f"{where}: field 'resources.{r}' must be a number >= 0 or a list of {d} such "
                                f"numbers, got {dem!r}")
                arr = np.zeros(d)
            demand.setdefault(r, [None] * len(ids))[k] = arr
        for key, into in (("requires", requires), ("excludes", excludes)):
            refs = p.get(key, [])
            if not isinstance(refs, list):
                problems.append(f"{where}: field '{key}' must be a list of ids, got {refs!r}")
                continue
            for q in refs:
                if q not in pos or q == pid:
                    problems.append(f"{where}: field '{key}' names {'itself' if q == pid else f'an unknown id {q!r}'}")
                else:
                    into.append((k, pos[q]))

    budget = spec.get("budget")
    total = per_period = None
    if isinstance(budget, dict):
        unknown_b = sorted(set(budget) - {"total", "per_period"})
        if unknown_b:
            problems.append(f"field 'budget': unknown field(s) {', '.join(map(repr, unknown_b))}")
        total, per_period = budget.get("total"), budget.get("per_period")
    elif isinstance(budget, list):
        per_period = budget
    elif budget is not None:
        total = budget
    if total is not None and not _number(total):
        problems.append(f"field 'budget.total' must be a finite number, got {total!r}")
        total = None
    if per_period is not None:
        per_period = _limits(per_period, T, "field 'budget.per_period'", problems)
    capacity: dict[str, list[float]] = {}
    for r, cap in (spec.get("resources") or {}).items():
        lim = _limits(cap, T, f"field 'resources.{r}'", problems)
        if lim is not None:
            capacity[r] = lim
    groups = []
    for g in spec.get("groups") or []:
        if not isinstance(g, dict) or not isinstance(g.get("category"), str):
            problems.append(f"field 'groups': each group needs a 'category', got {g!r}")
            continue
        bad = [key for key, v in g.items() if key != "category" and (key not in _GROUP_KEYS or not _number(v))]
        if bad:
            problems.append(f"group '{g['category']}': field(s) {', '.join(map(repr, bad))} must be among "
                            f"{', '.join(sorted(_GROUP_KEYS))} with a finite number")
        groups.append({key: v for key, v in g.items() if key == "category" or key in _GROUP_KEYS})
    counts = {}
    for key in ("min_projects", "max_projects"):
        v = spec.get(key)
        if v is not None and not (isinstance(v, int) and not isinstance(v, bool) and v >= 0):
            problems.append(f"field '{key}' must be a whole number >= 0, got {v!r}")
            v = None
        counts[key] = v
    if problems:
        raise ValueError(f"{name}: " + "; ".join(problems))

    n = len(ids)
    dem = {r: [a if a is not None else np.zeros(duration[k]) for k, a in enumerate(arrs)]
           for r, arrs in demand.items()}
    for r in capacity:  # a capacity on a resource no project uses: a row of zeros
        dem.setdefault(r, [np.zeros(d) for d in duration])
    return Instance(
        name=name, periods=T, ids=ids, category=category, duration=np.array(duration, dtype=int), cost=cost,
        value=np.array(value, float), probability=np.array(prob, float), earliest=np.array(early, dtype=int),
        latest=np.array(late, dtype=int), mandatory=np.array(mandatory, bool), requires=requires,
        excludes=excludes, demand=dem, budget_total=None if total is None else float(total),
        budget_per_period=per_period, capacity=capacity, groups=groups,
        excluded=np.array(excluded, bool) if any(excluded) else None,
        min_projects=counts["min_projects"], max_projects=counts["max_projects"],
    )


def read_orlib(path: str | Path) -> list[MKP]:
    """An OR-Library multidimensional-knapsack file at any path: ``mknap2``'s format (``problem NAME.DAT``
    blocks) where it has such lines, else ``mknap1`` / ``mknapcb``'s."""
    path = Path(path)
    with open(path, encoding="ascii") as fh:
        blocks = any(line.lstrip().startswith("problem ") for line in fh)
    return (read_mknap2 if blocks else read_mknap)(path)


def _path_and_range(selection: str) -> tuple[str, str]:
    """``PATH`` or ``PATH:a-b`` → (PATH, "a-b" or "")."""
    head, sep, tail = selection.rpartition(":")
    if sep and tail and all(part.isdigit() for part in tail.split("-", 1)):
        return head, tail
    return selection, ""


def is_file_selection(selection: str) -> bool:
    """Whether a selection names a file: an engine request (``.json``) or an OR-Library file (``PATH[:a-b]``)."""
    return Path(_path_and_range(selection)[0]).is_file()


def file_instances(selection: str) -> list[Instance]:
    """The instances of a file given by path: an engine request ``x.json`` (one instance, named by
    the path), or an OR-Library file ``PATH`` / ``PATH:a-b`` (named ``PATH#k``, k 1-based; known
    optima from the file, best-known values from a ``best_known.csv`` beside it, if there is one)."""
    path, sel = _path_and_range(selection)
    if path.lower().endswith(".json"):
        if sel:
            raise ValueError(f"{selection}: a request file holds one instance (no ':a-b')")
        import json

        with open(path, encoding="utf-8") as fh:
            try:
                spec = json.load(fh)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}: not valid JSON ({exc})") from None
        return [instance_from_spec(spec, path)]
    probs = read_orlib(path)
    first, last = 1, len(probs)
    if sel:
        a, _, b = sel.partition("-")
        first, last = int(a), int(b or a)
        if not 1 <= first <= last <= len(probs):
            raise ValueError(f"{selection}: the file holds problems 1 to {len(probs)}")
    folder = Path(path).resolve().parent
    bk = best_known(str(folder)) if (folder / "best_known.csv").is_file() else {}
    stem = Path(path).stem
    out = []
    for k in range(first, last + 1):
        val, proven = bk.get(f"{stem}-{k}", (None, False))
        inst = probs[k - 1].instance(best_known=val, proven=proven)
        out.append(dataclasses.replace(inst, name=f"{path}#{k}"))
    return out
