"""Generate the sample PMO portfolio of data/samples/.

A fictional mid-size European company has 60 candidate projects for its
2027-2031 plan.  This script (re)builds, next to itself:

- ``projects.csv``     one row per candidate project;
- ``constraints.json`` the portfolio settings (budgets, capacities, groups, scoring);
- ``spec.json``        the same portfolio as a complete engine request (contract version 1).

Amounts are in k EUR (thousands of euros), resources in FTE per year.  The
output is deterministic (``numpy.random.default_rng(2027)``); the script checks
its own output and raises ``ValueError`` before writing anything if a check fails.

Run: ``python data/samples/make_samples.py``
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 2027
HERE = Path(__file__).resolve().parent
PERIODS = ["2027", "2028", "2029", "2030", "2031"]
T = len(PERIODS)
ROLES = ["engineers", "data_analysts", "architects"]
MAX_BENEFIT_YEARS = 6

COLUMNS = [
    "id", "name", "category", "duration", "cost", "value", "probability",
    "earliest_start", "latest_start", "mandatory", "excluded", "requires", "excludes",
    "benefits", "res_engineers", "res_data_analysts", "res_architects",
    "alignment", "financial", "risk", "urgency",
]

# ---------------------------------------------------------------------------
# The catalogue: id, name, category, duration (years), size class,
# earliest start, latest start, staffing profile.
#
# size class -> typical yearly spend (k EUR): S ~120, M ~300, L ~650, XL ~1300
# staffing profile -> share of the yearly spend that is internal engineering /
# data-analysis work (1 FTE-year ~ 100 k EUR loaded) and architecture intensity.
# ---------------------------------------------------------------------------
SIZES = {"S": 120.0, "M": 300.0, "L": 650.0, "XL": 1300.0}
STAFFING = {
    #          engineers, data_analysts, architects (FTE per M EUR / year)
    "infra":   (3.5, 0.0, 0.6),
    "app":     (4.0, 0.5, 0.5),
    "data":    (2.5, 3.0, 0.7),
    "ai":      (2.5, 3.5, 0.8),
    "process": (2.0, 1.0, 0.3),
    "reg":     (2.5, 1.5, 0.4),
}

CATALOGUE = [
    # --- run (15) -----------------------------------------------------------
    ("INF-01", "Data centre hardware refresh", "run", 2, "L", 0, 1, "infra"),
    ("INF-02", "Core network switch replacement", "run", 1, "M", 0, 2, "infra"),
    ("INF-03", "Windows 11 workstation rollout", "run", 1, "M", 0, 1, "infra"),
    ("INF-04", "Backup and recovery platform renewal", "run", 1, "M", 0, 2, "infra"),
    ("INF-05", "Storage capacity expansion", "run", 1, "S", 2, 4, "infra"),
    ("SEC-01", "Identity and access management upgrade", "run", 2, "M", 0, 2, "infra"),
    ("SEC-02", "Endpoint detection and response rollout", "run", 1, "S", 0, 1, "infra"),
    ("OPS-01", "IT service management tool upgrade", "run", 1, "S", 0, 2, "app"),
    ("OPS-02", "Monitoring and observability consolidation", "run", 2, "M", 1, 3, "infra"),
    ("OPS-03", "Legacy application decommissioning", "run", 2, "S", 1, 3, "app"),
    ("ERP-01", "ERP version upgrade (current vendor)", "run", 2, "L", 0, 1, "app"),
    ("HR-01", "Payroll system upgrade", "run", 1, "M", 0, 2, "app"),
    ("FIN-01", "Treasury management system upgrade", "run", 1, "S", 2, 4, "app"),
    ("NET-01", "SD-WAN branch connectivity", "run", 2, "M", 0, 2, "infra"),
    ("WEB-01", "Corporate website re-platforming", "run", 1, "M", 2, 4, "app"),
    # --- grow (20) ----------------------------------------------------------
    ("CRM-01", "Customer 360 CRM", "grow", 2, "L", 0, 1, "app"),
    ("CRM-02", "CRM sales analytics dashboards", "grow", 1, "M", 2, 4, "data"),
    ("CRM-03", "Marketing automation platform", "grow", 2, "M", 1, 3, "app"),
    ("CRM-04", "Partner relationship portal", "grow", 2, "M", 0, 2, "app"),
    ("ECM-01", "E-commerce storefront relaunch", "grow", 2, "L", 0, 2, "app"),
    ("ECM-02", "B2B self-service ordering portal", "grow", 2, "M", 0, 2, "app"),
    ("ECM-03", "Marketplace channel integration", "grow", 1, "M", 2, 4, "app"),
    ("MOB-01", "Customer mobile app", "grow", 2, "M", 0, 2, "app"),
    ("MOB-02", "Field service mobile app", "grow", 1, "M", 1, 3, "app"),
    ("SCM-01", "Demand forecasting", "grow", 2, "M", 0, 2, "data"),
    ("SCM-02", "Warehouse management system", "grow", 3, "L", 0, 2, "app"),
    ("SCM-03", "Supplier collaboration portal", "grow", 1, "M", 2, 4, "app"),
    ("PRC-01", "Dynamic pricing engine", "grow", 2, "M", 1, 2, "data"),
    ("HR-02", "Talent management suite", "grow", 2, "M", 0, 2, "app"),
    ("FIN-02", "Self-service financial reporting", "grow", 1, "M", 2, 4, "data"),
    ("CX-01", "Contact centre omnichannel routing", "grow", 2, "M", 0, 2, "app"),
    ("CX-02", "Customer self-service portal", "grow", 2, "M", 0, 2, "app"),
    ("MKT-01", "Loyalty programme platform", "grow", 2, "M", 1, 3, "app"),
    ("IOT-01", "Connected products telemetry", "grow", 3, "L", 0, 2, "data"),
    ("MKT-02", "Blockchain traceability pilot (on hold)", "grow", 1, "M", 0, 3, "app"),
    # --- transform (15) -----------------------------------------------------
    ("DWH-01", "Data warehouse modernisation", "transform", 3, "L", 0, 1, "data"),
    ("DAT-01", "Enterprise data platform (lakehouse)", "transform", 3, "XL", 0, 1, "data"),
    ("AI-01", "AI customer service assistant", "transform", 2, "L", 1, 3, "ai"),
    ("AI-02", "Predictive maintenance with machine learning", "transform", 2, "L", 2, 3, "ai"),
    ("AI-03", "Generative AI knowledge assistant", "transform", 2, "L", 1, 3, "ai"),
    ("CLD-01", "Cloud migration wave 1", "transform", 2, "XL", 0, 1, "infra"),
    ("CLD-02", "Cloud migration wave 2", "transform", 3, "XL", 1, 2, "infra"),
    ("ERP-02", "ERP replacement - vendor A", "transform", 4, "XL", 0, 1, "app"),
    ("ERP-03", "ERP replacement - vendor B", "transform", 4, "XL", 0, 1, "app"),
    ("DIG-01", "Digital workplace and collaboration", "transform", 2, "L", 0, 2, "infra"),
    ("SCM-04", "Supply chain control tower", "transform", 3, "L", 1, 2, "data"),
    ("PLM-01", "Product lifecycle management", "transform", 3, "L", 0, 2, "app"),
    ("AUT-01", "Robotic process automation programme", "transform", 3, "M", 0, 2, "process"),
    ("SEC-03", "Zero-trust security architecture", "transform", 3, "L", 0, 2, "infra"),
    ("FIN-03", "Finance close and consolidation transformation", "transform", 3, "L", 0, 2,
     "process"),
    # --- compliance (10) ----------------------------------------------------
    ("REG-01", "GDPR records retention", "compliance", 2, "M", 0, 1, "reg"),
    ("REG-02", "NIS2 cybersecurity compliance", "compliance", 2, "M", 0, 0, "infra"),
    ("REG-03", "E-invoicing mandate", "compliance", 1, "M", 0, 0, "reg"),
    ("REG-04", "CSRD sustainability reporting", "compliance", 2, "M", 0, 1, "reg"),
    ("REG-05", "AI Act model inventory and governance", "compliance", 1, "S", 2, 4, "reg"),
    ("REG-06", "European Accessibility Act web compliance", "compliance", 1, "S", 0, 2, "app"),
    ("SEC-04", "ISO 27001 certification", "compliance", 2, "S", 0, 2, "process"),
    ("DAT-02", "Master data governance", "compliance", 2, "M", 0, 2, "data"),
    ("AUD-01", "Internal controls automation", "compliance", 1, "M", 1, 3, "process"),
    ("HSE-01", "Health and safety incident management", "compliance", 1, "S", 1, 3, "app"),
]

MANDATORY = {"REG-01", "REG-02", "REG-03", "REG-04"}
EXCLUDED = {"MKT-02"}
# project -> projects it needs (selection dependency, no timing implied)
REQUIRES = {
    "CRM-02": ["DWH-01"],
    "CRM-03": ["CRM-01"],
    "FIN-02": ["DWH-01"],
    "AI-01": ["DAT-01"],
    "AI-02": ["DAT-01", "IOT-01"],
    "AI-03": ["DAT-01"],
    "SCM-04": ["DAT-01"],
    "CLD-02": ["CLD-01"],
}
# mutually exclusive pairs, written once on the first project (the relation is symmetric)
EXCLUDES = {
    "ERP-02": ["ERP-03"],   # two alternative ERP vendors
    "ERP-01": ["ERP-02", "ERP-03"],  # upgrading the current ERP rules out replacing it
    "INF-01": ["CLD-02"],   # refresh the data centre or move its workloads out
}

# category parameters: (log value/cost ratio mean, sd), probability range,
# benefit cash share of value, score tilts (alignment, risk, urgency)
CATEGORY = {
    "run":        dict(ratio=(np.log(1.25), 0.45), prob=(0.85, 1.00), cash=0.9,
                       align=2.3, risk=1.8, urgency=3.2),
    "grow":       dict(ratio=(np.log(1.70), 0.55), prob=(0.72, 0.95), cash=1.0,
                       align=3.3, risk=2.7, urgency=2.6),
    "transform":  dict(ratio=(np.log(1.80), 0.50), prob=(0.60, 0.82), cash=0.8,
                       align=4.2, risk=3.8, urgency=2.6),
    "compliance": dict(ratio=(np.log(0.90), 0.40), prob=(0.88, 1.00), cash=0.3,
                       align=2.8, risk=1.9, urgency=4.2),
}

COST_SHAPE = {1: [1.0], 2: [1.0, 0.75], 3: [0.7, 1.0, 0.65], 4: [0.55, 1.0, 0.9, 0.5]}

CONSTRAINTS = {
    "periods": PERIODS,
    "budget": {"total": 28000, "per_period": [6000, 6000, 6000, 6000, 6000]},
    "resources": {
        "engineers": [20, 20, 22, 22, 22],
        "data_analysts": [5, 5, 6, 6, 6],
        "architects": [3, 3, 3, 3, 3],
    },
    "groups": [
        {"category": "transform", "max_share": 0.4},
        {"category": "run", "min_count": 5},
        {"category": "grow", "min_count": 6, "min_share": 0.2},
    ],
    "min_projects": 0,
    "max_projects": 40,
    "discount_rate": 0.08,
    "scoring": {
        "criteria": {
            "alignment": {"weight": 4, "direction": "max"},
            "financial": {"weight": 3, "direction": "max"},
            "risk": {"weight": 2, "direction": "min"},
            "urgency": {"weight": 1, "direction": "max"},
        },
        "normalize": "minmax",
    },
}


# ---------------------------------------------------------------------------
# generation
# ---------------------------------------------------------------------------
def _round_to(x: float, step: float) -> float:
    return float(step * np.round(x / step))


def _num(x: float) -> int | float:
    """An int when integral (clean CSV/JSON), else a float rounded to 2 decimals."""
    x = round(float(x), 2)
    return int(x) if x.is_integer() else x


def _fmt_list(values: list) -> str:
    return ";".join(str(_num(v)) for v in values)


def _fmt_res(values: list) -> str:
    """A single number when every year is the same, else the yearly list."""
    return str(_num(values[0])) if len(set(values)) == 1 else _fmt_list(values)


def generate(rng: np.random.Generator) -> list[dict]:
    rows = []
    for pid, name, cat, dur, size, es, ls, staffing in CATALOGUE:
        par = CATEGORY[cat]
        # cost profile: size x shape x noise, 50 .. 2500 k EUR per year, multiples of 5
        base = SIZES[size] * rng.lognormal(0.0, 0.25)
        shape = np.array(COST_SHAPE[dur]) * rng.uniform(0.88, 1.12, dur)
        cost = [min(2500.0, max(50.0, _round_to(base * s, 5))) for s in shape]
        total_cost = sum(cost)

        # value: noisy multiple of cost (winners and dogs), multiples of 10
        ratio = rng.lognormal(*par["ratio"])
        value = max(10.0, _round_to(total_cost * ratio, 10))

        lo, hi = par["prob"]
        probability = round(float(rng.uniform(lo, hi)), 2)

        # benefits: nothing in year 1, partial during the build, steady after go-live
        n_ben = int(min(MAX_BENEFIT_YEARS, dur + rng.integers(2, 4)))
        weights = np.array(
            [0.0 if k == 0 else (0.3 if k < dur else (0.7 if k == dur else 1.0))
             for k in range(n_ben)]
        )
        cash_total = value * par["cash"] * rng.uniform(0.7, 1.1)
        benefits = [_round_to(w, 10) for w in cash_total * weights / weights.sum()]

        # resources: FTE per year, 0.5 granularity
        eng_k, da_k, arch_k = STAFFING[staffing]
        res = {}
        for role, k in zip(ROLES, (eng_k, da_k, arch_k)):
            noise = rng.uniform(0.8, 1.2)
            res[role] = [_round_to(c / 1000.0 * k * noise, 0.5) for c in cost]
        # architects: at least half an FTE on the first year of every L/XL project
        if size in ("L", "XL") and res["architects"][0] == 0:
            res["architects"][0] = 0.5

        # criteria scores 1..5
        def clip(x: float) -> int:
            return int(np.clip(np.round(x), 1, 5))

        alignment = clip(par["align"] + rng.normal(0, 0.9))
        financial = clip(3 + 1.6 * np.log(ratio / 1.4) + rng.normal(0, 0.6))
        risk = clip(par["risk"] + 0.3 * (dur - 2) + rng.normal(0, 0.7))
        urgency = clip(par["urgency"] + rng.normal(0, 0.9))
        if pid in MANDATORY:
            urgency = 5

        rows.append({
            "id": pid, "name": name, "category": cat, "duration": dur,
            "cost": cost, "value": value, "probability": probability,
            "earliest_start": es, "latest_start": ls,
            "mandatory": pid in MANDATORY, "excluded": pid in EXCLUDED,
            "requires": list(REQUIRES.get(pid, [])), "excludes": list(EXCLUDES.get(pid, [])),
            "benefits": benefits, "resources": res,
            "scores": {"alignment": alignment, "financial": financial,
                       "risk": risk, "urgency": urgency},
        })
    return rows


# ---------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------
def _profile(values: list, start: int) -> np.ndarray:
    out = np.zeros(T)
    for k, v in enumerate(values):
        if start + k < T:
            out[start + k] += v
    return out


def worst_case_use(rows: list[dict], key) -> np.ndarray:
    """Per year, the sum over projects of the largest use over the project's start options."""
    total = np.zeros(T)
    for r in rows:
        opts = [_profile(key(r), s) for s in range(r["earliest_start"], r["latest_start"] + 1)]
        total += np.max(opts, axis=0)
    return total


def earliest_use(rows: list[dict], key) -> np.ndarray:
    return sum((_profile(key(r), r["earliest_start"]) for r in rows), np.zeros(T))


def check(rows: list[dict], constraints: dict) -> None:
    problems = []
    ids = [r["id"] for r in rows]
    by_id = {r["id"]: r for r in rows}
    if len(set(ids)) != len(ids):
        problems.append("duplicate project ids")
    for r in rows:
        p, d = r["id"], r["duration"]
        if not 1 <= d <= 4:
            problems.append(f"{p}: duration {d} outside 1..4")
        if not 0 <= r["earliest_start"] <= r["latest_start"]:
            problems.append(f"{p}: bad start window")
        if r["latest_start"] + d > T:
            problems.append(f"{p}: latest_start + duration runs past {PERIODS[-1]}")
        if len(r["cost"]) != d:
            problems.append(f"{p}: cost profile length != duration")
        if any(not 50 <= c <= 2500 for c in r["cost"]):
            problems.append(f"{p}: yearly cost outside 50..2500")
        for role, v in r["resources"].items():
            if len(v) != d or min(v) < 0:
                problems.append(f"{p}: resources.{role} length != duration or negative")
        if not d <= len(r["benefits"]) <= MAX_BENEFIT_YEARS or min(r["benefits"]) < 0:
            problems.append(f"{p}: bad benefits")
        if r["value"] <= 0:
            problems.append(f"{p}: value not positive")
        if not 0.6 <= r["probability"] <= 1.0:
            problems.append(f"{p}: probability outside 0.6..1")
        if any(not 1 <= s <= 5 for s in r["scores"].values()):
            problems.append(f"{p}: score outside 1..5")
        if r["mandatory"] and r["excluded"]:
            problems.append(f"{p}: both mandatory and excluded")
        for q in r["requires"] + r["excludes"]:
            if q not in by_id:
                problems.append(f"{p}: unknown id {q} in requires/excludes")
            if q == p:
                problems.append(f"{p}: refers to itself")
        for q in r["requires"]:
            if q in by_id and by_id[q]["excluded"]:
                problems.append(f"{p}: requires excluded project {q}")
    if problems:
        raise ValueError("sample check failed:\n  " + "\n  ".join(problems))

    # requires: acyclic, and the closure of a project never hits one it excludes
    def closure(p: str, path: tuple = ()) -> set:
        if p in path:
            raise ValueError(f"sample check failed: requires cycle {' -> '.join(path + (p,))}")
        out = set()
        for q in by_id[p]["requires"]:
            out |= {q} | closure(q, path + (p,))
        return out

    pairs = {frozenset((r["id"], q)) for r in rows for q in r["excludes"]}
    for r in rows:
        need = closure(r["id"]) | {r["id"]}
        for a in need:
            for b in need:
                if a < b and frozenset((a, b)) in pairs:
                    problems.append(f"{r['id']}: needs both {a} and {b}, which exclude each other")
        if r["mandatory"] and any(by_id[q]["excluded"] for q in need):
            problems.append(f"{r['id']}: mandatory but needs an excluded project")
    mand = [r for r in rows if r["mandatory"]]
    mand_need = set().union(*(closure(r["id"]) | {r["id"]} for r in mand)) if mand else set()
    for a in mand_need:
        for b in mand_need:
            if a < b and frozenset((a, b)) in pairs:
                problems.append(
                    f"mandatory projects need both {a} and {b}, which exclude each other")

    # mandatory projects (and what they need) fit comfortably: <= 50% in every year,
    # whatever start they get
    forced = [by_id[p] for p in ids if p in mand_need]
    bud = constraints["budget"]
    spend = worst_case_use(forced, lambda r: r["cost"])
    for t in range(T):
        if spend[t] > 0.5 * bud["per_period"][t]:
            problems.append(f"mandatory spend {spend[t]:.0f} > 50% of the {PERIODS[t]} budget")
    if sum(sum(r["cost"]) for r in forced) > 0.5 * bud["total"]:
        problems.append("mandatory spend > 50% of the total budget")
    for role, cap in constraints["resources"].items():
        use = worst_case_use(forced, lambda r, role=role: r["resources"][role])
        for t in range(T):
            if use[t] > 0.5 * cap[t]:
                problems.append(f"mandatory {role} {use[t]:.1f} > 50% of capacity in {PERIODS[t]}")

    # the budget funds 45..65% of the candidates' total cost
    total_cost = sum(sum(r["cost"]) for r in rows if not r["excluded"])
    share = bud["total"] / total_cost
    if not 0.45 <= share <= 0.65:
        problems.append(f"total budget covers {share:.0%} of the candidate cost, not 45..65%")
    if bud["total"] > sum(bud["per_period"]):
        problems.append("total budget exceeds the sum of the yearly budgets")

    # the yearly budgets and at least two resources bind: candidates' demand
    # (everything started as early as possible) >= 1.5 x the limit in >= 2 years
    live = [r for r in rows if not r["excluded"]]
    demand = earliest_use(live, lambda r: r["cost"])
    if sum(demand >= 1.5 * np.array(bud["per_period"])) < 2:
        problems.append("yearly budgets do not bind in at least two years")
    binding = 0
    for role, cap in constraints["resources"].items():
        use = earliest_use(live, lambda r, role=role: r["resources"][role])
        binding += sum(use >= 1.5 * np.array(cap)) >= 2
    if binding < 2:
        problems.append("fewer than two resources bind in at least two years")

    if problems:
        raise ValueError("sample check failed:\n  " + "\n  ".join(problems))


# ---------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------
def to_frame(rows: list[dict]) -> pd.DataFrame:
    recs = []
    for r in rows:
        recs.append({
            "id": r["id"], "name": r["name"], "category": r["category"],
            "duration": r["duration"], "cost": _fmt_list(r["cost"]),
            "value": _num(r["value"]), "probability": f"{r['probability']:.2f}",
            "earliest_start": r["earliest_start"], "latest_start": r["latest_start"],
            "mandatory": "true" if r["mandatory"] else "false",
            "excluded": "true" if r["excluded"] else "false",
            "requires": ";".join(r["requires"]), "excludes": ";".join(r["excludes"]),
            "benefits": _fmt_list(r["benefits"]),
            "res_engineers": _fmt_res(r["resources"]["engineers"]),
            "res_data_analysts": _fmt_res(r["resources"]["data_analysts"]),
            "res_architects": _fmt_res(r["resources"]["architects"]),
            **r["scores"],
        })
    return pd.DataFrame(recs, columns=COLUMNS)


def to_spec(rows: list[dict], constraints: dict) -> dict:
    projects = []
    for r in rows:
        projects.append({
            "id": r["id"], "name": r["name"],
            "cost": [_num(c) for c in r["cost"]], "value": _num(r["value"]),
            "resources": {role: [_num(v) for v in r["resources"][role]] for role in ROLES},
            "earliest_start": r["earliest_start"], "latest_start": r["latest_start"],
            "category": r["category"],
            "requires": r["requires"], "excludes": r["excludes"],
            "mandatory": r["mandatory"], "excluded": r["excluded"],
            "scores": dict(r["scores"]),
            "benefits": [_num(b) for b in r["benefits"]],
            "probability": r["probability"],
        })
    c = constraints
    return {
        "version": 1,
        "periods": list(c["periods"]),
        "projects": projects,
        "objective": "value",
        "scoring": c["scoring"],
        "discount_rate": c["discount_rate"],
        "budget": c["budget"],
        "resources": c["resources"],
        "groups": c["groups"],
        "min_projects": c["min_projects"],
        "max_projects": c["max_projects"],
        "solver": {"name": "highs", "time_limit": 60},
    }


def check_csv(csv_text: str, rows: list[dict]) -> None:
    """The written CSV reads back to the same portfolio (lists, lengths, ids).

    Every line must split into exactly the 21 columns on plain commas: no field
    may need CSV quoting, so the file also reads with the simplest of readers.
    """
    lines = csv_text.splitlines()
    problems = []
    if lines[0].split(",") != COLUMNS or len(lines) != len(rows) + 1:
        problems.append("CSV header or row count differ")
    recs = [line.split(",") for line in lines[1:]]
    ids = {f[0] for f in recs}
    for fields, r in zip(recs, rows):
        if len(fields) != len(COLUMNS) or any('"' in f for f in fields):
            problems.append(f"{fields[0]}: row needs quoting or has the wrong number of fields")
            continue
        rec = dict(zip(COLUMNS, fields))
        p, d = rec["id"], int(rec["duration"])
        if p != r["id"] or d != r["duration"]:
            problems.append(f"{p}: id/duration differ from the generated row")
        if [float(v) for v in rec["cost"].split(";")] != r["cost"]:
            problems.append(f"{p}: cost does not read back")
        if len(rec["benefits"].split(";")) < d:
            problems.append(f"{p}: benefits shorter than the duration")
        for role in ROLES:
            vals = [float(v) for v in rec["res_" + role].split(";")]
            if len(vals) == 1:
                vals = vals * d
            if vals != r["resources"][role]:
                problems.append(f"{p}: res_{role} does not read back")
        for col in ("requires", "excludes"):
            for q in filter(None, rec[col].split(";")):
                if q not in ids:
                    problems.append(f"{p}: {col} names unknown id {q}")
        if rec["mandatory"] not in ("true", "false") or rec["excluded"] not in ("true", "false"):
            problems.append(f"{p}: mandatory/excluded not true/false")
    if problems:
        raise ValueError("sample check failed:\n  " + "\n  ".join(problems))


def _dump(obj: dict) -> str:
    return json.dumps(obj, indent=1, ensure_ascii=False) + "\n"


def main() -> None:
    rng = np.random.default_rng(SEED)
    rows = generate(rng)
    check(rows, CONSTRAINTS)
    frame = to_frame(rows)
    csv_text = frame.to_csv(index=False, lineterminator="\n")
    check_csv(csv_text, rows)
    (HERE / "projects.csv").write_text(csv_text, encoding="utf-8", newline="\n")
    (HERE / "constraints.json").write_text(_dump(CONSTRAINTS), encoding="utf-8", newline="\n")
    (HERE / "spec.json").write_text(_dump(to_spec(rows, CONSTRAINTS)), encoding="utf-8",
                                    newline="\n")
    print(f"wrote {len(rows)} projects to {HERE}")


if __name__ == "__main__":
    main()
