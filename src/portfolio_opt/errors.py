"""Errors and warnings of portfolio_opt.

Every error the library raises on purpose derives from :class:`PortfolioError`.
Bad input raises :class:`ValidationError` (also a ``ValueError``) carrying one
message per problem, each naming the project id and the field; an infeasible
request is *not* an error but a result status.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "PortfolioError",
    "ValidationError",
    "SolverError",
    "PortfolioWarning",
    "ConsistencyWarning",
]


class PortfolioError(Exception):
    """Base class of every error raised by portfolio_opt."""


class ValidationError(PortfolioError, ValueError):
    """Invalid input; ``problems`` holds one plain-language message per problem.

    Examples
    --------
    >>> err = ValidationError(["project 'P1': field 'cost' is negative (-5)"])
    >>> err.problems
    ("project 'P1': field 'cost' is negative (-5)",)
    >>> isinstance(err, ValueError)
    True
    """

    def __init__(self, problems: str | Iterable[str]):
        if isinstance(problems, str):
            problems = [problems]
        self.problems: tuple[str, ...] = tuple(dict.fromkeys(problems))  # each once, in order
        n = len(self.problems)
        head = "1 problem in the input" if n == 1 else f"{n} problems in the input"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in self.problems))


class SolverError(PortfolioError, RuntimeError):
    """The solver failed (crashed, is missing, or returned something unusable)."""


class PortfolioWarning(UserWarning):
    """Base class of warnings issued by portfolio_opt."""


class ConsistencyWarning(PortfolioWarning):
    """An AHP pairwise-comparison matrix has a consistency ratio above 0.1."""
