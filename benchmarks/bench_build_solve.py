"""Build and solve time of portfolio_opt for growing portfolios (issue 2's first benchmark).

Usage (from the repository root)::

    python benchmarks/bench_build_solve.py            # 100 … 10,000 candidates, 1/4/12 periods, 0/3/5 resources
    python benchmarks/bench_build_solve.py --quick    # 100 and 1,000 candidates, short limits
    python benchmarks/bench_build_solve.py --solver cbc --time-limit 30

For each size and shape it prints, in seconds: ``problem`` (``Problem.from_frame``
on the candidate DataFrame: validation and constraint objects), ``compile``
(``compile_problem``: the sparse matrix), ``select`` (the whole ``po.select``
call), ``solver`` (the solver's own run, from the result), ``overhead``
(``select`` − ``solver``), the status and the gap.  No assertions: the numbers
are for reading.  The side-by-side comparison with PuLP, raw HiGHS, CBC and
CP-SAT is ``benchmarks/run.py``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import instances as I  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="100 and 1,000 candidates, 5 s limit")
    ap.add_argument("--solver", default=None, help="backend (default: select's default)")
    ap.add_argument("--time-limit", type=float, default=None, help="seconds per solve (default 20, quick 5)")
    args = ap.parse_args(argv)

    import portfolio_opt as po
    from portfolio_opt._compile import compile_problem

    sizes = [100, 1000] if args.quick else [100, 1000, 10_000]
    shapes = [(1, 0), (4, 3), (12, 5)]
    limit = args.time_limit or (5.0 if args.quick else 20.0)
    kw = {"time_limit": limit}
    if args.solver:
        kw["solver"] = args.solver
    head = f"{'candidates':>10} {'periods':>7} {'res':>3} {'columns':>8} {'rows':>7} {'problem':>8} {'compile':>8} " \
           f"{'select':>8} {'solver':>8} {'overhead':>8}  {'status':<9} {'gap':>8}"
    print(f"portfolio_opt {po.__version__}, solver {args.solver or 'default'}, time limit {limit:g} s")
    print(head)
    print("-" * len(head))
    for n in sizes:
        for T, R in shapes:
            inst = I.generate(n, T, R)
            df, kwargs = inst.frame(), inst.problem_kwargs()
            t0 = time.perf_counter()
            problem = po.Problem.from_frame(df, **kwargs)
            t1 = time.perf_counter()
            comp = compile_problem(problem)
            t2 = time.perf_counter()
            r = po.select(problem, **kw)
            t3 = time.perf_counter()
            gap = "-" if r.gap is None else f"{100 * r.gap:.3f}%"
            print(f"{n:>10} {T:>7} {R:>3} {comp.model.n_cols:>8} {comp.model.n_rows:>7} {t1 - t0:>8.3f} "
                  f"{t2 - t1:>8.3f} {t3 - t2:>8.3f} {r.solver.seconds:>8.3f} {t3 - t2 - r.solver.seconds:>8.3f}  "
                  f"{r.status.value:<9} {gap:>8}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
