"""Sensitivity against brute force.

- marginal values equal the brute-force optimum with the limit raised minus the brute-force optimum;
- weight intervals: inside the interval the base portfolio is optimal (brute force over every
  feasible portfolio, scores recomputed here from the raw criteria), and just beyond each end a
  different portfolio is strictly better — the end really flips the portfolio;
- per project: the value with the project forced the other way equals brute force, and the
  break-even value is where the decision flips (checked a little either side, by brute force);
- the best hire's gain equals brute force with that hire.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

import portfolio_opt as po
from oracle import all_portfolios, brute_force
from portfolio_opt.analysis.sensitivity import (
    best_hire,
    marginal_values,
    project_sensitivity,
    weight_sensitivity,
    weights_at,
)

SPEC = {
    "version": 1, "periods": 3,
    "projects": [
        {"id": "A", "cost": [3, 2], "value": 9, "resources": {"eng": [2, 1]}, "earliest_start": 0, "latest_start": 1},
        {"id": "B", "cost": [4], "value": 7, "resources": {"eng": [1]}, "earliest_start": 0, "latest_start": 2},
        {"id": "C", "cost": [2, 2], "value": 6, "resources": {"eng": [1, 1]}, "probability": 0.8,
         "earliest_start": 0, "latest_start": 1},
        {"id": "D", "cost": [5], "value": 8, "resources": {"eng": [2]}, "earliest_start": 1, "latest_start": 2},
        {"id": "E", "cost": [1, 1, 1], "value": 3, "mandatory": True},
        {"id": "F", "cost": [2], "value": 4, "requires": ["B"], "earliest_start": 0, "latest_start": 2},
    ],
    "budget": {"total": 15, "per_period": [7, 6, 6]},
    "resources": {"eng": [3, 3, 2]},
}


def test_marginal_values_equal_brute_force_differences():
    p = po.problem_from_spec(SPEC)
    mv = marginal_values(p, executor="serial")
    base = brute_force(SPEC)
    assert len(mv) == 1 + 3 + 3
    for _, row in mv.iterrows():
        s = copy.deepcopy(SPEC)
        if row["kind"] == "budget" and row["period"] == "total":
            s["budget"]["total"] += 1
        elif row["kind"] == "budget":
            s["budget"]["per_period"][int(row["period"].split()[-1])] += 1
        else:
            s["resources"]["eng"][int(row["period"].split()[-1])] += 1
        assert row["marginal_value"] == pytest.approx(brute_force(s) - base), row.to_dict()
        assert row["slack"] == pytest.approx(row["limit"] - row["use"])
    assert (mv["marginal_value"] > 0).any(), "the instance has a binding limit"
    mv2 = marginal_values(p, delta=2.5, executor="serial")
    s = copy.deepcopy(SPEC)
    s["budget"]["total"] += 2.5
    assert mv2.iloc[0]["gain"] == pytest.approx(brute_force(s) - base)


def test_best_hire_gain_equals_brute_force():
    p = po.problem_from_spec(SPEC)
    h = best_hire(p, unit_cost=1.0, budget=3, executor="serial")
    base = brute_force(SPEC)
    for _, row in h.iterrows():
        t = int(row["from_period"].split()[-1])
        s = copy.deepcopy(SPEC)
        s["resources"]["eng"] = [c + (row["units"] if k >= t else 0) for k, c in enumerate(s["resources"]["eng"])]
        assert row["gain"] == pytest.approx(brute_force(s) - base)
        assert row["hire_cost"] == row["units"] * (3 - t) <= 3
    assert h["gain"].is_monotonic_decreasing


# --------------------------------------------------------------------------- weights

SCORED = {
    "version": 1, "objective": "score",
    "projects": [
        {"id": "A", "cost": 4, "scores": {"fit": 5, "cash": 1, "risk": 4}},
        {"id": "B", "cost": 3, "scores": {"fit": 2, "cash": 5, "risk": 2}},
        {"id": "C", "cost": 3, "scores": {"fit": 4, "cash": 2, "risk": 1}, "probability": 0.9},
        {"id": "D", "cost": 2, "scores": {"fit": 1, "cash": 4, "risk": 3}},
        {"id": "E", "cost": 5, "scores": {"fit": 3, "cash": 3, "risk": 5}},
    ],
    "scoring": {"criteria": {"fit": {"weight": 4}, "cash": {"weight": 3}, "risk": {"weight": 2, "direction": "min"}}},
    "budget": 9,
}


def oracle_best(weights: dict[str, float]) -> tuple[float, list[frozenset]]:
    """Brute force with scores computed here: min-max normalisation, 'risk' a min criterion."""
    crit = SCORED["scoring"]["criteria"]
    raw = {c: np.array([p["scores"][c] for p in SCORED["projects"]], float) for c in crit}
    norm = {}
    for c, x in raw.items():
        lo, hi = x.min(), x.max()
        norm[c] = (hi - x) / (hi - lo) if crit[c].get("direction") == "min" else (x - lo) / (hi - lo)
    score = sum(weights[c] * norm[c] for c in crit)
    prob = {p["id"]: p.get("probability", 1.0) for p in SCORED["projects"]}
    sc = {p["id"]: s for p, s in zip(SCORED["projects"], score)}
    vals = [(sum(prob[i] * sc[i] for i in ch), frozenset(ch)) for _, ch in all_portfolios(SCORED)]
    best = max(v for v, _ in vals)
    return best, [s for v, s in vals if v >= best - 1e-9], {s: v for v, s in vals}


def test_weight_intervals_flip_at_their_ends_and_not_inside():
    p = po.problem_from_spec(SCORED)
    ws = weight_sensitivity(p)
    base = frozenset(ws.portfolio)
    assert len(ws.intervals) == 3
    flips = 0
    for iv in ws.intervals:
        assert iv.low <= iv.weight <= iv.high
        # inside (ends included): the base portfolio is optimal
        for x in np.linspace(iv.low, iv.high, 7):
            best, optimal, value = oracle_best(weights_at(p, iv.criterion, float(x)))
            assert value[base] == pytest.approx(best, abs=1e-6), (iv.criterion, x)
        # just beyond an end: another portfolio is strictly better
        for w, sel in ((iv.below_weight, iv.below), (iv.above_weight, iv.above)):
            if w is None:
                continue
            flips += 1
            best, optimal, value = oracle_best(weights_at(p, iv.criterion, w))
            assert value[base] < best - 1e-9
            assert frozenset(sel) in optimal
        assert (iv.below_weight is None) == (iv.low <= 0.0)
        assert (iv.above_weight is None) == (iv.high >= 1.0)
        # the ends are tight: a bit further than the reported beyond point is not needed, the end itself ties
        if iv.above_weight is not None:
            assert iv.above_weight - iv.high <= 0.05
    assert flips >= 2, "the instance is meant to flip"
    t = ws.to_frame()
    assert list(t.columns) == ["weight", "low", "high", "width", "below", "above"]
    assert t["width"].is_monotonic_increasing


def test_weight_sensitivity_needs_a_score_objective():
    with pytest.raises(po.ValidationError, match="score"):
        weight_sensitivity(po.problem_from_spec(SPEC))


# --------------------------------------------------------------------------- per project


def flipped_spec(pid: str, selected: bool, value: float | None = None) -> dict:
    s = copy.deepcopy(SPEC)
    for p in s["projects"]:
        if p["id"] == pid:
            if value is not None:
                p["value"] = value
            else:
                p["excluded" if selected else "mandatory"] = True
    return s


def test_project_sensitivity_equals_brute_force():
    p = po.problem_from_spec(SPEC)
    ps = project_sensitivity(p, executor="serial")
    base = brute_force(SPEC)
    assert ps.loc["E", "note"].startswith("mandatory")
    for pid, row in ps.iterrows():
        if pid == "E":
            continue
        want = brute_force(flipped_spec(pid, row["selected"]))
        if want is None:
            assert np.isnan(row["value_if_flipped"]) and "cannot be" in row["note"]
            continue
        assert row["value_if_flipped"] == pytest.approx(want)
        assert row["value_change"] == pytest.approx(want - base)
        be = row["break_even"]
        # the decision flips at the break-even value: test a little either side by brute force
        for delta, stays in ((0.01, True), (-0.01, False)) if row["selected"] else ((-0.01, True), (0.01, False)):
            s = flipped_spec(pid, row["selected"], value=be + delta)
            best = brute_force(s)
            chosen = [ch for v, ch in all_portfolios(s) if v >= best - 1e-9]
            inside = [pid in ch for ch in chosen]
            assert all(inside) if (stays == row["selected"]) else not any(inside), (pid, delta)
