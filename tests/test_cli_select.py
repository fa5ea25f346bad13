"""`portfolio-opt select`, as a planner with a CSV would run it: end to end in a subprocess on a CSV
made here and on the sample portfolio; the many input checks in-process (``cli.main``, the same code
without the interpreter's start-up time)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from oracle import brute_force, feasible

from portfolio_opt import cli

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"

# one table, written as the planner's CSV and as the equivalent engine request for the oracle
PROJECTS = [
    {"id": "CRM", "name": "New CRM", "cost": [40, 25], "value": 90, "probability": 0.9, "earliest_start": 0,
     "latest_start": 1, "resources": {"engineers": [4, 2], "analysts": [1, 0]}, "requires": ["DWH"]},
    {"id": "DWH", "name": "Data warehouse", "cost": [30, 30], "value": 60, "earliest_start": 0, "latest_start": 1,
     "resources": {"engineers": [3, 3], "analysts": [2, 2]}},
    {"id": "ERP", "name": "=SUM(A1)", "cost": [70], "value": 100, "probability": 0.8, "earliest_start": 0,
     "latest_start": 2, "resources": {"engineers": [6], "analysts": [1]}, "excludes": ["WEB"]},
    {"id": "WEB", "name": "@cmd", "cost": [20], "value": 35, "earliest_start": 1, "latest_start": 2,
     "resources": {"engineers": [2], "analysts": [0]}},
    {"id": "REG", "name": "-1+2", "cost": [15, 5], "value": 10, "mandatory": True,
     "resources": {"engineers": [1, 1], "analysts": [1, 1]}},
    {"id": "MOB", "name": "Mobile app", "cost": [25], "value": 45, "probability": 0.7, "earliest_start": 0,
     "latest_start": 2, "resources": {"engineers": [3], "analysts": [0]}},
]
LIMITS = ["--budget", "1.6e2", "--budget-per-period", "80,80,70", "--periods", "2027,2028,2029",
          "--capacity", "engineers=9", "--capacity", "analysts=3,3,4"]
SPEC_LIMITS = {"periods": ["2027", "2028", "2029"], "budget": {"total": 160, "per_period": [80, 80, 70]},
               "resources": {"engineers": 9, "analysts": [3, 3, 4]}}


def write_csv(path: Path) -> Path:
    rows = []
    for p in PROJECTS:
        rows.append({
            "id": p["id"], "name": p["name"], "cost": ";".join(map(str, p["cost"])), "value": p["value"],
            "probability": p.get("probability", 1.0), "earliest_start": p.get("earliest_start", 0),
            "latest_start": p.get("latest_start", p.get("earliest_start", 0)),
            "mandatory": p.get("mandatory", False), "requires": ";".join(p.get("requires", [])),
            "excludes": ";".join(p.get("excludes", [])),
            "res_engineers": ";".join(map(str, p["resources"]["engineers"])),
            "res_analysts": ";".join(map(str, p["resources"]["analysts"])),
            "fit": len(p["name"]) % 5, "risk": p["value"] % 4,
        })
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "portfolio_opt.cli", "select", *map(str, args)],
                          capture_output=True, text=True, timeout=180, cwd=cwd)


class Ran:
    def __init__(self, code, out, err):
        self.returncode, self.stdout, self.stderr = code, out, err


def main(capfd, *args):
    """``portfolio-opt select ARGS`` in this process; stdout and stderr read at the file-descriptor level."""
    capfd.readouterr()
    code = cli.main(["select", *map(str, args)])
    out, err = capfd.readouterr()
    return Ran(code, out, err)


def test_select_csv_to_report_excel_and_json_matches_the_oracle(tmp_path):
    csv = write_csv(tmp_path / "projects.csv")
    p = run(csv, *LIMITS, "--report", tmp_path / "out.html", "--excel", tmp_path / "out.xlsx",
            "--json", tmp_path / "out.json", "--unit", "EUR")
    assert p.returncode == 0, p.stderr
    out = json.loads((tmp_path / "out.json").read_text())
    spec = {"version": 1, "projects": PROJECTS, **SPEC_LIMITS}
    assert out["objective"] == pytest.approx(brute_force(spec))  # the provable optimum, from an independent oracle
    assert feasible(spec, out["starts"])
    # a readable summary for a person on stdout, and nothing of the solver's
    assert "Status: optimal" in p.stdout and "Running HiGHS" not in p.stdout
    assert "amounts in EUR" in p.stdout
    for pid in out["selected"]:
        assert pid in p.stdout
    assert "Written: report:" in p.stdout
    html = (tmp_path / "out.html").read_text(encoding="utf-8")
    assert all(f"<td>{pid}</td>" in html for pid in out["selected"]) and "data:image/png;base64," in html
    wb = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert {"Candidates", "Selection", "Spend", "Resources"} <= set(wb.sheetnames)
    assert not [c for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert {"=SUM(A1)", "@cmd", "-1+2"} <= {c.value for c in wb["Candidates"]["B"]}


def test_select_excel_input_with_weights(tmp_path, capfd):
    csv = write_csv(tmp_path / "projects.csv")
    xlsx = tmp_path / "projects.xlsx"
    pd.read_csv(csv, dtype=str).to_excel(xlsx, index=False)
    weights = tmp_path / "weights.json"
    weights.write_text(json.dumps({"criteria": {"fit": {"weight": 3}, "risk": {"weight": 1, "direction": "min"}}}))
    p = main(capfd, xlsx, *LIMITS, "--weights", weights, "--json", tmp_path / "out.json")
    assert p.returncode == 0, p.stderr
    out = json.loads((tmp_path / "out.json").read_text())
    assert out["weights"] == {"fit": 0.75, "risk": 0.25}  # --weights implies the score objective
    assert "probability of success x score" in p.stdout


def test_select_on_the_sample_portfolio(tmp_path):
    csv = SAMPLES / "projects.csv"
    p = run(csv, "--budget", "28000", "--budget-per-period", "6000", "--periods", "2027,2028,2029,2030,2031",
            "--capacity", "engineers=20,20,22,22,22", "--capacity", "data_analysts=5,5,6,6,6",
            "--capacity", "architects=3", "--report", tmp_path / "sample.html")
    assert p.returncode == 0, p.stderr
    assert "60 candidates" in p.stdout and "Status: optimal" in p.stdout
    html = (tmp_path / "sample.html").read_text(encoding="utf-8")
    for pid in ("REG-01", "REG-02", "REG-03", "REG-04"):  # the mandatory regulatory projects
        assert f"<td>{pid}</td>" in html


def test_select_with_the_sample_settings_file(tmp_path, capfd):
    p = main(capfd, SAMPLES / "projects.csv", "--settings", SAMPLES / "constraints.json", "--objective", "score",
            "--json", tmp_path / "out.json")
    assert p.returncode == 0, p.stderr
    out = json.loads((tmp_path / "out.json").read_text())
    assert out["weights"] == pytest.approx({"alignment": 0.4, "financial": 0.3, "risk": 0.2, "urgency": 0.1})
    assert out["total_spend"] <= 28000 and len(out["selected"]) <= 40


def test_infeasible_exit_1_with_the_reasons_and_a_report(tmp_path, capfd):
    csv = write_csv(tmp_path / "projects.csv")
    p = main(capfd, csv, "--budget", "10", "--periods", "3", "--report", tmp_path / "why.html")
    assert p.returncode == 1, p.stderr
    assert "Status: infeasible" in p.stdout and "'REG'" in p.stdout and "raise the total budget" in p.stdout
    assert "Why no portfolio fits" in (tmp_path / "why.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("edit,args,needles", [
    (lambda df: df.assign(cost=df["cost"].where(df["id"] != "DWH", "-30;30")), [],
     ["project 'DWH': field 'cost' is negative"]),
    (lambda df: df.assign(value=df["value"].astype(str).where(df["id"] != "MOB", "lots")), [],
     ["project 'MOB': field 'value'"]),
    (lambda df: df.assign(requires=df["requires"].where(df["id"] != "WEB", "NOPE")), [],
     ["project 'WEB': field 'requires' names unknown"]),
    (lambda df: df, ["--capacity", "cooks=2"], ["resource 'cooks'"]),
    (lambda df: df, ["--capacity", "engineers"], ["--capacity 'engineers': write ROLE=N"]),
    (lambda df: df, ["--budget", "five"], ["--budget: 'five' is not a number"]),
    (lambda df: df, ["--objective", "score"], ["--objective score needs a scoring model"]),
    (lambda df: df, ["--weights", "missing.json"], ["--weights: cannot read the scoring model 'missing.json'"]),
    (lambda df: df, ["--budget-per-period", "80,80"], ["gives 2 period values but the horizon has 3 periods"]),
])
def test_bad_input_exit_2_names_the_project_and_field(tmp_path, capfd, monkeypatch, edit, args, needles):
    df = pd.read_csv(write_csv(tmp_path / "ok.csv"), dtype=str, keep_default_na=False)
    bad = tmp_path / "bad.csv"
    edit(df).to_csv(bad, index=False)
    base = ["--periods", "2027,2028,2029", "--budget", "160"]
    monkeypatch.chdir(tmp_path)
    p = main(capfd, bad, *base, *args)
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert p.stdout == ""
    for needle in needles:
        assert needle in p.stderr
    assert "Traceback" not in p.stderr


def test_bad_input_in_a_subprocess_has_no_traceback(tmp_path):
    p = run(tmp_path / "nope.csv", "--budget", "1")
    assert p.returncode == 2 and "nope.csv' does not exist" in p.stderr
    assert p.stdout == "" and "Traceback" not in p.stderr


def test_bad_weights_file(tmp_path, capfd):
    w = tmp_path / "w.json"
    w.write_text("{not json")
    p = main(capfd, write_csv(tmp_path / "p.csv"), "--weights", w)
    assert p.returncode == 2 and "not valid JSON" in p.stderr


def test_help_reads_well(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["select", "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for part in ("examples:", "--budget-per-period", "--capacity ROLE=N", "weights.json", "exit codes:",
                 "the projects table"):
        assert part in text
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    top = capsys.readouterr().out
    assert "select" in top and top.index("select") < top.index("solve")
