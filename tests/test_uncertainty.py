"""Uncertainty: the samplers, the statistics and the chance constraint against plain computations.

- each distribution's sample mean matches its closed-form mean, and bounded ones stay in bounds;
- a fixed seed gives the same samples; a project's own row overrides its category's and '*';
- selection frequencies from simulate() (on local processes) equal a plain loop of select() on
  the sampled problems;
- overrun probabilities and value-at-risk equal a direct numpy computation from the factors;
- the chance-constrained portfolio equals a brute-force sample-average optimum.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest

import portfolio_opt as po
from oracle import all_portfolios
from portfolio_opt.analysis.uncertainty import (
    Estimate,
    Uncertainty,
    chance_constrained,
    sample_factors,
    sample_scenarios,
    simulate,
)

SPEC = {
    "version": 1, "periods": 2,
    "projects": [
        {"id": "A", "cost": [3, 2], "value": 9, "category": "grow"},
        {"id": "B", "cost": [4, 0], "value": 7, "category": "grow"},
        {"id": "C", "cost": [2, 2], "value": 6, "category": "run", "probability": 0.8},
        {"id": "D", "cost": [0, 3], "value": 5, "category": "run"},
        {"id": "E", "cost": [1, 1], "value": 2, "category": "run", "mandatory": True},
    ],
    "budget": {"total": 13, "per_period": [8, 7]},
}
UNC = [
    {"target": "*", "field": "cost", "low": 0.9, "mode": 1.0, "high": 1.6, "dist": "pert"},
    {"target": "category:run", "field": "cost", "low": 0.8, "mode": 1.0, "high": 1.3, "dist": "triangular"},
    {"target": "A", "field": "cost", "low": 4, "mode": 5, "high": 9, "dist": "lognormal"},
    {"target": "B", "field": "value", "low": 3, "mode": 7, "high": 9, "dist": "normal"},
]


@pytest.mark.parametrize("kind", ["triangular", "pert", "normal", "lognormal"])
def test_distribution_means(kind):
    e = Estimate(2.0, 3.0, 6.0, kind)
    x = e.sample(np.random.default_rng(7), 40_000)
    assert x.mean() == pytest.approx(e.mean, rel=0.01)
    if kind in ("triangular", "pert"):
        assert x.min() >= 2.0 and x.max() <= 6.0
    if kind == "normal":
        assert x.std() == pytest.approx(4.0 / 6.0, rel=0.02)
    if kind == "lognormal":  # the most likely value is the mode of the density
        hist, edges = np.histogram(x, bins=200, range=(2, 6))
        peak = edges[np.argmax(hist)]
        assert peak == pytest.approx(3.0, abs=0.15)


def test_bad_estimates():
    with pytest.raises(po.ValidationError, match="low ≤ mode ≤ high"):
        Estimate(3, 2, 4)
    with pytest.raises(po.ValidationError, match="lognormal needs low > 0"):
        Estimate(0, 1, 2, "lognormal")
    with pytest.raises(po.ValidationError, match="unknown project id 'Z'"):
        sample_factors(po.problem_from_spec(SPEC), Uncertainty.from_frame([{"target": "Z", "low": 1, "mode": 1,
                                                                             "high": 2}]), 3)
    with pytest.raises(po.ValidationError, match="must be relative"):
        Uncertainty.from_frame([{"target": "*", "low": 1, "mode": 2, "high": 3, "relative": False}])


def test_factors_are_seeded_and_governed_by_the_most_specific_row():
    p = po.problem_from_spec(SPEC)
    u = Uncertainty.from_frame(UNC)
    cf, vf = sample_factors(p, u, 500, seed=3)
    cf2, vf2 = sample_factors(p, u, 500, seed=3)
    pd.testing.assert_frame_equal(cf, cf2)
    pd.testing.assert_frame_equal(vf, vf2)
    assert not cf.equals(sample_factors(p, u, 500, seed=4)[0])
    # A: absolute lognormal on its total cost 5 (factor = cost / 5); run: triangular 0.8..1.3; B: '*' pert
    assert cf["A"].mean() == pytest.approx(Estimate(4, 5, 9, "lognormal").mean / 5, rel=0.03)
    assert cf["C"].min() >= 0.8 and cf["C"].max() <= 1.3 and cf["D"].max() <= 1.3
    assert cf["B"].min() >= 0.9 and cf["B"].max() <= 1.6
    assert (vf.drop(columns="B") == 1).all().all() and vf["B"].mean() == pytest.approx(1.0, abs=0.03)
    sc = sample_scenarios(p, u, 500, seed=3)
    assert sc[1].cost_scale["A"] == pytest.approx(cf.loc[1, "A"]) and sc[1].value_scale == {"B": vf.loc[1, "B"]}


def test_portfolio_statistics_equal_a_direct_computation():
    p = po.problem_from_spec(SPEC)
    base = po.select(p)
    sim = simulate(p, UNC, n=400, seed=11, reoptimize=False)
    cf, vf = sample_factors(p, Uncertainty.from_frame(UNC), 400, seed=11)
    chosen = base.starts
    f = p.table.frame
    spend = np.zeros((400, 2))
    value = np.zeros(400)
    for pid, s in chosen.items():
        if s < 0:
            continue
        prof = f.loc[pid, "cost"]
        for k, c in enumerate(prof):
            spend[:, s + k] += c * cf[pid].to_numpy()
        value += f.loc[pid, "probability"] * f.loc[pid, "value"] * vf[pid].to_numpy()
    np.testing.assert_allclose(sim.portfolio_value.to_numpy(), value)
    over = sim.overrun_probability()
    assert over["period 0"] == pytest.approx((spend[:, 0] > 8).mean())
    assert over["period 1"] == pytest.approx((spend[:, 1] > 7).mean())
    assert over["total"] == pytest.approx((spend.sum(axis=1) > 13).mean())
    assert over["any"] == pytest.approx(((spend[:, 0] > 8) | (spend[:, 1] > 7) | (spend.sum(axis=1) > 13)).mean())
    assert 0 < over["any"] < 1
    var = sim.value_at_risk(0.1)
    assert var["planned"] == pytest.approx(base.objective)
    assert var["quantile"] == pytest.approx(np.quantile(value, 0.1))
    assert var["var"] == pytest.approx(base.objective - np.quantile(value, 0.1))
    assert sim.to_dict()["portfolio"] == base.selected_ids


def test_selection_frequencies_equal_a_plain_loop_of_solves():
    p = po.problem_from_spec(SPEC)
    sim = simulate(p, UNC, n=12, seed=5, executor=2)
    loop = []
    for sc in sample_scenarios(p, Uncertainty.from_frame(UNC), 12, seed=5):
        r = po.select(sc.apply(p))
        loop.append([s >= 0 for s in r.starts])
    freq = np.array(loop).mean(axis=0)
    np.testing.assert_allclose(sim.selection_frequency.to_numpy(), freq)
    assert (sim.statuses == "optimal").all()
    assert sim.selection_frequency["E"] == 1.0  # mandatory
    assert set(sim.summary().index) == {"portfolio_value", "optimal_value"}


def test_chance_constrained_equals_brute_force_sample_average():
    p = po.problem_from_spec(SPEC)
    n, eps = 30, 0.1
    r = chance_constrained(p, UNC, n=n, seed=2, max_overrun=eps)
    cf, vf = sample_factors(p, Uncertainty.from_frame(UNC), n, seed=2)
    free = copy.deepcopy(SPEC)
    free.pop("budget")
    best, best_choice = -math.inf, None
    for _, ch in all_portfolios(free):
        spend = np.zeros((n, 2))
        total = np.zeros(n)
        val = 0.0
        for pid, s in ch.items():
            proj = next(q for q in SPEC["projects"] if q["id"] == pid)
            for k, c in enumerate(proj["cost"]):
                spend[:, s + k] += c * cf[pid].to_numpy()
            total += sum(proj["cost"]) * cf[pid].to_numpy()
            val += proj.get("probability", 1.0) * proj["value"] * vf[pid].mean()
        over = (spend[:, 0] > 8 + 1e-9) | (spend[:, 1] > 7 + 1e-9) | (total > 13 + 1e-9)
        if over.mean() <= eps + 1e-12 and val > best + 1e-9:
            best, best_choice = val, ch
    assert r.status == "optimal"
    assert r.objective == pytest.approx(best)
    assert r.overrun_share <= eps
    assert set(r.selected_ids) == set(best_choice)
    # a deterministic budget ignores the spread: its portfolio overruns more often than the bound
    det = simulate(p, UNC, n=n, seed=2, reoptimize=False)
    assert det.overrun_probability()["any"] > eps
