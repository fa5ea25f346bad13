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

# Analyses (scenarios, frontier, sensitivity, uncertainty, explanations, alternatives) are
# imported on first use so that `import portfolio_opt` stays light.
_LAZY = {
    "Scenario": "analysis.scenarios", "hire": "analysis.scenarios", "run_scenarios": "analysis.scenarios",
    "efficient_frontier": "analysis.frontier", "greedy_portfolio": "analysis.frontier",
    "weight_sensitivity": "analysis.sensitivity", "marginal_values": "analysis.sensitivity",
    "best_hire": "analysis.sensitivity", "project_sensitivity": "analysis.sensitivity",
    "Estimate": "analysis.uncertainty", "Uncertainty": "analysis.uncertainty", "simulate": "analysis.uncertainty",
    "chance_constrained": "analysis.uncertainty",
    "explain": "analysis.explain", "alternatives": "analysis.alternatives",
    "write_report": "report",
}


def __getattr__(name: str):  # PEP 562: lazy attributes
    if name in _LAZY:
        import importlib

        mod = importlib.import_module(f"{__name__}.{_LAZY[name]}")
        return getattr(mod, name)
    raise AttributeError(f"module 'portfolio_opt' has no attribute {name!r}")

__all__ = [
    "Estimate",
    "Scenario",
    "Uncertainty",
    "alternatives",
    "best_hire",
    "chance_constrained",
    "efficient_frontier",
    "explain",
    "greedy_portfolio",
    "hire",
    "marginal_values",
    "project_sensitivity",
    "run_scenarios",
    "simulate",
    "weight_sensitivity",
    "write_report",
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
