"""A portfolio report a PMO can send: one HTML file (plots embedded) and one Excel workbook.

:func:`write_report` writes either or both from a
:class:`~portfolio_opt.PortfolioResult`, optionally with scenario results, an
efficient frontier and an explanation of the selection.  :func:`report_html`
and :func:`report_workbook` build the two without writing them.

The HTML file is self-contained (plots are PNG images embedded as base64, no
scripts, no external links) and every piece of user text in it is
HTML-escaped.  The workbook has the sheets ``Summary``, ``Candidates``,
``Selection``, ``Spend``, ``Resources`` and, when given, ``Scenarios``,
``Frontier`` and ``Explanations``.  Text cells never become formulas: a
project called ``=SUM(A1)`` (or any text starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) is stored as a string cell with Excel's
quote prefix, so Excel shows it and does not run it.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import html
import io
import math
import numbers
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from openpyxl import Workbook

    from .result import PortfolioResult

__all__ = ["ReportFiles", "write_report", "report_html", "report_workbook", "safe_cell_value"]

#: text starting with one of these is a formula (or DDE payload) to a spreadsheet program
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XML = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


@dataclasses.dataclass(frozen=True)
class ReportFiles:
    """The files :func:`write_report` wrote (None for the one not asked for)."""

    html: Path | None
    xlsx: Path | None


# --------------------------------------------------------------------------- inputs


@dataclasses.dataclass(frozen=True)
class _Inputs:
    result: Any
    scenario_table: pd.DataFrame | None
    scenario_matrix: pd.DataFrame | None
    frontier: pd.DataFrame | None
    greedy: pd.DataFrame | None
    paragraphs: tuple[str, ...]
    bullets: tuple[str, ...]
    explanation_table: pd.DataFrame | None
    explanation_text: str | None
    binding: pd.DataFrame | None
    title: str
    unit: str
    staff_unit: str


def _read_scenarios(scenarios: Any, result: Any) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    from . import plots

    if scenarios is None:
        return None, None
    if isinstance(scenarios, pd.DataFrame):
        return plots.scenario_table(scenarios), None
    if hasattr(scenarios, "outcomes") and hasattr(scenarios, "base"):  # scenario results carry their base
        table = plots.scenario_table(scenarios)
        return table, plots.selection_matrix(scenarios)
    named = plots._named(scenarios)
    table = plots.scenario_table(scenarios, base=result)
    matrix = plots.selection_matrix({"base": result, **dict(named)},
                                    ids=[str(i) for i in result.problem.ids])
    return table, matrix


def _read_frontier(frontier: Any) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    from . import plots

    if frontier is None:
        return None, None
    greedy = None
    if isinstance(frontier, Mapping) and "frontier" in frontier:  # the engine's response fields
        greedy = frontier.get("greedy_frontier")
        frontier = frontier["frontier"]
    elif isinstance(frontier, tuple) and len(frontier) == 2:
        frontier, greedy = frontier
    df = plots._frontier_frame(frontier, "frontier")
    g = plots._frontier_frame(greedy, "greedy frontier") if greedy is not None else None
    if g is None:
        col = next((c for c in ("greedy_objective", "greedy") if c in df.columns), None)
        if col is not None:
            g = pd.DataFrame({"budget": df["budget"], "objective": df[col]})
    return df, g


def _read_explanation(explanation: Any) -> tuple[tuple[str, ...], tuple[str, ...], pd.DataFrame | None]:
    """(paragraphs, bullet points, table) from text, a list, a table or an explanation object."""
    if explanation is None:
        return (), (), None
    if hasattr(explanation, "to_frame") and callable(getattr(explanation, "report", None)):
        return (), (), explanation.to_frame()  # an explanation object: its text report is read separately
    if isinstance(explanation, str):
        paras = tuple(p.strip() for p in re.split(r"\n\s*\n", explanation) if p.strip())
        return paras, (), None
    if isinstance(explanation, Mapping) and "explanations" in explanation:
        explanation = explanation["explanations"]  # the engine's response field
    if hasattr(explanation, "to_frame") and not isinstance(explanation, (pd.DataFrame, pd.Series)):
        text = getattr(explanation, "text", None)
        paras = (str(text),) if isinstance(text, str) and text else ()
        return paras, (), explanation.to_frame()
    if isinstance(explanation, pd.Series):
        return (), (), explanation.rename("reason").to_frame()
    if isinstance(explanation, pd.DataFrame):
        return (), (), explanation.copy()
    if isinstance(explanation, Mapping):
        if all(isinstance(v, str) for v in explanation.values()):
            df = pd.DataFrame({"reason": list(explanation.values())}, index=[str(k) for k in explanation])
            return (), (), df.rename_axis("id")
        raise ValidationError("explanation: a mapping must map project ids to reasons (text)")
    if isinstance(explanation, Iterable):
        items = list(explanation)
        if all(isinstance(i, str) for i in items):
            return (), tuple(items), None
        if all(isinstance(i, Mapping) for i in items):
            df = pd.DataFrame(items)
            if "id" in df.columns:
                df = df.set_index("id")
            return (), (), df
    raise ValidationError(
        f"explanation: expected text, a list of sentences, a table or an explanation object, got {type(explanation).__name__}"
    )


def _inputs(result: Any, scenarios: Any, explanation: Any, frontier: Any, title: str, unit: str,
            staff_unit: str) -> _Inputs:
    if not (hasattr(result, "problem") and hasattr(result, "starts") and hasattr(result, "status")):
        raise ValidationError(f"write_report needs a PortfolioResult, got {type(result).__name__}")
    st, sm = _read_scenarios(scenarios, result)
    fr, gr = _read_frontier(frontier)
    paras, bullets, table = _read_explanation(explanation)
    text = None
    binding = None
    if explanation is not None and not isinstance(explanation, (str, pd.DataFrame, pd.Series, Mapping, list, tuple)):
        if callable(getattr(explanation, "report", None)):
            text = str(explanation.report())  # a plain-language report, laid out in lines
        if isinstance(getattr(explanation, "binding", None), pd.DataFrame):
            binding = explanation.binding.copy()
    return _Inputs(result, st, sm, fr, gr, paras, bullets, table, text, binding, title, unit, staff_unit)


# --------------------------------------------------------------------------- tables shared by both outputs


def _fmt_list(v: Any) -> str:
    if isinstance(v, (list, tuple, set)):
        return "; ".join(str(x) for x in v)
    return "" if v is None else str(v)


def _candidates(result: Any) -> pd.DataFrame:
    """Every candidate: identity, decision, cost, value, scores and metrics."""
    p = result.problem
    f = p.table.frame
    labels = p.periods
    st = result.starts.to_numpy(int) if result.has_solution else np.full(len(f), -1)
    dur = f["duration"].to_numpy(int)
    out = pd.DataFrame(index=f.index.astype(str))
    out["name"] = f["name"].astype(str).to_numpy()
    out["category"] = [None if c is None or (isinstance(c, float) and math.isnan(c)) else str(c)
                       for c in f["category"]]
    out["selected"] = st >= 0
    out["start"] = [labels[s] if s >= 0 else None for s in st]
    out["end"] = [labels[min(s + d - 1, len(labels) - 1)] if s >= 0 else None for s, d in zip(st, dur)]
    out["duration"] = dur
    out["total_cost"] = f["total_cost"].to_numpy(float)
    out["cost_profile"] = [_fmt_list([f"{c:g}" for c in cost]) for cost in f["cost"]]
    out["value"] = f["value"].to_numpy(float)
    out["probability"] = f["probability"].to_numpy(float)
    out["objective_value"] = p.objective_values.to_numpy(float)
    out["contribution"] = np.where(st >= 0, out["objective_value"] * out["probability"], 0.0)
    out["earliest_start"] = [labels[s] if 0 <= s < len(labels) else s for s in f["earliest_start"].to_numpy(int)]
    out["latest_start"] = [labels[s] if 0 <= s < len(labels) else s for s in f["latest_start"].to_numpy(int)]
    out["mandatory"] = f["mandatory"].to_numpy(bool)
    out["excluded"] = f["excluded"].to_numpy(bool)
    out["requires"] = [_fmt_list(r) for r in f["requires"]]
    out["excludes"] = [_fmt_list(r) for r in f["excludes"]]
    if p.scoring is not None and p.scores is not None:
        for c in p.scoring.criteria:
            col = c.column or c.name
            if col in f.columns:
                out[f"{c.name} (raw)"] = pd.to_numeric(f[col], errors="coerce").to_numpy(float)
        for col in p.scores.columns:
            out[col if col == "score" else f"{col} (normalised)"] = p.scores[col].to_numpy(float)
    m = p.metrics
    for col in ("npv", "benefit_cost_ratio", "roi", "payback_period"):
        if col in m.columns:
            out[col] = pd.to_numeric(m[col], errors="coerce").to_numpy(float)
    out.index.name = "id"
    return out


def _selection(result: Any) -> pd.DataFrame:
    """The selected projects with their schedule and spend per period."""
    p = result.problem
    sel = result.selected.copy()
    sel.index = sel.index.astype(str)
    f = p.table.frame
    st = result.starts.to_numpy(int)
    T = p.n_periods
    per = np.zeros((len(f), T))
    for k in np.flatnonzero(st >= 0):
        s = int(st[k])
        n = min(p.table.cost.shape[1], T - s)
        per[k, s : s + n] = p.table.cost[k, :n]
    out = pd.DataFrame({
        "name": sel["name"].astype(str),
        "category": sel["category"],
        "start": sel["start_period"].astype(str),
        "end": sel["end_period"].astype(str),
        "duration": f.loc[result.selected.index, "duration"].to_numpy(int),
        "mandatory": f.loc[result.selected.index, "mandatory"].to_numpy(bool),
        "total_cost": sel["total_cost"],
        "objective_value": sel["objective_value"],
        "probability": sel["probability"],
        "contribution": sel["contribution"],
    }, index=sel.index)
    for t, lab in enumerate(p.periods):
        out[f"spend {lab}"] = per[st >= 0, t]
    out.index.name = "id"
    return out


def _spend(result: Any) -> pd.DataFrame:
    df = result.spend.copy()
    df.index = df.index.astype(str)
    return df


def _resources(result: Any) -> pd.DataFrame:
    ru = result.resource_use
    if ru.empty:
        return pd.DataFrame(index=pd.Index([str(p) for p in result.problem.periods], name="period"))
    flat = ru.copy()
    flat.columns = [f"{r} {m}" for r, m in ru.columns]
    flat.index = flat.index.astype(str)
    return flat


def _objective_label(p: Any, unit: str) -> str:
    return {"value": f"expected value ({unit})", "npv": f"expected NPV ({unit})",
            "score": "expected weighted score"}.get(p.objective, f"expected {p.objective}")


def _key_figures(result: Any, unit: str) -> list[tuple[str, str]]:
    p = result.problem
    rows = [("status", result.status.value)]
    if result.has_solution:
        rows.append((f"objective: {_objective_label(p, unit)}", f"{result.objective:,.6g}"))
        if result.gap:
            rows.append(("proven gap to the optimum", f"{result.gap:.2%}"))
        rows.append(("projects selected", f"{len(result.selected_ids)} of {len(p.table)}"))
        total, per = p.budget_limits()
        spent = result.total_spend
        budget_text = f"{spent:,.0f} {unit}"
        if math.isfinite(total):
            budget_text += f" of {total:,.0f} ({spent / total:.0%})" if total > 0 else f" of {total:,.0f}"
        rows.append(("total spend", budget_text))
        cost_all = float(p.table.frame["total_cost"].sum())
        rows.append(("cost of all candidates", f"{cost_all:,.0f} {unit}"))
    rows.append(("periods", f"{p.periods[0]} – {p.periods[-1]} ({p.n_periods})"))
    rows.append(("solver", f"{result.solver.name} {result.solver.version}, {result.solver.seconds:.2f} s"))
    return rows


# --------------------------------------------------------------------------- HTML


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#222;
     margin:0 auto;max-width:1120px;padding:24px 32px;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em} h2{font-size:1.3em;border-bottom:2px solid #1f77b4;padding-bottom:.2em;
   margin-top:2em} h3{font-size:1.05em}
.sub{color:#666;margin-top:0}
table{border-collapse:collapse;margin:.6em 0 1.2em 0;font-size:.88em}
th,td{padding:4px 9px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
th{background:#f3f6fa;font-weight:600} tr:nth-child(even) td{background:#fafafa}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td:first-child{white-space:nowrap} table.kv th{background:none;font-weight:600;width:18em}
img{max-width:100%;height:auto;display:block;margin:.6em 0 1.2em 0}
.status-ok{color:#2ca02c;font-weight:600} .status-bad{color:#d62728;font-weight:600}
.note{color:#555;font-size:.9em} ul.diag li{margin:.3em 0}
.explain{white-space:pre-wrap;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;background:#f7f9fb;
         padding:12px 16px;border-left:3px solid #1f77b4}
@media print{h2{page-break-before:auto} img{page-break-inside:avoid}}
"""


def _e(v: Any) -> str:
    return html.escape("" if v is None else str(v), quote=True)


def _cell_html(v: Any, fmt: Callable[[float], str] | None = None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return "<td></td>"
    if isinstance(v, (bool, np.bool_)):
        return f"<td>{'yes' if v else ''}</td>"
    if isinstance(v, numbers.Real):
        x = float(v)
        if not math.isfinite(x):
            return '<td class="num">unlimited</td>' if x > 0 else '<td class="num">−∞</td>'
        text = fmt(x) if fmt else (f"{x:,.0f}" if abs(x) >= 1000 or float(x).is_integer() else f"{x:,.3g}")
        return f'<td class="num">{_e(text)}</td>'
    if isinstance(v, (list, tuple)):
        return f"<td>{_e(', '.join(map(str, v)))}</td>"
    return f"<td>{_e(v)}</td>"


def _header(name: Any, unit: str) -> str:
    """A column name as a reader would say it, with its unit."""
    return {
        "total_cost": f"total cost ({unit})", "objective_value": "objective value", "probability": "probability of success",
        "contribution": "expected contribution", "n_selected": "projects", "value_if_flipped": "objective if flipped",
        "spend": f"spend ({unit})", "budget": f"budget ({unit})", "slack": f"slack ({unit})",
    }.get(str(name), str(name).replace("_", " "))


def _table_html(df: pd.DataFrame, *, index: bool = True, formats: Mapping[str, Callable[[float], str]] | None = None,
                index_label: str | None = None, unit: str = "k€") -> str:
    formats = formats or {}
    head = "".join(f"<th>{_e(_header(c, unit))}</th>" for c in df.columns)
    if index:
        head = f"<th>{_e(index_label if index_label is not None else (df.index.name or ''))}</th>" + head
    rows = []
    for idx, row in zip(df.index, df.itertuples(index=False)):
        cells = "".join(_cell_html(v, formats.get(str(c))) for c, v in zip(df.columns, row))
        if index:
            cells = f"<td>{_e(idx)}</td>" + cells
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _png(draw: Callable[[Any], Any], figsize: tuple[float, float], alt: str, *, n_axes: int | None = None) -> str:
    """Draw on a fresh (pyplot-free) figure and return an <img> with the PNG inline."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, n_axes or 1, squeeze=False)[0]
    draw(axes[0] if n_axes is None else list(axes))  # n_axes given: the drawing takes a list
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{data}">'


def _money(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.1f}"


def _one(x: float) -> str:
    return f"{x:,.1f}"


def report_html(
    result: PortfolioResult,
    *,
    scenarios: Any = None,
    explanation: Any = None,
    frontier: Any = None,
    title: str = "Project portfolio",
    unit: str = "k€",
    staff_unit: str = "FTE",
) -> str:
    """The report as one self-contained HTML document (see :func:`write_report` for the parameters)."""
    return _html(_inputs(result, scenarios, explanation, frontier, title, unit, staff_unit))


def _html(inp: _Inputs) -> str:
    from . import plots

    r = inp.result
    p = r.problem
    unit, staff = inp.unit, inp.staff_unit

    def tbl(df: pd.DataFrame, **kw: Any) -> str:
        return _table_html(df, unit=unit, **kw)

    parts: list[str] = []
    add = parts.append
    today = _dt.date.today().isoformat()
    ok = r.has_solution
    status_cls = "status-ok" if ok else "status-bad"
    add(f"<h1>{_e(inp.title)}</h1>")
    lead = (f"{len(r.selected_ids)} of {len(p.table)} candidate projects selected for "
            f"{_e(p.periods[0])}–{_e(p.periods[-1])}" if ok else "no portfolio meets every constraint")
    add(f'<p class="sub">{_e(today)} · <span class="{status_cls}">{_e(r.status.value)}</span> · {lead}</p>')

    add("<h2>Key figures</h2>")
    add('<table class="kv"><tbody>' + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>"
                                               for k, v in _key_figures(r, unit)) + "</tbody></table>")
    if r.diagnosis:
        add("<h3>Why no portfolio fits</h3><ul class=\"diag\">" + "".join(f"<li>{_e(d)}</li>" for d in r.diagnosis)
            + "</ul>")

    if inp.paragraphs or inp.bullets or inp.explanation_text:
        add("<h2>Why this portfolio</h2>")
        for para in inp.paragraphs:
            add(f"<p>{_e(para)}</p>")
        if inp.bullets:
            add("<ul>" + "".join(f"<li>{_e(b)}</li>" for b in inp.bullets) + "</ul>")
        if inp.explanation_text:
            add(f'<div class="explain">{_e(inp.explanation_text)}</div>')
    if inp.binding is not None and len(inp.binding):
        add("<h3>Limits</h3>")
        keep = [c for c in ("constraint", "bound", "limit", "used", "slack", "binding", "shadow_price_lp")
                if c in inp.binding.columns]
        add(tbl(inp.binding[keep], index=False, formats={"limit": _money, "used": _money, "slack": _money}))

    if ok:
        n_sel = len(r.selected_ids)
        add("<h2>The portfolio</h2>")
        add(_png(lambda ax: plots.value_cost(r, unit=unit, ax=ax), (9.5, 6), "value against cost of every candidate"))
        n_groups = p.table.frame["category"].nunique(dropna=False)
        add(_png(lambda ax: plots.strategic_balance(r, unit=unit, ax=ax), (9.5, 0.8 * n_groups + 2.2),
                 "requested and funded cost per category"))
        add("<h3>Selected projects</h3>")
        sel = _selection(r)
        add(tbl(sel.drop(columns=[c for c in sel.columns if c.startswith("spend ")]),
                        formats={"total_cost": _money, "objective_value": _money, "contribution": _money,
                                 "probability": lambda x: f"{x:.0%}"}, index_label="id"))

        add("<h2>Schedule</h2>")
        add(_png(lambda ax: plots.gantt(r, ax=ax), (10.5, 0.27 * n_sel + 1.8), "schedule of the selected projects"))

        add("<h2>Budget</h2>")
        add(_png(lambda ax: plots.spend(r, unit=unit, ax=ax), (9.5, 5.2), "spend per period against the budget"))
        add(tbl(_spend(r), formats={c: _money for c in ("spend", "budget", "slack")}, index_label="period"))

        res = list(p.table.resources)
        if res:
            add("<h2>Resources</h2>")
            add(_png(lambda axes: plots.resource_panels(r, unit=staff, axes=axes),
                     (4.3 * len(res) + 1.8, 4.6), "use of each resource against capacity", n_axes=len(res)))
            ru = r.resource_use
            res_df = pd.DataFrame({
                f"{name} ({staff})": [f"{u:,.1f} / " + (f"{c:,.1f}" if math.isfinite(c) else "unlimited")
                                      for u, c in zip(ru[(name, "use")], ru[(name, "capacity")])]
                for name in res}, index=[str(i) for i in ru.index])
            add('<p class="note">Use / capacity per period.</p>')
            add(tbl(res_df, index_label="period"))

    if inp.frontier is not None:
        add("<h2>Efficient frontier</h2>")
        total, _ = p.budget_limits()
        chosen = total if math.isfinite(total) else None
        add(_png(lambda ax: plots.frontier(inp.frontier, inp.greedy, chosen_budget=chosen,
                                           chosen_objective=r.objective if ok and chosen is not None else None,
                                           unit=unit, objective_label=_objective_label(p, unit), ax=ax),
                 (9.5, 5.5), "efficient frontier"))
        ft = inp.frontier[["budget", "objective"] + (["status"] if "status" in inp.frontier.columns else [])].copy()
        if inp.greedy is not None:
            ft = ft.merge(inp.greedy[["budget", "objective"]].rename(columns={"objective": "greedy"}), on="budget",
                          how="left")
        add(tbl(ft, index=False, formats={"budget": _money, "objective": _money, "greedy": _money}))

    if inp.scenario_table is not None:
        add("<h2>Scenarios</h2>")
        t = inp.scenario_table
        if "objective" in t.columns:
            add(_png(lambda ax: plots.scenario_outcomes(t, unit=unit, objective_label=_objective_label(p, unit),
                                                       ax=ax), (max(7.0, 1.3 * len(t) + 3), 5.6),
                     "objective and spend per scenario"))
        if inp.scenario_matrix is not None and inp.scenario_matrix.shape[1] > 0:
            m = inp.scenario_matrix
            try:
                vals, missing, _ = plots._selection_cells(m, None)
                feas = ~missing.to_numpy()
                n_change = int(((vals[:, feas].sum(axis=1) % max(int(feas.sum()), 1)) != 0).sum()) if feas.any() else 0
            except (TypeError, ValueError):  # pragma: no cover - defensive: an unusual matrix
                n_change = 0
            if n_change:
                add(_png(lambda ax: plots.scenario_heatmap(m, only_changes=True, ax=ax),
                         (max(5.5, 1.1 * m.shape[1] + 3.5), 0.26 * n_change + 2.6),
                         "projects whose selection changes between scenarios"))
            else:
                add('<p class="note">Every scenario selects the same projects.</p>')
        shown = t.copy()
        for c in shown.columns:
            if shown[c].map(lambda v: isinstance(v, (list, tuple))).any():
                shown[c] = shown[c].map(lambda v: ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
        add(tbl(shown, formats={"objective": _money, "spend": _money}, index_label="scenario"))

    if inp.explanation_table is not None:
        add("<h2>Project by project</h2>")
        et = inp.explanation_table
        short = [c for c in ("name", "selected", "start_period", "contribution", "value_if_flipped", "reason")
                 if c in et.columns]
        # a wide table (an explanation object's) is cut to what a reader needs; the workbook has it all
        add(tbl(et[short] if "reason" in short and len(et.columns) > len(short) else et,
                formats={"value_if_flipped": _money, "contribution": _money}, index_label="id"))

    cand = _candidates(r)
    if ok:
        out_tab = cand.loc[~cand["selected"], ["name", "category", "total_cost", "objective_value", "probability",
                                               "mandatory", "excluded"]]
        if inp.explanation_table is not None and "reason" in inp.explanation_table.columns:
            reasons = inp.explanation_table["reason"]
            reasons.index = reasons.index.astype(str)
            out_tab = out_tab.assign(reason=reasons.reindex(out_tab.index))
        add("<h2>Candidates not selected</h2>")
        add(tbl(out_tab.drop(columns=["mandatory"]), index_label="id",
                        formats={"total_cost": _money, "objective_value": _money,
                                 "probability": lambda x: f"{x:.0%}"}))
    else:
        add("<h2>Candidates</h2>")
        add(tbl(cand[["name", "category", "total_cost", "objective_value", "mandatory", "excluded"]],
                        index_label="id", formats={"total_cost": _money, "objective_value": _money}))

    add("<h2>Constraints</h2><ul>" + "".join(f"<li>{_e(c.describe(p.periods))}</li>" for c in p.constraints)
        + "</ul>")
    from . import __version__

    add(f'<p class="note">Money in {_e(unit)}, staff in {_e(staff)}. Made with portfolio_opt {_e(__version__)}; '
        f"the full tables are in the Excel workbook.</p>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{_e(inp.title)}</title>"
            f"<style>{_CSS}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n")


# --------------------------------------------------------------------------- Excel


def safe_cell_value(value: Any) -> Any:
    """A value ready for a spreadsheet cell: numbers as numbers, text without control characters.

    ``inf`` becomes the text ``"unlimited"``, NaN/None an empty cell, lists
    ``"a; b"``.  Whether text would run as a formula is handled when the cell
    is written (see :func:`report_workbook`).

    Examples
    --------
    >>> safe_cell_value(float("inf")), safe_cell_value(["A", "B"]), safe_cell_value(np.int64(3))
    ('unlimited', 'A; B', 3)
    """
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        x = float(value)
        if math.isnan(x):
            return None
        if math.isinf(x):
            return "unlimited" if x > 0 else "-unlimited"
        return x
    if isinstance(value, (list, tuple, set)):
        value = _fmt_list(list(value))
    return _ILLEGAL_XML.sub("", str(value))


def _put(ws: Any, row: int, col: int, value: Any, number_format: str | None = None) -> Any:
    v = safe_cell_value(value)
    cell = ws.cell(row=row, column=col)
    cell.value = v
    if isinstance(v, str):
        # openpyxl makes any text starting with '=' a formula; user text must stay text,
        # and Excel's quote prefix keeps it text even when someone edits the cell later
        cell.data_type = "s"
        if v.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
    elif number_format and isinstance(v, (int, float)) and not isinstance(v, bool):
        cell.number_format = number_format
    return cell


def _sheet(wb: Any, title: str, df: pd.DataFrame, *, index_label: str | None = None,
           formats: Mapping[str, str] | None = None, start_row: int = 1) -> int:
    """Write ``df`` (with its index as the first column) to sheet ``title``; return the next free row."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb[title] if title in wb.sheetnames else wb.create_sheet(title)
    formats = formats or {}
    header = [index_label if index_label is not None else (df.index.name or ""), *map(str, df.columns)]
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DCE6F1")
    for j, h in enumerate(header, start=1):
        c = _put(ws, start_row, j, h)
        c.font = bold
        c.fill = fill
    for i, (idx, row) in enumerate(zip(df.index, df.itertuples(index=False)), start=start_row + 1):
        _put(ws, i, 1, idx)
        for j, (col, v) in enumerate(zip(df.columns, row), start=2):
            _put(ws, i, j, v, formats.get(str(col), "#,##0.0##"))
    if start_row == 1:
        ws.freeze_panes = "B2"
    for j, h in enumerate(header, start=1):
        values = [str(h)] + [str(x) for x in (df.index if j == 1 else df.iloc[:, j - 2])][:200]
        width = min(60, max(8, max(len(v) for v in values) + 2))
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, width)
    return start_row + len(df) + 2


def report_workbook(
    result: PortfolioResult,
    *,
    scenarios: Any = None,
    explanation: Any = None,
    frontier: Any = None,
    title: str = "Project portfolio",
    unit: str = "k€",
    staff_unit: str = "FTE",
) -> Workbook:
    """The report as an openpyxl Workbook (see :func:`write_report` for the parameters and sheets)."""
    return _workbook(_inputs(result, scenarios, explanation, frontier, title, unit, staff_unit))


def _workbook(inp: _Inputs) -> Workbook:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    r = inp.result
    p = r.problem
    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    _put(ws, 1, 1, inp.title).font = Font(bold=True, size=14)
    _put(ws, 2, 1, f"{_dt.date.today().isoformat()} · money in {inp.unit}, staff in {inp.staff_unit}")
    row = 4
    for k, v in _key_figures(r, inp.unit):
        _put(ws, row, 1, k).font = Font(bold=True)
        _put(ws, row, 2, v)
        row += 1
    for d in r.diagnosis:
        _put(ws, row, 1, "diagnosis")
        _put(ws, row, 2, d)
        row += 1
    for para in (*inp.paragraphs, *inp.bullets, *(inp.explanation_text or "").splitlines()):
        _put(ws, row, 1, "explanation")
        _put(ws, row, 2, para)
        row += 1
    row += 1
    _put(ws, row, 1, "constraints").font = Font(bold=True)
    for c in p.constraints:
        _put(ws, row, 2, c.describe(p.periods))
        row += 1
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 70

    money = "#,##0.0"
    _sheet(wb, "Candidates", _candidates(r), index_label="id",
           formats={"probability": "0%", "score": "0.000", "roi": "0.0%", "benefit_cost_ratio": "0.00"})
    if r.has_solution:
        sel = _selection(r)
        _sheet(wb, "Selection", sel, index_label="id",
               formats={**{c: money for c in sel.columns}, "probability": "0%", "duration": "0"})
        spend_df = _spend(r)
        _sheet(wb, "Spend", spend_df, index_label="period", formats={c: money for c in spend_df.columns})
        res = _resources(r)
        _sheet(wb, "Resources", res, index_label="period", formats={c: "#,##0.0#" for c in res.columns})
    else:
        for name in ("Selection", "Spend", "Resources"):
            _put(wb.create_sheet(name), 1, 1, f"no portfolio: the problem is {r.status.value}")
    if inp.scenario_table is not None:
        t = inp.scenario_table
        nxt = _sheet(wb, "Scenarios", t, index_label="scenario", formats={"objective": money, "spend": money})
        if inp.scenario_matrix is not None:
            m = inp.scenario_matrix.astype(object).where(inp.scenario_matrix.notna(), None)
            m = m.map(lambda v: ("yes" if v else "") if isinstance(v, (bool, np.bool_)) else v)
            _put(wb["Scenarios"], nxt, 1, "selection per scenario (start period, or yes/blank)").font = Font(bold=True)
            _sheet(wb, "Scenarios", m, index_label="id", start_row=nxt + 1)
    if inp.frontier is not None:
        ft = inp.frontier.copy()
        if inp.greedy is not None and "greedy" not in ft.columns:
            ft = ft.merge(inp.greedy[["budget", "objective"]].rename(columns={"objective": "greedy"}), on="budget",
                          how="left")
        _sheet(wb, "Frontier", ft.set_index("budget"), index_label="budget",
               formats={"objective": money, "greedy": money})
    if inp.explanation_table is not None:
        _sheet(wb, "Explanations", inp.explanation_table, index_label="id")
    return wb


# --------------------------------------------------------------------------- the one call


def write_report(
    result: PortfolioResult,
    path_html: str | Path | None = None,
    path_xlsx: str | Path | None = None,
    *,
    scenarios: Any = None,
    explanation: Any = None,
    frontier: Any = None,
    title: str = "Project portfolio",
    unit: str = "k€",
    staff_unit: str = "FTE",
) -> ReportFiles:
    """Write the portfolio report: an HTML page and/or an Excel workbook.

    Parameters
    ----------
    result : PortfolioResult
        The portfolio (an infeasible result gives a report of its diagnosis).
    path_html, path_xlsx : path, optional
        Where to write each file; at least one is needed.
    scenarios : optional
        Scenario results to compare: ``{name: PortfolioResult}``, the engine's
        ``scenarios`` list (dicts with ``name``, ``status``, ``objective``,
        ``selected``...), an object with ``base`` and ``outcomes`` (scenario
        results), or a ready table (DataFrame indexed by scenario with
        ``objective`` and optionally ``spend``, ``status``).  The HTML shows
        objective and spend per scenario, the projects whose selection
        changes and the table; the workbook gets a ``Scenarios`` sheet.
    explanation : optional
        Text (paragraphs separated by blank lines), a list of sentences, a
        table per project (DataFrame, list of dicts with ``id`` and
        ``reason``, ``{id: reason}``, the engine's ``explanations``) or an
        explanation object: its ``to_frame()`` per project, its ``report()``
        text and its ``binding`` table of limits are shown.
    frontier : optional
        A frontier table (``budget``, ``objective``), a pair (frontier,
        greedy), the engine's ``{"frontier": ..., "greedy_frontier": ...}``,
        or an object with ``to_frame()``.
    title : str
    unit, staff_unit : str
        Money and staff units for labels.

    Returns
    -------
    ReportFiles

    Examples
    --------
    >>> import tempfile, pathlib, portfolio_opt as po
    >>> df = pd.DataFrame({"id": ["A", "=B"], "cost": [4, 3], "value": [10, 7]})
    >>> r = po.select(po.Problem.from_frame(df, budget=5))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     files = write_report(r, pathlib.Path(tmp) / "r.html", pathlib.Path(tmp) / "r.xlsx")
    ...     "A" in files.html.read_text(encoding="utf-8"), files.xlsx.exists()
    (True, True)
    """
    if path_html is None and path_xlsx is None:
        raise ValidationError("write_report: give path_html, path_xlsx or both")
    inp = _inputs(result, scenarios, explanation, frontier, title, unit, staff_unit)
    html_path = xlsx_path = None
    if path_html is not None:
        html_path = Path(path_html)
        html_path.write_text(_html(inp), encoding="utf-8")
    if path_xlsx is not None:
        xlsx_path = Path(path_xlsx)
        _workbook(inp).save(xlsx_path)
    return ReportFiles(html_path, xlsx_path)
