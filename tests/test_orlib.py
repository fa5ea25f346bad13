"""The 7 OR-Library ``mknap1`` optima (Petersen 1967) reproduced by ``po.select`` on both backends.

A 0-1 multidimensional knapsack is a one-period portfolio: here the first
constraint is the cost under a total budget b(1) and every other constraint is
a resource ``c2`` … ``cm`` with capacity b(i) (``benchmarks/instances.py``).
The optimum in each instance header is the published one; see
``../shared/data/orlib/README.md`` (source: J.E. Beasley, OR-Library, J. Oper.
Res. Soc. 41 (1990); C.C. Petersen, Management Science 13(9) (1967)).  The
tests skip cleanly when ``shared/`` is not beside the repository (set
``PORTFOLIO_OPT_ORLIB`` to point elsewhere).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import portfolio_opt as po

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import instances as bench_instances  # noqa: E402

ORLIB = bench_instances.orlib_dir()
pytestmark = pytest.mark.skipif(ORLIB is None, reason="OR-Library files (../shared/data/orlib) not found")
BACKENDS = [b for b in ("highs", "cbc") if b in po.available_solvers()]
EXPECTED = {  # mknap1.txt instance headers: n, m, optimum
    1: (6, 10, 3800), 2: (10, 10, 8706.1), 3: (15, 10, 4015), 4: (20, 10, 6120),
    5: (28, 10, 12400), 6: (39, 5, 10618), 7: (50, 5, 16537),
}


def _chosen(mkp, result) -> np.ndarray:
    """The items a result selected, as the file's 0/1 vector (``MKP.instance`` names item j ``I<j+1>``)."""
    return np.isin([f"I{j + 1:03d}" for j in range(mkp.n)], result.selected_ids).astype(float)


@pytest.fixture(scope="module")
def mknap1():
    return bench_instances.read_mknap(ORLIB / "mknap1.txt")


def test_parser_reads_all_seven_with_their_optima(mknap1):
    assert [(p.n, p.m, p.optimum) for p in mknap1] == [EXPECTED[k] for k in range(1, 8)]
    assert mknap1[1].profits[0] == pytest.approx(600.1)  # the one instance with decimal profits
    bk = bench_instances.best_known()
    assert all(bk[f"mknap1-{k}"] == (pytest.approx(EXPECTED[k][2]), True) for k in EXPECTED)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("k", sorted(EXPECTED))
def test_mknap1_optimum_reproduced(mknap1, backend, k):
    mkp = mknap1[k - 1]
    problem = mkp.instance().problem()
    assert len(problem.constraints) == mkp.m  # one budget + m-1 capacities, nothing else
    r = po.select(problem, solver=backend, time_limit=120)
    assert r.status == po.Status.OPTIMAL
    assert r.objective == pytest.approx(mkp.optimum, abs=1e-6)
    # certificate in plain arithmetic against the file's own data, not the library's
    x = _chosen(mkp, r)
    assert np.all(mkp.weights @ x <= mkp.capacities + 1e-9)
    assert float(mkp.profits @ x) == pytest.approx(mkp.optimum, abs=1e-6)


def test_mknapcb_first_instances_parse_with_best_known():
    bk = bench_instances.best_known()
    for stem, (n, m) in {"mknapcb1": (100, 5), "mknapcb4": (100, 10), "mknapcb7": (100, 30)}.items():
        probs = bench_instances.read_mknap(ORLIB / f"{stem}.txt")
        assert len(probs) == 30
        first = probs[0]
        assert (first.n, first.m, first.optimum) == (n, m, None)
        value, _ = bk[f"{stem}-1"]
        assert value > 0
        inst = first.instance(best_known=value)
        assert inst.best_known == value and inst.known_optimum is None


@pytest.fixture(scope="module")
def mknap2():
    return bench_instances.read_mknap2(ORLIB / "mknap2.txt")


def test_mknap2_parser_reads_all_48_as_best_known_csv_records_them(mknap2):
    # best_known.csv was written from the file by other hands: sizes and optima must agree with it
    import csv

    with open(ORLIB / "best_known.csv", newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["file"] == "mknap2.txt"]
    assert len(mknap2) == len(rows) == 48
    for p, row in zip(mknap2, rows):
        assert p.name == f"mknap2-{int(row['instance'])}"
        assert (p.n, p.m, p.optimum) == (int(row["n"]), int(row["m"]), float(row["best_known"])), row["name"]
    weing1 = mknap2[2]  # the file header's worked example is WEING1: its numbers, not a 49th problem
    assert weing1.profits[:3].tolist() == [1898, 440, 22507] and weing1.capacities.tolist() == [600, 600]
    assert weing1.weights[1, -1] == 150 and weing1.optimum == 141278


@pytest.mark.parametrize("backend", ["auto", *BACKENDS])
def test_mknap2_optima_reproduced(mknap2, backend):
    # 48 problems from the literature (Senju & Toyoda, Weingartner & Ness, Shih, Freville & Plateau), each
    # with its known optimum in the file: 2-30 constraints over 20-105 items
    wrong = []
    for mkp in mknap2:
        r = po.select(mkp.instance().problem(), solver=backend, time_limit=120)
        x = _chosen(mkp, r)
        feasible = bool(np.all(mkp.weights @ x <= mkp.capacities + 1e-9))
        if r.status != po.Status.OPTIMAL or not feasible or float(mkp.profits @ x) != pytest.approx(mkp.optimum):
            wrong.append((mkp.name, r.status.value, feasible, float(mkp.profits @ x), mkp.optimum))
    assert not wrong
