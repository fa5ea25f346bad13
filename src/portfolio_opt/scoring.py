"""Strategic-alignment scoring: criteria, weights (direct, AHP, rank order), normalisation, scores.

A :class:`ScoringModel` is an immutable value: a tuple of :class:`Criterion`
(name, weight, direction, source column) and a normalisation method.  Its
:meth:`ScoringModel.score` turns a table of projects (one row per project id,
one column of raw scores per criterion) into a new table of normalised
criterion values and a weighted ``score``.

Weights come directly from the criteria, from an AHP pairwise-comparison
matrix (:func:`ahp_weights`, Saaty's principal-eigenvector method with his
consistency ratio) or from a ranking (:func:`rank_order_centroid`, Barron and
Barrett's rank-order-centroid weights).

The numeric work is done by pure kernels on numpy arrays (:func:`normalize`,
:func:`weighted_sum`); the public wrappers validate their input once.
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConsistencyWarning, ValidationError
from .finance import ordered_dot

__all__ = [
    "Criterion",
    "ScoringModel",
    "AHPResult",
    "normalize",
    "weighted_sum",
    "ahp_weights",
    "rank_order_centroid",
    "roc_weights",
    "score_projects",
    "RANDOM_INDEX",
    "NORMALIZE_METHODS",
    "DIRECTIONS",
]

#: Saaty's random consistency index RI(n): the mean consistency index of random
#: reciprocal matrices of order n on the 1-9 scale.
RANDOM_INDEX: Mapping[int, float] = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
}

#: Saaty's threshold: a consistency ratio above this asks for revised judgements.
CONSISTENCY_THRESHOLD = 0.1

#: Relative tolerance of the reciprocal check a_ji * a_ij == 1.
RECIPROCAL_RTOL = 1e-6

NORMALIZE_METHODS: tuple[str, ...] = ("minmax", "max", "none")
DIRECTIONS: tuple[str, ...] = ("max", "min")

# The output column holding the weighted score; no criterion may take its name.
SCORE_COLUMN = "score"

_MAX_LISTED = 10


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def _quoted(items: Iterable[Any]) -> str:
    items = list(items)
    shown = ", ".join(f"'{x}'" for x in items[:_MAX_LISTED])
    if len(items) > _MAX_LISTED:
        shown += f" and {len(items) - _MAX_LISTED} more"
    return shown


# --------------------------------------------------------------------------
# Criterion
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Criterion:
    """One scoring criterion.

    Parameters
    ----------
    name : str
        Name of the criterion; also the name of its column in the scored table.
    weight : float, default 1.0
        Non-negative weight; the model normalises the weights to sum to 1.
    direction : {"max", "min"}, default "max"
        ``"max"`` if more is better (alignment), ``"min"`` if less is better (risk).
    column : str, optional
        The column of the project table holding the raw scores; defaults to
        ``name`` (and is stored as such, so ``Criterion("a")`` equals
        ``Criterion("a", column="a")``).

    Raises
    ------
    ValidationError
        On an empty name, a negative, non-finite or non-numeric weight, an
        unknown direction or an empty column name.

    Examples
    --------
    >>> Criterion("risk", weight=2, direction="min")
    Criterion(name='risk', weight=2.0, direction='min', column='risk')
    """

    name: str
    weight: float = 1.0
    direction: str = "max"
    column: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValidationError(
                [f"criterion {self.name!r}: field 'name' must be a non-empty string"]
            )
        where = f"criterion '{self.name}'"
        problems = []
        w = self.weight
        if isinstance(w, np.generic):
            w = w.item()
        if not _is_number(w) or not math.isfinite(w):
            problems.append(f"{where}: field 'weight' must be a finite number, got {w!r}")
        elif w < 0:
            problems.append(f"{where}: field 'weight' must not be negative, got {w!r}")
        else:
            object.__setattr__(self, "weight", float(w))
        if self.direction not in DIRECTIONS:
            problems.append(
                f"{where}: field 'direction' must be 'max' or 'min', got {self.direction!r}"
            )
        if self.column is None:
            object.__setattr__(self, "column", self.name)
        elif not isinstance(self.column, str) or not self.column:
            problems.append(
                f"{where}: field 'column' must be a non-empty string, got {self.column!r}"
            )
        if problems:
            raise ValidationError(problems)


# --------------------------------------------------------------------------
# numeric kernels
# --------------------------------------------------------------------------


def normalize(
    matrix: Any,
    directions: Sequence[str],
    method: str,
    names: Sequence[str] | None = None,
) -> np.ndarray:
    """Normalise a decision matrix (alternatives x criteria) column by column.

    Parameters
    ----------
    matrix : array-like, shape (n_alternatives, n_criteria)
        Finite numbers.
    directions : sequence of {"max", "min"}
        One per column.
    method : {"minmax", "max", "none"}
    names : sequence of str, optional
        Criterion names, used only in error messages.

    Returns
    -------
    numpy.ndarray
        A new float array of the same shape; ``matrix`` is not modified.

    Notes
    -----
    The methods:

    ``"minmax"``
        ``(x - min) / (max - min)`` for a ``"max"`` criterion and
        ``(max - x) / (max - min)`` for a ``"min"`` criterion, so the best
        candidate gets 1 and the worst 0.  A criterion on which all candidates
        are equal does not discriminate and contributes a column of zeros.
    ``"max"``
        Linear (ratio) normalisation: ``x / max`` for a ``"max"`` criterion
        (a column of zeros when ``max == 0``) and ``min / x`` for a ``"min"``
        criterion, the usual benefit/cost linear normalisation in which the
        best candidate gets 1.  Ratios only make sense on a ratio scale, so a
        ``"max"`` criterion must be non-negative and a ``"min"`` criterion
        positive (a negative maximum would reverse the ranking, and ``min / x``
        is undefined at 0); anything else raises :class:`ValidationError`.
    ``"none"``
        The raw numbers; a ``"min"`` criterion counts negatively (``-x``).

    Examples
    --------
    >>> normalize([[1, 10], [3, 20], [5, 30]], ["max", "min"], "minmax")
    array([[0. , 1. ],
           [0.5, 0.5],
           [1. , 0. ]])
    >>> normalize([[2, 4], [4, 2]], ["max", "min"], "max")
    array([[0.5, 0.5],
           [1. , 1. ]])
    >>> normalize([[7, 7], [7, 9]], ["max", "min"], "minmax")
    array([[0., 1.],
           [0., 0.]])
    """
    m = np.array(matrix, dtype=float)  # a copy: the caller's array is never touched
    if m.ndim != 2:
        raise ValidationError(
            [f"the decision matrix must be 2-D (projects x criteria), got {m.ndim}-D"]
        )
    dirs = list(directions)
    n_crit = m.shape[1]
    labels = list(names) if names is not None else [f"#{j}" for j in range(n_crit)]
    problems = []
    if len(dirs) != n_crit or len(labels) != n_crit:
        raise ValidationError(
            [
                f"the decision matrix has {n_crit} criteria but {len(dirs)} directions "
                f"and {len(labels)} names were given"
            ]
        )
    for j, d in enumerate(dirs):
        if d not in DIRECTIONS:
            problems.append(
                f"criterion '{labels[j]}': field 'direction' must be 'max' or 'min', got {d!r}"
            )
    if method not in NORMALIZE_METHODS:
        problems.append(
            f"field 'normalize' must be one of {', '.join(map(repr, NORMALIZE_METHODS))}, "
            f"got {method!r}"
        )
    bad = ~np.isfinite(m).all(axis=0)
    for j in np.nonzero(bad)[0]:
        problems.append(f"criterion '{labels[j]}' has missing or non-finite values")
    if problems:
        raise ValidationError(problems)

    is_max = np.array([d == "max" for d in dirs], dtype=bool)
    if m.shape[0] == 0:
        return m
    if method == "none":
        return np.where(is_max, m, -m)
    if method == "minmax":
        lo = m.min(axis=0)
        hi = m.max(axis=0)
        rng = hi - lo
        flat = rng == 0
        safe = np.where(flat, 1.0, rng)
        out = np.where(is_max, (m - lo) / safe, (hi - m) / safe)
        out[:, flat] = 0.0
        return out
    # method == "max"
    for j in range(n_crit):
        col = m[:, j]
        if is_max[j] and (col < 0).any():
            problems.append(
                f"criterion '{labels[j]}': normalisation 'max' needs non-negative values "
                f"for a 'max' criterion, got {col.min():g}; use 'minmax'"
            )
        if not is_max[j] and (col <= 0).any():
            problems.append(
                f"criterion '{labels[j]}': normalisation 'max' (min / x) needs positive "
                f"values for a 'min' criterion, got {col.min():g}; use 'minmax'"
            )
    if problems:
        raise ValidationError(problems)
    hi = m.max(axis=0)
    lo = m.min(axis=0)
    up = np.divide(m, hi, out=np.zeros_like(m), where=hi > 0)
    down = np.divide(lo, m, out=np.zeros_like(m), where=~is_max)
    return np.where(is_max, up, down)


def weighted_sum(matrix: Any, weights: Any) -> np.ndarray:
    """Weighted sum of each row: ``matrix @ weights``, criterion by criterion.

    The caller normalises ``weights`` (to sum to 1) beforehand.  Not a matrix
    product: BLAS picks its kernel by the processor, and a score that changes
    in its last digit with the machine can change which of two tied projects
    is chosen (``finance.ordered_dot``).

    Parameters
    ----------
    matrix : array-like, shape (n_alternatives, n_criteria)
    weights : array-like, shape (n_criteria,)

    Returns
    -------
    numpy.ndarray, shape (n_alternatives,)

    Examples
    --------
    >>> weighted_sum([[1.0, 0.0], [0.5, 0.5]], [0.75, 0.25])
    array([0.75, 0.5 ])
    """
    m = np.asarray(matrix, dtype=float)
    w = np.asarray(weights, dtype=float)
    if m.ndim != 2 or w.ndim != 1 or m.shape[1] != w.shape[0]:
        raise ValidationError(
            [f"weighted_sum needs a (n, k) matrix and k weights, got shapes {m.shape} and {w.shape}"]
        )
    return ordered_dot(m, w)


# --------------------------------------------------------------------------
# AHP
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class AHPResult:
    """Weights derived from an AHP pairwise-comparison matrix.

    Attributes
    ----------
    weights : pandas.Series or numpy.ndarray
        The normalised principal eigenvector (sums to 1); a Series indexed by
        the names when names were given.
    lambda_max : float
        The principal eigenvalue (``>= n``; ``== n`` exactly when consistent).
    consistency_index : float
        ``(lambda_max - n) / (n - 1)`` (0 for n = 1).
    consistency_ratio : float
        ``consistency_index / RI(n)`` with Saaty's random index; 0 for n <= 2.

    Examples
    --------
    >>> r = ahp_weights([[1, 3], [1 / 3, 1]], names=["alignment", "risk"])
    >>> r.weights
    alignment    0.75
    risk         0.25
    Name: weight, dtype: float64
    >>> r.is_consistent
    True
    """

    weights: pd.Series | np.ndarray
    lambda_max: float
    consistency_index: float
    consistency_ratio: float

    @property
    def is_consistent(self) -> bool:
        """True when the consistency ratio is at most Saaty's threshold 0.1."""
        return self.consistency_ratio <= CONSISTENCY_THRESHOLD


def _parse_judgement(x: Any) -> float | None:
    """A pairwise judgement as a float: a number, or a string such as ``"1/3"``."""
    if isinstance(x, np.generic):
        x = x.item()
    if _is_number(x):
        return float(x)
    if isinstance(x, str):
        try:
            return float(Fraction(x.strip()))
        except (ValueError, ZeroDivisionError):
            return None
    return None


def _principal_eigen(a: np.ndarray) -> tuple[np.ndarray, float]:
    """Principal (Perron) eigenvalue and its positive eigenvector, normalised to sum 1."""
    values, vectors = np.linalg.eig(a)
    # A positive matrix has a simple real eigenvalue of largest modulus (Perron);
    # rounding can leave a tiny imaginary part, so compare real parts.
    k = int(np.argmax(values.real))
    v = vectors[:, k].real
    v = v * np.sign(v.sum())
    v = np.abs(v)  # entries are all of one sign; abs removes -0.0 and rounding noise
    return v / v.sum(), float(values[k].real)


def ahp_weights(matrix: Any, names: Sequence[str] | None = None) -> AHPResult:
    """Weights from an AHP pairwise-comparison matrix (Saaty's eigenvector method).

    ``matrix[i][j]`` says how many times criterion i is more important than
    criterion j (Saaty's 1-9 scale).  The weights are the principal right
    eigenvector, normalised to sum to 1; the consistency ratio is
    ``CI / RI(n)`` with ``CI = (lambda_max - n) / (n - 1)`` and Saaty's random
    index RI.  A ratio above 0.1 issues a :class:`ConsistencyWarning`.

    Parameters
    ----------
    matrix : array-like or pandas.DataFrame, shape (n, n)
        Positive entries, ones on the diagonal and ``a[j][i] == 1 / a[i][j]``
        (within a relative 1e-6).  Entries may be numbers or strings such as
        ``"1/3"`` (handy in JSON, which has no exact 1/3).  A DataFrame whose
        index equals its columns supplies the names.
    names : sequence of str, optional
        Names of the n compared items (1 <= n <= 10: Saaty's random-index
        table stops at 10).

    Returns
    -------
    AHPResult

    Raises
    ------
    ValidationError
        If the matrix is not square, has a non-positive or non-numeric entry,
        a diagonal entry other than 1, or a non-reciprocal pair (each named
        by its row and column), or more than 10 rows.

    Warns
    -----
    ConsistencyWarning
        If the consistency ratio exceeds 0.1.

    Examples
    --------
    A perfectly consistent matrix (``a_ij = w_i / w_j``) gives back ``w``:

    >>> r = ahp_weights([[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]])
    >>> r.weights.round(6)
    array([0.571429, 0.285714, 0.142857])
    >>> round(r.lambda_max, 9), round(r.consistency_ratio, 9)
    (3.0, 0.0)
    """
    if isinstance(matrix, pd.DataFrame):
        if not matrix.index.equals(matrix.columns):
            raise ValidationError(
                ["AHP matrix: the DataFrame's index and columns must hold the same names in the same order"]
            )
        if names is None:
            names = [str(x) for x in matrix.index]
        matrix = matrix.to_numpy(dtype=object)
    raw = np.array(matrix, dtype=object)
    if raw.ndim != 2 or raw.shape[0] != raw.shape[1] or raw.shape[0] == 0:
        raise ValidationError(
            [f"AHP matrix must be square and non-empty, got shape {raw.shape}"]
        )
    n = raw.shape[0]
    if n > max(RANDOM_INDEX):
        raise ValidationError(
            [
                f"AHP matrix compares {n} items; at most {max(RANDOM_INDEX)} are supported "
                "(Saaty's random-index table stops there); group the criteria into a hierarchy"
            ]
        )
    if names is None:
        labels = [f"#{i}" for i in range(n)]
    else:
        labels = [str(x) for x in names]
        if len(labels) != n:
            raise ValidationError(
                [f"AHP matrix has {n} rows but {len(labels)} names were given"]
            )
        if len(set(labels)) != n:
            dup = sorted({x for x in labels if labels.count(x) > 1})
            raise ValidationError([f"AHP names are not unique: {_quoted(dup)}"])

    def cell(i: int, j: int) -> str:
        return f"cell (row '{labels[i]}', column '{labels[j]}')"

    problems: list[str] = []
    a = np.ones((n, n))
    for i in range(n):
        for j in range(n):
            v = _parse_judgement(raw[i, j])
            if v is None or not math.isfinite(v) or v <= 0:
                problems.append(
                    f"AHP matrix: {cell(i, j)} must be a positive number, got {raw[i, j]!r}"
                )
                a[i, j] = np.nan
            else:
                a[i, j] = v
    for i in range(n):
        if not np.isnan(a[i, i]) and abs(a[i, i] - 1.0) > RECIPROCAL_RTOL:
            problems.append(
                f"AHP matrix: {cell(i, i)} must be 1 (an item is as important as itself), "
                f"got {raw[i, i]!r}"
            )
    for i in range(n):
        for j in range(i + 1, n):
            aij, aji = a[i, j], a[j, i]
            if np.isnan(aij) or np.isnan(aji):
                continue
            # |a_ji - 1/a_ij| <= rtol / a_ij  <=>  |a_ij * a_ji - 1| <= rtol
            if abs(aij * aji - 1.0) > RECIPROCAL_RTOL:
                problems.append(
                    f"AHP matrix: {cell(i, j)} = {aij:g} but {cell(j, i)} = {aji:g}; "
                    f"reciprocal judgements need {cell(j, i)} = 1/{aij:g} = {1 / aij:.6g} "
                    "(write it as a fraction such as \"1/3\" for exactness)"
                )
    if problems:
        raise ValidationError(problems)

    w, lam = _principal_eigen(a)
    if n <= 2:
        # Every positive reciprocal matrix of order <= 2 is consistent.
        ci, cr = 0.0, 0.0
    else:
        # lambda_max >= n in exact arithmetic; clip rounding noise below 0.
        ci = max(0.0, (lam - n) / (n - 1))
        cr = ci / RANDOM_INDEX[n]
    if cr > CONSISTENCY_THRESHOLD:
        warnings.warn(
            f"AHP pairwise comparisons are inconsistent: consistency ratio {cr:.3f} "
            f"exceeds {CONSISTENCY_THRESHOLD}; revise the judgements",
            ConsistencyWarning,
            stacklevel=2,
        )
    weights: pd.Series | np.ndarray = (
        pd.Series(w, index=labels, name="weight") if names is not None else w
    )
    return AHPResult(weights=weights, lambda_max=lam, consistency_index=ci, consistency_ratio=cr)


# --------------------------------------------------------------------------
# rank-order weights
# --------------------------------------------------------------------------


def rank_order_centroid(n: int) -> np.ndarray:
    """Rank-order-centroid weights for n ranked criteria (Barron and Barrett, 1996).

    ``w_k = (1/n) * sum_{i=k}^{n} 1/i`` for rank k = 1 (most important) .. n.

    Parameters
    ----------
    n : int
        Number of criteria, at least 1.

    Returns
    -------
    numpy.ndarray
        Decreasing weights summing to 1.

    Examples
    --------
    >>> rank_order_centroid(3).round(4)
    array([0.6111, 0.2778, 0.1111])
    """
    if isinstance(n, np.integer):
        n = int(n)
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValidationError([f"rank_order_centroid needs a positive integer n, got {n!r}"])
    inv = 1.0 / np.arange(1, n + 1)
    return np.cumsum(inv[::-1])[::-1] / n


def roc_weights(ranking: Sequence[str]) -> pd.Series:
    """Rank-order-centroid weights of named criteria, most important first.

    Parameters
    ----------
    ranking : sequence of str
        Criterion names in decreasing order of importance; unique.

    Returns
    -------
    pandas.Series
        Indexed by the names, in the given order; sums to 1.

    Examples
    --------
    >>> roc_weights(["alignment", "value", "risk"]).round(4)
    alignment    0.6111
    value        0.2778
    risk         0.1111
    Name: weight, dtype: float64
    """
    if isinstance(ranking, str) or not isinstance(ranking, Iterable):
        raise ValidationError(
            [f"a ranking must be a list of criterion names, got {ranking!r}"]
        )
    names = list(ranking)
    dup = sorted({str(x) for x in names if names.count(x) > 1})
    if dup:
        raise ValidationError([f"the ranking names these criteria more than once: {_quoted(dup)}"])
    return pd.Series(rank_order_centroid(len(names)), index=names, name="weight")


# --------------------------------------------------------------------------
# ScoringModel
# --------------------------------------------------------------------------


def _resolve_directions(
    names: Sequence[str], directions: Mapping[str, str] | Sequence[str] | None
) -> list[str]:
    if directions is None:
        return ["max"] * len(names)
    if isinstance(directions, Mapping):
        unknown = [k for k in directions if k not in names]
        if unknown:
            raise ValidationError(
                [f"directions name unknown criteria {_quoted(unknown)}; criteria are {_quoted(names)}"]
            )
        return [directions.get(name, "max") for name in names]
    if isinstance(directions, str):
        raise ValidationError(
            [f"directions must be a mapping name -> 'max'/'min' or a list, got {directions!r}"]
        )
    dirs = list(directions)
    if len(dirs) != len(names):
        raise ValidationError(
            [f"{len(dirs)} directions given for {len(names)} criteria {_quoted(names)}"]
        )
    return dirs


def _numeric_column(
    values: pd.Series, column: str, criterion: str
) -> tuple[np.ndarray, list[str]]:
    """A score column as floats, and one message per kind of bad value."""
    where = (
        f"column '{column}'" if column == criterion else f"column '{column}' (criterion '{criterion}')"
    )
    ids = list(values.index)
    non_numeric: list[str] = []
    if pd.api.types.is_bool_dtype(values):
        out = values.to_numpy(dtype=float)
    elif pd.api.types.is_numeric_dtype(values):
        out = values.to_numpy(dtype=float, na_value=np.nan)
    else:
        out = np.empty(len(values))
        for k, x in enumerate(values.to_numpy(dtype=object)):
            if isinstance(x, np.generic):
                x = x.item()
            if x is None or x is pd.NA or (_is_number(x) and math.isnan(x)):
                out[k] = np.nan
            elif _is_number(x) or isinstance(x, (bool, np.bool_)):
                out[k] = float(x)
            else:
                out[k] = 0.0
                non_numeric.append(f"'{ids[k]}': {x!r}")
    problems = []
    if non_numeric:
        shown = ", ".join(non_numeric[:_MAX_LISTED])
        if len(non_numeric) > _MAX_LISTED:
            shown += f" and {len(non_numeric) - _MAX_LISTED} more"
        problems.append(
            f"{where} has {len(non_numeric)} non-numeric "
            f"value{'s' if len(non_numeric) > 1 else ''} (projects {shown})"
        )
    missing = [ids[k] for k in np.nonzero(np.isnan(out))[0]]
    if missing:
        problems.append(
            f"{where} has {len(missing)} missing value{'s' if len(missing) > 1 else ''} "
            f"(projects {_quoted(missing)})"
        )
    infinite = [ids[k] for k in np.nonzero(np.isinf(out))[0]]
    if infinite:
        problems.append(
            f"{where} has {len(infinite)} infinite value{'s' if len(infinite) > 1 else ''} "
            f"(projects {_quoted(infinite)})"
        )
    return out, problems


_DICT_KEYS = ("criteria", "normalize", "ahp", "consistency_ratio")
_CRITERION_KEYS = ("weight", "direction", "column")


@dataclasses.dataclass(frozen=True)
class ScoringModel:
    """An immutable weighted-criteria scoring model.

    Parameters
    ----------
    criteria : tuple of Criterion
        At least one; unique names, none called ``"score"``.  A list is
        accepted and stored as a tuple.
    normalize : {"minmax", "max", "none"}, default "minmax"
        How raw scores are normalised (see :func:`normalize`).
    consistency_ratio : float, optional
        The AHP consistency ratio when the weights came from
        :meth:`from_ahp`; None otherwise.

    Raises
    ------
    ValidationError
        On an empty or duplicated criterion list, an unknown method, or
        weights that are all zero.

    Examples
    --------
    >>> import pandas as pd
    >>> model = ScoringModel(
    ...     (Criterion("alignment", weight=3), Criterion("risk", weight=1, direction="min"))
    ... )
    >>> model.weights
    alignment    0.75
    risk         0.25
    Name: weight, dtype: float64
    >>> projects = pd.DataFrame(
    ...     {"alignment": [4, 2, 5], "risk": [2, 1, 3]}, index=["CRM", "DWH", "ERP"]
    ... )
    >>> model.score(projects)
         alignment  risk  score
    CRM   0.666667   0.5  0.625
    DWH   0.000000   1.0  0.250
    ERP   1.000000   0.0  0.750
    """

    criteria: tuple[Criterion, ...]
    normalize: str = "minmax"
    consistency_ratio: float | None = None

    def __post_init__(self) -> None:
        crit = self.criteria
        if isinstance(crit, Criterion):
            crit = (crit,)
        if isinstance(crit, (str, Mapping)) or not isinstance(crit, Iterable):
            raise ValidationError(
                [f"field 'criteria' must be a sequence of Criterion, got {type(crit).__name__}"]
            )
        crit = tuple(crit)
        object.__setattr__(self, "criteria", crit)
        problems = []
        if not crit:
            problems.append("field 'criteria' is empty; a scoring model needs at least one criterion")
        for c in crit:
            if not isinstance(c, Criterion):
                problems.append(f"field 'criteria' holds {c!r}, which is not a Criterion")
        if problems:
            raise ValidationError(problems)
        names = [c.name for c in crit]
        dup = sorted({x for x in names if names.count(x) > 1})
        if dup:
            problems.append(f"criteria names must be unique; repeated: {_quoted(dup)}")
        if SCORE_COLUMN in names:
            problems.append(
                f"criterion '{SCORE_COLUMN}': the name is reserved for the weighted-score column"
            )
        if self.normalize not in NORMALIZE_METHODS:
            problems.append(
                f"field 'normalize' must be one of {', '.join(map(repr, NORMALIZE_METHODS))}, "
                f"got {self.normalize!r}"
            )
        cr = self.consistency_ratio
        if cr is not None:
            if isinstance(cr, np.generic):
                cr = cr.item()
            if not _is_number(cr) or not math.isfinite(cr) or cr < 0:
                problems.append(
                    f"field 'consistency_ratio' must be a non-negative number or None, got {cr!r}"
                )
            else:
                object.__setattr__(self, "consistency_ratio", float(cr))
        if sum(c.weight for c in crit) <= 0:
            problems.append(
                "the weights of all criteria "
                f"({_quoted(names)}) are 0; give at least one criterion a positive weight"
            )
        if problems:
            raise ValidationError(problems)

    # -- views -------------------------------------------------------------

    @property
    def names(self) -> tuple[str, ...]:
        """The criterion names, in order.

        Examples
        --------
        >>> ScoringModel.from_ranking(["a", "b"]).names
        ('a', 'b')
        """
        return tuple(c.name for c in self.criteria)

    @property
    def weights(self) -> pd.Series:
        """The weights normalised to sum to 1, indexed by criterion name.

        Raises
        ------
        ValidationError
            If a weight is negative or all are 0 (cannot happen for a model
            built through the constructor, which checks the same).

        Examples
        --------
        >>> ScoringModel((Criterion("a", 1), Criterion("b", 3))).weights
        a    0.25
        b    0.75
        Name: weight, dtype: float64
        """
        w = np.array([c.weight for c in self.criteria], dtype=float)
        if (w < 0).any() or w.sum() <= 0:
            raise ValidationError(
                ["criteria weights must be non-negative and not all 0, got "
                 + ", ".join(f"'{c.name}': {c.weight:g}" for c in self.criteria)]
            )
        return pd.Series(w / w.sum(), index=list(self.names), name="weight")

    # -- scoring -----------------------------------------------------------

    def score(self, df: pd.DataFrame) -> pd.DataFrame:
        """Score a table of projects.

        Parameters
        ----------
        df : pandas.DataFrame
            One row per project, indexed by unique project id, with a numeric,
            finite column for every criterion (``Criterion.column``).  It is
            not modified.

        Returns
        -------
        pandas.DataFrame
            A new frame with the index of ``df`` (same order): one column per
            criterion (named after it) with its normalised value, and a
            ``score`` column with the weighted sum.

        Raises
        ------
        ValidationError
            If criterion columns are missing (all are listed, with the
            available columns), hold non-numeric, missing or infinite values
            (naming the column and the project ids), or the ids are not unique.

        Examples
        --------
        >>> import pandas as pd
        >>> m = ScoringModel((Criterion("value"), Criterion("cost", direction="min")))
        >>> df = pd.DataFrame({"value": [10, 30], "cost": [5, 1]}, index=["A", "B"])
        >>> m.score(df).sort_values("score", ascending=False)
           value  cost  score
        B    1.0   1.0    1.0
        A    0.0   0.0    0.0
        """
        if not isinstance(df, pd.DataFrame):
            raise ValidationError(
                [f"projects must be a pandas DataFrame indexed by project id, got {type(df).__name__}"]
            )
        problems: list[str] = []
        if not df.index.is_unique:
            dup = df.index[df.index.duplicated()].unique()
            problems.append(f"project ids must be unique; repeated: {_quoted(dup)}")
        missing = [c for c in self.criteria if c.column not in df.columns]
        if missing:
            listed = ", ".join(
                f"'{c.column}'" + ("" if c.column == c.name else f" (criterion '{c.name}')")
                for c in missing
            )
            problems.append(
                f"missing criterion column{'s' if len(missing) > 1 else ''} {listed}; "
                f"available columns: {_quoted(map(str, df.columns)) or 'none'}"
            )
        if problems:
            raise ValidationError(problems)
        cols = []
        for c in self.criteria:
            values = df[c.column]
            if isinstance(values, pd.DataFrame):
                problems.append(f"column '{c.column}' appears more than once in the projects table")
                continue
            arr, bad = _numeric_column(values, c.column, c.name)
            problems.extend(bad)
            cols.append(arr)
        if problems:
            raise ValidationError(problems)
        matrix = np.column_stack(cols) if len(df) else np.zeros((0, len(self.criteria)))
        normalised = _normalize_kernel(
            matrix, [c.direction for c in self.criteria], self.normalize, self.names
        )
        scores = weighted_sum(normalised, self.weights.to_numpy())
        out = pd.DataFrame(normalised, index=df.index.copy(), columns=list(self.names))
        out[SCORE_COLUMN] = scores
        return out

    # -- what-ifs ----------------------------------------------------------

    def replace(self, **changes: Any) -> ScoringModel:
        """A copy with the given fields changed (the model itself is immutable).

        Examples
        --------
        >>> m = ScoringModel((Criterion("a"),))
        >>> m.replace(normalize="none").normalize
        'none'
        >>> m.normalize
        'minmax'
        """
        return dataclasses.replace(self, **changes)

    def with_weights(self, weights: Mapping[str, float]) -> ScoringModel:
        """A copy with the named criteria's (raw) weights replaced.

        Unnamed criteria keep their weights; the result is re-normalised when
        scoring.  The consistency ratio is dropped: the weights no longer come
        from the AHP matrix.

        Parameters
        ----------
        weights : mapping of str to float

        Raises
        ------
        ValidationError
            If a name is not a criterion of the model, or a weight is invalid.

        Examples
        --------
        >>> m = ScoringModel((Criterion("alignment", 3), Criterion("risk", 1, "min")))
        >>> m.with_weights({"risk": 3}).weights
        alignment    0.5
        risk         0.5
        Name: weight, dtype: float64
        """
        if not isinstance(weights, Mapping):
            raise ValidationError(
                [f"weights must be a mapping criterion name -> weight, got {type(weights).__name__}"]
            )
        unknown = [k for k in weights if k not in self.names]
        if unknown:
            raise ValidationError(
                [f"unknown criteria {_quoted(unknown)}; the model's criteria are {_quoted(self.names)}"]
            )
        problems: list[str] = []
        new = []
        for c in self.criteria:
            try:
                new.append(
                    dataclasses.replace(c, weight=weights[c.name]) if c.name in weights else c
                )
            except ValidationError as e:
                problems.extend(e.problems)
        if problems:
            raise ValidationError(problems)
        return self.replace(criteria=tuple(new), consistency_ratio=None)

    # -- constructors ------------------------------------------------------

    @classmethod
    def from_ahp(
        cls,
        names: Sequence[str],
        matrix: Any,
        directions: Mapping[str, str] | Sequence[str] | None = None,
        normalize: str = "minmax",
    ) -> ScoringModel:
        """A model whose weights come from an AHP pairwise-comparison matrix.

        Parameters
        ----------
        names : sequence of str
            Criterion names, in the order of the matrix rows.
        matrix : array-like, shape (n, n)
            See :func:`ahp_weights`.
        directions : mapping or sequence, optional
            ``{"risk": "min"}`` (unlisted criteria are ``"max"``) or one
            direction per name; default all ``"max"``.
        normalize : {"minmax", "max", "none"}

        Warns
        -----
        ConsistencyWarning
            If the consistency ratio exceeds 0.1.

        Examples
        --------
        >>> m = ScoringModel.from_ahp(["alignment", "risk"], [[1, 3], [1 / 3, 1]],
        ...                           directions={"risk": "min"})
        >>> m.weights.to_dict(), m.consistency_ratio
        ({'alignment': 0.75, 'risk': 0.25}, 0.0)
        """
        names = _names_list(names)
        dirs = _resolve_directions(names, directions)
        result = ahp_weights(matrix, names)
        w = np.asarray(result.weights, dtype=float)
        criteria = _build_criteria(names, w, dirs)
        return cls(criteria, normalize=normalize, consistency_ratio=result.consistency_ratio)

    @classmethod
    def from_ranking(
        cls,
        names: Sequence[str],
        directions: Mapping[str, str] | Sequence[str] | None = None,
        normalize: str = "minmax",
    ) -> ScoringModel:
        """A model with rank-order-centroid weights, most important criterion first.

        Examples
        --------
        >>> ScoringModel.from_ranking(["alignment", "value", "risk"],
        ...                           directions={"risk": "min"}).weights.round(4)
        alignment    0.6111
        value        0.2778
        risk         0.1111
        Name: weight, dtype: float64
        """
        names = _names_list(names)
        dirs = _resolve_directions(names, directions)
        w = roc_weights(names).to_numpy()
        return cls(_build_criteria(names, w, dirs), normalize=normalize)

    # -- serialisation -----------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The model as plain JSON-ready data.

        Shape: ``{"criteria": {name: {"weight", "direction", "column"}},
        "normalize": ...}``, plus ``"consistency_ratio"`` when set.  Weights
        are the raw (unnormalised) criterion weights.

        Examples
        --------
        >>> ScoringModel((Criterion("risk", 2, "min"),)).to_dict()
        {'criteria': {'risk': {'weight': 2.0, 'direction': 'min', 'column': 'risk'}}, 'normalize': 'minmax'}
        """
        d: dict[str, Any] = {
            "criteria": {
                c.name: {"weight": c.weight, "direction": c.direction, "column": c.column}
                for c in self.criteria
            },
            "normalize": self.normalize,
        }
        if self.consistency_ratio is not None:
            d["consistency_ratio"] = self.consistency_ratio
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ScoringModel:
        """Build a model from :meth:`to_dict`'s shape or the engine contract's ``scoring``.

        Accepted keys: ``criteria`` (required; name -> ``{"weight",
        "direction", "column"}``, each optional), ``normalize``,
        ``consistency_ratio``, and ``ahp``: a pairwise-comparison matrix over
        the criteria in their listed order, which then supplies the weights
        (so the criteria must not carry a ``weight`` of their own).

        Raises
        ------
        ValidationError
            On unknown keys (naming them), bad criterion fields (naming the
            criterion) or an invalid AHP matrix.

        Examples
        --------
        >>> spec = {"criteria": {"alignment": {"direction": "max"},
        ...                      "risk": {"direction": "min"}},
        ...         "ahp": [[1, 3], ["1/3", 1]], "normalize": "minmax"}
        >>> m = ScoringModel.from_dict(spec)
        >>> m.weights.to_dict()
        {'alignment': 0.75, 'risk': 0.25}
        """
        if not isinstance(d, Mapping):
            raise ValidationError(
                [f"scoring must be a JSON object / mapping, got {type(d).__name__}"]
            )
        problems: list[str] = []
        unknown = [k for k in d if k not in _DICT_KEYS]
        if unknown:
            problems.append(
                f"scoring: unknown key{'s' if len(unknown) > 1 else ''} {_quoted(unknown)}; "
                f"expected {_quoted(_DICT_KEYS)}"
            )
        spec = d.get("criteria")
        if not isinstance(spec, Mapping) or not spec:
            problems.append(
                "scoring: field 'criteria' must be a non-empty object mapping criterion "
                f"names to {{'weight', 'direction', 'column'}}, got {spec!r}"
            )
            raise ValidationError(problems)
        has_ahp = "ahp" in d
        if has_ahp and d.get("consistency_ratio") is not None:
            problems.append(
                "scoring: give either 'ahp' or 'consistency_ratio'; the ratio is computed from the matrix"
            )
        names = list(spec)
        fields: list[dict[str, Any]] = []
        for name, entry in spec.items():
            if entry is None:
                entry = {}
            if not isinstance(entry, Mapping):
                problems.append(
                    f"criterion '{name}': expected an object with 'weight', 'direction', "
                    f"'column', got {entry!r}"
                )
                continue
            bad = [k for k in entry if k not in _CRITERION_KEYS]
            if bad:
                problems.append(
                    f"criterion '{name}': unknown field{'s' if len(bad) > 1 else ''} "
                    f"{_quoted(bad)}; expected {_quoted(_CRITERION_KEYS)}"
                )
            if has_ahp and "weight" in entry:
                problems.append(
                    f"criterion '{name}': field 'weight' conflicts with 'ahp'; "
                    "the AHP matrix supplies the weights"
                )
            fields.append({"name": name, **{k: entry[k] for k in _CRITERION_KEYS if k in entry}})
        if problems:
            raise ValidationError(problems)
        criteria = []
        for f in fields:
            try:
                criteria.append(Criterion(**f))
            except ValidationError as e:
                problems.extend(e.problems)
        if problems:
            raise ValidationError(problems)
        cr = d.get("consistency_ratio")
        if has_ahp:
            result = ahp_weights(d["ahp"], names)
            w = np.asarray(result.weights, dtype=float)
            criteria = [dataclasses.replace(c, weight=float(x)) for c, x in zip(criteria, w)]
            cr = result.consistency_ratio
        return cls(tuple(criteria), normalize=d.get("normalize", "minmax"), consistency_ratio=cr)

    def to_json(self, path: str | os.PathLike[str] | None = None) -> str:
        """The model as a JSON string (see :meth:`to_dict`); also written to ``path`` if given.

        Examples
        --------
        >>> m = ScoringModel((Criterion("a", 2),))
        >>> ScoringModel.from_json(m.to_json()) == m
        True
        """
        text = json.dumps(self.to_dict(), indent=2)
        if path is not None:
            Path(path).write_text(text + "\n", encoding="utf-8")
        return text

    @classmethod
    def from_json(cls, source: str | os.PathLike[str]) -> ScoringModel:
        """A model from JSON text, or from the path of a JSON file.

        A string whose first non-blank character is ``{`` is read as JSON
        text; any other string or path-like is a file path.

        Examples
        --------
        >>> ScoringModel.from_json('{"criteria": {"a": {"weight": 1}}}').names
        ('a',)
        """
        if isinstance(source, str) and source.lstrip().startswith("{"):
            text, origin = source, "scoring JSON"
        else:
            text, origin = Path(source).read_text(encoding="utf-8"), f"scoring JSON file '{source}'"
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise ValidationError([f"{origin} is not valid JSON: {e}"]) from None
        return cls.from_dict(data)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the model to a JSON file (see :meth:`to_json`).

        Examples
        --------
        >>> import tempfile, os
        >>> m = ScoringModel.from_ranking(["a", "b"])
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     p = os.path.join(tmp, "scoring.json")
        ...     m.save(p)
        ...     ScoringModel.load(p) == m
        True
        """
        self.to_json(path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ScoringModel:
        """Read a model from a JSON file written by :meth:`save` (or by hand).

        Examples
        --------
        >>> import tempfile, os
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     p = os.path.join(tmp, "s.json")
        ...     with open(p, "w") as f:
        ...         _ = f.write('{"criteria": {"risk": {"direction": "min"}}}')
        ...     ScoringModel.load(p).criteria
        (Criterion(name='risk', weight=1.0, direction='min', column='risk'),)
        """
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


# ScoringModel has a field called ``normalize``; this alias keeps the kernel's
# name unambiguous inside its methods.
_normalize_kernel = normalize


def _names_list(names: Any) -> list[str]:
    if isinstance(names, str) or not isinstance(names, Iterable):
        raise ValidationError([f"criterion names must be a list of strings, got {names!r}"])
    return list(names)


def _build_criteria(names: list[str], weights: np.ndarray, dirs: list[str]) -> tuple[Criterion, ...]:
    problems: list[str] = []
    out = []
    for name, w, dr in zip(names, weights, dirs):
        try:
            out.append(Criterion(name, float(w), dr))
        except ValidationError as e:
            problems.extend(e.problems)
    if problems:
        raise ValidationError(problems)
    return tuple(out)


def score_projects(df: pd.DataFrame, model: ScoringModel) -> pd.DataFrame:
    """Score a table of projects with a model; the same as ``model.score(df)``.

    Examples
    --------
    >>> import pandas as pd
    >>> m = ScoringModel.from_ranking(["alignment", "risk"], directions={"risk": "min"})
    >>> df = pd.DataFrame({"alignment": [1, 5], "risk": [3, 3]}, index=["P1", "P2"])
    >>> score_projects(df, m)["score"].round(2).to_dict()
    {'P1': 0.0, 'P2': 0.75}
    """
    if not isinstance(model, ScoringModel):
        raise ValidationError(
            [f"model must be a ScoringModel, got {type(model).__name__}"]
        )
    return model.score(df)
