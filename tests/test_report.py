"""The report: HTML with the portfolio and embedded plots (rendered in a real browser when one is
installed) and an Excel workbook whose user text never becomes a formula."""

from __future__ import annotations

import html
import os
import shutil
import subprocess

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import openpyxl  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import portfolio_opt as po  # noqa: E402
from portfolio_opt import report  # noqa: E402

HOSTILE = ["=SUM(A1)", "@cmd", "-1+2", "+X"]
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)


def hostile_problem(**kw):
    """Ids and names a spreadsheet or a browser would run if they were written carelessly."""
    df = pd.DataFrame({
        "id": ["=SUM(A1)", "@cmd", "-1+2", "+X", "P5", "P6"],
        "name": ["<script>alert(1)</script>", "R&D =HYPERLINK(\"x\")", "-minus", "plain", "=1+1", "Cost $5M"],
        "category": ["grow", "run", "grow", "=cat", "run", "grow"],
        "cost": ["10;5", "8", "12", "6;6", "7", "9"],
        "value": [40, 20, 35, 25, 15, 22],
        "res_engineers": ["1;1", "1", "2", "1;1", "1", "1"],
        "fit": [3, 4, 5, 2, 1, 4],
        "mandatory": [False, False, False, False, True, False],
    })
    args = dict(periods=["Y1", "Y2"], budget=40, budget_per_period=[25, 25], capacity={"engineers": 3},
                scoring={"criteria": {"fit": {"weight": 1}}})
    args.update(kw)
    return po.Problem.from_frame(df, **args)


@pytest.fixture(scope="module")
def result():
    r = po.select(hostile_problem())
    assert r.has_solution and len(r.selected_ids) >= 3
    return r


@pytest.fixture(scope="module")
def scenarios(result):
    return {"tight": po.select(result.problem.force_out(result.selected_ids[0])),
            "engine entry": {"name": "x", "status": "infeasible", "objective": None, "selected": [],
                             "diagnosis": ["the budget is too small"]}}


@pytest.fixture(scope="module")
def written(result, scenarios, tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    explanation = ("The portfolio <b>keeps</b> every high-value project.\n\n"
                   "Costs are in k€ & staff in FTE.")
    files = report.write_report(result, d / "r.html", d / "r.xlsx", scenarios=scenarios, explanation=explanation,
                                frontier=[{"budget": 20, "objective": 50.0}, {"budget": 40, "objective": 90.0}],
                                title="Board <pack>")
    return files


def test_html_has_the_portfolio_escaped_and_images(written, result):
    text = written.html.read_text(encoding="utf-8")
    for pid in result.selected_ids:
        assert f"<td>{html.escape(pid)}</td>" in text
    assert text.count('src="data:image/png;base64,') >= 7  # value-cost, balance, Gantt, spend, resources, frontier, scenarios
    assert "<script" not in text  # user text is escaped ...
    assert html.escape("<script>alert(1)</script>") in text  # ... and still shown
    assert "<b>keeps</b>" not in text and "&lt;b&gt;keeps&lt;/b&gt;" in text
    assert "<title>Board &lt;pack&gt;</title>" in text
    assert "Scenarios" in text and "tight" in text and "Efficient frontier" in text
    assert "the total budget (40)" in text  # the constraints, in words


def test_excel_sheets_and_no_formulas(written, result):
    wb = openpyxl.load_workbook(written.xlsx)
    assert wb.sheetnames == ["Summary", "Candidates", "Selection", "Spend", "Resources", "Scenarios", "Frontier"]
    formulas = [(ws.title, c.coordinate, c.value) for ws in wb for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == []
    cand = wb["Candidates"]
    ids = [c.value for c in cand["A"][1:]]
    assert ids == list(result.problem.ids)  # the hostile ids come back as the exact text
    for cell in cand["A"][1:]:
        if cell.value in HOSTILE:
            assert cell.data_type == "s" and cell.quotePrefix
    names = {c.value for c in cand["B"][1:]}
    assert "=1+1" in names and 'R&D =HYPERLINK("x")' in names
    sel = wb["Selection"]
    assert [c.value for c in sel["A"][1:]] == result.selected_ids
    spend = wb["Spend"]
    assert [spend.cell(row=k + 2, column=2).value for k in range(2)] == pytest.approx(result.spend["spend"].tolist())
    header = [c.value for c in wb["Resources"][1]]
    assert header[:4] == ["period", "engineers use", "engineers capacity", "engineers slack"]
    scen = [c.value for c in wb["Scenarios"]["A"]]
    assert scen[:4] == ["scenario", "base", "tight", "engine entry"]


def test_excel_raw_xml_has_no_formula_elements(written):
    import zipfile

    with zipfile.ZipFile(written.xlsx) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and all("<f>" not in z.read(n).decode("utf-8") for n in sheets)


def test_report_of_an_infeasible_problem(tmp_path):
    r = po.select(hostile_problem(budget=1))  # the mandatory P5 alone costs 7
    assert not r.has_solution
    files = report.write_report(r, tmp_path / "bad.html", tmp_path / "bad.xlsx")
    text = files.html.read_text(encoding="utf-8")
    assert "infeasible" in text and "Why no portfolio fits" in text
    assert "img" not in text.split("Why no portfolio fits")[1]  # no plots of a portfolio that does not exist
    wb = openpyxl.load_workbook(files.xlsx)
    assert "no portfolio" in wb["Selection"]["A1"].value


def test_explanation_tables_and_argument_checks(result, tmp_path, monkeypatch):
    monkeypatch.setattr(report, "_png", lambda *a, **k: "<img>")  # about the text: skip drawing the plots
    table = [{"id": pid, "selected": True, "value_if_flipped": 1.5, "reason": f"=because {pid}"}
             for pid in result.selected_ids]
    html_text = report.report_html(result, explanation={"explanations": table})
    assert "Project by project" in html_text and "=because" in html_text
    wb = report.report_workbook(result, explanation=pd.Series({"P5": "-not needed"}))
    assert wb["Explanations"]["B2"].value == "-not needed" and wb["Explanations"]["B2"].data_type == "s"
    assert "<li>first</li>" in report.report_html(result, explanation=["first", "second"])
    with pytest.raises(po.ValidationError, match="give path_html, path_xlsx or both"):
        report.write_report(result)
    with pytest.raises(po.ValidationError, match="needs a PortfolioResult"):
        report.write_report(result.problem, tmp_path / "x.html")


class FakeExplanation:
    """The shape of an explanation object: a per-project table, a text report and the binding limits."""

    def __init__(self, result):
        self.result = result
        self.binding = pd.DataFrame({"constraint": ["the total budget (40)"], "bound": ["max"], "limit": [40.0],
                                     "used": [39.0], "slack": [1.0], "binding": [True], "shadow_price_lp": [2.5]})

    def to_frame(self):
        f = self.result.to_frame()
        return f.assign(reason=["<in> because =reasons"] * len(f), lacks=[("a", "b")] * len(f),
                        value_if_flipped=1.0)

    def report(self):
        return "WHY THIS PORTFOLIO: 3 of 6\n  - @first line <b>\n\nWHAT LIMITS IT"


def test_explanation_object(result, monkeypatch):
    monkeypatch.setattr(report, "_png", lambda *a, **k: "<img>")
    ex = FakeExplanation(result)
    text = report.report_html(result, explanation=ex)
    assert '<div class="explain">WHY THIS PORTFOLIO: 3 of 6\n  - @first line &lt;b&gt;' in text
    assert "<h3>Limits</h3>" in text and "the total budget (40)" in text
    section = text.split("Project by project")[1].split("</table>")[0]
    assert "&lt;in&gt; because =reasons" in section and "lacks" not in section  # the wide table, cut down
    wb = report.report_workbook(result, explanation=ex)
    sheet = wb["Explanations"]
    header = [c.value for c in sheet[1]]
    assert "lacks" in header and "reason" in header  # the workbook keeps every column
    assert sheet.cell(row=2, column=header.index("lacks") + 1).value == "a; b"
    assert "- @first line <b>" in [c.value.strip() if isinstance(c.value, str) else c.value
                                 for c in wb["Summary"]["B"]]


def test_safe_cell_value():
    assert report.safe_cell_value(np.float64("nan")) is None
    assert report.safe_cell_value("a\x00b\x1fc") == "abc"  # characters XML cannot hold are dropped
    assert report.safe_cell_value((1, 2)) == "1; 2"


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)")
def test_html_renders_in_headless_chromium(written, tmp_path):
    from PIL import Image

    shot = tmp_path / "report.png"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars", "--window-size=1200,4000",
           f"--screenshot={shot}", written.html.resolve().as_uri()]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and shot.exists(), p.stderr[-2000:]
    img = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert img.shape[1] == 1200
    # the embedded plots were decoded and painted: the orange (#ff7f0e) of the second category, 'run'
    # (funded: P5 is mandatory), is on the page, and nothing else on it is orange
    orange = (abs(img[..., 0] - 255) < 12) & (abs(img[..., 1] - 127) < 12) & (abs(img[..., 2] - 14) < 12)
    assert orange.sum() > 500
    # and the title is there as text on a white page (not a blank or an error page)
    assert (img < 100).all(axis=2).sum() > 1000
