"""Render every plot of ``portfolio_opt.plots`` on the sample portfolio, as PNG files to look at.

    python docs/render_plots.py [OUT_DIR] [--samples N]

OUT_DIR defaults to ``docs/img`` (git-ignored).  The sample portfolio is
solved with the PMO's settings (``data/samples/constraints.json``, objective:
expected value).  The inputs of the analysis plots come from
``portfolio_opt.analysis`` (efficient_frontier, run_scenarios,
weight_sensitivity, simulate).  Uncertainty samples are solved to a 0.5% gap
to keep the script to a few minutes.
"""

from __future__ import annotations

import argparse
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
from portfolio_opt.analysis.frontier import efficient_frontier  # noqa: E402
from portfolio_opt.analysis.scenarios import run_scenarios  # noqa: E402
from portfolio_opt.analysis.sensitivity import weight_sensitivity  # noqa: E402
from portfolio_opt.analysis.uncertainty import simulate  # noqa: E402
from portfolio_opt.demo import load_sample  # noqa: E402


def _save(ax: Any, out: Path, name: str) -> Path:
    fig = ax[0].figure if isinstance(ax, (list, tuple, np.ndarray)) else ax.figure
    path = out / f"{name}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"  wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return path


def frontier_data(problem: po.Problem, budgets: list[float]) -> pd.DataFrame:
    """The optimal and the greedy frontier at ``budgets`` (``analysis.frontier``)."""
    return efficient_frontier(problem, budgets).to_frame()  # columns optimal and greedy


def scenario_data(problem: po.Problem, result: po.PortfolioResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Five what-ifs of the sample portfolio: the selection per scenario and the summary table."""
    specs = [
        {"name": "budget -10%", "budget_scale": 0.9},
        {"name": "hire 2 engineers", "resources_add": {"engineers": 2}},
        {"name": "without CLD-01", "force_out": ["CLD-01"]},
        {"name": "with AI-01", "force_in": ["AI-01"]},
        {"name": "transform +20% cost", "cost_scale": {"category:transform": 1.2}},
    ]
    sr = run_scenarios(problem, specs, base=result, explain_moves=False)
    return sr.selection, plots.scenario_table(sr)  # start labels per cell; the summary table


def weight_intervals(problem: po.Problem) -> tuple[pd.DataFrame, str]:
    """Per criterion, the weights at which the score-optimal selection stays the same (and the x label)."""
    scored = problem.replace(objective="score")
    return weight_sensitivity(scored).to_frame(), "normalised weight (the others rescaled in proportion)"


def uncertainty_data(problem: po.Problem, result: po.PortfolioResult, n: int) -> tuple[Any, Any, float]:
    """Selection frequency under uncertain values and costs, the chosen portfolio's value per sample, its plan."""
    rows = [{"target": "*", "field": "value", "low": 0.6, "mode": 1.0, "high": 1.3},
            {"target": "*", "field": "cost", "low": 0.95, "mode": 1.0, "high": 1.3}]
    sim = simulate(problem, rows, n, seed=7, portfolio=result,
                   solver={"name": "highs", "mip_gap": 0.005, "time_limit": 10})
    # the chosen portfolio's value needs no solve: many more samples for its distribution
    spread = simulate(problem, rows, 2000, seed=8, portfolio=result, reoptimize=False)
    return sim.selection_frequency, spread.portfolio_value, spread.planned_value


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
    fr = frontier_data(problem, budgets)
    total, _ = problem.budget_limits()
    _save(plots.frontier(fr, None, chosen_budget=total, chosen_objective=result.objective,
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
