"""Analyses of a solved portfolio problem: scenarios, frontier, explanations, alternatives.

Each analysis lives in its own module; :func:`run_analyses` serves the
engine's ``analyses`` object, calling each module's ``engine_<name>`` function
with the base problem, the base result, the request's value for that analysis
and the solver settings, and merging the response fields each returns.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from ..errors import ValidationError
from ..problem import Problem

#: analysis name → module (in this package) holding ``engine_<name>`` and ``check_<name>``
MODULES: dict[str, str] = {
    "scenarios": "scenarios",
    "frontier": "frontier",
    "explain": "explain",
    "alternatives": "alternatives",
}


def _module(name: str) -> Any:
    return importlib.import_module(f"{__name__}.{MODULES[name]}")


def _available() -> list[str]:
    out = []
    for name in MODULES:
        try:
            mod = _module(name)
        except ModuleNotFoundError:
            continue
        if hasattr(mod, f"engine_{name}"):
            out.append(name)
    return out


def check_analyses(problem: Problem, analyses: Mapping[str, Any]) -> None:
    """Validate the ``analyses`` object of a request before anything is solved."""
    avail = _available()
    unknown = sorted(set(analyses) - set(avail))
    if unknown:
        raise ValidationError(
            f"field 'analyses': unknown or unavailable analyses {', '.join(unknown)} (available: {', '.join(avail)})"
        )
    problems: list[str] = []
    for name, value in analyses.items():
        check = getattr(_module(name), f"check_{name}", None)
        if check is not None:
            try:
                check(problem, value)
            except ValidationError as exc:
                problems.extend(exc.problems)
    if problems:
        raise ValidationError(problems)


def run_analyses(problem: Problem, result: Any, analyses: Mapping[str, Any], solver: Mapping[str, Any]) -> dict[str, Any]:
    """Run each analysis asked for (in a fixed order); return the response fields they add."""
    out: dict[str, Any] = {}
    for name in MODULES:
        if name in analyses and analyses[name] not in (None, False):
            fn = getattr(_module(name), f"engine_{name}")
            out.update(fn(problem, result, analyses[name], dict(solver)))
    return out
