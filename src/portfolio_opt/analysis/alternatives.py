"""Near-optimal alternatives: the k best distinct portfolios, or all within x % of the optimum.

A steering committee rarely wants one answer.  :func:`alternatives` lists
the best *distinct* portfolios (distinct sets of selected projects; a
different schedule of the same set is not another portfolio), best first, each
with what makes it different from the optimum, so the committee can trade a
little value for something the model does not see.

They are found by no-good cuts on the compiled model: after a portfolio S is
found, the row

    Σ_{i∈S} y_i − Σ_{i∉S} y_i ≤ |S| − 1        (y_i = Σ_s x[i, s])

removes exactly that set of projects (with every schedule of it) and nothing
else, and the next solve finds the best of what remains.  Each solve is proven
optimal, so the portfolios come out in order of objective.

Ranking is deterministic: portfolios of equal objective (within 1e-9 of the
sum of the absolute objective values of the better one's projects) are ordered by the tie-breaking
rule of :func:`portfolio_opt.select` — lower total cost first, then the one
that includes the first id (in sorted order) on which they differ — and when
the k-th place is tied, the enumeration goes on through the whole tie before
the list is cut, so rank 1 is the portfolio ``select(..., tie_break="rule")``
returns and the list does not depend on the row order of the input or on the backend.  Each
portfolio is scheduled by the same rule (earliest starts, in sorted id order).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._compile import compile_problem
from .._solvers import Status, resolve_backend
from ..errors import SolverError, ValidationError
from ..optimize import (
    _add_rows,
    _best,
    _check_solver,
    _earliest_starts,
    _nogood,
    _options,
    _run,
    _sel,
    _tie_tol,
    _tol,
)
from ..problem import Problem
from ..result import check_portfolio

__all__ = ["Alternative", "Alternatives", "alternatives", "check_alternatives", "engine_alternatives"]

#: k when neither k nor within is given
DEFAULT_K = 5
#: the most portfolios one call enumerates (a "within" band can hold very many)
DEFAULT_LIMIT = 100


@dataclasses.dataclass(frozen=True)
class Alternative:
    """One portfolio of the ranking.

    Attributes
    ----------
    rank : int
        1 is an optimal portfolio.
    objective : float
        Σ probability × objective value of the selected projects.
    selected : tuple of str
        Selected ids, in input order.
    starts : dict
        id → start period of each selected project.
    total_cost : float
    added, removed : tuple of str
        Projects selected here but not in rank 1, and the reverse (input order).
    """

    rank: int
    objective: float
    selected: tuple[str, ...]
    starts: Mapping[str, int]
    total_cost: float
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclasses.dataclass(frozen=True, eq=False)
class Alternatives:
    """The ranked portfolios returned by :func:`alternatives`.

    Attributes
    ----------
    problem : Problem
    portfolios : tuple of Alternative
        Best first.
    complete : bool
        True when the ranking is proven: every solve was optimal and the
        enumeration was not cut short by ``limit`` or the time limit.
    k, within : int or None, float or None
        What was asked for.
    solver : str
    solves : int
        Number of MIP solves (the enumeration; schedules not counted).
    seconds : float
    """

    problem: Problem
    portfolios: tuple[Alternative, ...]
    complete: bool
    k: int | None
    within: float | None
    solver: str
    solves: int
    seconds: float

    def __len__(self) -> int:
        return len(self.portfolios)

    def __iter__(self) -> Iterator[Alternative]:
        return iter(self.portfolios)

    def __getitem__(self, i: int) -> Alternative:
        return self.portfolios[i]

    def to_frame(self) -> pd.DataFrame:
        """The ranking table: one row per portfolio, indexed by rank.

        Columns: ``objective``, ``below_best`` (objective lost against rank 1),
        ``below_best_pct``, ``n_selected``, ``total_cost``, ``added`` and
        ``removed`` (compared with rank 1, as "; "-joined ids) and ``selected``.
        """
        rows = []
        best = self.portfolios[0].objective if self.portfolios else math.nan
        for a in self.portfolios:
            lost = best - a.objective
            rows.append({
                "rank": a.rank,
                "objective": a.objective,
                "below_best": lost,
                "below_best_pct": 100.0 * lost / abs(best) if best else 0.0,
                "n_selected": len(a.selected),
                "total_cost": a.total_cost,
                "added": "; ".join(a.added),
                "removed": "; ".join(a.removed),
                "selected": "; ".join(a.selected),
            })
        cols = ["objective", "below_best", "below_best_pct", "n_selected", "total_cost", "added", "removed",
                "selected"]
        if not rows:
            return pd.DataFrame(columns=cols, index=pd.Index([], name="rank"))
        return pd.DataFrame(rows).set_index("rank")[cols]

    def to_dict(self) -> dict[str, Any]:
        """``{"alternatives": [{"rank", "objective", "selected", "starts", ...}], "complete": ...}``."""
        return {
            "alternatives": [
                {"rank": a.rank, "objective": float(a.objective), "selected": list(a.selected),
                 "starts": {k: int(v) for k, v in a.starts.items()}, "total_cost": float(a.total_cost),
                 "added": list(a.added), "removed": list(a.removed)}
                for a in self.portfolios
            ],
            "complete": self.complete,
        }

    def summary(self) -> str:
        """A short text a committee can read: one line per portfolio."""
        if not self.portfolios:
            return "No feasible portfolio."
        lines = []
        best = self.portfolios[0]
        for a in self.portfolios:
            if a.rank == 1:
                lines.append(f"#1  {a.objective:,.6g} (optimal), {len(a.selected)} projects, cost {a.total_cost:,.6g}")
                continue
            diff = []
            if a.added:
                diff.append("adds " + ", ".join(a.added))
            if a.removed:
                diff.append("drops " + ", ".join(a.removed))
            lost = best.objective - a.objective
            pct = f" ({100 * lost / abs(best.objective):.2f} %)" if best.objective else ""
            lines.append(f"#{a.rank:<2d} {a.objective:,.6g}, {lost:,.6g} below the best{pct}, "
                         f"cost {a.total_cost:,.6g}: " + ("; ".join(diff) or "same projects"))
        if not self.complete:
            lines.append("(the enumeration was cut short by its limit or the time limit: the list may miss portfolios)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Alternatives({len(self.portfolios)} portfolios, complete={self.complete})"


def _check_args(k: Any, within: Any, limit: Any) -> None:
    problems = []
    if k is not None and (isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1):
        problems.append(f"alternatives: 'k' must be a whole number ≥ 1, got {k!r}")
    if within is not None and (isinstance(within, bool) or not isinstance(within, (int, float))
                               or not math.isfinite(within) or not 0 <= within <= 1):
        problems.append(f"alternatives: 'within' must be a fraction of the optimum in [0, 1] (0.05 = 5 %), "
                        f"got {within!r}")
    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1:
        problems.append(f"alternatives: 'limit' must be a whole number ≥ 1, got {limit!r}")
    if problems:
        raise ValidationError(problems)


def alternatives(
    problem: Problem,
    k: int | None = None,
    within: float | None = None,
    *,
    solver: str = "auto",
    time_limit: float | None = None,
    threads: int | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Alternatives:
    """The k best distinct portfolios, or all portfolios within a fraction of the optimum.

    Parameters
    ----------
    problem : Problem
    k : int, optional
        How many portfolios (default 5 when ``within`` is not given either).
    within : float, optional
        Keep every portfolio whose objective is at least
        ``optimum − within × |optimum|`` (0.02 = within 2 %).  With ``k`` too,
        the k best of those.
    solver : str
        Backend, as for :func:`~portfolio_opt.select`.
    time_limit : float, optional
        Seconds for the whole enumeration; when it runs out the list found so
        far is returned with ``complete=False``.
    threads : int, optional
    limit : int
        The most portfolios to enumerate (a ``within`` band can hold very many).

    Returns
    -------
    Alternatives
        Empty when the problem is infeasible.

    Examples
    --------
    >>> import pandas as pd, portfolio_opt as po
    >>> df = pd.DataFrame({"id": ["A", "B", "C"], "cost": [4, 3, 2], "value": [10, 7, 5]})
    >>> alts = alternatives(po.Problem.from_frame(df, budget=6), k=3)
    >>> alts.to_frame()[["objective", "below_best", "added", "removed"]]
          objective  below_best added removed
    rank
    1          15.0         0.0
    2          12.0         3.0     B       A
    3          10.0         5.0             C
    """
    if not isinstance(problem, Problem):
        raise ValidationError(f"alternatives() needs a Problem, got {type(problem).__name__}")
    _check_args(k, within, limit)
    solver = resolve_backend(_check_solver(solver), **compile_problem(problem).backend_hint)
    if k is None and within is None:
        k = DEFAULT_K
    opts = _options(time_limit, 0.0, threads, False)
    t0 = time.perf_counter()
    deadline = None if time_limit is None else t0 + float(time_limit)
    comp = compile_problem(problem)
    cost = problem.table.frame["total_cost"].to_numpy(float)
    ztol = _tol(comp.coef)

    found: list[tuple[float, np.ndarray, np.ndarray]] = []  # (objective, selection, x)
    model = comp.model
    complete = True
    solves = 0
    threshold = -math.inf
    while True:
        if len(found) >= limit:
            complete = False
            break
        raw = _run(model, opts, solver, deadline)
        solves += 1
        if raw is None or raw.status == Status.NO_SOLUTION:
            complete = False
            break
        if raw.status == Status.INFEASIBLE:
            break
        if raw.x is None:  # pragma: no cover - a backend contract breach
            raise SolverError(f"{raw.solver} reported {raw.status.value} without a solution")
        y = _sel(comp, raw.x)
        z = float(comp.coef @ y)
        if raw.status != Status.OPTIMAL:
            complete = False  # a limit stopped the solve: this one may not be the next best
        if not found and within is not None:
            threshold = z - within * abs(z) - ztol
        if z < threshold:
            break
        if k is not None and len(found) >= k and z < found[k - 1][0] - ztol:
            break  # past the k-th place and past any tie with it
        found.append((z, y, raw.x))
        row, hi = _nogood(comp, y)
        model = _add_rows(model, row, -np.inf, hi)
        if raw.status != Status.OPTIMAL:
            break

    ranked = _rank(problem, found, cost, comp.coef)
    if within is not None and ranked:  # collected with the solver's margin, kept by the exact band
        z1, y1 = ranked[0][0], ranked[0][1]
        ranked = [t for t in ranked if t[0] >= z1 - within * abs(z1) - _tie_tol(comp.coef, y1)]
    if k is not None:
        ranked = ranked[:k]
    ids = [str(i) for i in problem.ids.tolist()]
    out: list[Alternative] = []
    base_sel: np.ndarray | None = None
    for r, (z, y, x) in enumerate(ranked, start=1):
        xs, ok = _earliest_starts(problem, comp, y, x, opts, solver, deadline)
        complete = complete and ok
        st = comp.starts(xs)
        bad = check_portfolio(problem, st)
        if bad:  # pragma: no cover - the solver layer checks the same
            raise SolverError("an alternative portfolio breaks the input's constraints: " + "; ".join(bad[:5]))
        if base_sel is None:
            base_sel = y
        out.append(Alternative(
            rank=r,
            objective=z,
            selected=tuple(ids[i] for i in np.flatnonzero(y)),
            starts={ids[i]: int(st[i]) for i in np.flatnonzero(y)},
            total_cost=float(cost @ y),
            added=tuple(ids[i] for i in np.flatnonzero(y & ~base_sel)),
            removed=tuple(ids[i] for i in np.flatnonzero(base_sel & ~y)),
        ))
    return Alternatives(problem, tuple(out), complete, k, within, solver, solves, time.perf_counter() - t0)


def _rank(problem: Problem, found: list[tuple[float, np.ndarray, np.ndarray]], cost: np.ndarray,
          coef: np.ndarray) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """Best first; equal objectives (``optimize._tie_tol``) by lower cost, then by the first differing id
    (sorted) included."""
    order = np.argsort(np.asarray(problem.ids, dtype=str), kind="stable")
    by_obj = sorted(found, key=lambda t: -t[0])
    groups: list[list[tuple[float, np.ndarray, np.ndarray]]] = []
    for item in by_obj:
        if groups and groups[-1][0][0] - item[0] <= _tie_tol(coef, groups[-1][0][1]):
            groups[-1].append(item)
        else:
            groups.append([item])
    out = []
    for g in groups:
        rest = [(y, x) for _, y, x in g]
        z_of = {id(x): z for z, _, x in g}
        while rest:
            y, x = _best(rest, cost, order)
            out.append((z_of[id(x)], y, x))
            rest = [t for t in rest if t[1] is not x]
    return out


# --------------------------------------------------------------------------- engine
def check_alternatives(problem: Problem, value: Any) -> None:
    """Validate the engine's ``analyses.alternatives``: ``{"k": int ≥ 1}`` and/or ``{"within": fraction}``.

    Examples
    --------
    >>> check_alternatives(None, {"k": 3})
    >>> try:
    ...     check_alternatives(None, {"k": 0})
    ... except ValidationError as exc:
    ...     print(exc.problems[0])
    field 'analyses.alternatives': 'k' must be a whole number ≥ 1, got 0
    """
    where = "field 'analyses.alternatives'"
    if not isinstance(value, Mapping):
        raise ValidationError(f"{where} must be an object such as {{\"k\": 3}} or {{\"within\": 0.02}}, got {value!r}")
    unknown = sorted(set(value) - {"k", "within"})
    if unknown:
        raise ValidationError(f"{where}: unknown key(s) {', '.join(map(str, unknown))} (use k and/or within)")
    if value.get("k") is None and value.get("within") is None:
        raise ValidationError(f"{where} needs 'k' (the number of portfolios) or 'within' (a fraction of the optimum)")
    try:
        _check_args(value.get("k"), value.get("within"), DEFAULT_LIMIT)
    except ValidationError as exc:
        raise ValidationError([p.replace("alternatives:", f"{where}:") for p in exc.problems]) from None


def engine_alternatives(problem: Problem, result: Any, value: Any, solver: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's ``alternatives`` field: ``[{"rank", "objective", "selected", "starts", ...}]``, best first."""
    check_alternatives(problem, value)
    if result is not None and not result.has_solution:
        return {"alternatives": []}
    kw = {key: solver[key] for key in ("solver", "time_limit", "threads") if solver.get(key) is not None}
    alts = alternatives(problem, k=value.get("k"), within=value.get("within"), **kw)
    return {"alternatives": alts.to_dict()["alternatives"]}

