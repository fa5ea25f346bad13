"""The PuLP backend (CBC and other PuLP solvers) on small hand-built compiled models.

Runs with PuLP 3 (bundled CBC, ``PULP_CBC_CMD``) and PuLP 4 (``pulp[cbc]``,
``COIN_CMD`` + cbcbox); tests needing a solver skip when it is missing.
"""

from __future__ import annotations

import ast
import itertools
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from portfolio_opt._solvers import _pulp as P
from portfolio_opt._solvers._base import CompiledModel, SolverOptions, Status
from portfolio_opt.errors import SolverError

INF = math.inf


# --------------------------------------------------------------------------- helpers


def _pulp_solvers() -> list[str]:
    pytest.importorskip("pulp")
    return P.available_pulp_solvers()


@pytest.fixture(scope="module")
def cbc() -> str:
    if "cbc" not in _pulp_solvers():
        pytest.skip('CBC is not available to PuLP (pip install "pulp[cbc]")')
    return "cbc"


def _solvers_for_param() -> list[str]:
    try:
        import pulp  # noqa: F401
    except ImportError:
        return ["cbc"]
    return P.available_pulp_solvers() or ["cbc"]


def model(c, A, row_lo, row_hi, col_lo, col_hi, integrality, offset=0.0) -> CompiledModel:
    A = sp.csr_matrix(np.asarray(A, dtype=float).reshape(len(row_lo), len(c)))
    return CompiledModel(
        c=np.asarray(c, float), A=A,
        row_lo=np.asarray(row_lo, float), row_hi=np.asarray(row_hi, float),
        col_lo=np.asarray(col_lo, float), col_hi=np.asarray(col_hi, float),
        integrality=np.asarray(integrality, np.int8), offset=float(offset),
    )


def random_knapsack(seed: int) -> CompiledModel:
    """8-12 binary items, 2-3 rows: capacity rows, one ranged row, one equality row."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(8, 13))
    m = int(rng.integers(2, 4))
    c = rng.integers(1, 40, size=n).astype(float)
    rows = []  # (coefficients, lower, upper)
    for i in range(m):
        w = rng.integers(1, 30, size=n).astype(float)
        if i == 0:  # capacity
            rows.append((w, -INF, float(w.sum() // 2)))
        elif i == 1:  # ranged
            rows.append((w, float(w.sum() // 5), float(w.sum() // 2)))
        else:  # equality: pick exactly 2 of a group
            g = (rng.random(n) < 0.5).astype(float)
            g[0] = 1.0
            rows.append((g, 2.0, 2.0))
    A, lo, hi = np.vstack([r[0] for r in rows]), [r[1] for r in rows], [r[2] for r in rows]
    return model(c, A, lo, hi, np.zeros(n), np.ones(n), np.ones(n), offset=float(seed))


def brute_force(m: CompiledModel) -> float | None:
    n = m.n_cols
    X = np.array(list(itertools.product((0.0, 1.0), repeat=n)))
    act = m.A.toarray() @ X.T  # rows x 2^n
    ok = np.all((act >= m.row_lo[:, None] - 1e-9) & (act <= m.row_hi[:, None] + 1e-9), axis=0)
    if not ok.any():
        return None
    return float((X[ok] @ m.c).max() + m.offset)


def assert_feasible(m: CompiledModel, x: np.ndarray, tol: float = 1e-6) -> None:
    assert x.shape == (m.n_cols,)
    assert np.all(x >= m.col_lo - tol) and np.all(x <= m.col_hi + tol)
    ints = m.integrality == 1
    assert np.all(x[ints] == np.round(x[ints]))
    act = m.A @ x
    assert np.all(act >= m.row_lo - tol) and np.all(act <= m.row_hi + tol)


def hard_mkp(seed: int = 1, m: int = 5, n: int = 150) -> CompiledModel:
    rng = np.random.default_rng(seed)
    W = rng.integers(10, 100, size=(m, n)).astype(float)
    c = (rng.integers(10, 100, size=n) + W.sum(0) // 5).astype(float)
    cap = (W.sum(1) // 2).astype(float)
    return model(c, W, np.full(m, -INF), cap, np.zeros(n), np.ones(n), np.ones(n), offset=2.5)


# --------------------------------------------------------------------------- pure functions


@pytest.mark.parametrize(
    ("status", "sol_status", "expected"),
    [
        (1, 1, Status.OPTIMAL),  # proven optimal
        (1, 2, Status.FEASIBLE),  # the trap: "Optimal" status, stopped at a limit with a solution
        (0, 2, Status.FEASIBLE),  # not solved, but an integer-feasible solution came back
        (-3, 2, Status.FEASIBLE),  # undefined, with a solution
        (0, 1, Status.FEASIBLE),  # "optimal solution" without an optimal status: not proven
        (-1, -1, Status.INFEASIBLE),
        (-1, 0, Status.INFEASIBLE),  # CBC "Integer infeasible": no solution status of its own
        (0, 0, Status.NO_SOLUTION),  # stopped at a limit before any solution
        (-3, 0, Status.NO_SOLUTION),  # undefined, nothing usable
        (1, 0, Status.NO_SOLUTION),  # inconsistent pair: nothing claimed without a solution
        (-2, -2, Status.NO_SOLUTION),  # unbounded: no usable solution (as the HiGHS backend)
        (1, None, Status.OPTIMAL),  # PuLP without sol_status
        (-1, None, Status.INFEASIBLE),
        (0, None, Status.NO_SOLUTION),
    ],
)
def test_map_status(status, sol_status, expected):
    assert P._map_status(status, sol_status) is expected


def test_map_status_rejects_unknown_codes():
    with pytest.raises(SolverError):
        P._map_status(1, 7)


@pytest.mark.parametrize(
    ("stop", "has_solution", "expected"),
    [
        (1, True, Status.OPTIMAL),  # Optimal
        (-7, True, Status.OPTIMAL),  # GapLimit: optimal within the requested gap
        (-4, True, Status.FEASIBLE),  # TimeLimit with a solution
        (-4, False, Status.NO_SOLUTION),
        (-6, True, Status.FEASIBLE),  # NodeLimit
        (-11, True, Status.FEASIBLE),  # Stopped
        (-11, False, Status.NO_SOLUTION),
        (-1, False, Status.INFEASIBLE),
        (-2, False, Status.NO_SOLUTION),  # Unbounded
        (0, False, Status.NO_SOLUTION),  # NotSolved
        (-3, True, Status.FEASIBLE),  # Undefined with a solution
        (-12, True, Status.FEASIBLE),  # NumericalError, solution kept
    ],
)
def test_v4_codes_then_map_status(stop, has_solution, expected):
    assert P._map_status(*P._v4_codes(stop, has_solution)) is expected


def test_v4_numerical_error_without_solution_raises():
    with pytest.raises(SolverError):
        P._v4_codes(-12, False)


PULP3_LOG = """Welcome to the CBC MILP Solver
Version: 2.10.3
command line - /x/cbc /tmp/x-pulp.mps -max -sec 1 -solve -solution /tmp/x-pulp.sol (default strategy 1)
Continuous objective value is 10134.1 - 0.00 seconds
Cbc0005I Partial search - best objective -10111 (best possible -10131.937), took 121029 iterations
Cbc0005I Partial search - best objective -10111 (best possible -10133.708), took 121336 iterations

Result - Stopped on time limit

Objective value:                10111.00000000
Upper bound:                    10133.708
Gap:                            -0.00
"""

PULP4_LOG = """Version: Devel (unstable)
command line - /tmp/x-pulp.mps -sec 1.0 -solve -solution /tmp/x-pulp.sol (default strategy 1)
Continuous objective value is -9934.1 - 0.00096 seconds
Cbc0005I Partial search - best objective -9905 (best possible 1.7056874e+08), took 64 iterations
Cbc0005I Partial search - best objective -9905 (best possible -9920.1764), took 355 iterations
Result - Stopped on time limit
Objective value:                -9905
Lower bound:                    -9920.18
Gap:                            0.00152985
"""


def test_cbc_log_parser():
    # PuLP 3 runs CBC with -max: summary in the max sense, Cbc0005I lines negated
    assert P._cbc_bound_from_log(PULP3_LOG) == pytest.approx(10133.708 + 0.0005, abs=1e-9)
    # PuLP 4 hands CBC the negated objective: "Lower bound" of the minimisation
    assert P._cbc_bound_from_log(PULP4_LOG) == pytest.approx(9920.1764 + 0.00005, abs=1e-9)
    # a sub-search's partial line disagreeing with the summary is not used
    odd = PULP4_LOG.replace("-9920.1764", "-9918.5734")
    assert P._cbc_bound_from_log(odd) == pytest.approx(9920.18 + 0.005, abs=1e-9)
    assert P._cbc_bound_from_log("Result - Optimal solution found\nObjective value: 3\n") is None
    assert P._cbc_bound_from_log("Lower bound: 1e+50\n") is None
    assert P._cbc_version(PULP3_LOG) == "2.10.3"
    assert P._cbc_version(PULP4_LOG) is None
    # the continuous relaxation, in the sense CBC solved (-max or not)
    assert P._cbc_root_bound(PULP3_LOG) == pytest.approx(10134.15)
    assert P._cbc_root_bound(PULP4_LOG) == pytest.approx(9934.15)


# CBC master (cbcbox) stopped inside the root cut loop: the bound it reports is garbage
GARBAGE_LOG = """Version: Devel (unstable)
command line - /tmp/x-pulp.mps -sec 0.3 -solve (default strategy 1)
Continuous objective value is -131.209 - 0.000528 seconds
Cbc0013I At root node, 19 cuts changed objective from -131.20942 to 5.164209e+09 in 14 passes
Cbc0005I Partial search - best objective -101 (best possible 5.164209e+09), took 172 iterations and 0 nodes
Result - Stopped on time limit
Objective value:                -101
Lower bound:                    5.16421e+09
"""


def test_cbc_bound_is_checked():
    bound, note = P._cbc_bound(PULP4_LOG, 9905.0)
    assert bound == pytest.approx(9920.17645) and note == ""
    # below its own solution: replaced by the continuous relaxation (a valid bound)
    bound, note = P._cbc_bound(GARBAGE_LOG, 101.0)
    assert bound == pytest.approx(131.2095) and "not used" in note
    # weaker than the relaxation: the relaxation
    looser = PULP4_LOG.replace("-9920.18", "-9950.5").replace("-9920.1764", "-9950.5")
    assert P._cbc_bound(looser, 9905.0)[0] == pytest.approx(9934.15)
    # nothing usable at all
    assert P._cbc_bound("Result - Stopped on time limit\n", 5.0) == (None, "")


# --------------------------------------------------------------------------- module surface


def test_pulp_is_imported_lazily():
    # no module-level import of pulp (or cbcbox): only inside the functions
    tree = ast.parse(Path(P.__file__).read_text(encoding="utf-8"))
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    names = {a.name.split(".")[0] for n in top for a in n.names} | {
        (n.module or "").split(".")[0] for n in top if isinstance(n, ast.ImportFrom)
    }
    assert not names & {"pulp", "cbcbox", "highspy"}


def test_available_and_version():
    names = _pulp_solvers()
    assert all(n == n.lower() for n in names)
    assert len(set(names)) == len(names)
    assert "highs" not in names  # PuLP's HiGHS is listed as highs_pulp
    assert P.pulp_version()[0].isdigit()


def test_unknown_solver_lists_available():
    _pulp_solvers()
    with pytest.raises(SolverError, match="available"):
        P.solve_pulp(random_knapsack(0), SolverOptions(), solver="no_such_solver")


def test_unavailable_solver_lists_available():
    pulp = pytest.importorskip("pulp")
    missing = [s for s in pulp.listSolvers() if s not in pulp.listSolvers(onlyAvailable=True)]
    if not missing:
        pytest.skip("every PuLP solver is installed")
    with pytest.raises(SolverError, match="not available"):
        P.solve_pulp(random_knapsack(0), SolverOptions(), solver=missing[0])


# --------------------------------------------------------------------------- solving


@pytest.mark.parametrize("seed", range(6))
def test_knapsack_matches_brute_force(cbc, seed):
    m = random_knapsack(seed)
    best = brute_force(m)
    res = P.solve_pulp(m, SolverOptions(), solver=cbc)
    assert res.solver == "cbc" and res.version and res.seconds >= 0
    if best is None:
        assert res.status is Status.INFEASIBLE and res.x is None
        return
    assert res.status is Status.OPTIMAL, res.message
    assert res.objective == pytest.approx(best, abs=1e-6)
    assert res.objective == pytest.approx(float(m.c @ res.x + m.offset))
    assert res.bound == pytest.approx(res.objective, abs=1e-6)
    assert_feasible(m, res.x)


@pytest.mark.parametrize("name", [s for s in _solvers_for_param() if s != "cbc"] or ["none"])
def test_other_pulp_solvers_on_knapsack(name, capfd):
    if name == "none":
        pytest.skip("no PuLP solver besides CBC is installed")
    res = P.solve_pulp(random_knapsack(1), SolverOptions(msg=True), solver=name)
    assert res.status.has_solution and res.solver.startswith(name.removesuffix("_pulp"))
    assert capfd.readouterr().out == ""  # the solver's log went to stderr
    for seed in range(3):
        m = random_knapsack(seed)
        best = brute_force(m)
        res = P.solve_pulp(m, SolverOptions(), solver=name)
        if best is None:
            assert res.status is Status.INFEASIBLE
            continue
        assert res.status is Status.OPTIMAL, res.message
        assert res.objective == pytest.approx(best, abs=1e-6)
        assert res.bound is not None and res.bound >= res.objective - 1e-6
        assert_feasible(m, res.x)


def test_mixed_integer_continuous_matches_scipy(cbc):
    milp = pytest.importorskip("scipy.optimize").milp
    from scipy.optimize import Bounds, LinearConstraint

    rng = np.random.default_rng(7)
    n, mrows = 10, 4
    c = rng.normal(size=n).round(2)
    A = rng.integers(-5, 10, size=(mrows, n)).astype(float)
    lo = np.array([-INF, 2.0, -INF, 3.0])
    hi = np.array([20.0, 15.0, INF, 3.0])  # <=, ranged, free (skipped), ==
    A[3] = np.r_[np.ones(5), np.zeros(5)]
    col_lo = np.r_[np.zeros(4), -2 * np.ones(3), np.zeros(3)]
    col_hi = np.r_[np.ones(4), 3 * np.ones(3), 2.5 * np.ones(3)]
    integ = np.r_[np.ones(7), np.zeros(3)]  # binaries, general integers, continuous
    m = model(c, A, lo, hi, col_lo, col_hi, integ, offset=-1.25)
    ref = milp(-c, constraints=LinearConstraint(A, lo, hi), integrality=integ, bounds=Bounds(col_lo, col_hi))
    assert ref.success
    res = P.solve_pulp(m, SolverOptions(), solver=cbc)
    assert res.status is Status.OPTIMAL
    assert res.objective == pytest.approx(-ref.fun - 1.25, abs=1e-6)
    assert_feasible(m, res.x)


def test_infeasible(cbc):
    m = model([1, 2, 3], [[1, 1, 1]], [4], [INF], [0, 0, 0], [1, 1, 1], [1, 1, 1])
    res = P.solve_pulp(m, SolverOptions(), solver=cbc)
    assert res.status is Status.INFEASIBLE
    assert res.x is None and res.objective is None and res.bound is None


def test_time_limit_reports_consistent_status(cbc):
    m = hard_mkp()
    res = P.solve_pulp(m, SolverOptions(time_limit=1), solver=cbc)
    assert res.status in (Status.OPTIMAL, Status.FEASIBLE), res.message
    assert_feasible(m, res.x)
    assert res.objective == pytest.approx(float(m.c @ res.x + m.offset))
    if res.status is Status.FEASIBLE:
        assert res.bound is None or res.bound >= res.objective
    else:
        assert res.bound == pytest.approx(res.objective)
    assert res.seconds < 30


def test_limit_before_any_solution(cbc):
    # a market-split instance: equality rows that CBC's heuristics rarely satisfy
    rng = np.random.default_rng(1)
    W = rng.integers(0, 100, size=(6, 50)).astype(float)
    b = W.sum(1) // 2
    m = model(rng.integers(1, 10, size=50), W, b, b, np.zeros(50), np.ones(50), np.ones(50))
    res = P.solve_pulp(m, SolverOptions(time_limit=0.5), solver=cbc)
    if res.status is Status.NO_SOLUTION:
        assert res.x is None and res.objective is None and res.bound is None
    elif res.status.has_solution:  # a faster machine may get lucky
        assert_feasible(m, res.x)
        assert res.bound is None or res.bound >= res.objective


@pytest.mark.parametrize("seed", [1, 2])
def test_bounds_never_cut_off_a_known_solution(cbc, seed):
    # market split with a planted solution: short runs stop at CBC's root
    rng = np.random.default_rng(seed)
    W = rng.integers(0, 100, size=(6, 40)).astype(float)
    c = rng.integers(1, 10, size=40).astype(float)
    planted = (rng.random(40) < 0.5).astype(float)
    b = W @ planted
    m = model(c, W, b, b, np.zeros(40), np.ones(40), np.ones(40))
    for limit in (0.2, 0.35):
        res = P.solve_pulp(m, SolverOptions(time_limit=limit), solver=cbc)
        if res.bound is not None:
            assert res.bound >= c @ planted - 1e-6, res.message
        if res.status.has_solution:
            assert_feasible(m, res.x)


def test_gap_stop_reports_cbc_bound(cbc):
    m = hard_mkp()
    res = P.solve_pulp(m, SolverOptions(mip_gap=0.01, time_limit=5), solver=cbc)
    assert res.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert res.bound is not None and res.bound >= res.objective
    assert res.gap <= 0.01 + 1e-6 or res.status is Status.FEASIBLE


def test_msg_goes_to_stderr_only(cbc, capfd):
    res = P.solve_pulp(random_knapsack(1), SolverOptions(msg=True), solver=cbc)
    assert res.status.has_solution
    out, err = capfd.readouterr()
    assert out == ""
    assert "Result" in err or "Optimal" in err  # CBC's log, copied to stderr


def test_cbc_gets_only_options_it_knows(cbc, capfd):
    P.solve_pulp(random_knapsack(5), SolverOptions(msg=True), solver=cbc)
    err = capfd.readouterr().err
    assert "No match for" not in err  # CBC 2.10 has no Orbit parameter: not passed
    if any(P._cbc_knows_orbit.values()):  # CBC master (cbcbox): Nauty kept cheap
        assert "-Orbit lightweight" in err


def test_quiet_by_default(cbc, capfd):
    P.solve_pulp(random_knapsack(2), SolverOptions(), solver=cbc)
    out, err = capfd.readouterr()
    assert out == "" and "Cbc0" not in err


def test_warm_start_is_validated_but_not_given_to_cbc(cbc, capfd):
    # CBC 2.10 was seen returning a warm start as "optimal" when a better solution existed
    m = random_knapsack(3)
    first = P.solve_pulp(m, SolverOptions(), solver=cbc)
    assert first.status is Status.OPTIMAL
    capfd.readouterr()
    again = P.solve_pulp(m, SolverOptions(warm_start=first.x, msg=True), solver=cbc)
    out, err = capfd.readouterr()
    assert out == ""
    assert "MIPStart" not in err  # CBC never reads a start
    assert again.status is Status.OPTIMAL
    assert again.objective == pytest.approx(first.objective)
    with pytest.raises(SolverError, match="warm_start"):
        P.solve_pulp(m, SolverOptions(warm_start=np.zeros(m.n_cols + 1)), solver=cbc)


def test_zero_columns(cbc):
    empty = sp.csr_matrix((2, 0))
    ok = CompiledModel(np.zeros(0), empty, np.array([-1.0, 0.0]), np.array([0.0, INF]),
                       np.zeros(0), np.zeros(0), np.zeros(0, np.int8), offset=4.0)
    res = P.solve_pulp(ok, SolverOptions(), solver=cbc)
    assert res.status is Status.OPTIMAL and res.x.shape == (0,) and res.objective == 4.0 == res.bound
    bad = CompiledModel(np.zeros(0), empty, np.array([1.0, 0.0]), np.array([2.0, 0.0]),
                        np.zeros(0), np.zeros(0), np.zeros(0, np.int8))
    assert P.solve_pulp(bad, SolverOptions(), solver=cbc).status is Status.INFEASIBLE
    nothing = CompiledModel(np.zeros(0), sp.csr_matrix((0, 0)), np.zeros(0), np.zeros(0),
                            np.zeros(0), np.zeros(0), np.zeros(0, np.int8))
    assert P.solve_pulp(nothing, SolverOptions(), solver=cbc).status is Status.OPTIMAL


def test_zero_rows_and_untouched_columns(cbc):
    # no rows: each column goes to the bound its objective prefers; x3 appears nowhere
    c = [1.0, -2.0, 3.0, 0.0]
    m = CompiledModel(np.array(c), sp.csr_matrix((0, 4)), np.zeros(0), np.zeros(0),
                      np.array([0.0, -1.0, 0.0, 2.0]), np.array([3.0, 4.0, 2.5, 5.0]),
                      np.array([1, 1, 0, 1], np.int8), offset=1.0)
    res = P.solve_pulp(m, SolverOptions(), solver=cbc)
    assert res.status is Status.OPTIMAL
    np.testing.assert_allclose(res.x[:3], [3.0, -1.0, 2.5])
    assert 2.0 <= res.x[3] <= 5.0 and res.x[3] == round(res.x[3])
    assert res.objective == pytest.approx(3 + 2 + 7.5 + 1)


def test_empty_and_free_rows_are_skipped(cbc):
    A = [[0, 0], [1, 1], [1, -1]]
    m = model([1, 1], A, [-1, -INF, -INF], [1, 1.5, INF], [0, 0], [1, 1], [1, 1])
    res = P.solve_pulp(m, SolverOptions(), solver=cbc)
    assert res.status is Status.OPTIMAL and res.objective == pytest.approx(1.0)


def test_solver_crash_becomes_solver_error(cbc, monkeypatch):
    make = P._make_solver

    def broken(pulp, name, kwargs):
        solver = make(pulp, name, kwargs)
        solver.path = "/nonexistent/cbc"
        return solver

    monkeypatch.setattr(P, "_make_solver", broken)
    with pytest.raises(SolverError, match="cbc"):
        P.solve_pulp(random_knapsack(0), SolverOptions(), solver=cbc)


def test_options_threads_and_names(cbc):
    m = random_knapsack(4)
    best = brute_force(m)
    for name in ("CBC", "cbc"):
        res = P.solve_pulp(m, SolverOptions(threads=2, time_limit=30), solver=name)
        assert res.solver == "cbc"
        if best is not None:
            assert res.objective == pytest.approx(best)


def test_bad_model_arrays_raise_solver_error(cbc):
    good = random_knapsack(0)
    bad_c = CompiledModel(np.r_[np.nan, good.c[1:]], good.A, good.row_lo, good.row_hi,
                          good.col_lo, good.col_hi, good.integrality)
    with pytest.raises(SolverError, match="NaN"):
        P.solve_pulp(bad_c, SolverOptions(), solver=cbc)
    bad_shape = CompiledModel(good.c, good.A, good.row_lo[:-1], good.row_hi, good.col_lo,
                              good.col_hi, good.integrality)
    with pytest.raises(SolverError, match="row_lo"):
        P.solve_pulp(bad_shape, SolverOptions(), solver=cbc)


# --------------------------------------------------------------------------- PuLP's own names, end to end


def test_every_solver_pulp_lists_as_available_is_accepted_by_select_and_the_engine():
    """The contract: "any solver that PuLP can drive where it is installed". ``select`` refused PuLP's own
    names of its solvers (``"PULP_CBC_CMD"``, which ``pulp.listSolvers(onlyAvailable=True)`` prints) as "not
    available here", though the solver layer ran them; each is now accepted, under the name
    ``available_backends`` lists it by, and gives the brute-force optimum of a small request."""
    pulp = pytest.importorskip("pulp")
    import warnings

    import portfolio_opt as po
    from portfolio_opt._solvers import available_backends

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        listed = pulp.listSolvers(onlyAvailable=True)
    if not listed:
        pytest.skip("PuLP has no solver here")
    spec = {"version": 1, "budget": 10, "projects": [
        {"id": "A", "cost": 6, "value": 9}, {"id": "B", "cost": 5, "value": 6}, {"id": "C", "cost": 4, "value": 5},
        {"id": "D", "cost": 3, "value": 3, "requires": ["C"]}]}
    best = max((sum(p["value"] for p in s), sorted(p["id"] for p in s))
               for k in range(5) for s in itertools.combinations(spec["projects"], k)
               if sum(p["cost"] for p in s) <= 10 and all(q in {p["id"] for p in s}
                                                          for p in s for q in p.get("requires", [])))
    assert best == (14, ["A", "C"])
    avail = available_backends()
    for name in [*listed, *(n.lower() for n in listed)]:
        resp = po.solve_spec({**spec, "solver": {"name": name}})
        assert resp["status"] == "optimal" and resp["objective"] == 14 and resp["selected"] == ["A", "C"], name
        r = po.select(po.problem_from_spec(spec), solver=name)
        assert r.solver.options["name"] in avail and r.selected_ids == ["A", "C"], name
    with pytest.raises(po.ValidationError, match="not available here.*available: "):
        po.select(po.problem_from_spec(spec), solver="no_such_solver")
    unlisted = [s for s in pulp.listSolvers() if s not in listed]
    if unlisted:  # known to PuLP, not installed: refused, naming what is
        with pytest.raises(po.ValidationError, match=f"solver '{unlisted[0]}' is not available here"):
            po.solve_spec({**spec, "solver": {"name": unlisted[0]}})
