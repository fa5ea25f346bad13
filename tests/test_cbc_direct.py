"""CBC driven directly from an MPS file written from the arrays (``_pulp._solve_cbc``).

The direct path must agree with HiGHS on random small MIPs and LPs that use every
row kind (<=, >=, ranged, equality, free, empty), finite, infinite and negative
column bounds, fixed columns, columns in no row and a non-zero offset; the MPS
file must read back (with HiGHS) as the model.  Runs with PuLP 3 (bundled CBC
2.10.3, ``-max``) and PuLP 4 (cbcbox CBC master, negated objective); skips where
CBC is missing.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from oracle import feasible, value_of

import portfolio_opt as po
from portfolio_opt._solvers import _pulp as P
from portfolio_opt._solvers import solve
from portfolio_opt._solvers._base import CompiledModel, SolverOptions, Status

INF = math.inf


@pytest.fixture(scope="module")
def cbc() -> str:
    pytest.importorskip("pulp")
    if "cbc" not in P.available_pulp_solvers():
        pytest.skip('CBC is not available to PuLP (pip install "pulp[cbc]")')
    return "cbc"


# --------------------------------------------------------------------------- random models


def random_model(seed: int, *, continuous: bool = False) -> CompiledModel:
    """A feasible, bounded MIP around a random point x0, with every row and column kind.

    Columns: binaries, general integers with negative bounds, integers and
    continuous columns with one or both bounds infinite (each held by a ranged row
    with a bounded partner), fixed columns, one column in no row.  Rows: <=, >=,
    ranged, equality (all satisfied by x0), free rows and an empty row.
    """
    rng = np.random.default_rng(seed)
    n = int(rng.integers(8, 15))
    kinds = rng.choice(["bin", "int", "int_neg", "int_noup", "int_nolo", "cont", "cont_free", "cont_noup",
                        "fixed"], size=n)
    kinds[0], kinds[1] = "bin", "cont"  # a bounded partner of each kind at least
    lo, hi, integ = np.zeros(n), np.ones(n), np.ones(n, np.int8)
    x0 = np.zeros(n)
    for j, kind in enumerate(kinds):
        if kind == "bin":
            x0[j] = rng.integers(0, 2)
        elif kind == "int":
            lo[j], hi[j] = -float(rng.integers(0, 4)), float(rng.integers(1, 6))
        elif kind == "int_neg":
            lo[j], hi[j] = -float(rng.integers(4, 8)), -1.0
        elif kind == "int_noup":
            lo[j], hi[j] = float(rng.integers(-3, 3)), INF
        elif kind == "int_nolo":
            lo[j], hi[j] = -INF, float(rng.integers(-2, 4))
        elif kind == "cont":
            lo[j], hi[j], integ[j] = -round(rng.uniform(0, 3), 2), round(rng.uniform(0.5, 4), 2), 0
        elif kind == "cont_free":
            lo[j], hi[j], integ[j] = -INF, INF, 0
        elif kind == "cont_noup":
            lo[j], hi[j], integ[j] = -1.5, INF, 0
        else:  # fixed
            lo[j] = hi[j] = float(rng.integers(-2, 3))
            integ[j] = int(rng.integers(0, 2))
        if kind not in ("bin",):
            a = lo[j] if math.isfinite(lo[j]) else (hi[j] - 4 if math.isfinite(hi[j]) else -4.0)
            b = hi[j] if math.isfinite(hi[j]) else a + 8
            x0[j] = rng.uniform(a, b)
            if integ[j]:
                x0[j] = np.clip(np.round(x0[j]), np.ceil(a), np.floor(b))
    if continuous:
        integ[:] = 0
    bounded = [j for j in range(n) if math.isfinite(lo[j]) and math.isfinite(hi[j])]

    rows: list[tuple[np.ndarray, float, float]] = []
    # every column missing a bound is held by a ranged row with a bounded partner
    for j in range(n):
        if not (math.isfinite(lo[j]) and math.isfinite(hi[j])):
            a = np.zeros(n)
            a[j] = float(rng.choice([1.0, 2.5, -1.0]))
            a[int(rng.choice(bounded))] += 0.5
            v = float(a @ x0)
            rows.append((a, v - float(rng.uniform(0.5, 3)), v + float(rng.uniform(0.5, 3))))
    for kind in rng.permutation(["le", "ge", "ranged", "eq", "free", "le", "ge", "ranged"]):
        a = np.where(rng.random(n) < 0.5, rng.integers(-5, 10, size=n) * rng.choice([1.0, 0.5, 0.25]), 0.0)
        v = float(a @ x0)
        slack = float(rng.uniform(0, 3))
        rows.append({
            "le": (a, -INF, v + slack), "ge": (a, v - slack, INF), "ranged": (a, v - slack, v + 1.0 + slack),
            "eq": (a, v, v), "free": (a, -INF, INF),
        }[kind])
    rows.append((np.zeros(n), -1.0, 2.0))  # empty row, satisfied by 0
    # one more column in no row (bounded, so that the model stays bounded)
    A = np.vstack([r[0] for r in rows])
    A = np.hstack([A, np.zeros((A.shape[0], 1))])
    lo, hi, integ = np.r_[lo, -2.0], np.r_[hi, 3.0], np.r_[integ, 0 if continuous else 1].astype(np.int8)
    c = np.r_[np.where(rng.random(n) < 0.8, rng.normal(size=n).round(2), 0.0), -1.5]
    # objectives pushing unbounded directions are fine: the ranged rows hold them
    return CompiledModel(
        c=c, A=sp.csr_matrix(A), row_lo=np.array([r[1] for r in rows]), row_hi=np.array([r[2] for r in rows]),
        col_lo=lo, col_hi=hi, integrality=integ, offset=float(rng.normal() * 10),
    )


def assert_feasible(m: CompiledModel, x: np.ndarray, tol: float = 1e-5) -> None:
    scale = max(1.0, float(np.max(np.abs(x), initial=0.0)))
    assert x.shape == (m.n_cols,)
    assert np.all(x >= m.col_lo - tol * scale) and np.all(x <= m.col_hi + tol * scale)
    ints = m.integrality == 1
    assert np.all(x[ints] == np.round(x[ints]))
    act = m.A @ x
    assert np.all(act >= m.row_lo - tol * scale) and np.all(act <= m.row_hi + tol * scale)


def assert_bound(res) -> None:
    # proven optimal; CBC master often stops "within gap tolerance" (its own small
    # tolerances, seen up to 1e-4 absolute with -ratio 0), and then the bound is
    # the one from its log, as it was through PuLP
    assert res.bound >= res.objective - 1e-9
    assert res.bound == pytest.approx(res.objective, rel=1e-4, abs=1e-4)


# --------------------------------------------------------------------------- agreement with HiGHS


@pytest.mark.parametrize("seed", range(40))
def test_random_mip_agrees_with_highs(cbc, seed):
    m = random_model(seed)
    ref = solve(m, SolverOptions(), "highs")
    res = P.solve_pulp(m, SolverOptions(), solver=cbc)
    assert ref.status is Status.OPTIMAL, ref.message
    assert res.status is Status.OPTIMAL, res.message
    assert res.solver == "cbc"
    assert res.objective == pytest.approx(ref.objective, rel=1e-6, abs=1e-5)
    assert res.objective == pytest.approx(float(m.c @ res.x) + m.offset, abs=1e-9)
    assert_bound(res)
    assert_feasible(m, res.x)


@pytest.mark.parametrize("seed", range(15))
def test_lp_relaxation_agrees_with_highs(cbc, seed):
    m = random_model(seed)
    lp = dataclasses.replace(m, integrality=np.zeros(m.n_cols, np.int8))
    ref = solve(m, SolverOptions(), "highs", relax=True)
    assert ref.status is Status.OPTIMAL, ref.message
    res = P.solve_pulp(lp, SolverOptions(), solver=cbc)  # continuous columns only
    assert res.status is Status.OPTIMAL, res.message
    assert res.objective == pytest.approx(ref.objective, rel=1e-6, abs=1e-5)
    assert_bound(res)
    assert_feasible(lp, res.x)
    # the MIP is no better than its relaxation; relax=True with the cbc backend works
    mip = P.solve_pulp(m, SolverOptions(), solver=cbc)
    assert mip.objective <= res.objective + 1e-6
    relaxed = solve(m, SolverOptions(), "cbc", relax=True)
    assert relaxed.status is Status.OPTIMAL
    assert relaxed.objective == pytest.approx(res.objective, rel=1e-6, abs=1e-5)


def test_continuous_model_agrees_with_highs(cbc):
    m = random_model(3, continuous=True)
    ref = solve(m, SolverOptions(), "highs")
    res = P.solve_pulp(m, SolverOptions(), solver=cbc)
    assert ref.status is res.status is Status.OPTIMAL
    assert res.objective == pytest.approx(ref.objective, rel=1e-6, abs=1e-5)


# --------------------------------------------------------------------------- statuses


def _model(c, A, row_lo, row_hi, col_lo, col_hi, integrality, offset=0.0) -> CompiledModel:
    A = sp.csr_matrix(np.asarray(A, dtype=float).reshape(len(row_lo), len(c)))
    return CompiledModel(np.asarray(c, float), A, np.asarray(row_lo, float), np.asarray(row_hi, float),
                         np.asarray(col_lo, float), np.asarray(col_hi, float), np.asarray(integrality, np.int8),
                         float(offset))


@pytest.mark.parametrize(
    "m",
    [
        # LP-infeasible: three binaries cannot sum to 4
        _model([1, 2, 3], [[1, 1, 1]], [4], [INF], [0, 0, 0], [1, 1, 1], [1, 1, 1]),
        # integer-infeasible only: 2x + 2y = 1 has the LP solution x = 0.5
        _model([1, 1], [[2, 2]], [1], [1], [0, 0], [1, 1], [1, 1]),
        # infeasible through a ranged row and a general integer with a negative bound
        _model([1, -1], [[2, 1], [0, 1]], [2.2, 0.5], [2.8, 0.5], [-3, -5], [-1, 5], [1, 0]),
    ],
)
def test_infeasible(cbc, m):
    res = P.solve_pulp(m, SolverOptions(), solver=cbc)
    assert res.status is Status.INFEASIBLE, res.message
    assert res.x is None and res.objective is None and res.bound is None
    assert solve(m, SolverOptions(), "highs").status is Status.INFEASIBLE


def test_time_limit_on_a_hard_instance(cbc):
    # a 0-1 multi-dimensional knapsack CBC cannot prove in a second
    rng = np.random.default_rng(5)
    rows, n = 10, 400
    W = rng.integers(10, 1000, size=(rows, n)).astype(float)
    c = (W.sum(0) / rows + rng.integers(1, 200, size=n)).round()
    m = _model(c, W, np.full(rows, -INF), W.sum(1) / 2, np.zeros(n), np.ones(n), np.ones(n), offset=-7.5)
    res = P.solve_pulp(m, SolverOptions(time_limit=1), solver=cbc)
    assert res.status in (Status.FEASIBLE, Status.NO_SOLUTION), res.message
    assert "Stopped on time" in res.message
    if res.status is Status.FEASIBLE:
        assert_feasible(m, res.x)
        assert res.objective == pytest.approx(float(m.c @ res.x) + m.offset)
        assert res.bound is not None and res.bound >= res.objective
    else:
        assert res.x is None and res.bound is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Optimal - objective value 12.00000000", Status.OPTIMAL),
        ("Optimal (within gap tolerance) - objective value 12.00000000", Status.OPTIMAL),
        ("Stopped on time - objective value 12.00000000", Status.FEASIBLE),
        ("Stopped on iterations - objective value 12.00000000", Status.FEASIBLE),
        ("Stopped on solutions - objective value 12.00000000", Status.FEASIBLE),
        ("Stopped on difficulties - objective value 12.00000000", Status.FEASIBLE),
        ("Stopped on time (no integer solution - continuous used) - objective value -192.95603060",
         Status.NO_SOLUTION),
        ("Stopped on iterations (no integer solution - continuous used) - objective value 3", Status.NO_SOLUTION),
        ("Infeasible - objective value 0.00000000", Status.INFEASIBLE),
        ("Integer infeasible - objective value 0.00000000", Status.INFEASIBLE),
        ("Unbounded - objective value 0.00000000", Status.NO_SOLUTION),
        ("Status unknown - objective value 0", Status.NO_SOLUTION),
        ("", Status.NO_SOLUTION),
    ],
)
def test_solution_file_status_line(line, expected):
    assert P._map_status(*P._cbc_codes(line)) is expected


def test_solution_file_reader(tmp_path):
    path = tmp_path / "x.sol"
    path.write_text(
        "Stopped on time - objective value 4.50000000\n"
        "      0 R000                  3                       0\n"
        "**    1 R002                 -1                      -0\n"
        "      0 C0                    1                     5.5\n"
        "**    1 C1                  2.5                       0\n"
        "      2 C2           0.33333333                       0\n"
    )
    line, x, found = P._read_cbc_solution(str(path), 4)
    assert line.startswith("Stopped on time")
    np.testing.assert_allclose(x[:3], [1.0, 2.5, 0.33333333])
    assert found.tolist() == [True, True, True, False]


# --------------------------------------------------------------------------- the MPS file


def _read_with_highs(path: str):
    highspy = pytest.importorskip("highspy")
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(path) == highspy.HighsStatus.kOk
    return h, highspy


def _as_written(m: CompiledModel, A: sp.csr_matrix):
    """The rows CBC is given: non-empty, non-free rows; a ranged row as PuLP's two (>=, then <=)."""
    lo, hi = m.row_lo, m.row_hi
    keep = (np.diff(A.indptr) > 0) & (np.isfinite(lo) | np.isfinite(hi))
    out_rows, out_lo, out_hi = [], [], []
    for i in np.flatnonzero(keep):
        if np.isfinite(lo[i]) and np.isfinite(hi[i]) and lo[i] != hi[i]:
            out_rows += [i, i]
            out_lo += [lo[i], -INF]
            out_hi += [INF, hi[i]]
        else:
            out_rows.append(i)
            out_lo.append(lo[i])
            out_hi.append(hi[i])
    return A[out_rows], np.array(out_lo), np.array(out_hi)


@pytest.mark.parametrize("negate", [False, True])
@pytest.mark.parametrize("seed", range(8))
def test_mps_reads_back_as_the_model(tmp_path, seed, negate):
    m = random_model(seed)
    # duplicates and an explicit zero in the matrix: summed / dropped by _check
    A = m.A.tocoo()
    dup = sp.coo_matrix((np.r_[A.data, 0.5, -0.5, 0.0], (np.r_[A.row, 0, 0, 1], np.r_[A.col, 0, 0, 2])),
                        shape=A.shape)
    m = dataclasses.replace(m, A=dup.tocsr())
    checked = P._check(m)
    path = str(tmp_path / "m.mps")
    P._write_mps(path, m, checked, negate=negate)
    h, highspy = _read_with_highs(path)
    lp = h.getLp()
    A_w, lo_w, hi_w = _as_written(m, checked)
    assert lp.num_col_ == m.n_cols and lp.num_row_ == A_w.shape[0]
    assert any(np.isfinite(lo_w) & np.isfinite(hi_w) & (lo_w == hi_w))  # equality rows are there
    tol = {"rtol": 1e-12, "atol": 0}  # numbers are written as PuLP writes them: %.12e
    np.testing.assert_allclose(np.asarray(lp.col_cost_), -m.c if negate else m.c, **tol)
    np.testing.assert_allclose(np.asarray(lp.col_lower_), m.col_lo, **tol)
    np.testing.assert_allclose(np.asarray(lp.col_upper_), m.col_hi, **tol)
    np.testing.assert_allclose(np.asarray(lp.row_lower_), lo_w, **tol)
    np.testing.assert_allclose(np.asarray(lp.row_upper_), hi_w, **tol)
    integ = [int(v == highspy.HighsVarType.kInteger) for v in lp.integrality_] or [0] * m.n_cols
    assert integ == m.integrality.tolist()
    a = lp.a_matrix_
    A_read = sp.csc_matrix((np.asarray(a.value_), np.asarray(a.index_), np.asarray(a.start_)),
                           shape=(lp.num_row_, lp.num_col_))
    np.testing.assert_allclose(A_read.toarray(), A_w.toarray(), **tol)
    assert lp.offset_ == 0.0  # the offset is added by the backend, not written


def test_mps_of_a_larger_model_solves_to_the_same_optimum(tmp_path):
    # HiGHS on the written file equals HiGHS on the arrays (with the offset added back)
    rng = np.random.default_rng(11)
    n, rows = 300, 40
    A = sp.random(rows, n, density=0.05, random_state=rng, data_rvs=lambda k: rng.integers(1, 50, k).astype(float))
    A = sp.csr_matrix(A)
    m = CompiledModel(
        c=rng.integers(1, 100, n).astype(float) / 4, A=A, row_lo=np.where(rng.random(rows) < 0.3, 5.0, -INF),
        row_hi=np.asarray(A.sum(1)).ravel() / 3 + 10, col_lo=np.zeros(n), col_hi=np.where(rng.random(n) < 0.8, 1, 3),
        integrality=(rng.random(n) < 0.9).astype(np.int8), offset=123.25,
    )
    path = str(tmp_path / "big.mps")
    P._write_mps(path, m, P._check(m), negate=True)
    h, highspy = _read_with_highs(path)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.run()
    ref = solve(m, SolverOptions(), "highs")
    assert ref.status is Status.OPTIMAL
    assert -h.getInfo().objective_function_value + m.offset == pytest.approx(ref.objective, rel=1e-9)


def test_names_are_zero_padded_and_rows_keep_their_numbers(tmp_path):
    m = _model([1, 0, 2, 0], [[1, 1, 0, 0], [0, 0, 0, 0], [1, -1, 1, 0], [0, 1, 1, 0]],
               [-INF, -1, 1, -2], [3, 1, INF, 2.5], [0, -INF, 2, 0], [1, 4, 2, 5], [1, 0, 1, 0])
    path = tmp_path / "s.mps"
    P._write_mps(str(path), m, P._check(m), negate=False)
    text = path.read_text()
    assert text.startswith("NAME PORTFOLIO FREE\n")
    assert " L R0\n" in text and " G R2\n" in text and "R1" not in text  # the empty row is left out
    assert " G R3\n L U3\n" in text  # a ranged row: PuLP's two rows
    assert " RHS R3 -2.000000000000e+00" in text and " RHS U3 2.500000000000e+00" in text
    assert " MI BND C1\n" in text and " UP BND C1 4.000000000000e+00" in text
    assert " FX BND C2 2.000000000000e+00" in text and " BV BND C0\n" in text
    assert "C1 OBJ" not in text and " C3 OBJ 0.000000000000e+00" in text  # C3 is in no row: a zero entry
    assert " UP BND C3 5.000000000000e+00" in text and "LO BND C3" not in text
    assert text.count("'INTORG'") == 2 and text.endswith("ENDATA\n")


# --------------------------------------------------------------------------- discovery is cached


def test_discovery_is_cached(cbc, monkeypatch):
    pulp = pytest.importorskip("pulp")
    P.available_pulp_solvers()
    calls = []
    real = pulp.listSolvers

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pulp, "listSolvers", counting)
    m = _model([1, 2, 3, 4, 5, 6], [[1] * 6], [-INF], [3], [0] * 6, [1] * 6, [1] * 6)
    for _ in range(3):
        res = P.solve_pulp(m, SolverOptions(), solver=cbc)
        assert res.status is Status.OPTIMAL and res.objective == pytest.approx(15.0)
    P.available_pulp_solvers()
    assert calls == []


@pytest.mark.parametrize("threads, flag", [(None, None), (1, None), (2, "2")])
def test_one_thread_runs_cbc_serial(cbc, monkeypatch, threads, flag):
    """``threads=1`` means CBC's serial code: "-threads 1" switches CBC to its parallel
    code with one thread (3x slower on mknapcb1-1), so no flag is passed below 2."""
    seen: list[list[str]] = []
    real = P._run_cbc
    monkeypatch.setattr(P, "_run_cbc", lambda args, log, deadline=None, limit=None: (seen.append(list(args)),
                                                                                   real(args, log, deadline, limit))[1])
    raw = solve(random_model(3), SolverOptions(threads=threads), "cbc")
    assert raw.status == Status.OPTIMAL and len(seen) >= 1
    args = seen[0]
    if flag is None:
        assert "-threads" not in args
    else:
        assert args[args.index("-threads") + 1] == flag


# --------------------------------------------------------------------------- CBC's own options


def test_cbc_proves_the_sample_portfolio_optimum_under_a_larger_budget(cbc):
    """The sample portfolio with every budget figure x1.05, through the engine (canonical order).

    CBC 2.10.3 (PuLP 3's) with its Gomory cuts off reported 62,963.5 as *optimal* here, 14.3 below the
    optimum, 62,977.8, that HiGHS and CBC with its default cuts prove; with its cuts reduced to knapsack
    covers and cliques it did the same on generated portfolios (not this one). Both settings were faster and
    were rejected for that (benchmarks/README.md, thirteenth session). This fails, with PuLP 3, if Gomory
    cuts are turned off again.
    """
    spec = json.loads((Path(__file__).resolve().parents[1] / "data" / "samples" / "spec.json").read_text())
    spec["budget"] = {k: ([1.05 * b for b in v] if isinstance(v, list) else 1.05 * v) for k, v in spec["budget"].items()}
    answers = {}
    for name in ("highs", cbc):
        out = po.solve_spec({**spec, "solver": {"name": name}})
        assert out["status"] == "optimal", (name, out["solver"])
        assert feasible(spec, out["starts"]), name
        assert value_of(spec, out["starts"]) == pytest.approx(out["objective"], rel=1e-9), name
        answers[name] = out["objective"]
    assert answers[cbc] == pytest.approx(answers["highs"], rel=1e-9)
    assert answers["highs"] == pytest.approx(62977.8, rel=1e-9)
