"""Why each project is in or out: exact what-ifs, binding limits and a report for a steering committee.

:func:`explain` takes a solved portfolio and answers, for every candidate:

- **what the decision is worth**: ``value_if_flipped``, the optimal objective
  with the project forced the other way (out if selected, in if not), found
  by re-solving the integer program, and ``value_lost``, the optimum minus that;
  for a mandatory (or forced-out) project ``value_if_flipped`` is null, since
  forced the other way it would be both in and out, and ``value_lost`` is what
  the flag costs: the optimum minus the best portfolio with the flag lifted;
- **its break-even value**: for a project left out, the value (before the
  probability of success) at which it would enter an optimal portfolio; for a
  selected one, the value below which it would leave.  Both are exact: the
  objective of every portfolio containing the project moves by probability ×
  Δvalue and no other portfolio moves, so the break-even is the current value
  ± ``value_lost`` / probability;
- **what it competes on**: the binding budget periods, capacities and group or
  count limits it uses;
- **whether a rule holds it in** (mandatory, required by a selected project, a
  group or count minimum) and whether it is in *only* because of that rule,
  checked by re-solving without the rule;
- **what keeps it out**: the rule (on hold, excludes a selected project,
  needs a project that is not selected, a conflict found by the infeasibility
  diagnosis), and the budget or capacity it lacks to fit next to the current
  portfolio;
- a ``reason`` in plain words.

``binding`` lists every numeric limit with its use, slack, whether it binds
(nothing left out fits in what is left of it, or no member can leave a
minimum) and its LP-relaxation shadow price: the value of one more unit of the
limit in the linear relaxation, an approximation, since the integer optimum
moves in steps.

Cost: one integer re-solve per project, plus one per project held in by a
relation or a binding minimum, plus a few LP solves for the shadow prices.
Re-solves are warm-started (HiGHS) from the best portfolio found so far that
fits the changed problem, and ``executor`` can run them on several processes.
Each is as hard as the original problem: on the 60-project sample, where one
solve takes 2–5 s, an exact explanation takes about four CPU minutes.  A
``time_limit`` per re-solve caps that; a re-solve stopped at it gives the best
portfolio it found, so the figure becomes a bound (the loss is *at most* what
is shown) and the project is marked ``exact=False``.
"""

from __future__ import annotations

import dataclasses
import math
import textwrap
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._compile import Compiled, compile_problem
from .._solvers import SolverOptions, Status, resolve_backend, solve
from ..constraints import (
    NUMERIC,
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
from ..optimize import _check_solver, _options, _tie_break, _tie_tol, _tol
from ..problem import Problem
from ..result import PortfolioResult, _num, check_portfolio

__all__ = ["Explanation", "explain", "check_explain", "engine_explain"]

_WORD = {"value": "value", "score": "score", "npv": "NPV"}


# --------------------------------------------------------------------------- result
@dataclasses.dataclass(frozen=True, eq=False)
class Explanation:
    """Why each project is in or out of a portfolio (see :func:`explain`).

    Attributes
    ----------
    result : PortfolioResult
        The portfolio explained.
    projects : DataFrame
        One row per candidate, in input order (see :meth:`to_frame`).
    binding : DataFrame
        One row per numeric limit, indexed by its position in
        ``problem.constraints``: ``constraint`` (its description), ``kind``,
        ``bound`` (min/max), ``limit``, ``used``, ``slack``, ``binding`` and
        ``shadow_price_lp``, the LP-relaxation value of one more unit of the
        limit (one percentage point for a share limit) — an approximation.
    next_best : float or None
        The objective of the best portfolio that differs from this one (the
        largest ``value_if_flipped`` over the projects that are neither
        mandatory nor forced out); None when there is none.
    solves : int
        Integer re-solves made.
    seconds : float
        Wall time of the explanation.
    exact : bool
        Every re-solve was proven optimal (or infeasible).
    solver : str
        Backend of the re-solves.
    """

    result: PortfolioResult
    projects: pd.DataFrame
    binding: pd.DataFrame
    next_best: float | None
    solves: int
    seconds: float
    exact: bool
    solver: str

    def to_frame(self) -> pd.DataFrame:
        """The per-project table (a copy), indexed by id in input order.

        Columns: ``name``, ``category``, ``selected``, ``start``,
        ``start_period``, ``contribution`` (probability × objective value),
        ``value_if_flipped``, ``value_lost``, ``exact``, ``break_even_value``,
        ``competes_on``, ``held_in_by``, ``only_because_of_rule``,
        ``kept_out_by``, ``cannot_flip``, ``lacks``, ``entered_if_flipped``,
        ``left_if_flipped`` and ``reason``.
        """
        return self.projects.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"explanations": [...], "binding": [...], "next_best", "solves", "seconds", "exact"}``."""
        out = []
        for pid, r in self.projects.iterrows():
            out.append({
                "id": str(pid),
                "selected": bool(r["selected"]),
                "value_if_flipped": _num(r["value_if_flipped"]),
                "reason": r["reason"],
                "value_lost": _num(r["value_lost"]),
                "break_even_value": _num(r["break_even_value"]),
                "exact": bool(r["exact"]),
                "start": int(r["start"]) if r["start"] >= 0 else None,
                "competes_on": list(r["competes_on"]),
                "held_in_by": list(r["held_in_by"]),
                "only_because_of_rule": bool(r["only_because_of_rule"]),
                "kept_out_by": list(r["kept_out_by"]),
                "cannot_flip": list(r["cannot_flip"]),
                "lacks": list(r["lacks"]),
                "entered_if_flipped": list(r["entered_if_flipped"]),
                "left_if_flipped": list(r["left_if_flipped"]),
            })
        binding = [
            {"constraint": r["constraint"], "kind": r["kind"], "bound": r["bound"], "limit": _num(r["limit"]),
             "used": _num(r["used"]), "slack": _num(r["slack"]), "binding": bool(r["binding"]),
             "shadow_price_lp": _num(r["shadow_price_lp"])}
            for _, r in self.binding.iterrows()
        ]
        return {"explanations": out, "binding": binding, "next_best": _num(self.next_best),
                "solves": self.solves, "seconds": round(self.seconds, 3), "exact": self.exact}

    def reason(self, project_id: str) -> str:
        """The reason given for one project."""
        if project_id not in self.projects.index:
            raise ValidationError(f"unknown project id '{project_id}'")
        return str(self.projects.at[project_id, "reason"])

    def report(self, width: int = 100) -> str:
        """A plain-language report for a steering committee (text, ``width`` columns)."""
        return _report(self, width)

    def __repr__(self) -> str:
        n_sel = int(self.projects["selected"].sum()) if len(self.projects) else 0
        return (f"Explanation({n_sel}/{len(self.projects)} selected, {self.solves} re-solves, "
                f"{self.seconds:.1f} s, exact={self.exact})")


# --------------------------------------------------------------------------- small helpers


def _fmt(v: float | None) -> str:
    """A number for people: thousands separators, one decimal at most, three significant digits when small.

    Examples
    --------
    >>> _fmt(61595.70000001), _fmt(478.5), _fmt(11.0), _fmt(0.8333), _fmt(-2.0)
    ('61,595.7', '478.5', '11', '0.833', '-2')
    """
    if v is None or not math.isfinite(v):
        return "n/a"
    s = f"{v:,.3g}" if abs(v) < 10 else f"{v:,.1f}"
    if "." in s and "e" not in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _ids(names: Sequence[str], limit: int = 5) -> str:
    names = list(names)
    if not names:
        return ""
    shown = names[:limit]
    more = len(names) - len(shown)
    if more > 0:
        return ", ".join(shown) + f" and {more} more"
    return ", ".join(shown[:-1]) + (" and " if len(shown) > 1 else "") + shown[-1]


def _kind(c: Constraint) -> str:
    if isinstance(c, BudgetLimit):
        return "budget"
    if isinstance(c, CapacityLimit):
        return "capacity"
    if isinstance(c, GroupLimit):
        return f"group {c.measure}"
    return "project count"


def _bound(c: Constraint) -> str:
    return c.bound if isinstance(c, (GroupLimit, CountLimit)) else "max"


def _short(c: Constraint, labels: Sequence[str]) -> str:
    """A limit named without its amount: 'the 2028 budget', 'engineers in 2029'."""
    if isinstance(c, BudgetLimit):
        return "the total budget" if c.period is None else f"the {labels[c.period]} budget"
    if isinstance(c, CapacityLimit):
        return f"{c.resource} in {labels[c.period]}"
    return c.describe(labels)


def _held_text(c: Constraint, labels: Sequence[str]) -> str:
    if isinstance(c, Mandatory):
        return "it is mandatory"
    if isinstance(c, Requires):
        return f"'{c.project}' requires it"
    return f"it counts towards {c.describe(labels)}, which is exactly met"


# --------------------------------------------------------------------------- re-solving
@dataclasses.dataclass
class _Solved:
    status: Status
    objective: float | None
    starts: np.ndarray | None
    checks: tuple[str, ...] = ()
    solves: int = 0


def _resolve(problem: Problem, backend: str, opts: SolverOptions, candidates: Sequence[np.ndarray],
             tie_break: bool) -> _Solved:
    """Solve a changed copy of the problem, warm-started (HiGHS) from the best candidate portfolio that fits it.

    A module-level function so that a batch of re-solves can run on other processes.
    """
    from ..diagnosis import quick_checks

    checks = tuple(quick_checks(problem))
    if checks:  # exact reasons for infeasibility: no solve needed
        return _Solved(Status.INFEASIBLE, None, None, checks)
    comp = compile_problem(problem)
    warm = None
    if backend.lower() == "highs":  # a warm start for HiGHS (as the enumeration's incumbent it cost more than
        # it saved: an explanation of 1,000 candidates 20 s -> 27 s): the best candidate that fits, checked best
        # first, up to the first that fits, after the cheap test of the forced projects
        pos = problem._position
        forced_in = [pos[c.project] for c in problem.constraints if isinstance(c, Mandatory)]
        forced_out = [pos[c.project] for c in problem.constraints if isinstance(c, ForcedOut)]
        vals = [float(comp.coef @ (st >= 0)) for st in candidates]
        best = next((candidates[k] for k in sorted(range(len(vals)), key=lambda k: -vals[k])
                     if (candidates[k][forced_in] >= 0).all() and (candidates[k][forced_out] < 0).all()
                     and not check_portfolio(problem, candidates[k])), None)
        warm = None if best is None else comp.x_from_starts(best)
    raw = solve(comp.model, dataclasses.replace(opts, warm_start=warm), backend)
    if raw.status == Status.INFEASIBLE:
        return _Solved(Status.INFEASIBLE, None, None, solves=1)
    if not raw.status.has_solution or raw.x is None:
        return _Solved(raw.status, None, None, solves=1)
    x = raw.x
    if tie_break and raw.status == Status.OPTIMAL:
        limit = opts.time_limit
        x, _ = _tie_break(problem, comp, x, opts, backend,
                          deadline=None if limit is None else time.perf_counter() + limit)
    st = comp.starts(x)
    return _Solved(raw.status, float(comp.coef @ (st >= 0)), st, solves=1)


#: a re-solve's warm start is the best of its hints and of this many of the best portfolios found so far that
#: fits it (all of them made each re-solve cost in proportion to the re-solves before it)
WARM_CANDIDATES = 50


class _Resolver:
    """Re-solves changed copies of the problem, warm-started from a pool of the portfolios found so far."""

    def __init__(self, backend: str, opts: SolverOptions, base_coef: np.ndarray, tie_break: bool = False) -> None:
        self.backend = backend
        self.tie_break = tie_break
        self.opts = opts
        self.coef = base_coef
        self.pool: list[tuple[float, np.ndarray]] = []  # (objective in the base problem, starts), best first
        self._seen: set[bytes] = set()  # the pool's starts, as bytes (comparing arrays one by one cost O(pool))
        self.solves = 0
        self.exact = True

    def add(self, starts: np.ndarray) -> None:
        key = np.asarray(starts, dtype=np.int64).tobytes()
        if key not in self._seen:
            self._seen.add(key)
            self.pool.append((float(self.coef @ (starts >= 0)), starts))
            self.pool.sort(key=lambda t: -t[0])

    def record(self, out: _Solved) -> _Solved:
        self.solves += out.solves
        if out.status not in (Status.OPTIMAL, Status.INFEASIBLE):
            self.exact = False
        if out.starts is not None:
            self.add(out.starts)
        return out

    def run(self, problem: Problem, hints: Sequence[np.ndarray] = ()) -> _Solved:
        cands = [*hints, *(s for _, s in self.pool[:WARM_CANDIDATES])]
        return self.record(_resolve(problem, self.backend, self.opts, cands, self.tie_break))

    def run_all(self, problems: Sequence[Problem], hints: Sequence[Sequence[np.ndarray]],
                executor: Any) -> list[_Solved]:
        """Many re-solves: in turn (each warm-started from all found before) or as a batch on other processes."""
        from .batch import resolve_executor, run_batch

        if resolve_executor(executor, len(problems))[0] == "serial":
            return [self.run(q, h) for q, h in zip(problems, hints)]
        base = [s for _, s in self.pool[:WARM_CANDIDATES]]
        items = [(q, self.backend, self.opts, [*h, *base], self.tie_break) for q, h in zip(problems, hints)]
        outs = run_batch(_resolve, items, executor=executor, desc="explain")
        failed = [o for o in outs if not o.ok]
        if failed:
            raise SolverError(f"a re-solve of the explanation failed: {failed[0].error}")
        return [self.record(o.value) for o in outs]


def _drop_with_dependants(st: np.ndarray, p: int, ids: Sequence[str],
                          required_by: Mapping[str, list[str]]) -> np.ndarray:
    """The portfolio ``st`` without project p and every project that (transitively) requires it."""
    out = st.copy()
    pos = {pid: k for k, pid in enumerate(ids)}
    stack = [ids[p]]
    while stack:
        cur = stack.pop()
        if out[pos[cur]] < 0 and cur != ids[p]:
            continue
        out[pos[cur]] = -1
        stack.extend(required_by.get(cur, []))
    return out


def _infeasible_reasons(q: Problem, fl: _Solved, backend: str, forced: Constraint) -> list[str]:
    """Why forcing a project the other way is infeasible: the diagnosis's exact checks, else a conflict set."""
    if fl.checks and isinstance(forced, Mandatory):  # worded again: the flip only forces it in, not a mandate
        from ..diagnosis import quick_checks

        return quick_checks(q, forced.project)
    if fl.checks:
        return list(fl.checks)
    from ..diagnosis import conflict_set

    conflict = [c for c in conflict_set(q, solver=backend, time_limit=10.0) if c != forced]
    if not conflict:
        return []
    return ["it cannot hold together with " + "; ".join(c.describe(q.periods) for c in conflict)]


# --------------------------------------------------------------------------- limits
def _limit_rows(problem: Problem, comp: Compiled) -> dict[int, int]:
    """Constraint index → its row in the compiled model (each numeric limit owns exactly one row)."""
    out: dict[int, int] = {}
    for r, ci in enumerate(comp.row_owner):
        if ci >= 0 and isinstance(problem.constraints[ci], NUMERIC):
            out[int(ci)] = r
    return out


def _natural(c: Constraint, act: float, sel: np.ndarray, problem: Problem) -> float:
    """The use of a limit in its own units (a share limit's row is in cost units)."""
    if isinstance(c, GroupLimit) and c.measure == "share":
        f = problem.table.frame
        tc = f["total_cost"].to_numpy(float)
        total = float(tc[sel].sum())
        in_cat = sel & (f["category"].to_numpy(object) == c.category)
        return float(tc[in_cat].sum()) / total if total > 0 else 0.0
    return act


def _shadow_prices(problem: Problem, limits: Sequence[int]) -> dict[int, float]:
    """LP-relaxation value of one more unit of each limit, by a forward difference of the LP optimum.

    The LP optimum is piecewise linear in a limit; a step of 1e-4 of the limit
    gives its right derivative (the value of relaxing it) unless a breakpoint
    lies within the step.  A minimum is relaxed by lowering it.
    """
    base = solve(compile_problem(problem).model, SolverOptions(), "highs", relax=True)
    if base.status != Status.OPTIMAL or base.objective is None:
        return {}
    out: dict[int, float] = {}
    for ci in limits:
        c = problem.constraints[ci]
        amount = float(c.amount)  # type: ignore[union-attr]
        is_min = _bound(c) == "min"
        share = isinstance(c, GroupLimit) and c.measure == "share"
        step = 1e-4 * max(1.0, abs(amount))
        if is_min:
            step = min(step, amount)
        elif share:
            step = min(step, 1.0 - amount)
        if step <= 0:
            out[ci] = 0.0
            continue
        new = dataclasses.replace(c, amount=amount - step if is_min else amount + step)  # type: ignore[type-var]
        cons = tuple(new if k == ci else x for k, x in enumerate(problem.constraints))
        raw = solve(compile_problem(problem.replace(constraints=cons)).model, SolverOptions(), "highs", relax=True)
        if raw.objective is None:
            continue
        out[ci] = max((raw.objective - base.objective) / step, 0.0) * (0.01 if share else 1.0)
    return out


def _lacks(problem: Problem, comp: Compiled, p: int, rows: Mapping[int, int], row_slack: Mapping[int, float],
           labels: Sequence[str]) -> list[str]:
    """What project p lacks to fit next to the current portfolio, at its least constrained start."""
    A = comp.model.A.tocsc()
    lo, hi = comp.proj_cols[p], comp.proj_cols[p + 1]
    best: tuple[tuple[int, float, int], list[str]] | None = None
    for col in range(lo, hi):
        short: list[tuple[float, str]] = []
        for ci, r in rows.items():
            c = problem.constraints[ci]
            if _bound(c) != "max":
                continue
            need = float(A[r, col])
            slack = row_slack[ci]
            if need <= 1e-9 or need <= slack + 1e-9 * max(1.0, abs(need)):
                continue
            rel = (need - slack) / max(need, 1e-12)
            left = _fmt(max(slack, 0.0))
            if isinstance(c, BudgetLimit):
                short.append((rel, f"{_fmt(need - slack)} short on {_short(c, labels)} (needs {_fmt(need)}, "
                                   f"{left} left)"))
            elif isinstance(c, CapacityLimit):
                short.append((rel, f"{_fmt(need - slack)} short on {c.resource} in {labels[c.period]} "
                                   f"(needs {_fmt(need)}, {left} free)"))
            elif isinstance(c, CountLimit) or (isinstance(c, GroupLimit) and c.measure == "count"):
                short.append((rel, f"no place left under {c.describe(labels)}"))
            elif isinstance(c, GroupLimit) and c.measure == "cost":
                short.append((rel, f"{_fmt(need - slack)} short under {c.describe(labels)}"))
            else:
                short.append((rel, f"no room under {c.describe(labels)}"))
        key = (len(short), sum(s for s, _ in short), col)
        if best is None or key < best[0]:
            best = (key, [t for _, t in short])
    return best[1] if best else []


# --------------------------------------------------------------------------- explain
def explain(
    result: PortfolioResult,
    *,
    solver: str | None = None,
    time_limit: float | None = None,
    shadow_prices: bool = True,
    tie_break: bool = False,
    executor: Any = "serial",
) -> Explanation:
    """Explain every decision of a solved portfolio.

    Parameters
    ----------
    result : PortfolioResult
        From :func:`portfolio_opt.select`.
    solver : str, optional
        Backend of the re-solves; by default the one that solved ``result``.
    time_limit : float, optional
        Seconds per re-solve; by default the ``time_limit`` ``result`` was
        solved with (none: every figure is proven).  A re-solve stopped at the
        limit gives the best portfolio it found (``exact`` False for that
        project).
    shadow_prices : bool
        Compute the LP-relaxation shadow prices of the limits.
    tie_break : bool
        Resolve ties among the optimal portfolios of each re-solve by the rule
        of :func:`~portfolio_opt.select`.  The figures never depend on it;
        the projects a reason names as dropped or added when a decision is
        reversed do when several portfolios tie, and with it they are the same
        on every backend and row order (at the price of about one more solve
        per project).
    executor : "serial", None, int, Executor or Dask client
        Where the re-solves run (see :mod:`portfolio_opt.analysis.batch`):
        by default one after the other in this process, each warm-started
        from every portfolio found before; ``None`` or a number of processes
        runs them in parallel on local processes (a script doing so needs the
        ``if __name__ == "__main__":`` guard).

    Returns
    -------
    Explanation

    Examples
    --------
    >>> import pandas as pd, portfolio_opt as po
    >>> df = pd.DataFrame({"id": ["A", "B", "C"], "cost": [4, 3, 2], "value": [10, 7, 5]})
    >>> ex = explain(po.select(po.Problem.from_frame(df, budget=6)))
    >>> ex.to_frame()[["selected", "value_if_flipped", "value_lost", "break_even_value"]]
        selected  value_if_flipped  value_lost  break_even_value
    id
    A       True              12.0         3.0               7.0
    B      False              12.0         3.0              10.0
    C       True              10.0         5.0               0.0
    >>> print(ex.reason("B"))  # doctest: +NORMALIZE_WHITESPACE
    Not selected: its value (7) does not make up for what it would displace. Forcing it in would
    cost 3 (the best portfolio with it drops A). It would enter at a value of 10. Next to the
    current portfolio it is 3 short on the total budget (needs 3, 0 left).
    """
    if not isinstance(result, PortfolioResult):
        raise ValidationError(f"explain() needs a PortfolioResult from select(), got {type(result).__name__}")
    t0 = time.perf_counter()
    problem = result.problem
    given = dict(result.solver.options)
    backend = solver or str(given.get("name") or result.solver.name)
    backend = resolve_backend(_check_solver(backend), **compile_problem(problem).backend_hint)
    opts = _options(time_limit if time_limit is not None else given.get("time_limit"), 0.0,
                    given.get("threads"), False)
    if not result.has_solution:
        return _no_solution(result, backend, t0)

    f = problem.table.frame
    ids = [str(i) for i in f.index.tolist()]
    n = len(ids)
    pos = {pid: k for k, pid in enumerate(ids)}
    comp = compile_problem(problem)
    coef = comp.coef
    st = result.starts.to_numpy(int)
    sel = st >= 0
    z = float(coef @ sel)
    cons = problem.constraints
    labels = problem.periods
    engine = _Resolver(backend, opts, coef, tie_break)
    engine.add(st.copy())

    mandatory = {c.project for c in cons if isinstance(c, Mandatory)}
    forced_out = {c.project for c in cons if isinstance(c, ForcedOut)}
    requires: dict[str, list[str]] = {}
    required_by: dict[str, list[str]] = {}
    excludes: dict[str, list[str]] = {}
    for c in cons:
        if isinstance(c, Requires):
            requires.setdefault(c.project, []).append(c.required)
            required_by.setdefault(c.required, []).append(c.project)
        elif isinstance(c, Excludes):
            excludes.setdefault(c.a, []).append(c.b)
            excludes.setdefault(c.b, []).append(c.a)

    # ------------------------------------------------------------ limits: use, slack, binding
    m = comp.model
    act = m.A @ comp.x_from_starts(st)
    rows = _limit_rows(problem, comp)
    Ac, Ar = m.A.tocsc(), m.A.tocsr()
    could_enter = np.array([(not sel[k]) and ids[k] not in forced_out for k in range(n)])
    could_leave = np.array([bool(sel[k]) and ids[k] not in mandatory for k in range(n)])
    chosen = np.full(n, -1)
    for k in np.flatnonzero(sel):
        lo = comp.proj_cols[k]
        chosen[k] = lo + int(np.flatnonzero(comp.col_start[lo:comp.proj_cols[k + 1]] == st[k])[0])
    row_slack: dict[int, float] = {}
    binds: dict[int, bool] = {}
    limit_rows = []
    for ci, r in rows.items():
        c = cons[ci]
        row = Ar.getrow(r)
        scale = max(1.0, float(np.abs(row.data).sum()) if row.nnz else 1.0, float(c.amount))  # type: ignore[union-attr]
        tol_r = 1e-9 * scale
        if _bound(c) == "max":
            slack = float(m.row_hi[r] - act[r])
            steps = [a for j, a in zip(row.indices, row.data) if could_enter[comp.col_proj[j]] and a > tol_r]
        else:
            slack = float(act[r] - m.row_lo[r])
            steps = [a for j, a in zip(row.indices, row.data)
                     if could_leave[comp.col_proj[j]] and j == chosen[comp.col_proj[j]] and a > tol_r]
        # binding: nothing left out fits in what is left (or no member can leave a minimum)
        row_slack[ci] = slack
        binds[ci] = slack <= tol_r or (bool(steps) and slack < min(steps) - tol_r)
        used = _natural(c, float(act[r]), sel, problem)
        limit = float(c.amount)  # type: ignore[union-attr]
        limit_rows.append({"constraint_index": ci, "constraint": c.describe(labels), "kind": _kind(c),
                           "bound": _bound(c), "limit": limit, "used": used,
                           "slack": (limit - used) if _bound(c) == "max" else (used - limit),
                           "binding": binds[ci], "shadow_price_lp": math.nan})
    if shadow_prices and rows:
        prices = _shadow_prices(problem, list(rows))
        for d in limit_rows:
            d["shadow_price_lp"] = prices.get(d["constraint_index"], math.nan)
    binding_df = pd.DataFrame(limit_rows, columns=["constraint_index", "constraint", "kind", "bound", "limit",
                                                   "used", "slack", "binding", "shadow_price_lp"])
    binding_df = binding_df.set_index("constraint_index")

    # ------------------------------------------------------------ flips (selected first: their optima seed the pool)
    order = [k for k in range(n) if sel[k]] + [k for k in range(n) if not sel[k]]
    changed = [problem.force_out(ids[k]) if sel[k] else problem.force_in(ids[k]) for k in order]
    hints = [[_drop_with_dependants(st, k, ids, required_by)] if sel[k] else [] for k in order]
    flips: dict[int, _Solved] = dict(zip(order, engine.run_all(changed, hints, executor)))

    # ------------------------------------------------------------ rules that hold selected projects in
    held: dict[int, list[Constraint]] = {}
    for k in np.flatnonzero(sel):
        pid = ids[k]
        h: list[Constraint] = [Mandatory(pid)] if pid in mandatory else []
        h += [Requires(q, pid) for q in required_by.get(pid, []) if sel[pos[q]]]
        h += [cons[ci] for ci, r in rows.items()
              if _bound(cons[ci]) == "min" and binds[ci] and Ac[r, chosen[k]] > 0]
        if h:
            held[int(k)] = h
    only_rule: dict[int, bool] = {}
    relaxed: dict[tuple[Constraint, ...], _Solved] = {}
    for k, h in held.items():
        pid = ids[k]
        # Mandatory(k) and Requires(., k) hold in every portfolio containing k: without them the best
        # portfolio with k is still worth z, so one solve (k out) settles it
        simple = all(isinstance(c, (Mandatory, Requires)) for c in h)
        free = problem.without(*h)
        if all(isinstance(c, Mandatory) for c in h):
            out = flips[k]
        else:
            out = engine.run(free.force_out(pid), [_drop_with_dependants(st, k, ids, {})])
        if out.objective is None:
            only_rule[k] = False
            continue
        if simple:
            z_free = max(z, out.objective)
        else:
            key = tuple(h)
            if key not in relaxed:
                relaxed[key] = engine.run(free, [st])
            rel = relaxed[key].objective
            z_free = z if rel is None else max(rel, z)
        only_rule[k] = out.objective >= z_free - _tie_tol(coef, sel)  # not _tol: see _tie_tol

    # ------------------------------------------------------------ per-project rows
    v = problem.objective_values.to_numpy(float)
    prob = f["probability"].to_numpy(float)
    dur = f["duration"].to_numpy(int)
    word = _WORD.get(problem.objective, problem.objective)
    records = []
    for k in range(n):
        pid = ids[k]
        fl = flips[k]
        vf = fl.objective
        lost = (z - vf) if vf is not None else math.nan
        be = math.nan
        if vf is not None and prob[k] > 0:
            if not sel[k]:
                be = v[k] + lost / prob[k]
            elif pid not in mandatory:
                be = v[k] - lost / prob[k]
        entered: tuple[str, ...] = ()
        left: tuple[str, ...] = ()
        if fl.starts is not None:
            b, o = sel, fl.starts >= 0
            entered = tuple(ids[q] for q in np.flatnonzero(o & ~b) if q != k)
            left = tuple(ids[q] for q in np.flatnonzero(b & ~o) if q != k)
        competes: list[str] = []
        held_txt: list[str] = []
        kept: list[str] = []
        cannot: list[str] = []
        lacks: list[str] = []
        if sel[k]:
            competes = [_short(cons[ci], labels) for ci, r in rows.items()
                        if binds[ci] and _bound(cons[ci]) == "max" and Ac[r, chosen[k]] > 0]
            held_txt = [_held_text(c, labels) for c in held.get(k, [])]
            if fl.status == Status.INFEASIBLE:
                cannot = _infeasible_reasons(problem.force_out(pid), fl, backend, ForcedOut(pid))
        else:
            if pid in forced_out:
                kept.append("it is on hold (forced out)")
            kept += [f"it excludes '{q}', which is selected" for q in excludes.get(pid, []) if sel[pos[q]]]
            for q in requires.get(pid, []):
                if not sel[pos[q]]:
                    kept.append(f"it requires '{q}', which is not selected" + (" (on hold)" if q in forced_out else ""))
            if fl.status == Status.INFEASIBLE:
                cannot = _infeasible_reasons(problem.force_in(pid), fl, backend, Mandatory(pid))
            lacks = _lacks(problem, comp, k, rows, row_slack, labels)
        rec: dict[str, Any] = {
            "id": pid,
            "name": f["name"].iat[k],
            "category": f["category"].iat[k],
            "selected": bool(sel[k]),
            "start": int(st[k]),
            "start_period": labels[st[k]] if sel[k] else None,
            "contribution": float(coef[k]),
            "value_if_flipped": math.nan if vf is None else vf,
            "value_lost": lost,
            "exact": fl.status in (Status.OPTIMAL, Status.INFEASIBLE),
            "break_even_value": be,
            "competes_on": tuple(competes),
            "held_in_by": tuple(held_txt),
            "only_because_of_rule": bool(only_rule.get(k, False)),
            "kept_out_by": tuple(kept),
            "cannot_flip": tuple(cannot),
            "lacks": tuple(lacks),
            "entered_if_flipped": entered,
            "left_if_flipped": left,
        }
        until = labels[min(int(st[k]) + int(dur[k]), len(labels)) - 1] if sel[k] else None
        rec["reason"] = _reason(rec, fl, word, float(v[k]), float(prob[k]), z, pid in mandatory,
                                pid in forced_out, until)
        if pid in (mandatory if sel[k] else forced_out):
            # forced the other way it would be both in and out: infeasible, so null, as the contract reads it;
            # value_lost (and the reason) keep what the flag costs, from the re-solve with the flag lifted
            rec["value_if_flipped"] = math.nan
        records.append(rec)
    frame = pd.DataFrame(records).set_index("id")
    for col in ("value_if_flipped", "value_lost", "break_even_value", "contribution"):
        frame[col] = frame[col].astype(float)
    free_ids = [k for k in range(n) if ids[k] not in mandatory and ids[k] not in forced_out]
    others = [flips[k].objective for k in free_ids if flips[k].objective is not None]
    next_best = max(others) if others else None  # every other portfolio differs in one of these projects
    return Explanation(result, frame, binding_df, next_best, engine.solves, time.perf_counter() - t0,
                       engine.exact, backend)


def _no_solution(result: PortfolioResult, backend: str, t0: float) -> Explanation:
    f = result.problem.table.frame
    why = "; ".join(result.diagnosis) if result.diagnosis else "no diagnosis"
    recs = []
    for k, pid in enumerate(f.index.tolist()):
        recs.append({
            "id": str(pid), "name": f["name"].iat[k], "category": f["category"].iat[k], "selected": False,
            "start": -1, "start_period": None, "contribution": math.nan, "value_if_flipped": math.nan,
            "value_lost": math.nan, "exact": result.status == Status.INFEASIBLE, "break_even_value": math.nan,
            "competes_on": (), "held_in_by": (), "only_because_of_rule": False, "kept_out_by": (),
            "cannot_flip": (), "lacks": (), "entered_if_flipped": (), "left_if_flipped": (),
            "reason": f"No portfolio: the request is {result.status.value.replace('_', ' ')} ({why}).",
        })
    frame = pd.DataFrame(recs).set_index("id")
    binding = pd.DataFrame(columns=["constraint", "kind", "bound", "limit", "used", "slack", "binding",
                                    "shadow_price_lp"], index=pd.Index([], name="constraint_index"))
    return Explanation(result, frame, binding, None, 0, time.perf_counter() - t0,
                       result.status == Status.INFEASIBLE, backend)


# --------------------------------------------------------------------------- words
def _reason(rec: Mapping[str, Any], fl: _Solved, word: str, v: float, prob: float, z: float, is_mandatory: bool,
            on_hold: bool, until: str | None = None) -> str:
    """The reason for one project, in a few plain sentences."""
    lost = rec["value_lost"]
    # a re-solve stopped at its time limit found a portfolio, not the best one: the true loss is at most,
    # and the true gain at least, what it shows
    most = "" if rec["exact"] else "at most "
    least = "" if rec["exact"] else "at least "
    eps = _tol(np.array([z]))

    def swap(with_it: bool) -> str:
        parts = []
        if rec["left_if_flipped"]:
            parts.append("drops " + _ids(rec["left_if_flipped"], 3))
        if rec["entered_if_flipped"]:
            parts.append("adds " + _ids(rec["entered_if_flipped"], 3))
        if not parts:
            return ""
        joint = ", and " if "more" in parts[0] and len(parts) > 1 else " and "
        return f" (the best portfolio {'with' if with_it else 'without'} it " + joint.join(parts) + ")"

    cannot = rec["cannot_flip"]
    if rec["selected"]:
        when = rec["start_period"] if not until or until == rec["start_period"] else f"{rec['start_period']}–{until}"
        s = [f"Selected ({when})."]
        if is_mandatory:
            if fl.objective is None:
                s.append("It is mandatory, and even without the mandate it could not be dropped"
                         + (f": {cannot[0]}" if cannot else "") + ".")
            elif lost < -eps:
                s.append(f"It is in only because it is mandatory: without the mandate the portfolio would be "
                         f"worth {least}{_fmt(-lost)} more{swap(False)}.")
            elif rec["only_because_of_rule"]:
                s.append("It is mandatory; without the mandate an equally good portfolio would leave it out.")
            else:
                s.append(f"It is mandatory, and would be chosen anyway: dropping it would cost "
                         f"{most}{_fmt(lost)}{swap(False)}.")
            return " ".join(s)
        held = _ids(list(rec["held_in_by"]), 3)
        if rec["only_because_of_rule"]:
            s.append(f"It is in because {held}: without that rule it would not be chosen.")
        elif held:
            s.append(f"{held[0].upper() + held[1:]}, but it would be chosen on its own {word} too.")
        if fl.objective is None:
            s.append("It cannot be dropped" + (f": {cannot[0]}." if cannot else " (not within the time limit)."))
        else:
            s.append(f"Dropping it would {_change(lost, rec['exact'], eps)}{swap(False)}.")
        if rec["competes_on"]:
            n = len(rec["competes_on"])
            s.append(f"It competes for {_ids(list(rec['competes_on']), 3)}, "
                     f"{'which is' if n == 1 else 'all'} fully used.")
        if math.isfinite(rec["break_even_value"]) and not rec["only_because_of_rule"]:
            s.append(f"It stays in while its {word} is at least {_fmt(rec['break_even_value'])} (now {_fmt(v)}).")
        return " ".join(s)

    rules = list(rec["kept_out_by"])
    if rules:
        s = ["Not selected: " + "; ".join(rules) + "."]
    elif prob <= 0:
        s = ["Not selected: its probability of success is 0, so it adds nothing."]
    elif v <= 0:
        s = [f"Not selected: its {word} ({_fmt(v)}) adds nothing."]
    elif fl.objective is not None:
        s = [f"Not selected: its {word} ({_fmt(v)}) does not make up for what it would displace."]
    else:
        s = ["Not selected."]
    if fl.objective is None:
        if fl.status == Status.INFEASIBLE:
            s.append("It cannot be added" + (f": {cannot[0]}." if cannot else "."))
        else:
            s.append("Forcing it in found no portfolio within the time limit.")
        return " ".join(s)
    if on_hold:
        if lost < -eps:
            s.append(f"Lifting the hold would add {least}{_fmt(-lost)}{swap(True)}.")
        else:
            s.append(f"Were the hold lifted, forcing it in would {_change(lost, rec['exact'], eps)}{swap(True)}.")
    else:
        s.append(f"Forcing it in would {_change(lost, rec['exact'], eps)}{swap(True)}.")
    if math.isfinite(rec["break_even_value"]) and not rules:
        s.append(f"It would enter at a {word} of {_fmt(rec['break_even_value'])}.")
    if rec["lacks"] and not rules:
        lacks = list(rec["lacks"])
        more = f", and {len(lacks) - 3} more" if len(lacks) > 3 else ""
        s.append("Next to the current portfolio it is " + _ids(lacks[:3], 3) + more + ".")
    return " ".join(s)


def _change(lost: float, exact: bool, eps: float) -> str:
    """'cost 12' / 'add 12' / 'leave ... unchanged': the effect of a reversed decision on the objective."""
    if abs(lost) <= eps and exact:
        return "leave the portfolio's value unchanged (a tie)"
    if lost > 0:
        return f"cost {'' if exact else 'at most '}{_fmt(lost)}"
    return f"add {'' if exact else 'at least '}{_fmt(-lost)}"


def _use(r: Mapping[str, Any]) -> str:
    if r["kind"] == "group share":
        return f"{100 * r['used']:.1f} % of the cost, limit {100 * r['limit']:.0f} %"
    if r["bound"] == "min":
        return f"{_fmt(r['used'])}, minimum {_fmt(r['limit'])}"
    return f"{_fmt(r['used'])} used, {_fmt(r['slack'])} left"


def _report(ex: Explanation, width: int) -> str:
    res = ex.result
    problem = res.problem
    df = ex.projects
    word = _WORD.get(problem.objective, problem.objective)
    item = textwrap.TextWrapper(width=width, initial_indent="  ", subsequent_indent="      ")
    bullet = textwrap.TextWrapper(width=width, initial_indent="  - ", subsequent_indent="    ")
    para = textwrap.TextWrapper(width=width)
    lines: list[str] = []
    if not res.has_solution:
        lines.append(f"No portfolio: the request is {res.status.value.replace('_', ' ')}.")
        lines += [bullet.fill(d) for d in res.diagnosis]
        return "\n".join(lines)

    z = float(res.objective)  # type: ignore[arg-type]
    eps = _tol(np.array([z]))
    total_budget, _ = problem.budget_limits()
    budget = f" of a total budget of {_fmt(total_budget)}" if math.isfinite(total_budget) else ""
    head = (f"The recommended portfolio funds {int(df['selected'].sum())} of the {len(df)} candidate projects "
            f"for an expected {word} of {_fmt(z)} (each project's {word} times its probability of success) "
            f"and a total cost of {_fmt(res.total_spend)}{budget}. ")
    if res.status == Status.OPTIMAL:
        head += f"No portfolio that meets every rule is worth more (proven by {res.solver.name} {res.solver.version})."
    else:
        head += f"It is the best found within the time limit (at most {res.gap or 0:.2%} from the optimum)."
    if ex.next_best is not None:
        gap = z - ex.next_best
        if gap <= eps:
            head += (" Another portfolio is worth exactly as much; the tie is settled by the documented rule "
                     "(the lower total cost, then the first project id).")
        else:
            pct = 100 * gap / abs(z) if z else 0.0
            bound = "" if ex.exact else "at most "
            head += (f" The best different portfolio is worth {bound}{_fmt(gap)} less ({pct:.2f} %), so the choice "
                     "is " + ("clear." if pct >= 0.5 else "a close call."))
    lines += ["WHY THIS PORTFOLIO", para.fill(head), ""]

    mand = {c.project for c in problem.constraints if isinstance(c, Mandatory)}
    sel = df[df["selected"]]
    rule = sel[sel["only_because_of_rule"] | sel.index.isin(list(mand))]
    merit = sel.drop(rule.index).sort_values("value_lost", ascending=False, kind="stable")
    out = df[~df["selected"]]
    ruled = out[(out["kept_out_by"].map(len) > 0) | out["value_if_flipped"].isna()]
    close = out.drop(ruled.index).sort_values("value_lost", kind="stable")

    def listed(part: pd.DataFrame, k: int = 3) -> str:
        return ", ".join(f"{pid} ({'' if r['exact'] else '≤ '}{_fmt(r['value_lost'])})"
                         for pid, r in part.head(k).iterrows())

    glance = []
    if len(merit):
        glance.append(f"Most valuable to keep (what dropping it would cost): {listed(merit)}.")
        calls = merit.sort_values("value_lost", kind="stable")
        glance.append(f"Closest calls: in, {listed(calls)}; out, {listed(close)}." if len(close)
                      else f"Closest calls: {listed(calls)}.")
    elif len(close):
        glance.append(f"Closest to entering (what adding it would cost): {listed(close)}.")
    if len(rule):
        parts = []
        for pid, r in rule.iterrows():
            if pid in mand and r["value_lost"] < -eps:
                parts.append(f"{pid} (mandatory; the mandate costs {'' if r['exact'] else '≥ '}"
                             f"{_fmt(-r['value_lost'])})")
            elif pid in mand:
                parts.append(f"{pid} (mandatory, chosen anyway)")
            else:
                parts.append(f"{pid} ({'; '.join(r['held_in_by'])})")
        glance.append("In because a rule requires it: " + ", ".join(parts) + ".")
    if len(ruled):
        why: dict[str, list[str]] = {}
        for pid, r in ruled.iterrows():
            reason = r["kept_out_by"][0] if r["kept_out_by"] else "it cannot be added"
            reason = reason.removeprefix("it is ").removeprefix("it ").replace("on hold (forced out)", "on hold")
            why.setdefault(reason, []).append(str(pid))
        glance.append("Kept out by a rule: " + "; ".join(
            f"{_ids(v, 4)} ({'each ' if len(v) > 1 and not k.startswith('on hold') else ''}{k})"
            for k, v in why.items()) + ".")
    b = ex.binding
    priced = b[b["binding"] & (b["shadow_price_lp"] > 1e-9)].sort_values("shadow_price_lp", ascending=False)
    if len(priced):
        glance.append("Scarcest limits (LP estimate of one more unit): " + ", ".join(
            f"{_short_text(r)} ({_fmt(r['shadow_price_lp'])}{' per point' if r['kind'] == 'group share' else ''})"
            for _, r in priced.head(4).iterrows()) + ".")
    if glance:
        lines.append("AT A GLANCE")
        lines += [bullet.fill(g) for g in glance]
        lines.append("")

    lines.append("WHAT LIMITS IT")
    if len(b):
        for _, r in b[b["binding"]].iterrows():
            price = r["shadow_price_lp"]
            extra = ""
            if isinstance(price, float) and math.isfinite(price) and price > 1e-9:
                unit = "percentage point" if r["kind"] == "group share" else "unit"
                extra = f"; one more {unit} would be worth about {_fmt(price)} (LP estimate)"
            lines.append(bullet.fill(f"{r['constraint']}: {_use(r)}{extra}"))
        loose = b[~b["binding"]]
        if len(loose):
            lines.append(bullet.fill("Not limiting: " + "; ".join(f"{_short_text(r)} ({_use(r)})"
                                                                 for _, r in loose.iterrows()) + "."))
    else:
        lines.append("  No budget, capacity or group limit applies.")
    lines.append("")

    def title(pid: str, name: str) -> str:
        return pid if name == pid else f"{pid} {name}"

    sections = [
        (f"SELECTED ON THEIR MERITS ({len(merit)}), the most valuable to keep first", merit),
        (f"SELECTED BECAUSE A RULE REQUIRES IT ({len(rule)})", rule),
        (f"LEFT OUT ({len(close)}), the closest to entering first", close),
        (f"KEPT OUT BY A RULE ({len(ruled)})", ruled),
    ]
    for head_, part in sections:
        if not len(part):
            continue
        lines.append(head_)
        for pid, r in part.iterrows():
            lines.append(item.fill(f"{title(str(pid), str(r['name']))}: {r['reason']}"))
        lines.append("")
    note = (f"How to read this: 'would cost' is how much the portfolio's expected {word} would fall if the "
            "decision on that project were reversed, found by re-optimising the whole portfolio; the break-even "
            f"is the {word} (before the probability of success) at which the decision would change. The LP "
            "estimates of what one more unit of a limit is worth come from the linear relaxation and are only "
            f"indicative. {ex.solves} re-optimisations in {ex.seconds:.0f} s; ")
    note += ("every figure is proven." if ex.exact else
             "a re-optimisation that hit its time limit gives a bound: 'at most' / 'at least' in the text, "
             "'≤' in the overview.")
    lines.append(para.fill(note))
    return "\n".join(lines)


def _short_text(r: Mapping[str, Any]) -> str:
    """A limit's description without its amount in brackets."""
    text = str(r["constraint"])
    return text[: text.rfind(" (")] if text.endswith(")") and " (" in text else text


# --------------------------------------------------------------------------- engine
def check_explain(problem: Problem, value: Any) -> None:
    """Validate the engine's ``analyses.explain`` (``true`` or ``false``).

    Examples
    --------
    >>> check_explain(None, True)
    >>> try:
    ...     check_explain(None, "yes")
    ... except ValidationError as exc:
    ...     print(exc.problems[0])
    field 'analyses.explain' must be true or false, got 'yes'
    """
    if value is not None and not isinstance(value, bool):
        raise ValidationError(f"field 'analyses.explain' must be true or false, got {value!r}")


def engine_explain(problem: Problem, result: Any, value: Any, solver: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's ``explanations``: one ``{"id", "selected", "value_if_flipped", "reason", ...}`` per project."""
    check_explain(problem, value)
    ex = explain(result, solver=solver.get("solver"), time_limit=solver.get("time_limit"), shadow_prices=False)
    return {"explanations": ex.to_dict()["explanations"]}
