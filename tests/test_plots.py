"""Every plot function draws what its data says: counted bars, points, labels and limits (Agg backend)."""

from __future__ import annotations

import math
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

import portfolio_opt as po  # noqa: E402
from portfolio_opt import plots  # noqa: E402

PERIODS = ["2027", "2028", "2029"]


def small_problem(**kw):
    """Eight projects, three years, two roles, four categories, one mandatory, one dependency."""
    df = pd.DataFrame({
        "id": ["A", "B", "C", "D", "E", "F", "G", "H"],
        "name": ["Alpha", "Beta $2M", "Gamma", "Delta", "Epsilon", "Zeta", "Eta", "Theta"],
        "category": ["run", "grow", "grow", "transform", "transform", "compliance", "run", "grow"],
        "cost": ["40;20", "30", "50;50", "80;60;40", "35", "20", "15", "60"],
        "value": [120, 70, 160, 300, 60, 10, 25, 90],
        "probability": [0.9, 0.8, 0.85, 0.7, 0.95, 1.0, 0.9, 0.6],
        "earliest_start": [0, 0, 0, 0, 1, 0, 0, 1],
        "latest_start": [1, 2, 1, 0, 2, 0, 2, 2],
        "mandatory": [False, False, False, False, False, True, False, False],
        "requires": ["", "", "", "", "D", "", "", ""],
        "res_engineers": ["2;1", "1", "2;2", "3;3;2", "1", "0.5", "0.5", "2"],
        "res_analysts": ["0", "1", "1;0", "1;1;1", "0", "0.5", "0", "1"],
        "alignment": [3, 4, 5, 5, 2, 1, 2, 4],
        "risk": [2, 3, 3, 5, 1, 1, 1, 4],
    })
    args = dict(periods=PERIODS, budget=330, budget_per_period=[130, 130, 120],
                capacity={"engineers": [5, 5, 4], "analysts": 2},
                groups=[{"category": "transform", "max_share": 0.6}, {"category": "run", "min_count": 1}],
                scoring={"criteria": {"alignment": {"weight": 3}, "risk": {"weight": 1, "direction": "min"}}})
    args.update(kw)
    return po.Problem.from_frame(df, **args)


@pytest.fixture(scope="module")
def result():
    r = po.select(small_problem())
    assert r.status == po.Status.OPTIMAL and not r.violations()
    return r


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def new_ax():
    return plt.subplots()[1]


def bar_patches(ax):
    return [p for p in ax.patches if isinstance(p, matplotlib.patches.Rectangle)]


def texts(ax):
    return [t.get_text() for t in ax.texts]


def test_import_does_not_load_matplotlib():
    code = "import sys, portfolio_opt, portfolio_opt.report; assert 'matplotlib' not in sys.modules, 'imported'"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr


def test_plots_draw_on_the_given_axes_and_make_no_figure(result):
    ax = new_ax()
    before = plt.get_fignums()
    for fn in (plots.value_cost, plots.spend, plots.gantt, plots.strategic_balance):
        ax.clear()
        assert fn(result, ax=ax) is ax
    assert plots.resource_use(result, "engineers", ax=ax) is ax
    assert plt.get_fignums() == before


def test_value_cost_highlights_the_selection(result):
    ax = plots.value_cost(result, label_top=3)
    n = len(result.problem.table)
    k = len(result.selected_ids)
    unselected, selected = ax.collections[0], ax.collections[1]
    assert len(selected.get_offsets()) == k and len(unselected.get_offsets()) == n - k
    # the highlighted points are exactly the selected projects' (cost, value)
    f = result.problem.table.frame.loc[result.selected_ids]
    assert sorted(map(tuple, selected.get_offsets().tolist())) == sorted(zip(f["total_cost"], f["value"].astype(float)))
    assert texts(ax) == ["D", "C", "A"]  # the three highest values, labelled
    assert ax.get_xlabel() == "total cost (k€)" and ax.get_ylabel() == "value (k€)"
    assert "score" in ax.get_title()  # bubble area = the weighted score
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == [f"not selected ({n - k})", f"selected ({k})"]
    ax.figure.canvas.draw()  # '$' in a name is escaped, so mathtext does not choke


def test_value_cost_of_a_problem_and_other_measures():
    ax = plots.value_cost(small_problem(), y="npv", size=None, unit="€")
    assert len(ax.collections[1].get_offsets()) == 0
    assert ax.get_ylabel() == "npv"
    with pytest.raises(po.ValidationError, match="unknown measure 'nope'"):
        plots.value_cost(small_problem(), y="nope")


def test_spend_stacks_categories_against_the_budget(result):
    ax = plots.spend(result, unit="€")
    T = len(PERIODS)
    cats = result.selected["category"].unique()
    assert len(bar_patches(ax)) == len(cats) * T
    # the stacks add up to the spend per period
    tops = {}
    for p in bar_patches(ax):
        x = round(p.get_x() + p.get_width() / 2)
        tops[x] = max(tops.get(x, 0.0), p.get_y() + p.get_height())
    assert [tops[t] for t in range(T)] == pytest.approx(result.spend["spend"].tolist())
    # one budget line per period, at the period's budget
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    ys = sorted(seg[0][1] for c in lines for seg in c.get_segments())
    assert ys == sorted([130.0, 130.0, 120.0])
    assert [t.get_text() for t in ax.get_xticklabels()] == PERIODS
    assert ax.get_ylabel() == "spend (€)" and "330" in ax.get_title()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "budget per period" in legend and set(cats) <= set(legend)


def test_spend_by_project_writes_ids_in_the_segments(result):
    ax = plots.spend(result, by="project")
    assert len(bar_patches(ax)) == len(result.selected_ids) * len(PERIODS)
    assert set(texts(ax)) & set(result.selected_ids)
    with pytest.raises(po.ValidationError, match="cannot group by 'colour'"):
        plots.spend(result, by="colour")


def test_resource_use_and_panels(result):
    ax = plots.resource_use(result, "analysts")
    use = result.resource_use[("analysts", "use")].tolist()
    heights = {}
    for p in bar_patches(ax):
        x = round(p.get_x() + p.get_width() / 2)
        heights[x] = heights.get(x, 0.0) + p.get_height()
    assert [heights[t] for t in range(3)] == pytest.approx(use)
    assert ax.get_ylabel() == "analysts (FTE)"
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert sorted(seg[0][1] for c in lines for seg in c.get_segments()) == [2.0, 2.0, 2.0]
    with pytest.raises(po.ValidationError, match="say which resource"):
        plots.resource_use(result)
    with pytest.raises(po.ValidationError, match="unknown resource 'cooks'"):
        plots.resource_use(result, "cooks")
    axes = plots.resource_panels(result)
    assert len(axes) == 2 and axes[0].figure is axes[1].figure
    assert [a.get_ylabel() for a in axes] == ["engineers (FTE)", "analysts (FTE)"]
    assert axes[0].get_legend() is None and axes[1].get_legend() is not None


def test_gantt_one_bar_per_selected_project(result):
    ax = plots.gantt(result, label="id")
    sel = result.selected
    bars = bar_patches(ax)
    assert len(bars) == len(sel)
    assert [t.get_text() for t in ax.get_yticklabels()] == sorted(
        sel.index, key=lambda i: (sel.loc[i, "start"], -result.problem.table.frame.loc[i, "duration"], i))
    dur = result.problem.table.frame["duration"]
    row_of = {round(b.get_y() + b.get_height() / 2): b for b in bars}
    got = {lab.get_text(): (row_of[k].get_x(), row_of[k].get_width()) for k, lab in enumerate(ax.get_yticklabels())}
    assert got == {i: (float(sel.loc[i, "start"]), float(dur[i])) for i in sel.index}
    assert sum(1 for b in bars if b.get_hatch()) == int(result.problem.table.frame.loc[sel.index, "mandatory"].sum())
    assert [t.get_text() for t in ax.get_xticklabels()] == PERIODS
    assert ax.get_xlabel() == "period"
    assert "mandatory" in [t.get_text() for t in ax.get_legend().get_texts()]
    ax2 = plots.gantt(result, label="both", sort="category")
    assert any("Beta" in t.get_text() or "Alpha" in t.get_text() for t in ax2.get_yticklabels())


def test_strategic_balance_requested_and_funded(result):
    ax = plots.strategic_balance(result)
    f = result.problem.table.frame
    cats = list(dict.fromkeys(f["category"]))
    bars = bar_patches(ax)
    assert len(bars) == 2 * len(cats)
    requested, funded = bars[: len(cats)], bars[len(cats):]
    assert [b.get_width() for b in requested] == pytest.approx(f.groupby("category", sort=False)["total_cost"].sum()
                                                               .reindex(cats).tolist())
    sel = f.loc[result.selected_ids]
    assert [b.get_width() for b in funded] == pytest.approx(
        sel.groupby("category")["total_cost"].sum().reindex(cats, fill_value=0).tolist())
    assert any(t.startswith("max 60%") for t in texts(ax))  # the transform share limit is marked
    assert ax.get_xlabel() == "total cost over the horizon (k€)"
    assert "(min 1)" in ax.get_yticklabels()[0].get_text()  # the run count limit


def test_frontier_with_greedy_and_chosen_budget():
    fr = [{"budget": 100, "objective": None, "status": "infeasible"},
          {"budget": 200, "objective": 150.0}, {"budget": 300, "objective": 220.0}, {"budget": 400, "objective": 240.0}]
    greedy = pd.DataFrame({"budget": [200, 300, 400], "objective": [120.0, 200.0, 240.0]})
    ax = plots.frontier(fr, greedy, chosen_budget=300)
    opt, gr = ax.lines[0], ax.lines[1]
    assert list(opt.get_xdata()) == [200, 300, 400] and list(gr.get_ydata()) == [120.0, 200.0, 240.0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "no feasible portfolio" in legend and any(t.startswith("chosen: 300") for t in legend)
    assert ax.get_xlabel() == "total budget (k€)" and ax.get_ylabel() == "objective"
    # the shape of a frontier table indexed by budget with 'optimal' and 'greedy' columns
    table = pd.DataFrame({"optimal": [150.0, 220.0], "greedy": [100.0, 200.0]},
                         index=pd.Index([200.0, 300.0], name="budget"))
    ax2 = plots.frontier(table, ax=new_ax())
    assert len(ax2.lines) == 2 and list(ax2.lines[1].get_ydata()) == [100.0, 200.0]
    with pytest.raises(po.ValidationError, match="missing column 'objective'"):
        plots.frontier([{"budget": 1, "value": 2}])


def test_selection_matrix_and_heatmap(result):
    other = po.select(result.problem.force_out(result.selected_ids[0]))
    engine_entry = {"name": "cut", "status": "infeasible", "objective": None, "selected": [], "starts": {}}
    m = plots.selection_matrix({"base": result, "without": other, "cut": engine_entry})
    assert list(m.columns) == ["base", "without", "cut"] and list(m.index) == list(result.problem.ids)
    assert m["base"].sum() == len(result.selected_ids) and m["cut"].isna().all()
    ax = plots.scenario_heatmap(m)
    img = ax.images[0].get_array()
    shown = int((m[["base", "without"]].fillna(False).astype(bool).any(axis=1)).sum())
    assert img.shape == (shown, 3)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["base", "without", "cut"]
    changed = [t.get_text() for t in ax.get_yticklabels() if t.get_fontweight() == "bold"]
    assert result.selected_ids[0] in changed
    assert "no feasible portfolio" in [t.get_text() for t in ax.get_legend().get_texts()]
    ax2 = plots.scenario_heatmap(m, only_changes=True)
    assert ax2.images[0].get_array().shape[0] == len(changed)
    starts = plots.selection_matrix({"base": result, "without": other}, starts=True)
    ax3 = plots.scenario_heatmap(starts, period_labels=PERIODS)
    assert set(texts(ax3)) <= set(PERIODS) and len(texts(ax3)) == int((starts >= 0).to_numpy().sum())


def test_heatmap_of_start_labels():
    labels = pd.DataFrame({"base": ["2027", "", "2028"], "cut": ["2027", "2029", ""]}, index=["A", "B", "C"])
    ax = plots.scenario_heatmap(labels)
    assert ax.images[0].get_array().shape == (3, 2)
    assert sorted(texts(ax)) == ["2027", "2027", "2028", "2029"]


def test_scenario_table_and_outcomes(result):
    other = po.select(result.problem.force_out(result.selected_ids[0]))
    t = plots.scenario_table({"without": other, "cut": {"name": "cut", "status": "infeasible", "objective": None}},
                             base=result)
    assert list(t.index) == ["base", "without", "cut"]
    assert result.selected_ids[0] in t.loc["without", "left"]
    assert t.loc["without", "entered"] == [i for i in other.selected_ids if i not in result.selected_ids]
    assert t.loc["base", "spend"] == pytest.approx(result.total_spend) and math.isnan(t.loc["cut", "objective"])
    ax = plots.scenario_outcomes(t)
    assert len(bar_patches(ax)) == 3 and len(bar_patches(ax.right_ax)) == 3
    assert "infeasible" in texts(ax)
    assert any(s.endswith("%") for s in texts(ax))  # the change against the base
    assert ax.right_ax.get_ylabel() == "total spend (k€)" and ax.get_ylabel() == "objective"
    with pytest.raises(po.ValidationError, match="base scenario 'x'"):
        plots.scenario_outcomes(t, base="x")


def test_tornado_widest_on_top_with_both_sides():
    table = pd.DataFrame({"criterion": ["a", "b", "c"], "low": [0.2, 0.0, 0.3], "high": [0.5, math.inf, 0.35],
                          "weight": [0.4, 0.1, 0.32]})
    ax = plots.tornado(table)
    assert len(bar_patches(ax)) == 6  # below and above the current weight, per criterion
    assert [t.get_text() for t in ax.get_yticklabels()] == ["b", "a", "c"]
    assert "▶ no limit" in texts(ax)
    assert ax.get_xlabel() == "criterion weight"
    ax2 = plots.tornado([{"name": "budget", "low": 90, "high": 110}, {"name": "staff", "low": 95, "high": 101}],
                        base=100, xlabel="objective (k€)")
    assert len(bar_patches(ax2)) == 4 and [t.get_text() for t in ax2.get_yticklabels()] == ["budget", "staff"]
    ax3 = plots.tornado([{"name": "x", "low": 1, "high": 2}])
    assert len(bar_patches(ax3)) == 1


def test_selection_frequency_sorted_and_highlighted():
    freq = pd.Series({"A": 0.2, "B": 1.0, "C": 0.0, "D": 0.6})
    ax = plots.selection_frequency(freq, selected=["B"])
    bars = bar_patches(ax)
    assert [b.get_width() for b in bars] == [1.0, 0.6, 0.2]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["B", "D", "A"]
    assert bars[0].get_facecolor() != bars[1].get_facecolor()
    matrix = pd.DataFrame({"s1": [1, 0, 1], "s2": [1, 0, 0]}, index=["X", "Y", "Z"])
    ax2 = plots.selection_frequency(matrix, hide_zero=False)
    assert [b.get_width() for b in bar_patches(ax2)] == [1.0, 0.5, 0.0]
    with pytest.raises(po.ValidationError, match="shares must lie in"):
        plots.selection_frequency(pd.Series({"A": 3.0}))


def test_value_distribution_lines_and_bins():
    values = np.random.default_rng(1).normal(1000, 100, 500)
    ax = plots.value_distribution(values, base=1050, bins=20)
    assert len(bar_patches(ax)) == 20
    assert len(ax.lines) == 4
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0].startswith("mean ") and legend[-1] == "planned 1,050"
    assert ax.get_xlabel() == "portfolio value (k€)" and ax.get_ylabel() == "number of samples"
    ax2 = plots.value_distribution(pd.DataFrame({"objective": [1.0, 2.0, 2.0]}))
    assert len(ax2.lines) == 3


def test_plots_need_a_solution():
    r = po.select(small_problem(budget=1))  # the mandatory project alone costs 20
    assert not r.has_solution
    with pytest.raises(po.ValidationError, match="infeasible"):
        plots.spend(r)
    plots.value_cost(r)  # the candidates can still be shown
