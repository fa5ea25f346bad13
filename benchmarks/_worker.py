"""One measured run, in its own process: ``python _worker.py JOB.json RESULT.json``.

The suite (``run.py``) starts one process per (instance, configuration) so that
a hang can be killed, memory is measured per run (``ru_maxrss`` of the process
and of its children, e.g. the CBC binary) and no run warms a cache for the
next.  The instance is regenerated here from its name; that is not timed.

Configurations
--------------
``pulp_cbc``   what a user writes by hand: PuLP ``LpVariable.dicts`` (PuLP 3) or
               ``prob.add_variable_dicts`` (PuLP 4) and ``lpSum`` over the
               engine request dict, solved by PuLP's CBC.
``highspy``    raw HiGHS on the prebuilt matrix (one ``passModel`` call).
``cbc``        raw CBC: the prebuilt matrix written as MPS, PuLP's CBC binary run on it.
``cpsat``      raw OR-Tools CP-SAT on the prebuilt matrix (rows scaled to integers).
``po_highs``, ``po_cbc``, ``po_default``
               ``Problem.from_frame`` + ``portfolio_opt.select`` with that backend
               (``po_default``: no ``solver`` argument).

Times (seconds, wall clock): ``build_s`` is everything before the solver runs
(model construction and hand-over; for portfolio_opt: ``Problem.from_frame``
plus ``select``'s own work outside the solver call), ``solve_s`` the solver
call (for CBC through PuLP this includes writing the MPS file and reading the
solution, as PuLP does it), ``total_s`` their sum.
"""

from __future__ import annotations

import json
import math
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import instances as I  # noqa: E402

CONFIGS = ("pulp_cbc", "highspy", "cbc", "cpsat", "po_highs", "po_cbc", "po_default")
PEERS = ("pulp_cbc", "highspy", "cbc", "cpsat")
#: portfolio_opt's modules that a solve loads on its first call (``import portfolio_opt`` stays light
#: without them); imported before the clock, as the peers' ``import highspy`` and ``import pulp`` are.
#: Their loading is measured on its own (``run.import_time``)
SOLVE_MODULES = ("portfolio_opt.optimize", "portfolio_opt._compile", "portfolio_opt.result",
                 "portfolio_opt._solvers._fixing", "portfolio_opt._solvers._enum", "portfolio_opt._solvers._highs",
                 "portfolio_opt._solvers._highs_core", "portfolio_opt._solvers._pulp",
                 "portfolio_opt._solvers._quiet")


# --------------------------------------------------------------------------- helpers


def _pulp() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pulp
    return pulp


def _pulp_major(pulp: Any) -> int:
    m = re.match(r"(\d+)", str(getattr(pulp, "__version__", "0")))
    return int(m.group(1)) if m else 0


def cbc_path() -> str | None:
    """The CBC executable PuLP would use (bundled in PuLP 3, cbcbox or PATH in PuLP 4)."""
    pulp = _pulp()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in ("PULP_CBC_CMD", "COIN_CMD"):
            cls = getattr(pulp, name, None)
            if cls is None:
                continue
            try:
                s = cls(msg=False)
                if s.available():
                    return str(s.path)
            except Exception:
                continue
    return shutil.which("cbc")


def _cbc_solver(pulp: Any, time_limit: float | None, log: str) -> Any:
    kw: dict[str, Any] = {"msg": False, "logPath": log}
    if time_limit:
        kw["timeLimit"] = time_limit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if _pulp_major(pulp) < 4 and hasattr(pulp, "PULP_CBC_CMD"):
            return pulp.PULP_CBC_CMD(**kw)
        return pulp.COIN_CMD(**kw)


_RE_NUM = r"(-?[\d.]+(?:e[-+]?\d+)?)"


def parse_cbc_log(log: str, objective: float | None) -> tuple[str, float | None]:
    """(status, bound) from a CBC log; status optimal|feasible|infeasible|no_solution|unknown."""
    m = re.search(r"Result - (.*)", log)
    res = m.group(1).strip().lower() if m else ""
    if "optimal" in res:
        return "optimal", objective
    if "infeasible" in res:
        return "infeasible", None
    status = "feasible" if objective is not None else "no_solution"
    if not res:
        status = "unknown" if objective is None else "feasible"
    lb = re.search(r"(?:Lower|Upper) bound:\s*" + _RE_NUM, log)  # "Upper" when run with -max
    gap = re.search(r"Gap:\s*" + _RE_NUM, log)
    bound = None
    if objective is not None:
        if lb:
            b = abs(float(lb.group(1)))
            if b >= objective - 1e-6 * max(1.0, abs(objective)):
                bound = b
        if bound is None and gap:
            bound = objective * (1 + abs(float(gap.group(1))))
    return status, bound


def _gap(obj: float | None, bound: float | None) -> float | None:
    if obj is None or bound is None or not (math.isfinite(obj) and math.isfinite(bound)):
        return None
    return max(0.0, (bound - obj) / max(abs(obj), 1e-10))


# --------------------------------------------------------------------------- hand-written PuLP


def pulp_model(spec: dict[str, Any]) -> tuple[Any, Any]:
    """The model a PuLP user writes for an engine request (dicts of variables, lpSum)."""
    pulp = _pulp()
    v4 = _pulp_major(pulp) >= 4
    T = spec.get("periods", 1)
    T = T if isinstance(T, int) else len(T)
    projects = spec["projects"]
    prob = pulp.LpProblem("portfolio", pulp.LpMaximize)

    cost, res, starts = {}, {}, {}
    for p in projects:
        c = p["cost"]
        dur = p.get("duration", len(c) if isinstance(c, list) else 1)
        cost[p["id"]] = c if isinstance(c, list) else [c / dur] * dur
        res[p["id"]] = {r: (d if isinstance(d, list) else [d] * dur) for r, d in (p.get("resources") or {}).items()}
        es = p.get("earliest_start", 0)
        ls = min(p.get("latest_start", es), T - dur)
        starts[p["id"]] = range(es, ls + 1)
    keys = [(pid, s) for pid, ss in starts.items() for s in ss]
    if v4:
        x = prob.add_variable_dicts("x", keys, cat=pulp.LpBinary)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            x = pulp.LpVariable.dicts("x", keys, cat=pulp.LpBinary)
    y = {pid: pulp.lpSum(x[pid, s] for s in ss) for pid, ss in starts.items()}
    prob += pulp.lpSum(p.get("probability", 1.0) * p.get("value", 0) * y[p["id"]] for p in projects)

    for p in projects:
        pid = p["id"]
        if p.get("mandatory"):
            prob += y[pid] == 1
        elif p.get("excluded"):
            prob += y[pid] == 0
        else:
            prob += y[pid] <= 1
        for q in p.get("requires", []):
            prob += y[pid] <= y[q]
        for q in p.get("excludes", []):
            prob += y[pid] + y[q] <= 1

    budget = spec.get("budget")
    if budget is not None:
        if not isinstance(budget, dict):
            budget = {"total": budget} if not isinstance(budget, list) else {"per_period": budget}
        if budget.get("total") is not None:
            prob += pulp.lpSum(sum(cost[pid]) * y[pid] for pid in starts) <= budget["total"]
        if budget.get("per_period") is not None:
            spend: list[list[Any]] = [[] for _ in range(T)]
            for pid, s in keys:
                for k, c in enumerate(cost[pid]):
                    if c:
                        spend[s + k].append(c * x[pid, s])
            for t in range(T):
                prob += pulp.lpSum(spend[t]) <= budget["per_period"][t]
    for r, cap in (spec.get("resources") or {}).items():
        cap = cap if isinstance(cap, list) else [cap] * T
        use: list[list[Any]] = [[] for _ in range(T)]
        for pid, s in keys:
            for k, d in enumerate(res[pid].get(r, [])):
                if d:
                    use[s + k].append(d * x[pid, s])
        for t in range(T):
            prob += pulp.lpSum(use[t]) <= cap[t]
    for g in spec.get("groups", []):
        members = [p["id"] for p in projects if p.get("category") == g["category"]]
        n_sel = pulp.lpSum(y[pid] for pid in members)
        c_sel = pulp.lpSum(sum(cost[pid]) * y[pid] for pid in members)
        c_all = pulp.lpSum(sum(cost[pid]) * y[pid] for pid in starts)
        for key, val in g.items():
            if key == "category" or val is None:
                continue
            if key == "min_count":
                prob += n_sel >= val
            elif key == "max_count":
                prob += n_sel <= val
            elif key == "min_cost":
                prob += c_sel >= val
            elif key == "max_cost":
                prob += c_sel <= val
            elif key == "min_share":
                prob += c_sel >= val * c_all
            elif key == "max_share":
                prob += c_sel <= val * c_all
    n_all = pulp.lpSum(y.values())
    if spec.get("min_projects"):
        prob += n_all >= spec["min_projects"]
    if spec.get("max_projects") is not None:
        prob += n_all <= spec["max_projects"]
    return prob, x


def run_pulp_cbc(spec: dict[str, Any], time_limit: float | None) -> dict[str, Any]:
    pulp = _pulp()
    t0 = time.perf_counter()
    prob, x = pulp_model(spec)
    t1 = time.perf_counter()
    work = tempfile.mkdtemp(prefix="bench-pulp-")
    log = os.path.join(work, "cbc.log")
    try:
        solver = _cbc_solver(pulp, time_limit, log)
        if hasattr(solver, "tmpDir"):
            solver.tmpDir = work
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prob.solve(solver)
        t2 = time.perf_counter()
        text = Path(log).read_text(errors="replace") if os.path.exists(log) else ""
    finally:
        shutil.rmtree(work, ignore_errors=True)
    obj = pulp.value(prob.objective)
    has = all(v.varValue is not None for v in x.values())
    obj = float(obj) if obj is not None and has else None
    status, bound = parse_cbc_log(text, obj)
    if status in ("infeasible", "no_solution"):
        obj = None
    return {"build_s": t1 - t0, "solve_s": t2 - t1, "status": status, "objective": obj, "bound": bound,
            "solver_version": f"pulp {pulp.__version__}"}


# --------------------------------------------------------------------------- raw solvers


def run_highspy(M: I.Matrix, time_limit: float | None) -> dict[str, Any]:
    import highspy

    A = M.A.tocsc()
    m, n = A.shape
    clip = lambda a: np.clip(np.asarray(a, float), -1e30, 1e30)  # noqa: E731
    args = (n, m, int(A.nnz), 1, -1, 0.0, M.c, np.zeros(n), np.ones(n), clip(M.row_lo), clip(M.row_hi),
            A.indptr.astype(np.int32), A.indices.astype(np.int32), A.data, np.ones(n, dtype=np.int32))
    t0 = time.perf_counter()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(*args)
    if time_limit:
        h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", 0.0)
    t1 = time.perf_counter()
    h.run()
    t2 = time.perf_counter()
    ms = h.modelStatusToString(h.getModelStatus()).lower()
    info = h.getInfo()
    has = info.primal_solution_status == 2
    obj = float(M.c @ np.round(np.asarray(h.getSolution().col_value))) if has else None
    bound = float(info.mip_dual_bound) if has and abs(info.mip_dual_bound) < 1e30 else None
    if ms == "optimal":
        status = "optimal"
    elif "infeasible" in ms:
        status = "infeasible"
    else:
        status = "feasible" if has else "no_solution"
    return {"build_s": t1 - t0, "solve_s": t2 - t1, "status": status, "objective": obj, "bound": bound,
            "solver_version": f"highs {h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"}


def write_mps(M: I.Matrix, path: str) -> None:
    """MPS of  min -c.x  (CBC minimises; the sense stays unambiguous), written by HiGHS' writer."""
    import highspy

    A = M.A.tocsc()
    m, n = A.shape
    clip = lambda a: np.clip(np.asarray(a, float), -1e30, 1e30)  # noqa: E731
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(n, m, int(A.nnz), 1, 1, 0.0, -np.asarray(M.c, float), np.zeros(n), np.ones(n),
                clip(M.row_lo), clip(M.row_hi), A.indptr.astype(np.int32), A.indices.astype(np.int32),
                A.data, np.ones(n, dtype=np.int32))
    h.writeModel(path)


def run_cbc(M: I.Matrix, time_limit: float | None) -> dict[str, Any]:
    exe = cbc_path()
    if exe is None:
        return {"status": "n/a", "note": "no CBC binary"}
    work = tempfile.mkdtemp(prefix="bench-cbc-")
    try:
        mps, sol = os.path.join(work, "m.mps"), os.path.join(work, "m.sol")
        t0 = time.perf_counter()
        write_mps(M, mps)
        t1 = time.perf_counter()
        cmd = [exe, mps]
        if time_limit:
            cmd += ["-sec", str(time_limit), "-timeMode", "elapsed"]
        cmd += ["-solve", "-solution", sol]
        out = subprocess.run(cmd, capture_output=True, text=True)
        t2 = time.perf_counter()
        x = np.zeros(M.shape[1])
        has = False
        if os.path.exists(sol):
            with open(sol) as fh:
                head = fh.readline().lower()
                has = "infeasible" not in head and "no feasible" not in head
                for line in fh:  # "index name value reduced-cost", "**" marks infeasibility
                    parts = line.replace("**", " ").split()
                    if len(parts) >= 3 and parts[0].isdigit():
                        x[int(parts[0])] = float(parts[2])
        obj = float(M.c @ np.round(x)) if has else None
        status, bound = parse_cbc_log(out.stdout, obj)
        ver = re.search(r"Version:\s*(\S+)", out.stdout)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"build_s": t1 - t0, "solve_s": t2 - t1, "status": status, "objective": obj, "bound": bound,
            "solver_version": f"cbc {ver.group(1) if ver else '?'}"}


def _int_scale(vals: np.ndarray, max_pow: int = 6) -> int | None:
    """Smallest 10**k (k <= max_pow) making every value integral, or None."""
    vals = np.asarray(vals, float)
    vals = vals[np.isfinite(vals)]
    for k in range(max_pow + 1):
        s = 10.0 ** k
        if np.all(np.abs(vals * s - np.round(vals * s)) <= 1e-9 * np.maximum(1.0, np.abs(vals * s))):
            return 10 ** k
    return None


def run_cpsat(M: I.Matrix, time_limit: float | None) -> dict[str, Any]:
    try:
        from ortools.sat.python import cp_model
        import ortools
    except ImportError:
        return {"status": "n/a", "note": "ortools not installed"}
    t0 = time.perf_counter()
    A = M.A.tocsr()
    m, n = A.shape
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{j}") for j in range(n)]
    for i in range(m):
        a, b = A.indptr[i], A.indptr[i + 1]
        cols, vals = A.indices[a:b], A.data[a:b]
        lo, hi = M.row_lo[i], M.row_hi[i]
        s = _int_scale(np.concatenate([vals, [lo, hi]]))
        if s is None:
            return {"status": "n/a", "note": f"row {i} has no integer scaling"}
        expr = cp_model.LinearExpr.weighted_sum([x[j] for j in cols], [int(round(v * s)) for v in vals])
        if math.isfinite(hi):
            model.add(expr <= math.floor(hi * s + 1e-9))
        if math.isfinite(lo):
            model.add(expr >= math.ceil(lo * s - 1e-9))
    cs = _int_scale(M.c)
    nz = np.flatnonzero(M.c)
    if cs is not None:
        model.maximize(cp_model.LinearExpr.weighted_sum([x[j] for j in nz], [int(round(M.c[j] * cs)) for j in nz]))
    else:
        cs = 1
        model.maximize(cp_model.LinearExpr.weighted_sum([x[j] for j in nz], [float(M.c[j]) for j in nz]))
    solver = cp_model.CpSolver()
    if time_limit:
        solver.parameters.max_time_in_seconds = float(time_limit)
    t1 = time.perf_counter()
    st = solver.solve(model)
    t2 = time.perf_counter()
    name = solver.status_name(st).lower()
    has = name in ("optimal", "feasible")
    obj = float(M.c @ np.array([solver.value(v) for v in x], float)) if has else None
    bound = solver.best_objective_bound / cs if has else None
    status = {"optimal": "optimal", "feasible": "feasible", "infeasible": "infeasible"}.get(name, "no_solution")
    return {"build_s": t1 - t0, "solve_s": t2 - t1, "status": status, "objective": obj, "bound": bound,
            "solver_version": f"cp-sat {ortools.__version__} ({solver.parameters.num_workers or 'auto'} workers)"}


# --------------------------------------------------------------------------- portfolio_opt


def run_po(inst: I.Instance, backend: str | None, time_limit: float | None) -> dict[str, Any]:
    import importlib

    import portfolio_opt as po

    # the solver modules are imported before the clock starts, as for the raw
    # configurations, and so are portfolio_opt's own (SOLVE_MODULES); what
    # portfolio_opt does on its first call (probing the available solvers) is
    # its own cost and stays inside the timing
    import highspy  # noqa: F401

    _pulp()
    for name in SOLVE_MODULES:
        importlib.import_module(name)

    df = inst.frame()
    kwargs = inst.problem_kwargs()
    sel: dict[str, Any] = {"time_limit": time_limit}
    if backend is not None:
        sel["solver"] = backend
    t0 = time.perf_counter()
    problem = po.Problem.from_frame(df, **kwargs)
    t1 = time.perf_counter()
    r = po.select(problem, **sel)
    t2 = time.perf_counter()
    solver_s = float(r.solver.seconds)
    return {
        "build_s": (t1 - t0) + (t2 - t1 - solver_s),
        "solve_s": solver_s,
        "problem_s": t1 - t0,
        "overhead_s": t2 - t1 - solver_s,
        "status": r.status.value,
        "objective": r.objective,
        "bound": r.bound,
        "solver_version": f"{r.solver.name} {r.solver.version}"
                          + (" (won the race)" if r.solver.options.get("name") == "race" else ""),
        "backend": r.solver.options.get("name"),  # what "auto" (or the config) ran; the winner is above
    }


# --------------------------------------------------------------------------- scenario batch


def _scaled_problem(base: Any, scale: float) -> Any:
    import dataclasses

    from portfolio_opt import BudgetLimit

    cons = tuple(dataclasses.replace(c, amount=c.amount * scale) if isinstance(c, BudgetLimit) else c
                 for c in base.constraints)
    return base.replace(constraints=cons)


def _scaled_spec(spec: dict[str, Any], scale: float) -> dict[str, Any]:
    out = dict(spec)
    b = spec.get("budget")
    if isinstance(b, dict):
        out["budget"] = {k: (None if v is None else ([x * scale for x in v] if isinstance(v, list) else v * scale))
                         for k, v in b.items()}
    elif isinstance(b, list):
        out["budget"] = [x * scale for x in b]
    elif b is not None:
        out["budget"] = b * scale
    return out


def run_scenarios(config: str, scales: list[float], time_limit: float | None) -> dict[str, Any]:
    """Solve the sample portfolio at every budget scale; returns per-scale objectives and times.

    ``po_batch`` is what a planner writes: one ``run_scenarios`` call with default settings (local
    processes, proof reuse between scenarios, the default backend); the other configurations solve
    the scales one by one in this process.
    """
    objs: list[float | None] = []
    statuses: list[str] = []
    t0 = time.perf_counter()
    if config == "po_batch":
        from portfolio_opt.analysis.scenarios import Scenario
        from portfolio_opt.analysis.scenarios import run_scenarios as po_run_scenarios
        from portfolio_opt.demo import load_sample

        t0 = time.perf_counter()
        base = load_sample(HERE.parent / "data" / "samples")
        res = po_run_scenarios(base, [Scenario(f"x{s}", budget_scale=s) for s in scales],
                               solver={"time_limit": time_limit}, explain_moves=False)
        total = time.perf_counter() - t0
        objs = [o.objective for o in res.outcomes]
        statuses = [o.status for o in res.outcomes]
        solved = sum(1 for o in res.outcomes if o.result is not None and "reused_from" not in o.result.solver.options)
        return {"total_s": total, "per_solve_s": total / max(1, len(scales)), "objectives": objs,
                "statuses": statuses, "solves": solved + 1, "backend": res.base.solver.name,
                "status": "optimal" if all(st == "optimal" for st in statuses) else ",".join(sorted(set(statuses)))}
    if config == "pulp_cbc":
        spec = json.loads((HERE.parent / "data" / "samples" / "spec.json").read_text())
        spec.pop("solver", None)
        t0 = time.perf_counter()
        for s in scales:
            r = run_pulp_cbc(_scaled_spec(spec, s), time_limit)
            objs.append(r["objective"])
            statuses.append(r["status"])
    else:
        import portfolio_opt as po
        from portfolio_opt.demo import load_sample

        backend = {"po_highs": "highs", "po_cbc": "cbc", "po_highs_warm": "highs", "po_cbc_warm": "cbc"}.get(config)
        warm = config.endswith("_warm")
        t0 = time.perf_counter()
        base = load_sample(HERE.parent / "data" / "samples")
        prev = None
        for s in sorted(scales) if warm else scales:
            kw: dict[str, Any] = {"time_limit": time_limit}
            if backend:
                kw["solver"] = backend
            if warm and prev is not None and prev.has_solution:
                kw["warm_start"] = prev.starts  # feasible: the budget only grows
            r = po.select(_scaled_problem(base, s), **kw)
            prev = r
            objs.append(r.objective)
            statuses.append(r.status.value)
        if warm:  # report in the caller's order
            order = {s: k for k, s in enumerate(sorted(scales))}
            objs = [objs[order[s]] for s in scales]
            statuses = [statuses[order[s]] for s in scales]
    total = time.perf_counter() - t0
    return {"total_s": total, "per_solve_s": total / max(1, len(scales)), "objectives": objs, "statuses": statuses,
            "status": "optimal" if all(st == "optimal" for st in statuses) else ",".join(sorted(set(statuses)))}


# --------------------------------------------------------------------------- main


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    kind = job.get("kind", "solve")
    tl = job.get("time_limit")
    if kind == "scenarios":
        return run_scenarios(job["config"], job["scales"], tl)
    inst = I.instance_by_name(job["instance"])
    cfg = job["config"]
    if cfg == "pulp_cbc":
        out = run_pulp_cbc(inst.spec(), tl)
    elif cfg in ("highspy", "cbc", "cpsat"):
        M = inst.matrix()
        out = {"highspy": run_highspy, "cbc": run_cbc, "cpsat": run_cpsat}[cfg](M, tl)
        out.setdefault("rows", M.shape[0])
        out.setdefault("cols", M.shape[1])
    elif cfg in ("po_highs", "po_cbc", "po_default"):
        out = run_po(inst, {"po_highs": "highs", "po_cbc": "cbc", "po_default": None}[cfg], tl)
    else:
        raise ValueError(f"unknown configuration {cfg!r}")
    if "build_s" in out:
        out["total_s"] = out["build_s"] + out["solve_s"]
        out["gap"] = _gap(out.get("objective"), out.get("bound"))
    return out


def main(argv: list[str]) -> int:
    job = json.loads(Path(argv[1]).read_text())
    try:
        out = run_job(job)
    except Exception as exc:  # reported in the table, never fatal for the suite
        import traceback

        out = {"status": "error", "note": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    out["peak_mb"] = round(max(me, kids), 1)
    out["peak_self_mb"] = round(me, 1)
    out["peak_child_mb"] = round(kids, 1)
    Path(argv[2]).write_text(json.dumps(out, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
