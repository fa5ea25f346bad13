"""What-if scenarios: named, immutable changes to a base problem, solved side by side.

A :class:`Scenario` is a value (a frozen dataclass) holding changes — budgets
scaled or set, capacities set or added to (a hire), criteria weights, the cost
or value of projects or categories scaled, projects forced in or out,
constraints added or dropped, candidates added or removed.  Its
:meth:`Scenario.apply` returns a *new* :class:`~portfolio_opt.Problem`; the
base problem is never changed.

:func:`run_scenarios` solves the base and every scenario (serially, on local
processes or on Dask, see :mod:`portfolio_opt.analysis.batch`) and returns a
frozen :class:`ScenarioResults`: a summary table, the selection matrix
(projects × scenarios, with start periods), and per scenario the projects that
entered, left or moved start, each with evidence of why — the objective it
would cost to keep the base decision (found by re-solving the scenario with
that project forced back) and the limits that decision would break.  An
infeasible scenario is a row with its status and diagnosis, never an
exception.

The engine's ``analyses.scenarios`` (``engine-spec.md``) is served by
:func:`check_scenarios` and :func:`engine_scenarios`; a scenario object there
has the keys of :meth:`Scenario.to_dict`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..constraints import (
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
from ..data import ProjectTable, projects_from_records, validate_projects
from ..errors import PortfolioWarning, SolverError, ValidationError
from ..problem import Problem
from .batch import run_batch, solver_kwargs

__all__ = [
    "Scenario",
    "ScenarioOutcome",
    "ScenarioResults",
    "Move",
    "hire",
    "run_scenarios",
    "check_scenarios",
    "engine_scenarios",
    "constraint_to_dict",
    "constraint_from_dict",
]

BASE = "base"  # name of the base column / row in the results

_CONSTRAINT_TYPES: dict[str, type] = {
    "budget": BudgetLimit,
    "capacity": CapacityLimit,
    "requires": Requires,
    "excludes": Excludes,
    "mandatory": Mandatory,
    "forced_out": ForcedOut,
    "group": GroupLimit,
    "count": CountLimit,
}
_TYPE_OF = {cls: name for name, cls in _CONSTRAINT_TYPES.items()}


# --------------------------------------------------------------------------- constraints as JSON


def constraint_to_dict(c: Constraint) -> dict[str, Any]:
    """A constraint object as plain JSON data (``{"type": ..., field: value}``).

    Examples
    --------
    >>> constraint_to_dict(BudgetLimit(600.0, period=1))
    {'type': 'budget', 'amount': 600.0, 'period': 1}
    """
    if type(c) not in _TYPE_OF:
        raise ValidationError(f"not a constraint object: {c!r}")
    return {"type": _TYPE_OF[type(c)], **dataclasses.asdict(c)}


def constraint_from_dict(d: Mapping[str, Any] | Constraint) -> Constraint:
    """The constraint object of :func:`constraint_to_dict`'s shape (objects pass through).

    ``type`` is one of ``budget``, ``capacity``, ``requires``, ``excludes``,
    ``mandatory``, ``forced_out``, ``group``, ``count``; the other keys are the
    fields of that class (see :mod:`portfolio_opt.constraints`).

    Examples
    --------
    >>> constraint_from_dict({"type": "requires", "project": "CRM", "required": "DWH"})
    Requires(project='CRM', required='DWH')
    """
    if type(d) in _TYPE_OF:
        return d  # type: ignore[return-value]
    if not isinstance(d, Mapping):
        raise ValidationError(f"a constraint must be an object with a 'type', got {d!r}")
    kind = d.get("type")
    if kind not in _CONSTRAINT_TYPES:
        raise ValidationError(
            f"constraint {dict(d)!r}: 'type' must be one of {', '.join(_CONSTRAINT_TYPES)}, got {kind!r}"
        )
    cls = _CONSTRAINT_TYPES[kind]
    names = [f.name for f in dataclasses.fields(cls)]
    extra = sorted(set(d) - set(names) - {"type"})
    missing = [n for n in names if n not in d and dataclasses.fields(cls)[names.index(n)].default is dataclasses.MISSING]
    if extra or missing:
        raise ValidationError(
            f"constraint of type '{kind}': "
            + (f"unknown fields {', '.join(extra)}" if extra else "")
            + ("; " if extra and missing else "")
            + (f"missing fields {', '.join(missing)}" if missing else "")
            + f" (fields: {', '.join(names)})"
        )
    try:
        return cls(**{n: d[n] for n in names if n in d})  # type: ignore[no-any-return]
    except TypeError as exc:  # pragma: no cover - guarded above
        raise ValidationError(f"constraint of type '{kind}': {exc}") from None


# --------------------------------------------------------------------------- the scenario value


def _is_num(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) and math.isfinite(float(v))


def hire(n: float, from_period: int | str = 0) -> dict[str, Any]:
    """A ``resources_add`` entry: +``n`` of a role from ``from_period`` (index or label) on.

    Examples
    --------
    >>> Scenario("two more engineers from 2028", resources_add={"engineers": hire(2, "2028")}).to_dict()
    {'name': 'two more engineers from 2028', 'resources_add': {'engineers': {'add': 2.0, 'from': '2028'}}}
    """
    return {"add": float(n), "from": from_period}


@dataclasses.dataclass(frozen=True)
class Scenario:
    """A named, immutable set of changes to a base problem.

    Every field but ``name`` is optional; unset fields change nothing.  The
    changes are applied in this order: constraints dropped, candidates removed
    and added, budget set, budget scaled, capacity set, capacity added,
    weights, cost and value scaled, constraints added, projects forced out and
    in.

    Parameters
    ----------
    name : str
        Unique within a batch (and not ``"base"``).
    budget_scale : float, optional
        Multiplies every budget figure (total and per period).
    budget : number, list or dict, optional
        Sets the budget: a number is the total, a list one limit per period
        (``None`` = no limit in that period), ``{"total": .., "per_period": [..]}``
        both (a ``None`` total removes the total limit).
    resources_add : dict, optional
        Resource → added capacity: a number (every period), a list per period,
        or :func:`hire` ``(n, from_period)``.  Negative numbers remove staff.
        Periods without a capacity limit stay unlimited.
    capacity : dict, optional
        Resource → capacity that replaces the current one: a number (every
        period) or a list per period (``None`` = unlimited).
    weights : dict, optional
        Criterion → raw weight replacing the criterion's weight (the weights
        are normalised to sum to 1 afterwards).
    cost_scale, value_scale : dict, optional
        Project id or ``"category:NAME"`` → factor.  ``cost_scale`` multiplies
        the whole cost profile (so ``total_cost``, per-period spend and NPV
        follow); ``value_scale`` multiplies ``value`` (the benefit cash flows
        too with ``objective="npv"``, the score with ``objective="score"``,
        the objective column for a column objective).  A project's own factor
        overrides its category's; a category no project has changes nothing
        (a :class:`~portfolio_opt.PortfolioWarning` says so).
    force_in, force_out : sequence of str, optional
        Projects made mandatory / excluded.
    add_constraints, drop_constraints : sequence of constraint objects (or dicts), optional
        ``drop_constraints`` must name constraints of the base problem.
    add_projects : DataFrame or list of dict, optional
        New candidates, as rows of a candidate table or engine project objects.
    remove_projects : sequence of str, optional
        Candidates taken out; a project that requires one of them is forced out.

    Examples
    --------
    >>> import pandas as pd, portfolio_opt as po
    >>> df = pd.DataFrame({"id": ["A", "B", "C"], "cost": [4, 3, 2], "value": [10, 7, 5]})
    >>> base = po.Problem.from_frame(df, budget=6)
    >>> cut = Scenario("budget -50%", budget_scale=0.5)
    >>> cut.apply(base).budget_limits()[0], base.budget_limits()[0]
    (3.0, 6.0)
    >>> Scenario.from_dict({"name": "dearer A", "cost_scale": {"A": 1.5}}).apply(base).table.frame.loc["A", "cost"]
    (6.0,)
    """

    name: str
    budget_scale: float | None = None
    budget: Any = None
    resources_add: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    capacity: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    weights: Mapping[str, float] = dataclasses.field(default_factory=dict)
    cost_scale: Mapping[str, float] = dataclasses.field(default_factory=dict)
    value_scale: Mapping[str, float] = dataclasses.field(default_factory=dict)
    force_in: tuple[str, ...] = ()
    force_out: tuple[str, ...] = ()
    add_constraints: tuple[Constraint, ...] = ()
    drop_constraints: tuple[Constraint, ...] = ()
    add_projects: tuple[Mapping[str, Any], ...] = ()
    remove_projects: tuple[str, ...] = ()

    # ------------------------------------------------------------------ checking and normalising
    def __post_init__(self) -> None:
        problems: list[str] = []
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValidationError(f"a scenario needs a non-empty string 'name', got {self.name!r}")
        where = f"scenario '{self.name}'"
        put = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731 - frozen dataclass

        if self.budget_scale is not None:
            if not _is_num(self.budget_scale) or self.budget_scale < 0:
                problems.append(f"{where}: field 'budget_scale' must be a number ≥ 0, got {self.budget_scale!r}")
            else:
                put("budget_scale", float(self.budget_scale))
        put("budget", self._norm_budget(self.budget, where, problems))

        def mapping(field: str) -> dict[str, Any]:
            v = getattr(self, field)
            if v is None:
                return {}
            if not isinstance(v, Mapping):
                problems.append(f"{where}: field '{field}' must be an object (name → value), got {type(v).__name__}")
                return {}
            return {str(k): val for k, val in v.items()}

        radd = {}
        for r, v in mapping("resources_add").items():
            nv = self._norm_add(v, f"{where}: field 'resources_add' of '{r}'", problems)
            if nv is not None:
                radd[r] = nv
        put("resources_add", radd)
        cap = {}
        for r, v in mapping("capacity").items():
            nv = self._norm_levels(v, f"{where}: field 'capacity' of '{r}'", problems)
            if nv is not None:
                cap[r] = nv
        put("capacity", cap)
        for field, lo in (("weights", 0.0), ("cost_scale", 0.0), ("value_scale", None)):
            out = {}
            for k, v in mapping(field).items():
                if not _is_num(v) or (lo is not None and v < lo):
                    need = "a number ≥ 0" if lo is not None else "a finite number"
                    problems.append(f"{where}: field '{field}' of '{k}' must be {need}, got {v!r}")
                else:
                    out[k] = float(v)
            put(field, out)
        for field in ("force_in", "force_out", "remove_projects"):
            v = getattr(self, field)
            if v is None:
                v = ()
            if isinstance(v, str) or not isinstance(v, Iterable) or not all(isinstance(i, str) for i in v):
                problems.append(f"{where}: field '{field}' must be a list of project ids, got {v!r}")
                put(field, ())
            else:
                put(field, tuple(dict.fromkeys(v)))
        both = sorted(set(self.force_in) & set(self.force_out))
        if both:
            problems.append(f"{where}: project(s) {', '.join(both)} are both forced in and forced out")
        for field in ("add_constraints", "drop_constraints"):
            v = getattr(self, field) or ()
            if isinstance(v, (str, Mapping)) or not isinstance(v, Iterable):
                problems.append(f"{where}: field '{field}' must be a list of constraints, got {v!r}")
                put(field, ())
                continue
            out_c = []
            for c in v:
                try:
                    out_c.append(constraint_from_dict(c))
                except ValidationError as exc:
                    problems.extend(f"{where}: field '{field}': {m}" for m in exc.problems)
            put(field, tuple(out_c))
        v = self.add_projects
        if isinstance(v, pd.DataFrame):
            df = v if v.index.name is None and "id" in v.columns else v.reset_index()
            recs = [{str(k): x for k, x in r.items() if not _missing(x)} for r in df.to_dict("records")]
            put("add_projects", tuple(recs))
        elif v is None:
            put("add_projects", ())
        elif isinstance(v, (str, Mapping)) or not isinstance(v, Iterable) or not all(isinstance(r, Mapping) for r in v):
            problems.append(f"{where}: field 'add_projects' must be a list of project objects or a DataFrame")
            put("add_projects", ())
        else:
            put("add_projects", tuple(dict(r) for r in v))
            for k, r in enumerate(self.add_projects):
                if not isinstance(r.get("id"), str) or not r["id"].strip():
                    problems.append(f"{where}: field 'add_projects' #{k + 1} needs a non-empty string 'id'")
        if problems:
            raise ValidationError(problems)

    @staticmethod
    def _norm_levels(v: Any, where: str, problems: list[str], allow_neg: bool = False) -> Any:
        """A number, or a tuple of numbers / None (one per period)."""
        ok = (lambda x: _is_num(x)) if allow_neg else (lambda x: _is_num(x) and x >= 0)
        need = "a number" if allow_neg else "a number ≥ 0"
        if _is_num(v):
            if not ok(v):
                problems.append(f"{where} must be {need}, got {v!r}")
                return None
            return float(v)
        if isinstance(v, (list, tuple, np.ndarray, pd.Series)):
            vals = list(v)
            bad = [x for x in vals if x is not None and not ok(x)]
            if bad or not vals:
                problems.append(f"{where} must be {need} or a list of them per period, got {list(vals)!r}")
                return None
            return tuple(None if x is None else float(x) for x in vals)
        problems.append(f"{where} must be {need} or a list of them per period, got {v!r}")
        return None

    @classmethod
    def _norm_add(cls, v: Any, where: str, problems: list[str]) -> Any:
        if isinstance(v, Mapping):
            extra = sorted(set(v) - {"add", "from"})
            if extra or "add" not in v or not _is_num(v["add"]):
                problems.append(f"{where} must be {{'add': number, 'from': period}}, got {dict(v)!r}")
                return None
            frm = v.get("from", 0)
            if isinstance(frm, bool) or not isinstance(frm, (int, np.integer, str)):
                problems.append(f"{where}: 'from' must be a period index or label, got {frm!r}")
                return None
            return {"add": float(v["add"]), "from": frm if isinstance(frm, str) else int(frm)}
        out = cls._norm_levels(v, where, problems, allow_neg=True)
        if isinstance(out, tuple) and any(x is None for x in out):
            problems.append(f"{where}: every period needs a number (0 for no change)")
            return None
        return out

    @classmethod
    def _norm_budget(cls, v: Any, where: str, problems: list[str]) -> Any:
        if v is None:
            return None
        if isinstance(v, Mapping):
            extra = sorted(set(v) - {"total", "per_period"})
            if extra or not v:
                problems.append(f"{where}: field 'budget' takes 'total' and 'per_period', got keys {sorted(v)}")
                return None
            out: dict[str, Any] = {}
            if "total" in v:
                t = v["total"]
                if t is not None and (not _is_num(t) or t < 0):
                    problems.append(f"{where}: field 'budget' total must be a number ≥ 0 or null, got {t!r}")
                else:
                    out["total"] = None if t is None else float(t)
            if "per_period" in v:
                pp = cls._norm_levels(v["per_period"], f"{where}: field 'budget' per_period", problems)
                if pp is not None:
                    out["per_period"] = pp if isinstance(pp, tuple) else pp
            return out
        lv = cls._norm_levels(v, f"{where}: field 'budget'", problems)
        if lv is None:
            return None
        return {"total": lv} if isinstance(lv, float) else {"per_period": lv}

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_dict(), sort_keys=True, default=str))

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        """The scenario as a JSON-ready object (the engine's scenario shape); unset fields are left out.

        Examples
        --------
        >>> Scenario("cut", budget_scale=0.9, force_out=["CRM"]).to_dict()
        {'name': 'cut', 'budget_scale': 0.9, 'force_out': ['CRM']}
        """
        out: dict[str, Any] = {"name": self.name}
        if self.budget_scale is not None:
            out["budget_scale"] = self.budget_scale
        if self.budget is not None:
            b = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.budget.items()}
            out["budget"] = b
        for field in ("resources_add", "capacity"):
            m = getattr(self, field)
            if m:
                out[field] = {k: (list(v) if isinstance(v, tuple) else (dict(v) if isinstance(v, Mapping) else v))
                              for k, v in m.items()}
        for field in ("weights", "cost_scale", "value_scale"):
            if getattr(self, field):
                out[field] = dict(getattr(self, field))
        for field in ("force_in", "force_out"):
            if getattr(self, field):
                out[field] = list(getattr(self, field))
        for field in ("add_constraints", "drop_constraints"):
            if getattr(self, field):
                out[field] = [constraint_to_dict(c) for c in getattr(self, field)]
        if self.add_projects:
            out["add_projects"] = [dict(r) for r in self.add_projects]
        if self.remove_projects:
            out["remove_projects"] = list(self.remove_projects)
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, default_name: str | None = None) -> Scenario:
        """Build a scenario from :meth:`to_dict`'s shape (the engine's scenario object).

        Raises
        ------
        ValidationError
            On unknown keys or bad values, naming the scenario and the field.

        Examples
        --------
        >>> Scenario.from_dict({"name": "hire", "resources_add": {"engineers": [0, 2, 2]}}).resources_add
        {'engineers': (0.0, 2.0, 2.0)}
        """
        if isinstance(d, Scenario):
            return d
        if not isinstance(d, Mapping):
            raise ValidationError(f"a scenario must be an object, got {type(d).__name__}")
        name = d.get("name", default_name)
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - fields)
        if unknown:
            raise ValidationError(
                f"scenario '{name}': unknown field(s) {', '.join(unknown)} (known: {', '.join(sorted(fields))})"
            )
        return cls(**{**{k: v for k, v in d.items() if k != "name"}, "name": name})

    # ------------------------------------------------------------------ applying
    def apply(self, problem: Problem) -> Problem:
        """The base ``problem`` with this scenario's changes (a new Problem; ``problem`` is unchanged).

        Raises
        ------
        ValidationError
            When a change names an unknown project, category, resource,
            criterion, period or constraint, or makes a limit negative; every
            message names the scenario and the field.
        """
        if not isinstance(problem, Problem):
            raise ValidationError(f"scenario '{self.name}': apply() needs a Problem, got {type(problem).__name__}")
        where = f"scenario '{self.name}'"
        try:
            return self._apply(problem, where)
        except ValidationError as exc:
            msgs = [m if m.startswith(where) else f"{where}: {m}" for m in exc.problems]
            raise ValidationError(msgs) from None

    def _apply(self, problem: Problem, where: str) -> Problem:
        problems: list[str] = []
        T = problem.n_periods
        cons = list(problem.constraints)

        # 1. constraints dropped (they name the base problem's constraints)
        for c in self.drop_constraints:
            if c not in cons:
                problems.append(f"field 'drop_constraints': {c.describe(problem.periods)} is not a constraint of the base problem")
        cons = [c for c in cons if c not in set(self.drop_constraints)]
        if problems:
            raise ValidationError(problems)
        p = problem.replace(constraints=tuple(cons)) if self.drop_constraints else problem

        # 2. candidates removed and added
        if self.remove_projects or self.add_projects:
            p = _change_candidates(p, self.remove_projects, self.add_projects)
        ids = set(p.ids)
        cats = set(p.table.frame["category"].dropna())

        # 3. budgets
        cons = list(p.constraints)
        if self.budget is not None:
            if "total" in self.budget:
                cons = [c for c in cons if not (isinstance(c, BudgetLimit) and c.period is None)]
                if self.budget["total"] is not None:
                    cons.append(BudgetLimit(self.budget["total"]))
            if "per_period" in self.budget:
                levels = _levels(self.budget["per_period"], T, "field 'budget' per_period", problems)
                if levels is not None:
                    cons = [c for c in cons if not (isinstance(c, BudgetLimit) and c.period is not None)]
                    cons.extend(BudgetLimit(v, t) for t, v in enumerate(levels) if v is not None)
        if self.budget_scale is not None:
            cons = [dataclasses.replace(c, amount=c.amount * self.budget_scale) if isinstance(c, BudgetLimit) else c
                    for c in cons]

        # 4. capacities
        known_res = set(p.table.resources)
        for r, spec in self.capacity.items():
            if r not in known_res:
                problems.append(f"field 'capacity': unknown resource '{r}' (resources: {', '.join(sorted(known_res)) or 'none'})")
                continue
            levels = _levels(spec, T, f"field 'capacity' of '{r}'", problems)
            if levels is None:
                continue
            cons = [c for c in cons if not (isinstance(c, CapacityLimit) and c.resource == r)]
            cons.extend(CapacityLimit(r, v, t) for t, v in enumerate(levels) if v is not None)
        for r, spec in self.resources_add.items():
            if r not in known_res:
                problems.append(f"field 'resources_add': unknown resource '{r}' (resources: {', '.join(sorted(known_res)) or 'none'})")
                continue
            add = _add_levels(spec, p.periods, f"field 'resources_add' of '{r}'", problems)
            if add is None:
                continue
            limited = [c for c in cons if isinstance(c, CapacityLimit) and c.resource == r]
            if not limited:
                problems.append(f"field 'resources_add': resource '{r}' has no capacity limit to add to "
                                "(set one with 'capacity', or in an engine request with 'resources')")
                continue
            new = []
            for c in cons:
                if isinstance(c, CapacityLimit) and c.resource == r and add[c.period] != 0:
                    amt = c.amount + add[c.period]
                    if amt < -1e-9:
                        problems.append(f"field 'resources_add' of '{r}': {c.describe(p.periods)} would become "
                                        f"negative ({amt:g})")
                        new.append(c)
                        continue
                    new.append(dataclasses.replace(c, amount=max(amt, 0.0)))
                else:
                    new.append(c)
            cons = new

        # 5. weights
        scoring = p.scoring
        if self.weights:
            if scoring is None:
                problems.append("field 'weights': the problem has no scoring model (criteria and weights)")
            else:
                unknown = [k for k in self.weights if k not in scoring.names]
                if unknown:
                    problems.append(f"field 'weights': unknown criteria {', '.join(repr(u) for u in unknown)} "
                                    f"(criteria: {', '.join(scoring.names)})")
                else:
                    try:
                        scoring = scoring.with_weights(self.weights)
                    except ValidationError as exc:
                        problems.extend(f"field 'weights': {m}" for m in exc.problems)

        # 6. cost and value
        table = p.table
        cost_f = _factors(self.cost_scale, p, ids, cats, "cost_scale", problems, self.name)
        value_f = _factors(self.value_scale, p, ids, cats, "value_scale", problems, self.name)

        # 7. constraints added, projects forced
        cons.extend(self.add_constraints)
        for field in ("force_in", "force_out"):
            unknown = [i for i in getattr(self, field) if i not in ids]
            if unknown:
                problems.append(f"field '{field}': unknown project id(s) {', '.join(repr(u) for u in unknown)}")
        if problems:
            raise ValidationError(problems)
        objective = p.objective
        if value_f is not None and objective == "score" and scoring is not None:
            # the score is normalised over the candidates, so scaling a criterion would be undone: the scaled
            # scores become the objective column (the scores themselves are still reported unscaled)
            objective = "score × value_scale"
            while objective in table.frame.columns:
                objective += "'"
            frame = table.frame.copy()
            frame[objective] = scoring.score(frame)["score"].to_numpy(float) * value_f
            table, value_f = dataclasses.replace(table, frame=frame), None
        if cost_f is not None or value_f is not None:
            table = _scaled_table(table, cost_f, value_f, objective)
        out = p.replace(table=table, scoring=scoring, constraints=tuple(cons), objective=objective)
        if self.force_out:
            out = out.force_out(*self.force_out)
        if self.force_in:
            out = out.force_in(*self.force_in)
        return out

    def check(self, problem: Problem) -> None:
        """Raise :class:`~portfolio_opt.ValidationError` if the scenario cannot apply to ``problem``."""
        self.apply(problem)


def _missing(x: Any) -> bool:
    try:
        return x is None or (np.ndim(x) == 0 and bool(pd.isna(x)))
    except (TypeError, ValueError):
        return False


def _levels(spec: Any, T: int, where: str, problems: list[str]) -> list[float | None] | None:
    if isinstance(spec, float):
        return [spec] * T
    if len(spec) != T:
        problems.append(f"{where}: gives {len(spec)} period values but the horizon has {T} periods")
        return None
    return list(spec)


def _period_index(frm: int | str, periods: Sequence[str], where: str, problems: list[str]) -> int | None:
    if isinstance(frm, str):
        if frm in periods:
            return list(periods).index(frm)
        problems.append(f"{where}: unknown period '{frm}' (periods: {', '.join(periods)})")
        return None
    if not 0 <= frm < len(periods):
        problems.append(f"{where}: period {frm} is outside 0..{len(periods) - 1}")
        return None
    return int(frm)


def _add_levels(spec: Any, periods: Sequence[str], where: str, problems: list[str]) -> list[float] | None:
    T = len(periods)
    if isinstance(spec, Mapping):
        t0 = _period_index(spec["from"], periods, where, problems)
        if t0 is None:
            return None
        return [0.0] * t0 + [spec["add"]] * (T - t0)
    lv = _levels(spec, T, where, problems)
    return None if lv is None else [float(x or 0.0) for x in lv]


def _factors(spec: Mapping[str, float], p: Problem, ids: set[str], cats: set[str], field: str,
             problems: list[str], scenario: str) -> np.ndarray | None:
    if not spec:
        return None
    f = p.table.frame
    out = np.ones(len(f))
    cat_arr = f["category"].to_numpy(object)
    # categories first, then project ids (a project's own factor overrides its category's)
    for key, fac in sorted(spec.items(), key=lambda kv: not kv[0].startswith("category:")):
        if key.startswith("category:"):
            cat = key[len("category:"):]
            if cat not in cats:  # every project of it is none: a no-op, as a group on it counts none, but warned
                warnings.warn(f"scenario '{scenario}': field '{field}': no project has category '{cat}' (categories: "
                              f"{', '.join(sorted(map(str, cats))) or 'none'}); its factor changes nothing",
                              PortfolioWarning, stacklevel=2)
                continue
            out[cat_arr == cat] = fac
        elif key in ids:
            out[f.index.get_loc(key)] = fac
        else:
            problems.append(f"field '{field}': unknown project id '{key}' (or write 'category:NAME' for a category)")
    return out


def _obj_series(values: Sequence[Any], index: pd.Index) -> pd.Series:
    return pd.Series(list(values), index=index, dtype=object)


def _scaled_table(table: ProjectTable, cost_f: np.ndarray | None, value_f: np.ndarray | None,
                  objective: str) -> ProjectTable:
    """A new ProjectTable with cost profiles and/or values scaled per project (the old one is untouched)."""
    frame = table.frame.copy()
    cost = table.cost
    if cost_f is not None:
        prof = [tuple(float(x) * float(k) for x in c) for c, k in zip(frame["cost"], cost_f)]
        frame["cost"] = _obj_series(prof, frame.index)
        frame["total_cost"] = [float(sum(c)) for c in prof]
        cost = np.asarray(table.cost, float) * cost_f[:, None]
        cost.setflags(write=False)
    if value_f is not None:
        frame["value"] = frame["value"].to_numpy(float) * value_f
        if objective == "npv":
            frame["benefits"] = _obj_series(
                [tuple(float(x) * float(k) for x in b) for b, k in zip(frame["benefits"], value_f)], frame.index)
        elif objective != "value" and objective in frame.columns:
            frame[objective] = pd.to_numeric(frame[objective]).to_numpy(float) * value_f
    return dataclasses.replace(table, frame=frame, cost=cost)


def _change_candidates(p: Problem, remove: Sequence[str], add: Sequence[Mapping[str, Any]]) -> Problem:
    """Remove and add candidates; the table is validated again as a whole."""
    f = p.table.frame
    ids = set(f.index)
    unknown = [i for i in remove if i not in ids]
    if unknown:
        raise ValidationError([f"field 'remove_projects': unknown project id '{u}'" for u in unknown])
    gone = set(remove)
    raw = f.drop(index=list(remove))
    dependents = [pid for pid, req in zip(raw.index, raw["requires"]) if gone & set(req)]
    raw["requires"] = _obj_series([tuple(r for r in req if r not in gone) for req in raw["requires"]], raw.index)
    raw["excludes"] = _obj_series([tuple(e for e in ex if e not in gone) for ex in raw["excludes"]], raw.index)
    raw = raw.drop(columns=["total_cost"])
    for c in list(raw.columns):  # tuples → lists, which the loader reads as profiles
        if raw[c].dtype == object:
            raw[c] = _obj_series([list(v) if isinstance(v, tuple) else v for v in raw[c]], raw.index)
    if add:
        colmap = {c.name: (c.column or c.name) for c in p.scoring.criteria} if p.scoring is not None else {}
        recs = []
        for r in add:
            r = dict(r)
            if isinstance(r.get("scores"), Mapping):
                r["scores"] = {colmap.get(str(k), str(k)): v for k, v in r["scores"].items()}
            recs.append(r)
        new = projects_from_records(recs)
        raw = pd.concat([raw, new], axis=0)
        raw.index.name = "id"
    criteria = [c.column or c.name for c in p.scoring.criteria] if p.scoring is not None else []
    table = validate_projects(raw, periods=p.n_periods, criteria=criteria, require_value=(p.objective == "value"))

    def touches(c: Constraint) -> bool:
        names: tuple[str, ...] = ()
        if isinstance(c, Requires):
            names = (c.project, c.required)
        elif isinstance(c, Excludes):
            names = (c.a, c.b)
        elif isinstance(c, (Mandatory, ForcedOut)):
            names = (c.project,)
        return bool(gone & set(names))

    cons = [c for c in p.constraints if not touches(c)]
    cons.extend(ForcedOut(d) for d in dependents if ForcedOut(d) not in cons)
    have = set(cons)
    nf = table.frame
    for pid in [i for i in nf.index if i not in ids]:
        row = nf.loc[pid]
        extra: list[Constraint] = []
        if row["mandatory"]:
            extra.append(Mandatory(pid))
        if row["excluded"]:
            extra.append(ForcedOut(pid))
        extra.extend(Requires(pid, r) for r in row["requires"])
        extra.extend(Excludes(pid, e) for e in row["excludes"])
        for c in extra:
            if c not in have:
                have.add(c)
                cons.append(c)
    return p.replace(table=table, constraints=tuple(cons))


# --------------------------------------------------------------------------- results


@dataclasses.dataclass(frozen=True)
class Move:
    """One project whose decision differs from the base, with the evidence of why.

    Attributes
    ----------
    scenario, id : str
    change : {"entered", "left", "moved"}
    base_start, start : str or None
        Start period labels in the base and in the scenario (None = not selected).
    kept_objective : float or None
        The scenario's optimum with this project forced back to its base
        decision (None when that is infeasible or was not computed).
    cost_of_keeping : float or None
        Scenario objective − ``kept_objective``: what keeping the base decision
        would cost in this scenario.
    blocked_by : tuple of str
        The limits the base decision would break if restored with everything
        else in the scenario's portfolio unchanged (budget periods, resources, ...).
    reason : str
        The evidence in one sentence.
    """

    scenario: str
    id: str
    change: str
    base_start: str | None
    start: str | None
    kept_objective: float | None
    cost_of_keeping: float | None
    blocked_by: tuple[str, ...]
    reason: str


@dataclasses.dataclass(frozen=True)
class ScenarioOutcome:
    """The solved scenario: status, portfolio, difference from the base and evidence.

    ``status`` is a :class:`~portfolio_opt.Status` value (``"optimal"``,
    ``"feasible"``, ``"infeasible"``, ``"no_solution"``) or ``"failed"`` when
    the work unit raised or its worker died (``error`` says why).
    """

    name: str
    status: str
    objective: float | None
    result: Any = None
    entered: tuple[str, ...] = ()
    left: tuple[str, ...] = ()
    moved: tuple[tuple[str, str, str], ...] = ()
    moves: tuple[Move, ...] = ()
    diagnosis: tuple[str, ...] = ()
    error: str | None = None

    @property
    def has_solution(self) -> bool:
        return self.status in ("optimal", "feasible")

    @property
    def starts(self) -> dict[str, int]:
        """Start period index per selected project (empty without a solution)."""
        if not self.has_solution or self.result is None:
            return {}
        return {str(i): int(s) for i, s in self.result.starts.items() if s >= 0}

    @property
    def selected(self) -> list[str]:
        return self.result.selected_ids if self.has_solution and self.result is not None else []

    @property
    def spend(self) -> float | None:
        return self.result.total_spend if self.has_solution and self.result is not None else None

    @property
    def seconds(self) -> float | None:
        return None if self.result is None else float(self.result.solver.seconds)

    def to_engine(self) -> dict[str, Any]:
        """The engine's scenario entry (``engine-spec.md``)."""
        return {
            "name": self.name,
            "status": self.status,
            "objective": self.objective,
            "selected": self.selected,
            "starts": self.starts,
            "entered": list(self.entered),
            "left": list(self.left),
            "moved": [m[0] for m in self.moved],
            "diagnosis": list(self.diagnosis) + ([self.error] if self.error else []),
        }


def _label(periods: Sequence[str], s: int | None) -> str | None:
    return None if s is None or s < 0 else str(periods[s])


def _pin(problem: Problem, pid: str, start: int | None) -> Problem:
    """``problem`` with ``pid`` forced out (start None) or forced in at exactly ``start``."""
    if start is None:
        return problem.force_out(pid)
    frame = problem.table.frame.copy()
    es = frame["earliest_start"].to_numpy(int).copy()
    ls = frame["latest_start"].to_numpy(int).copy()
    k = frame.index.get_loc(pid)
    es[k] = ls[k] = int(start)
    frame["earliest_start"] = es
    frame["latest_start"] = ls
    return problem.replace(table=dataclasses.replace(problem.table, frame=frame)).force_in(pid)


def _scenario_chunk(entries: Sequence[tuple[Any, ...]], kwargs: Mapping[str, Any], base_starts: Mapping[str, int],
                    base: Any) -> list[tuple[bool, Any]]:
    """Work unit of a batch with reuse: the scenarios of one chunk, ordered loose → tight (see ``_reuse``).

    Each entry is ``(problem, name, explain, explicit, relaxes_next,
    base_relaxes)``.  A run of entries each relaxing the next is a chain; the
    chain's ends are solved, and when the tight end's portfolio is worth the
    loose end's bound every scenario between them is settled by it, else the
    middle is solved and both halves are treated the same way (bisection).  A
    scenario is also settled without a solve when a looser solved one's (or the
    base's) portfolio fits it.  Returns ``(ok, outcome or error text)`` per
    entry: one scenario's exception does not fail the others.
    """
    from ._reuse import reuse
    from .batch import _describe

    m = len(entries)
    results: list[Any] = [None] * m
    errors: dict[int, str] = {}

    def settle(k: int, looser: int | None, tighter: int | None = None) -> None:
        problem, name, *_, base_relaxes = entries[k]
        try:
            r = None if looser is None else reuse(problem, results[looser], entries[looser][1])
            if r is None and base_relaxes:
                r = reuse(problem, base, BASE)
            if r is None:
                # what the neighbours prove: a looser scenario's bound bounds this one, and a
                # tighter one's portfolio fits it (a first incumbent)
                bounds = [x.bound for x in (results[looser] if looser is not None else None,
                                            base if base_relaxes else None)
                          if x is not None and x.has_solution and x.bound is not None]
                near = results[tighter] if tighter is not None else None
                r = _solve_scenario(problem, kwargs, base_starts, known_bound=min(bounds) if bounds else None,
                                    warm=near.starts if near is not None and near.has_solution else None,
                                    warm_value=near.objective if near is not None else None)
            results[k] = r
        except Exception as exc:  # one scenario's failure is its own row
            errors[k] = _describe(exc)

    def fill(i: int, j: int) -> None:
        if j - i < 2:
            return
        lo, hi = results[i], results[j]
        if lo is not None and hi is not None:
            got = [reuse(entries[k][0], hi, entries[j][1], bound_from=lo) for k in range(i + 1, j)]
            if all(r is not None for r in got):
                results[i + 1:j] = got
                return
        mid = (i + j) // 2
        settle(mid, i if lo is not None else None, j if hi is not None else None)
        fill(i, mid)
        fill(mid, j)

    start = 0
    while start < m:
        end = start
        while end < m - 1 and entries[end][4]:
            end += 1
        settle(start, None)
        if end > start:
            settle(end, start if results[start] is not None else None)
            fill(start, end)
        start = end + 1
    out: list[tuple[bool, Any]] = []
    for k, (problem, name, explain, explicit, *_rest) in enumerate(entries):
        if k in errors or results[k] is None:
            out.append((False, errors.get(k, "not solved")))
            continue
        try:
            out.append((True, _scenario_task(problem, kwargs, base_starts, name, explain, explicit, results[k])))
        except Exception as exc:
            out.append((False, _describe(exc)))
    return out


def _solve_scenario(problem: Problem, kwargs: Mapping[str, Any], base_starts: Mapping[str, int],
                    known_bound: float | None = None, warm: Any = None, warm_value: float | None = None) -> Any:
    """``select`` on a scenario, warm-started from the better of the base portfolio (when it is
    still feasible there) and ``warm`` (a portfolio known to fit, worth ``warm_value``), with the
    ``known_bound`` of a looser scenario unless the caller set its own."""
    from ..optimize import select
    from ..result import check_portfolio

    kw = dict(kwargs)
    if "warm_start" not in kw:
        known = set(problem.ids)
        from_base = {i: s for i, s in base_starts.items() if i in known and s >= 0}
        if from_base and not check_portfolio(problem, from_base):
            base_value = float(np.dot(problem.objective_coefficients, [i in from_base for i in problem.ids.tolist()]))
            if warm is None or warm_value is None or base_value >= warm_value:
                warm = from_base
        if warm is not None:
            kw["warm_start"] = warm
    if known_bound is not None and "known_bound" not in kw:
        kw["known_bound"] = known_bound
    return select(problem, **kw)


def _scenario_task(problem: Problem, kwargs: Mapping[str, Any], base_starts: Mapping[str, int],
                   name: str, explain: bool, explicit: Mapping[str, str], result: Any = None) -> ScenarioOutcome:
    """Work unit: solve one scenario problem (unless ``result`` is given), compare with the base, explain the moves."""
    from ..optimize import select
    from ..result import check_portfolio

    if result is None:
        result = _solve_scenario(problem, kwargs, base_starts)
    status = result.status.value
    if not result.has_solution:
        return ScenarioOutcome(name, status, None, result, diagnosis=tuple(result.diagnosis))
    st = {str(i): int(s) for i, s in result.starts.items()}
    order = list(dict.fromkeys([*base_starts, *st]))
    entered = tuple(i for i in order if st.get(i, -1) >= 0 and base_starts.get(i, -1) < 0)
    left = tuple(i for i in order if base_starts.get(i, -1) >= 0 and st.get(i, -1) < 0)
    labels = problem.periods
    moved = tuple((i, str(labels[base_starts[i]]), str(labels[st[i]])) for i in order
                  if st.get(i, -1) >= 0 and base_starts.get(i, -1) >= 0 and st[i] != base_starts[i])
    moves: list[Move] = []
    if explain:
        obj = float(result.objective)
        arr = result.starts.to_numpy(int).copy()
        pos = problem._position
        # evidence re-solves need only the optimal value: no tie-breaking, no diagnosis
        quiet = {**dict(kwargs), "diagnose": False, "tie_break": False}
        for pid, change in [*((i, "entered") for i in entered), *((i, "left") for i in left),
                            *((m[0], "moved") for m in moved)]:
            b = base_starts.get(pid, -1)
            base_lab = _label(labels, b)
            now_lab = _label(labels, st.get(pid, -1))
            if pid in explicit:
                moves.append(Move(name, pid, change, base_lab, now_lab, None, None, (), explicit[pid]))
                continue
            if pid not in pos:  # pragma: no cover - removed projects are explicit
                continue
            trial = arr.copy()
            trial[pos[pid]] = b
            blocked = tuple(check_portfolio(problem, trial))
            if change == "moved" and not blocked:
                # the objective does not depend on starts: the same portfolio with the base
                # start is feasible and exactly as good, no re-solve needed
                kept_obj: float | None = obj
            else:
                kept = select(_pin(problem, pid, b if b >= 0 else None), **quiet)
                kept_obj = float(kept.objective) if kept.has_solution else None
            cost = None if kept_obj is None else max(obj - kept_obj, 0.0)
            decision = ("leaving it out" if b < 0 else f"keeping it (starting in {base_lab})" if change == "left"
                        else f"starting it in {base_lab}")
            if kept_obj is None:
                text = f"{decision} as in the base is infeasible in this scenario"
            elif cost is not None and cost <= 1e-9 * max(1.0, abs(obj)):
                text = f"{decision} as in the base is an equally good alternative (it costs nothing)"
            else:
                text = f"{decision} as in the base would cost {cost:,.6g} of objective"
            if blocked:
                text += "; with the rest of this portfolio unchanged it would break " + "; ".join(blocked)
            moves.append(Move(name, pid, change, base_lab, now_lab, kept_obj, cost, blocked, text))
    return ScenarioOutcome(name, status, float(result.objective), result, entered, left, moved, tuple(moves),
                           tuple(result.diagnosis))


@dataclasses.dataclass(frozen=True, eq=False)
class ScenarioResults:
    """Scenarios solved side by side with the base (see :func:`run_scenarios`).

    Attributes
    ----------
    base : PortfolioResult
        The base problem's result.
    scenarios : tuple of Scenario
    outcomes : tuple of ScenarioOutcome
        One per scenario, in order.
    """

    base: Any
    scenarios: tuple[Scenario, ...]
    outcomes: tuple[ScenarioOutcome, ...]

    def __getitem__(self, name: str) -> ScenarioOutcome:
        for o in self.outcomes:
            if o.name == name:
                return o
        raise KeyError(f"no scenario named {name!r} (scenarios: {', '.join(o.name for o in self.outcomes)})")

    @property
    def names(self) -> list[str]:
        return [o.name for o in self.outcomes]

    @property
    def summary(self) -> pd.DataFrame:
        """One row per scenario (the base first): status, objective, change vs base, spend, counts, solve seconds."""
        b = self.base
        base_obj = b.objective if b.has_solution else None
        rows = [{
            "scenario": BASE, "status": b.status.value, "objective": base_obj, "change": 0.0 if base_obj is not None else None,
            "change_pct": 0.0 if base_obj else None, "spend": b.total_spend if b.has_solution else None,
            "n_selected": len(b.selected_ids) if b.has_solution else 0, "entered": 0, "left": 0, "moved": 0,
            "seconds": float(b.solver.seconds),
        }]
        for o in self.outcomes:
            ch = None if o.objective is None or base_obj is None else o.objective - base_obj
            rows.append({
                "scenario": o.name, "status": o.status, "objective": o.objective, "change": ch,
                "change_pct": None if ch is None or not base_obj else 100.0 * ch / abs(base_obj),
                "spend": o.spend, "n_selected": len(o.selected), "entered": len(o.entered), "left": len(o.left),
                "moved": len(o.moved), "seconds": o.seconds,
            })
        df = pd.DataFrame(rows).set_index("scenario")
        for c in ("objective", "change", "change_pct", "spend", "seconds"):
            df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
        return df

    def to_frame(self) -> pd.DataFrame:
        """The summary table."""
        return self.summary

    @property
    def selection(self) -> pd.DataFrame:
        """Projects × (base, scenarios): the start period label of each selected project, blank otherwise."""
        base_p = self.base.problem
        ids = list(base_p.ids)
        for o in self.outcomes:
            if o.result is not None:
                ids.extend(i for i in o.result.problem.ids if i not in set(ids))
        cols: dict[str, list[str]] = {}

        def column(result: Any) -> list[str]:
            if result is None or not result.has_solution:
                return [""] * len(ids)
            lab = result.problem.periods
            st = {str(i): int(s) for i, s in result.starts.items()}
            return [str(lab[st[i]]) if st.get(i, -1) >= 0 else "" for i in ids]

        cols[BASE] = column(self.base)
        for o in self.outcomes:
            cols[o.name] = column(o.result)
        return pd.DataFrame(cols, index=pd.Index(ids, name="id"))

    def diff(self, name: str) -> pd.DataFrame:
        """The projects of scenario ``name`` that entered, left or moved, with the evidence of why."""
        o = self[name]
        recs = [dataclasses.asdict(m) for m in o.moves]
        if not recs:  # explain_moves=False, or no change: the bare difference
            recs = ([{"id": i, "change": "entered"} for i in o.entered] + [{"id": i, "change": "left"} for i in o.left]
                    + [{"id": m[0], "change": "moved", "base_start": m[1], "start": m[2]} for m in o.moved])
        cols = ["id", "change", "base_start", "start", "cost_of_keeping", "kept_objective", "blocked_by", "reason"]
        df = pd.DataFrame(recs, columns=["scenario", *cols]) if recs else pd.DataFrame(columns=["scenario", *cols])
        return df.drop(columns="scenario").set_index("id")

    @property
    def moves(self) -> pd.DataFrame:
        """Every move of every scenario (columns as in :meth:`diff`, plus ``scenario``)."""
        frames = [self.diff(n).reset_index().assign(scenario=n) for n in self.names]
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame(columns=["scenario", "id", "change", "base_start", "start", "cost_of_keeping",
                                         "kept_objective", "blocked_by", "reason"])
        df = pd.concat(frames, ignore_index=True)
        return df[["scenario", *[c for c in df.columns if c != "scenario"]]]

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-ready data: the base, and per scenario its engine entry plus figures and evidence."""
        b = self.base
        out: dict[str, Any] = {
            "base": {"status": b.status.value, "objective": b.objective if b.has_solution else None,
                     "selected": b.selected_ids if b.has_solution else [],
                     "starts": {str(i): int(s) for i, s in b.starts.items() if s >= 0} if b.has_solution else {},
                     "spend": b.total_spend if b.has_solution else None},
            "scenarios": [],
        }
        summ = self.summary
        for o, sc in zip(self.outcomes, self.scenarios):
            row = summ.loc[o.name]
            d = o.to_engine()
            d["moved"] = [{"id": i, "from": f, "to": t} for i, f, t in o.moved]
            d.update({
                "scenario": sc.to_dict(),
                "change": _f(row["change"]), "spend": _f(row["spend"]), "n_selected": int(row["n_selected"]),
                "seconds": _f(row["seconds"]), "error": o.error,
                "evidence": [{k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(m).items()
                              if k != "scenario"} for m in o.moves],
            })
            out["scenarios"].append(d)
        return out

    def report(self) -> str:
        """A plain-text comparison a planner can read: the summary, then what changed and why."""
        summ = self.summary
        show = summ[["status", "objective", "change", "change_pct", "spend", "n_selected"]].copy()
        lines = [f"What-if comparison ({len(self.outcomes)} scenarios against the base):",
                 show.to_string(float_format=lambda v: f"{v:,.1f}", na_rep="-"), ""]
        for o in self.outcomes:
            if not o.has_solution:
                lines.append(f"{o.name}: {o.status}" + (f" — {o.error}" if o.error else ""))
                lines.extend(f"    {d}" for d in o.diagnosis)
                continue
            parts = []
            if o.entered:
                parts.append("entered " + ", ".join(o.entered))
            if o.left:
                parts.append("left " + ", ".join(o.left))
            if o.moved:
                parts.append("moved " + ", ".join(f"{i} ({f}→{t})" for i, f, t in o.moved))
            lines.append(f"{o.name}: " + ("; ".join(parts) if parts else "same portfolio as the base"))
            lines.extend(f"    {m.id} {m.change}: {m.reason}" for m in o.moves)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"ScenarioResults({len(self.outcomes)} scenarios: {', '.join(self.names)})"


def _f(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


# --------------------------------------------------------------------------- running


def _as_scenarios(scenarios: Iterable[Scenario | Mapping[str, Any]]) -> list[Scenario]:
    if isinstance(scenarios, (Scenario, Mapping, str)):
        raise ValidationError("scenarios must be a list of Scenario objects or scenario dicts")
    out: list[Scenario] = []
    problems: list[str] = []
    for k, s in enumerate(scenarios):
        try:
            out.append(Scenario.from_dict(s, default_name=f"scenario {k + 1}") if not isinstance(s, Scenario) else s)
        except ValidationError as exc:
            problems.extend(exc.problems)
    names = [s.name for s in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        problems.append(f"scenario names must be unique; repeated: {', '.join(repr(d) for d in dup)}")
    if BASE in names:
        problems.append(f"scenario name '{BASE}' is reserved for the base problem; choose another name")
    if problems:
        raise ValidationError(problems)
    return out


def _explicit(sc: Scenario) -> dict[str, str]:
    """Projects whose change is the scenario's own doing (no re-solve needed to explain it)."""
    out = {i: "forced out by the scenario" for i in sc.force_out}
    out.update({i: "forced in by the scenario" for i in sc.force_in})
    out.update({i: "removed from the candidates by the scenario" for i in sc.remove_projects})
    out.update({str(r["id"]): "added as a candidate by the scenario" for r in sc.add_projects})
    return out


def run_scenarios(
    problem: Problem,
    scenarios: Iterable[Scenario | Mapping[str, Any]],
    *,
    base: Any = None,
    solver: str | Mapping[str, Any] = "auto",
    executor: Any = None,
    progress: bool = False,
    explain_moves: bool = True,
    reuse: bool = True,
) -> ScenarioResults:
    """Solve the base problem and each scenario; compare them side by side.

    Parameters
    ----------
    problem : Problem
        The base problem (never modified).
    scenarios : list of Scenario or dict
        Dicts are read with :meth:`Scenario.from_dict`.
    base : PortfolioResult, optional
        The base problem's result, when already solved.
    solver : str or dict
        A backend name, or solver settings (``{"name": "highs", "time_limit": 30, "mip_gap": 0}``).
    executor : None, "serial", "processes", "dask", int, Executor or Dask client
        Where the scenarios run (see :mod:`portfolio_opt.analysis.batch`);
        ``None`` uses local processes when there are several scenarios.
    progress : bool
        Show a progress bar.
    explain_moves : bool
        For every project that entered, left or moved, re-solve the scenario
        with that project forced back to its base decision (one extra solve
        per project) to measure what keeping it would cost.
    reuse : bool
        Skip the solve of a scenario when a looser one (the base or another
        scenario of the batch: a bigger budget, more capacity, fewer forced
        exclusions, everything else equal) has a proven portfolio that also
        fits it: that portfolio is then provably optimal here too (its
        ``result.solver.options["reused_from"]`` names the source).  A budget
        or capacity sweep then costs a few solves instead of one per scenario.
        When several portfolios tie, the one kept is the looser scenario's,
        so a scenario's portfolio can depend on the batch it runs in (never its
        objective); ``reuse=False`` solves every scenario on its own.

    Returns
    -------
    ScenarioResults

    Raises
    ------
    ValidationError
        When a scenario is malformed or names something the problem lacks
        (all such problems at once, before anything is solved).  Infeasible
        or failed scenarios are results, not errors.

    Examples
    --------
    >>> import pandas as pd, portfolio_opt as po
    >>> df = pd.DataFrame({"id": ["A", "B", "C"], "cost": [4, 3, 2], "value": [10, 7, 5]})
    >>> base = po.Problem.from_frame(df, budget=6)
    >>> res = run_scenarios(base, [Scenario("cut", budget_scale=0.5), {"name": "no A", "force_out": ["A"]}],
    ...                     executor="serial")
    >>> res.summary[["status", "objective", "change"]]
             status  objective  change
    scenario
    base     optimal       15.0     0.0
    cut      optimal        7.0    -8.0
    no A     optimal       12.0    -3.0
    >>> res.selection
       base  cut   no A
    id
    A  period 0
    B       period 0  period 0
    C  period 0       period 0
    >>> for pid, why in res.diff("cut")["reason"].items():
    ...     print(pid, "-", why)
    B - leaving it out as in the base would cost 2 of objective
    A - keeping it (starting in period 0) as in the base is infeasible in this scenario; with the rest of this portfolio unchanged it would break the total budget (3): spend 7 exceeds 3
    C - keeping it (starting in period 0) as in the base would cost 2 of objective; with the rest of this portfolio unchanged it would break the total budget (3): spend 5 exceeds 3
    """
    if not isinstance(problem, Problem):
        raise ValidationError(f"run_scenarios() needs a Problem, got {type(problem).__name__}")
    scs = _as_scenarios(scenarios)
    problems: list[str] = []
    applied: list[Problem] = []
    for sc in scs:
        try:
            applied.append(sc.apply(problem))
        except ValidationError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ValidationError(problems)
    kw = solver_kwargs(solver)
    if base is None:
        from ..optimize import select

        base = select(problem, **kw)
    if not base.has_solution:
        base_starts: dict[str, int] = {}
    else:
        base_starts = {str(i): int(s) for i, s in base.starts.items()}
    explain = bool(explain_moves and base.has_solution)
    if not reuse or len(scs) < 2:
        items = [(ap, kw, base_starts, sc.name, explain, _explicit(sc)) for sc, ap in zip(scs, applied)]
        outs = run_batch(_scenario_task, items, executor=executor, progress=progress, desc="scenarios")
        pairs = [(o.ok, o.value if o.ok else o.error) for o in outs]
    else:
        pairs = _run_reusing(problem, base, scs, applied, kw, base_starts, explain, executor, progress)
    outcomes = [o if ok else ScenarioOutcome(sc.name, "failed", None, None, error=o)
                for sc, (ok, o) in zip(scs, pairs)]
    return ScenarioResults(base=base, scenarios=tuple(scs), outcomes=tuple(outcomes))


def _run_reusing(problem: Problem, base: Any, scs: Sequence[Scenario], applied: Sequence[Problem],
                 kw: Mapping[str, Any], base_starts: Mapping[str, int], explain: bool, executor: Any,
                 progress: bool) -> list[tuple[bool, Any]]:
    """Run the scenarios in chunks planned by :func:`._reuse.plan_chunks`; results in the input order."""
    from .._compile import compile_problem
    from ._reuse import plan_chunks

    models = [compile_problem(ap).model for ap in applied]
    base_gap = base.solver.options.get("mip_gap") if base.has_solution else None
    # the base's proof serves only when it was solved at least as tightly as the scenarios will be
    base_ok = base_gap is not None and float(base_gap) <= float(kw.get("mip_gap", 0.0))
    plan = plan_chunks(models, [ap.ids for ap in applied], compile_problem(problem).model if base_ok else None,
                       problem.ids)
    del models
    items = []
    for ch in plan.chunks:
        entries = [(applied[k], scs[k].name, explain, _explicit(scs[k]), plan.links[k], k in plan.base_relaxes)
                   for k in ch]
        items.append((entries, kw, base_starts, base if base_ok else None))
    outs = run_batch(_scenario_chunk, items, executor=executor, progress=progress, desc="scenario chunks")
    pairs: list[tuple[bool, Any]] = [(False, "not run")] * len(scs)
    for ch, o in zip(plan.chunks, outs):
        for j, k in enumerate(ch):
            pairs[k] = o.value[j] if o.ok else (False, o.error)
    return pairs


# --------------------------------------------------------------------------- engine


def _scenario_list(value: Any) -> list[Scenario]:
    if not isinstance(value, list):
        raise ValidationError(f"analyses 'scenarios' must be a list of scenario objects, got {type(value).__name__}")
    problems: list[str] = []
    for k, s in enumerate(value):
        if not isinstance(s, Mapping):
            problems.append(f"analyses 'scenarios' #{k + 1}: expected an object, got {type(s).__name__}")
        elif "name" not in s:
            problems.append(f"analyses 'scenarios' #{k + 1}: field 'name' is required")
    if problems:
        raise ValidationError(problems)
    return _as_scenarios(value)


def check_scenarios(problem: Problem, value: Any) -> None:
    """Validate the engine's ``analyses.scenarios`` before anything is solved.

    Raises
    ------
    ValidationError
        One message per problem, naming the scenario and the field.

    Examples
    --------
    >>> import pandas as pd, portfolio_opt as po
    >>> p = po.Problem.from_frame(pd.DataFrame({"id": ["A"], "cost": [1], "value": [2]}), budget=1)
    >>> check_scenarios(p, [{"name": "x", "force_in": ["Z"], "budget_scale": -1}])
    Traceback (most recent call last):
    ...
    portfolio_opt.errors.ValidationError: 1 problem in the input:
      - scenario 'x': field 'budget_scale' must be a number ≥ 0, got -1
    """
    problems: list[str] = []
    for s in _scenario_list(value):
        try:
            s.apply(problem)
        except ValidationError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ValidationError(problems)


def engine_scenarios(problem: Problem, result: Any, value: Any, solver: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's ``scenarios`` response field: one entry per scenario, in order.

    Each entry is ``{"name", "status", "objective", "selected", "starts",
    "entered", "left", "moved", "diagnosis"}``; ``moved`` lists the ids whose
    start differs from the base.  Scenarios run serially in the engine (a
    service calling it controls its own parallelism).
    """
    res = run_scenarios(problem, _scenario_list(value), base=result, solver=dict(solver), executor="serial",
                        explain_moves=False)
    for o in res.outcomes:
        if o.status == "failed":
            raise SolverError(f"scenario '{o.name}' failed: {o.error}")
    return {"scenarios": [o.to_engine() for o in res.outcomes]}
