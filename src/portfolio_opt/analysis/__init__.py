"""Analyses of a solved portfolio problem: scenarios, frontier, explanations, alternatives.

:func:`run_analyses` serves the engine's ``analyses`` object.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ValidationError
from ..problem import Problem

KNOWN: tuple[str, ...] = ()


def check_analyses(problem: Problem, analyses: Mapping[str, Any]) -> None:
    """Validate the ``analyses`` object of a request before anything is solved."""
    unknown = sorted(set(analyses) - set(KNOWN))
    if unknown:
        raise ValidationError(
            f"analyses {', '.join(unknown)} are not available in this version"
            + (f" (available: {', '.join(KNOWN)})" if KNOWN else "")
        )


def run_analyses(problem: Problem, result: Any, analyses: Mapping[str, Any], solver: Mapping[str, Any]) -> dict[str, Any]:
    """Run each analysis asked for; return the response fields they add."""
    return {}
