"""Throughput of a batch of what-if scenarios on the sample portfolio: serial, local processes, Dask.

Runs the same batch of scenarios (budget cuts and rises, hires, cost overruns by category,
projects forced out; generated with a fixed seed) three ways and prints a table of
scenarios per second and the speed-up over the serial run, and whether every way gave the
same objectives and portfolios as the serial run; each row is printed as soon as its run
ends.  No timing is asserted anywhere.

    python benchmarks/bench_scenarios.py --quick          # 20 scenarios
    python benchmarks/bench_scenarios.py                  # 1,000 scenarios
    python benchmarks/bench_scenarios.py -n 100 --mip-gap 0 --workers 2 --no-dask

Each scenario is solved to a 1% relative gap by default (``--mip-gap 0.01``), warm-started
from the base portfolio when it is still feasible; scenarios that a looser one's proven
portfolio settles are not solved (``--no-reuse`` solves all, see ``run_scenarios``).
Last run (2026-11-29 14:13-14:25, a fresh clone of 7db1cb3, 2 cores, default settings;
every solve of a batch on one thread): 1,000 scenarios, 469 solved and 531 settled by reuse;
serial 293 s (3.41 scenarios/s), 2 local processes 171 s (5.86/s, 1.72x), Dask LocalCluster
with 2 workers 191 s (5.25/s, 1.54x), the same portfolios in all three.  The run before
(HiGHS's own thread count in every worker, fixed-size chunks): 501 solved; serial 345 s,
2 processes 186 s, Dask 226 s.

The Dask run starts a ``distributed.LocalCluster`` (one single-threaded worker process per
``--workers``) and is skipped when the ``distributed`` package is missing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import portfolio_opt as po  # noqa: E402
from portfolio_opt.analysis.scenarios import Scenario, hire, run_scenarios  # noqa: E402
from portfolio_opt.demo import load_sample  # noqa: E402


def make_scenarios(problem: po.Problem, n: int, seed: int = 0) -> list[Scenario]:
    rng = np.random.default_rng(seed)
    ids = [i for i in problem.ids if not problem.table.frame.at[i, "mandatory"]]
    cats = sorted(set(problem.table.frame["category"].dropna()))
    roles = sorted(problem.table.resources)
    out = []
    for k in range(n):
        kind = k % 4
        if kind == 0:
            out.append(Scenario(f"#{k} budget x{0.8 + 0.4 * rng.random():.3f}", budget_scale=0.8 + 0.4 * rng.random()))
        elif kind == 1:
            role, n_add, frm = roles[rng.integers(len(roles))], int(rng.integers(1, 4)), int(rng.integers(0, 3))
            out.append(Scenario(f"#{k} hire {n_add} {role} from {frm}", resources_add={role: hire(n_add, frm)}))
        elif kind == 2:
            cat = cats[rng.integers(len(cats))]
            out.append(Scenario(f"#{k} {cat} overrun", cost_scale={f"category:{cat}": 1.0 + 0.3 * rng.random()}))
        else:
            pid = ids[rng.integers(len(ids))]
            out.append(Scenario(f"#{k} without {pid}", force_out=[pid]))
    return out


def fingerprint(res) -> list:
    return [(o.name, o.status, None if o.objective is None else round(o.objective, 6), tuple(o.selected))
            for o in res.outcomes]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--scenarios", type=int, default=1000, help="number of scenarios (default 1000)")
    ap.add_argument("--quick", action="store_true", help="20 scenarios")
    ap.add_argument("--workers", type=int, default=2, help="local processes and Dask workers (default 2)")
    ap.add_argument("--solver", default="auto", help="backend (default auto: CBC where installed)")
    ap.add_argument("--mip-gap", type=float, default=0.01, help="relative MIP gap of each solve (default 0.01; 0 = exact)")
    ap.add_argument("--time-limit", type=float, default=None, help="seconds per solve (default: none)")
    ap.add_argument("--no-reuse", action="store_true", help="solve every scenario on its own (run_scenarios(reuse=False))")
    ap.add_argument("--no-dask", action="store_true", help="skip the Dask run")
    ap.add_argument("--progress", action="store_true", help="show progress bars")
    args = ap.parse_args(argv)
    n = 20 if args.quick else args.scenarios

    problem = load_sample()
    # one solver thread per solve: the parallelism is across scenarios
    solver = {"name": args.solver, "mip_gap": args.mip_gap, "threads": 1, "time_limit": args.time_limit}
    scenarios = make_scenarios(problem, n)
    t0 = time.perf_counter()
    base = po.select(problem, solver=args.solver, mip_gap=args.mip_gap, threads=1, time_limit=args.time_limit)
    base_s = time.perf_counter() - t0
    print(f"sample portfolio: {len(problem.table)} projects, {problem.n_periods} periods; base solve {base_s:.2f} s "
          f"({base.status.value}, objective {base.objective:,.1f}, {base.solver.name}); {n} scenarios; "
          f"mip gap {args.mip_gap:g}; reuse {'off' if args.no_reuse else 'on'}; {os.cpu_count()} cores", flush=True)
    print()
    print(f"{'run':<32} {'scenarios':>9} {'solved':>7} {'seconds':>9} {'scen/s':>8} {'speed-up':>9} "
          f"{'median solve s':>15}  same as serial", flush=True)

    first: dict[str, object] = {}

    def run(label: str, executor) -> None:
        t = time.perf_counter()
        res = run_scenarios(problem, scenarios, base=base, solver=solver, executor=executor,
                            progress=args.progress, explain_moves=False, reuse=not args.no_reuse)
        secs = time.perf_counter() - t
        if not first:
            first.update(secs=secs, ref=fingerprint(res),
                         statuses=res.summary["status"].iloc[1:].value_counts().to_dict())
        same = "yes" if fingerprint(res) == first["ref"] else "NO"
        solved = [o for o in res.outcomes if o.result is not None and "reused_from" not in o.result.solver.options]
        med = float(np.median([o.seconds for o in solved])) if solved else float("nan")
        print(f"{label:<32} {n:>9} {len(solved):>7} {secs:>9.1f} {n / secs:>8.3f} {first['secs'] / secs:>8.2f}x "
              f"{med:>15.2f}  {same}", flush=True)

    run("serial", "serial")
    run(f"{args.workers} local processes", args.workers)
    if not args.no_dask:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            print("(distributed is not installed: Dask run skipped)", flush=True)
        else:
            t = time.perf_counter()
            with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster, Client(cluster) as client:
                startup = time.perf_counter() - t
                run(f"Dask LocalCluster ({args.workers} workers)", client)
            print(f"(Dask cluster start-up {startup:.1f} s, not counted)", flush=True)
    print(f"\nscenario outcomes: {first['statuses']}; 'solved' = scenarios that needed a solve (the others reused "
          "a looser scenario's proven portfolio, see run_scenarios(reuse=...))")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
