"""Smoke test of the benchmark suite (``benchmarks/run.py --quick`` on a tiny subset).

No timing assertions: the suite's numbers are for reading (issue 6).  What is
checked is that every configuration runs, that they agree on the proven optima
(the suite exits 1 on a mismatch), that the CSV and Markdown are written, and
that the instance generator and its independent matrix are consistent with the
library on small cases.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import portfolio_opt as po

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(BENCH))
import _worker  # noqa: E402
import instances as bench_instances  # noqa: E402


def test_generator_is_seeded_and_has_every_feature():
    a, b = bench_instances.generate(300, 12, 5, seed=3), bench_instances.generate(300, 12, 5, seed=3)
    assert a.spec() == b.spec()
    assert a.spec() != bench_instances.generate(300, 12, 5, seed=4).spec()
    assert a.requires and a.excludes and a.mandatory.any() and len(a.capacity) == 5
    assert (a.latest > a.earliest).any() and (a.duration > 1).any()
    assert {g["category"] for g in a.groups} == {"transform", "compliance"}
    assert bench_instances.instance_by_name(a.name).spec() == a.spec()


@pytest.mark.parametrize("shape", [(40, 1, 0), (40, 6, 2), (60, 4, 3)])
def test_independent_matrix_spec_and_problem_agree(shape):
    """The raw solvers' matrix, the engine request and the Problem have the same optimum."""
    inst = bench_instances.generate(*shape, seed=1)
    res = _worker.run_highspy(inst.matrix(), time_limit=60)
    via_problem = po.select(inst.problem(), time_limit=60)
    via_spec = po.solve_spec(inst.spec())
    assert res["status"] == via_problem.status.value == via_spec["status"]
    if res["status"] == "optimal":
        assert via_problem.objective == pytest.approx(res["objective"], rel=1e-9)
        assert via_spec["objective"] == pytest.approx(res["objective"], rel=1e-9)


def test_handwritten_pulp_model_matches():
    inst = bench_instances.generate(40, 6, 2, seed=1)
    ref = po.select(inst.problem(), time_limit=60)
    r = _worker.run_pulp_cbc(inst.spec(), time_limit=60)
    assert r["status"] == ref.status.value
    if ref.objective is not None:
        assert r["objective"] == pytest.approx(ref.objective, rel=1e-9)


def test_cbc_log_parsing():
    stopped_max = "Result - Stopped on time limit\n\nObjective value:   25881.17\nUpper bound:   27102.234\nGap:  -0.05\n"
    assert _worker.parse_cbc_log(stopped_max, 25881.17) == ("feasible", pytest.approx(27102.234))
    stopped_min = "Result - Stopped on time limit\nObjective value:  -25975.55\nLower bound:  -27103.773\nGap: 0.04\n"
    assert _worker.parse_cbc_log(stopped_min, 25975.55) == ("feasible", pytest.approx(27103.773))
    assert _worker.parse_cbc_log("Result - Optimal solution found\n", 10.0) == ("optimal", 10.0)
    assert _worker.parse_cbc_log("Result - Linear relaxation infeasible\n", None)[0] == "infeasible"


def test_scenario_changes_scale_every_budget_figure():
    from portfolio_opt.demo import load_sample

    base = load_sample(ROOT / "data" / "samples")
    scaled = _worker._scaled_problem(base, 0.9)
    total, per = base.budget_limits()
    total2, per2 = scaled.budget_limits()
    assert total2 == pytest.approx(0.9 * total) and per2 == pytest.approx(0.9 * per)
    assert base.budget_limits()[0] == total  # the base problem is unchanged
    spec = {"budget": {"total": 100, "per_period": [40, 60]}, "projects": []}
    assert _worker._scaled_spec(spec, 1.2)["budget"] == {"total": 120, "per_period": [48, 72]}
    assert spec["budget"]["total"] == 100


def test_quick_suite_runs_on_a_tiny_subset(tmp_path):
    out = tmp_path / "results"
    cmd = [sys.executable, str(BENCH / "run.py"), "--quick", "--instances", "mknap1:1,gen-n100-T1-R0",
           "--configs", "pulp_cbc,highspy,cbc,po_highs,po_cbc,po_default", "--scenarios", "1",
           "--scenario-configs", "pulp_cbc", "--out", str(out)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "MISMATCH" not in proc.stdout
    with open(out / "results.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    instances = {r["instance"] for r in rows}
    assert "gen-n100-T1-R0" in instances
    if bench_instances.orlib_dir() is not None:
        assert "mknap1-1" in instances
    assert {r["config"] for r in rows} == {"pulp_cbc", "highspy", "cbc", "po_highs", "po_cbc", "po_default"}
    assert all(r["status"] == "optimal" and r["check"] == "ok" for r in rows), rows
    objs = {r["instance"]: set() for r in rows}
    for r in rows:
        objs[r["instance"]].add(round(float(r["objective"]), 6))
    assert all(len(v) == 1 for v in objs.values())
    md = (out / "results.md").read_text()
    assert "| instance |" in md and "Scenario batch" in md and "Import time" in md
    assert np.isfinite(float(rows[0]["total_s"]))


def test_quick_instances_are_repeated_and_every_round_is_checked(monkeypatch):
    """Instances whose runs all end within REPEAT_BELOW_S get `repeat` rounds; each configuration
    reports its median run, and a wrong answer in any round is reported (not only in the median)."""
    import run as suite

    calls: list[int] = []

    def fake_round(name, limit, configs, rerun_default, echo, opt, best):
        k = len(calls)
        calls.append(k)
        totals = {"highspy": [0.30, 0.10, 0.20][k], "po_cbc": [0.5, 0.7, 0.9][k]}
        objs = {"highspy": 10.0, "po_cbc": 10.0 if k != 2 else 11.0}  # round 3: po_cbc beats the proven optimum
        return {c: {"config": c, "instance": name, "status": "optimal", "total_s": totals[c], "objective": objs[c],
                    "known_optimum": None, "best_known": None} for c in configs}

    monkeypatch.setattr(suite, "_round", fake_round)
    monkeypatch.setattr(suite, "expand", lambda sel: [sel])
    monkeypatch.setattr(suite, "known_values", lambda name: (None, None))
    rows = {r["config"]: r for r in suite.run_instances([("x", 1.0)], ["highspy", "po_cbc"], echo=False, repeat=3)}
    assert len(calls) == 3
    assert rows["highspy"]["total_s"] == 0.20 and rows["highspy"]["round_totals_s"] == [0.30, 0.10, 0.20]
    assert rows["po_cbc"]["total_s"] == 0.7 and rows["po_cbc"]["vs_best_peer"] == "3.50x"
    assert rows["po_cbc"]["check"].startswith("MISMATCH") and "(round 3)" in rows["po_cbc"]["check"]

    calls.clear()  # a slow instance gets one round
    monkeypatch.setattr(suite, "REPEAT_BELOW_S", 0.2)  # the peer is quick, but not po_cbc
    suite.run_instances([("x", 1.0)], ["highspy", "po_cbc"], echo=False, repeat=3)
    assert len(calls) == 1
    assert suite._worth_repeating({"highspy": {"status": "optimal", "total_s": 0.1},
                                   "po_default": {"status": "optimal", "total_s": 0.15},
                                   "po_highs": {"status": "feasible", "total_s": 30.0}})
    assert not suite._worth_repeating({"highspy": {"status": "feasible", "total_s": 0.1},
                                       "po_default": {"status": "optimal", "total_s": 0.15}})


def test_later_rounds_rerun_only_what_proved_optimality(monkeypatch):
    import run as suite

    seen: list[list[str]] = []

    def fake_round(name, limit, configs, rerun_default, echo, opt, best):
        seen.append(list(configs))
        return {c: {"config": c, "instance": name, "status": "feasible" if c == "highspy" else "optimal",
                    "total_s": 0.1, "objective": 10.0, "gap": 0.01 if c == "highspy" else 0.0,
                    "known_optimum": None, "best_known": None} for c in configs}

    monkeypatch.setattr(suite, "_round", fake_round)
    monkeypatch.setattr(suite, "expand", lambda sel: [sel])
    monkeypatch.setattr(suite, "known_values", lambda name: (None, None))
    rows = suite.run_instances([("x", 1.0)], ["highspy", "cbc", "po_default"], echo=False, repeat=3)
    assert seen == [["highspy", "cbc", "po_default"], ["cbc", "po_default"], ["cbc", "po_default"]]
    assert {r["config"] for r in rows} == {"highspy", "cbc", "po_default"}  # the unproven run stays in the table


def test_a_peer_past_its_limit_has_no_gap_at_the_limit():
    """Raw CBC answered a 60 s limit after 187 s with a portfolio 0.002 % from the optimum: that is not its gap
    at the limit. Such a row shows as past the limit, another's gap is compared without it, and the default
    past its own limit counts as worse."""
    import run

    def rows(po_solve):
        return [{"instance": "x", "config": "cbc", "status": "feasible", "objective": 99.99, "gap": 2e-5,
                 "time_limit": 60.0, "solve_s": 187.0, "total_s": 187.4},
                {"instance": "x", "config": "highspy", "status": "feasible", "objective": 95.0, "gap": 0.05,
                 "time_limit": 60.0, "solve_s": 60.5, "total_s": 60.6},
                {"instance": "x", "config": "po_default", "status": "feasible", "objective": 98.0, "gap": 0.018,
                 "time_limit": 60.0, "solve_s": po_solve, "total_s": po_solve + 3}]

    out = {r["config"]: r for r in run.analyse_instance(rows(61.0))}
    assert out["cbc"]["vs_best_peer"] == "past the limit (187.0s)"
    assert out["po_default"]["best_peer"] == "highspy"
    assert out["po_default"]["vs_best_peer"] == "-3.20pp gap"
    late = {r["config"]: r for r in run.analyse_instance(rows(70.0))}
    assert late["po_default"]["vs_best_peer"].startswith("past the limit")
    verdict = [t for t in run.targets(list(late.values()), []) if t[0].startswith("default time")]
    assert verdict and verdict[0][1] == "FAIL"


def test_only_po_highs_is_taken_from_po_default(monkeypatch):
    """po_highs repeats po_default's call when "auto" chose HiGHS; po_cbc is always run, since a request
    that names CBC gets CBC's own answer where "auto" may answer with the enumeration's proof."""
    import run as suite

    ran: list[str] = []

    def fake_worker(job, timeout):
        ran.append(job["config"])
        return {"config": job["config"], "status": "optimal", "total_s": 0.1, "objective": 1.0,
                "backend": used}

    monkeypatch.setattr(suite, "run_worker", fake_worker)
    for used, expected in (("highs", ["po_default", "po_cbc"]), ("cbc", ["po_default", "po_highs", "po_cbc"])):
        ran.clear()
        out = suite._round("x", 1.0, ["po_highs", "po_cbc", "po_default"], False, False, None, None)
        assert ran == expected, (used, ran)
        assert ("not re-run" in out["po_highs"].get("note", "")) == (used == "highs")
        assert "note" not in out["po_cbc"]
