"""Why a request is infeasible, and the smallest change that fixes it.

Three steps, cheapest first:

1. exact quick checks that name projects, periods and amounts (mandatory
   projects that alone exceed a budget or capacity, a project both mandatory
   and forced out, a requirement chain from a mandatory project into a
   forced-out one, mandatory projects that exclude each other, group or count
   minimums larger than what is available, group or count maximums smaller
   than what the mandatory projects take);
2. a deletion filter over the request's own constraint objects that finds an
   *irreducible* conflicting set: dropping any one of its members makes the set
   consistent;
3. for each member, the smallest relaxation that restores feasibility of the
   whole request (an exact MIP with one slack for limits, checked by a
   re-solve), or "drop it" for relations and flags.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence

import numpy as np

from ._compile import compile_problem
from ._solvers import SolverOptions, Status, solve
from .constraints import (
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
from .problem import Problem

__all__ = ["Repair", "Diagnosis", "diagnose", "diagnose_infeasibility"]


@dataclasses.dataclass(frozen=True)
class Repair:
    """One change that restores feasibility on its own.

    ``kind`` is ``"relax"`` (change ``constraint``'s limit to ``new_amount``,
    a change of ``delta``) or ``"drop"``; ``verified`` says a re-solve of the
    whole request with the change was feasible.
    """

    constraint: Constraint
    kind: str
    delta: float | None
    new_amount: float | None
    verified: bool
    text: str


@dataclasses.dataclass(frozen=True)
class Diagnosis:
    """The findings on an infeasible problem."""

    checks: tuple[str, ...]
    conflict: tuple[Constraint, ...]
    repairs: tuple[Repair, ...]
    conflict_text: str

    @property
    def messages(self) -> list[str]:
        out = list(self.checks)
        if self.conflict_text:
            out.append(self.conflict_text)
        out.extend(r.text for r in self.repairs)
        return out


def _feasible(problem: Problem, constraints: Sequence[Constraint], solver: str, time_limit: float | None) -> bool | None:
    comp = compile_problem(problem.replace(constraints=tuple(constraints)))
    model = dataclasses.replace(comp.model, c=np.zeros_like(comp.model.c))
    st = solve(model, SolverOptions(time_limit=time_limit), solver).status
    if st.has_solution:
        return True
    if st == Status.INFEASIBLE:
        return False
    return None  # unknown (limit hit)


def _names(ids: Sequence[str], limit: int = 6) -> str:
    ids = list(ids)
    q = [f"'{i}'" for i in ids[:limit]]
    s = ", ".join(q[:-1]) + (" and " if len(q) > 1 else "") + q[-1] if q else ""
    return s + (f" (and {len(ids) - limit} more)" if len(ids) > limit else "")


def quick_checks(problem: Problem, added: str | None = None) -> list[str]:
    """Exact, cheap reasons for infeasibility that need no solver (may be empty).

    ``added``: a project that is mandatory only because a what-if forces it in (explain's flips); the
    messages call it added, not mandatory.
    """

    def called(x: str) -> str:
        return f"'{x}'" if x == added else f"mandatory '{x}'"

    def subject(names: Sequence[str]) -> tuple[str, str]:
        """The mandatory projects ``names`` as a sentence's subject, and the ending of its verb."""
        if added not in names:
            return f"the mandatory projects {_names(names)}", ""
        rest = [x for x in names if x != added]
        return (f"'{added}' and the mandatory projects {_names(rest)}", "") if rest else (f"'{added}'", "s")

    f = problem.table.frame
    pos = problem._position
    labels = problem.periods
    T = problem.n_periods
    cons = problem.constraints
    mand = [c.project for c in cons if isinstance(c, Mandatory)]
    out_ = {c.project for c in cons if isinstance(c, ForcedOut)}
    msgs: list[str] = []
    es, dur = f["earliest_start"].to_numpy(int), f["duration"].to_numpy(int)
    for pid in dict.fromkeys(mand):
        if pid in out_:
            msgs.append(f"'{pid}' is both mandatory and forced out")
        k = pos[pid]
        if es[k] + dur[k] > T:  # its window lies wholly past the last start that lets it finish
            msgs.append(f"'{pid}' cannot finish within the {T} period(s): it lasts {dur[k]} "
                        f"and its earliest start is period {es[k]}")
    # everything a mandatory project drags in through requires
    req: dict[str, list[str]] = {}
    for c in cons:
        if isinstance(c, Requires):
            req.setdefault(c.project, []).append(c.required)
    needed: dict[str, list[str]] = {}  # project -> chain from a mandatory project
    for m in dict.fromkeys(mand):
        stack = [[m]]
        while stack:
            chain = stack.pop()
            cur = chain[-1]
            if cur in needed:
                continue
            needed[cur] = chain
            for nxt in req.get(cur, []):
                stack.append(chain + [nxt])
    for pid, chain in needed.items():
        if pid in out_ and len(chain) > 1:
            msgs.append(
                called(chain[0]) + " requires " + " → ".join(f"'{c}'" for c in chain[1:])
                + f", but '{pid}' is forced out"
            )
    for c in cons:
        if isinstance(c, Excludes) and c.a in needed and c.b in needed:
            why = [(f"'{x}' is added" if x == added else f"'{x}' is mandatory") if len(needed[x]) == 1
                   else f"'{x}' is required by {called(needed[x][0])}" for x in (c.a, c.b)]
            msgs.append(f"{c.describe()}, but {why[0]} and {why[1]}")
    # minimum spend / use of the forced-in projects per period
    must = [pos[p] for p in needed]
    if must:
        es = f["earliest_start"].to_numpy(int)
        ls = f["latest_start"].to_numpy(int)

        def min_profile(demand: np.ndarray) -> np.ndarray:
            tot = np.zeros(T)
            for p in must:
                best = None
                for s in range(es[p], ls[p] + 1):
                    prof = np.zeros(T)
                    k = min(demand.shape[1], T - s)
                    prof[s : s + k] = demand[p, :k]
                    best = prof if best is None else np.minimum(best, prof)
                tot += best if best is not None else 0
            return tot

        names = [f.index[p] for p in must]
        tc = float(f["total_cost"].to_numpy(float)[must].sum())
        spend = None
        for c in cons:
            if isinstance(c, BudgetLimit) and c.period is None and tc > c.amount * (1 + 1e-9):
                who, v = subject(names)
                msgs.append(f"{who} cost{v} {tc:,.6g} in total and the total budget is {c.amount:,.6g}")
            elif isinstance(c, BudgetLimit) and c.period is not None:
                spend = min_profile(problem.table.cost) if spend is None else spend
                if spend[c.period] > c.amount * (1 + 1e-9):
                    who, v = subject([n for n, p in zip(names, must) if problem.table.cost[p].any()])
                    msgs.append(
                        f"{who} need{v} at least {spend[c.period]:,.6g} in "
                        f"{labels[c.period]} and that period's budget is {c.amount:,.6g}"
                    )
        use: dict[str, np.ndarray] = {}
        for c in cons:
            if isinstance(c, CapacityLimit):
                if c.resource not in use:
                    use[c.resource] = min_profile(problem.table.resources[c.resource])
                if use[c.resource][c.period] > c.amount * (1 + 1e-9):
                    who, v = subject(names)
                    msgs.append(
                        f"{who} need{v} at least {use[c.resource][c.period]:,.6g} "
                        f"{c.resource} in {labels[c.period]} and the capacity is {c.amount:,.6g}"
                    )
    available = [pid for pid in f.index.tolist() if pid not in out_]
    cats = f["category"]
    for c in cons:
        if isinstance(c, GroupLimit) and c.bound == "min" and c.measure == "count":
            n_cat = int(((cats == c.category) & ~f.index.isin(list(out_))).sum())
            if c.amount > n_cat:
                msgs.append(f"{c.describe()} is more than the {n_cat} selectable projects of that category")
        if isinstance(c, GroupLimit) and c.bound == "max" and c.measure == "count":
            n_m = sum(1 for p in needed if cats.iat[pos[p]] == c.category)
            if n_m > c.amount:
                msgs.append(f"{c.describe()} is less than the {n_m} mandatory projects of that category")
        if isinstance(c, GroupLimit) and c.measure == "cost":
            tcs = f["total_cost"]
            if c.bound == "min":
                avail = float(tcs[(cats == c.category) & ~f.index.isin(list(out_))].sum())
                if c.amount > avail * (1 + 1e-9):
                    msgs.append(f"{c.describe()} is more than the {avail:,.6g} that all selectable projects "
                                "of that category cost together")
            else:
                must_cat = [p for p in needed if cats.iat[pos[p]] == c.category]
                cost_m = float(tcs[must_cat].sum()) if must_cat else 0.0
                if cost_m > c.amount * (1 + 1e-9):
                    msgs.append(f"{c.describe()} is less than the {cost_m:,.6g} that the mandatory projects "
                                f"{_names(must_cat)} of that category cost")
        if isinstance(c, CountLimit) and c.bound == "min" and c.amount > len(available):
            msgs.append(f"{c.describe()} is more than the {len(available)} projects that can be selected")
        if isinstance(c, CountLimit) and c.bound == "max" and len(needed) > c.amount:
            msgs.append(f"{c.describe()} is less than the {len(needed)} projects that must be selected")
    return msgs


def _per_check(time_limit: float | None, deadline: float | None) -> float | None:
    """A check's time limit: ``time_limit``, and no more than is left before ``deadline`` (monotonic)."""
    if deadline is None:
        return time_limit
    left = max(0.01, deadline - time.monotonic())
    return left if time_limit is None else min(float(time_limit), left)


def _out_of_time(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline


def conflict_set(problem: Problem, *, solver: str = "auto", time_limit: float | None = 20.0) -> tuple[Constraint, ...]:
    """An irreducible set of the problem's constraints that cannot hold together.

    Blocks of constraints are dropped while the rest stays infeasible, with the
    block size halving down to one (a deletion filter); what remains is
    irreducible: without any one member the set is consistent.
    """
    return _conflict(problem, solver, time_limit, None)[0]


def _conflict(problem: Problem, solver: str, time_limit: float | None,
              deadline: float | None) -> tuple[tuple[Constraint, ...], bool]:
    """:func:`conflict_set`, stopped at ``deadline`` (``time.monotonic()``), and whether it is irreducible (the
    filter ended before the deadline; else what it holds still cannot hold together, but may shrink further)."""
    keep = list(problem.constraints)
    b = max(1, len(keep) // 2)
    while True:
        i = 0
        while i < len(keep):
            if _out_of_time(deadline):
                return tuple(keep), False
            trial = keep[:i] + keep[i + b :]
            if _feasible(problem, trial, solver, _per_check(time_limit, deadline)) is False:
                keep = trial
            else:
                i += b
        if b == 1:
            break
        b = max(1, b // 2)
    return tuple(keep), True


def _relax_amount(problem: Problem, con: Constraint, solver: str, time_limit: float | None) -> float | None:
    """The smallest change of ``con``'s limit that makes the whole problem feasible (None: none helps)."""
    idx = problem.constraints.index(con)
    if isinstance(con, GroupLimit) and con.measure == "share":
        # share limits are not linear in their amount: bisect on it
        lo_ok = con.amount
        target = 1.0 if con.bound == "max" else 0.0
        probe = dataclasses.replace(con, amount=target)
        if _feasible(problem, [probe if c == con else c for c in problem.constraints], solver, time_limit) is not True:
            return None
        bad, good = lo_ok, target
        for _ in range(30):
            mid = (bad + good) / 2
            trial = dataclasses.replace(con, amount=mid)
            if _feasible(problem, [trial if c == con else c for c in problem.constraints], solver, time_limit) is True:
                good = mid
            else:
                bad = mid
            if abs(good - bad) < 1e-4:
                break
        return good - con.amount
    comp = compile_problem(problem)
    m = comp.model
    rows = np.flatnonzero(comp.row_owner == idx)
    if len(rows) == 0:
        return None
    lower_bounded = con.bound == "min" if isinstance(con, (GroupLimit, CountLimit)) else False
    col = np.zeros(m.n_rows)
    col[rows] = 1.0 if lower_bounded else -1.0
    import scipy.sparse as sp

    A = sp.hstack([m.A, sp.csr_matrix(col.reshape(-1, 1))], format="csr")
    c = np.zeros(m.n_cols + 1)
    c[-1] = -1.0
    upper = con.amount if lower_bounded else math.inf
    model = dataclasses.replace(
        m, c=c, A=A,
        col_lo=np.append(m.col_lo, 0.0), col_hi=np.append(m.col_hi, upper),
        integrality=np.append(m.integrality, 0).astype(np.int8),
    )
    raw = solve(model, SolverOptions(time_limit=time_limit), solver)
    if not raw.status.has_solution or raw.x is None:
        return None
    delta = float(raw.x[-1])
    if isinstance(con, (CountLimit,)) or (isinstance(con, GroupLimit) and con.measure == "count"):
        delta = float(math.ceil(delta - 1e-6))
    return -delta if lower_bounded else delta


def diagnose(problem: Problem, *, solver: str = "auto", time_limit: float | None = 20.0,
             total_time: float | None = None) -> Diagnosis:
    """Explain why ``problem`` is infeasible and how to repair it.

    Parameters
    ----------
    problem : Problem
        An infeasible problem (a feasible one gives an empty diagnosis).
    solver : str
        Backend for the feasibility checks.
    time_limit : float, optional
        Per check; a check that hits it counts as "unknown" (kept).
    total_time : float, optional
        Seconds for the whole diagnosis (None: no limit beyond the checks'):
        where it runs out, the conflict found so far is reported (it still
        cannot hold together, but a smaller one may exist: the text says so)
        and the repairs not yet tried are left out.

    Returns
    -------
    Diagnosis

    Examples
    --------
    >>> import pandas as pd, portfolio_opt as po
    >>> df = pd.DataFrame({"id": ["A", "B"], "cost": [5, 4], "value": [1, 1],
    ...                    "mandatory": [True, True]})
    >>> d = po.diagnose(po.Problem.from_frame(df, budget=6))
    >>> d.checks[0]
    "the mandatory projects 'A' and 'B' cost 9 in total and the total budget is 6"
    >>> [r.text for r in d.repairs][0]
    'raise the total budget (6) by 3 to 9'
    """
    deadline = None if total_time is None else time.monotonic() + float(total_time)
    whole = _feasible(problem, problem.constraints, solver, _per_check(time_limit, deadline))
    if whole is None and deadline is not None:  # not proved again in time: what the quick checks find
        return Diagnosis(tuple(quick_checks(problem)), (), (),
                         "no set of constraints that cannot hold together was isolated within the time limit")
    if whole is not False:
        return Diagnosis((), (), (), "")
    checks = tuple(quick_checks(problem))
    conflict, irreducible = _conflict(problem, solver, time_limit, deadline)
    labels = problem.periods
    text = ""
    if conflict and not irreducible and len(conflict) == len(problem.constraints):
        text = (f"the request's {len(conflict)} constraints cannot all hold together; no smaller set that cannot "
                "was found within the time limit")
    elif conflict:
        text = ("these constraints cannot all hold together" + ("" if irreducible else
                " (found within the time limit; a smaller such set may exist)") + ": "
                + "; ".join(c.describe(labels) for c in conflict))
    repairs: list[Repair] = []
    for con in conflict if irreducible else ():
        if _out_of_time(deadline):
            break
        if isinstance(con, NUMERIC):
            delta = _relax_amount(problem, con, solver, _per_check(time_limit, deadline))
            if delta is None:
                continue
            new = con.amount + delta
            if isinstance(con, CountLimit) or (isinstance(con, GroupLimit) and con.measure == "count"):
                new = float(round(new))
            relaxed = dataclasses.replace(con, amount=max(new, 0.0))  # type: ignore[type-var]
            ok = _feasible(problem, [relaxed if c == con else c for c in problem.constraints], solver,
                           _per_check(time_limit, deadline)) is True
            word = "raise" if delta > 0 else "lower"
            repairs.append(Repair(con, "relax", delta, new, ok,
                                  f"{word} {con.describe(labels)} by {abs(delta):,.6g} to {new:,.6g}"
                                  + ("" if ok else " (not confirmed by a re-solve)")))
        else:
            ok = _feasible(problem, [c for c in problem.constraints if c != con], solver,
                           _per_check(time_limit, deadline)) is True
            verb = {Mandatory: "drop", ForcedOut: "lift", Requires: "drop the requirement:", Excludes: "drop the exclusion:"}
            what = con.describe(labels)
            t = f"{verb.get(type(con), 'drop')} {what}"
            if not ok:
                t += " (not enough on its own: other conflicts remain)"
            repairs.append(Repair(con, "drop", None, None, ok, t))
    repairs.sort(key=lambda r: (not r.verified, r.kind != "relax"))
    return Diagnosis(checks, conflict, tuple(repairs), text)


def diagnose_infeasibility(problem: Problem, *, solver: str = "auto", threads: int | None = None,
                           time_limit: float | None = 20.0, total_time: float | None = None) -> list[str]:
    """Plain-language diagnosis lines (the engine's ``diagnosis`` field)."""
    d = diagnose(problem, solver=solver, time_limit=time_limit, total_time=total_time)
    msgs = list(d.checks) + ([d.conflict_text] if d.conflict_text else [])
    ok = [r.text for r in d.repairs if r.verified]
    if len(ok) > 1:
        msgs.append("any one of these changes restores feasibility: " + "; or ".join(ok))
    elif ok:
        msgs.append("this change restores feasibility: " + ok[0])
    else:
        msgs.extend(r.text for r in d.repairs)
    return msgs
