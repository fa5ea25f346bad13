"""The efficient frontier: the best portfolio value at each level of the total budget.

:func:`efficient_frontier` solves the problem with its total budget set to
each level in turn (per-period budgets and every other constraint kept).
Without levels it walks down from an unlimited total budget and returns
*every* distinct optimal portfolio: at each step it solves, takes the
optimum's cost ``C`` and solves again with the budget just below ``C``; the
frontier is the resulting step function (each point is the cheapest budget at
which its value is reachable).

Beside it, the rank-and-cut curve a spreadsheet gives: mandatory projects
first, then every project in order of expected value per unit of cost (ties by
id), each added (with the projects it requires, at its earliest start that
fits) while every limit still holds.  The difference is the value the greedy
approach leaves on the table.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..constraints import (
    BudgetLimit,
    CapacityLimit,
    Constraint,
    CountLimit,
    Excludes,
    ForcedOut,
    GroupLimit,
    Mandatory,
    Requires,
)
from ..errors import SolverError, ValidationError
from ..problem import Problem
from .batch import run_batch, solve_task, solver_kwargs

__all__ = ["FrontierPoint", "Frontier", "efficient_frontier", "greedy_portfolio", "with_total_budget",
           "check_frontier", "engine_frontier"]


@dataclasses.dataclass(frozen=True)
class FrontierPoint:
    """One level of the frontier: the budget, the status and the portfolio chosen there.

    ``cost`` is the portfolio's total cost (≤ ``budget``); ``violations`` lists
    what a greedy portfolio breaks (the minimums it could not meet).
    """

    budget: float
    status: str
    objective: float | None
    cost: float | None
    selected: tuple[str, ...]
    starts: Mapping[str, int]
    violations: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The engine's frontier entry ``{"budget", "objective", "selected", "status"}``."""
        return {"budget": self.budget, "objective": self.objective, "selected": list(self.selected),
                "status": self.status}


def with_total_budget(problem: Problem, budget: float | None) -> Problem:
    """``problem`` with its total budget set to ``budget`` (None: no total limit); per-period limits kept.

    Examples
    --------
    >>> import pandas as pd
    >>> p = Problem.from_frame(pd.DataFrame({"id": ["A"], "cost": [4], "value": [1]}), budget=6)
    >>> with_total_budget(p, 10).budget_limits()[0], with_total_budget(p, None).budget_limits()[0]
    (10.0, inf)
    """
    cons = [c for c in problem.constraints if not (isinstance(c, BudgetLimit) and c.period is None)]
    if budget is not None and math.isfinite(budget):
        cons.append(BudgetLimit(float(budget)))
    return problem.replace(constraints=tuple(cons))


def _point(budget: float, result: Any) -> FrontierPoint:
    if not result.has_solution:
        return FrontierPoint(float(budget), result.status.value, None, None, (), {})
    return FrontierPoint(float(budget), result.status.value, float(result.objective), float(result.total_spend),
                         tuple(result.selected_ids),
                         {str(i): int(s) for i, s in result.starts.items() if s >= 0})


# --------------------------------------------------------------------------- greedy


def _upper_only(c: Constraint) -> bool:
    """Limits every partial portfolio must meet: those the empty portfolio meets and only an addition can
    break (budgets, capacities, exclusions, maximums).  Shares, which an addition can move either way, are
    kept by :func:`_share_shortfalls`; the others (minimum counts and costs, requirements, mandates) can only
    be reached by adding, and are checked at the end."""
    if isinstance(c, (BudgetLimit, CapacityLimit, Excludes, ForcedOut)):
        return True
    if isinstance(c, (GroupLimit, CountLimit)):
        return c.bound == "max" and getattr(c, "measure", None) != "share"
    return False


def _share_shortfalls(shares: list[GroupLimit], in_category: list[np.ndarray], cost: np.ndarray,
                      selected: np.ndarray) -> np.ndarray:
    """How far the portfolio ``selected`` is from each share limit (0 where it holds), in units of cost.

    >>> grow = GroupLimit("grow", "share", "min", 0.2)
    >>> _share_shortfalls([grow], [np.array([True, False])], np.array([1.0, 9.0]), np.array([False, True]))
    array([1.8])
    """
    total = float(cost[selected].sum())
    part = [float(cost[selected & cat].sum()) for cat in in_category]
    return np.array([max(0.0, c.amount * total - x if c.bound == "min" else x - c.amount * total)
                     for c, x in zip(shares, part)])


def greedy_portfolio(problem: Problem) -> FrontierPoint:
    """The rank-and-cut portfolio: add projects by value per unit of cost while every limit holds.

    Mandatory projects come first, then every other project in decreasing
    order of its expected value (probability × objective value) per unit of
    total cost (ties by id; a project that costs nothing comes first if its
    value is positive, last if negative), as the contract reads ("adding
    projects in order of value per unit of cost while every constraint still
    holds"): a project worth nothing or less is added too when it fits, as
    rank-and-cut funds down the list.  Each is added with the projects it
    requires, each at the earliest start at which the budgets, capacities,
    exclusions and maximums still hold (where a prerequisite's earliest start
    leaves the project that requires it no room, later starts of the
    prerequisite are tried: :func:`_place`); a project that is not mandatory only
    if no share limit of a category ends further from holding than before
    (a share that holds still holds; one the mandatory projects leave short,
    such as a minimum share of another category, is only moved towards
    holding).  Mandatory projects are not held back by shares: every feasible
    portfolio has them, and a minimum share of one category would otherwise
    refuse the first mandatory project of any other.  Minimums (group minimum
    counts and costs, minimum count, requirements, a share still short) are
    checked at the end: a portfolio that misses one has status
    ``"infeasible"`` and lists the ``violations``; otherwise the status is
    ``"feasible"`` (a solution, not proven optimal).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": ["A", "B", "C"], "cost": [6, 5, 5], "value": [7, 5, 5]})
    >>> g = greedy_portfolio(Problem.from_frame(df, budget=10))
    >>> g.selected, g.objective, g.status
    (('A',), 7.0, 'feasible')
    """
    from ..result import check_portfolio

    f = problem.table.frame
    ids = list(f.index)
    pos = {pid: k for k, pid in enumerate(ids)}
    coef = problem.objective_coefficients.copy()
    tc = f["total_cost"].to_numpy(float)
    es = f["earliest_start"].to_numpy(int)
    ls = f["latest_start"].to_numpy(int)
    upper = problem.replace(constraints=tuple(c for c in problem.constraints if _upper_only(c)))
    mandatory = {c.project for c in problem.constraints if isinstance(c, Mandatory)}
    requires: dict[str, list[str]] = {}
    for c in problem.constraints:
        if isinstance(c, Requires):
            requires.setdefault(c.project, []).append(c.required)

    def ratio(k: int) -> float:
        if tc[k] > 0:
            return coef[k] / tc[k]
        return math.copysign(math.inf, coef[k]) if coef[k] else 0.0  # costs nothing: first or last, by sign

    shares = [c for c in problem.constraints if isinstance(c, GroupLimit) and c.measure == "share"]
    cats = f["category"].to_numpy(object)
    in_category = [cats == c.category for c in shares]
    tol = 1e-9 * max(1.0, float(np.abs(tc).sum()))
    short = np.zeros(len(shares))  # the shortfalls of the portfolio so far (the empty one meets every share)
    first = sorted((pos[m] for m in mandatory), key=lambda k: (-ratio(k), ids[k]))
    rest = sorted((k for k in range(len(ids)) if ids[k] not in mandatory), key=lambda k: (-ratio(k), ids[k]))
    starts = np.full(len(ids), -1, dtype=int)
    for k in [*first, *rest]:
        if starts[k] >= 0:
            continue
        # the project and its missing prerequisites, prerequisites first
        bundle: list[int] = []
        seen: set[int] = set()

        def visit(j: int) -> None:
            if j in seen or starts[j] >= 0:
                return
            seen.add(j)
            for r in requires.get(ids[j], []):
                visit(pos[r])
            bundle.append(j)

        visit(k)
        trial = starts.copy()
        ok = _place(bundle, trial, es, ls, lambda t: not check_portfolio(upper, t))
        after = _share_shortfalls(shares, in_category, tc, trial >= 0) if ok and shares else short
        if ok and ids[k] not in mandatory:
            ok = bool(np.all(after <= short + tol))
        if ok:
            starts, short = trial, after
    violations = tuple(check_portfolio(problem, starts))
    sel = starts >= 0
    total, _ = problem.budget_limits()
    return FrontierPoint(
        budget=float(total),
        status="infeasible" if violations else "feasible",
        objective=None if violations else float(coef[sel].sum()),
        cost=float(tc[sel].sum()),
        selected=tuple(str(ids[k]) for k in np.flatnonzero(sel)),
        starts={str(ids[k]): int(starts[k]) for k in np.flatnonzero(sel)},
        violations=violations,
    )


#: the most start assignments :func:`_place` tries for one project and its prerequisites
PLACE_TRIES = 1_000


def _place(bundle: list[int], trial: np.ndarray, es: np.ndarray, ls: np.ndarray,
           holds: Callable[[np.ndarray], bool]) -> bool:
    """Starts for the projects of ``bundle`` (in ``trial``, in place) under which ``holds(trial)``, or False.

    The first assignment in order, each project at its earliest start that
    still holds given those before it, and, where a later one then fits
    nowhere, the next assignment (depth first, at most :data:`PLACE_TRIES`):
    a prerequisite at its earliest start could leave no room for the project
    that requires it, which went in with a later start of the prerequisite.

    Examples
    --------
    Two periods, room for one project in each; B (the prerequisite) may start
    in either, A only in the first:

    >>> trial = np.full(2, -1)
    >>> fits = lambda t: max(np.sum(t == 0), np.sum(t == 1)) <= 1
    >>> _place([1, 0], trial, np.array([0, 0]), np.array([0, 1]), fits), trial.tolist()
    (True, [0, 1])
    """
    tries = [PLACE_TRIES]

    def go(i: int) -> bool:
        if i == len(bundle):
            return True
        j = bundle[i]
        for s in range(int(es[j]), int(ls[j]) + 1):
            if tries[0] <= 0:
                break
            tries[0] -= 1
            trial[j] = s
            if holds(trial) and go(i + 1):
                return True
        trial[j] = -1
        return False

    return go(0)


def _greedy_task(problem: Problem) -> FrontierPoint:
    return greedy_portfolio(problem)


# --------------------------------------------------------------------------- frontier


@dataclasses.dataclass(frozen=True, eq=False)
class Frontier:
    """The optimal and the greedy portfolio at each level of the total budget.

    Attributes
    ----------
    problem : Problem
        The base problem.
    points : tuple of FrontierPoint
        Optimal portfolios, by increasing budget.
    greedy : tuple of FrontierPoint
        The rank-and-cut portfolio at the same levels.
    exhaustive : bool
        True when the levels are every breakpoint of the frontier (no levels given).
    """

    problem: Problem
    points: tuple[FrontierPoint, ...]
    greedy: tuple[FrontierPoint, ...]
    exhaustive: bool = False

    def to_frame(self) -> pd.DataFrame:
        """One row per budget level: optimal and greedy value, what the greedy leaves on the table, costs and counts."""
        rows = []
        for p, g in zip(self.points, self.greedy):
            left = None if p.objective is None or g.objective is None else p.objective - g.objective
            rows.append({
                "budget": p.budget, "status": p.status, "optimal": p.objective, "greedy": g.objective,
                "left_on_table": left, "optimal_cost": p.cost, "greedy_cost": g.cost,
                "n_optimal": len(p.selected), "n_greedy": len(g.selected), "greedy_status": g.status,
            })
        df = pd.DataFrame(rows, columns=["budget", "status", "optimal", "greedy", "left_on_table", "optimal_cost",
                                         "greedy_cost", "n_optimal", "n_greedy", "greedy_status"])
        for c in ("optimal", "greedy", "left_on_table", "optimal_cost", "greedy_cost"):
            df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
        return df.set_index("budget")

    def selection(self) -> pd.DataFrame:
        """Projects × budget levels: the start of each project in the optimal portfolio (-1 = not selected)."""
        ids = list(self.problem.ids)
        data = {p.budget: [p.starts.get(i, -1) for i in ids] for p in self.points}
        return pd.DataFrame(data, index=pd.Index(ids, name="id"))

    def to_dict(self) -> dict[str, Any]:
        """The engine's fields ``frontier`` and ``greedy_frontier``."""
        return {"frontier": [p.to_dict() for p in self.points], "greedy_frontier": [g.to_dict() for g in self.greedy]}

    def plot(self, ax: Any = None) -> Any:
        """Step plot of the optimal and the greedy value against the total budget; returns the Axes."""
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(7, 4))
        df = self.to_frame()
        x = df.index.to_numpy(float)
        ax.step(x, df["optimal"].to_numpy(float), where="post", label="optimal (integer programming)")
        ax.step(x, df["greedy"].to_numpy(float), where="post", linestyle="--", label="rank and cut (greedy)")
        ax.set_xlabel("total budget")
        ax.set_ylabel(f"objective ({self.problem.objective})")
        ax.set_title("Efficient frontier")
        ax.legend()
        return ax

    def __repr__(self) -> str:
        return f"Frontier({len(self.points)} points{', every breakpoint' if self.exhaustive else ''})"


def _levels(budgets: Any) -> list[float]:
    if isinstance(budgets, (int, float)) and not isinstance(budgets, bool):
        budgets = [budgets]
    try:
        vals = [float(b) for b in budgets]
    except (TypeError, ValueError):
        raise ValidationError(f"frontier: 'budgets' must be a list of numbers ≥ 0, got {budgets!r}") from None
    bad = [b for b in vals if not math.isfinite(b) or b < 0]
    if bad or not vals:
        raise ValidationError(f"frontier: 'budgets' must be a non-empty list of numbers ≥ 0, got {list(budgets)!r}")
    return vals


def efficient_frontier(
    problem: Problem,
    budgets: Sequence[float] | None = None,
    *,
    n_points: int | None = None,
    solver: str | Mapping[str, Any] = "auto",
    executor: Any = None,
    progress: bool = False,
) -> Frontier:
    """The optimal objective across levels of the total budget, beside the greedy rank-and-cut curve.

    Parameters
    ----------
    problem : Problem
    budgets : list of float, optional
        Total-budget levels (per-period limits are kept at each level).
    n_points : int, optional
        Without ``budgets``: this many evenly spaced levels, from the cost of
        the mandatory projects to the cost of the optimum without a total budget.
        Without either: every breakpoint (every distinct optimal portfolio,
        found by walking the budget down; one or more solves per point).
    solver : str or dict
        A backend name or solver settings (as in the engine's ``solver``).
    executor, progress
        Where the levels are solved (given levels only; the walk is sequential),
        see :mod:`portfolio_opt.analysis.batch`.

    Returns
    -------
    Frontier

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": ["A", "B", "C"], "cost": [6, 5, 5], "value": [7, 5, 5]})
    >>> fr = efficient_frontier(Problem.from_frame(df, budget=10), executor="serial")
    >>> fr.to_frame()[["optimal", "greedy", "left_on_table"]]  # doctest: +NORMALIZE_WHITESPACE
            optimal  greedy  left_on_table
    budget
    0.0         0.0     0.0            0.0
    5.0         5.0     5.0            0.0
    6.0         7.0     7.0            0.0
    10.0       10.0     7.0            3.0
    11.0       12.0    12.0            0.0
    16.0       17.0    17.0            0.0
    """
    if not isinstance(problem, Problem):
        raise ValidationError(f"efficient_frontier() needs a Problem, got {type(problem).__name__}")
    kw = solver_kwargs(solver)
    kw.setdefault("diagnose", False)
    if budgets is None and n_points is not None:
        if isinstance(n_points, bool) or not isinstance(n_points, (int, np.integer)) or n_points < 1:
            raise ValidationError(f"frontier: 'n_points' must be a whole number ≥ 1, got {n_points!r}")
        from ..optimize import select

        top = select(with_total_budget(problem, None), **kw)
        f = problem.table.frame
        lo = float(f["total_cost"].to_numpy(float)[f["mandatory"].to_numpy(bool)].sum())
        hi = float(top.total_spend) if top.has_solution else lo
        budgets = list(np.linspace(lo, max(hi, lo), int(n_points))) if n_points > 1 else [max(hi, lo)]
    if budgets is not None:
        levels = _levels(budgets)
        probs = [with_total_budget(problem, b) for b in levels]
        outs = run_batch(solve_task, [(p, kw) for p in probs], executor=executor, progress=progress, desc="frontier")
        points = []
        for b, o in zip(levels, outs):
            if not o.ok:
                raise SolverError(f"frontier: the solve at budget {b:,.6g} failed: {o.error}")
            points.append(_point(b, o.value))
        greedy = tuple(dataclasses.replace(greedy_portfolio(p), budget=b) for b, p in zip(levels, probs))
        return Frontier(problem, tuple(points), greedy, exhaustive=False)
    points_w = _walk(problem, kw)
    greedy = tuple(dataclasses.replace(greedy_portfolio(with_total_budget(problem, p.budget)), budget=p.budget)
                   for p in points_w)
    return Frontier(problem, tuple(points_w), greedy, exhaustive=True)


def _walk(problem: Problem, kw: Mapping[str, Any]) -> list[FrontierPoint]:
    """Every breakpoint: solve, then solve again just below the optimum's cost, until infeasible."""
    from ..optimize import select

    found: list[FrontierPoint] = []
    current: FrontierPoint | None = None
    budget: float | None = None
    while True:
        r = select(with_total_budget(problem, budget), **kw)
        if not r.has_solution:
            break
        v, c = float(r.objective), float(r.total_spend)
        pt = _point(c, r)
        if current is not None and v >= current.objective - 1e-9 * max(1.0, abs(current.objective)):  # type: ignore[operator]
            current = pt  # the same value for less money: the breakpoint is lower
        else:
            if current is not None:
                found.append(current)
            current = pt
        # just below this portfolio's cost, beyond the solver's feasibility tolerance
        nxt = c - 1e-5 * max(1.0, abs(c))
        if nxt < 0:
            break
        budget = nxt
    if current is not None:
        found.append(current)
    return found[::-1]


# --------------------------------------------------------------------------- engine


def check_frontier(problem: Problem, value: Any) -> None:
    """Validate the engine's ``analyses.frontier``: ``{"budgets": [...]}``, ``{"n_points": k}`` or ``true``.

    Examples
    --------
    >>> import pandas as pd
    >>> p = Problem.from_frame(pd.DataFrame({"id": ["A"], "cost": [1], "value": [2]}))
    >>> check_frontier(p, {"budgets": [1, -2]})
    Traceback (most recent call last):
    ...
    portfolio_opt.errors.ValidationError: 1 problem in the input:
      - frontier: 'budgets' must be a non-empty list of numbers ≥ 0, got [1, -2]
    """
    if value is True:
        return
    if not isinstance(value, Mapping):
        raise ValidationError(f"analyses 'frontier' must be an object with 'budgets' or 'n_points' (or true), got {value!r}")
    extra = sorted(set(value) - {"budgets", "n_points"})
    if extra:
        raise ValidationError(f"analyses 'frontier': unknown field(s) {', '.join(extra)} (known: budgets, n_points)")
    if "budgets" in value:
        if not isinstance(value["budgets"], list):
            raise ValidationError(f"frontier: 'budgets' must be a list of numbers ≥ 0, got {value['budgets']!r}")
        if any(isinstance(b, bool) for b in value["budgets"]):
            raise ValidationError(f"frontier: 'budgets' must be a list of numbers ≥ 0, got {value['budgets']!r}")
        _levels(value["budgets"])
    n = value.get("n_points")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise ValidationError(f"frontier: 'n_points' must be a whole number ≥ 1, got {n!r}")


def engine_frontier(problem: Problem, result: Any, value: Any, solver: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's ``frontier`` and ``greedy_frontier`` response fields (levels solved serially)."""
    value = {} if value is True else value
    fr = efficient_frontier(problem, value.get("budgets"), n_points=value.get("n_points"), solver=dict(solver),
                            executor="serial")
    return fr.to_dict()
