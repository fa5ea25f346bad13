"""Loading and validating tables of candidate projects.

A candidate table is a DataFrame with one row per project, indexed by a unique
project id.  :func:`load_projects` reads CSV, Excel and JSON files (or takes a
DataFrame); :func:`validate_projects` checks a table and returns its canonical
form, collecting *every* problem into one :class:`~portfolio_opt.ValidationError`
whose messages name the project id and the field.

List-valued fields (a cost or resource profile per period, benefit cash flows,
``requires`` and ``excludes``) may be given as Python lists, or in a file as
semicolon-separated text such as ``400;250`` or ``DWH-01;CRM-02``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import PortfolioWarning, ValidationError

__all__ = ["Columns", "ProjectTable", "load_projects", "validate_projects", "projects_from_records"]


@dataclasses.dataclass(frozen=True)
class Columns:
    """Names of the columns of a candidate table; change any to match your data.

    Resource demand is read from every column whose name starts with
    ``resource_prefix`` (``res_engineers`` is the demand for ``engineers``).

    Examples
    --------
    >>> Columns(cost="capex").cost
    'capex'
    """

    id: str = "id"
    name: str = "name"
    cost: str = "cost"
    value: str = "value"
    duration: str = "duration"
    earliest_start: str = "earliest_start"
    latest_start: str = "latest_start"
    mandatory: str = "mandatory"
    excluded: str = "excluded"
    category: str = "category"
    requires: str = "requires"
    excludes: str = "excludes"
    benefits: str = "benefits"
    probability: str = "probability"
    resource_prefix: str = "res_"


@dataclasses.dataclass(frozen=True, eq=False)
class ProjectTable:
    """A validated candidate table in canonical form (read-only by convention).

    Attributes
    ----------
    frame : DataFrame
        Canonical columns ``name, category, duration, cost, value, probability,
        earliest_start, latest_start, mandatory, excluded, requires, excludes,
        benefits`` (lists as tuples) plus the caller's other columns (criteria).
    cost : ndarray, shape (n, max_duration)
        Spend per period offset from the start (zero-padded).
    resources : dict of str to ndarray (n, max_duration)
        Demand per resource per period offset.
    """

    frame: pd.DataFrame
    cost: np.ndarray
    resources: Mapping[str, np.ndarray]

    @property
    def ids(self) -> pd.Index:
        return self.frame.index

    def __len__(self) -> int:
        return len(self.frame)


# --------------------------------------------------------------------------- parsing helpers

_TRUE = {"true", "yes", "y", "1", "t", "x"}
_FALSE = {"false", "no", "n", "0", "f", "", "nan", "none"}


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    t = type(v)
    if t is str or t is int or t is bool or t is list or t is tuple:
        return False
    if t is float:
        return math.isnan(v)
    if isinstance(v, float) and math.isnan(v):
        return True
    try:
        return bool(pd.isna(v)) if np.ndim(v) == 0 else False
    except (TypeError, ValueError):
        return False


def _filled(cells: Sequence[Any]) -> list[int]:
    """Positions of the cells that are not empty (None, NaN, blank text, an empty list)."""
    if set(map(type, cells)) <= {list, tuple}:  # a column of lists: the non-empty ones
        return [k for k, v in enumerate(cells) if v]
    out = []
    for k, v in enumerate(cells):
        t = type(v)
        if t is str:
            if v.strip():
                out.append(k)
        elif t is float:
            if v == v:
                out.append(k)
        elif t is list or t is tuple:
            if v:
                out.append(k)
        elif v is not None and not _is_missing(v):
            out.append(k)
    return out


def _amounts_clean(a: np.ndarray) -> bool:
    """Whether every amount is finite, ≥ 0 and at most :data:`MAX_AMOUNT` (the cases read at once)."""
    return bool(np.isfinite(a).all() and (a >= 0).all() and (a <= MAX_AMOUNT).all())


def _flat_costs(src: Mapping[Any, pd.Series], cols: Columns, T: int) -> tuple[list[list[float]], list[int]] | None:
    """Cost profiles and durations when every cost is one finite number ≥ 0 (at most :data:`MAX_AMOUNT`)
    and every duration (if given) a whole number of 1 to ``_longest(T)`` periods, read as whole columns; None
    otherwise (the checks per cell then find and name the problems)."""
    cost = src[cols.cost]
    if not pd.api.types.is_numeric_dtype(cost) or pd.api.types.is_bool_dtype(cost):
        return None
    c = cost.to_numpy(dtype=float)
    if not _amounts_clean(c):
        return None
    if cols.duration in src:
        dur = src[cols.duration]
        if not pd.api.types.is_numeric_dtype(dur) or pd.api.types.is_bool_dtype(dur):
            return None
        d = dur.to_numpy(dtype=float)
        if not (np.isfinite(d).all() and (d >= 1).all() and (d <= _longest(T)).all() and (d == np.floor(d)).all()):
            return None
        di = d.astype(int).tolist()
    else:
        di = [1] * len(c)
    return [[ck / dk] * dk for ck, dk in zip(c.tolist(), di)], di


_PLAIN_NUMBER = frozenset({float, int, np.float64, np.int64})


def _list_costs(raw_cost: list[Any], raw_dur: list[Any] | None) -> tuple[list[list[float]], list[int]] | None:
    """Cost profiles and durations when every cost is a non-empty list (or tuple) of finite
    numbers ≥ 0 (at most :data:`MAX_AMOUNT`) and every duration (if given) equals its length, read at
    once; None otherwise (the checks per cell then find and name the problems)."""
    if not set(map(type, raw_cost)) <= {list, tuple}:
        return None
    lengths = [len(v) for v in raw_cost]
    if min(lengths, default=1) < 1:
        return None
    values = [x for v in raw_cost for x in v]
    if not set(map(type, values)) <= _PLAIN_NUMBER:  # no text, no bool, no None
        return None
    arr = np.asarray(values, dtype=float)
    if not _amounts_clean(arr):
        return None
    if raw_dur is not None and lengths != raw_dur:  # durations must be given as the profile lengths
        return None
    flat = arr.tolist()
    ends = np.cumsum(lengths).tolist()
    return [flat[e - d:e] for e, d in zip(ends, lengths)], lengths


def _clean_profiles(raw: list[Any], durations: list[int]) -> list[list[float]] | None:
    """Per-period amounts (a resource's demand) when every cell is a plain number ≥ 0 (the same in
    each period of the project) or a list of them as long as the project lasts, all finite and at most
    :data:`MAX_AMOUNT`, read at once; None otherwise (the checks per cell then find and name the problems).

    Examples
    --------
    >>> _clean_profiles([2, 1.5], [2, 1]), _clean_profiles([[1, 2], (3,)], [2, 1])
    ([[2.0, 2.0], [1.5]], [[1.0, 2.0], [3.0]])
    >>> _clean_profiles([2, None], [1, 1]), _clean_profiles([[1, 2]], [3]), _clean_profiles([-1], [1])
    (None, None, None)
    """
    if set(map(type, raw)) <= _PLAIN_NUMBER:
        arr = np.asarray(raw, dtype=float)
        if not _amounts_clean(arr):
            return None
        return [[v] * d for v, d in zip(arr.tolist(), durations)]
    lists = _list_costs(raw, durations)
    return None if lists is None else lists[0]


def _padded(profiles: list[list[float]], width: int) -> np.ndarray:
    """The profiles as rows of an array ``width`` wide, zero-padded (row k: columns 0 .. len(profiles[k]) - 1).

    Examples
    --------
    >>> _padded([[1.0], [2.0, 3.0]], 3).tolist()
    [[1.0, 0.0, 0.0], [2.0, 3.0, 0.0]]
    """
    n = len(profiles)
    out = np.zeros((n, width))
    if n:  # every profile at once
        lens = np.fromiter(map(len, profiles), dtype=np.intp, count=n)
        cols_of = np.arange(int(lens.sum())) - np.repeat(np.cumsum(lens) - lens, lens)
        out[np.repeat(np.arange(n), lens), cols_of] = np.fromiter(
            (x for p in profiles for x in p), dtype=float, count=int(lens.sum()))
    return out


def _split_text(s: str) -> list[str]:
    s = s.strip()
    if s.startswith("[") and s.endswith("]"):
        try:
            parsed = json.loads(s)
        except json.JSONDecodeError:
            s = s[1:-1]
        else:
            return [str(p) if not isinstance(p, str) else p for p in parsed]
    if not s:
        return []
    sep = ";" if ";" in s else ("|" if "|" in s else None)
    parts = s.split(sep) if sep else [s]
    return [p.strip() for p in parts]


#: a project's amounts (cost, value, benefits, resource demand) larger than this in size are refused:
#: the solvers take 1e15 as the largest matrix entry and 1e20 as infinity, so such inputs would make
#: them fail or answer nonsense (the amounts are better rescaled, e.g. to thousands)
MAX_AMOUNT = 1e15
#: the longest duration read beyond the horizon: a project longer than the horizon cannot finish in it and is
#: left out (the contract: a start from which it would run past the last period is not allowed), but its
#: profile is still built period by period, so a duration longer than both the horizon and this is refused
MAX_DURATION = 10_000


def _longest(T: int) -> int:
    """The longest duration read with a horizon of ``T`` periods (:data:`MAX_DURATION`)."""
    return max(T, MAX_DURATION)


def _too_long_msg(pid: str, field: str, d: int, T: int) -> str:
    return (f"project '{pid}': field '{field}' is {d} periods, longer than the horizon of {T}"
            + (f" and than {MAX_DURATION} periods (a project longer than the horizon is left out; one this long "
               "is refused as a likely mistake)" if T < MAX_DURATION else ""))


def _too_large(values: Sequence[float]) -> float | None:
    """The first finite value larger than :data:`MAX_AMOUNT` in size, or None."""
    return next((v for v in values if math.isfinite(v) and abs(v) > MAX_AMOUNT), None)


def _too_large_msg(pid: str, field: str, v: float) -> str:
    return (f"project '{pid}': field '{field}' is too large ({v:g}; at most {MAX_AMOUNT:g} in size: "
            "rescale the amounts, e.g. to thousands)")


def _as_number(v: Any) -> float:
    """Parse one number; raise ValueError with the offending text."""
    if isinstance(v, bool):
        raise ValueError(repr(v))
    if isinstance(v, numbers.Real):
        return float(v)
    if isinstance(v, str):
        t = v.strip().replace("_", "")
        if t == "":
            raise ValueError("an empty value")
        try:
            return float(t)
        except ValueError:
            raise ValueError(repr(v)) from None
    raise ValueError(repr(v))


def _as_number_list(v: Any) -> list[float] | float:
    """A number, or a list of numbers (from a list or semicolon text)."""
    if isinstance(v, str):
        parts = _split_text(v)
        if len(parts) == 1:
            return _as_number(parts[0])
        return [_as_number(p) for p in parts]
    if isinstance(v, (list, tuple, np.ndarray, pd.Series)):
        return [_as_number(p) for p in list(v)]
    return _as_number(v)


def _as_id_list(v: Any) -> list[str]:
    if _is_missing(v):
        return []
    if isinstance(v, str):
        return [p for p in _split_text(v) if p]
    if isinstance(v, (list, tuple, set, np.ndarray, pd.Series)):
        return [str(p).strip() for p in v if not _is_missing(p) and str(p).strip()]
    return [str(v)]


def _as_bool(v: Any) -> bool:
    if _is_missing(v):
        return False
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, numbers.Real):
        if v in (0, 1):
            return bool(v)
        raise ValueError(repr(v))
    if isinstance(v, str) and v.strip().lower() in _TRUE:
        return True
    if isinstance(v, str) and v.strip().lower() in _FALSE:
        return False
    raise ValueError(repr(v))


def _fmt_ids(ids: Sequence[Any], limit: int = 8) -> str:
    shown = ", ".join(f"'{i}'" for i in list(ids)[:limit])
    more = len(ids) - limit
    return shown + (f" and {more} more" if more > 0 else "")


# --------------------------------------------------------------------------- loading


def load_projects(
    source: str | Path | pd.DataFrame | Sequence[Mapping[str, Any]],
    *,
    columns: Columns | None = None,
    sheet_name: str | int = 0,
) -> pd.DataFrame:
    """Read a candidate table from CSV, Excel or JSON (or take a DataFrame or records).

    The result is indexed by project id (the ``id`` column).  It is *not* yet
    validated: pass it to :func:`portfolio_opt.Problem` (or
    :func:`validate_projects`) which checks it.

    Parameters
    ----------
    source : path, DataFrame or list of dicts
        ``.csv``, ``.xlsx``/``.xls``, or ``.json`` (a list of project objects
        as in the engine contract, or an object with a ``projects`` list).
    columns : Columns, optional
        Column names, when they differ from the defaults.
    sheet_name : str or int
        The Excel sheet to read.

    Returns
    -------
    DataFrame
        A new frame indexed by project id.

    Examples
    --------
    >>> import io
    >>> df = load_projects(pd.read_csv(io.StringIO("id,cost,value\\nA,10,20\\nB,5;5,12")))
    >>> list(df.index), df.loc["B", "cost"]
    (['A', 'B'], '5;5')
    """
    cols = columns or Columns()
    if isinstance(source, pd.DataFrame):
        df = source.copy()
    elif isinstance(source, (list, tuple)):
        df = projects_from_records(source, columns=cols)
    else:
        path = Path(source)
        if not path.exists():
            raise ValidationError(f"file '{path}' does not exist")
        suffix = path.suffix.lower()
        try:
            if suffix in (".csv", ".txt"):
                df = pd.read_csv(path, dtype={cols.id: str}, keep_default_na=True)
            elif suffix in (".xlsx", ".xlsm", ".xls"):
                df = pd.read_excel(path, sheet_name=sheet_name, dtype={cols.id: str})
            elif suffix == ".json":
                data = json.loads(path.read_text(encoding="utf-8"))
                records = data.get("projects") if isinstance(data, dict) else data
                if not isinstance(records, list):
                    raise ValidationError(f"file '{path}': expected a list of projects or an object with 'projects'")
                df = projects_from_records(records, columns=cols)
            else:
                raise ValidationError(f"file '{path}': unknown format '{suffix}' (use .csv, .xlsx or .json)")
        except ValidationError:
            raise
        except ImportError as exc:  # openpyxl missing
            raise ValidationError(f"file '{path}': cannot read it ({exc})") from None
        except (ValueError, OSError, json.JSONDecodeError) as exc:
            raise ValidationError(f"file '{path}': cannot read it ({exc})") from None
    if df.index.name != cols.id and cols.id in df.columns:
        df = df.set_index(cols.id)
    df.index = df.index.map(lambda v: v if _is_missing(v) else str(v).strip())
    df.index.name = cols.id
    return df


def projects_from_records(records: Sequence[Mapping[str, Any]], *, columns: Columns | None = None) -> pd.DataFrame:
    """Turn engine-style project objects into a candidate table.

    ``resources`` (an object) becomes one ``res_<name>`` column per resource and
    ``scores`` one column per criterion.

    Examples
    --------
    >>> df = projects_from_records([{"id": "A", "cost": [1, 2], "resources": {"eng": 2},
    ...                              "scores": {"fit": 4}}])
    >>> sorted(df.columns)
    ['cost', 'fit', 'res_eng']
    """
    cols = columns or Columns()
    rows = []
    problems = []
    for k, rec in enumerate(records):
        if not isinstance(rec, Mapping):
            problems.append(f"project #{k + 1}: expected an object, got {type(rec).__name__}")
            continue
        if type(rec) is dict and "resources" not in rec and "scores" not in rec:
            rows.append(rec)  # as it is: from_records copies the values
            continue
        row: dict[str, Any] = {}
        for key, val in rec.items():
            if key == "resources" and isinstance(val, Mapping):
                for r, dem in val.items():
                    row[cols.resource_prefix + str(r)] = dem
            elif key == "scores" and isinstance(val, Mapping):
                for c, s in val.items():
                    row[str(c)] = s
            elif key in ("resources", "scores"):
                pid = rec.get("id", f"#{k + 1}")
                problems.append(f"project '{pid}': field '{key}' must be an object, got {type(val).__name__}")
            else:
                row[key] = val
        rows.append(row)
    if problems:
        raise ValidationError(problems)
    df = pd.DataFrame.from_records(rows)
    if cols.id in df.columns:
        df = df.set_index(cols.id)
    return df


# --------------------------------------------------------------------------- validation


def validate_projects(
    df: pd.DataFrame,
    *,
    periods: int,
    columns: Columns | None = None,
    criteria: Sequence[str] = (),
    require_value: bool = False,
) -> ProjectTable:
    """Check a candidate table and return its canonical form.

    Every problem found is reported at once, one message each, naming the
    project id and the field.  The input is never modified.

    Parameters
    ----------
    df : DataFrame
        Candidates, indexed by project id or with an ``id`` column.
    periods : int
        Number of periods T of the planning horizon (starts must let a project
        finish by period T - 1).
    columns : Columns, optional
        Column names.
    criteria : sequence of str
        Criterion columns that must be present and numeric.
    require_value : bool
        Whether the ``value`` column must exist (objective "value").

    Returns
    -------
    ProjectTable

    Raises
    ------
    ValidationError
        With one message per problem.

    Examples
    --------
    >>> df = pd.DataFrame({"id": ["A", "B"], "cost": [10, "4;4"], "value": [5, 9]})
    >>> t = validate_projects(df, periods=3)
    >>> t.frame.loc["B", "cost"], int(t.frame.loc["B", "duration"])
    ((4.0, 4.0), 2)
    >>> validate_projects(pd.DataFrame({"id": ["A"], "cost": [-1]}), periods=1)
    Traceback (most recent call last):
    ...
    portfolio_opt.errors.ValidationError: 1 problem in the input:
      - project 'A': field 'cost' is negative (-1.0)
    """
    cols = columns or Columns()
    if not isinstance(df, pd.DataFrame):
        raise ValidationError(f"projects must be a pandas DataFrame, got {type(df).__name__}")
    if not isinstance(periods, (int, np.integer)) or isinstance(periods, bool) or periods < 1:
        raise ValidationError(f"'periods' must be a positive integer, got {periods!r}")
    T = int(periods)
    problems: list[str] = []
    dup_cols = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
    if dup_cols:
        raise ValidationError(f"the table has several columns named {', '.join(map(repr, dup_cols))}")
    # the columns, each read once (a DataFrame lookup costs ~25 us: most of a small table's validation)
    src = dict(df.items())
    id_source = src.pop(cols.id) if df.index.name != cols.id and cols.id in src else df.index

    if len(df) == 0:
        raise ValidationError("the table of projects is empty")
    if cols.cost not in src:
        problems.append(
            f"missing required column '{cols.cost}' (columns present: {', '.join(map(str, src))})"
        )
    if require_value and cols.value not in src:
        problems.append(f"missing required column '{cols.value}' (needed for the objective 'value')")
    for c in criteria:
        if c not in src:
            problems.append(f"missing criterion column '{c}' (columns present: {', '.join(map(str, src))})")
    if problems:
        raise ValidationError(problems)

    # ids
    ids: list[str] = []
    for k, raw in enumerate(id_source.to_numpy(dtype=object).tolist()):
        if type(raw) is str and raw and raw.strip() == raw:  # the common case: clean text
            ids.append(raw)
        elif _is_missing(raw) or str(raw).strip() == "":
            problems.append(f"row {k + 1}: field '{cols.id}' is missing (every project needs a unique id)")
            ids.append(f"<row {k + 1}>")
        else:
            ids.append(str(raw).strip())
    seen: dict[str, int] = {}
    for i in ids:
        seen[i] = seen.get(i, 0) + 1
    dups = [i for i, c in seen.items() if c > 1]
    if dups:
        problems.append(f"field '{cols.id}': duplicate project ids {_fmt_ids(dups)}")
    id_set = set(ids)

    def col(name: str) -> list[Any] | None:
        return src[name].to_numpy(dtype=object).tolist() if name in src else None

    n = len(ids)
    raw_cost = col(cols.cost)
    raw_dur = col(cols.duration)

    # durations first: from the column, or the length of the cost list
    costs: list[list[float]] = []
    durations: list[int] = []
    flat = _flat_costs(src, cols, T)
    if flat is None and raw_cost is not None:
        flat = _list_costs(raw_cost, raw_dur)
    if flat is not None:  # the common cases (one number or one clean list per project): no loop of checks
        costs, durations = flat
    for k in range(n if flat is None else 0):
        pid = ids[k]
        try:
            c = _as_number_list(raw_cost[k]) if not _is_missing(raw_cost[k]) else None  # type: ignore[index]
        except ValueError as exc:
            problems.append(f"project '{pid}': field '{cols.cost}' has a non-numeric value {exc}")
            c = None
        else:
            if c is None:
                problems.append(f"project '{pid}': field '{cols.cost}' is missing")
        dur: int | None = None
        if raw_dur is not None and not _is_missing(raw_dur[k]):
            try:
                dv = _as_number(raw_dur[k])
                if not float(dv).is_integer() or dv < 1:
                    raise ValueError(repr(raw_dur[k]))
                dur = int(dv)
            except ValueError:
                problems.append(
                    f"project '{pid}': field '{cols.duration}' must be a whole number of periods ≥ 1, got {raw_dur[k]!r}"
                )
            if dur is not None and dur > _longest(T):  # said here, before a profile of that length is built
                problems.append(_too_long_msg(pid, cols.duration, dur, T))
                dur = None
        if isinstance(c, list):
            if dur is not None and len(c) != dur:
                problems.append(
                    f"project '{pid}': field '{cols.cost}' has a profile of {len(c)} periods but "
                    f"'{cols.duration}' is {dur}"
                )
            dur = len(c) if dur is None else dur
            prof = c if len(c) == dur else (c + [0.0] * dur)[:dur]
        elif c is not None:
            dur = 1 if dur is None else dur
            prof = [c / dur] * dur
        else:
            dur = dur or 1
            prof = [0.0] * dur
        if len(prof) == 0:
            problems.append(f"project '{pid}': field '{cols.cost}' is an empty list")
            dur, prof = 1, [0.0]
        bad = [v for v in prof if not math.isfinite(v)]
        if bad:
            problems.append(f"project '{pid}': field '{cols.cost}' is not finite ({bad[0]})")
            prof = [v if math.isfinite(v) else 0.0 for v in prof]
        big = _too_large(prof)
        if big is not None:
            problems.append(_too_large_msg(pid, cols.cost, big))
            prof = [0.0] * len(prof)
        neg = [v for v in prof if v < 0]
        if neg:
            total = sum(prof) if isinstance(c, list) else c
            problems.append(f"project '{pid}': field '{cols.cost}' is negative ({neg[0] if isinstance(c, list) else total})")
        costs.append(prof)
        durations.append(dur)

    def numbers_col(name: str, default: float, lo: float | None = None, hi: float | None = None) -> list[float]:
        if name in src and pd.api.types.is_numeric_dtype(src[name]) and not pd.api.types.is_bool_dtype(src[name]):
            arr = src[name].to_numpy(dtype=float, na_value=np.nan)
            missing = np.isnan(arr)  # empty cells (a column some projects leave out): the default
            ok = np.isfinite(arr) & (np.abs(arr) <= MAX_AMOUNT)
            if lo is not None:
                ok &= arr >= lo
            if hi is not None:
                ok &= arr <= hi
            if (ok | missing).all() and not (name == cols.value and require_value and missing.any()):
                # the common case, without a Python loop per value
                return np.where(missing, default, arr).tolist() if missing.any() else arr.tolist()
        raw = col(name)
        out = []
        for k in range(n):
            pid = ids[k]
            if raw is None:
                out.append(default)
                continue
            v = raw[k]
            if _is_missing(v):
                if name == cols.value and require_value:
                    problems.append(f"project '{pid}': field '{name}' is missing")
                out.append(default)
                continue
            try:
                x = _as_number(v)
            except ValueError:
                problems.append(f"project '{pid}': field '{name}' has a non-numeric value {v!r}")
                out.append(default)
                continue
            if not math.isfinite(x):
                problems.append(f"project '{pid}': field '{name}' is not finite ({x})")
                out.append(default)
                continue
            if abs(x) > MAX_AMOUNT:
                problems.append(_too_large_msg(pid, name, x))
                out.append(default)
                continue
            if (lo is not None and x < lo) or (hi is not None and x > hi):
                problems.append(f"project '{pid}': field '{name}' is {x:g}, outside [{lo:g}, {hi:g}]")
                out.append(default)
                continue
            out.append(x)
        return out

    values = numbers_col(cols.value, 0.0)
    probs = numbers_col(cols.probability, 1.0, 0.0, 1.0)

    def int_col(name: str) -> list[int | None]:
        if name not in src:
            return [None] * n
        kind = src[name].dtype.kind if isinstance(src[name].dtype, np.dtype) else ""
        if kind in ("i", "u"):
            return src[name].to_numpy().tolist()  # Python ints (a nullable Int64 goes cell by cell)
        if kind == "f":  # whole numbers, some missing
            arr = src[name].to_numpy()
            missing = np.isnan(arr)
            whole = arr[~missing]
            if np.all(np.isfinite(whole) & (whole == np.round(whole))):
                return [None if m else int(v) for v, m in zip(arr.tolist(), missing.tolist())]
        raw = col(name)
        out: list[int | None] = []
        for k in range(n):
            v = None if raw is None else raw[k]
            if _is_missing(v):
                out.append(None)
                continue
            try:
                x = _as_number(v)
                if not x.is_integer():
                    raise ValueError
                out.append(int(x))
            except ValueError:
                problems.append(f"project '{ids[k]}': field '{name}' must be a whole period number, got {v!r}")
                out.append(None)
        return out

    es_raw = int_col(cols.earliest_start)
    ls_raw = int_col(cols.latest_start)
    es: list[int] = []
    ls: list[int] = []
    for k in range(n):
        pid = ids[k]
        e = es_raw[k] if es_raw[k] is not None else 0
        lt = ls_raw[k] if ls_raw[k] is not None else e
        d = durations[k]
        last = T - d  # latest start that lets the project finish
        if e < 0:
            problems.append(f"project '{pid}': field '{cols.earliest_start}' is negative ({e})")
        elif lt < e:
            problems.append(
                f"project '{pid}': field '{cols.latest_start}' ({lt}) is before '{cols.earliest_start}' ({e})"
            )
        elif d > _longest(T):  # a cost list that long
            problems.append(_too_long_msg(pid, cols.duration, d, T))
        # a start past ``last`` is not allowed (the contract): the window is cut there, and a window wholly past
        # it (or a project longer than the horizon) keeps its first start, which the compiler closes (the project
        # is never selected; mandatory, it is infeasible and the diagnosis says why)
        if lt > last:
            lt = last
        es.append(e)
        ls.append(lt if lt > e else e)

    def bool_col(name: str) -> list[bool]:
        raw = col(name)
        if raw is None:
            return [False] * n
        if pd.api.types.is_bool_dtype(src[name]):
            return [bool(v) for v in raw]
        out = []
        for k in range(n):
            try:
                out.append(_as_bool(None if raw is None else raw[k]))
            except ValueError:
                problems.append(f"project '{ids[k]}': field '{name}' must be true or false, got {raw[k]!r}")  # type: ignore[index]
                out.append(False)
        return out

    mand = bool_col(cols.mandatory)
    excl = bool_col(cols.excluded)
    # mandatory and excluded at once is a contradiction of the request: infeasible, with a diagnosis

    def ids_col(name: str) -> list[tuple[str, ...]]:
        raw = col(name)
        if raw is None:
            return [()] * n
        out: list[tuple[str, ...]] = [()] * n
        for k in _filled(raw):  # most cells are empty: only the others are parsed
            lst = _as_id_list(raw[k])
            unknown = [j for j in lst if j not in id_set]
            if unknown:
                problems.append(f"project '{ids[k]}': field '{name}' names unknown project ids {_fmt_ids(unknown)}")
            if ids[k] in lst:
                problems.append(f"project '{ids[k]}': field '{name}' names the project itself")
            out[k] = tuple(dict.fromkeys(j for j in lst if j in id_set and j != ids[k]))
        return out

    reqs = ids_col(cols.requires)
    excs = ids_col(cols.excludes)
    for k in range(n):
        both = set(reqs[k]) & set(excs[k]) if reqs[k] and excs[k] else None
        if both:  # read as written (y_k <= y_j and y_k + y_j <= 1: k is never selected), as B excluding A is
            warnings.warn(f"project '{ids[k]}': requires and excludes the same project(s) "
                          f"{_fmt_ids(sorted(both))}, so it can never be selected", PortfolioWarning, stacklevel=3)

    # benefits (optional cash-flow list)
    raw_ben = col(cols.benefits)
    bens: list[tuple[float, ...]] = [()] * n
    for k in [] if raw_ben is None else _filled(raw_ben):
        v = raw_ben[k]  # type: ignore[index]
        try:
            b = _as_number_list(v)
        except ValueError as exc:
            problems.append(f"project '{ids[k]}': field '{cols.benefits}' has a non-numeric value {exc}")
            continue
        b = b if isinstance(b, list) else [b]
        if not all(math.isfinite(x) for x in b):
            problems.append(f"project '{ids[k]}': field '{cols.benefits}' is not finite")
            b = [0.0]
        elif (big := _too_large(b)) is not None:
            problems.append(_too_large_msg(ids[k], cols.benefits, big))
            b = [0.0]
        bens[k] = tuple(b)

    # resources
    res_cols = [c for c in src if isinstance(c, str) and c.startswith(cols.resource_prefix)]
    maxdur = max(durations) if durations else 1
    resources: dict[str, np.ndarray] = {}
    res_tuples: dict[str, list[tuple[float, ...]]] = {}
    for rc in res_cols:
        rname = rc[len(cols.resource_prefix) :]
        if not rname:
            problems.append(f"column '{rc}': resource name is empty after the prefix '{cols.resource_prefix}'")
            continue
        raw_res = src[rc].tolist()
        clean = _clean_profiles(raw_res, durations)
        if clean is not None:  # the common cases: no loop of checks
            resources[rname] = _padded(clean, maxdur)
            res_tuples[rname] = [tuple(prof) for prof in clean]
            continue
        arr = np.zeros((n, maxdur))
        tuples = []
        for k, v in enumerate(raw_res):
            d = durations[k]
            if _is_missing(v):
                tuples.append((0.0,) * d)
                continue
            try:
                r = _as_number_list(v)
            except ValueError as exc:
                problems.append(f"project '{ids[k]}': field '{rc}' has a non-numeric value {exc}")
                tuples.append((0.0,) * d)
                continue
            prof = r if isinstance(r, list) else [r] * d
            if len(prof) != d:
                problems.append(
                    f"project '{ids[k]}': field '{rc}' has a profile of {len(prof)} periods but the project lasts {d}"
                )
                prof = (prof + [0.0] * d)[:d]
            if not all(math.isfinite(x) for x in prof):
                problems.append(f"project '{ids[k]}': field '{rc}' is not finite")
                prof = [0.0] * d
            elif (big := _too_large(prof)) is not None:
                problems.append(_too_large_msg(ids[k], rc, big))
                prof = [0.0] * d
            elif any(x < 0 for x in prof):
                problems.append(f"project '{ids[k]}': field '{rc}' is negative ({min(prof)})")
            arr[k, :d] = prof
            tuples.append(tuple(prof))
        resources[rname] = arr
        res_tuples[rname] = tuples

    # criteria
    for c in criteria:
        if c not in src:
            continue
        bad_missing, bad_text, bad_inf, bad_big = [], [], [], []
        for k, v in enumerate(src[c].tolist()):
            if _is_missing(v):
                bad_missing.append(ids[k])
                continue
            try:
                x = _as_number(v)
            except ValueError:
                bad_text.append(ids[k])
                continue
            if not math.isfinite(x):
                bad_inf.append(ids[k])
            elif abs(x) > MAX_AMOUNT:
                bad_big.append(ids[k])
        if bad_big:
            problems.append(f"column '{c}' has values larger than {MAX_AMOUNT:g} in size (projects {_fmt_ids(bad_big)})")
        if bad_missing:
            problems.append(f"column '{c}' has {len(bad_missing)} missing value(s) (projects {_fmt_ids(bad_missing)})")
        if bad_text:
            problems.append(f"column '{c}' has non-numeric values (projects {_fmt_ids(bad_text)})")
        if bad_inf:
            problems.append(f"column '{c}' has infinite values (projects {_fmt_ids(bad_inf)})")

    if problems:
        raise ValidationError(problems)

    # mandatory ones that exclude each other / require an excluded project: these are
    # contradictions of the request, reported by the diagnosis, not by validation.

    names_raw = col(cols.name)
    cats_raw = col(cols.category)
    frame = pd.DataFrame(
        {
            "name": list(ids) if names_raw is None else
                    [v if type(v) is str else i if _is_missing(v) else str(v) for i, v in zip(ids, names_raw)],
            "category": [None] * n if cats_raw is None else
                        [v if type(v) is str else None if _is_missing(v) else str(v) for v in cats_raw],
            "duration": durations,
            "cost": [tuple(p) for p in costs],  # floats already
            "total_cost": [float(sum(p)) for p in costs],
            "value": values,
            "probability": probs,
            "earliest_start": es,
            "latest_start": ls,
            "mandatory": mand,
            "excluded": excl,
            "requires": reqs,
            "excludes": excs,
            "benefits": bens,
            **{"res_" + rname: tuples for rname, tuples in res_tuples.items()},  # one column each, at once
        },
        index=pd.Index(ids, name="id"),
    )
    canon = {
        cols.name, cols.category, cols.duration, cols.cost, cols.value, cols.probability,
        cols.earliest_start, cols.latest_start, cols.mandatory, cols.excluded, cols.requires,
        cols.excludes, cols.benefits, *res_cols,
    }
    for c in src:
        if c not in canon and c not in frame.columns:
            frame[c] = list(src[c])
    for c in criteria:
        frame[c] = [float(_as_number(v)) for v in src[c].tolist()]
    cost = _padded(costs, maxdur)
    cost.setflags(write=False)
    for a in resources.values():
        a.setflags(write=False)
    return ProjectTable(frame=frame, cost=cost, resources=resources)
