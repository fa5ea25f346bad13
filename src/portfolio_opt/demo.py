"""The main job on the sample portfolio (what ``make demo`` and ``portfolio-opt demo`` run).

Loads ``data/samples/projects.csv`` and ``constraints.json``, scores the
candidates with the PMO's scoring model, chooses the portfolio that maximises
expected value under the yearly budgets, the role capacities and the project
relations, and prints the portfolio, its spend per year against the budget and
the use of each role against capacity.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import ValidationError

__all__ = ["find_samples", "load_sample", "run_demo"]


def find_samples(folder: str | Path | None = None) -> Path:
    """The sample folder: the one given, ``./data/samples``, or the repository's."""
    candidates = [Path(folder)] if folder else [
        Path.cwd() / "data" / "samples",
        Path(__file__).resolve().parents[2] / "data" / "samples",
    ]
    for c in candidates:
        if (c / "projects.csv").exists() and (c / "constraints.json").exists():
            return c
    raise ValidationError(
        "cannot find the sample portfolio (projects.csv and constraints.json) in "
        + ", ".join(str(c) for c in candidates)
    )


def load_sample(folder: str | Path | None = None, **overrides: Any) -> Any:
    """The sample portfolio as a :class:`~portfolio_opt.Problem` (settings from ``constraints.json``).

    Examples
    --------
    >>> p = load_sample()
    >>> p.periods[0], len(p.table) >= 40
    ('2027', True)
    """
    from .problem import Problem

    path = find_samples(folder)
    settings = json.loads((path / "constraints.json").read_text(encoding="utf-8"))
    budget = settings.get("budget") or {}
    kwargs: dict[str, Any] = dict(
        periods=settings.get("periods"),
        budget=budget.get("total"),
        budget_per_period=budget.get("per_period"),
        capacity=settings.get("resources"),
        groups=settings.get("groups", []),
        min_projects=settings.get("min_projects"),
        max_projects=settings.get("max_projects"),
        scoring=settings.get("scoring"),
        discount_rate=settings.get("discount_rate", 0.0),
        objective="value",
    )
    kwargs.update(overrides)
    return Problem.from_frame(path / "projects.csv", **kwargs)


def run_demo(folder: str | Path | None = None, solver: str = "auto") -> tuple[str, bool]:
    """Solve the sample portfolio; return the printed report and whether a solution was found."""
    from .optimize import select

    problem = load_sample(folder)
    lines = [
        f"Sample portfolio: {len(problem.table)} candidate projects over {problem.n_periods} years "
        f"({problem.periods[0]}-{problem.periods[-1]}), amounts in k EUR, staff in FTE.",
        "",
    ]
    if problem.scores is not None:
        top = problem.scores.join(problem.table.frame[["name"]]).sort_values("score", ascending=False)
        lines += ["Top 10 candidates by strategic score:", top[["name", "score"]].head(10).to_string(
            float_format=lambda v: f"{v:.3f}"), ""]
    result = select(problem, solver=solver)
    lines.append("Optimal portfolio (maximising expected value = probability x value):")
    lines.append(result.summary())
    return "\n".join(lines), result.has_solution
