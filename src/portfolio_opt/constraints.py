"""Constraints of a portfolio problem as small frozen data objects.

Each object is one limit a PMO would name in a sentence: "the 2028 budget is
2.1 M", "at most 12 engineers in 2029", "CRM-02 requires DWH-01".  Being plain
values (not lambdas) they can be shown in messages, serialised, compared
between scenarios and dropped one at a time by the infeasibility diagnosis.

Periods are 0-based integers; ``period=None`` means the whole horizon.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Union

from .errors import ValidationError

__all__ = [
    "BudgetLimit",
    "CapacityLimit",
    "Requires",
    "Excludes",
    "Mandatory",
    "ForcedOut",
    "GroupLimit",
    "CountLimit",
    "Constraint",
]


def _check_amount(kind: str, amount: float) -> None:
    if isinstance(amount, bool) or not isinstance(amount, (int, float)) or not math.isfinite(amount):
        raise ValidationError(f"{kind}: the limit must be a finite number, got {amount!r}")
    if amount < 0:
        raise ValidationError(f"{kind}: the limit must not be negative, got {amount!r}")


@dataclasses.dataclass(frozen=True)
class BudgetLimit:
    """Spend in one period (or over the whole horizon when ``period`` is None) at most ``amount``.

    Examples
    --------
    >>> BudgetLimit(600.0, period=1).describe(["2027", "2028"])
    'the budget of 2028 (600)'
    """

    amount: float
    period: int | None = None

    def __post_init__(self) -> None:
        _check_amount("budget", self.amount)

    def describe(self, labels: Any = None) -> str:
        if self.period is None:
            return f"the total budget ({self.amount:,.6g})"
        return f"the budget of {_label(labels, self.period)} ({self.amount:,.6g})"


@dataclasses.dataclass(frozen=True)
class CapacityLimit:
    """Demand for ``resource`` in ``period`` at most ``amount``.

    Examples
    --------
    >>> CapacityLimit("engineers", 12, period=0).describe(["2027"])
    'the engineers capacity in 2027 (12)'
    """

    resource: str
    amount: float
    period: int

    def __post_init__(self) -> None:
        _check_amount(f"capacity of '{self.resource}'", self.amount)

    def describe(self, labels: Any = None) -> str:
        return f"the {self.resource} capacity in {_label(labels, self.period)} ({self.amount:,.6g})"


@dataclasses.dataclass(frozen=True)
class Requires:
    """If ``project`` is selected, ``required`` must be selected too.

    Examples
    --------
    >>> Requires("CRM", "DWH").describe()
    "'CRM' requires 'DWH'"
    """

    project: str
    required: str

    def describe(self, labels: Any = None) -> str:
        return f"'{self.project}' requires '{self.required}'"


@dataclasses.dataclass(frozen=True)
class Excludes:
    """``a`` and ``b`` cannot both be selected (stored with ``a < b``).

    Examples
    --------
    >>> Excludes("B", "A")
    Excludes(a='A', b='B')
    """

    a: str
    b: str

    def __post_init__(self) -> None:
        if self.b < self.a:
            a, b = self.b, self.a
            object.__setattr__(self, "a", a)
            object.__setattr__(self, "b", b)

    def describe(self, labels: Any = None) -> str:
        return f"'{self.a}' and '{self.b}' exclude each other"


@dataclasses.dataclass(frozen=True)
class Mandatory:
    """``project`` must be selected.

    Examples
    --------
    >>> Mandatory("REG-04").describe()
    "the mandatory flag of 'REG-04'"
    """

    project: str

    def describe(self, labels: Any = None) -> str:
        return f"the mandatory flag of '{self.project}'"


@dataclasses.dataclass(frozen=True)
class ForcedOut:
    """``project`` must not be selected.

    Examples
    --------
    >>> ForcedOut("ERP-2").describe()
    "'ERP-2' being forced out"
    """

    project: str

    def describe(self, labels: Any = None) -> str:
        return f"'{self.project}' being forced out"


@dataclasses.dataclass(frozen=True)
class GroupLimit:
    """A limit on the selected projects of one category.

    ``measure`` is ``"count"`` (number of projects), ``"cost"`` (their total
    cost) or ``"share"`` (their share of the portfolio's total cost, 0..1);
    ``bound`` is ``"min"`` or ``"max"``.

    Examples
    --------
    >>> GroupLimit("grow", "share", "max", 0.6).describe()
    "the maximum share of category 'grow' (0.6 of the portfolio's cost)"
    """

    category: str
    measure: str
    bound: str
    amount: float

    def __post_init__(self) -> None:
        if self.measure not in ("count", "cost", "share"):
            raise ValidationError(f"group '{self.category}': measure must be count, cost or share, got {self.measure!r}")
        if self.bound not in ("min", "max"):
            raise ValidationError(f"group '{self.category}': bound must be min or max, got {self.bound!r}")
        _check_amount(f"group '{self.category}' {self.bound}_{self.measure}", self.amount)
        if self.measure == "share" and self.amount > 1:
            raise ValidationError(f"group '{self.category}': {self.bound}_share must be within [0, 1], got {self.amount!r}")

    def describe(self, labels: Any = None) -> str:
        word = "minimum" if self.bound == "min" else "maximum"
        if self.measure == "count":
            return f"the {word} number of '{self.category}' projects ({self.amount:g})"
        if self.measure == "cost":
            return f"the {word} cost of category '{self.category}' ({self.amount:,.6g})"
        return f"the {word} share of category '{self.category}' ({self.amount:g} of the portfolio's cost)"


@dataclasses.dataclass(frozen=True)
class CountLimit:
    """The number of selected projects is at least (``bound='min'``) or at most ``amount``.

    Examples
    --------
    >>> CountLimit("max", 10).describe()
    'the maximum number of projects (10)'
    """

    bound: str
    amount: int

    def __post_init__(self) -> None:
        if self.bound not in ("min", "max"):
            raise ValidationError(f"project count: bound must be min or max, got {self.bound!r}")
        _check_amount(f"{self.bound}_projects", self.amount)

    def describe(self, labels: Any = None) -> str:
        word = "minimum" if self.bound == "min" else "maximum"
        return f"the {word} number of projects ({self.amount:g})"


Constraint = Union[BudgetLimit, CapacityLimit, Requires, Excludes, Mandatory, ForcedOut, GroupLimit, CountLimit]

#: the limits whose right-hand side can be relaxed by an amount (others can only be dropped)
NUMERIC = (BudgetLimit, CapacityLimit, GroupLimit, CountLimit)


def _label(labels: Any, period: int) -> str:
    if labels is None:
        return f"period {period}"
    try:
        return str(labels[period])
    except (IndexError, KeyError, TypeError):
        return f"period {period}"
