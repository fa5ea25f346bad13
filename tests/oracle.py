"""An independent brute-force oracle for engine requests.

It reads the request dict directly (not the library's Problem) and enumerates
every selection and every start of every selected project, so a bug shared by
the library's validation, compilation and checking cannot hide from it.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

TOL = 1e-7


def _profile(p: dict[str, Any], key: str, dur: int) -> list[float]:
    v = p.get(key)
    if isinstance(v, list):
        return [float(x) for x in v]
    if key == "cost":
        return [float(v) / dur] * dur
    return [float(v)] * dur


def _score_values(spec: dict[str, Any]) -> list[float]:
    """Each project's weighted score, as engine-spec.md defines it (weights summing to 1; min-max over all
    candidates, a criterion equal on all of them counting 0; ``"none"``: raw, a "min" criterion negative)."""
    scoring = spec["scoring"]
    criteria = scoring["criteria"]
    total_weight = sum(float(c.get("weight", 1.0)) for c in criteria.values())
    values = [0.0] * len(spec["projects"])
    for name, c in criteria.items():
        xs = [float(p["scores"][name]) for p in spec["projects"]]
        lo, hi = min(xs), max(xs)
        up = c.get("direction", "max") == "max"
        for k, x in enumerate(xs):
            if scoring.get("normalize", "minmax") == "minmax":
                v = 0.0 if hi == lo else ((x - lo) if up else (hi - x)) / (hi - lo)
            else:
                v = x if up else -x
            values[k] += float(c.get("weight", 1.0)) / total_weight * v
    return values


def _npv(p: dict[str, Any], cost: list[float], rate: float) -> float:
    """Σ_k (benefits_k − cost_k) / (1 + rate)^k over the offsets from the project's start."""
    benefits = [float(b) for b in p.get("benefits", [])]
    horizon = max(len(cost), len(benefits))
    flows = [(benefits[k] if k < len(benefits) else 0.0) - (cost[k] if k < len(cost) else 0.0) for k in range(horizon)]
    return sum(f / (1.0 + rate) ** k for k, f in enumerate(flows))


def expand(spec: dict[str, Any]) -> list[dict[str, Any]]:
    T = spec.get("periods", 1)
    T = T if isinstance(T, int) else len(T)
    objective = spec.get("objective", "value")
    scores = _score_values(spec) if objective == "score" else None
    out = []
    for k, p in enumerate(spec["projects"]):
        cost = p["cost"]
        dur = p.get("duration", len(cost) if isinstance(cost, list) else 1)
        es = p.get("earliest_start", 0)
        ls = p.get("latest_start", es)
        starts = [s for s in range(es, ls + 1) if s + dur <= T]
        if scores is not None:
            value = scores[k]
        elif objective == "npv":
            value = _npv(p, _profile(p, "cost", dur), float(spec.get("discount_rate", 0.0)))
        else:
            value = float(p.get("value", 0.0))
        out.append({
            "id": p["id"], "dur": dur, "cost": _profile(p, "cost", dur),
            "res": {r: _profile({"x": d}, "x", dur) for r, d in (p.get("resources") or {}).items()},
            "value": value, "prob": float(p.get("probability", 1.0)),
            "starts": starts, "mandatory": p.get("mandatory", False), "excluded": p.get("excluded", False),
            "category": p.get("category"), "requires": p.get("requires", []), "excludes": p.get("excludes", []),
        })
    return out


def feasible(spec: dict[str, Any], choice: dict[str, int]) -> bool:
    """Is the portfolio {id: start} feasible for the request?"""
    T = spec.get("periods", 1)
    T = T if isinstance(T, int) else len(T)
    ps = {p["id"]: p for p in expand(spec)}
    for pid, s in choice.items():
        if s not in ps[pid]["starts"]:
            return False
    for pid, p in ps.items():
        if p["mandatory"] and pid not in choice:
            return False
        if p["excluded"] and pid in choice:
            return False
        if pid in choice and any(r not in choice for r in p["requires"]):
            return False
        if pid in choice and any(e in choice for e in p["excludes"]):
            return False
    spend = [0.0] * T
    use: dict[str, list[float]] = {}
    for pid, s in choice.items():
        p = ps[pid]
        for k, c in enumerate(p["cost"]):
            spend[s + k] += c
        for r, prof in p["res"].items():
            u = use.setdefault(r, [0.0] * T)
            for k, d in enumerate(prof):
                u[s + k] += d
    total = sum(sum(ps[pid]["cost"]) for pid in choice)
    b = spec.get("budget")
    tot_lim, per = None, None
    if isinstance(b, dict):
        tot_lim, per = b.get("total"), b.get("per_period")
    elif isinstance(b, list):
        per = b
    elif b is not None:
        tot_lim = b
    if tot_lim is not None and total > tot_lim + TOL:
        return False
    if per is not None and any(spend[t] > per[t] + TOL for t in range(T)):
        return False
    for r, cap in (spec.get("resources") or {}).items():
        caps = cap if isinstance(cap, list) else [cap] * T
        u = use.get(r, [0.0] * T)
        if any(u[t] > caps[t] + TOL for t in range(T)):
            return False
    for g in spec.get("groups") or []:
        members = [pid for pid in choice if ps[pid]["category"] == g["category"]]
        cnt = len(members)
        cst = sum(sum(ps[pid]["cost"]) for pid in members)
        share = cst / total if total > 0 else None
        if "min_count" in g and cnt < g["min_count"]:
            return False
        if "max_count" in g and cnt > g["max_count"]:
            return False
        if "min_cost" in g and cst < g["min_cost"] - TOL:
            return False
        if "max_cost" in g and cst > g["max_cost"] + TOL:
            return False
        if "min_share" in g and share is not None and share < g["min_share"] - TOL:
            return False
        if "max_share" in g and share is not None and share > g["max_share"] + TOL:
            return False
    n = len(choice)
    if spec.get("min_projects") is not None and n < spec["min_projects"]:
        return False
    if spec.get("max_projects") is not None and n > spec["max_projects"]:
        return False
    return True


def value_of(spec: dict[str, Any], choice: dict[str, int]) -> float:
    ps = {p["id"]: p for p in expand(spec)}
    return sum(ps[pid]["prob"] * ps[pid]["value"] for pid in choice)


def all_portfolios(spec: dict[str, Any]):
    """Every feasible portfolio as (objective, {id: start})."""
    ps = expand(spec)
    options = [[None] + p["starts"] for p in ps]
    for combo in itertools.product(*options):
        choice = {p["id"]: s for p, s in zip(ps, combo) if s is not None}
        if feasible(spec, choice):
            yield value_of(spec, choice), choice


def brute_force(spec: dict[str, Any]) -> float | None:
    """The optimal objective (``value``, ``score`` or ``npv``, times probability), or None if infeasible."""
    best = -math.inf
    for v, _ in all_portfolios(spec):
        best = max(best, v)
    return None if best == -math.inf else best


def assert_brute_force_optimum(spec: dict[str, Any], result: Any) -> None:
    """``result`` (a ``Selection``) is the brute-force optimum of ``spec``, or infeasible with it, and feasible."""
    best = brute_force(spec)
    if best is None:
        assert result.status.value == "infeasible", result.status
        return
    assert result.status.value == "optimal", result.status
    assert abs(result.objective - best) <= 1e-9, (result.objective, best)
    assert feasible(spec, {i: int(s) for i, s in result.starts.items() if s >= 0})
