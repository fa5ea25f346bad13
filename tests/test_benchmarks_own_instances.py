"""The benchmark suite on instances of one's own: engine requests and OR-Library files given by path.

Independent checks: a request read back from an instance's own request builds the same matrix;
on a small request with every feature the suite's matrix, the hand-written PuLP model and the
library all reach the optimum found by brute force over every start assignment, computed here in
plain Python from the request alone; OR-Library files at any path parse with their optima.
"""

from __future__ import annotations

import csv
import itertools
import json
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
import instances as I  # noqa: E402

REQUEST = {
    "version": 1,
    "periods": ["Q1", "Q2", "Q3"],
    "objective": "value",
    "projects": [
        {"id": "A", "cost": [4, 2], "value": 9, "earliest_start": 0, "latest_start": 2,
         "resources": {"eng": [2, 1]}, "category": "grow"},
        {"id": "B", "cost": 6, "duration": 2, "value": 8, "latest_start": 1, "resources": {"eng": 1},
         "category": "grow", "probability": 0.5, "requires": ["C"]},
        {"id": "C", "cost": 3, "value": 4, "earliest_start": 1, "latest_start": 2, "scores": {"fit": 3}},
        {"id": "D", "cost": [2, 2, 2], "value": 7, "resources": {"eng": [1, 1, 1]}, "excludes": ["A"]},
        {"id": "E", "cost": 5, "value": 20, "excluded": True},
        {"id": "F", "cost": 1, "value": 1.5, "mandatory": True, "latest_start": 2, "benefits": [3, 3]},
        {"id": "G", "cost": [3, 1], "value": 5, "latest_start": 5, "category": "grow"},
    ],
    "budget": {"total": 16, "per_period": [7, 7, 6]},
    "resources": {"eng": [3, 3, 2]},
    "groups": [{"category": "grow", "max_count": 2}],
    "min_projects": 2,
    "max_projects": 3,
    "solver": {"name": "highs", "time_limit": 5},
    "analyses": {"explain": True},
}


def _brute_force(req: dict) -> float:
    """The optimum over every start assignment, from the request's own words (engine-spec.md)."""
    T = len(req["periods"]) if isinstance(req["periods"], list) else req["periods"]
    ps = req["projects"]
    prof, dem, opts = [], [], []
    for p in ps:
        c = p["cost"]
        d = p.get("duration", len(c) if isinstance(c, list) else 1)
        prof.append(list(c) if isinstance(c, list) else [c / d] * d)
        dem.append({r: (v if isinstance(v, list) else [v] * d) for r, v in p.get("resources", {}).items()})
        es = p.get("earliest_start", 0)
        ls = p.get("latest_start", es)
        starts = [s for s in range(es, ls + 1) if s + d <= T]  # a start that runs past the horizon is not allowed
        opts.append([None] if p.get("excluded") else ([] if p.get("mandatory") else [None]) + starts)
    ids = [p["id"] for p in ps]
    best = -np.inf
    for choice in itertools.product(*opts):
        sel = {ids[k] for k, s in enumerate(choice) if s is not None}
        if not req["min_projects"] <= len(sel) <= req["max_projects"]:
            continue
        if any(p["id"] in sel and q not in sel for p in ps for q in p.get("requires", [])):
            continue
        if any(p["id"] in sel and q in sel for p in ps for q in p.get("excludes", [])):
            continue
        spend, use = [0.0] * T, [0.0] * T
        for k, s in enumerate(choice):
            if s is None:
                continue
            for off, v in enumerate(prof[k]):
                spend[s + off] += v
            for off, v in enumerate(dem[k].get("eng", [])):
                use[s + off] += v
        if sum(spend) > req["budget"]["total"] + 1e-9:
            continue
        if any(spend[t] > req["budget"]["per_period"][t] + 1e-9 or use[t] > req["resources"]["eng"][t] + 1e-9
               for t in range(T)):
            continue
        if sum(1 for k in range(len(ps)) if ids[k] in sel and ps[k].get("category") == "grow") > 2:
            continue
        best = max(best, sum(p.get("probability", 1) * p["value"] for p in ps if p["id"] in sel))
    return best


def _same_matrix(a: I.Matrix, b: I.Matrix) -> None:
    assert a.A.shape == b.A.shape
    assert (abs(a.A - b.A)).max() == 0 if a.A.nnz or b.A.nnz else True
    np.testing.assert_array_equal(a.c, b.c)
    np.testing.assert_array_equal(a.row_lo, b.row_lo)
    np.testing.assert_array_equal(a.row_hi, b.row_hi)


@pytest.mark.parametrize("shape", [(40, 1, 0), (60, 6, 3), (80, 12, 5)])
def test_an_instances_own_request_builds_the_same_model(shape):
    inst = I.generate(*shape, seed=2)
    back = I.instance_from_spec(json.loads(json.dumps(inst.spec())), "back")
    assert back.spec() == inst.spec()
    _same_matrix(back.matrix(), inst.matrix())


def test_every_model_of_a_request_reaches_the_brute_force_optimum():
    req = json.loads(json.dumps(REQUEST))
    expected = _brute_force(req)
    assert np.isfinite(expected)
    inst = I.instance_from_spec(req, "req")
    assert inst.excluded is not None and inst.excluded.tolist() == [False] * 4 + [True, False, False]
    assert (inst.min_projects, inst.max_projects) == (2, 3)
    assert inst.latest.tolist() == [1, 1, 2, 0, 0, 2, 1]  # latest starts cut where the project would run past Q3
    raw = _worker.run_highspy(inst.matrix(), time_limit=30)
    pulp = _worker.run_pulp_cbc(inst.spec(), time_limit=30)
    lib = po.solve_spec(req)
    via_frame = po.select(inst.problem())
    for r in (raw, pulp):
        assert r["status"] == "optimal" and r["objective"] == pytest.approx(expected, abs=1e-9)
    assert lib["status"] == via_frame.status.value == "optimal"
    assert lib["objective"] == pytest.approx(expected, abs=1e-9)
    assert via_frame.objective == pytest.approx(expected, abs=1e-9)
    assert req == REQUEST  # not mutated


def test_an_excluded_project_or_a_count_limit_changes_the_matrix_optimum():
    """The new fields are not decoration: each one, changed, changes the optimum as brute force says."""
    base = _brute_force(REQUEST)

    def solved(**change):
        req = json.loads(json.dumps(REQUEST))
        for pid, flag in change.pop("flags", {}).items():
            next(p for p in req["projects"] if p["id"] == pid).update(flag)
        req.update(change)
        return _worker.run_highspy(I.instance_from_spec(req, "x").matrix(), time_limit=30), _brute_force(req)

    more, expected = solved(max_projects=4)
    assert more["objective"] == pytest.approx(expected) and expected > base
    too_many, expected = solved(min_projects=5)
    assert too_many["status"] == "infeasible" and expected == -np.inf
    with_e, expected = solved(flags={"E": {"excluded": False}})
    assert with_e["objective"] == pytest.approx(expected) and expected > base


@pytest.mark.parametrize("change, words", [
    (lambda q: q.update(objective="npv"), "objective 'npv'"),
    (lambda q: q["budget"].update(per_period=[7, None, 6]), "'budget.per_period'"),
    (lambda q: q["projects"][1].update(requires=["Z"]), "project 'B': field 'requires' names an unknown id 'Z'"),
    (lambda q: q["projects"][2].update(cost=-3), "project 'C': field 'cost'"),
    (lambda q: q["projects"][3].update(earliest_start=1), "project 'D': no start from 1 to 1"),
    (lambda q: q["projects"][0].update(resources={"eng": [1]}), "project 'A': field 'resources.eng'"),
    (lambda q: q["projects"][5].update(mandatory="yes"), "project 'F': field 'mandatory'"),
    (lambda q: q["groups"].append({"category": "grow", "most": 1}), "group 'grow': field(s) 'most'"),
    (lambda q: q.update(colour="red"), "unknown field(s) 'colour'"),
])
def test_a_request_the_suite_cannot_model_is_refused_by_name(change, words):
    req = json.loads(json.dumps(REQUEST))
    change(req)
    with pytest.raises(ValueError) as err:
        I.instance_from_spec(req, "mine.json")
    assert str(err.value).startswith("mine.json: ") and words in str(err.value)


def _mknap_text(problems: list[tuple[list[float], list[list[float]], list[float], float]]) -> str:
    lines = [str(len(problems))]
    for p, w, b, opt in problems:
        lines += [f"{len(p)} {len(b)} {opt:g}", " ".join(map(str, p))]
        lines += [" ".join(map(str, row)) for row in w]
        lines.append(" ".join(map(str, b)))
    return "\n".join(lines) + "\n"


def _mkp_optimum(p, w, b) -> float:
    P, W = np.array(p, float), np.array(w, float)
    return max(float(P @ x) for x in itertools.product((0, 1), repeat=len(p)) if (W @ np.array(x) <= b).all())


def test_an_orlib_file_at_any_path(tmp_path):
    rng = np.random.default_rng(5)
    probs = []
    for n, m in ((7, 2), (9, 3), (8, 2)):
        p = rng.integers(5, 40, n).tolist()
        w = rng.integers(1, 20, (m, n)).tolist()
        b = [float(sum(row) // 2) for row in w]
        probs.append((p, w, b, _mkp_optimum(p, w, b)))
    with_optima = tmp_path / "mine.txt"
    with_optima.write_text(_mknap_text(probs))
    folder = tmp_path / "cb"
    folder.mkdir()
    no_optima = folder / "hard.txt"
    no_optima.write_text(_mknap_text([(p, w, b, 0) for p, w, b, _ in probs]))
    (folder / "best_known.csv").write_text(
        "file,instance,name,n,m,best_known,proven_optimal,source,lp_relaxation,verified_here\n"
        f"hard.txt,2,hard-2,9,3,{probs[1][3]:g},no,test,,\n")

    assert I.is_file_selection(f"{with_optima}:2-3") and not I.is_file_selection("mknap1:2")
    insts = I.file_instances(str(with_optima))
    assert [i.name for i in insts] == [f"{with_optima}#{k}" for k in (1, 2, 3)]
    for inst, (p, w, b, opt) in zip(insts, probs):
        assert inst.known_optimum == opt
        r = _worker.run_highspy(inst.matrix(), time_limit=30)
        assert r["objective"] == pytest.approx(opt)
        assert I.instance_by_name(inst.name).spec() == inst.spec()
    (two,) = I.file_instances(f"{no_optima}:2")
    assert two.name == f"{no_optima}#2" and two.known_optimum is None and two.best_known == probs[1][3]
    assert [i.name for i in I.file_instances(f"{no_optima}:2-3")] == [f"{no_optima}#2", f"{no_optima}#3"]
    with pytest.raises(ValueError, match="problems 1 to 3"):
        I.file_instances(f"{no_optima}:4")


def _run(args: list[str]) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, str(BENCH / "run.py"), *args], capture_output=True, text=True,
                          env=env, timeout=300)


def test_the_suite_runs_on_files_given_by_path(tmp_path):
    req = tmp_path / "req.json"
    req.write_text(json.dumps(REQUEST))
    p, w, b = [10, 13, 7, 8, 9], [[3, 4, 2, 3, 3], [2, 2, 3, 1, 4]], [8.0, 7.0]
    kp = tmp_path / "kp.txt"
    kp.write_text(_mknap_text([(p, w, b, _mkp_optimum(p, w, b))]))
    out = tmp_path / "out"
    proc = _run(["--quick", "--instances", f"{req},{kp}:1", "--configs", "pulp_cbc,highspy,po_default",
                 "--scenarios", "0", "--no-import-time", "--out", str(out)])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with open(out / "results.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["instance"] for r in rows} == {str(req), f"{kp}#1"}
    assert all(r["status"] == "optimal" and r["check"] == "ok" for r in rows), rows
    objs = {r["instance"]: float(r["objective"]) for r in rows if r["config"] == "po_default"}
    assert objs[str(req)] == pytest.approx(_brute_force(REQUEST))
    assert objs[f"{kp}#1"] == pytest.approx(_mkp_optimum(p, w, b))
    assert "[PASS] instances given by path" in proc.stdout


def test_the_suite_refuses_a_request_it_cannot_model_before_running(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**REQUEST, "objective": "score"}))
    proc = _run(["--quick", "--instances", str(bad), "--scenarios", "0", "--no-import-time",
                 "--out", str(tmp_path / "out")])
    assert proc.returncode == 2
    assert f"--instances {bad}: {bad}: objective 'score'" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "out" / "results.csv").exists()


def test_the_benchmark_modules_examples_run():
    """benchmarks/ is outside pytest's doctest paths: its examples are run here."""
    import doctest

    import run

    for mod in (I, run):
        res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        assert res.attempted > 0 and res.failed == 0, mod.__name__
