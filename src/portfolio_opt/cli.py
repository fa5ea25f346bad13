"""The ``portfolio-opt`` command: the JSON engine and the sample demo.

``portfolio-opt solve SPEC.json [-o RESULT.json]`` follows the engine contract:
the result JSON is the only thing written to standard output; solver logs,
warnings and messages go to standard error.  Exit codes: 0 a solution was
found, 1 no solution (infeasible or a limit), 2 invalid input (one message per
problem on standard error, no traceback), 3 an internal or solver failure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

EXIT_OK, EXIT_NO_SOLUTION, EXIT_INVALID, EXIT_FAILURE = 0, 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="portfolio-opt",
        description="Choose the best portfolio of candidate projects under budgets, capacities and relations.",
        epilog="Exit codes: 0 solution found, 1 no solution (infeasible or limit), 2 invalid input, 3 failure.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    s = sub.add_parser(
        "solve",
        help="solve an engine request (JSON) and print the result JSON",
        description="Solve a JSON request as in the engine contract; the result JSON goes to standard output "
        "(or -o FILE) and nothing else does.",
    )
    s.add_argument("spec", help="the request file, or - to read standard input")
    s.add_argument("-o", "--output", help="write the result JSON to this file instead of standard output")
    s.add_argument("--indent", type=int, default=None, help="indent the JSON output (default: compact)")
    d = sub.add_parser("demo", help="solve the sample portfolio and print the result",
                       description="Load data/samples, score and select, and print the portfolio, "
                       "its spend per period against the budget and resource use against capacity.")
    d.add_argument("--samples", default=None, help="folder with projects.csv and constraints.json")
    d.add_argument("--solver", default="highs", help="backend: highs (default), cbc, ...")
    return p


def _read_spec(path: str) -> Any:
    from .errors import ValidationError

    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError(f"cannot read the request '{path}': {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"the request is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None


def _cmd_solve(args: argparse.Namespace, out: TextIO) -> int:
    from . import solve_spec
    from .errors import ValidationError

    spec = _read_spec(args.spec)
    try:
        result = solve_spec(spec)
    except ValidationError:
        raise
    text = json.dumps(result, indent=args.indent, allow_nan=False)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    else:
        out.write(text + "\n")
        out.flush()
    return EXIT_OK if result["status"] in ("optimal", "feasible") else EXIT_NO_SOLUTION


def _cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    from .demo import run_demo

    text, ok = run_demo(args.samples, solver=args.solver)
    out.write(text + "\n")
    return EXIT_OK if ok else EXIT_NO_SOLUTION


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    from .errors import PortfolioError, SolverError, ValidationError

    args = _parser().parse_args(argv)
    # Everything the solvers print at C level goes to stderr: fd 1 is pointed at
    # stderr while we work, and the result is written to a duplicate of the real stdout.
    sys.stdout.flush()
    real_fd = os.dup(1)
    out = os.fdopen(real_fd, "w", encoding="utf-8", closefd=True)
    saved_stdout = sys.stdout
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = _warn_to_stderr
            if args.command == "solve":
                return _cmd_solve(args, out)
            return _cmd_demo(args, out)
    except ValidationError as exc:
        for msg in exc.problems:
            print(f"error: {msg}", file=sys.stderr)
        return EXIT_INVALID
    except SolverError as exc:
        print(f"solver failure: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except PortfolioError as exc:
        print(f"failure: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as exc:  # an internal bug: say so, keep the traceback for the report
        print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        if os.environ.get("PORTFOLIO_OPT_DEBUG"):
            traceback.print_exc()
        return EXIT_FAILURE
    finally:
        try:
            out.flush()
        except (OSError, ValueError):
            pass
        sys.stdout = saved_stdout
        os.dup2(real_fd, 1) if _fd_open(real_fd) else None
        out.close()


def _fd_open(fd: int) -> bool:
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False


def _warn_to_stderr(message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
    print(f"warning: {message}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
