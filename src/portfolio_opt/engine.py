"""The JSON selection-engine contract (``engine-spec.md``) on top of the library.

:func:`solve_spec` turns a request dict into a :class:`~portfolio_opt.Problem`,
solves it with :func:`~portfolio_opt.select` and returns the response dict.
It is a thin layer: the Python API and the engine give the same answers.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from .data import projects_from_records
from .errors import ValidationError
from .problem import Problem

__all__ = ["solve_spec", "problem_from_spec", "solver_settings"]

_TOP = {
    "version", "periods", "projects", "objective", "scoring", "discount_rate", "budget", "resources",
    "groups", "min_projects", "max_projects", "solver", "analyses",
}
_PROJECT = {
    "id", "name", "duration", "cost", "value", "resources", "earliest_start", "latest_start", "mandatory",
    "excluded", "category", "requires", "excludes", "scores", "benefits", "probability",
}
_RESERVED = _PROJECT | {"total_cost", "score"}


def problem_from_spec(spec: Mapping[str, Any]) -> Problem:
    """Build the :class:`Problem` of an engine request (without solving it).

    Raises
    ------
    ValidationError
        One message per problem, naming the project id and the field.

    Examples
    --------
    >>> p = problem_from_spec({"version": 1, "periods": 2, "budget": 10,
    ...     "projects": [{"id": "A", "cost": [3, 3], "value": 8}, {"id": "B", "cost": 5, "value": 4}]})
    >>> p.n_periods, list(p.ids)
    (2, ['A', 'B'])
    """
    if not isinstance(spec, Mapping):
        raise ValidationError(f"the request must be a JSON object, got {type(spec).__name__}")
    problems: list[str] = _non_finite(spec) if _may_be_non_finite(spec) else []
    if problems:  # read as "missing" or "no limit" downstream: refused here instead
        raise ValidationError(problems)
    unknown = sorted(set(spec) - _TOP)
    if unknown:
        problems.append(f"unknown field(s) in the request: {', '.join(unknown)} (known: {', '.join(sorted(_TOP))})")
    version = spec.get("version", 1)
    if version != 1:
        problems.append(f"field 'version' must be 1, got {version!r}")
    projects = spec.get("projects")
    if not isinstance(projects, list) or not projects:
        problems.append("field 'projects' must be a non-empty list of project objects")
        raise ValidationError(problems)
    score_names: set[str] = set()
    for k, rec in enumerate(projects):
        if type(rec) is dict and _plain(rec):  # most projects: nothing to report (the checks below say the same)
            scores = rec.get("scores")
            if scores:
                score_names.update(scores)
            continue
        if not isinstance(rec, Mapping):
            problems.append(f"project #{k + 1}: expected an object, got {type(rec).__name__}")
            continue
        pid = rec.get("id", f"#{k + 1}")
        if "id" not in rec or not isinstance(rec.get("id"), str) or not rec["id"].strip():
            problems.append(f"project #{k + 1}: field 'id' must be a non-empty string, got {rec.get('id')!r}")
        bad = sorted(set(rec) - _PROJECT)
        if bad:
            problems.append(f"project '{pid}': unknown field(s) {', '.join(bad)}")
        for key in ("requires", "excludes"):
            v = rec.get(key)
            if v is not None and not (isinstance(v, list) and all(isinstance(i, str) for i in v)):
                problems.append(f"project '{pid}': field '{key}' must be a list of project ids, got {v!r}")
        for key in ("mandatory", "excluded"):
            v = rec.get(key)
            if v is not None and not isinstance(v, bool):
                problems.append(f"project '{pid}': field '{key}' must be true or false, got {v!r}")
        for key in ("resources", "scores"):
            v = rec.get(key)
            if v is not None and not isinstance(v, Mapping):
                problems.append(f"project '{pid}': field '{key}' must be an object, got {type(v).__name__}")
        if isinstance(rec.get("scores"), Mapping):
            score_names.update(rec["scores"])
        for key in ("cost", "benefits"):
            v = rec.get(key)
            if isinstance(v, str):
                problems.append(f"project '{pid}': field '{key}' must be a number or a list of numbers, got {v!r}")
        for key in ("value", "probability", "duration", "earliest_start", "latest_start"):
            v = rec.get(key)
            if v is not None and not _is_number(v):  # JSON numbers: text is read leniently from tables only
                problems.append(f"project '{pid}': field '{key}' must be a number, got {v!r}")
        for key in ("resources", "scores"):
            v = rec.get(key)
            for name, x in (v.items() if isinstance(v, Mapping) else ()):
                ok = x is None or _is_number(x) or (key == "resources" and isinstance(x, list)
                                                   and all(_is_number(i) for i in x))
                if not ok:
                    what = "a number or a list of numbers" if key == "resources" else "a number"
                    problems.append(f"project '{pid}': field '{key}.{name}' must be {what}, got {x!r}")
    groups_in = spec.get("groups")
    for g in groups_in if isinstance(groups_in, list) else ():
        for key, v in (g.items() if isinstance(g, Mapping) else ()):
            if key != "category" and v is not None and not _is_number(v):
                problems.append(f"group '{g.get('category')}': field '{key}' must be a number, got {v!r}")
    if problems:
        raise ValidationError(problems)

    # criteria become columns; a criterion named like a project field is prefixed
    def col_of(name: str) -> str:
        return f"score_{name}" if name in _RESERVED or name.startswith("res_") else name

    records = []
    for rec in projects:
        if "value" in rec and "scores" not in rec:  # read as it is (projects_from_records copies what it keeps)
            records.append(rec)
            continue
        r = dict(rec)
        r.setdefault("value", 0)  # the contract's default
        scores = r.pop("scores", None) or {}
        r.update({col_of(str(c)): v for c, v in scores.items()})
        records.append(r)
    df = projects_from_records(records)

    scoring = spec.get("scoring")
    objective = spec.get("objective", "value")
    if objective not in ("value", "score", "npv"):
        raise ValidationError(f"field 'objective' must be 'value', 'score' or 'npv', got {objective!r}")
    model = None
    if scoring is not None:
        from .scoring import ScoringModel

        if not isinstance(scoring, Mapping):
            raise ValidationError(f"field 'scoring' must be an object, got {type(scoring).__name__}")
        model = ScoringModel.from_dict(dict(scoring))
        crit = tuple(dataclasses.replace(c, column=col_of(c.name)) for c in model.criteria)
        model = model.replace(criteria=crit)
    elif objective == "score":
        raise ValidationError("objective 'score' needs a 'scoring' object with criteria")

    budget = spec.get("budget")
    total = per = None
    if isinstance(budget, Mapping):
        extra = sorted(set(budget) - {"total", "per_period"})
        if extra:
            raise ValidationError(f"field 'budget' has unknown keys {extra} (use total and per_period)")
        total, per = budget.get("total"), budget.get("per_period")
    elif isinstance(budget, list):
        per = budget
    elif budget is not None:
        total = budget
    if total is not None and not _is_number(total):
        raise ValidationError(f"field 'budget': the total must be a number, got {total!r}")

    resources = spec.get("resources") or {}
    if not isinstance(resources, Mapping):
        raise ValidationError(f"field 'resources' must be an object of capacities, got {type(resources).__name__}")
    demanded = {c[4:] for c in df.columns if isinstance(c, str) and c.startswith("res_")}
    # a capacity on a resource that no project uses cannot bind, but it is part of the request: the
    # resource gets a demand of 0 everywhere, so that its capacity is checked, its use reported and
    # scenarios may change it (a planning system sends its usual capacities whatever the candidates)
    idle = [r for r in resources if r not in demanded]
    if idle:
        df = df.assign(**{f"res_{r}": 0.0 for r in idle})
    capacity = dict(resources)
    groups = spec.get("groups") or []
    if not isinstance(groups, list):
        raise ValidationError("field 'groups' must be a list of group objects")
    dr = spec.get("discount_rate", 0.0)
    if not _is_number(dr) or not math.isfinite(dr):
        raise ValidationError(f"field 'discount_rate' must be a number, got {dr!r}")
    try:
        return Problem.from_frame(
            df,
            periods=spec.get("periods", 1),
            budget=total,
            budget_per_period=per,
            capacity=capacity,
            groups=groups,
            min_projects=spec.get("min_projects"),
            max_projects=spec.get("max_projects"),
            objective=objective,
            scoring=model,
            discount_rate=float(dr),
        )
    except ValidationError as exc:  # the table's column names back in the request's words
        raise ValidationError([_request_words(m, score_names) for m in exc.problems]) from None


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


#: the project fields that must be JSON numbers
_NUMBER_FIELDS = frozenset({"value", "probability", "duration", "earliest_start", "latest_start"})


def _plain(rec: dict[str, Any]) -> bool:
    """Whether a project object surely passes :func:`problem_from_spec`'s checks of its fields: every field
    known and of its type (exact types: a subclass, such as a numpy number, goes the long way, which
    accepts what it should).  False says only "look closer": the checks then name what is wrong.  One pass
    over the fields present, instead of a lookup per known field: 100,000 projects were checked in ~0.8 s.

    Examples
    --------
    >>> _plain({"id": "A", "cost": [1, 2], "value": 3, "resources": {"eng": [1, 0]}, "requires": ["B"]})
    True
    >>> _plain({"id": "A", "value": "3"}), _plain({"id": " "}), _plain({"cost": 1}), _plain({"id": "A", "x": 1})
    (False, False, False, False)
    """
    if "id" not in rec:
        return False
    for key, v in rec.items():
        if v is None:
            if key == "id" or key not in _PROJECT:
                return False
            continue
        t = type(v)
        if key in _NUMBER_FIELDS:
            if t is not float and t is not int:
                return False
        elif key == "id":
            if t is not str or not v.strip():
                return False
        elif key == "cost" or key == "benefits":
            if t is str:
                return False
        elif key == "category" or key == "name":
            continue
        elif key == "mandatory" or key == "excluded":
            if t is not bool:
                return False
        elif key == "requires" or key == "excludes":
            if t is not list or not all(type(i) is str for i in v):
                return False
        elif key == "scores":
            if t is not dict or not all(x is None or type(x) is float or type(x) is int for x in v.values()):
                return False
        elif key == "resources":
            if t is not dict:
                return False
            for x in v.values():
                tx = type(x)
                if x is None or tx is float or tx is int:
                    continue
                if tx is not list or not all(type(i) is float or type(i) is int for i in x):
                    return False
        else:
            return False
    return True


def _request_words(message: str, scores: set[str]) -> str:
    """A validation message about the request's table, in the request's field names: ``res_eng`` is
    ``resources.eng``, a criterion column ``t`` is ``scores.t``.

    Examples
    --------
    >>> _request_words("project 'A': field 'res_eng' is negative (-1.0)", set())
    "project 'A': field 'resources.eng' is negative (-1.0)"
    >>> _request_words("capacity of 'eng': period 0 is negative (-1)", set())
    "field 'resources.eng': period 0 is negative (-1)"
    >>> _request_words("column 't' has 1 missing value(s) (projects 'B')", {"t"})
    "field 'scores.t' has 1 missing value(s) (projects 'B')"
    """
    message = message.replace("field 'res_", "field 'resources.").replace("column 'res_", "field 'resources.")
    message = message.replace("capacity of '", "field 'resources.")  # the request's capacities
    for name in scores:
        for col in (name, f"score_{name}"):
            message = message.replace(f"column '{col}'", f"field 'scores.{name}'")
    return message


def _may_be_non_finite(spec: Mapping[str, Any]) -> bool:
    """False when the request surely has no NaN or infinite number: JSON's encoder (C code) refuses them, and
    checks 100,000 projects in a fraction of :func:`_non_finite`'s 0.5-0.7 s. True when it cannot tell (a
    value JSON cannot encode, such as a numpy number of a caller in Python): :func:`_non_finite` then looks.

    >>> _may_be_non_finite({"budget": 5.0}), _may_be_non_finite({"budget": float("nan")})
    (False, True)
    """
    import json

    try:
        json.dumps(spec, allow_nan=False)
    except (ValueError, TypeError, RecursionError):
        return True
    return False


def _non_finite(value: Any, path: str = "", project: str | None = None) -> list[str]:
    """One message per NaN or infinite number anywhere in a request, naming the project and the field.

    JSON has neither (Python's ``json`` module reads ``NaN`` and ``Infinity`` all the same); further in,
    a NaN probability read as missing became 1 and a NaN budget or capacity no limit, silently.

    Examples
    --------
    >>> for m in _non_finite({"projects": [{"id": "A", "resources": {"eng": [1, float("nan")]}}],
    ...                       "budget": {"per_period": [5, float("inf")]}}):
    ...     print(m)
    project 'A': field 'resources.eng[1]' is nan: give a finite number (leave the field out where it is optional)
    field 'budget.per_period[1]' is inf: give a finite number (leave the field out where it is optional, or null where no limit is meant)
    """
    if isinstance(value, float) and not math.isfinite(value):
        hint = "leave the field out where it is optional" + (", or null where no limit is meant"
                                                             if math.isinf(value) else "")
        who = "" if project is None else f"project '{project}': "
        return [f"{who}field '{path}' is {value}: give a finite number ({hint})"]
    out: list[str] = []
    if isinstance(value, Mapping):
        for k, v in value.items():
            out += _non_finite(v, f"{path}.{k}" if path else str(k), project)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            if path == "projects" and project is None and isinstance(v, Mapping):
                pid = v.get("id")
                out += _non_finite(v, "", pid if isinstance(pid, str) else f"projects[{i}]")
            else:
                out += _non_finite(v, f"{path}[{i}]", project)
    return out


def solver_settings(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The ``solver`` object of a request as keyword arguments of :func:`select`."""
    s = spec.get("solver") or {}
    if not isinstance(s, Mapping):
        raise ValidationError(f"field 'solver' must be an object, got {type(s).__name__}")
    extra = sorted(set(s) - {"name", "time_limit", "mip_gap", "threads", "msg"})
    if extra:
        raise ValidationError(f"field 'solver' has unknown keys {extra} (known: name, time_limit, mip_gap, threads)")
    name = s.get("name", "auto")
    if not isinstance(name, str):
        raise ValidationError(f"solver 'name' must be a string, got {name!r}")
    out: dict[str, Any] = {"solver": name}
    if s.get("time_limit") is not None:
        out["time_limit"] = s["time_limit"]
    if s.get("mip_gap") is not None:
        out["mip_gap"] = s["mip_gap"]
    if s.get("threads") is not None:
        out["threads"] = s["threads"]
    if s.get("msg"):
        out["msg"] = True
    return out


def solve_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Solve an engine request and return the response (both plain JSON-able dicts).

    Parameters
    ----------
    spec : dict
        The request, as in ``engine-spec.md``.

    Returns
    -------
    dict
        The response: status, objective, bound, gap, selected, starts, spend,
        resource_use, per-project metrics, solver facts, diagnosis, and one
        field per analysis asked for.

    Raises
    ------
    ValidationError
        On bad input (a ``ValueError``), one message per problem.

    Examples
    --------
    >>> out = solve_spec({"version": 1, "periods": 1, "budget": 6, "projects": [
    ...     {"id": "A", "cost": 4, "value": 10}, {"id": "B", "cost": 3, "value": 7},
    ...     {"id": "C", "cost": 2, "value": 5}]})
    >>> out["status"], out["objective"], out["selected"]
    ('optimal', 15.0, ['A', 'C'])
    """
    from .optimize import select

    problem = problem_from_spec(spec)
    kwargs = solver_settings(spec)
    analyses = spec.get("analyses") or {}
    if not isinstance(analyses, Mapping):
        raise ValidationError("field 'analyses' must be an object")
    from .analysis import check_analyses, run_analyses

    check_analyses(problem, analyses)
    result = select(problem, **kwargs)
    out = result.to_dict()
    out.update(run_analyses(problem, result, analyses, kwargs))
    return out
