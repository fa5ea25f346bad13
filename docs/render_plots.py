"""Render every plot of ``portfolio_opt.plots`` on the sample portfolio, as PNG files to look at.

    python docs/render_plots.py [OUT_DIR] [--samples N]

OUT_DIR defaults to ``docs/img`` (git-ignored).  The sample portfolio is
solved with the PMO's settings (``data/samples/constraints.json``, objective:
expected value).  The inputs of the analysis plots come from
``portfolio_opt.analysis`` (efficient_frontier, run_scenarios,
weight_sensitivity, simulate) when those are there; otherwise this script
computes simple stand-ins with the core (changed copies of the problem solved
by ``select``) so that every plot can still be looked at.  The stand-ins are
illustrations, not the library's analyses.  Uncertainty samples are solved to
a 0.5% gap to keep the script to a few minutes.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import portfolio_opt as po  # noqa: E402
from portfolio_opt import plots  # noqa: E402
from portfolio_opt.constraints import (  # noqa: E402
    BudgetLimit,
    CapacityLimit,
    CountLimit,
    GroupLimit,
    Mandatory,
)
from portfolio_opt.demo import load_sample  # noqa: E402


def _save(ax: Any, out: Path, name: str) -> Path:
    fig = ax[0].figure if isinstance(ax, (list, tuple, np.ndarray)) else ax.figure
    path = out / f"{name}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"  wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return path


def _with_total_budget(problem: po.Problem, amount: float) -> po.Problem:
    cons = [c for c in problem.constraints if not (isinstance(c, BudgetLimit) and c.period is None)]
    return problem.replace(constraints=(*cons, BudgetLimit(float(amount))))


def _analysis(module: str, name: str) -> Any:
    """``portfolio_opt.analysis.<module>.<name>``, or None when it is not there (yet)."""
    try:
        mod = __import__(f"portfolio_opt.analysis.{module}", fromlist=["x"])
    except ModuleNotFoundError:
        return None
    return getattr(mod, name, None)


# --------------------------------------------------------------------------- stand-ins


def _is_lower_bound(c: Any) -> bool:
    """Constraints a portfolio grown one project at a time can only meet at the end."""
    return isinstance(c, Mandatory) or (isinstance(c, (GroupLimit, CountLimit)) and c.bound == "min")


def _greedy(problem: po.Problem, budget: float) -> float | None:
    """Rank by expected value per unit of cost and cut: mandatory first, each at its first start that fits.

    A project is added when the portfolio still meets every upper limit (budgets, capacities, relations,
    category maxima); the result counts only if it meets every constraint, lower limits included.
    """
    f = problem.table.frame
    p = _with_total_budget(problem, budget)
    upper = p.replace(constraints=tuple(c for c in p.constraints if not _is_lower_bound(c)))
    ev = (p.objective_values * f["probability"]).to_numpy(float)
    cost = f["total_cost"].to_numpy(float)
    ratio = np.where(cost > 0, ev / np.maximum(cost, 1e-12), np.inf)
    order = sorted(range(len(f)), key=lambda k: (not f["mandatory"].iat[k], -ratio[k], str(f.index[k])))
    st = np.full(len(f), -1)
    for k in order:
        if not f["mandatory"].iat[k] and ev[k] <= 0:
            continue
        for s in range(int(f["earliest_start"].iat[k]), int(f["latest_start"].iat[k]) + 1):
            trial = st.copy()
            trial[k] = s
            if not po.check_portfolio(upper, trial):
                st = trial
                break
    return float(ev[st >= 0].sum()) if not po.check_portfolio(p, st) else None


def frontier_data(problem: po.Problem, result: po.PortfolioResult, budgets: list[float]) -> tuple[Any, Any]:
    efficient_frontier = _analysis("frontier", "efficient_frontier")
    if efficient_frontier is not None:
        return efficient_frontier(problem, budgets).to_frame(), None  # columns optimal and greedy
    engine = _analysis("frontier", "engine_frontier")
    if engine is not None:
        out = engine(problem, result, {"budgets": budgets}, {})
        return out["frontier"], out.get("greedy_frontier")
    rows, greedy = [], []
    for b in budgets:
        r = po.select(_with_total_budget(problem, b), diagnose=False)
        rows.append({"budget": b, "objective": r.objective if r.has_solution else None, "status": r.status.value})
        greedy.append({"budget": b, "objective": _greedy(problem, b)})
    return rows, greedy


def scenario_data(problem: po.Problem, result: po.PortfolioResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    specs = [
        {"name": "budget -10%", "budget_scale": 0.9},
        {"name": "hire 2 engineers", "resources_add": {"engineers": 2}},
        {"name": "without CLD-01", "force_out": ["CLD-01"]},
        {"name": "with AI-01", "force_in": ["AI-01"]},
        {"name": "transform +20% cost", "cost_scale": {"category:transform": 1.2}},
    ]
    run_scenarios = _analysis("scenarios", "run_scenarios")
    if run_scenarios is not None:
        sr = run_scenarios(problem, specs, base=result, explain_moves=False)
        return sr.selection, plots.scenario_table(sr)  # start labels per cell; the summary table
    engine = _analysis("scenarios", "engine_scenarios")
    if engine is not None:
        out = engine(problem, result, specs, {})["scenarios"]
        named = {"base": result, **{s["name"]: s for s in out}}
        return plots.selection_matrix(named), plots.scenario_table(out, base=result)
    results: dict[str, Any] = {}
    for s in specs:
        p = problem
        if "budget_scale" in s:
            p = p.replace(constraints=tuple(
                BudgetLimit(c.amount * s["budget_scale"], c.period) if isinstance(c, BudgetLimit) else c
                for c in p.constraints))
        if "resources_add" in s:
            add = s["resources_add"]
            p = p.replace(constraints=tuple(
                CapacityLimit(c.resource, c.amount + add[c.resource], c.period)
                if isinstance(c, CapacityLimit) and c.resource in add else c for c in p.constraints))
        if "force_out" in s:
            p = p.force_out(*s["force_out"])
        if "force_in" in s:
            p = p.force_in(*s["force_in"])
        if "cost_scale" in s:
            f = p.table.frame
            rows = (f["category"] == "transform").to_numpy()
            cost = p.table.cost.copy()
            cost[rows] *= 1.2
            frame = f.copy()
            frame.loc[rows, "total_cost"] = frame.loc[rows, "total_cost"] * 1.2
            table = type(p.table)(frame=frame, cost=cost, resources=p.table.resources)
            p = p.replace(table=table)
        results[s["name"]] = po.select(p, diagnose=False)
    return plots.selection_matrix({"base": result, **results}), plots.scenario_table(results, base=result)


def weight_intervals(problem: po.Problem) -> tuple[pd.DataFrame, str]:
    """Per criterion, the weights at which the score-optimal selection stays the same (and the x label)."""
    scored = problem.replace(objective="score")
    weight_sensitivity = _analysis("sensitivity", "weight_sensitivity")
    if weight_sensitivity is not None:
        return weight_sensitivity(scored).to_frame(), "normalised weight (the others rescaled in proportion)"
    base = set(po.select(scored).selected_ids)
    w = scored.scoring.weights
    raw = {c.name: c.weight for c in scored.scoring.criteria}
    rows = []
    for name in w.index:
        ok = []
        for mult in (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0):
            model = scored.scoring.with_weights({name: raw[name] * mult})
            same = set(po.select(scored.replace(scoring=model)).selected_ids) == base
            ok.append((mult, same))
        # the stable interval around 1: walk out from the current weight while the selection holds
        mults = [m for m, _ in ok]
        k = mults.index(1.0)
        lo = k
        while lo > 0 and ok[lo - 1][1]:
            lo -= 1
        hi = k
        while hi < len(ok) - 1 and ok[hi + 1][1]:
            hi += 1
        rows.append({"criterion": name, "low": raw[name] * mults[lo],
                     "high": raw[name] * mults[hi] if hi < len(ok) - 1 else math.inf, "base": raw[name]})
    return pd.DataFrame(rows).set_index("criterion"), "criterion weight (points; others fixed)"


def uncertainty_data(problem: po.Problem, result: po.PortfolioResult, n: int) -> tuple[Any, Any, float]:
    """Selection frequency under uncertain values and costs, the chosen portfolio's value per sample, its plan."""
    simulate = _analysis("uncertainty", "simulate")
    if simulate is not None:
        rows = [{"target": "*", "field": "value", "low": 0.6, "mode": 1.0, "high": 1.3},
                {"target": "*", "field": "cost", "low": 0.95, "mode": 1.0, "high": 1.3}]
        sim = simulate(problem, rows, n, seed=7, portfolio=result,
                       solver={"name": "highs", "mip_gap": 0.005, "time_limit": 10})
        # the chosen portfolio's value needs no solve: many more samples for its distribution
        spread = simulate(problem, rows, 2000, seed=8, portfolio=result, reoptimize=False)
        return sim.selection_frequency, spread.portfolio_value, spread.planned_value
    rng = np.random.default_rng(7)
    f = problem.table.frame
    columns = {}
    for k in range(n):
        frame = f.copy()
        frame["value"] = f["value"] * rng.lognormal(0.0, 0.25, len(f))
        table = type(problem.table)(frame=frame, cost=problem.table.cost, resources=problem.table.resources)
        p = problem.replace(table=table)
        r = po.select(p, mip_gap=0.005, time_limit=10, diagnose=False)
        columns[f"s{k}"] = pd.Series(r.starts.to_numpy() >= 0, index=f.index)
    sel = result.starts.to_numpy() >= 0
    value = f["value"].to_numpy(float)[sel]
    prob = f["probability"].to_numpy(float)[sel]
    draws = rng.random((4000, sel.sum())) < prob
    noise = rng.lognormal(0.0, 0.25, (4000, sel.sum()))
    return pd.DataFrame(columns), (draws * noise * value).sum(axis=1), float(result.objective or 0.0)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", nargs="?", default=str(ROOT / "docs" / "img"), help="folder for the PNG files")
    ap.add_argument("--samples", type=int, default=12, help="uncertainty samples re-optimised (default 12)")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    problem = load_sample()
    result = po.select(problem)
    print(f"sample portfolio: {result!r}")

    _save(plots.value_cost(result), out, "01_value_cost")
    _save(plots.spend(result), out, "02_spend_by_category")
    _save(plots.spend(result, by="project"), out, "03_spend_by_project")
    _save(plots.resource_panels(result), out, "04_resources")
    _save(plots.resource_use(result, "engineers", by="project"), out, "05_engineers_by_project")
    _save(plots.gantt(result), out, "06_gantt")
    _save(plots.strategic_balance(result), out, "07_strategic_balance")

    budgets = [float(b) for b in range(8000, 44001, 4000)]
    fr, greedy = frontier_data(problem, result, budgets)
    total, _ = problem.budget_limits()
    _save(plots.frontier(fr, greedy, chosen_budget=total, chosen_objective=result.objective,
                         objective_label="expected value (k€)"), out, "08_frontier")

    matrix, table = scenario_data(problem, result)
    _save(plots.scenario_heatmap(matrix), out, "09_scenario_heatmap")
    _save(plots.scenario_heatmap(matrix, only_changes=True), out, "10_scenario_changes")
    _save(plots.scenario_outcomes(table, objective_label="expected value (k€)"), out, "11_scenario_outcomes")

    table, xlabel = weight_intervals(problem)
    _save(plots.tornado(table, xlabel=xlabel, labels=("can fall to", "can rise to"),
                        title="Weights at which the score-optimal portfolio stays the same"), out, "12_weight_tornado")

    freq, values, planned = uncertainty_data(problem, result, args.samples)
    _save(plots.selection_frequency(freq, selected=result.selected_ids), out, "13_selection_frequency")
    _save(plots.value_distribution(values, base=planned, label="portfolio value"), out, "14_value_distribution")
    print(f"done in {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
