"""Where portfolio_opt spends its time outside the solver, and three what-if experiments.

Usage (from the repository root)::

    python benchmarks/profile_po.py stages gen-n100000-T1-R0 gen-n10000-T12-R5
    python benchmarks/profile_po.py rows gen-n10000-T1-R0 --time-limit 60
    python benchmarks/profile_po.py race mknapcb1-1 gen-n10000-T1-R0 --time-limit 60
    python benchmarks/profile_po.py fixed mknap1-1
    python benchmarks/profile_po.py engine gen-n100000-T1-R0

``stages``  times each stage of ``Problem.from_frame`` → ``select`` separately
            (validation, compile, HiGHS ``passModel``, the PuLP backend's model
            build, the plain-arithmetic check) and prints the top functions of
            each by own time (cProfile).
``rows``    solves the compiled model as it is and with the redundant rows
            removed (a choice row ``x <= 1`` over a single start column, which
            the column bound already says; a mandatory row over one column
            turned into the bound ``x >= 1``), with both backends.
``race``    HiGHS and CBC started together in two spawn-context processes;
            the first proven optimum wins and the other is terminated.  Compared
            with each backend alone, run the same way (one process each).
``fixed``   the fixed cost of one ``select`` call on a tiny problem: first call
            in a process versus later calls, split into solver and the rest.
``tiebreak`` ``select`` with and without ``tie_break`` (where ``select`` has
            that option), both backends: the cost of the extra solves.
``engine``  the engine contract's path (``solve_spec``) stage by stage, the
            least of five runs: reading the JSON text, the request into a
            ``Problem`` (``problem_from_spec``), ``select`` (its solver and the
            rest), the response (``to_dict``) and its JSON text.

Everything here reads the library; nothing is changed.  The numbers go into the
recommendations in ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import multiprocessing as mp
import pstats
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import instances as I  # noqa: E402


def _top(prof: cProfile.Profile, n: int = 8) -> str:
    s = io.StringIO()
    pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(n)
    lines = [ln for ln in s.getvalue().splitlines() if ln.strip()]
    start = next((k for k, ln in enumerate(lines) if ln.lstrip().startswith("ncalls")), 0)
    return "\n".join("      " + ln for ln in lines[start:start + n + 1])


def _timed(label: str, fn: Any, *args: Any, profile: bool = True, **kw: Any) -> Any:
    prof = cProfile.Profile() if profile else None
    t0 = time.perf_counter()
    if prof:
        prof.enable()
    out = fn(*args, **kw)
    if prof:
        prof.disable()
    dt = time.perf_counter() - t0
    print(f"  {label:<44} {dt:8.3f} s")
    if prof and dt > 0.05:
        print(_top(prof))
    return out


def stages(name: str, time_limit: float) -> None:
    import highspy

    import portfolio_opt as po
    from portfolio_opt._compile import compile_problem
    from portfolio_opt._solvers import _pulp
    from portfolio_opt.result import check_portfolio

    inst = I.instance_by_name(name)
    df, kw = inst.frame(), inst.problem_kwargs()
    print(f"\n{name}: {inst.n} candidates")
    problem = _timed("Problem.from_frame (validation, constraints)", po.Problem.from_frame, df, **kw)
    comp = _timed("compile_problem (sparse matrix)", compile_problem, problem)
    m = comp.model
    print(f"    model: {m.n_cols} columns, {m.n_rows} rows, {m.A.nnz} non-zeros")

    def handover() -> Any:
        A = m.A.tocsc()
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        clip = lambda a: np.clip(np.asarray(a, float), -1e30, 1e30)  # noqa: E731
        h.passModel(m.n_cols, m.n_rows, int(A.nnz), 1, -1, 0.0, m.c, clip(m.col_lo), clip(m.col_hi),
                    clip(m.row_lo), clip(m.row_hi), A.indptr.astype(np.int32), A.indices.astype(np.int32),
                    A.data.astype(float), np.asarray(m.integrality, np.int32))
        return h

    _timed("HiGHS hand-over (tocsc + passModel)", handover)
    pulp = _pulp._import_pulp()
    A = _timed("PuLP backend: _check (copy, sum_duplicates)", _pulp._check, m)
    _timed("PuLP backend: _build (variables, rows)", _pulp._build, pulp, m, A)
    r = po.select(problem, time_limit=time_limit)
    print(f"    select: status {r.status.value}, solver {r.solver.seconds:.3f} s")
    starts = r.starts.to_numpy() if r.has_solution else np.full(inst.n, -1)
    _timed("check_portfolio (plain arithmetic)", check_portfolio, problem, starts)
    _timed("PortfolioResult.to_dict()", r.to_dict)


def _reduced(model: Any) -> Any:
    """The same model without rows that only repeat a column bound."""
    import dataclasses

    A = model.A.tocsr()
    nnz = np.diff(A.indptr)
    single = nnz == 1
    cols = A.indices[A.indptr[:-1][single]]
    vals = A.data[A.indptr[:-1][single]]
    col_lo, col_hi = model.col_lo.copy(), model.col_hi.copy()
    lo = model.row_lo[single] / vals
    hi = model.row_hi[single] / vals
    lo, hi = np.where(vals > 0, lo, hi), np.where(vals > 0, hi, lo)
    np.maximum.at(col_lo, cols, np.nan_to_num(lo, nan=-np.inf))
    np.minimum.at(col_hi, cols, np.nan_to_num(hi, nan=np.inf))
    keep = ~single
    return dataclasses.replace(model, A=A[keep], row_lo=model.row_lo[keep], row_hi=model.row_hi[keep],
                               col_lo=col_lo, col_hi=col_hi), int(single.sum())


def rows(name: str, time_limit: float) -> None:
    import portfolio_opt as po  # noqa: F401
    from portfolio_opt._compile import compile_problem
    from portfolio_opt._solvers import SolverOptions, solve

    inst = I.instance_by_name(name)
    comp = compile_problem(inst.problem())
    red, dropped = _reduced(comp.model)
    print(f"\n{name}: {comp.model.n_rows} rows, {dropped} of them single-column (dropped in 'reduced')")
    opts = SolverOptions(time_limit=time_limit)
    for backend in ("highs", "cbc"):
        for label, model in (("as compiled", comp.model), ("reduced", red)):
            t0 = time.perf_counter()
            r = solve(model, opts, backend)
            dt = time.perf_counter() - t0
            print(f"  {backend:<6} {label:<12} {r.status.value:<9} objective {r.objective!s:<20} "
                  f"solver {r.seconds:7.3f} s   call {dt:7.3f} s")


def _race_child(name: str, backend: str, time_limit: float, q: Any) -> None:
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(HERE.parent / "src"))
    import instances as inst_mod
    import portfolio_opt as po

    problem = inst_mod.instance_by_name(name).problem()
    q.put(("ready", backend, time.time()))
    import inspect

    kw = {"tie_break": False} if "tie_break" in inspect.signature(po.select).parameters else {}
    r = po.select(problem, solver=backend, time_limit=time_limit, **kw)  # the solver race, not the tie-break
    q.put(("done", backend, time.time(), r.status.value, r.objective, r.gap))


def _race(name: str, backends: list[str], time_limit: float) -> tuple[str, float, str, Any]:
    """Start one spawn process per backend; time from 'all ready' to the first proven optimum."""
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_race_child, args=(name, b, time_limit, q)) for b in backends]
    for p in procs:
        p.start()
    ready, t_start, winner = 0, 0.0, None
    finished = []
    while True:
        msg = q.get(timeout=time_limit * 3 + 300)
        if msg[0] == "ready":
            ready += 1
            t_start = max(t_start, msg[2])
            continue
        finished.append(msg)
        if msg[3] == "optimal" or len(finished) == len(backends):
            winner = msg
            break
    for p in procs:
        if p.is_alive():
            p.terminate()
        p.join()
    if winner[3] != "optimal":  # nobody proved it: the smaller gap
        winner = min(finished, key=lambda m: m[5] if m[5] is not None else 1e9)
    return winner[1], winner[2] - t_start, winner[3], winner[4]


def race(name: str, time_limit: float) -> None:
    print(f"\n{name}: time from problem built to answer (spawn processes, {time_limit:g} s limit)")
    for backends in (["highs"], ["cbc"], ["highs", "cbc"]):
        who, dt, status, obj = _race(name, backends, time_limit)
        label = " vs ".join(backends)
        print(f"  {label:<14} winner {who:<6} {status:<9} {dt:8.3f} s  objective {obj}")


def fixed(name: str) -> None:
    import portfolio_opt as po

    problem = I.instance_by_name(name).problem()
    for backend in ("highs", "cbc"):
        for k in range(4):
            t0 = time.perf_counter()
            r = po.select(problem, solver=backend)
            dt = time.perf_counter() - t0
            print(f"  {backend:<6} call {k + 1}: select {dt:.4f} s, solver {r.solver.seconds:.4f} s, "
                  f"rest {dt - r.solver.seconds:.4f} s")
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(20):
        po.select(problem, solver="cbc")
    prof.disable()
    print("  20 warm select(solver='cbc') calls, top functions by own time:")
    print(_top(prof, 10))


def tiebreak(name: str, time_limit: float) -> None:
    import inspect

    import portfolio_opt as po

    if "tie_break" not in inspect.signature(po.select).parameters:
        print("  select() has no tie_break option here")
        return
    problem = _sample() if name == "sample" else I.instance_by_name(name).problem()
    print(f"\n{name}: select() with and without tie_break ({time_limit:g} s limit)")
    for backend in ("highs", "cbc"):
        for tb in (False, True):
            t0 = time.perf_counter()
            r = po.select(problem, solver=backend, time_limit=time_limit, tie_break=tb)
            dt = time.perf_counter() - t0
            print(f"  {backend:<6} tie_break={tb!s:<5} {r.status.value:<9} objective {r.objective!s:<20} "
                  f"select {dt:8.3f} s  (solver facts: {r.solver.seconds:.3f} s, "
                  f"tie_break={r.solver.options.get('tie_break')})")


def engine(name: str, time_limit: float, runs: int = 5) -> None:
    import json

    import portfolio_opt as po
    from portfolio_opt import engine as eng

    text = json.dumps(I.instance_by_name(name).spec({"time_limit": time_limit}))
    best: dict[str, float] = {}
    for _ in range(runs):
        t = [time.perf_counter()]
        spec = json.loads(text)
        t.append(time.perf_counter())
        problem = eng.problem_from_spec(spec)
        t.append(time.perf_counter())
        r = po.select(problem, **eng.solver_settings(spec))
        t.append(time.perf_counter())
        out = r.to_dict()
        t.append(time.perf_counter())
        json.dumps(out)
        t.append(time.perf_counter())
        stage = dict(zip(("json.loads", "problem_from_spec", "select", "to_dict", "json.dumps"),
                         (b - a for a, b in zip(t, t[1:]))))
        stage["solver"] = float(r.solver.seconds)
        stage["select - solver"] = stage["select"] - stage["solver"]
        stage["solve_spec - solver"] = stage["problem_from_spec"] + stage["select - solver"] + stage["to_dict"]
        best = {k: min(v, best.get(k, v)) for k, v in stage.items()}
    print(f"\n{name} through the engine ({len(text) / 1e6:.1f} MB of JSON; least of {runs} runs, each stage apart)")
    for k, v in best.items():
        print(f"  {k:<22} {v:8.3f} s")


def _sample() -> Any:
    from portfolio_opt.demo import load_sample

    return load_sample(HERE.parent / "data" / "samples")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=["stages", "rows", "race", "fixed", "tiebreak", "engine"])
    ap.add_argument("instances", nargs="+")
    ap.add_argument("--time-limit", type=float, default=60.0)
    args = ap.parse_args(argv)
    for name in args.instances:
        if args.what == "stages":
            stages(name, args.time_limit)
        elif args.what == "rows":
            rows(name, args.time_limit)
        elif args.what == "race":
            race(name, args.time_limit)
        elif args.what == "tiebreak":
            tiebreak(name, args.time_limit)
        elif args.what == "engine":
            engine(name, args.time_limit)
        else:
            fixed(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
