"""Choosing the optimal portfolio: compile, solve, check, wrap.

:func:`select` is the one entry point: it compiles the problem into arrays,
hands them to a backend, checks the returned portfolio against the input in
plain arithmetic and returns a frozen :class:`PortfolioResult`.  An infeasible
problem is a status with a diagnosis, not an exception.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._compile import compile_problem
from ._solvers import SolverOptions, Status, solve
from .errors import SolverError, ValidationError
from .problem import Problem
from .result import PortfolioResult, SolverInfo, check_portfolio

__all__ = ["select"]


def _options(time_limit: float | None, mip_gap: float, threads: int | None, msg: bool,
             warm: np.ndarray | None = None) -> SolverOptions:
    problems = []
    if time_limit is not None and (isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or time_limit <= 0):
        problems.append(f"solver option 'time_limit' must be a positive number of seconds, got {time_limit!r}")
    if isinstance(mip_gap, bool) or not isinstance(mip_gap, (int, float)) or not 0 <= mip_gap < 1:
        problems.append(f"solver option 'mip_gap' must be within [0, 1), got {mip_gap!r}")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        problems.append(f"solver option 'threads' must be a positive whole number, got {threads!r}")
    if problems:
        raise ValidationError(problems)
    return SolverOptions(time_limit=time_limit, mip_gap=float(mip_gap), threads=threads, msg=msg, warm_start=warm)


def select(
    problem: Problem,
    *,
    solver: str = "highs",
    time_limit: float | None = None,
    mip_gap: float = 0.0,
    threads: int | None = None,
    warm_start: pd.Series | dict[str, int] | None = None,
    msg: bool = False,
    diagnose: bool = True,
) -> PortfolioResult:
    """Choose the portfolio (and the start of each selected project) that maximises the objective.

    Parameters
    ----------
    problem : Problem
    solver : str
        ``"highs"`` (default, in-process), ``"cbc"`` (through PuLP) or the name
        of any other solver PuLP can drive here (e.g. ``"GLPK_CMD"``).
    time_limit : float, optional
        Seconds; a run stopped at the limit with a solution has status
        ``feasible`` and reports its proven ``gap``.
    mip_gap : float
        Relative optimality gap at which the solver may stop (0 = prove optimal).
    threads : int, optional
    warm_start : Series or dict of id → start, optional
        A known feasible portfolio handed to the solver as a first incumbent.
    msg : bool
        Send the solver's log to standard error.
    diagnose : bool
        When infeasible, search for a small set of conflicting constraints.

    Returns
    -------
    PortfolioResult

    Raises
    ------
    SolverError
        When the solver fails or returns a portfolio that breaks a constraint.

    Examples
    --------
    >>> import pandas as pd, portfolio_opt as po
    >>> df = pd.DataFrame({"id": ["A", "B", "C"], "cost": [4, 3, 2], "value": [10, 7, 5]})
    >>> r = po.select(po.Problem.from_frame(df, budget=6))
    >>> r.status.value, r.objective, r.selected_ids
    ('optimal', 15.0, ['A', 'C'])
    """
    if not isinstance(problem, Problem):
        raise ValidationError(f"select() needs a Problem, got {type(problem).__name__}")
    _check_solver(solver)
    comp = compile_problem(problem)
    warm = None
    if warm_start is not None:
        st = np.full(len(problem.table), -1, dtype=int)
        pos = {pid: k for k, pid in enumerate(problem.ids)}
        for pid, s in dict(warm_start).items():
            if pid not in pos:
                raise ValidationError(f"warm_start: unknown project id '{pid}'")
            if s is not None and not pd.isna(s) and int(s) >= 0:
                st[pos[pid]] = int(s)
        warm = comp.x_from_starts(st)
    opts = _options(time_limit, mip_gap, threads, msg, warm)
    raw = solve(comp.model, opts, solver)
    info = SolverInfo(raw.solver, raw.version, raw.seconds, {"name": solver, **opts.as_dict()})
    if raw.status.has_solution and raw.x is not None:
        starts = comp.starts(raw.x)
        bad = check_portfolio(problem, starts)
        if bad:
            raise SolverError(
                f"{raw.solver} returned a portfolio that breaks the input's constraints: " + "; ".join(bad[:5])
            )
        objective = float(np.dot(comp.coef, starts >= 0))
        bound = raw.bound
        if bound is not None and raw.status == Status.OPTIMAL and opts.mip_gap == 0:
            bound = max(bound, objective)
        gap = None if bound is None else max(0.0, (bound - objective) / max(abs(objective), 1e-10))
        if raw.status == Status.OPTIMAL and opts.mip_gap == 0:
            gap = 0.0 if gap is None or gap < 1e-6 else gap
        return PortfolioResult(
            problem=problem,
            status=raw.status,
            objective=objective,
            bound=bound,
            gap=gap,
            starts=pd.Series(starts, index=problem.ids, name="start"),
            solver=info,
        )
    diagnosis: tuple[str, ...] = ()
    if raw.status == Status.INFEASIBLE and diagnose:
        from .diagnosis import diagnose_infeasibility

        diagnosis = tuple(diagnose_infeasibility(problem, solver=solver, threads=threads))
    elif raw.status == Status.NO_SOLUTION:
        diagnosis = (f"the solver hit its limit ({raw.message}) before finding any portfolio; "
                     "raise the time limit or relax the constraints",)
    return PortfolioResult(
        problem=problem,
        status=raw.status,
        objective=None,
        bound=raw.bound,
        gap=None,
        starts=pd.Series(np.full(len(problem.table), -1, dtype=int), index=problem.ids, name="start"),
        solver=info,
        diagnosis=diagnosis,
    )


def _check_solver(name: str) -> None:
    from ._solvers import available_backends

    if not isinstance(name, str) or not name:
        raise ValidationError(f"solver must be a name such as 'highs' or 'cbc', got {name!r}")
    avail = available_backends()
    if name.lower() not in [a.lower() for a in avail]:
        raise ValidationError(f"solver '{name}' is not available here (available: {', '.join(avail)})")
