"""Uncertainty: costs and values as three-point estimates, sampled with a seed.

An :class:`Uncertainty` holds, per project (or per category, or for every
project), a three-point estimate — minimum, most likely, maximum — of its
cost or its value, with a distribution: triangular, PERT (Beta-PERT, λ = 4),
normal (mean = most likely, σ = (max − min)/6) or lognormal (σ of the log =
(ln max − ln min)/6, mode = most likely).  Estimates for a project are
absolute figures (its total cost, its value) unless ``relative``; those for a
category or ``"*"`` are factors (1 = as planned) drawn independently for each
project.  A project's own row overrides its category's, which overrides ``"*"``.
A sampled cost scales the project's whole cost profile.

:func:`simulate` draws ``n`` samples (numpy ``default_rng(seed)``) and
reports, over the samples,

- for a chosen portfolio (the base optimum by default): its value, its spend
  in each period, the probability that it overruns each budget, and its
  value-at-risk;
- re-optimising each sample (a batch of solves, in parallel by default): how
  often each project is selected and the distribution of the optimal value.

:func:`chance_constrained` picks the portfolio of best sample-average value
whose budgets are overrun in at most a given share of the samples.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..constraints import BudgetLimit
from ..errors import SolverError, ValidationError
from ..problem import Problem
from .batch import run_batch, solver_kwargs
from .scenarios import Scenario

__all__ = ["Estimate", "Uncertainty", "Simulation", "ChanceResult", "sample_factors", "sample_scenarios",
           "simulate", "chance_constrained", "DISTRIBUTIONS"]

DISTRIBUTIONS = ("triangular", "pert", "normal", "lognormal")
FIELDS = ("cost", "value")


@dataclasses.dataclass(frozen=True)
class Estimate:
    """A three-point estimate (minimum, most likely, maximum) and its distribution.

    Examples
    --------
    >>> e = Estimate(80, 100, 150, "pert")
    >>> round(e.mean, 4)
    105.0
    >>> s = e.sample(np.random.default_rng(0), 1000)
    >>> bool(s.min() >= 80 and s.max() <= 150)
    True
    """

    low: float
    mode: float
    high: float
    kind: str = "pert"

    def __post_init__(self) -> None:
        vals = (self.low, self.mode, self.high)
        if not all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                   and math.isfinite(v) for v in vals):
            raise ValidationError(f"estimate: low, mode and high must be finite numbers, got {vals!r}")
        for f, v in zip(("low", "mode", "high"), vals):
            object.__setattr__(self, f, float(v))
        if not self.low <= self.mode <= self.high:
            raise ValidationError(f"estimate: needs low ≤ mode ≤ high, got {self.low:g}, {self.mode:g}, {self.high:g}")
        if self.kind not in DISTRIBUTIONS:
            raise ValidationError(f"estimate: distribution must be one of {', '.join(DISTRIBUTIONS)}, got {self.kind!r}")
        if self.kind == "lognormal" and self.low <= 0:
            raise ValidationError(f"estimate: a lognormal needs low > 0, got {self.low:g}")

    @property
    def _sigma_log(self) -> float:
        return (math.log(self.high) - math.log(self.low)) / 6.0

    @property
    def mean(self) -> float:
        a, m, b = self.low, self.mode, self.high
        if self.kind == "triangular":
            return (a + m + b) / 3.0
        if self.kind == "pert":
            return (a + 4.0 * m + b) / 6.0
        if self.kind == "normal":
            return m
        s = self._sigma_log
        return math.exp(math.log(m) + s * s + s * s / 2.0)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws from the distribution (the generator advances by a fixed amount for a given ``n``)."""
        a, m, b = self.low, self.mode, self.high
        if b == a:
            return np.full(n, a)
        if self.kind == "triangular":
            return rng.triangular(a, m, b, size=n)
        if self.kind == "pert":
            al = 1.0 + 4.0 * (m - a) / (b - a)
            be = 1.0 + 4.0 * (b - m) / (b - a)
            return a + (b - a) * rng.beta(al, be, size=n)
        if self.kind == "normal":
            return rng.normal(m, (b - a) / 6.0, size=n)
        s = self._sigma_log
        return np.exp(rng.normal(math.log(m) + s * s, s, size=n))


@dataclasses.dataclass(frozen=True)
class _Row:
    target: str
    field: str
    estimate: Estimate
    relative: bool


@dataclasses.dataclass(frozen=True)
class Uncertainty:
    """Three-point estimates of cost and value per project, category (``"category:NAME"``) or ``"*"``.

    Build one with :meth:`from_frame` (a DataFrame or list of dicts with
    columns ``target``, ``field`` (cost or value), ``low``, ``mode``,
    ``high``, and optional ``dist`` (default pert) and ``relative``).

    Examples
    --------
    >>> u = Uncertainty.from_frame([
    ...     {"target": "*", "field": "cost", "low": 0.9, "mode": 1.0, "high": 1.4},
    ...     {"target": "A", "field": "value", "low": 5, "mode": 10, "high": 12, "dist": "triangular"}])
    >>> len(u.rows), u.rows[0].relative, u.rows[1].relative
    (2, True, False)
    """

    rows: tuple[_Row, ...]

    @classmethod
    def from_frame(cls, data: pd.DataFrame | Iterable[Mapping[str, Any]]) -> Uncertainty:
        recs = data.to_dict("records") if isinstance(data, pd.DataFrame) else list(data)
        rows, problems = [], []
        allowed = {"target", "id", "field", "low", "mode", "high", "dist", "relative"}
        for k, r in enumerate(recs):
            where = f"uncertainty row {k + 1}"
            if not isinstance(r, Mapping):
                problems.append(f"{where}: expected an object, got {type(r).__name__}")
                continue
            extra = sorted(set(r) - allowed)
            if extra:
                problems.append(f"{where}: unknown field(s) {', '.join(extra)} (known: {', '.join(sorted(allowed))})")
                continue
            target = r.get("target", r.get("id"))
            field = r.get("field", "cost")
            if not isinstance(target, str) or not target:
                problems.append(f"{where}: 'target' must be a project id, 'category:NAME' or '*', got {target!r}")
                continue
            if field not in FIELDS:
                problems.append(f"{where} ('{target}'): 'field' must be cost or value, got {field!r}")
                continue
            try:
                est = Estimate(r.get("low"), r.get("mode"), r.get("high"), r.get("dist") or "pert")  # type: ignore[arg-type]
            except ValidationError as exc:
                problems.extend(f"{where} ('{target}' {field}): {m}" for m in exc.problems)
                continue
            rel = r.get("relative")
            if rel is None or (isinstance(rel, float) and math.isnan(rel)):
                rel = target == "*" or target.startswith("category:")
            elif not rel and (target == "*" or target.startswith("category:")):
                problems.append(f"{where} ('{target}'): estimates for a category or '*' must be relative factors")
                continue
            rows.append(_Row(target, field, est, bool(rel)))
        if problems:
            raise ValidationError(problems)
        return cls(tuple(rows))

    def governing(self, problem: Problem) -> dict[tuple[str, str], _Row]:
        """(project id, field) → the row that applies (project over category over ``"*"``)."""
        f = problem.table.frame
        ids = set(f.index)
        cats = set(f["category"].dropna())
        problems = []
        for r in self.rows:
            if r.target.startswith("category:") and r.target[9:] not in cats:
                problems.append(f"uncertainty: unknown category '{r.target[9:]}'")
            elif r.target != "*" and not r.target.startswith("category:") and r.target not in ids:
                problems.append(f"uncertainty: unknown project id '{r.target}'")
            if r.field == "value" and not r.relative and problem.objective != "value":
                problems.append(f"uncertainty: '{r.target}' value: with objective '{problem.objective}' "
                                "give value estimates as relative factors")
            if r.field == "value" and problem.objective == "score":
                problems.append("uncertainty: value estimates have no meaning with objective 'score'")
        if problems:
            raise ValidationError(sorted(set(problems)))
        out: dict[tuple[str, str], _Row] = {}
        level: dict[tuple[str, str], int] = {}
        for pid, cat in zip(f.index, f["category"]):
            for r in self.rows:
                if r.target == pid:
                    lvl = 2
                elif cat is not None and r.target == f"category:{cat}":
                    lvl = 1
                elif r.target == "*":
                    lvl = 0
                else:
                    continue
                key = (str(pid), r.field)
                if lvl >= level.get(key, -1):  # a later row of the same level wins
                    out[key], level[key] = r, lvl
        return out


def sample_factors(problem: Problem, uncertainty: Uncertainty, n: int, seed: int | None = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cost and value factors per sample (rows) and project (columns); 1 where a project is certain.

    Draws are made project by project (input order), cost before value, from
    ``numpy.random.default_rng(seed)``; the same seed gives the same samples.

    Examples
    --------
    >>> import pandas as pd
    >>> p = Problem.from_frame(pd.DataFrame({"id": ["A", "B"], "cost": [10, 5], "value": [3, 2]}))
    >>> u = Uncertainty.from_frame([{"target": "A", "field": "cost", "low": 8, "mode": 10, "high": 20}])
    >>> cf, vf = sample_factors(p, u, 3, seed=1)
    >>> cf.shape, bool((cf["B"] == 1).all()), bool((vf == 1).all().all())
    ((3, 2), True, True)
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValidationError(f"the number of samples must be a whole number ≥ 1, got {n!r}")
    gov = uncertainty.governing(problem)
    f = problem.table.frame
    rng = np.random.default_rng(seed)
    cost = np.ones((n, len(f)))
    value = np.ones((n, len(f)))
    tc = f["total_cost"].to_numpy(float)
    base_v = f["value"].to_numpy(float)
    problems = []
    for k, pid in enumerate(f.index.tolist()):
        for field, arr, base in (("cost", cost, tc), ("value", value, base_v)):
            r = gov.get((str(pid), field))
            if r is None:
                continue
            x = r.estimate.sample(rng, n)
            if not r.relative:
                if base[k] == 0:
                    problems.append(f"uncertainty: project '{pid}' has {field} 0; give its estimate as relative factors")
                    continue
                x = x / base[k]
            arr[:, k] = x
    if problems:
        raise ValidationError(problems)
    cost = np.maximum(cost, 0.0)  # a normal draw below zero means "free", not a refund
    idx = pd.RangeIndex(n, name="sample")
    cols = pd.Index(f.index, name="id")
    return pd.DataFrame(cost, index=idx, columns=cols), pd.DataFrame(value, index=idx, columns=cols)


def sample_scenarios(problem: Problem, uncertainty: Uncertainty, n: int, seed: int | None = 0) -> list[Scenario]:
    """The samples as scenarios (``cost_scale`` / ``value_scale`` per uncertain project), named ``sample k``."""
    cf, vf = sample_factors(problem, uncertainty, n, seed)
    gov = uncertainty.governing(problem)
    c_ids = [i for i in cf.columns if (str(i), "cost") in gov]
    v_ids = [i for i in vf.columns if (str(i), "value") in gov]
    return [Scenario(f"sample {k}", cost_scale={str(i): float(cf.iat[k, cf.columns.get_loc(i)]) for i in c_ids},
                     value_scale={str(i): float(vf.iat[k, vf.columns.get_loc(i)]) for i in v_ids})
            for k in range(n)]


def _sample_task(problem: Problem, kwargs: Mapping[str, Any]) -> tuple[str, float | None, np.ndarray]:
    """Work unit: solve one sampled problem; return only what the statistics need."""
    from ..optimize import select

    r = select(problem, **dict(kwargs))
    return r.status.value, (float(r.objective) if r.has_solution else None), r.starts.to_numpy(int)


def _objective_parts(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """(v_value_part, v_cost_part) with v_i(sample) = prob·(g·part1 − f·part2): linear in the factors."""
    f = problem.table.frame
    prob = f["probability"].to_numpy(float)
    if problem.objective == "npv":
        r = problem.discount_rate
        pvb = np.array([sum(b / (1 + r) ** k for k, b in enumerate(bs)) for bs in f["benefits"]], float)
        pvc = np.array([sum(c / (1 + r) ** k for k, c in enumerate(cs)) for cs in f["cost"]], float)
        return prob * pvb, prob * pvc
    return prob * problem.objective_values.to_numpy(float), np.zeros(len(f))


def _contributions(problem: Problem, starts: np.ndarray) -> np.ndarray:
    """Spend of each project in each period at its start (zero when not selected), shape (n_projects, T)."""
    T = problem.n_periods
    out = np.zeros((len(starts), T))
    cost = problem.table.cost
    for p in np.flatnonzero(starts >= 0):
        s = int(starts[p])
        k = min(cost.shape[1], T - s)
        out[p, s:s + k] = cost[p, :k]
    return out


@dataclasses.dataclass(frozen=True, eq=False)
class Simulation:
    """The outcome of :func:`simulate`.

    Attributes
    ----------
    problem : Problem
    cost_factors, value_factors : DataFrame
        Samples × projects.
    portfolio : Series
        The chosen portfolio's start per project (-1 = not selected).
    portfolio_value : Series
        Its objective in each sample.
    portfolio_spend : DataFrame
        Its spend per period (and ``total``) in each sample.
    optimal_value : Series or None
        The optimum of each sample (NaN when infeasible); None without re-optimisation.
    selections : DataFrame or None
        Samples × projects, True where the sample's optimum selects the project.
    statuses : Series or None
        Solver status of each sample.
    """

    problem: Problem
    cost_factors: pd.DataFrame
    value_factors: pd.DataFrame
    portfolio: pd.Series
    portfolio_value: pd.Series
    portfolio_spend: pd.DataFrame
    optimal_value: pd.Series | None = None
    selections: pd.DataFrame | None = None
    statuses: pd.Series | None = None

    @property
    def n(self) -> int:
        return len(self.cost_factors)

    @property
    def selection_frequency(self) -> pd.Series:
        """Share of the samples whose optimum selects each project (over the samples with a solution)."""
        if self.selections is None:
            raise ValidationError("selection frequencies need simulate(..., reoptimize=True)")
        ok = self.optimal_value.notna().to_numpy()  # type: ignore[union-attr]
        sel = self.selections.to_numpy(bool)[ok]
        freq = sel.mean(axis=0) if len(sel) else np.full(sel.shape[1], np.nan)
        return pd.Series(freq, index=self.selections.columns, name="selection_frequency")

    def overrun_probability(self) -> pd.Series:
        """Probability that the chosen portfolio's spend exceeds each budget (``any``: at least one)."""
        total, per = self.problem.budget_limits()
        sp = self.portfolio_spend
        out, any_over = {}, np.zeros(self.n, bool)
        for t, lab in enumerate(self.problem.periods):
            if math.isfinite(per[t]):
                over = sp[lab].to_numpy(float) > per[t] + 1e-9 * max(1.0, per[t])
                out[lab] = over.mean()
                any_over |= over
        if math.isfinite(total):
            over = sp["total"].to_numpy(float) > total + 1e-9 * max(1.0, total)
            out["total"] = over.mean()
            any_over |= over
        out["any"] = any_over.mean()
        return pd.Series(out, name="overrun_probability", dtype=float)

    def value_at_risk(self, alpha: float = 0.05) -> pd.Series:
        """The chosen portfolio's value at risk at level ``alpha``.

        ``planned`` is its objective under the base figures, ``mean`` the
        sample mean, ``quantile`` the value it falls below with probability
        ``alpha``, ``var`` = planned − quantile (the shortfall not exceeded
        with probability 1 − alpha) and ``cvar`` = planned − the mean of the
        values at or below the quantile.
        """
        if not 0 < alpha < 1:
            raise ValidationError(f"alpha must be within (0, 1), got {alpha!r}")
        v = self.portfolio_value.to_numpy(float)
        q = float(np.quantile(v, alpha))
        planned = float(self.planned_value)
        tail = v[v <= q]
        return pd.Series({"planned": planned, "mean": float(v.mean()), "quantile": q, "var": planned - q,
                          "cvar": planned - float(tail.mean())}, name=f"value_at_risk_{alpha:g}")

    @property
    def planned_value(self) -> float:
        a, b = _objective_parts(self.problem)
        sel = self.portfolio.to_numpy(int) >= 0
        return float((a - b)[sel].sum())

    def to_frame(self) -> pd.DataFrame:
        """Per project: in the chosen portfolio, selection frequency, mean cost and value factors."""
        df = pd.DataFrame({
            "in_portfolio": self.portfolio.to_numpy(int) >= 0,
            "mean_cost_factor": self.cost_factors.mean().to_numpy(float),
            "mean_value_factor": self.value_factors.mean().to_numpy(float),
        }, index=pd.Index(self.portfolio.index, name="id"))
        if self.selections is not None:
            df["selection_frequency"] = self.selection_frequency.to_numpy(float)
        return df

    def summary(self, alpha: float = 0.05) -> pd.DataFrame:
        """Distribution of the chosen portfolio's value (and of the sample optima) in one table."""
        cols = {"portfolio_value": self.portfolio_value}
        if self.optimal_value is not None:
            cols["optimal_value"] = self.optimal_value
        qs = [alpha, 0.25, 0.5, 0.75, 1 - alpha]
        rows = {}
        for name, s in cols.items():
            v = s.dropna().to_numpy(float)
            rows[name] = {"mean": v.mean() if len(v) else np.nan, "std": v.std(ddof=1) if len(v) > 1 else np.nan,
                          **{f"q{q:g}": (np.quantile(v, q) if len(v) else np.nan) for q in qs}}
        return pd.DataFrame(rows).T

    def to_dict(self, alpha: float = 0.05) -> dict[str, Any]:
        out: dict[str, Any] = {
            "n": self.n,
            "portfolio": [str(i) for i, s in self.portfolio.items() if s >= 0],
            "overrun_probability": {k: float(v) for k, v in self.overrun_probability().items()},
            "value_at_risk": {k: float(v) for k, v in self.value_at_risk(alpha).items()},
        }
        if self.selections is not None:
            out["selection_frequency"] = {str(k): float(v) for k, v in self.selection_frequency.items()}
        return out


def _portfolio_starts(problem: Problem, portfolio: Any) -> np.ndarray:
    if hasattr(portfolio, "starts") and hasattr(portfolio, "status"):
        portfolio = portfolio.starts
    out = np.full(len(problem.ids), -1, dtype=int)
    pos = problem._position
    items = portfolio.items() if isinstance(portfolio, (Mapping, pd.Series)) else ((i, None) for i in portfolio)
    for pid, s in items:
        if pid not in pos:
            raise ValidationError(f"portfolio: unknown project id '{pid}'")
        if s is None:
            s = int(problem.table.frame.at[pid, "earliest_start"])
        if int(s) >= 0:
            out[pos[pid]] = int(s)
    return out


def simulate(
    problem: Problem,
    uncertainty: Uncertainty | pd.DataFrame | Iterable[Mapping[str, Any]],
    n: int = 100,
    seed: int | None = 0,
    *,
    portfolio: Any = None,
    reoptimize: bool = True,
    solver: str | Mapping[str, Any] = "auto",
    executor: Any = None,
    progress: bool = False,
) -> Simulation:
    """Sample costs and values; evaluate a chosen portfolio and (optionally) re-optimise each sample.

    Parameters
    ----------
    problem : Problem
    uncertainty : Uncertainty or rows for :meth:`Uncertainty.from_frame`
    n : int
        Number of samples.
    seed : int, optional
        Seed of ``numpy.random.default_rng``.
    portfolio : PortfolioResult, Series/dict id → start, or list of ids, optional
        The portfolio to evaluate (default: the base optimum).  A list of ids
        starts each project at its earliest start.
    reoptimize : bool
        Also solve every sample (selection frequencies, distribution of the optimum).
    solver, executor, progress
        As in :func:`~portfolio_opt.analysis.scenarios.run_scenarios`.

    Returns
    -------
    Simulation

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": ["A", "B", "C"], "cost": [4, 3, 2], "value": [10, 7, 5]})
    >>> p = Problem.from_frame(df, budget=6)
    >>> u = [{"target": "*", "field": "cost", "low": 0.8, "mode": 1.0, "high": 1.5}]
    >>> sim = simulate(p, u, n=20, seed=1, executor="serial")
    >>> float(sim.overrun_probability()["total"]), sim.selection_frequency.round(2).to_dict()
    (0.7, {'A': 0.3, 'B': 0.7, 'C': 1.0})
    """
    if not isinstance(problem, Problem):
        raise ValidationError(f"simulate() needs a Problem, got {type(problem).__name__}")
    unc = uncertainty if isinstance(uncertainty, Uncertainty) else Uncertainty.from_frame(uncertainty)
    kw = {**solver_kwargs(solver), "diagnose": False}
    cf, vf = sample_factors(problem, unc, n, seed)
    if portfolio is None:
        from ..optimize import select

        base = select(problem, **kw)
        if not base.has_solution:
            raise ValidationError(f"the base problem has no solution ({base.status.value}); pass a portfolio to evaluate")
        portfolio = base
    starts = _portfolio_starts(problem, portfolio)
    sel = starts >= 0
    a, b = _objective_parts(problem)
    values = (vf.to_numpy(float) * a - cf.to_numpy(float) * b)[:, sel].sum(axis=1)
    contrib = _contributions(problem, starts)
    spend = cf.to_numpy(float) @ contrib
    spend_df = pd.DataFrame(spend, index=cf.index, columns=list(problem.periods))
    spend_df["total"] = spend.sum(axis=1)
    sim = Simulation(problem, cf, vf, pd.Series(starts, index=problem.ids, name="start"),
                     pd.Series(values, index=cf.index, name="portfolio_value"), spend_df)
    if not reoptimize:
        return sim
    scs = sample_scenarios(problem, unc, n, seed)
    items = [(s.apply(problem), kw) for s in scs]
    outs = run_batch(_sample_task, items, executor=executor, progress=progress, desc="samples")
    st, obj, rows = [], [], []
    for o in outs:
        if o.ok:
            status, v, s = o.value
        else:
            status, v, s = "failed", None, np.full(len(problem.ids), -1)
        st.append(status)
        obj.append(np.nan if v is None else v)
        rows.append(np.asarray(s) >= 0)
    return dataclasses.replace(
        sim,
        optimal_value=pd.Series(obj, index=cf.index, name="optimal_value", dtype=float),
        selections=pd.DataFrame(np.array(rows, bool), index=cf.index, columns=cf.columns),
        statuses=pd.Series(st, index=cf.index, name="status"),
    )


# --------------------------------------------------------------------------- chance constraint


@dataclasses.dataclass(frozen=True, eq=False)
class ChanceResult:
    """The portfolio of :func:`chance_constrained`.

    ``objective`` is the sample-average expected value; ``overrun_share`` the
    share of the samples in which the portfolio overruns a budget (at most
    ``max_overrun``); ``starts`` the start per project (-1 = not selected).
    """

    problem: Problem
    status: str
    objective: float | None
    starts: pd.Series
    overrun_share: float | None
    max_overrun: float
    n: int
    seconds: float

    @property
    def selected_ids(self) -> list[str]:
        return [str(i) for i, s in self.starts.items() if s >= 0]

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "objective": self.objective, "selected": self.selected_ids,
                "starts": {str(i): int(s) for i, s in self.starts.items() if s >= 0},
                "overrun_share": self.overrun_share, "max_overrun": self.max_overrun, "n": self.n}


def chance_constrained(
    problem: Problem,
    uncertainty: Uncertainty | pd.DataFrame | Iterable[Mapping[str, Any]],
    n: int = 100,
    seed: int | None = 0,
    *,
    max_overrun: float = 0.1,
    solver: str | Mapping[str, Any] = "auto",
) -> ChanceResult:
    """The best portfolio (sample-average value) whose budgets hold in all but ``max_overrun`` of the samples.

    A sample-average approximation: each sample k has a binary z_k that may
    excuse it; every budget row holds in every sample unless z_k = 1, and
    Σ z_k ≤ ⌊max_overrun · n⌋.  The budgets of the problem are replaced by
    these rows (a *joint* chance constraint over all budgets); every other
    constraint holds as given.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": ["A", "B", "C"], "cost": [4, 3, 2], "value": [10, 7, 5]})
    >>> p = Problem.from_frame(df, budget=6)
    >>> u = [{"target": "*", "field": "cost", "low": 0.8, "mode": 1.0, "high": 1.5}]
    >>> r = chance_constrained(p, u, n=20, seed=1, max_overrun=0.1)
    >>> r.selected_ids, r.overrun_share <= 0.1
    (['B', 'C'], True)
    """
    import scipy.sparse as sp

    from .._compile import compile_problem
    from .._solvers import SolverOptions, solve

    if not (isinstance(max_overrun, (int, float)) and 0 <= max_overrun < 1):
        raise ValidationError(f"max_overrun must be within [0, 1), got {max_overrun!r}")
    unc = uncertainty if isinstance(uncertainty, Uncertainty) else Uncertainty.from_frame(uncertainty)
    kw = solver_kwargs(solver)
    cf, vf = sample_factors(problem, unc, n, seed)
    F = cf.to_numpy(float)
    budgets = [c for c in problem.constraints if isinstance(c, BudgetLimit)]
    det = problem.replace(constraints=tuple(c for c in problem.constraints if not isinstance(c, BudgetLimit)))
    comp = compile_problem(det)
    m = comp.model
    N = m.n_cols
    cp, cs = comp.col_proj, comp.col_start
    cost = problem.table.cost
    T = problem.n_periods
    # spend of each column in each period, and in total
    S = np.zeros((T, N))
    for k in range(cost.shape[1]):
        t = cs + k
        ok = t < T
        S[t[ok], np.flatnonzero(ok)] = cost[cp[ok], k]
    tc = problem.table.frame["total_cost"].to_numpy(float)[cp]
    a, b = _objective_parts(problem)
    V = vf.to_numpy(float)
    c = ((V * a).mean(axis=0) - (F * b).mean(axis=0))[cp]
    rows, lo, hi = [], [], []
    for kk in range(n):
        scale = F[kk, cp]
        for bl in budgets:
            coeffs = (tc if bl.period is None else S[bl.period]) * scale
            big = max(float(np.clip(coeffs, 0, None).sum()) - bl.amount, 0.0)
            z = np.zeros(n)
            z[kk] = -big
            rows.append(np.concatenate([coeffs, z]))
            lo.append(-np.inf)
            hi.append(bl.amount)
    cap = math.floor(max_overrun * n + 1e-9)
    rows.append(np.concatenate([np.zeros(N), np.ones(n)]))
    lo.append(-np.inf)
    hi.append(float(cap))
    extra = sp.csr_matrix(np.array(rows))
    A = sp.vstack([sp.hstack([m.A, sp.csr_matrix((m.n_rows, n))]), extra]).tocsr()
    model = dataclasses.replace(
        m, c=np.concatenate([c, np.zeros(n)]), A=A,
        row_lo=np.concatenate([m.row_lo, lo]), row_hi=np.concatenate([m.row_hi, hi]),
        col_lo=np.concatenate([m.col_lo, np.zeros(n)]), col_hi=np.concatenate([m.col_hi, np.ones(n)]),
        integrality=np.concatenate([m.integrality, np.ones(n, dtype=m.integrality.dtype)]),
    )
    opts = SolverOptions(time_limit=kw.get("time_limit"), mip_gap=float(kw.get("mip_gap", 0.0)),
                         threads=kw.get("threads"))
    raw = solve(model, opts, kw.get("solver", "auto"))
    if not raw.status.has_solution or raw.x is None:
        return ChanceResult(problem, raw.status.value, None,
                            pd.Series(np.full(len(problem.ids), -1), index=problem.ids, name="start"),
                            None, float(max_overrun), n, raw.seconds)
    starts = comp.starts(raw.x[:N])
    from ..result import check_portfolio

    bad = check_portfolio(det, starts)
    if bad:
        raise SolverError("the chance-constrained portfolio breaks a constraint: " + "; ".join(bad[:3]))
    y = starts >= 0
    spend = F @ _contributions(problem, starts)
    totals = (F * problem.table.frame["total_cost"].to_numpy(float))[:, y].sum(axis=1)
    over = np.zeros(n, bool)
    for bl in budgets:
        x = totals if bl.period is None else spend[:, bl.period]
        over |= x > bl.amount + 1e-6 * max(1.0, bl.amount)
    obj = float(((V * a).mean(axis=0) - (F * b).mean(axis=0))[y].sum())
    return ChanceResult(problem, raw.status.value, obj, pd.Series(starts, index=problem.ids, name="start"),
                        float(over.mean()), float(max_overrun), n, raw.seconds)
