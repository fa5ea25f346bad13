"""Plots of candidates, portfolios, schedules and analyses (matplotlib, imported lazily).

Every plot function takes ``ax=None`` and returns the :class:`matplotlib.axes.Axes`
it drew on: pass an Axes to place the plot in your own figure, or leave it out
and a new figure of a sensible size is made.  Nothing here calls ``show()`` or
saves a file.  ``import portfolio_opt`` does not import matplotlib; this module
imports it on the first call of a plot function.

Plots of one portfolio take a :class:`~portfolio_opt.PortfolioResult` (or, for
the candidates alone, a :class:`~portfolio_opt.Problem`):

==========================  ================================================
:func:`value_cost`          value against cost of every candidate, bubble =
                            a third measure, the selection highlighted
:func:`spend`               spend per period against the budget, stacked
:func:`resource_use`        use of one resource per period against capacity
:func:`resource_panels`     :func:`resource_use` for every resource, side by side
:func:`gantt`               the schedule of the selected projects
:func:`strategic_balance`   requested and funded cost per category
==========================  ================================================

Plots of analyses take plain pandas objects, so they work with whatever the
analysis functions (or your own loops) return:

==========================  ================================================
:func:`frontier`            DataFrame with columns ``budget``, ``objective``
                            (+ optionally a greedy one, same columns)
:func:`scenario_heatmap`    DataFrame projects × scenarios of booleans
                            (see :func:`selection_matrix`)
:func:`scenario_outcomes`   DataFrame indexed by scenario with ``objective``
                            and optionally ``spend`` (see :func:`scenario_table`)
:func:`tornado`             DataFrame indexed by parameter with ``low``,
                            ``high`` and optionally ``base``
:func:`selection_frequency` Series id → share of samples that select it (or a
                            0/1 matrix projects × samples)
:func:`value_distribution`  the objective of each sample (array or Series)
==========================  ================================================

Money is labelled with ``unit`` (default ``"k€"``, the unit of the sample
portfolio) and staff with ``unit="FTE"``; pass your own units.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from .problem import Problem
    from .result import PortfolioResult

__all__ = [
    "value_cost",
    "spend",
    "resource_use",
    "resource_panels",
    "gantt",
    "strategic_balance",
    "frontier",
    "scenario_heatmap",
    "scenario_outcomes",
    "tornado",
    "selection_frequency",
    "value_distribution",
    "selection_matrix",
    "scenario_table",
    "category_colors",
]

#: colour of selected projects and of the optimal curve, and of everything not chosen
SELECTED = "#1f77b4"
UNSELECTED = "#c7c7c7"
LIMIT = "#222222"  # budget and capacity lines: black, so they never blend into a category colour
ACCENT = "#d62728"
NONE_CATEGORY = "(none)"


# --------------------------------------------------------------------------- helpers


def _plt() -> Any:
    import matplotlib.pyplot as plt

    return plt


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    _, ax = _plt().subplots(figsize=figsize, layout="constrained")
    return ax


def _tx(text: Any) -> str:
    """User text made safe for matplotlib: '$' would otherwise start mathtext."""
    return str(text).replace("$", r"\$")


def _short(text: Any, n: int = 34) -> str:
    s = str(text)
    return s if len(s) <= n else s[: n - 1] + "…"


def _thousands(ax_axis: Any, decimals: int = 0) -> None:
    from matplotlib.ticker import FuncFormatter

    ax_axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.{decimals}f}"))


def _fmt(v: float) -> str:
    if not math.isfinite(v):
        return "∞" if v > 0 else "-∞"
    a = abs(v)
    if a >= 100:
        return f"{v:,.0f}"
    if a >= 1:
        return f"{v:,.1f}"
    return f"{v:.3g}"


def _split(obj: Any) -> tuple[Problem, np.ndarray]:
    """(problem, starts array with -1 = not selected) from a result or a problem."""
    if hasattr(obj, "problem") and hasattr(obj, "starts"):
        prob = obj.problem
        st = obj.starts.to_numpy(int) if obj.has_solution else np.full(len(prob.table), -1)
        return prob, st
    if hasattr(obj, "table") and hasattr(obj, "periods"):
        return obj, np.full(len(obj.table), -1)
    raise TypeError(f"expected a PortfolioResult or a Problem, got {type(obj).__name__}")


def _need_result(obj: Any, what: str) -> tuple[Problem, np.ndarray]:
    prob, st = _split(obj)
    if not (hasattr(obj, "starts") and obj.has_solution):
        raise ValidationError(f"{what} needs a result with a portfolio (got {_describe(obj)})")
    return prob, st


def _describe(obj: Any) -> str:
    if hasattr(obj, "status"):
        return f"a result with status '{obj.status.value}'"
    return type(obj).__name__


def _groups(problem: Problem, by: str) -> pd.Series:
    """The group label of each candidate: its category, its id, or any column."""
    f = problem.table.frame
    if by == "project":
        return pd.Series(f.index.astype(str), index=f.index)
    if by not in f.columns:
        raise ValidationError(f"cannot group by '{by}': not a column of the candidate table")
    return f[by].map(lambda v: NONE_CATEGORY if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))


def category_colors(problem: Problem, by: str = "category") -> dict[str, Any]:
    """A fixed colour per category (in the table's order), the same in every plot of ``problem``.

    Examples
    --------
    >>> import portfolio_opt as po
    >>> df = pd.DataFrame({"id": ["A", "B", "C"], "cost": [1, 1, 1], "value": [1, 1, 1],
    ...                    "category": ["run", "grow", "run"]})
    >>> list(category_colors(po.Problem.from_frame(df)))
    ['run', 'grow']
    """
    keys = list(dict.fromkeys(_groups(problem, by)))
    # tab10 as RGB, without importing matplotlib for a colour table
    tab10 = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
             "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
    out: dict[str, Any] = {}
    k = 0
    for key in keys:
        if key == NONE_CATEGORY:
            out[key] = "#9e9e9e"
        else:
            out[key] = tab10[k % len(tab10)]
            k += 1
    return out


def _per_period(demand: np.ndarray, starts: np.ndarray, T: int) -> np.ndarray:
    """Per-project, per-period amounts (n × T) of a demand profile given from each start."""
    out = np.zeros((len(starts), T))
    for p in np.flatnonzero(starts >= 0):
        s = int(starts[p])
        k = min(demand.shape[1], T - s)
        out[p, s : s + k] = demand[p, :k]
    return out


def _records(data: Any, what: str) -> pd.DataFrame:
    """A DataFrame from a DataFrame, a list of dicts, or a dict of columns."""
    if isinstance(data, pd.DataFrame):
        return data.copy()
    if isinstance(data, pd.Series):
        return data.to_frame()
    if isinstance(data, Mapping):
        return pd.DataFrame(dict(data))
    if isinstance(data, Iterable) and not isinstance(data, (str, bytes)):
        return pd.DataFrame(list(data))
    raise ValidationError(f"{what}: expected a DataFrame or a list of records, got {type(data).__name__}")


def _require(df: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValidationError(
            f"{what}: missing column{'s' if len(missing) > 1 else ''} "
            + ", ".join(f"'{c}'" for c in missing)
            + f" (columns given: {', '.join(map(str, df.columns)) or 'none'})"
        )


def _objective_label(problem: Problem, unit: str) -> str:
    return {
        "value": f"value ({unit})",
        "npv": f"NPV ({unit})",
        "score": "weighted score (0–1)",
    }.get(problem.objective, str(problem.objective))


def _legend_right(ax: Axes, **kw: Any) -> None:
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False, **kw)


# --------------------------------------------------------------------------- candidates


def _measure(problem: Problem, name: str) -> tuple[pd.Series, str]:
    """A per-project measure by name: objective, expected, or a column of the table, scores or metrics."""
    f = problem.table.frame
    if name == "objective":
        return problem.objective_values, problem.objective
    if name == "expected":
        return problem.objective_values * f["probability"], f"expected {problem.objective}"
    for src in (problem.scores, problem.metrics, f):
        if src is not None and name in src.columns:
            s = pd.to_numeric(src[name], errors="coerce")
            if s.notna().any():
                return s.astype(float), name
    raise ValidationError(f"unknown measure '{name}' (use 'objective', 'expected', or a numeric column, "
                          "a criterion score or a metric such as 'npv')")


def _label_points(ax: Axes, x: np.ndarray, y: np.ndarray, area: np.ndarray, names: list[str],
                  which: Sequence[int], dark: np.ndarray, fontsize: float = 8.0) -> None:
    """Label some bubbles, each on the first side (right, left, above, below) where it overlaps nothing placed yet.

    Works in display points: a label is about 0.6 × fontsize wide per character;
    a bubble of marker area s has radius sqrt(s) / 2.
    """
    ax.set_xlim(left=0)
    ax.autoscale_view()
    pts = ax.transData.transform(np.column_stack([x, y])) * (72.0 / ax.figure.dpi)
    boxes: list[tuple[float, float, float, float]] = []
    for k in which:  # the labelled bubbles are obstacles too
        r = math.sqrt(area[k]) / 2
        boxes.append((pts[k, 0] - r, pts[k, 1] - r, pts[k, 0] + r, pts[k, 1] + r))

    bb = ax.bbox.extents * (72.0 / ax.figure.dpi)  # the axes area, in points

    def free(b: tuple[float, float, float, float]) -> bool:
        if b[0] < bb[0] or b[2] > bb[2] or b[1] < bb[1] or b[3] > bb[3]:
            return False
        return all(b[2] <= o[0] or b[0] >= o[2] or b[3] <= o[1] or b[1] >= o[3] for o in boxes)

    for k in which:
        w, h = 0.6 * fontsize * len(names[k]), fontsize
        r = math.sqrt(area[k]) / 2 + 2
        px, py = pts[k]
        options = [  # (offset x, offset y, ha, va, box)
            (r, 0.0, "left", "center", (px + r, py - h / 2, px + r + w, py + h / 2)),
            (-r, 0.0, "right", "center", (px - r - w, py - h / 2, px - r, py + h / 2)),
            (0.0, r, "center", "bottom", (px - w / 2, py + r, px + w / 2, py + r + h)),
            (0.0, -r, "center", "top", (px - w / 2, py - r - h, px + w / 2, py - r)),
        ]
        choice = next((o for o in options if free(o[4])), options[0])
        boxes.append(choice[4])
        ax.annotate(_tx(names[k]), (x[k], y[k]), xytext=(choice[0], choice[1]), textcoords="offset points",
                    ha=choice[2], va=choice[3], fontsize=fontsize, color="black" if dark[k] else "#555555", zorder=4)


def value_cost(
    portfolio: PortfolioResult | Problem,
    *,
    y: str = "objective",
    size: str | None = "auto",
    label_top: int = 8,
    unit: str = "k€",
    ax: Axes | None = None,
) -> Axes:
    """Value against cost of every candidate; bubble area = a third measure; the selection highlighted.

    Parameters
    ----------
    portfolio : PortfolioResult or Problem
        A result highlights its selected projects; a problem shows the candidates only.
    y : str
        ``"objective"`` (the problem's objective value per project: value, score
        or NPV), ``"expected"`` (× probability), or a numeric column, criterion
        or metric (``"npv"``, ``"roi"``...).
    size : str or None
        The measure shown as bubble area: ``"auto"`` (the weighted score when a
        scoring model is set and ``y`` does not show it, else the probability
        of success), a measure name as for ``y``, or ``None`` for equal bubbles.
    label_top : int
        Label this many candidates with the highest ``y``.
    unit : str
        Money unit for the axis labels.
    ax : Axes, optional

    Returns
    -------
    Axes
        ``ax.collections[0]`` holds the candidates not selected, ``[1]`` the selected ones.
    """
    problem, st = _split(portfolio)
    f = problem.table.frame
    x = f["total_cost"].to_numpy(float)
    yv, yname = _measure(problem, y)
    yv = yv.reindex(f.index).to_numpy(float)
    if size == "auto":  # the score, unless the y axis shows it already
        y_is_score = y == "score" or (y in ("objective", "expected") and problem.objective == "score")
        size = "score" if problem.scores is not None and not y_is_score else "probability"
    if size is not None:
        sv, sname = _measure(problem, size)
        s = np.nan_to_num(sv.reindex(f.index).to_numpy(float), nan=0.0)
        lo, hi = float(np.min(s)), float(np.max(s))
        area = 40 + 460 * ((s - lo) / (hi - lo) if hi > lo else np.full_like(s, 0.5))
    else:
        sname, area = "", np.full(len(f), 80.0)

    sel = st >= 0
    ax = _new_axes(ax, (9, 6))
    ax.scatter(x[~sel], yv[~sel], s=area[~sel], c=UNSELECTED, edgecolors="#7f7f7f", linewidths=0.6,
               alpha=0.8, label=f"not selected ({int((~sel).sum())})", zorder=2)
    ax.scatter(x[sel], yv[sel], s=area[sel], c=SELECTED, edgecolors="black", linewidths=0.6,
               alpha=0.75, label=f"selected ({int(sel.sum())})", zorder=3)
    if y in ("objective", "expected") and problem.objective in ("value", "npv"):
        ax.axline((0.0, 0.0), slope=1.0, color="#9e9e9e", lw=0.8, ls=":", label="value = cost", zorder=1)

    order = [k for k in np.argsort(-np.nan_to_num(yv, nan=-np.inf), kind="stable") if np.isfinite(yv[k])]
    _label_points(ax, x, yv, area, [str(i) for i in f.index], order[: max(0, label_top)], sel)

    ylabel = {
        "objective": _objective_label(problem, unit),
        "expected": "expected " + _objective_label(problem, unit),
    }.get(y, yname)
    ax.set_xlabel(f"total cost ({unit})")
    ax.set_ylabel(ylabel)
    _thousands(ax.xaxis)
    if problem.objective != "score" or y not in ("objective", "expected"):
        _thousands(ax.yaxis)
    ax.set_xlim(left=0)
    ax.grid(True, alpha=0.3)
    title = "Candidates: value against cost"
    if sname:
        title += f" (bubble area: {sname})"
    ax.set_title(_tx(title))
    leg = ax.legend(loc="upper left", frameon=False, markerscale=0.6)
    for h in leg.legend_handles:  # same-size markers in the legend, whatever the bubbles
        if hasattr(h, "set_sizes"):
            h.set_sizes([60])
    return ax


# --------------------------------------------------------------------------- per period


def _stacked_periods(
    ax: Axes,
    matrix: np.ndarray,
    groups: pd.Series,
    colors: Mapping[str, Any],
    labels: Sequence[str],
    limit: np.ndarray,
    *,
    by_project: bool,
    limit_label: str,
    decimals: int,
) -> None:
    """Stacked bars per period (one stack segment per group) with the limit of each period."""
    T = len(labels)
    xs = np.arange(T)
    keys = list(dict.fromkeys(groups))
    bottom = np.zeros(T)
    seen: set[str] = set()
    height_all = matrix.sum(axis=0)
    finite_lim = limit[np.isfinite(limit)]
    top = max(float(height_all.max(initial=0.0)), float(finite_lim.max(initial=0.0)), 1e-9)
    for key in keys:
        rows = (groups == key).to_numpy()
        h = matrix[rows].sum(axis=0)
        if not by_project:
            ax.bar(xs, h, bottom=bottom, width=0.7, color=colors.get(key, UNSELECTED),
                   edgecolor="white", linewidth=0.6, label=_tx(key))
        else:
            for pid, row in zip(groups.index[rows], matrix[rows]):
                ax.bar(xs, row, bottom=bottom, width=0.7, color=colors.get(key, UNSELECTED),
                       edgecolor="white", linewidth=0.6, label=_tx(key) if key not in seen else None)
                seen.add(key)
                for t in range(T):
                    if row[t] > 0.045 * top:  # write the id where the segment is tall enough to hold it
                        ax.text(xs[t], bottom[t] + row[t] / 2, _tx(pid), ha="center", va="center",
                                fontsize=6.5, color="white", clip_on=True)
                bottom = bottom + row
            continue
        bottom = bottom + h
    for t in range(T):
        if math.isfinite(limit[t]):
            ax.hlines(limit[t], xs[t] - 0.45, xs[t] + 0.45, colors=LIMIT, linestyles="--", linewidth=2,
                      label=limit_label if t == int(np.flatnonzero(np.isfinite(limit))[0]) else None, zorder=5)
        # the total above the bar, and above the limit line when the two are close
        y_text = height_all[t]
        if math.isfinite(limit[t]) and abs(limit[t] - height_all[t]) < 0.08 * top:
            y_text = max(height_all[t], limit[t])
        ax.annotate(f"{height_all[t]:,.{decimals}f}", (xs[t], y_text), xytext=(0, 4),
                    textcoords="offset points", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(xs, [_tx(p) for p in labels])
    ax.set_xlim(-0.6, T - 0.4)
    ax.set_ylim(0, top * 1.12)
    ax.grid(True, axis="y", alpha=0.3)
    ax.set_axisbelow(True)


def _stack_input(
    problem: Problem, st: np.ndarray, demand: np.ndarray, by: str
) -> tuple[np.ndarray, pd.Series, dict[str, Any]]:
    """Per-period amounts of the selected projects, their group (index = id) and the colours.

    With ``by="project"`` the group of a project is its category (for the colour)
    and the rows are ordered by category, so that each category's segments sit together.
    """
    sel = st >= 0
    m = _per_period(demand, st, problem.n_periods)[sel]
    key = "category" if by == "project" else by
    colors = category_colors(problem, key)
    groups = _groups(problem, key)[sel]
    if by == "project":
        rank = {c: i for i, c in enumerate(colors)}
        order = np.argsort([rank[c] for c in groups], kind="stable")
        groups, m = groups.iloc[order], m[order]
    return m, groups, colors


def spend(
    result: PortfolioResult,
    *,
    by: str = "category",
    unit: str = "k€",
    ax: Axes | None = None,
) -> Axes:
    """Spend per period, stacked by category (or project), against the budget of each period.

    Parameters
    ----------
    result : PortfolioResult
    by : str
        ``"category"``, ``"project"`` (one segment per project, its id written
        in it where there is room) or any column of the candidate table.
    unit : str
    ax : Axes, optional

    Returns
    -------
    Axes
        One bar patch per group and period; the budget of each period with a
        limit is a dashed red line over its bar.
    """
    problem, st = _need_result(result, "the spend plot")
    m_sel, groups, colors = _stack_input(problem, st, problem.table.cost, by)
    total, per = problem.budget_limits()
    ax = _new_axes(ax, (9, 5.5))
    _stacked_periods(ax, m_sel, groups, colors, problem.periods, per, by_project=(by == "project"),
                     limit_label="budget per period", decimals=0)
    ax.set_ylabel(f"spend ({unit})")
    ax.set_xlabel("period")
    _thousands(ax.yaxis)
    used = float(m_sel.sum())
    title = f"Spend per period: {used:,.0f} {unit}"
    if math.isfinite(total):
        title += f" of a {total:,.0f} {unit} total budget"
    ax.set_title(_tx(title))
    _legend_right(ax, title="project category" if by == "project" else _tx(by))
    return ax


def resource_use(
    result: PortfolioResult,
    resource: str | None = None,
    *,
    by: str = "category",
    unit: str = "FTE",
    ax: Axes | None = None,
) -> Axes:
    """Use of one resource per period, stacked by category (or project), against its capacity.

    Parameters
    ----------
    result : PortfolioResult
    resource : str, optional
        The resource (``res_<name>`` column of the table); may be left out when
        there is only one.  :func:`resource_panels` draws every resource.
    by : str
        ``"category"``, ``"project"`` or any column of the candidate table.
    unit : str
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    problem, st = _need_result(result, "the resource plot")
    names = list(problem.table.resources)
    if resource is None:
        if len(names) != 1:
            raise ValidationError(
                f"say which resource to plot: the table has {', '.join(names) or 'none'} "
                "(resource_panels draws them all)"
            )
        resource = names[0]
    if resource not in problem.table.resources:
        raise ValidationError(f"unknown resource '{resource}' (resources: {', '.join(names) or 'none'})")
    m_sel, groups, colors = _stack_input(problem, st, problem.table.resources[resource], by)
    cap = problem.capacity_limits()[resource]
    ax = _new_axes(ax, (7, 5))
    _stacked_periods(ax, m_sel, groups, colors, problem.periods, cap, by_project=(by == "project"),
                     limit_label="capacity", decimals=1)
    ax.set_ylabel(f"{_tx(resource.replace('_', ' '))} ({unit})")
    ax.set_xlabel("period")
    ax.set_title(_tx(f"{resource.replace('_', ' ').capitalize()}: use against capacity"))
    _legend_right(ax, title="project category" if by == "project" else _tx(by))
    return ax


def resource_panels(
    result: PortfolioResult,
    *,
    by: str = "category",
    unit: str = "FTE",
    axes: Sequence[Axes] | None = None,
) -> list[Axes]:
    """:func:`resource_use` for every resource, one Axes each (side by side in a new figure).

    Returns
    -------
    list of Axes
        In the order of the table's resource columns; only the last carries the legend.
    """
    problem, _ = _need_result(result, "the resource plot")
    names = list(problem.table.resources)
    if not names:
        raise ValidationError("the candidate table has no resource columns (res_<name>)")
    if axes is None:
        _, grid = _plt().subplots(1, len(names), figsize=(4.2 * len(names) + 1.6, 4.6), layout="constrained",
                                  squeeze=False)
        axes = list(grid[0])
    if len(axes) != len(names):
        raise ValidationError(f"{len(names)} resources need {len(names)} Axes, got {len(axes)}")
    out = []
    for k, (r, a) in enumerate(zip(names, axes)):
        resource_use(result, r, by=by, unit=unit, ax=a)
        if k < len(names) - 1:
            leg = a.get_legend()
            if leg is not None:
                leg.remove()
        out.append(a)
    return out


# --------------------------------------------------------------------------- schedule


def gantt(
    result: PortfolioResult,
    *,
    label: str = "both",
    sort: str = "start",
    ax: Axes | None = None,
) -> Axes:
    """The schedule of the selected projects: one bar per project from its start over its duration.

    Parameters
    ----------
    result : PortfolioResult
    label : {"both", "id", "name"}
        What the rows are labelled with (names are shortened to 34 characters).
    sort : {"start", "category", "input"}
        Row order, first row at the top.
    ax : Axes, optional

    Returns
    -------
    Axes
        One bar patch per selected project (colour = category; hatched = mandatory).
    """
    problem, st = _need_result(result, "the schedule")
    f = problem.table.frame
    sel = np.flatnonzero(st >= 0)
    cats = _groups(problem, "category")
    colors = category_colors(problem)
    dur = f["duration"].to_numpy(int)
    mand = f["mandatory"].to_numpy(bool)
    T = problem.n_periods
    if sort == "start":
        order = sorted(sel, key=lambda k: (st[k], -dur[k], str(f.index[k])))
    elif sort == "category":
        cat_rank = {c: i for i, c in enumerate(colors)}
        order = sorted(sel, key=lambda k: (cat_rank[cats.iat[k]], st[k], str(f.index[k])))
    elif sort == "input":
        order = list(sel)
    else:
        raise ValidationError(f"sort must be 'start', 'category' or 'input', got {sort!r}")
    if label not in ("both", "id", "name"):
        raise ValidationError(f"label must be 'both', 'id' or 'name', got {label!r}")
    ax = _new_axes(ax, (10, 0.27 * len(order) + 1.6))
    from matplotlib.patches import Patch

    ys = np.arange(len(order))
    idx = np.asarray(order, dtype=int)
    for flag in (False, True):  # one call per kind of bar: drawing bar by bar is slow for large portfolios
        m = mand[idx] == flag
        if m.any():
            ax.barh(ys[m], dur[idx[m]], left=st[idx[m]], height=0.7, color=[colors[cats.iat[k]] for k in idx[m]],
                    edgecolor="black" if flag else "white", linewidth=0.6, hatch="///" if flag else None)
    shown = {cats.iat[k] for k in order}
    handles = [Patch(color=colors[c], label=_tx(c)) for c in colors if c in shown]
    if mand[sel].any():
        handles.append(Patch(facecolor="white", edgecolor="black", hatch="///", label="mandatory"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
              title="project category")

    def row_label(k: int) -> str:
        pid, name = str(f.index[k]), str(f["name"].iat[k])
        if label == "id" or (label == "both" and name == pid):
            return _tx(pid)
        if label == "name":
            return _tx(_short(name))
        return _tx(f"{pid}  {_short(name, 30)}")

    ax.set_yticks(ys, [row_label(k) for k in order], fontsize=8)
    ax.set_ylim(len(order) - 0.5, -0.5)
    ax.set_xticks(np.arange(T) + 0.5, [_tx(p) for p in problem.periods])
    ax.set_xticks(np.arange(T + 1), minor=True)
    ax.tick_params(axis="x", which="minor", length=0)
    ax.grid(True, axis="x", which="minor", alpha=0.5)
    ax.set_xlim(0, T)
    ax.set_xlabel("period")
    ax.set_title(f"Schedule of the {len(order)} selected projects")
    return ax


# --------------------------------------------------------------------------- balance


def strategic_balance(
    result: PortfolioResult,
    *,
    by: str = "category",
    unit: str = "k€",
    ax: Axes | None = None,
) -> Axes:
    """Cost requested by all candidates and funded in the portfolio, per category (or any column).

    Category limits of the problem (``GroupLimit`` on cost or share) are
    marked on the funded bars.

    Returns
    -------
    Axes
        Two bar patches per group: requested (light) then funded.
    """
    from .constraints import GroupLimit

    problem, st = _need_result(result, "the strategic balance")
    f = problem.table.frame
    groups = _groups(problem, by)
    cost = f["total_cost"].astype(float)
    sel = pd.Series(st >= 0, index=f.index)
    requested = cost.groupby(groups, sort=False).sum()
    funded = cost[sel].groupby(groups[sel], sort=False).sum().reindex(requested.index, fill_value=0.0)
    total = float(funded.sum())
    colors = category_colors(problem, by)
    keys = list(requested.index)
    ys = np.arange(len(keys))
    ax = _new_axes(ax, (9, 0.7 * len(keys) + 2.0))
    ax.barh(ys - 0.2, requested.to_numpy(), height=0.38, color=[colors[k] for k in keys], alpha=0.3,
            edgecolor="none", label="requested (all candidates)")
    ax.barh(ys + 0.2, funded.to_numpy(), height=0.38, color=[colors[k] for k in keys],
            edgecolor="black", linewidth=0.5, label="funded (selected)")
    top = float(requested.max()) if len(requested) else 1.0
    text_at = {k: float(funded[k]) for k in keys}  # the funded figure goes right of the bar and of any limit mark
    n_all = groups.value_counts(sort=False)
    n_sel = groups[sel].value_counts(sort=False)
    count_limits: dict[str, list[str]] = {}
    has_limit = False
    if by == "category":
        for c in problem.constraints:
            if not (isinstance(c, GroupLimit) and c.category in keys):
                continue
            if c.measure == "count":
                count_limits.setdefault(c.category, []).append(f"{c.bound} {c.amount:g}")
                continue
            y = keys.index(c.category) + 0.2
            amount = c.amount * total if c.measure == "share" else c.amount
            text = f"{c.bound} {c.amount:.0%}" if c.measure == "share" else f"{c.bound} {c.amount:,.0f}"
            ax.plot([amount, amount], [y - 0.25, y + 0.25], color=LIMIT, lw=2.2, zorder=5)
            # under the funded bar (the y axis runs downwards), clear of the requested bar
            ax.annotate(text, (amount, y + 0.25), xytext=(0, -3), textcoords="offset points",
                        ha="center", va="top", fontsize=7, color=LIMIT)
            text_at[c.category] = max(text_at[c.category], amount)
            has_limit = True
    for y, k in zip(ys, keys):
        share = funded[k] / total if total > 0 else 0.0
        ax.annotate(f"{funded[k]:,.0f} {_tx(unit)} · {share:.0%} of portfolio", (text_at[k], y + 0.2),
                    xytext=(5, 0), textcoords="offset points", va="center", fontsize=8)

    def tick(k: str) -> str:
        text = f"{k}\n{int(n_sel.get(k, 0))} of {int(n_all.get(k, 0))} projects"
        if k in count_limits:
            text += f" ({', '.join(count_limits[k])})"
        return _tx(text)

    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Patch(facecolor="#bdbdbd", alpha=0.5, label="requested (all candidates)"),
               Patch(facecolor="#636363", edgecolor="black", label="funded (selected)")]
    if has_limit:
        handles.append(Line2D([], [], color=LIMIT, lw=2.2, label="category limit"))
    ax.set_yticks(ys, [tick(k) for k in keys], fontsize=9)
    ax.set_ylim(len(keys) - 0.4, -0.6)
    ax.set_xlim(0, top * 1.35)
    ax.set_xlabel(f"total cost over the horizon ({unit})")
    _thousands(ax.xaxis)
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    ax.set_title(f"Strategic balance by {_tx(by)}: {total:,.0f} {_tx(unit)} funded")
    ax.legend(handles=handles, loc="lower right", frameon=False, fontsize=8)
    return ax


# --------------------------------------------------------------------------- frontier


def _frontier_frame(data: Any, what: str) -> pd.DataFrame:
    """``budget`` and ``objective`` columns from a table (also: budget as the index, ``optimal`` for objective)."""
    if hasattr(data, "to_frame") and not isinstance(data, (pd.DataFrame, pd.Series)):
        data = data.to_frame()
    df = _records(data, what)
    if "budget" not in df.columns and df.index.name == "budget":
        df = df.reset_index()
    if "objective" not in df.columns and "optimal" in df.columns:
        df = df.rename(columns={"optimal": "objective"})
    _require(df, ["budget", "objective"], what)
    return df


def frontier(
    data: Any,
    greedy: Any = None,
    *,
    chosen_budget: float | None = None,
    chosen_objective: float | None = None,
    unit: str = "k€",
    objective_label: str = "objective",
    ax: Axes | None = None,
) -> Axes:
    """The efficient frontier (best objective per total budget) beside the rank-and-cut curve.

    Parameters
    ----------
    data : DataFrame or list of dicts
        One row per budget level with columns ``budget`` and ``objective``
        (the optimal objective at that budget; missing/None where no portfolio
        exists, e.g. below the cost of the mandatory projects).  The engine's
        ``frontier`` list has this shape.  Also read: ``budget`` as the index,
        ``optimal`` instead of ``objective``, a ``greedy`` (or
        ``greedy_objective``) column as the greedy curve when ``greedy`` is not
        given, and any object with a ``to_frame()`` giving such a table.
    greedy : DataFrame or list of dicts, optional
        The rank-and-cut portfolios (projects added in order of value per unit
        of cost while every constraint holds), columns ``budget`` and
        ``objective``; the engine's ``greedy_frontier`` list has this shape.
    chosen_budget : float, optional
        Marks the budget actually chosen (a vertical line and a star).
    chosen_objective : float, optional
        The objective at the chosen budget; by default read off the frontier.
    unit : str
    objective_label : str
        The y axis label, e.g. ``"expected value (k€)"``.
    ax : Axes, optional

    Returns
    -------
    Axes
        ``ax.lines[0]`` is the frontier, ``ax.lines[1]`` the greedy curve when given.
    """
    df = _frontier_frame(data, "frontier")
    df = df.assign(budget=pd.to_numeric(df["budget"], errors="coerce"),
                   objective=pd.to_numeric(df["objective"], errors="coerce")).sort_values("budget")
    g = None
    if greedy is not None:
        g = _frontier_frame(greedy, "greedy frontier")
    else:
        col = next((c for c in ("greedy_objective", "greedy") if c in df.columns), None)
        if col is not None:
            g = pd.DataFrame({"budget": df["budget"], "objective": df[col]})
    if g is not None:
        g = g.assign(budget=pd.to_numeric(g["budget"], errors="coerce"),
                     objective=pd.to_numeric(g["objective"], errors="coerce")).sort_values("budget")
    ax = _new_axes(ax, (9, 5.5))
    ok = df["objective"].notna()
    ax.plot(df.loc[ok, "budget"], df.loc[ok, "objective"], "o-", color=SELECTED, lw=2, ms=5,
            label="optimal portfolio (integer program)", zorder=3)
    if g is not None:
        gok = g["objective"].notna()
        ax.plot(g.loc[gok, "budget"], g.loc[gok, "objective"], "s--", color="#ff7f0e", lw=1.5, ms=4,
                label="rank by value per cost, cut at the budget", zorder=2)
        both = df[ok].merge(g[gok], on="budget", suffixes=("", "_g"))
        if len(both) > 1:
            ax.fill_between(both["budget"], both["objective_g"], both["objective"], color=SELECTED, alpha=0.12,
                            label="gain from optimising")
    none = df.loc[~ok, "budget"]
    if len(none):
        ax.plot(none, np.zeros(len(none)), "x", color=ACCENT, ms=7, label="no feasible portfolio", zorder=3)
    if chosen_budget is not None:
        if chosen_objective is None and ok.sum() >= 1:
            chosen_objective = float(np.interp(chosen_budget, df.loc[ok, "budget"], df.loc[ok, "objective"]))
        ax.axvline(chosen_budget, color="#555555", ls=":", lw=1)
        if chosen_objective is not None:
            ax.plot([chosen_budget], [chosen_objective], "*", color=ACCENT, ms=15, zorder=4,
                    label=f"chosen: {chosen_budget:,.0f} {_tx(unit)} → {chosen_objective:,.0f}")
    ax.set_xlabel(f"total budget ({unit})")
    ax.set_ylabel(_tx(objective_label))
    _thousands(ax.xaxis)
    _thousands(ax.yaxis)
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.set_title("Efficient frontier: the best portfolio at each budget")
    ax.legend(loc="lower right", frameon=False, fontsize=9)
    return ax


# --------------------------------------------------------------------------- scenarios


def _selected_ids_of(item: Any) -> tuple[list[str] | None, dict[str, int]]:
    """(selected ids, starts) of a result, an engine response/scenario dict, a Series of starts or a list of ids."""
    if hasattr(item, "starts") and hasattr(item, "selected_ids"):
        if not item.has_solution:
            return None, {}
        return list(item.selected_ids), {str(k): int(v) for k, v in item.starts.items() if v >= 0}
    if hasattr(item, "has_solution") and hasattr(item, "selected"):  # a scenario outcome
        if not item.has_solution:
            return None, {}
        starts = getattr(item, "starts", {}) or {}
        return [str(i) for i in item.selected], {str(k): int(v) for k, v in dict(starts).items() if v >= 0}
    if isinstance(item, Mapping):
        starts = {str(k): int(v) for k, v in (item.get("starts") or {}).items() if v is not None and v >= 0}
        sel = item.get("selected")
        if sel is None and not starts:
            return None, {}
        if item.get("status") in ("infeasible", "no_solution") and not sel:
            return None, {}
        return [str(s) for s in (sel if sel is not None else starts)], starts
    if isinstance(item, pd.Series):
        s = item.dropna()
        if s.dtype == bool:
            return [str(k) for k, v in s.items() if v], {}
        return [str(k) for k, v in s.items() if v >= 0], {str(k): int(v) for k, v in s.items() if v >= 0}
    if isinstance(item, Iterable) and not isinstance(item, (str, bytes)):
        return [str(s) for s in item], {}
    raise ValidationError(f"cannot read a portfolio from {type(item).__name__}")


def _named(items: Any) -> list[tuple[str, Any]]:
    if hasattr(items, "outcomes") and hasattr(items, "base"):  # scenario results: the base first
        return [("base", items.base), *((str(o.name), o) for o in items.outcomes)]
    if isinstance(items, Mapping):
        return [(str(k), v) for k, v in items.items()]
    out = []
    for k, it in enumerate(items):
        name = it.get("name") if isinstance(it, Mapping) else getattr(it, "name", None)
        out.append((str(name) if name is not None else f"scenario {k + 1}", it))
    return out


def selection_matrix(portfolios: Any, *, ids: Sequence[str] | None = None, starts: bool = False) -> pd.DataFrame:
    """Projects × portfolios table of which project each portfolio selects.

    Parameters
    ----------
    portfolios : mapping or list
        ``{name: portfolio}`` or a list of scenario records with a ``name``
        (the engine's ``scenarios`` response).  A portfolio is a
        PortfolioResult, a dict with ``selected`` (and ``starts``), a Series of
        starts (-1 = not selected) or of booleans, or a list of selected ids.
        A portfolio without a solution (infeasible) gives a column of NA.
    ids : sequence of str, optional
        Row order; by default the ids of the first result's problem, else the
        selected ids in order of first appearance.
    starts : bool
        Give the start period (-1 = not selected) instead of True/False.

    Returns
    -------
    DataFrame
        Index = project ids, one column per portfolio; ``bool`` (``boolean``
        with NA for infeasible ones) or ``Int64`` starts.

    Examples
    --------
    >>> selection_matrix({"base": ["A", "B"], "cut": ["A"]})
          base    cut
    A     True   True
    B     True  False
    """
    named = _named(portfolios)
    if ids is None:
        for _, it in named:
            if hasattr(it, "problem"):
                ids = [str(i) for i in it.problem.ids]
                break
    cols: dict[str, tuple[list[str] | None, dict[str, int]]] = {n: _selected_ids_of(it) for n, it in named}
    if ids is None:
        ids = list(dict.fromkeys(i for sel, _ in cols.values() for i in (sel or [])))
    data = {}
    for n, (sel, st) in cols.items():
        if sel is None:
            data[n] = pd.array([pd.NA] * len(ids), dtype="Int64" if starts else "boolean")
        elif starts:
            if sel and not st:
                raise ValidationError(f"portfolio '{n}' gives no start periods (only ids); use starts=False")
            data[n] = pd.array([st.get(i, -1) for i in ids], dtype="Int64")
        else:
            chosen = set(sel)
            data[n] = [i in chosen for i in ids]
    out = pd.DataFrame(data, index=pd.Index(list(ids), name="id"))
    out.index.name = None
    return out


def scenario_table(scenarios: Any, *, base: Any = None) -> pd.DataFrame:
    """One row per scenario: status, objective, total spend, number selected, entered and left.

    Parameters
    ----------
    scenarios : mapping or list or DataFrame
        ``{name: PortfolioResult}``, the engine's ``scenarios`` list of dicts
        (``name``, ``status``, ``objective``, ``selected``, ``entered``,
        ``left``...), or a DataFrame already in this shape (returned as is,
        indexed by ``name`` if it has that column).
    base : PortfolioResult or dict, optional
        The base portfolio: added as the first row ``"base"``, and used to
        compute ``entered``/``left`` where they are not given.

    Returns
    -------
    DataFrame
        Index = scenario name; columns ``status``, ``objective``, ``spend``
        (total, NaN when unknown), ``n_selected``, ``entered``, ``left``
        (lists of ids), ``moved`` (ids whose start changed, when known).

    Examples
    --------
    >>> t = scenario_table([{"name": "cut", "status": "optimal", "objective": 9.0, "selected": ["A"]}],
    ...                    base={"status": "optimal", "objective": 12.0, "selected": ["A", "B"]})
    >>> t[["objective", "n_selected", "left"]]
          objective  n_selected left
    base       12.0           2   []
    cut         9.0           1  [B]
    """
    if not isinstance(scenarios, (pd.DataFrame, Mapping, list, tuple)) and isinstance(
            getattr(scenarios, "summary", None), pd.DataFrame):
        scenarios = scenarios.summary  # scenario results with their own table
    if isinstance(scenarios, pd.DataFrame):
        df = scenarios.copy()
        if "name" in df.columns:
            df = df.set_index("name")
        return df
    rows = []
    items = _named(scenarios)
    base_sel, base_st = _selected_ids_of(base) if base is not None else (None, {})
    if base is not None:
        items = [("base", base), *items]
    for name, it in items:
        sel, st = _selected_ids_of(it)
        if hasattr(it, "status"):
            status = it.status.value
            obj = it.objective
            spend_ = it.total_spend if it.has_solution else None
        else:
            status = it.get("status")
            obj = it.get("objective")
            spend_ = it.get("total_spend", it.get("spend_total"))
            if isinstance(it.get("spend"), (int, float)):
                spend_ = it["spend"]
        entered = it.get("entered") if isinstance(it, Mapping) else None
        left = it.get("left") if isinstance(it, Mapping) else None
        moved = it.get("moved") if isinstance(it, Mapping) else None
        if base_sel is not None and sel is not None:
            if entered is None:
                entered = [i for i in sel if i not in set(base_sel)]
            if left is None:
                left = [i for i in base_sel if i not in set(sel)]
            if moved is None and st and base_st:
                moved = [i for i in sel if i in base_st and i in st and st[i] != base_st[i]]
        rows.append({
            "name": name,
            "status": status,
            "objective": np.nan if obj is None else float(obj),
            "spend": np.nan if spend_ is None else float(spend_),
            "n_selected": 0 if sel is None else len(sel),
            "entered": list(entered or []),
            "left": list(left or []),
            "moved": list(moved or []) if moved is not None else [],
        })
    return pd.DataFrame(rows).set_index("name").rename_axis(None)


def _selection_cells(
    selection: pd.DataFrame, period_labels: Sequence[str] | None, as_starts: bool = False
) -> tuple[np.ndarray, pd.Series, list[list[str]] | None]:
    """(selected matrix, columns without any portfolio, cell texts or None) of a selection table.

    Booleans/0-1 mark the selection; numbers with a negative among them are
    start periods (-1 = not selected; written in the cells); text is a start
    label ("" = not selected).
    """
    obj = selection.astype(object).where(selection.notna(), None)
    cells = obj.to_numpy()
    missing = pd.Series([all(v is None for v in cells[:, j]) for j in range(cells.shape[1])],
                        index=selection.columns)
    is_text = any(isinstance(v, str) for v in cells.ravel())
    if is_text:
        vals = np.array([[isinstance(v, str) and v.strip() != "" for v in row] for row in cells], dtype=bool)
        return vals.reshape(cells.shape), missing, [[str(v) if isinstance(v, str) else "" for v in row]
                                                     for row in cells]
    num = selection.apply(pd.to_numeric, errors="coerce").astype(float).to_numpy()
    if as_starts or np.nanmin(num, initial=0.0) < 0:  # start periods
        vals = np.nan_to_num(num, nan=-1.0) >= 0
        texts = [[("" if not (v >= 0) else (str(period_labels[int(v)]) if period_labels is not None
                                              else str(int(v)))) for v in row] for row in num]
        return vals, missing, texts
    return np.nan_to_num(num, nan=0.0) > 0, missing, None


def scenario_heatmap(
    selection: pd.DataFrame,
    *,
    starts: pd.DataFrame | None = None,
    period_labels: Sequence[str] | None = None,
    drop_never: bool = True,
    only_changes: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """Which project each scenario selects: a projects × scenarios grid.

    Parameters
    ----------
    selection : DataFrame
        Index = project ids, one column per scenario: True/1 where selected
        (a column of NA = the scenario has no portfolio); or start periods
        (-1 = not selected) or start labels (text, "" = not selected), which
        are written into the cells.  :func:`selection_matrix` builds it from
        results or from the engine's ``scenarios`` list.
    starts : DataFrame, optional
        Same shape, start periods (-1 = not selected), written into the cells.
    period_labels : sequence of str, optional
        Labels for start periods given as numbers.
    drop_never : bool
        Leave out projects no scenario selects.
    only_changes : bool
        Show only the projects whose selection differs between scenarios.
    ax : Axes, optional

    Returns
    -------
    Axes
        One image (``ax.images[0]``) with a row per project shown; rows whose
        selection changes between scenarios have bold, orange labels.
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    if not isinstance(selection, pd.DataFrame):
        raise ValidationError(f"selection: expected a DataFrame projects × scenarios, got {type(selection).__name__}")
    if selection.shape[1] == 0:
        raise ValidationError("selection: no scenario columns")
    vals, missing_col, texts = _selection_cells(selection, period_labels)
    if starts is not None:
        st = starts.reindex(index=selection.index, columns=selection.columns)
        _, _, texts = _selection_cells(st.where(st.notna(), -1), period_labels, as_starts=True)
    count = vals.sum(axis=1)
    feasible_cols = ~missing_col.to_numpy()
    n_feas = int(feasible_cols.sum())
    changes = (vals[:, feasible_cols].sum(axis=1) % max(n_feas, 1)) != 0 if n_feas else np.zeros(len(vals), bool)
    keep = np.ones(len(vals), bool)
    if drop_never:
        keep &= count > 0
    if only_changes:
        keep &= changes
    # rows: always selected first, then by how many scenarios select them, then input order
    order = sorted(np.flatnonzero(keep), key=lambda k: (-count[k], k))
    if not order:  # nothing to show: say so rather than draw an empty grid
        ax = _new_axes(ax, (6, 2.5))
        ax.text(0.5, 0.5, "every scenario selects the same projects" if only_changes else "no project is selected",
                ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel("project")
        ax.set_title("Selection per scenario: no project changes")
        return ax
    img = np.where(vals[order], 1.0, 0.0)
    img[:, ~feasible_cols] = 0.5
    nrows, ncols = img.shape
    ax = _new_axes(ax, (max(5.0, 1.1 * ncols + 3.0), 0.24 * nrows + 2.2))
    cmap = ListedColormap(["#f2f2f2", "#bdbdbd", SELECTED])
    ax.imshow(img, aspect="auto", cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
    if texts is not None:
        for r, k in enumerate(order):
            for c in range(ncols):
                if vals[k, c] and texts[k][c]:
                    ax.text(c, r, _tx(texts[k][c]), ha="center", va="center", fontsize=7, color="white")
    ids = [str(selection.index[k]) for k in order]
    ax.set_yticks(np.arange(nrows), [_tx(i) for i in ids], fontsize=8)
    for lab, k in zip(ax.get_yticklabels(), order):
        if changes[k]:
            lab.set_color("#d95f02")
            lab.set_fontweight("bold")
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.set_xticks(np.arange(ncols), [_tx(c) for c in selection.columns], rotation=30, ha="left",
                  rotation_mode="anchor")
    ax.set_xticks(np.arange(ncols + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(nrows + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=1.2)
    ax.tick_params(which="minor", length=0)
    ax.set_ylabel("project")
    handles = [Patch(color=SELECTED, label="selected"), Patch(color="#f2f2f2", label="not selected")]
    if (~feasible_cols).any():
        handles.append(Patch(color="#bdbdbd", label="no feasible portfolio"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_title(f"Selection per scenario: {int(changes[keep].sum())} of {nrows} projects change (orange)")
    return ax


def scenario_outcomes(
    table: Any,
    *,
    base: str | None = None,
    unit: str = "k€",
    objective_label: str = "objective",
    ax: Axes | None = None,
) -> Axes:
    """The objective of each scenario (bars, left axis) beside its total spend (bars, right axis).

    Parameters
    ----------
    table : DataFrame or list of dicts
        Indexed by scenario name (or with a ``name`` column), with column
        ``objective`` and optionally ``spend`` (or ``total_spend``) and
        ``status``; :func:`scenario_table` builds it.  A missing objective is
        shown as the status (e.g. "infeasible").
    base : str, optional
        The row the others are compared with (percent change written over each
        bar); by default the row named ``"base"`` if there is one.
    unit : str
    objective_label : str
    ax : Axes, optional

    Returns
    -------
    Axes
        One objective bar patch per scenario; when spend is given, the spend
        bars are on ``ax.right_ax`` (a twin axis, as pandas names it).
    """
    from matplotlib.patches import Patch

    df = _records(table, "scenario table")
    if "name" in df.columns:
        df = df.set_index("name")
    _require(df, ["objective"], "scenario table")
    if "spend" not in df.columns and "total_spend" in df.columns:
        df = df.rename(columns={"total_spend": "spend"})
    obj = pd.to_numeric(df["objective"], errors="coerce")
    if base is None and "base" in df.index:
        base = "base"
    if base is not None and base not in df.index:
        raise ValidationError(f"base scenario '{base}' is not a row of the table (rows: {', '.join(map(str, df.index))})")
    sp = pd.to_numeric(df["spend"], errors="coerce") if "spend" in df.columns else None
    with_spend = sp is not None and bool(sp.notna().any())
    names = [str(i) for i in df.index]
    xs = np.arange(len(names))
    w = 0.38 if with_spend else 0.6
    dx = w / 2 if with_spend else 0.0
    ax = _new_axes(ax, (max(6.0, 1.3 * len(names) + 3), 5.4))
    is_base = [base is not None and str(n) == str(base) for n in df.index]
    ax.bar(xs - dx, obj.fillna(0.0).to_numpy(), width=w, color=["#08519c" if b else "#6baed6" for b in is_base])
    top = float(obj.max()) if obj.notna().any() else 1.0
    base_obj = float(obj[base]) if base is not None and pd.notna(obj[base]) else None
    for x, (n, v) in zip(xs, obj.items()):
        if pd.isna(v):
            status = str(df["status"].get(n, "")) if "status" in df.columns else ""
            ax.text(x - dx, top * 0.03, _tx(status or "no portfolio"), ha="center", va="bottom", rotation=90,
                    fontsize=8, color=ACCENT)
            continue
        txt = f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.3g}"
        if base_obj and n != base:
            txt += f"\n{(v - base_obj) / abs(base_obj):+.1%}"
        ax.annotate(txt, (x - dx, v), xytext=(0, 3), textcoords="offset points", ha="center", va="bottom",
                    fontsize=8)
    ax.set_ylim(0, top * 1.22)
    long = max(map(len, names), default=0) > 8
    ax.set_xticks(xs, [_tx(n) for n in names], rotation=25 if long else 0, ha="right" if long else "center",
                  rotation_mode="anchor" if long else "default")
    ax.set_ylabel(_tx(objective_label))
    if top >= 100:
        _thousands(ax.yaxis)
    ax.grid(True, axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    handles = [Patch(color="#6baed6", label=_tx(objective_label))]
    if base is not None:
        handles.insert(0, Patch(color="#08519c", label=f"{_tx(objective_label)}, {_tx(base)}"))
    if with_spend:
        assert sp is not None
        right = ax.twinx()
        right.bar(xs + dx, sp.fillna(0.0).to_numpy(), width=w, color="#fdae6b", edgecolor="#e6550d", linewidth=0.6)
        for x, v in zip(xs, sp):
            if pd.notna(v):
                right.annotate(f"{v:,.0f}", (x + dx, v), xytext=(0, 3), textcoords="offset points",
                               ha="center", va="bottom", fontsize=7, color="#a63603")
        right.set_ylabel(f"total spend ({unit})")
        right.set_ylim(0, float(sp.max()) * 1.22)
        _thousands(right.yaxis)
        ax.right_ax = right  # type: ignore[attr-defined]
        handles.append(Patch(facecolor="#fdae6b", edgecolor="#e6550d", label=f"total spend ({unit}, right axis)"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.2 if long else -0.1),
              ncol=len(handles), frameon=False, fontsize=8)
    ax.set_title("Objective and spend per scenario" + (f" (change against '{_tx(base)}')" if base_obj else ""))
    return ax


# --------------------------------------------------------------------------- sensitivity and uncertainty


def tornado(
    table: Any,
    *,
    base: float | None = None,
    xlabel: str = "criterion weight",
    labels: tuple[str, str] = ("low", "high"),
    title: str = "Sensitivity (tornado): widest range on top",
    ax: Axes | None = None,
) -> Axes:
    """A tornado chart: one bar per parameter from its low to its high value, widest on top.

    Two readings are common, and both fit:

    * **weight-stability intervals**: per criterion, ``low`` and ``high`` are
      the smallest and largest weight at which the chosen portfolio stays
      optimal, ``base`` its current weight (the bar shows how far a weight may
      move before the selection changes);
    * **outcome swings**: per parameter, ``low``/``high`` are the objective
      when the parameter is set low/high, and the scalar ``base`` is the
      objective as it stands.

    Parameters
    ----------
    table : DataFrame or list of dicts
        Indexed by parameter name (or with a ``name``, ``criterion`` or
        ``parameter`` column), with columns ``low`` and ``high`` (±inf allowed:
        "no limit", drawn to the edge with an arrow) and optionally ``base``
        (or ``weight``: the current weight).  Any object with a ``to_frame()``
        giving such a table is read too.
    base : float, optional
        One common reference value for every row (outcome swings); overrides a
        ``base`` column.
    xlabel : str
    labels : (str, str)
        Legend names of the parts below and above the base.
    title : str
    ax : Axes, optional

    Returns
    -------
    Axes
        With a base: two bar patches per row (below, above); without: one.
    """
    if hasattr(table, "to_frame") and not isinstance(table, (pd.DataFrame, pd.Series)):
        table = table.to_frame()
    df = _records(table, "tornado table")
    if "base" not in df.columns and "weight" in df.columns:
        df = df.rename(columns={"weight": "base"})
    for key in ("name", "criterion", "parameter"):
        if key in df.columns:
            df = df.set_index(key)
            break
    _require(df, ["low", "high"], "tornado table")
    lo = pd.to_numeric(df["low"], errors="coerce").to_numpy(float)
    hi = pd.to_numeric(df["high"], errors="coerce").to_numpy(float)
    if base is not None:
        b = np.full(len(df), float(base))
    elif "base" in df.columns:
        b = pd.to_numeric(df["base"], errors="coerce").to_numpy(float)
    else:
        b = None
    finite = np.concatenate([v[np.isfinite(v)] for v in (lo, hi, b if b is not None else np.array([]))])
    if finite.size == 0:
        raise ValidationError("tornado table: no finite low/high values")
    span = float(finite.max() - finite.min()) or max(abs(float(finite.max())), 1.0)
    left_edge = float(finite.min()) - 0.12 * span
    right_edge = float(finite.max()) + 0.12 * span
    if float(finite.min()) >= 0:  # weights and costs: no room below zero is needed
        left_edge = max(left_edge, 0.0)
    lo_d = np.where(np.isneginf(lo), left_edge, lo)
    hi_d = np.where(np.isposinf(hi), right_edge, hi)
    width = np.nan_to_num(hi_d - lo_d, nan=0.0)
    order = np.argsort(-width, kind="stable")
    ys = np.arange(len(df))
    ax = _new_axes(ax, (9, 0.55 * len(df) + 2.0))
    for y, k in zip(ys, order):
        if b is not None and np.isfinite(b[k]):
            ax.barh(y, b[k] - lo_d[k], left=lo_d[k], height=0.6, color="#6baed6",
                    label=_tx(labels[0]) if y == 0 else None)
            ax.barh(y, hi_d[k] - b[k], left=b[k], height=0.6, color="#fd8d3c",
                    label=_tx(labels[1]) if y == 0 else None)
            if base is None:
                ax.plot([b[k], b[k]], [y - 0.38, y + 0.38], color="black", lw=2,
                        label="current" if y == 0 else None)
        else:
            ax.barh(y, hi_d[k] - lo_d[k], left=lo_d[k], height=0.6, color="#6baed6")
        for v, vd, side in ((lo[k], lo_d[k], "right"), (hi[k], hi_d[k], "left")):
            text = _fmt(v) if np.isfinite(v) else ("no limit ◀" if side == "right" else "▶ no limit")
            ax.annotate(text, (vd, y), xytext=(-4 if side == "right" else 4, 0), textcoords="offset points",
                        ha=side, va="center", fontsize=8)
    if base is not None:
        ax.axvline(float(base), color="black", lw=1.2, label=f"base {_fmt(float(base))}")
    ax.set_yticks(ys, [_tx(df.index[k]) for k in order])
    ax.set_ylim(len(df) - 0.5, -0.5)
    pad = 0.1 * (right_edge - left_edge)
    ax.set_xlim(left_edge - pad, right_edge + pad)
    ax.set_xlabel(_tx(xlabel))
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    ax.set_title(_tx(title))
    if b is not None:
        ax.legend(loc="lower right", frameon=False, fontsize=8)
    return ax


def selection_frequency(
    data: Any,
    *,
    selected: Iterable[str] | None = None,
    top: int | None = None,
    hide_zero: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """How often each project is selected across samples, sorted, most often on top.

    Parameters
    ----------
    data : Series, DataFrame
        A Series id → share of samples in [0, 1]; a DataFrame with a
        ``frequency`` column; a 0/1 (boolean) matrix projects × samples
        whose row means are taken; or an object with a ``selection_frequency``
        Series (a simulation).
    selected : iterable of str, optional
        The ids of the base portfolio, drawn dark (the others light).
    top : int, optional
        Show only the most frequent ones.
    hide_zero : bool
        Leave out projects never selected.
    ax : Axes, optional

    Returns
    -------
    Axes
        One bar patch per project shown.
    """
    from matplotlib.ticker import PercentFormatter

    if not isinstance(data, (pd.Series, pd.DataFrame, Mapping)) and hasattr(data, "selection_frequency"):
        data = data.selection_frequency  # a simulation's result
    if isinstance(data, pd.DataFrame):
        if "frequency" in data.columns:
            freq = pd.to_numeric(data["frequency"], errors="coerce")
        else:
            freq = data.apply(pd.to_numeric, errors="coerce").astype(float).mean(axis=1)
    elif isinstance(data, pd.Series):
        freq = pd.to_numeric(data, errors="coerce")
    elif isinstance(data, Mapping):
        freq = pd.Series(dict(data), dtype=float)
    else:
        raise ValidationError(f"selection frequency: expected a Series or DataFrame, got {type(data).__name__}")
    freq = freq.astype(float).fillna(0.0)
    if ((freq < -1e-9) | (freq > 1 + 1e-9)).any():
        raise ValidationError("selection frequency: shares must lie in [0, 1]")
    if hide_zero:
        freq = freq[freq > 0]
    freq = freq.iloc[np.lexsort((np.arange(len(freq)), -freq.to_numpy()))]
    if top is not None:
        freq = freq.head(top)
    base = {str(s) for s in selected} if selected is not None else None
    ax = _new_axes(ax, (8, 0.24 * len(freq) + 2.0))
    ys = np.arange(len(freq))
    colors = [SELECTED if base is None or str(i) in base else "#9ecae1" for i in freq.index]
    ax.barh(ys, freq.to_numpy(), height=0.75, color=colors)
    ax.set_yticks(ys, [_tx(i) for i in freq.index], fontsize=8)
    ax.set_ylim(len(freq) - 0.5, -0.5)
    ax.set_xlim(0, 1.0)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.axvline(0.5, color="#7f7f7f", ls=":", lw=1)
    ax.set_xlabel("share of samples in which the project is selected")
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    if base is not None:
        from matplotlib.patches import Patch

        ax.legend(handles=[Patch(color=SELECTED, label="in the base portfolio"),
                           Patch(color="#9ecae1", label="not in the base portfolio")],
                  loc="lower right", frameon=False, fontsize=8)
    ax.set_title("Selection frequency under uncertainty")
    return ax


def value_distribution(
    values: Any,
    *,
    base: float | None = None,
    bins: int | str = "auto",
    unit: str = "k€",
    label: str = "portfolio value",
    ax: Axes | None = None,
) -> Axes:
    """Histogram of a portfolio's value over samples, with mean, 5th/95th percentiles and the base value.

    Parameters
    ----------
    values : array-like, Series or DataFrame
        One number per sample; a DataFrame must have an ``objective`` or
        ``value`` column; an object with ``portfolio_value`` (a simulation)
        gives those values and its ``planned_value`` as the base.
    base : float, optional
        The deterministic (planned) value, drawn as a dashed line.
    bins : int or str
        As for :func:`numpy.histogram`.
    unit : str
    label : str
        What the values are, for the x axis.
    ax : Axes, optional

    Returns
    -------
    Axes
        One patch per bin; vertical lines for the mean, P5, P95 (and the base).
    """
    if not isinstance(values, (pd.Series, pd.DataFrame, np.ndarray, list, tuple)) and hasattr(values, "portfolio_value"):
        if base is None and hasattr(values, "planned_value"):
            base = float(values.planned_value)
        values = values.portfolio_value  # a simulation's result
    if isinstance(values, pd.DataFrame):
        col = next((c for c in ("objective", "value") if c in values.columns), None)
        if col is None:
            raise ValidationError("value distribution: the DataFrame needs an 'objective' or 'value' column")
        values = values[col]
    v = pd.to_numeric(pd.Series(np.asarray(values).ravel()), errors="coerce").dropna().to_numpy(float)
    if v.size == 0:
        raise ValidationError("value distribution: no numeric values")
    ax = _new_axes(ax, (8, 5))
    ax.hist(v, bins=bins, color="#9ecae1", edgecolor="white")
    mean, p5, p95 = float(v.mean()), float(np.percentile(v, 5)), float(np.percentile(v, 95))
    ax.axvline(mean, color=SELECTED, lw=2, label=f"mean {mean:,.0f}")
    ax.axvline(p5, color="#7f7f7f", ls=":", lw=1.5, label=f"5th percentile {p5:,.0f}")
    ax.axvline(p95, color="#7f7f7f", ls="-.", lw=1.5, label=f"95th percentile {p95:,.0f}")
    if base is not None:
        ax.axvline(float(base), color=ACCENT, ls="--", lw=1.8, label=f"planned {float(base):,.0f}")
    ax.set_xlabel(f"{_tx(label)} ({unit})")
    ax.set_ylabel("number of samples")
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _thousands(ax.xaxis)
    ax.grid(True, axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    ax.legend(loc="upper left", frameon=False, fontsize=8)
    ax.set_title(f"Distribution of the {_tx(label)} over {v.size:,} samples")
    return ax
