"""The command follows the engine contract: JSON only on stdout, the documented exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import portfolio_opt as po
from portfolio_opt import cli

SPEC = {"version": 1, "periods": 2, "budget": {"total": 10, "per_period": [6, 6]}, "projects": [
    {"id": "A", "cost": [4, 2], "value": 10},
    {"id": "B", "cost": [3], "value": 7, "earliest_start": 0, "latest_start": 1},
    {"id": "C", "cost": [5], "value": 6}]}


def run(args, stdin=None):
    return subprocess.run([sys.executable, "-m", "portfolio_opt.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_solve_prints_only_json(tmp_path):
    f = tmp_path / "spec.json"
    f.write_text(json.dumps(SPEC))
    p = run(["solve", str(f)])
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)  # the whole of stdout is one JSON document
    assert out["status"] == "optimal" and out["objective"] == 17
    assert "Traceback" not in p.stderr


def test_solver_banner_stays_off_stdout_with_cbc_and_logs(tmp_path):
    for name in ("highs", "cbc"):
        spec = dict(SPEC, solver={"name": name, "msg": True})
        p = run(["solve", "-"], stdin=json.dumps(spec))
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout)["objective"] == 17


@pytest.mark.parametrize("name", ["highs", "cbc", "auto"])
def test_no_solver_banner_anywhere_unless_logs_are_asked_for(name):
    """HiGHS prints a banner on the first Highs() of a process, before any option can silence it: it is
    discarded (it showed as an error box on a notebook's first solve); with msg, HiGHS's log keeps it."""
    quiet = run(["solve", "-"], stdin=json.dumps(dict(SPEC, solver={"name": name})))
    assert quiet.returncode == 0 and json.loads(quiet.stdout)["objective"] == 17
    assert "HiGHS" not in quiet.stderr, quiet.stderr


def test_stdin_and_output_file(tmp_path):
    out = tmp_path / "out.json"
    p = run(["solve", "-", "-o", str(out)], stdin=json.dumps(SPEC))
    assert p.returncode == 0 and p.stdout == ""
    assert json.loads(out.read_text())["selected"] == ["A", "B"]


def test_infeasible_exit_1_with_diagnosis():
    spec = json.loads(json.dumps(SPEC))
    spec["projects"][2]["mandatory"] = True
    spec["projects"][0]["mandatory"] = True
    spec["budget"] = {"per_period": [6, 6]}
    p = run(["solve", "-"], stdin=json.dumps(spec))
    assert p.returncode == 1, p.stderr
    out = json.loads(p.stdout)
    assert out["status"] == "infeasible"
    text = " ".join(out["diagnosis"])
    assert "'A'" in text and "'C'" in text and "budget of period 0" in text
    assert "raise the budget of period 0 (6) by 3 to 9" in text


@pytest.mark.parametrize("mutate,needle", [
    (lambda s: s["projects"][0].update(cost=[-4, 2]), "project 'A': field 'cost' is negative"),
    (lambda s: s["projects"][1].update(requires=["X"]), "project 'B': field 'requires' names unknown"),
    (lambda s: s["projects"].append({"id": "A", "cost": 1}), "duplicate project ids 'A'"),
    (lambda s: s["projects"][0].update(probability=3), "project 'A': field 'probability'"),
])
def test_invalid_input_exit_2_without_traceback(mutate, needle):
    spec = json.loads(json.dumps(SPEC))
    mutate(spec)
    p = run(["solve", "-"], stdin=json.dumps(spec))
    assert p.returncode == 2
    assert p.stdout == ""
    assert needle in p.stderr
    assert "Traceback" not in p.stderr


def test_not_json_and_missing_file_exit_2(tmp_path):
    p = run(["solve", "-"], stdin="{not json")
    assert p.returncode == 2 and "not valid JSON" in p.stderr
    p = run(["solve", str(tmp_path / "nope.json")])
    assert p.returncode == 2 and "cannot read" in p.stderr


def test_unknown_solver_is_invalid_input():
    p = run(["solve", "-"], stdin=json.dumps(dict(SPEC, solver={"name": "nosuch"})))
    assert p.returncode == 2 and "nosuch" in p.stderr


def test_solver_failure_exit_3(monkeypatch, capsys, tmp_path):
    def boom(*a, **k):
        raise po.SolverError("the solver crashed")

    monkeypatch.setattr("portfolio_opt.optimize.solve", boom)
    f = tmp_path / "s.json"
    f.write_text(json.dumps(SPEC))
    assert cli.main(["solve", str(f)]) == 3


def test_internal_error_exit_3(monkeypatch, tmp_path):
    def bug(*a, **k):
        raise KeyError("oops")

    monkeypatch.setattr("portfolio_opt.optimize.compile_problem", bug)
    f = tmp_path / "s.json"
    f.write_text(json.dumps(SPEC))
    assert cli.main(["solve", str(f)]) == 3


def test_time_limit_feasible_exit_0():
    # a hard multidimensional knapsack stopped early is 'feasible' with its gap, or proven optimal
    import numpy as np

    rng = np.random.default_rng(1)
    n = 120
    projects = [{"id": f"P{k}", "cost": [int(c) for c in rng.integers(10, 100, 3)],
                 "value": int(rng.integers(10, 100))} for k in range(n)]
    spec = {"version": 1, "periods": 3, "budget": [1500, 1500, 1500], "projects": projects,
            "solver": {"name": "highs", "time_limit": 0.2}}
    p = run(["solve", "-"], stdin=json.dumps(spec))
    out = json.loads(p.stdout)
    assert out["status"] in ("optimal", "feasible")
    assert p.returncode == 0
    if out["status"] == "feasible":
        assert out["gap"] is None or out["gap"] >= 0
        assert out["bound"] is None or out["bound"] >= out["objective"] - 1e-6


def test_demo_runs():
    p = run(["demo"])
    assert p.returncode == 0, p.stderr
    assert "Spend per period against the budget" in p.stdout
    assert "Resource use against capacity" in p.stdout
    assert "engineers" in p.stdout and "2027" in p.stdout


def test_mandatory_and_excluded_at_once_is_infeasible_with_a_diagnosis():
    spec = json.loads(json.dumps(SPEC))
    spec["projects"][0].update(mandatory=True, excluded=True)
    out = po.solve_spec(spec)
    assert out["status"] == "infeasible"
    assert "'A' is both mandatory and forced out" in out["diagnosis"][0]


def test_value_defaults_to_zero_in_the_engine():
    spec = {"version": 1, "projects": [{"id": "A", "cost": 1}, {"id": "B", "cost": 1, "value": 2}], "budget": 1}
    out = po.solve_spec(spec)
    assert out["status"] == "optimal" and out["selected"] == ["B"] and out["objective"] == 2


def test_a_warning_is_printed_once_though_the_scenario_is_applied_twice():
    """A scale on a category no project has warns (PortfolioWarning); the scenario is applied once to check
    it and once to solve it, and the command printed the warning twice."""
    spec = dict(SPEC, analyses={"scenarios": [{"name": "overrun", "cost_scale": {"category:nowhere": 1.2}}]})
    p = run(["solve", "-"], stdin=json.dumps(spec))
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["scenarios"][0]["status"] == "optimal"
    lines = [line for line in p.stderr.splitlines() if line.startswith("warning:")]
    assert len(lines) == 1 and "nowhere" in lines[0], p.stderr
