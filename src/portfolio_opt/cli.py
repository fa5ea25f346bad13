"""The ``portfolio-opt`` command: a spreadsheet of projects in, a portfolio and a report out.

``portfolio-opt select PROJECTS.csv --budget ... [--report out.html]`` is for
people: it reads a CSV or Excel table of candidates, takes the limits as
options (or from a settings JSON), chooses the portfolio, prints a readable
summary and writes the HTML report, the Excel workbook and/or the engine JSON.

``portfolio-opt solve SPEC.json [-o RESULT.json]`` follows the engine contract:
the result JSON is the only thing written to standard output; solver logs,
warnings and messages go to standard error.

``portfolio-opt demo`` solves the sample portfolio (what ``make demo`` runs).

Exit codes, for every command: 0 a solution was found, 1 no solution
(infeasible or a limit), 2 invalid input (one message per problem on standard
error, naming the project and the field; no traceback), 3 an internal or
solver failure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

EXIT_OK, EXIT_NO_SOLUTION, EXIT_INVALID, EXIT_FAILURE = 0, 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="portfolio-opt",
        description="Choose the best portfolio of candidate projects under budgets, capacities and relations.",
        epilog="Run 'portfolio-opt COMMAND --help' for the options and examples of each command.\n"
        "Exit codes: 0 solution found, 1 no solution (infeasible or limit), 2 invalid input, 3 failure.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_select(sub)
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
    d.add_argument("--solver", default="auto", help="backend: auto (default: CBC where installed, else HiGHS), highs, cbc, ...")
    return p


_SELECT_EPILOG = """\
examples:
  # a total budget, yearly budgets, one role with a fixed and one with a yearly capacity
  portfolio-opt select projects.csv --budget 5e6 --budget-per-period 2e6,2e6,1.5e6 \\
      --periods 2027,2028,2029 --capacity engineers=12 --capacity analysts=3,3,4 \\
      --report portfolio.html --excel portfolio.xlsx --unit EUR

  # rank by a weighted score (weights.json is a scoring model) instead of by value
  portfolio-opt select projects.xlsx --budget 5e6 --objective score --weights weights.json --report out.html

  # the sample portfolio with the PMO's settings file
  portfolio-opt select data/samples/projects.csv --settings data/samples/constraints.json --report sample.html

the projects table (CSV or Excel, one row per project):
  id (required), cost (a total, or one number per year from the start: 400;250), value, and optionally
  name, category, duration, probability, earliest_start, latest_start (0 = first period), mandatory,
  excluded (true/false), requires, excludes (ids separated by ;), benefits, res_<role> (demand per
  period, e.g. res_engineers) and criterion columns for --objective score.

weights.json (a scoring model):
  {"criteria": {"alignment": {"weight": 4}, "risk": {"weight": 2, "direction": "min"}},
   "normalize": "minmax"}
  or, instead of weights, an AHP matrix over the criteria in their listed order: "ahp": [[1, 3], ["1/3", 1]].

--settings FILE (JSON, the shape of data/samples/constraints.json; options given on the command line win):
  periods, budget {total, per_period}, resources {role: capacity}, groups, min_projects,
  max_projects, discount_rate, scoring.

output: a summary on standard output; solver messages, warnings and errors on standard error.
exit codes: 0 a portfolio was found, 1 none exists (the reasons are printed), 2 invalid input,
3 solver or internal failure.
"""


def _add_select(sub: Any) -> None:
    s = sub.add_parser(
        "select",
        help="choose the portfolio from a CSV or Excel table of projects; print it and write a report",
        description="Choose the best portfolio of the projects in a CSV or Excel table under your budgets, "
        "capacities and rules; print a summary and write an HTML report, an Excel workbook or JSON.",
        epilog=_SELECT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    s.add_argument("projects", metavar="PROJECTS", help="the projects table: .csv, .xlsx or .json")
    s.add_argument("--sheet", default=None, help="the Excel sheet to read (default: the first)")
    s.add_argument("--settings", metavar="FILE", help="limits and scoring from a JSON file (see below)")
    lim = s.add_argument_group("limits")
    lim.add_argument("--budget", metavar="TOTAL", help="total budget over all periods, e.g. 5e6")
    lim.add_argument("--budget-per-period", metavar="B1,B2,...",
                     help="budget of each period (one number: the same every period; empty: no limit)")
    lim.add_argument("--periods", metavar="LABELS|N",
                     help="period labels, e.g. 2027,2028,2029, or the number of periods")
    lim.add_argument("--capacity", metavar="ROLE=N[,N...]", action="append", default=[],
                     help="capacity of a resource (the table's res_ROLE column), for every period or one per "
                     "period; repeat for each resource")
    lim.add_argument("--group", metavar="CATEGORY:RULE=N[,RULE=N]", action="append", default=[],
                     help="a rule for a category, e.g. transform:max_share=0.4 or run:min_count=5 "
                     "(rules: min_/max_ count, cost, share); repeat for each category")
    lim.add_argument("--min-projects", type=int, metavar="N", help="select at least N projects")
    lim.add_argument("--max-projects", type=int, metavar="N", help="select at most N projects")
    obj = s.add_argument_group("objective")
    obj.add_argument("--objective", metavar="NAME",
                     help="what to maximise (times each project's probability): value (the default), score "
                     "(needs --weights or scoring in --settings), npv, or a numeric column")
    obj.add_argument("--weights", metavar="FILE", help="the scoring model (JSON, see below); implies "
                     "--objective score unless another objective is given")
    obj.add_argument("--discount-rate", type=float, metavar="R", help="per period, for npv (e.g. 0.08)")
    out = s.add_argument_group("output")
    out.add_argument("--report", metavar="FILE.html", help="write the HTML report (plots, tables, constraints)")
    out.add_argument("--excel", metavar="FILE.xlsx", help="write the Excel workbook")
    out.add_argument("--json", metavar="FILE.json", help="write the result as engine JSON")
    out.add_argument("--title", default="Project portfolio", help="the report's title")
    out.add_argument("--unit", default="k€", help="money unit shown in the report and summary (default: k€)")
    sol = s.add_argument_group("solver")
    sol.add_argument("--solver", default="auto", help="auto (default: CBC where installed, else HiGHS), highs or cbc")
    sol.add_argument("--time-limit", type=float, metavar="SECONDS", help="stop after this long with the best "
                     "portfolio found (status 'feasible' and its gap)")
    sol.add_argument("--mip-gap", type=float, default=0.0, metavar="GAP",
                     help="stop within this relative gap of the optimum (default 0: prove optimal)")


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


def _number(text: str, where: str) -> float | None:
    """A number as typed on a command line (5e6, 2_000_000); empty or 'none' means no limit."""
    from .errors import ValidationError

    t = text.strip().replace("_", "")
    if t.lower() in ("", "none", "inf", "unlimited", "-"):
        return None
    try:
        return float(t)
    except ValueError:
        raise ValidationError(f"{where}: '{text}' is not a number (write e.g. 5e6 or 2000000)") from None


def _numbers(text: str, where: str) -> float | list[float | None] | None:
    parts = text.split(",")
    if len(parts) == 1:
        return _number(parts[0], where)
    return [_number(p, f"{where} (item {k + 1})") for k, p in enumerate(parts)]


def _read_json_file(path: str, what: str) -> Any:
    from .errors import ValidationError

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError(f"cannot read the {what} '{path}': {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"the {what} '{path}' is not valid JSON: {exc.msg} at line {exc.lineno}") from None


def _select_problem(args: argparse.Namespace) -> Any:
    """The Problem described by the options (and the settings file), every input problem reported at once."""
    from .data import load_projects
    from .errors import ValidationError
    from .problem import Problem
    from .scoring import ScoringModel

    problems: list[str] = []
    settings: dict[str, Any] = {}
    if args.settings:
        settings = _read_json_file(args.settings, "settings file")
        if not isinstance(settings, dict):
            raise ValidationError(f"the settings file '{args.settings}' must hold a JSON object")
        known = {"periods", "budget", "resources", "groups", "min_projects", "max_projects", "discount_rate",
                 "scoring", "objective"}
        unknown = sorted(set(settings) - known)
        if unknown:
            problems.append(f"settings file: unknown field(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    # the settings' budget, as in the engine contract: an object with total/per_period, a list or a number
    budget_s = settings.get("budget")
    total: Any = None
    per: Any = None
    if isinstance(budget_s, dict):
        total, per = budget_s.get("total"), budget_s.get("per_period")
    elif isinstance(budget_s, list):
        per = budget_s
    elif isinstance(budget_s, (int, float)):
        total = budget_s
    if args.budget is not None:
        try:
            total = _number(args.budget, "--budget")
        except ValidationError as exc:
            problems.extend(exc.problems)
    if args.budget_per_period is not None:
        try:
            per = _numbers(args.budget_per_period, "--budget-per-period")
        except ValidationError as exc:
            problems.extend(exc.problems)
    periods: Any = settings.get("periods")
    if args.periods is not None:
        t = args.periods.strip()
        periods = int(t) if t.isdigit() and "," not in t else [p.strip() for p in t.split(",")]
    capacity: dict[str, Any] = dict(settings.get("resources") or {})
    for item in args.capacity:
        name, eq, value = item.partition("=")
        if not eq or not name.strip():
            problems.append(f"--capacity '{item}': write ROLE=N or ROLE=N1,N2,... (e.g. engineers=12)")
            continue
        try:
            capacity[name.strip()] = _numbers(value, f"--capacity {name.strip()}")
        except ValidationError as exc:
            problems.extend(exc.problems)
    groups: list[dict[str, Any]] = list(settings.get("groups") or [])
    for item in args.group:
        cat, colon, rules = item.partition(":")
        if not colon or not cat.strip() or not rules.strip():
            problems.append(f"--group '{item}': write CATEGORY:RULE=N, e.g. transform:max_share=0.4")
            continue
        g: dict[str, Any] = {"category": cat.strip()}
        for rule in rules.split(","):
            key, eq, value = rule.partition("=")
            if not eq:
                problems.append(f"--group '{item}': '{rule}' should be RULE=N, e.g. max_share=0.4")
                continue
            try:
                g[key.strip()] = _number(value, f"--group {cat.strip()} {key.strip()}")
            except ValidationError as exc:
                problems.extend(exc.problems)
        groups.append(g)
    scoring: Any = settings.get("scoring")
    if args.weights:
        try:
            scoring = ScoringModel.from_json(args.weights) if Path(args.weights).exists() else None
            if scoring is None:
                problems.append(f"--weights: cannot read the scoring model '{args.weights}': no such file")
        except ValidationError as exc:
            problems.extend(f"--weights: {m}" for m in exc.problems)
    objective = args.objective or settings.get("objective") or ("score" if args.weights else "value")
    if objective == "score" and scoring is None and not problems:
        problems.append("--objective score needs a scoring model: give --weights weights.json "
                        "(or 'scoring' in the settings file)")
    if problems:
        raise ValidationError(problems)
    projects = load_projects(args.projects, sheet_name=args.sheet if args.sheet is not None else 0)
    min_p = args.min_projects if args.min_projects is not None else settings.get("min_projects")
    max_p = args.max_projects if args.max_projects is not None else settings.get("max_projects")
    rate = args.discount_rate if args.discount_rate is not None else settings.get("discount_rate", 0.0)
    return Problem.from_frame(
        projects, periods=periods, budget=total, budget_per_period=per, capacity=capacity or None,
        groups=groups, min_projects=min_p, max_projects=max_p, objective=objective,
        scoring=scoring if objective == "score" or scoring is not None else None, discount_rate=rate,
    )


def _select_summary(result: Any, args: argparse.Namespace) -> str:
    p = result.problem
    lines = [
        f"Projects: {args.projects} ({len(p.table)} candidates; "
        + (f"{p.n_periods} periods, {p.periods[0]} to {p.periods[-1]}" if p.n_periods > 1 else "1 period")
        + f"); amounts in {args.unit}.",
        f"Maximising: probability of success x {p.objective}.",
        "",
        result.summary(),
    ]
    return "\n".join(lines)


def _cmd_select(args: argparse.Namespace, out: TextIO) -> int:
    from .errors import ValidationError
    from .optimize import select

    for opt, val in (("--report", args.report), ("--excel", args.excel), ("--json", args.json)):
        if val and not Path(val).resolve().parent.is_dir():
            raise ValidationError(f"{opt} '{val}': the folder {Path(val).resolve().parent} does not exist")
    problem = _select_problem(args)
    print(f"solving: {problem!r}", file=sys.stderr)
    result = select(problem, solver=args.solver, time_limit=args.time_limit, mip_gap=args.mip_gap)
    written = []
    if args.report or args.excel:
        from .report import write_report

        files = write_report(result, args.report, args.excel, title=args.title, unit=args.unit)
        written += [f"report: {files.html}"] if files.html else []
        written += [f"workbook: {files.xlsx}"] if files.xlsx else []
    if args.json:
        Path(args.json).write_text(json.dumps(result.to_dict(), indent=1, allow_nan=False) + "\n", encoding="utf-8")
        written.append(f"JSON: {args.json}")
    text = _select_summary(result, args)
    if written:
        text += "\n\nWritten: " + "; ".join(written)
    out.write(text + "\n")
    out.flush()
    return EXIT_OK if result.has_solution else EXIT_NO_SOLUTION


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
            warnings.showwarning = _warn_once_to_stderr(set())
            if args.command == "solve":
                return _cmd_solve(args, out)
            if args.command == "select":
                return _cmd_select(args, out)
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


def _warn_once_to_stderr(seen: set[str]) -> Callable[..., None]:
    """A ``warnings.showwarning`` that prints each message once to stderr, whichever line warned: a
    scenario is applied once to check it and once to solve it, and used to warn twice."""

    def show(message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
        text = f"warning: {message}"
        if text not in seen:
            seen.add(text)
            print(text, file=sys.stderr)

    return show


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
