"""Reduced-cost fixing (``_solvers._fixing``): large 0-1 models solved as small ones, same proven optimum.

Checked against brute force on random 0-1 models with knapsack, requires,
excludes, at-least rows and mandatory columns (the thresholds lowered so that
small models take the fixing path): the optimum, the feasibility of every
returned portfolio, the validity of the Lagrangian bound for arbitrary
multipliers, and of the bound reported when a round is cut short; end to end,
``select`` with fixing against the whole model on generated single-budget
portfolios of a few thousand candidates; and the fall-backs (weak LP bound,
not 0-1, no portfolio to fix from).
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings

import portfolio_opt as po
from oracle import assert_brute_force_optimum
from strategies import small_requests
from portfolio_opt._solvers import (CompiledModel, RawSolution, SolverOptions, Status, _fixing, available_backends,
                                    no_fixing, solve)

pytestmark = pytest.mark.skipif("highs" not in available_backends(), reason="needs HiGHS")


def random_model(rng: np.random.Generator, n: int = 11) -> CompiledModel:
    """max c.x over 0-1 x: one or two knapsack rows, requires, excludes, an at-least row, mandatory columns."""
    rows, lo, hi = [], [], []
    for _ in range(int(rng.integers(1, 3))):
        w = rng.integers(1, 20, n).astype(float)
        rows.append(w)
        lo.append(-np.inf)
        hi.append(float(np.floor(w.sum() * rng.uniform(0.3, 0.6))))
    for _ in range(int(rng.integers(0, 3))):  # requires: x_i <= x_j
        i, j = rng.choice(n, 2, replace=False)
        row = np.zeros(n)
        row[i], row[j] = 1.0, -1.0
        rows.append(row)
        lo.append(-np.inf)
        hi.append(0.0)
    for _ in range(int(rng.integers(0, 3))):  # excludes: x_i + x_j <= 1
        i, j = rng.choice(n, 2, replace=False)
        row = np.zeros(n)
        row[i] = row[j] = 1.0
        rows.append(row)
        lo.append(-np.inf)
        hi.append(1.0)
    if rng.random() < 0.5:  # at least two of a category
        row = np.zeros(n)
        row[rng.choice(n, 4, replace=False)] = 1.0
        rows.append(row)
        lo.append(2.0)
        hi.append(np.inf)
    col_lo = np.zeros(n)
    if rng.random() < 0.4:
        col_lo[rng.integers(n)] = 1.0
    return CompiledModel(c=rng.integers(1, 30, n).astype(float), A=sp.csr_matrix(np.array(rows)),
                         row_lo=np.array(lo), row_hi=np.array(hi), col_lo=col_lo, col_hi=np.ones(n),
                         integrality=np.ones(n, dtype=np.int32))


def all_feasible(model: CompiledModel) -> tuple[np.ndarray, np.ndarray]:
    """Every feasible 0-1 vector of ``model`` (rows of the first array) and its value."""
    X = np.array(list(itertools.product((0.0, 1.0), repeat=model.n_cols)))
    X = X[np.all(X >= model.col_lo, axis=1)]
    act = (model.A @ X.T).T
    ok = np.all(act <= model.row_hi + 1e-9, axis=1) & np.all(act >= model.row_lo - 1e-9, axis=1)
    X = X[ok]
    return X, X @ model.c + model.offset


def _enumeration(monkeypatch, on: bool) -> None:
    """The Lagrangian enumeration on models of any size (``on``), or on none, whatever the backend."""
    for name in ("ENUM_COLUMNS", "ENUM_HIGHS_COLUMNS"):
        monkeypatch.setattr(_fixing, name, 1 if on else 10**9)


@pytest.fixture
def small_thresholds(monkeypatch):
    """Fixing on models of any size, with a core of 3 columns: the small models here take every path.

    No Lagrangian enumeration (it would prove most of them before any round): ``small_path`` turns it on.
    """
    _enumeration(monkeypatch, on=False)
    monkeypatch.setattr(_fixing, "FIX_COLUMNS", 1)
    monkeypatch.setattr(_fixing, "CORE_MIN", 3)
    monkeypatch.setattr(_fixing, "CORE_SHARE", 0.0)
    monkeypatch.setattr(_fixing, "MAX_FREE_SHARE", 1.0)


def test_lagrangian_bound_holds_for_any_multipliers():
    rng = np.random.default_rng(7)
    for _ in range(40):
        m = random_model(rng)
        X, vals = all_feasible(m)
        if not len(X):
            continue
        y = rng.normal(0, 2, m.n_rows)  # arbitrary, wrong signs included: the bound clips them
        U, r, _ = _fixing.lagrangian(m, y)
        assert np.all(vals <= U + 1e-9)
        p = np.where(r > 0, 1.0, 0.0)
        # a portfolio that breaks p_j is worth at most U - |r_j|, for each such j
        broken = np.where(X != p, np.abs(r), 0.0).max(axis=1)
        assert np.all(vals <= U - broken + 1e-9)


def test_fixing_finds_the_brute_force_optimum(small_thresholds):
    rng = np.random.default_rng(11)
    took_core = took_exact = 0
    for _ in range(60):
        m = random_model(rng)
        X, vals = all_feasible(m)
        out = _fixing.solve_fixed(m, SolverOptions(), lambda mm, o: solve(mm, o, "highs"))
        if out.raw is None:  # solved whole by the caller: no portfolio to fix from (or infeasible)
            assert "portfolio" in out.note or "LP" in out.note
            continue
        raw = out.raw
        assert len(X), "a portfolio for an infeasible model"
        assert raw.status == Status.OPTIMAL
        assert raw.objective == pytest.approx(vals.max(), abs=1e-9)
        assert _fixing.feasible(m, raw.x) and float(m.c @ raw.x) == pytest.approx(raw.objective)
        assert raw.bound >= vals.max() - 1e-9 and raw.bound == pytest.approx(vals.max(), abs=1e-6)
        took_core += "core round" in raw.message
        took_exact += "exact round" in raw.message
    assert took_core >= 5 and took_exact >= 5, (took_core, took_exact)


def test_a_round_cut_short_reports_a_valid_bound(small_thresholds):
    """The solver stops without a portfolio (a time limit): the greedy's portfolio, with a bound on the optimum."""
    rng = np.random.default_rng(3)
    seen = 0
    feasible_seen = False
    for _ in range(40):
        m = random_model(rng)
        X, vals = all_feasible(m)

        def stopped(mm: CompiledModel, o: SolverOptions) -> RawSolution:
            return RawSolution(Status.NO_SOLUTION, None, None, None, "fake", "0", 0.0, "time limit")

        out = _fixing.solve_fixed(m, SolverOptions(), stopped)
        if out.raw is None:
            continue
        seen += 1
        raw = out.raw
        assert _fixing.feasible(m, raw.x)
        assert raw.objective <= vals.max() + 1e-9 <= raw.bound + 2e-9
        if raw.status == Status.OPTIMAL:  # the greedy's portfolio reached the LP bound
            assert raw.objective == pytest.approx(vals.max()) and raw.bound == pytest.approx(raw.objective)
        else:
            assert raw.status == Status.FEASIBLE
            feasible_seen = True
    assert seen >= 10 and feasible_seen


def test_an_infeasible_core_moves_on_to_the_exact_round(small_thresholds):
    rng = np.random.default_rng(5)
    seen = 0
    for _ in range(40):
        m = random_model(rng)
        X, vals = all_feasible(m)
        calls = []

        def core_infeasible(mm: CompiledModel, o: SolverOptions) -> RawSolution:
            calls.append(mm.n_cols)
            if len(calls) == 1 and mm.n_cols == 3:
                return RawSolution(Status.INFEASIBLE, None, None, None, "fake", "0", 0.0, "")
            return solve(mm, o, "highs")

        out = _fixing.solve_fixed(m, SolverOptions(), core_infeasible)
        if out.raw is None or not calls or calls[0] != 3:
            continue
        seen += 1
        assert out.raw.status == Status.OPTIMAL and out.raw.objective == pytest.approx(vals.max())
        assert _fixing.feasible(m, out.raw.x)
    assert seen >= 5


@pytest.fixture(params=["rounds", "enumeration"])
def small_path(request, small_thresholds, monkeypatch):
    """The rounds, or the Lagrangian enumeration (``_enum``) first, on models of any size."""
    if request.param == "enumeration":
        _enumeration(monkeypatch, on=True)
    return request.param


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(spec=small_requests(min_periods=1, resources=True))
def test_select_through_fixing_matches_brute_force(small_path, spec):
    r = po.select(po.problem_from_spec(spec))
    assert_brute_force_optimum(spec, r)


def single_budget_portfolio(n: int, seed: int) -> po.Problem:
    """``n`` candidates, one budget at 30 % of their cost, some requires and excludes pairs."""
    rng = np.random.default_rng(seed)
    cost = rng.integers(50, 1_000, n).astype(float)
    df = pd.DataFrame({"id": [f"P{k:05d}" for k in range(n)], "cost": cost,
                       "value": np.round(cost * rng.uniform(0.5, 2.0, n), 2)})
    pairs = rng.choice(n, (n // 20, 2), replace=False)
    constraints = [po.Requires(f"P{a:05d}", f"P{b:05d}") for a, b in pairs[: len(pairs) // 2]]
    constraints += [po.Excludes(f"P{a:05d}", f"P{b:05d}") for a, b in pairs[len(pairs) // 2:]]
    return po.Problem.from_frame(df, budget=float(cost.sum() * 0.3), constraints=constraints)


@pytest.mark.parametrize("path", ["enumeration", "rounds"])
@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_large_single_budget_portfolio_matches_the_whole_model(solver, path, monkeypatch):
    if solver not in available_backends():
        pytest.skip(f"{solver} not installed")
    if path == "rounds":  # no enumeration, on the whole model or on the rounds' cores
        _enumeration(monkeypatch, on=False)
    problem = single_budget_portfolio(3_000, seed=4)
    r = po.select(problem, solver=solver, time_limit=120)
    if path == "rounds":
        assert "reduced-cost fixing" in r.solver.message and "columns fixed" in r.solver.message
    elif solver == "highs":
        assert r.solver.message.startswith("Lagrangian enumeration") and r.solver.name == "highs"
    else:  # a named CBC solves what the enumeration's proof leaves open, and the answer is its own
        assert "columns the Lagrangian enumeration left open" in r.solver.message and r.solver.name == "cbc"
    with no_fixing():
        whole = po.select(problem, solver=solver, time_limit=120)
    assert "reduced-cost fixing" not in whole.solver.message
    assert r.status.value == whole.status.value == "optimal"
    assert r.objective == pytest.approx(whole.objective, rel=1e-12)
    assert r.bound == pytest.approx(r.objective, rel=1e-9)
    chosen = r.starts[r.starts >= 0].index
    assert problem.table.frame.loc[chosen, "total_cost"].sum() <= 0.3 * problem.table.frame["total_cost"].sum() + 1e-6


def test_a_relative_gap_keeps_the_fixing():
    """mip_gap loosens the proof, not the fixing: the answer is within the gap of the whole model's optimum."""
    problem = single_budget_portfolio(3_000, seed=8)
    r = po.select(problem, mip_gap=0.01, time_limit=120)
    assert "columns fixed" in r.solver.message or "Lagrangian enumeration" in r.solver.message
    with no_fixing():
        whole = po.select(problem, time_limit=120)
    assert whole.status.value == "optimal"
    assert r.status.value == "optimal" and r.gap <= 0.01
    assert whole.objective * (1 - 0.01) - 1e-6 <= r.objective <= whole.objective + 1e-6
    assert r.bound >= whole.objective - 1e-6


def test_weak_lp_bound_is_solved_whole(monkeypatch):
    """Multi-limit models whose LP bound fixes few columns go to the solver whole, after the LP."""
    monkeypatch.setattr(_fixing, "FIX_COLUMNS", 1)
    _enumeration(monkeypatch, on=False)  # (the enumeration proves this one)
    rng = np.random.default_rng(2)
    n = 30
    W = rng.integers(1, 100, (5, n)).astype(float)
    m = CompiledModel(c=rng.integers(1, 100, n).astype(float), A=sp.csr_matrix(W), row_lo=np.full(5, -np.inf),
                      row_hi=W.sum(axis=1) / 2, col_lo=np.zeros(n), col_hi=np.ones(n),
                      integrality=np.ones(n, dtype=np.int32))
    out = _fixing.solve_fixed(m, SolverOptions(), lambda mm, o: pytest.fail("no round expected"))
    assert out.raw is None and "fixes" in out.note and out.incumbent is not None
    assert _fixing.feasible(m, out.incumbent)
    raw = solve(m, SolverOptions(), "highs")
    assert "solved whole" in raw.message and raw.status == Status.OPTIMAL
    with no_fixing():
        assert solve(m, SolverOptions(), "highs").objective == pytest.approx(raw.objective)


def test_models_that_are_not_0_1_are_not_fixed(monkeypatch):
    monkeypatch.setattr(_fixing, "FIX_COLUMNS", 1)
    m = random_model(np.random.default_rng(1))
    assert _fixing.eligible(m)
    assert not _fixing.eligible(dataclasses.replace(m, col_hi=np.full(m.n_cols, 2.0)))
    assert not _fixing.eligible(dataclasses.replace(m, integrality=np.zeros(m.n_cols, dtype=np.int32)))
    out = _fixing.solve_fixed(dataclasses.replace(m, integrality=np.zeros(m.n_cols, dtype=np.int32)),
                              SolverOptions(), lambda mm, o: pytest.fail("not expected"))
    assert out.raw is None and out.seconds == 0.0


def test_restrict_keeps_the_rows_of_the_free_columns():
    m = random_model(np.random.default_rng(9))
    X, vals = all_feasible(m)
    x = X[np.argmax(vals)]
    free = np.zeros(m.n_cols, dtype=bool)
    free[:5] = True
    sub = _fixing.restrict(m, free, x)
    assert sub is not None and sub.n_cols == 5
    assert _fixing.feasible(sub, x[free])  # the rest of a feasible portfolio is feasible there
    assert float(sub.c @ x[free] + sub.offset) == pytest.approx(float(m.c @ x))


def test_an_infeasible_large_portfolio_is_reported_infeasible():
    """No LP optimum to fix from: solved whole, and found infeasible (mandatory projects over the budget)."""
    problem = single_budget_portfolio(1_500, seed=6)
    df = problem.table.frame
    rich = df["total_cost"].sort_values().index[-40:]  # the 40 dearest projects are mandatory ...
    frame = pd.DataFrame({"id": df.index, "cost": df["total_cost"].to_numpy(),
                          "value": problem.objective_coefficients, "mandatory": df.index.isin(rich)})
    tight = po.Problem.from_frame(frame, budget=float(df.loc[rich, "total_cost"].sum()) - 1.0)  # ... over it
    r = po.select(tight, diagnose=False)
    assert r.status.value == "infeasible" and r.objective is None
    assert "no optimal LP relaxation" in r.solver.message


def test_a_failing_lp_leaves_the_model_to_the_backend(monkeypatch):
    """HiGHS missing or failing on the LP: the backend solves the whole model, as without the fixing."""
    from portfolio_opt._solvers import _highs
    from portfolio_opt.errors import SolverError

    def broken(model, options):
        raise SolverError("HiGHS is not installed")

    monkeypatch.setattr(_highs, "lp_duals", broken)
    problem = single_budget_portfolio(1_200, seed=2)
    r = po.select(problem, solver="cbc" if "cbc" in available_backends() else "highs")
    assert r.status.value == "optimal" and "no LP relaxation (HiGHS is not installed)" in r.solver.message
    with no_fixing():
        assert po.select(problem).objective == pytest.approx(r.objective, rel=1e-12)


@pytest.mark.parametrize("seed", range(30))
def test_the_greedy_drops_misfits_in_bulk_without_changing_its_portfolio(seed, monkeypatch):
    """Blocks of columns that no longer fit a row of non-negative coefficients are dropped before add() looks
    at them: the portfolio is the one column-by-column adding gives (random models with requirements,
    exclusions, an at-least row, mandatory columns; blocks of 2 so that every path runs), and it is feasible."""
    rng = np.random.default_rng(1000 + seed)
    m = random_model(rng, n=int(rng.integers(8, 40)))
    for r in (m.c.astype(float), rng.normal(size=m.n_cols)):
        monkeypatch.setattr(_fixing, "GREEDY_BLOCK", 2)
        blocked = _fixing.greedy(m, np.zeros(m.n_cols), r, candidates=m.n_cols)
        monkeypatch.setattr(_fixing, "GREEDY_BLOCK", 10**9)
        one_by_one = _fixing.greedy(m, np.zeros(m.n_cols), r, candidates=m.n_cols)
        assert (blocked is None) == (one_by_one is None)
        if blocked is not None:
            assert np.array_equal(blocked, one_by_one)
            assert _fixing.feasible(m, blocked)


@pytest.mark.parametrize("seed", range(30))
def test_the_greedy_adds_the_same_columns_in_floats_as_in_numpy(seed, monkeypatch):
    """add()'s scalar path (columns of at most SCALAR_ADD_NNZ nonzeros, in Python floats) gives the portfolio
    its numpy path gives, on random models with fractional weights near their limits and a minimum share
    (a row of both signs with a lower limit, which a column may not take below it), and on a generated
    12-period portfolio with five resources (columns of 20-80 nonzeros, so the default mixes both paths)."""
    rng = np.random.default_rng(2000 + seed)
    m = random_model(rng, n=int(rng.integers(8, 60)))
    share = rng.uniform(1, 20, m.n_cols) * ((rng.random(m.n_cols) < 0.4) - 0.3)  # a category's minimum share
    m = dataclasses.replace(
        m, A=sp.csr_matrix(np.vstack([m.A.multiply(rng.uniform(0.9, 1.1, m.A.shape)).toarray() / 3.0, share])),
        row_hi=np.r_[np.where(np.isfinite(m.row_hi), m.row_hi / 3.0, m.row_hi), np.inf],
        row_lo=np.r_[np.where(np.isfinite(m.row_lo), m.row_lo / 3.0, m.row_lo), 0.0])
    models = [m]
    if seed == 0:  # a mandatory project takes a minimum share below its limit: only the third pass ("falls") adds
        from portfolio_opt._compile import compile_problem
        from portfolio_opt.engine import problem_from_spec

        models.append(compile_problem(problem_from_spec(
            {"version": 1, "budget": 20, "groups": [{"category": "run", "min_share": 0.3}], "projects": [
                {"id": "G", "cost": 5, "value": 1, "category": "grow", "mandatory": True},
                {"id": "R1", "cost": 4, "value": 6, "category": "run"},
                {"id": "X", "cost": 3, "value": 5}]})).model)
    if seed < 3:
        import sys
        from pathlib import Path

        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
        import instances as bench_instances

        from portfolio_opt._compile import compile_problem

        models.append(compile_problem(bench_instances.generate(150, 12, 5, seed=seed).problem()).model)
    for model in models:
        x_lp = rng.uniform(0, 1, model.n_cols) * (rng.random(model.n_cols) < 0.5)
        for r in (model.c.astype(float), rng.normal(size=model.n_cols)):
            found = {}
            for nnz in (0, _fixing.SCALAR_ADD_NNZ, 10**9):  # numpy only, the default mix, floats only
                monkeypatch.setattr(_fixing, "SCALAR_ADD_NNZ", nnz)
                found[nnz] = _fixing.greedy(model, x_lp, r, candidates=model.n_cols)
            first = found[0]
            assert all((g is None) == (first is None) for g in found.values())
            if first is not None:
                assert all(np.array_equal(g, first) for g in found.values())
                assert _fixing.feasible(model, first)
            if model is not m:
                assert first is not None and first.sum() > 1  # these have a portfolio to give


def test_the_greedy_takes_a_project_with_its_prerequisite():
    """A (worth 10, weight 2) requires B (worth 1, weight 1), C is worth 5 (weight 3), capacity 3: the greedy
    took C alone (worth 5), skipping A while B was not chosen and B once C filled the budget; now A comes
    with B (worth 11, the optimum by brute force)."""
    m = CompiledModel(c=np.array([10.0, 5.0, 1.0]), A=sp.csr_matrix(np.array([[2.0, 3.0, 1.0], [1.0, 0.0, -1.0]])),
                      row_lo=np.array([-np.inf, -np.inf]), row_hi=np.array([3.0, 0.0]), col_lo=np.zeros(3),
                      col_hi=np.ones(3), integrality=np.ones(3, dtype=np.int32))
    x = _fixing.greedy(m, np.zeros(3), m.c.copy())
    assert x is not None and x.tolist() == [1.0, 0.0, 1.0] and _fixing.feasible(m, x)
    best = max(float(m.c @ np.array(b)) for b in itertools.product((0.0, 1.0), repeat=3)
               if _fixing.feasible(m, np.array(b)))
    assert float(m.c @ x) == best == 11.0


def test_the_greedy_takes_projects_that_require_each_other_together():
    """A (worth 10, weight 2) and B (worth 1, weight 1) require each other, C is worth 5 (weight 3), capacity
    3: one by one neither A nor B can go in (each needs the other first), so the greedy took C alone (worth
    5); now A and B go in as one set (worth 11, the optimum by brute force)."""
    m = CompiledModel(c=np.array([10.0, 5.0, 1.0]),
                      A=sp.csr_matrix(np.array([[2.0, 3.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 0.0, 1.0]])),
                      row_lo=np.full(3, -np.inf), row_hi=np.array([3.0, 0.0, 0.0]), col_lo=np.zeros(3),
                      col_hi=np.ones(3), integrality=np.ones(3, dtype=np.int32))
    x = _fixing.greedy(m, np.zeros(3), m.c.copy())
    assert x is not None and _fixing.feasible(m, x)
    best = max(float(m.c @ np.array(b)) for b in itertools.product((0.0, 1.0), repeat=3)
               if _fixing.feasible(m, np.array(b)))
    assert x.tolist() == [1.0, 0.0, 1.0] and float(m.c @ x) == best == 11.0


@pytest.mark.parametrize("budget, expect", [
    ([6, 6], {"A", "B", "C", "D"}),  # the package in period 0, C and D in period 1 (before: C and D alone)
    ([5, 1], {"C", "D"}),  # A and B together fit in no period (nor in two): the package never goes in
])
def test_the_greedy_takes_a_package_of_scheduled_projects(budget, expect):
    """A and B require each other and may each start in either of two periods (a choice row per project, a
    requirement row over both start columns); the greedy takes both, a start each, where they fit, and never
    two starts of one project. The portfolio is the brute-force optimum and feasible by the independent oracle."""
    from oracle import brute_force, feasible as oracle_feasible, value_of
    from portfolio_opt._compile import compile_problem

    spec = {"version": 1, "periods": 2, "budget": {"per_period": budget}, "projects": [
        {"id": "A", "cost": [4], "value": 10, "requires": ["B"], "latest_start": 1},
        {"id": "B", "cost": [2], "value": 3, "requires": ["A"], "latest_start": 1},
        {"id": "C", "cost": [5], "value": 9, "latest_start": 1},
        {"id": "D", "cost": [1], "value": 2, "latest_start": 1}]}
    problem = po.problem_from_spec(spec)
    comp = compile_problem(problem)
    m = comp.model
    x = _fixing.greedy(m, np.zeros(m.n_cols), m.c.astype(float), candidates=m.n_cols)
    assert x is not None and _fixing.feasible(m, x)
    choice = {pid: int(s) for pid, s in zip(problem.ids, comp.starts(x)) if s >= 0}
    assert oracle_feasible(spec, choice)
    assert set(choice) == expect
    assert value_of(spec, choice) == pytest.approx(brute_force(spec))


@pytest.mark.parametrize("spec", [
    # a category's minimum cost, filled first, took the project the mandatory one excludes
    {"version": 1, "budget": {"total": 11, "per_period": [8]}, "resources": {"eng": [3]}, "max_projects": 2,
     "groups": [{"category": "grow", "min_cost": 3}], "projects": [
         {"id": "P0", "cost": [3], "value": 8, "resources": {"eng": [1]}, "category": "grow", "excludes": ["P4"]},
         {"id": "P1", "cost": [1], "value": 3, "resources": {"eng": [2]}, "category": "grow", "requires": ["P4"]},
         {"id": "P2", "cost": [6], "value": 5, "resources": {"eng": [1]}, "category": "run", "requires": ["P0"]},
         {"id": "P3", "cost": [6], "value": 8, "resources": {"eng": [1]}, "category": "run"},
         {"id": "P4", "cost": [4], "value": 9, "resources": {"eng": [2]}, "category": "grow", "mandatory": True}]},
    # a mandatory 'grow' project takes the minimum share of 'run' below its limit: refused at every step
    {"version": 1, "budget": 20, "groups": [{"category": "run", "min_share": 0.3}], "projects": [
        {"id": "G", "cost": 5, "value": 1, "category": "grow", "mandatory": True},
        {"id": "R1", "cost": 4, "value": 6, "category": "run"},
        {"id": "R2", "cost": 9, "value": 2, "category": "run"},
        {"id": "X", "cost": 3, "value": 5}]},
])
def test_the_greedy_finds_a_portfolio_where_its_first_pass_found_none(spec):
    """Found by the time-limit fuzz: the kept greedy had no portfolio to give (status no_solution) where one
    exists. The first pass still finds none (as before); a second and third pass do, and it is feasible by the
    independent oracle."""
    from oracle import feasible as oracle_feasible
    from portfolio_opt._compile import compile_problem

    comp = compile_problem(po.problem_from_spec(spec))
    m = comp.model
    x = _fixing.greedy(m, np.zeros(m.n_cols), m.c.astype(float), candidates=m.n_cols)
    assert x is not None and _fixing.feasible(m, x)
    starts = comp.starts(x)
    choice = {pid: int(s) for pid, s in zip(po.problem_from_spec(spec).ids, starts) if s >= 0}
    assert oracle_feasible(spec, choice)
    assert any(p.get("mandatory") and p["id"] in choice for p in spec["projects"])


def _model(A, hi, c, lo=None, col_lo=None):
    n = len(c)
    return CompiledModel(c=np.asarray(c, float), A=sp.csr_matrix(np.asarray(A, float)),
                         row_lo=np.full(len(hi), -np.inf) if lo is None else np.asarray(lo, float),
                         row_hi=np.asarray(hi, float), col_lo=np.zeros(n) if col_lo is None else np.asarray(col_lo, float),
                         col_hi=np.ones(n), integrality=np.ones(n, dtype=np.int32))


def test_the_greedy_repairs_a_rounding_that_breaks_a_chain_of_requirements():
    """b requires a, c requires b; the LP point has a at 0.5, b and c at 1. Rounding breaks 'b requires a';
    dropping b then breaks 'c requires b' (a second round): the greedy returned no portfolio before."""
    m = _model([[-1, 1, 0], [0, -1, 1], [1, 1, 1]], [0, 0, 2], [1.0, 5.0, 4.0])
    x = _fixing.greedy(m, np.array([0.5, 1.0, 1.0]), np.array([1.0, 5.0, 4.0]))
    assert x is not None and _fixing.feasible(m, x)
    # both dropped by the repair; the pass then adds b with its prerequisite a (it had tried b alone, which
    # could not go in, and gave [a, 0, 0]): the optimum, a and b, worth 6
    assert x.tolist() == [1.0, 1.0, 0.0]


def test_the_greedy_lifts_a_mandatory_columns_requirement():
    """b is mandatory (its column's lower bound 1) and requires a, which the LP point has at 0.4: b cannot be
    dropped, so a is taken with it (before: no portfolio)."""
    m = _model([[-1, 1, 0], [3, 2, 2]], [0, 5], [1.0, 2.0, 3.0], col_lo=[0, 1, 0])
    x = _fixing.greedy(m, np.array([0.4, 1.0, 0.0]), np.array([1.0, 2.0, 3.0]))
    assert x is not None and _fixing.feasible(m, x)
    assert x[:2].tolist() == [1.0, 1.0]


def test_the_greedy_keeps_every_fractional_column_a_candidate():
    """Ten items of cost 1 and a budget of 5, the LP point at 0.5 each: with a candidate limit of 2 the greedy
    took 2 items; every fractional column is a candidate now, and it takes 5."""
    m = _model([np.ones(10)], [5.0], np.arange(10, 0, -1))
    x = _fixing.greedy(m, np.full(10, 0.5), np.arange(10, 0, -1, dtype=float), candidates=2)
    assert x is not None and _fixing.feasible(m, x)
    assert x.tolist() == [1.0] * 5 + [0.0] * 5
