"""Sensitivity: criteria weights, the value of more budget or staff, and per-project break-evens.

Every figure here is exact, found by re-solving the integer program — not
read from the duals of a linear relaxation, which can be far off for a
selection problem.

- :func:`weight_sensitivity`: for each criterion (objective ``"score"``), the
  interval of its weight — the other weights rescaled in proportion so all
  still sum to 1 — over which the optimal portfolio stays optimal, and the
  portfolio just beyond each end (a tornado table).  The score of a project is
  linear in the weight, so the value of any fixed portfolio is a line and the
  optimum is their upper envelope; each end is found by intersecting lines
  and checking the intersection with a solve.
- :func:`marginal_values`: the objective gained by one more unit of budget in
  each period (and of the total), and of each resource in each period.
- :func:`best_hire`: which single-role hire (+n of a role from a period on)
  adds the most value for a given hiring budget.
- :func:`project_sensitivity`: per project, the objective with it forced the
  other way, and its break-even value: the value at which an excluded project
  would enter, or below which a selected one would leave.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..constraints import BudgetLimit, CapacityLimit, ForcedOut, Mandatory
from ..errors import SolverError, ValidationError
from ..problem import Problem
from .batch import run_batch, solve_task, solver_kwargs
from .scenarios import Scenario, hire

__all__ = [
    "WeightInterval",
    "WeightSensitivity",
    "weight_sensitivity",
    "weights_at",
    "marginal_values",
    "best_hire",
    "project_sensitivity",
]


def _base(problem: Problem, base: Any, kw: Mapping[str, Any]) -> Any:
    from ..optimize import select

    if base is None:
        base = select(problem, **kw)
    if not base.has_solution:
        raise ValidationError(f"the base problem has no solution (status {base.status.value}); "
                              "sensitivity needs a feasible base: " + "; ".join(base.diagnosis))
    return base


# --------------------------------------------------------------------------- weights


def weights_at(problem: Problem, criterion: str, weight: float) -> dict[str, float]:
    """Normalised weights with ``criterion`` at ``weight`` and the others rescaled in proportion.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": ["A", "B"], "cost": [1, 1], "fit": [1, 2], "risk": [2, 1]})
    >>> p = Problem.from_frame(df, objective="score", scoring={"criteria": {"fit": {"weight": 3},
    ...     "risk": {"weight": 1, "direction": "min"}}})
    >>> weights_at(p, "fit", 0.5)
    {'fit': 0.5, 'risk': 0.5}
    """
    if problem.scoring is None:
        raise ValidationError("weight sensitivity needs a scoring model (objective 'score')")
    w = problem.scoring.weights
    if criterion not in w.index:
        raise ValidationError(f"unknown criterion '{criterion}' (criteria: {', '.join(w.index)})")
    if not (0.0 <= weight <= 1.0):
        raise ValidationError(f"a normalised weight must be within [0, 1], got {weight!r}")
    rest = 1.0 - float(w[criterion])
    out = {}
    for name, x in w.items():
        out[str(name)] = float(weight) if name == criterion else (float(x) * (1.0 - weight) / rest if rest > 0 else 0.0)
    return out


def _at(problem: Problem, weights: Mapping[str, float]) -> Problem:
    assert problem.scoring is not None
    return problem.replace(scoring=problem.scoring.with_weights(weights))


@dataclasses.dataclass(frozen=True)
class WeightInterval:
    """Where one criterion's weight can move without changing the optimal portfolio.

    Attributes
    ----------
    criterion : str
    weight : float
        The current normalised weight.
    low, high : float
        The interval (normalised weights) over which the base portfolio stays optimal.
    below_weight, above_weight : float or None
        A weight just beyond each end (None when the end is 0 or 1).
    below, above : tuple of str or None
        The optimal portfolio at ``below_weight`` / ``above_weight``.
    solves : int
        Solves used.
    """

    criterion: str
    weight: float
    low: float
    high: float
    below_weight: float | None
    above_weight: float | None
    below: tuple[str, ...] | None
    above: tuple[str, ...] | None
    solves: int


@dataclasses.dataclass(frozen=True, eq=False)
class WeightSensitivity:
    """Weight intervals of every criterion (see :func:`weight_sensitivity`)."""

    problem: Problem
    portfolio: tuple[str, ...]
    intervals: tuple[WeightInterval, ...]

    def to_frame(self) -> pd.DataFrame:
        """The tornado table: one row per criterion, widest interval last."""
        base = set(self.portfolio)

        def change(sel: tuple[str, ...] | None) -> str:
            if sel is None:
                return ""
            s = set(sel)
            plus = [i for i in sel if i not in base]
            minus = [i for i in self.portfolio if i not in s]
            return " ".join([*(f"+{i}" for i in plus), *(f"-{i}" for i in minus)])

        rows = [{"criterion": iv.criterion, "weight": iv.weight, "low": iv.low, "high": iv.high,
                 "width": iv.high - iv.low, "below": change(iv.below), "above": change(iv.above)}
                for iv in self.intervals]
        df = pd.DataFrame(rows, columns=["criterion", "weight", "low", "high", "width", "below", "above"])
        return df.set_index("criterion").sort_values("width", kind="stable")

    def to_dict(self) -> dict[str, Any]:
        return {"portfolio": list(self.portfolio),
                "intervals": [{k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(iv).items()}
                              for iv in self.intervals]}

    def plot(self, ax: Any = None) -> Any:
        """Tornado chart: each criterion's stable interval, with its current weight marked; returns the Axes."""
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(7, 0.6 * len(self.intervals) + 1.5))
        df = self.to_frame()
        y = np.arange(len(df))
        ax.barh(y, df["width"], left=df["low"], color="tab:blue", alpha=0.6, label="portfolio unchanged")
        ax.plot(df["weight"], y, "k|", markersize=14, label="current weight")
        ax.set_yticks(y, labels=list(df.index))
        ax.set_xlim(0, 1)
        ax.set_xlabel("normalised weight (others rescaled in proportion)")
        ax.set_title("Weight sensitivity")
        ax.legend(loc="lower right")
        return ax


def weight_sensitivity(
    problem: Problem,
    *,
    criteria: Sequence[str] | None = None,
    base: Any = None,
    solver: str | Mapping[str, Any] = "auto",
    max_iter: int = 100,
) -> WeightSensitivity:
    """For each criterion, the weight interval over which the optimal portfolio stays optimal.

    The criterion's normalised weight ``w`` moves over [0, 1] while the other
    weights keep their proportions (and the sum stays 1).  Each end is exact
    up to the solver's optimality tolerance: at the end the base portfolio
    ties with another; just beyond it (``below_weight`` / ``above_weight``) a
    different portfolio is strictly better.

    Parameters
    ----------
    problem : Problem
        With ``objective="score"``.
    criteria : list of str, optional
        Default: every criterion.
    base : PortfolioResult, optional
        The base result, when already solved.
    solver : str or dict
    max_iter : int
        Solves allowed per end.

    Returns
    -------
    WeightSensitivity

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": ["A", "B"], "cost": [1, 1], "fit": [1, 0], "risk": [1, 0]})
    >>> p = Problem.from_frame(df, budget=1, objective="score", scoring={"criteria": {
    ...     "fit": {"weight": 3}, "risk": {"weight": 1, "direction": "min"}}})
    >>> ws = weight_sensitivity(p)
    >>> iv = ws.intervals[0]
    >>> ws.portfolio, iv.criterion, iv.low, iv.high, iv.below
    (('A',), 'fit', 0.5, 1.0, ('B',))
    """
    if problem.objective != "score" or problem.scoring is None:
        raise ValidationError("weight sensitivity needs objective 'score' and a scoring model")
    kw = {**solver_kwargs(solver), "diagnose": False}
    base = _base(problem, base, kw)
    names = list(problem.scoring.weights.index)
    crits = names if criteria is None else list(criteria)
    unknown = [c for c in crits if c not in names]
    if unknown:
        raise ValidationError(f"unknown criteria {', '.join(unknown)} (criteria: {', '.join(names)})")
    from ..optimize import select

    scores = problem.scores
    assert scores is not None
    norm = scores[names].to_numpy(float)
    prob = problem.table.frame["probability"].to_numpy(float)
    w = problem.scoring.weights.to_numpy(float)
    sel0 = base.starts.to_numpy(int) >= 0
    ids = list(problem.ids)
    out = []
    for crit in crits:
        k = names.index(crit)
        wk = float(w[k])
        if wk >= 1.0 - 1e-12:  # no other weight to rescale
            out.append(WeightInterval(crit, wk, wk, wk, None, None, None, None, 0))
            continue
        others = np.delete(np.arange(len(names)), k)
        r = norm[:, others] @ w[others] / (1.0 - wk)
        a, b = prob * r, prob * (norm[:, k] - r)  # expected score of each project: a + b·w

        def line(sel: np.ndarray) -> tuple[float, float]:
            return float(a[sel].sum()), float(b[sel].sum())

        n_solves = 0

        def solve(x: float) -> np.ndarray:
            nonlocal n_solves
            n_solves += 1
            res = select(_at(problem, weights_at(problem, crit, x)), **kw)
            if not res.has_solution:  # pragma: no cover - weights do not change feasibility
                raise SolverError(f"weight sensitivity: no solution at {crit}={x:g} ({res.status.value})")
            return res.starts.to_numpy(int) >= 0

        A0, B0 = line(sel0)

        def tol(x: float) -> float:
            return 1e-6 * max(1.0, abs(A0 + B0 * x))

        ends = []
        for edge in (1.0, 0.0):
            x, s = edge, solve(edge)
            end = edge
            for _ in range(max_iter):
                A, B = line(s)
                if A + B * x <= A0 + B0 * x + tol(x):  # the base portfolio is still optimal at x
                    break
                end = (A0 - A) / (B - B0)  # where the better portfolio's line meets the base line
                end = min(max(end, 0.0), 1.0)
                x, s = end, solve(end)
            else:  # pragma: no cover - bounded by the number of distinct portfolios
                raise SolverError(f"weight sensitivity of '{crit}': no convergence in {max_iter} solves")
            ends.append(end)
        hi, lo = ends
        beyond: list[tuple[float | None, tuple[str, ...] | None]] = []
        for end, direction in ((lo, -1.0), (hi, 1.0)):
            if (direction < 0 and end <= 0.0) or (direction > 0 and end >= 1.0):
                beyond.append((None, None))
                continue
            # just beyond the end: the first step at which another portfolio is strictly better
            room = end if direction < 0 else 1.0 - end
            step, found = min(1e-4, room), None
            while True:
                x = min(max(end + direction * step, 0.0), 1.0)
                s = solve(x)
                A, B = line(s)
                if A + B * x > A0 + B0 * x + tol(x):
                    found = (x, tuple(ids[i] for i in np.flatnonzero(s)))
                    break
                if step >= room:
                    break
                step = min(4.0 * step, room)
            beyond.append(found if found is not None else (None, None))
        (bw, bsel), (aw, asel) = beyond
        out.append(WeightInterval(crit, wk, float(lo), float(hi), bw, aw, bsel, asel, n_solves))
    return WeightSensitivity(problem, tuple(ids[i] for i in np.flatnonzero(sel0)), tuple(out))


# --------------------------------------------------------------------------- budget and capacity


def _raised(problem: Problem, key: tuple[str, str | None, int | None], delta: float) -> Problem:
    kind, res, period = key
    cons = []
    for c in problem.constraints:
        if kind == "budget" and isinstance(c, BudgetLimit) and c.period == period:
            c = dataclasses.replace(c, amount=c.amount + delta)
        elif kind == "capacity" and isinstance(c, CapacityLimit) and c.resource == res and c.period == period:
            c = dataclasses.replace(c, amount=c.amount + delta)
        cons.append(c)
    return problem.replace(constraints=tuple(cons))


def marginal_values(
    problem: Problem,
    *,
    delta: float = 1.0,
    base: Any = None,
    solver: str | Mapping[str, Any] = "auto",
    executor: Any = None,
    progress: bool = False,
) -> pd.DataFrame:
    """The objective gained by ``delta`` more units of each budget and each resource in each period.

    One re-solve per limit (the total budget, each period's budget, each
    resource's capacity in each period); limits that are not set are left out.

    Returns
    -------
    DataFrame
        One row per limit: ``kind`` (budget or capacity), ``resource``,
        ``period`` (label, or ``"total"``), ``limit``, ``use``, ``slack``,
        ``objective`` (re-solved with the limit raised), ``gain`` and
        ``marginal_value`` (gain per unit), ``status``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": ["A", "B"], "cost": [[3, 1], [2, 2]], "value": [10, 7]})
    >>> p = Problem.from_frame(df, budget_per_period=[5, 2])
    >>> marginal_values(p, executor="serial")[["period", "limit", "use", "marginal_value"]]
         period  limit  use  marginal_value
    0  period 0    5.0  3.0             0.0
    1  period 1    2.0  1.0             7.0
    """
    if isinstance(delta, bool) or not isinstance(delta, (int, float)) or not delta > 0 or not math.isfinite(delta):
        raise ValidationError(f"marginal_values: 'delta' must be a positive number, got {delta!r}")
    kw = {**solver_kwargs(solver), "diagnose": False}
    base = _base(problem, base, kw)
    labels = problem.periods
    total, per = problem.budget_limits()
    spend = base.spend["spend"].to_numpy(float)
    rows: list[dict[str, Any]] = []
    keys: list[tuple[str, str | None, int | None]] = []
    if math.isfinite(total):
        keys.append(("budget", None, None))
        rows.append({"kind": "budget", "resource": None, "period": "total", "limit": total, "use": base.total_spend})
    for t in range(problem.n_periods):
        if math.isfinite(per[t]):
            keys.append(("budget", None, t))
            rows.append({"kind": "budget", "resource": None, "period": labels[t], "limit": per[t], "use": spend[t]})
    use = base.resource_use
    for r, cap in problem.capacity_limits().items():
        for t in range(problem.n_periods):
            if math.isfinite(cap[t]):
                keys.append(("capacity", r, t))
                rows.append({"kind": "capacity", "resource": r, "period": labels[t], "limit": cap[t],
                             "use": float(use[(r, "use")].iloc[t])})
    items = [(_raised(problem, key, float(delta)), kw) for key in keys]
    outs = run_batch(solve_task, items, executor=executor, progress=progress, desc="marginal values")
    obj0 = float(base.objective)
    for row, o in zip(rows, outs):
        if not o.ok:
            raise SolverError(f"marginal value of {row['kind']} {row['resource'] or ''} {row['period']}: {o.error}")
        res = o.value
        row["slack"] = row["limit"] - row["use"]
        row["objective"] = float(res.objective) if res.has_solution else None
        row["gain"] = None if row["objective"] is None else row["objective"] - obj0
        row["marginal_value"] = None if row["gain"] is None else row["gain"] / float(delta)
        row["status"] = res.status.value
    cols = ["kind", "resource", "period", "limit", "use", "slack", "objective", "gain", "marginal_value", "status"]
    df = pd.DataFrame(rows, columns=cols)
    for c in ("limit", "use", "slack", "objective", "gain", "marginal_value"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    return df


def best_hire(
    problem: Problem,
    unit_cost: float | Mapping[str, float],
    budget: float,
    *,
    max_units: int | None = None,
    base: Any = None,
    solver: str | Mapping[str, Any] = "auto",
    executor: Any = None,
    progress: bool = False,
) -> pd.DataFrame:
    """The single-role hire that adds the most value for a hiring budget.

    A hire is +n of a role from period t to the end of the horizon; it costs
    ``n × unit_cost[role] × (periods from t on)``.  For every role with a
    capacity limit and every start period, the largest affordable n (more
    staff never lowers the optimum) is evaluated by a re-solve.

    Parameters
    ----------
    problem : Problem
    unit_cost : float or dict
        Cost of one unit of a role for one period (one number for all roles, or per role).
    budget : float
        The money available for hiring.
    max_units : int, optional
        At most this many of a role.
    base, solver, executor, progress
        As in :func:`marginal_values`.

    Returns
    -------
    DataFrame
        One row per (role, start period), best first: ``resource``, ``from_period``,
        ``units``, ``hire_cost``, ``objective``, ``gain``, ``gain_per_cost``, ``status``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": ["A", "B"], "cost": [1, 1], "value": [10, 7], "res_eng": [2, 1]})
    >>> p = Problem.from_frame(df, capacity={"eng": 2})
    >>> best_hire(p, unit_cost=3, budget=5, executor="serial")[["resource", "units", "hire_cost", "gain"]]
      resource  units  hire_cost  gain
    0      eng      1        3.0   7.0
    """
    kw = {**solver_kwargs(solver), "diagnose": False}
    base = _base(problem, base, kw)
    caps = {r: c for r, c in problem.capacity_limits().items() if np.isfinite(c).any()}
    if isinstance(unit_cost, (int, float)) and not isinstance(unit_cost, bool):
        costs = {r: float(unit_cost) for r in caps}
    elif isinstance(unit_cost, Mapping):
        unknown = [r for r in unit_cost if r not in caps]
        if unknown:
            raise ValidationError(f"best_hire: no capacity limit on resource(s) {', '.join(map(str, unknown))} "
                                  f"(limited resources: {', '.join(caps) or 'none'})")
        costs = {str(r): float(v) for r, v in unit_cost.items()}
    else:
        raise ValidationError(f"best_hire: 'unit_cost' must be a number or a mapping role → cost, got {unit_cost!r}")
    bad = [r for r, v in costs.items() if not (math.isfinite(v) and v > 0)]
    if bad or not (isinstance(budget, (int, float)) and math.isfinite(budget) and budget >= 0):
        raise ValidationError("best_hire: unit costs must be positive and the budget a number ≥ 0")
    T = problem.n_periods
    rows, items = [], []
    for r, c in costs.items():
        for t in range(T):
            n = int(math.floor(budget / (c * (T - t)) + 1e-9))
            if max_units is not None:
                n = min(n, int(max_units))
            if n < 1:
                continue
            sc = Scenario(f"hire {n} {r} from {problem.periods[t]}", resources_add={r: hire(n, t)})
            rows.append({"resource": r, "from_period": problem.periods[t], "units": n, "hire_cost": n * c * (T - t)})
            items.append((sc.apply(problem), kw))
    outs = run_batch(solve_task, items, executor=executor, progress=progress, desc="hires")
    obj0 = float(base.objective)
    for row, o in zip(rows, outs):
        if not o.ok:
            raise SolverError(f"best_hire: the solve for {row['units']} {row['resource']} failed: {o.error}")
        res = o.value
        row["objective"] = float(res.objective) if res.has_solution else None
        row["gain"] = None if row["objective"] is None else row["objective"] - obj0
        row["gain_per_cost"] = None if row["gain"] is None else row["gain"] / row["hire_cost"]
        row["status"] = res.status.value
    cols = ["resource", "from_period", "units", "hire_cost", "objective", "gain", "gain_per_cost", "status"]
    df = pd.DataFrame(rows, columns=cols)
    for c in ("hire_cost", "objective", "gain", "gain_per_cost"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    return df.sort_values(["gain", "hire_cost"], ascending=[False, True], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- per project


def project_sensitivity(
    problem: Problem,
    *,
    base: Any = None,
    solver: str | Mapping[str, Any] = "auto",
    executor: Any = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Per project: the optimum with it forced the other way, and its break-even value.

    For a selected project, ``value_change`` is the objective lost if it is
    forced out, and ``break_even`` the objective value (before probability)
    below which it would leave the optimal portfolio.  For a project left out,
    ``value_change`` is the cost of forcing it in and ``break_even`` the value
    at which it would enter.  Both are exact: the optimum with the project
    forced in grows by probability × Δvalue, the optimum without it does not move.
    Mandatory and excluded projects are not flipped (``note`` says why).

    Returns
    -------
    DataFrame
        Indexed by project id: ``selected``, ``objective_value``, ``probability``,
        ``value_if_flipped``, ``value_change``, ``break_even``, ``status_if_flipped``, ``note``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": ["A", "B", "C"], "cost": [4, 3, 2], "value": [10, 7, 5]})
    >>> ps = project_sensitivity(Problem.from_frame(df, budget=6), executor="serial")
    >>> ps[["selected", "value_change", "break_even"]]  # doctest: +NORMALIZE_WHITESPACE
        selected  value_change  break_even
    id
    A       True          -3.0         7.0
    B      False          -3.0        10.0
    C       True          -5.0         0.0
    """
    kw = {**solver_kwargs(solver), "diagnose": False}
    base = _base(problem, base, kw)
    f = problem.table.frame
    ids = list(f.index)
    sel = base.starts.to_numpy(int) >= 0
    v = problem.objective_values.to_numpy(float)
    prob = f["probability"].to_numpy(float)
    mandatory = {c.project for c in problem.constraints if isinstance(c, Mandatory)}
    forced_out = {c.project for c in problem.constraints if isinstance(c, ForcedOut)}
    notes: dict[str, str] = {}
    items, which = [], []
    for k, pid in enumerate(ids):
        if sel[k] and pid in mandatory:
            notes[pid] = "mandatory: not flipped"
        elif not sel[k] and pid in forced_out:
            notes[pid] = "excluded: not flipped"
        else:
            items.append((problem.force_out(pid) if sel[k] else problem.force_in(pid), kw))
            which.append(k)
    outs = run_batch(solve_task, items, executor=executor, progress=progress, desc="projects")
    obj0 = float(base.objective)
    flipped: dict[int, Any] = {}
    for k, o in zip(which, outs):
        if not o.ok:
            raise SolverError(f"project sensitivity of '{ids[k]}': {o.error}")
        flipped[k] = o.value
    rows = []
    for k, pid in enumerate(ids):
        res = flipped.get(k)
        vf = float(res.objective) if res is not None and res.has_solution else None
        change = None if vf is None else vf - obj0
        be = None
        note = notes.get(pid, "")
        if res is not None and not res.has_solution:
            note = "cannot be " + ("dropped" if sel[k] else "added") + f" ({res.status.value})"
        if change is not None:
            if prob[k] > 0:
                be = v[k] + change / prob[k] if sel[k] else v[k] - change / prob[k]
            else:
                note = "probability 0: its value does not count"
        rows.append({"id": pid, "selected": bool(sel[k]), "objective_value": v[k], "probability": prob[k],
                     "value_if_flipped": vf, "value_change": change, "break_even": be,
                     "status_if_flipped": None if res is None else res.status.value, "note": note})
    df = pd.DataFrame(rows).set_index("id")
    for c in ("value_if_flipped", "value_change", "break_even"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    return df
