"""The immutable portfolio problem and the ways to derive changed copies of it.

A :class:`Problem` bundles a validated candidate table, the planning horizon,
the objective and a tuple of frozen constraint objects.  It is a value: every
what-if (a budget cut, a forced project, a dropped limit) is a new problem made
by :meth:`Problem.replace` or one of its helpers; solving returns a new result.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .constraints import (
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
from .data import Columns, ProjectTable, load_projects, validate_projects
from .errors import PortfolioWarning, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from .scoring import ScoringModel

__all__ = ["Problem"]

OBJECTIVES = ("value", "score", "npv")
_PROBE_PERIODS = 10_000  # a horizon every sensible table fits, to find its latest finish


def _per_period(name: str, spec: Any, T: int, problems: list[str]) -> list[float] | None:
    """A number for every period, or a list of T numbers."""
    if spec is None:
        return None
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        if math.isnan(spec):  # one NaN for every period is no blank cell: a mistake, not "no limit"
            problems.append(f"{name}: is NaN; give a number, or None for no limit")
            return None
        vals = [float(spec)] * T
    elif isinstance(spec, (list, tuple, np.ndarray, pd.Series)):
        vals = list(spec)
        if len(vals) != T:
            problems.append(f"{name}: gives {len(vals)} period values but the horizon has {T} periods")
            return None
    else:
        problems.append(f"{name}: expected a number or a list of {T} numbers, got {type(spec).__name__}")
        return None
    out = []
    for t, v in enumerate(vals):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            out.append(math.inf)  # no limit in that period
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
            problems.append(f"{name}: period {t} has a non-numeric value {v!r}")
            return None
        v = float(v)
        if v < 0 or math.isnan(v):
            problems.append(f"{name}: period {t} is negative ({v:g})")
            return None
        out.append(v)
    return out


def _int_labels(T: int) -> tuple[str, ...]:
    return tuple(f"period {t}" for t in range(T))


@dataclasses.dataclass(frozen=True, eq=False)
class Problem:
    """A portfolio-selection problem: candidates, horizon, objective and constraints.

    Build one with :meth:`from_frame` (pandas) or :func:`portfolio_opt.problem_from_spec`
    (the JSON contract); solve it with :func:`portfolio_opt.select`.

    Attributes
    ----------
    table : ProjectTable
        The validated candidates.
    periods : tuple of str
        Labels of the periods 0 … T-1.
    constraints : tuple
        Frozen constraint objects (budgets, capacities, relations, groups...).
    objective : str
        ``"value"``, ``"score"``, ``"npv"`` or the name of a numeric column;
        the optimiser maximises Σ probability × objective over selected projects.
    scoring : ScoringModel or None
        Needed for ``objective="score"``.
    discount_rate : float
        For ``"npv"`` and the cost-benefit metrics.
    """

    table: ProjectTable
    periods: tuple[str, ...]
    constraints: tuple[Constraint, ...]
    objective: str = "value"
    scoring: ScoringModel | None = None
    discount_rate: float = 0.0

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_frame(
        cls,
        projects: pd.DataFrame | str | Any,
        *,
        periods: int | Sequence[Any] | None = None,
        budget: float | None = None,
        budget_per_period: float | Sequence[float] | None = None,
        capacity: Mapping[str, float | Sequence[float]] | None = None,
        groups: Iterable[Mapping[str, Any] | GroupLimit] = (),
        min_projects: int | None = None,
        max_projects: int | None = None,
        objective: str = "value",
        scoring: ScoringModel | Mapping[str, Any] | None = None,
        discount_rate: float = 0.0,
        columns: Columns | None = None,
        constraints: Iterable[Constraint] = (),
    ) -> Problem:
        """Build a problem from a table of candidates and the PMO's limits.

        Parameters
        ----------
        projects : DataFrame or path
            Candidates (see :func:`portfolio_opt.load_projects` for the columns).
        periods : int or list of labels, optional
            The horizon; by default the length of the per-period budget or
            capacity lists, else the latest finish of any project.
        budget : float, optional
            Total budget over the horizon.
        budget_per_period : float or list, optional
            A limit for every period, or one per period (None, or NaN as
            from a blank cell, in a period: no limit there).
        capacity : dict, optional
            Resource name → a capacity for every period, or one per period
            (None or NaN in a period: no limit there).
        groups : list of dict or GroupLimit
            E.g. ``{"category": "grow", "min_count": 2, "max_share": 0.5}``.  A group on a category no
            project has counts no project (a minimum above 0 is then infeasible) and issues a
            :class:`PortfolioWarning` naming the categories there are.
        min_projects, max_projects : int, optional
            Bounds on the number of selected projects.
        objective : {"value", "score", "npv"} or column name
        scoring : ScoringModel or dict, optional
            Required for ``objective="score"``.
        discount_rate : float
            Per period, for NPV.
        columns : Columns, optional
            Column names of the table.
        constraints : iterable of constraint objects
            Extra constraints, added as given.

        Returns
        -------
        Problem

        Examples
        --------
        >>> df = pd.DataFrame({"id": ["A", "B", "C"], "cost": [4, 3, 2], "value": [10, 7, 5]})
        >>> p = Problem.from_frame(df, budget=6)
        >>> p.n_periods, [c.describe() for c in p.constraints]
        (1, ['the total budget (6)'])
        """
        from .scoring import ScoringModel

        cols = columns or Columns()
        df = load_projects(projects, columns=cols) if not isinstance(projects, pd.DataFrame) else projects
        problems: list[str] = []

        if scoring is not None and not isinstance(scoring, ScoringModel):
            scoring = ScoringModel.from_dict(dict(scoring))
        if objective == "score" and scoring is None:
            raise ValidationError("objective 'score' needs a scoring model (criteria and weights)")
        if not isinstance(objective, str):
            raise ValidationError(f"objective must be a string, got {objective!r}")
        criteria = [c.column or c.name for c in scoring.criteria] if scoring is not None else []

        require_value = objective == "value"
        horizon = cls._horizon(periods, budget_per_period, capacity)
        if horizon is not None:
            labels, T = horizon
            table = validate_projects(df, periods=T, columns=cols, criteria=criteria, require_value=require_value)
        else:
            table, labels, T = cls._validate_to_latest_finish(df, cols, criteria, require_value)
        if objective not in OBJECTIVES:
            if objective not in table.frame.columns:
                raise ValidationError(
                    f"objective '{objective}' is neither value, score, npv nor a column of the table"
                )
        if not (isinstance(discount_rate, (int, float)) and math.isfinite(discount_rate) and discount_rate > -1):
            raise ValidationError(f"discount_rate must be a number above -1, got {discount_rate!r}")

        cons: list[Constraint] = []
        if budget is not None:
            if isinstance(budget, bool) or not isinstance(budget, (int, float)) or not math.isfinite(budget) or budget < 0:
                problems.append(f"budget: the total must be a non-negative number, got {budget!r}")
            else:
                cons.append(BudgetLimit(float(budget)))
        pp = _per_period("budget per period", budget_per_period, T, problems)
        if pp is not None:
            cons.extend(BudgetLimit(v, t) for t, v in enumerate(pp) if math.isfinite(v))
        known_res = set(table.resources)
        for rname, spec in (capacity or {}).items():
            if rname not in known_res:
                problems.append(
                    f"capacity given for resource '{rname}' but no project has a column "
                    f"'{cols.resource_prefix}{rname}' (resources in the table: "
                    f"{', '.join(sorted(known_res)) or 'none'})"
                )
                continue
            vals = _per_period(f"capacity of '{rname}'", spec, T, problems)
            if vals is not None:
                cons.extend(CapacityLimit(str(rname), v, t) for t, v in enumerate(vals) if math.isfinite(v))
        cats = set(table.frame["category"].dropna())
        unmatched: dict[str, None] = {}  # categories of groups that no project has
        for g in groups:
            if isinstance(g, GroupLimit):
                cons.append(g)
                if g.category not in cats:
                    unmatched[g.category] = None
                continue
            if not isinstance(g, Mapping) or "category" not in g:
                problems.append(f"group {g!r}: expected an object with a 'category'")
                continue
            cat = str(g["category"])
            if cat not in cats:
                unmatched[cat] = None
            for key, val in g.items():
                if key == "category" or val is None:
                    continue
                bound, _, measure = key.partition("_")
                if bound not in ("min", "max") or measure not in ("count", "cost", "share"):
                    problems.append(f"group '{cat}': unknown field '{key}' (use min_/max_ count, cost or share)")
                    continue
                try:
                    cons.append(GroupLimit(cat, measure, bound, float(val)))
                except (ValidationError, TypeError, ValueError) as exc:
                    problems.append(str(exc.problems[0]) if isinstance(exc, ValidationError) else f"group '{cat}': {key} {exc}")
        for bound, val in (("min", min_projects), ("max", max_projects)):
            if val is None:
                continue
            if isinstance(val, bool) or not isinstance(val, (int, np.integer)) or val < 0:
                if isinstance(val, float) and val.is_integer() and val >= 0:
                    val = int(val)
                else:
                    problems.append(f"{bound}_projects must be a whole number ≥ 0, got {val!r}")
                    continue
            cons.append(CountLimit(bound, int(val)))
        if problems:
            raise ValidationError(problems)
        for cat in unmatched:  # a limit on no project: met at 0 (a minimum above 0 is infeasible), but likely a typo
            warnings.warn(f"group '{cat}': no project has this category (categories: "
                          f"{', '.join(sorted(map(str, cats))) or 'none'}); its limits count no project",
                          PortfolioWarning, stacklevel=3)

        f = table.frame
        for pid in f.index[f["mandatory"].to_numpy(bool)]:
            cons.append(Mandatory(pid))
        for pid in f.index[f["excluded"].to_numpy(bool)]:
            cons.append(ForcedOut(pid))
        pids = f.index.to_numpy(dtype=object).tolist()  # iterating a str Index is ~10x slower
        for pid, req in zip(pids, f["requires"].tolist()):
            if req:
                cons.extend(Requires(pid, r) for r in req)
        seen: set[Excludes] = set()
        for pid, exc in zip(pids, f["excludes"].tolist()):
            for e in exc:
                ex = Excludes(pid, e)
                if ex not in seen:
                    seen.add(ex)
                    cons.append(ex)
        cons.extend(constraints)
        prob = cls(
            table=table,
            periods=labels,
            constraints=tuple(cons),
            objective=objective,
            scoring=scoring,
            discount_rate=float(discount_rate),
        )
        prob.check_constraints()
        return prob

    @staticmethod
    def _horizon(periods: Any, bpp: Any, capacity: Any) -> tuple[tuple[str, ...], int] | None:
        """The labels and length of the horizon given by the caller, or None to derive it."""
        if periods is not None:
            if isinstance(periods, (int, np.integer)) and not isinstance(periods, bool):
                if periods < 1:
                    raise ValidationError(f"'periods' must be at least 1, got {periods}")
                return _int_labels(int(periods)), int(periods)
            if isinstance(periods, (str, bytes, Mapping)) or not isinstance(periods, Iterable):
                raise ValidationError(
                    f"'periods' must be a positive integer or a list of period labels, got {periods!r}")
            labels = tuple(str(p) for p in periods)
            if not labels:
                raise ValidationError("'periods' is an empty list")
            if len(set(labels)) != len(labels):
                raise ValidationError(f"'periods' has duplicate labels: {list(labels)}")
            return labels, len(labels)
        for spec in [bpp, *((capacity or {}).values())]:
            if isinstance(spec, (list, tuple, np.ndarray, pd.Series)):
                return _int_labels(len(spec)), len(spec)
        return None

    @staticmethod
    def _validate_to_latest_finish(
        df: pd.DataFrame, cols: Columns, criteria: Sequence[str], require_value: bool
    ) -> tuple[ProjectTable, tuple[str, ...], int]:
        """Validate once with the horizon long enough for every project to finish from its earliest start.

        The table is validated with a horizon of ``_PROBE_PERIODS``; the horizon T is
        then the latest finish, and the start windows are cut to T as validating with
        ``periods=T`` would (the only part of the result that depends on T: no project
        can violate T, which is the latest finish).  A table that fails reports the
        problems of that validation; the only horizon it can name is the probe's,
        which the messages then say the caller can lift with ``periods``.
        """
        try:
            table = validate_projects(
                df, periods=_PROBE_PERIODS, columns=cols, criteria=criteria, require_value=require_value
            )
        except ValidationError as exc:
            probe = f"within {_PROBE_PERIODS} period(s)", f"horizon of {_PROBE_PERIODS}"
            raise ValidationError([
                p + (f" (without 'periods' the horizon is the latest finish, up to {_PROBE_PERIODS} periods; "
                     "pass 'periods' for a longer one)" if any(s in p for s in probe) else "")
                for p in exc.problems
            ]) from None
        f = table.frame
        es = f["earliest_start"].to_numpy()
        dur = f["duration"].to_numpy()
        past = np.flatnonzero(es + dur > _PROBE_PERIODS)  # a window past the probe: no horizon to derive
        if len(past):
            ls_past = f["latest_start"].to_numpy()
            raise ValidationError([
                f"project '{f.index[k]}': start window {es[k]}..{ls_past[k]} cannot fit the horizon: a project "
                f"of {dur[k]} period(s) must start by period {_PROBE_PERIODS - dur[k]} to finish within "
                f"{_PROBE_PERIODS} period(s) (without 'periods' the horizon is the latest finish, up to "
                f"{_PROBE_PERIODS} periods; pass 'periods' for a longer one)" for k in past])
        T = int((es + dur).max())
        ls = f["latest_start"].to_numpy()
        cut = np.maximum(np.minimum(ls, T - dur), es)  # as validate_projects(periods=T) sets it
        if not np.array_equal(cut, ls):
            f["latest_start"] = cut.astype(ls.dtype, copy=False)
        return table, _int_labels(T), T

    def check_constraints(self) -> None:
        """Check that every constraint names known projects, resources, categories and periods.

        Raises
        ------
        ValidationError
        """
        ids = set(self.table.ids.to_numpy(dtype=object).tolist())
        problems: list[str] = []
        T = self.n_periods
        for c in self.constraints:
            names: list[str] = []
            if isinstance(c, (Requires,)):
                names = [c.project, c.required]
            elif isinstance(c, Excludes):
                names = [c.a, c.b]
            elif isinstance(c, (Mandatory, ForcedOut)):
                names = [c.project]
            for n in names:
                if n not in ids:
                    problems.append(f"{c.describe()}: unknown project id '{n}'")
            if isinstance(c, (BudgetLimit, CapacityLimit)) and c.period is not None and not 0 <= c.period < T:
                problems.append(f"{c.describe(self.periods)}: period {c.period} is outside 0..{T - 1}")
            if isinstance(c, CapacityLimit) and c.resource not in self.table.resources:
                problems.append(f"{c.describe(self.periods)}: no project uses resource '{c.resource}'")
        if problems:
            raise ValidationError(problems)

    # ------------------------------------------------------------------ views
    @property
    def n_periods(self) -> int:
        return len(self.periods)

    @property
    def ids(self) -> pd.Index:
        return self.table.ids

    @property
    def projects(self) -> pd.DataFrame:
        """The canonical candidate table (a copy)."""
        return self.table.frame.copy()

    @functools.cached_property
    def _position(self) -> dict[str, int]:
        """Project id -> its row, built once per problem (read only; iterating the pandas Index costs ~1 us an
        id, a list's a tenth of that)."""
        return {pid: k for k, pid in enumerate(self.table.ids.tolist())}

    @functools.cached_property
    def metrics(self) -> pd.DataFrame:
        """Cost-benefit metrics per project (NPV, benefit-cost ratio, ROI, payback...)."""
        from .finance import metrics_of_flows

        f = self.table.frame  # flows checked when the table was built (``cash_flow_metrics`` checks them again)
        return metrics_of_flows(f["cost"].tolist(), [b if b else () for b in f["benefits"].tolist()],
                                float(self.discount_rate), f["probability"].to_numpy(float), f.index.copy())

    @functools.cached_property
    def scores(self) -> pd.DataFrame | None:
        """The scored table (normalised criteria and ``score``), when a scoring model is set."""
        if self.scoring is None:
            return None
        return self.scoring.score(self.table.frame)

    @functools.cached_property
    def objective_values(self) -> pd.Series:
        """v_i per project (before the probability of success)."""
        f = self.table.frame
        if self.objective == "value":
            v = f["value"].astype(float)
        elif self.objective == "score":
            assert self.scores is not None
            v = self.scores["score"].astype(float)
        elif self.objective == "npv":
            v = self.metrics["npv"].astype(float)
        else:
            try:
                v = pd.to_numeric(f[self.objective], errors="raise").astype(float)
            except (ValueError, TypeError):
                raise ValidationError(f"objective column '{self.objective}' is not numeric") from None
            bad = v.index[~np.isfinite(v.to_numpy())]
            if len(bad):
                raise ValidationError(
                    f"objective column '{self.objective}' has missing or infinite values (projects "
                    + ", ".join(f"'{b}'" for b in bad[:8]) + ")"
                )
        return v.rename("objective_value")

    @functools.cached_property
    def objective_coefficients(self) -> np.ndarray:
        """What selecting each project adds to the objective: probability × objective value (read-only).

        Examples
        --------
        >>> import pandas as pd, portfolio_opt as po
        >>> df = pd.DataFrame({"id": ["A", "B"], "cost": [1, 1], "value": [10, 4], "probability": [0.5, 1]})
        >>> po.Problem.from_frame(df, budget=1).objective_coefficients.tolist()
        [5.0, 4.0]
        """
        coef = self.table.frame["probability"].to_numpy(float) * self.objective_values.to_numpy(float)
        coef.setflags(write=False)
        return coef

    @property
    def weights(self) -> pd.Series | None:
        return None if self.scoring is None else self.scoring.weights

    def budget_limits(self) -> tuple[float, np.ndarray]:
        """(total budget or inf, per-period limits with inf where none)."""
        total = math.inf
        per = np.full(self.n_periods, math.inf)
        for c in self.constraints:
            if isinstance(c, BudgetLimit):
                if c.period is None:
                    total = min(total, c.amount)
                else:
                    per[c.period] = min(per[c.period], c.amount)
        return total, per

    def capacity_limits(self) -> dict[str, np.ndarray]:
        """Resource → capacity per period (inf where unlimited), for every resource in the table."""
        out = {r: np.full(self.n_periods, math.inf) for r in self.table.resources}
        for c in self.constraints:
            if isinstance(c, CapacityLimit):
                out[c.resource][c.period] = min(out[c.resource][c.period], c.amount)
        return out

    # ------------------------------------------------------------------ changed copies
    def replace(self, **changes: Any) -> Problem:
        """A copy with some fields replaced (the original is unchanged).

        Examples
        --------
        >>> df = pd.DataFrame({"id": ["A", "B"], "cost": [4, 3], "value": [10, 7]})
        >>> p = Problem.from_frame(df, budget=5)
        >>> p.replace(objective="npv").objective, p.objective
        ('npv', 'value')
        """
        new = dataclasses.replace(self, **changes)
        if "constraints" in changes:
            new.check_constraints()
        return new

    def with_constraints(self, *added: Constraint) -> Problem:
        """A copy with constraints added."""
        return self.replace(constraints=self.constraints + tuple(added))

    def without(self, *dropped: Constraint) -> Problem:
        """A copy without the given constraints (compared by value).

        Examples
        --------
        >>> df = pd.DataFrame({"id": ["A", "B"], "cost": [4, 3], "value": [10, 7]})
        >>> p = Problem.from_frame(df, budget=5)
        >>> len(p.without(BudgetLimit(5.0)).constraints)
        0
        """
        drop = set(dropped)
        return self.replace(constraints=tuple(c for c in self.constraints if c not in drop))

    def force_in(self, *ids: str) -> Problem:
        """A copy where the given projects are mandatory (any forced-out flag on them is removed)."""
        self._check_ids(ids)
        keep = tuple(c for c in self.constraints if not (isinstance(c, ForcedOut) and c.project in ids))
        have = set(keep)
        return self.replace(constraints=keep + tuple(Mandatory(i) for i in ids if Mandatory(i) not in have))

    def force_out(self, *ids: str) -> Problem:
        """A copy where the given projects cannot be selected (any mandatory flag on them is removed)."""
        self._check_ids(ids)
        keep = tuple(c for c in self.constraints if not (isinstance(c, Mandatory) and c.project in ids))
        have = set(keep)
        return self.replace(constraints=keep + tuple(ForcedOut(i) for i in ids if ForcedOut(i) not in have))

    def _check_ids(self, ids: Iterable[str]) -> None:
        unknown = [i for i in ids if i not in self._position]
        if unknown:
            raise ValidationError([f"unknown project id '{i}'" for i in unknown])

    def __repr__(self) -> str:
        kinds: dict[str, int] = {}
        for c in self.constraints:
            kinds[type(c).__name__] = kinds.get(type(c).__name__, 0) + 1
        return (
            f"Problem({len(self.table)} projects, {self.n_periods} periods, objective={self.objective!r}, "
            f"constraints={kinds})"
        )
