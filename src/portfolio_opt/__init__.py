"""portfolio_opt: score candidate projects and choose the provably best portfolio.

The public API, in the order data flows through it::

    load_projects  →  Problem.from_frame  →  select  →  PortfolioResult
    ScoringModel (criteria, AHP / rank-order weights) and finance metrics
    solve_spec (the JSON engine contract)

Solver libraries and matplotlib are imported only when first needed.
"""

from __future__ import annotations

from ._solvers._base import Status
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
from .data import Columns, load_projects, validate_projects
from .diagnosis import Diagnosis, Repair, diagnose
from .engine import problem_from_spec, solve_spec
from .errors import ConsistencyWarning, PortfolioError, PortfolioWarning, SolverError, ValidationError
from .finance import benefit_cost_ratio, cash_flow_metrics, npv, payback_period, roi
from .optimize import select
from .problem import Problem
from .result import PortfolioResult, SolverInfo, check_portfolio
from .scoring import Criterion, ScoringModel, ahp_weights, rank_order_centroid, roc_weights

__version__ = "0.1.0"

__all__ = [
    "BudgetLimit",
    "CapacityLimit",
    "Columns",
    "ConsistencyWarning",
    "CountLimit",
    "Criterion",
    "Diagnosis",
    "Excludes",
    "ForcedOut",
    "GroupLimit",
    "Mandatory",
    "PortfolioError",
    "PortfolioResult",
    "PortfolioWarning",
    "Problem",
    "Repair",
    "Requires",
    "ScoringModel",
    "SolverError",
    "SolverInfo",
    "Status",
    "ValidationError",
    "ahp_weights",
    "available_solvers",
    "benefit_cost_ratio",
    "cash_flow_metrics",
    "check_portfolio",
    "diagnose",
    "load_projects",
    "npv",
    "payback_period",
    "problem_from_spec",
    "rank_order_centroid",
    "roc_weights",
    "roi",
    "select",
    "solve_spec",
    "validate_projects",
]


def available_solvers() -> list[str]:
    """Backends usable on this machine (``"highs"``, ``"cbc"`` and other PuLP solvers).

    Examples
    --------
    >>> "highs" in available_solvers()
    True
    """
    from ._solvers import available_backends

    return available_backends()
