"""Lagrangian enumeration (``_solvers._enum``): a 0-1 model's proven optimum without a MIP solver.

Checked against brute force on random 0-1 models with knapsack rows (one or
two), requires, excludes, at-least rows, two-sided rows with negative
coefficients and mandatory columns: ``walk`` returns a feasible portfolio as
good as every one worth ``U - gap`` or more, for the LP's multipliers and for
arbitrary ones; ``enumerate_near`` returns the optimum whenever it answers, and
answers on most; an optimal incumbent is proven as it is; a walk that grows too
large gives up; small models of many limits skip the LP.  End to end: ``select``
through it against brute force on multi-period requests (``test_fixing.py``),
and on a generated single-budget portfolio against the whole model."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import portfolio_opt as po
from test_fixing import all_feasible, random_model, single_budget_portfolio
from portfolio_opt._solvers import CompiledModel, SolverOptions, _enum, _fixing, available_backends, no_fixing
from portfolio_opt._solvers._base import rounding_tolerance

pytestmark = pytest.mark.skipif("highs" not in available_backends(), reason="needs HiGHS")


def two_sided(rng: np.random.Generator, m: CompiledModel) -> CompiledModel:
    """``m`` with a row bounded on both sides and negative coefficients: a balance between two groups."""
    n = m.n_cols
    row = rng.choice([-3.0, -1.0, 0.0, 1.0, 2.0], n)
    extra = sp.csr_matrix(row[None, :])
    return CompiledModel(c=m.c, A=sp.vstack([m.A, extra]).tocsr(), row_lo=np.append(m.row_lo, -4.0),
                         row_hi=np.append(m.row_hi, 3.0), col_lo=m.col_lo, col_hi=m.col_hi,
                         integrality=m.integrality, offset=m.offset)


def models(seed: int, count: int, n: int = 12):
    rng = np.random.default_rng(seed)
    for k in range(count):
        m = random_model(rng, n)
        yield two_sided(rng, m) if k % 3 == 0 else m


def lp(m: CompiledModel) -> tuple[float, np.ndarray, np.ndarray, float]:
    from portfolio_opt._solvers._highs import lp_duals

    out = lp_duals(m, SolverOptions())
    assert out is not None
    U, r, scale = _fixing.lagrangian(m, out[1])
    return U, r, np.where(r > 0, m.col_hi, m.col_lo).astype(float), rounding_tolerance(m) + 1e-12 * scale


@pytest.mark.parametrize("dense", [True, False])
def test_walk_finds_the_best_portfolio_within_its_loss_budget(dense, monkeypatch):
    """For any multipliers, the walk's portfolio is feasible and as good as every one worth U - budget or more,
    with the matrix read dense (small models) or sparse (``_enum.DENSE_ENTRIES``)."""
    monkeypatch.setattr(_enum, "DENSE_ENTRIES", 10**9 if dense else 0)
    rng = np.random.default_rng(3)
    checked = 0
    for m in models(5, 40):
        X, vals = all_feasible(m)
        for y in (None, rng.normal(0, 2, m.n_rows)):
            if y is None:
                if not len(X):
                    continue
                U, r, p, _ = lp(m)
            else:
                U, r, _ = _fixing.lagrangian(m, y)
                p = np.where(r > 0, m.col_hi, m.col_lo).astype(float)
            loss = np.where(X != p, np.abs(r), 0.0).sum(axis=1)
            s = np.sort(np.abs(r))
            # budgets between two |r_j| (sums of changes landing on a budget within rounding would make the
            # expected set ambiguous)
            for gap in (0.5 * (s[2] + s[3]), 0.5 * (s[5] + s[6]), float(s.sum()) + 1.0):
                x, columns, peak, work = _enum.walk(m, r, p, gap)
                assert columns == int(np.sum((np.abs(r) <= gap) & (m.col_lo < m.col_hi)))
                if not (loss <= gap).any():  # nothing feasible within the budget: nothing listed
                    assert x is None
                    continue
                if x is None:  # allowed only when no portfolio is worth U - gap or more
                    assert not np.any(vals >= U - gap - 1e-9)
                    continue
                assert _fixing.feasible(m, x)
                v = float(m.c @ x + m.offset)
                assert v <= vals.max() + 1e-9  # a feasible portfolio ...
                assert np.all(vals[vals >= U - gap] <= v + 1e-9)  # ... as good as all worth U - gap or more
                checked += 1
    assert checked >= 60


def test_enumeration_returns_the_brute_force_optimum():
    answered = 0
    for m in models(11, 60):
        X, vals = all_feasible(m)
        if not len(X):
            continue
        U, r, p, margin = lp(m)
        for incumbent in (None, X[np.argmin(vals)]):
            out = _enum.enumerate_near(m, U, r, p, margin, incumbent)
            if out is None:  # too large a walk: allowed, but not on these small models
                continue
            answered += 1
            assert _fixing.feasible(m, out.x)
            assert float(m.c @ out.x + m.offset) == pytest.approx(vals.max(), abs=1e-9)
    assert answered >= 80


def test_an_optimal_incumbent_is_proven_without_a_better_portfolio():
    """Given the optimum as incumbent, the walk's budget stops at U - z and the incumbent is returned proven."""
    seen = 0
    for m in models(21, 30):
        X, vals = all_feasible(m)
        if not len(X):
            continue
        U, r, p, margin = lp(m)
        best = X[np.argmax(vals)]
        out = _enum.enumerate_near(m, U, r, p, margin, best)
        assert out is not None and out.gap <= U - vals.max() + 1e-9
        assert float(m.c @ out.x + m.offset) == pytest.approx(vals.max(), abs=1e-9)
        seen += 1
    assert seen >= 15


def test_tiny_models_are_walked_without_an_lp(monkeypatch):
    """Up to ``TINY_COLUMNS`` columns one walk with zero multipliers and a greedy (or the warm start's) bound
    proves the optimum before any LP; where it cannot (no greedy portfolio, infeasible, too much work) the LP's
    path answers as before."""
    from portfolio_opt._solvers import _highs

    lps = []
    real = _highs.lp_duals
    monkeypatch.setattr(_highs, "lp_duals", lambda *a, **k: lps.append(1) or real(*a, **k))
    tiny = fallback = 0
    for k, m in enumerate(models(31, 90, n=10)):
        X, vals = all_feasible(m)
        warm = X[np.argmin(vals)] if len(X) and k % 2 else None
        before = len(lps)
        out = _fixing.solve_fixed(m, SolverOptions(warm_start=warm), lambda mm, o: pytest.fail("no round expected"))
        if out.raw is not None and "without an LP" in out.raw.message:
            tiny += 1
            assert len(lps) == before, "an LP after the walk proved the optimum"
            assert len(X) and out.raw.status.value == "optimal"
            assert _fixing.feasible(m, out.raw.x)
            assert out.raw.objective == pytest.approx(vals.max(), abs=1e-9) == float(m.c @ out.raw.x + m.offset)
        else:
            fallback += 1
            assert len(lps) == before + 1  # the LP's path, as before
            if out.raw is not None:
                assert out.raw.objective == pytest.approx(vals.max(), abs=1e-9)
    assert tiny >= 60 and fallback >= 1, (tiny, fallback)
    m = next(models(31, 1, n=_fixing.TINY_COLUMNS + 1))
    before = len(lps)
    _fixing.solve_fixed(m, SolverOptions(), lambda mm, o: pytest.fail("no round expected"))
    assert len(lps) == before + 1  # one column too many: the LP first


def test_a_walk_too_large_gives_up(monkeypatch):
    m = next(models(2, 1, n=14))
    U, r, p, margin = lp(m)
    monkeypatch.setattr(_enum, "MAX_STATES", 1)
    assert _enum.walk(m, r, p, float(np.abs(r).sum()) + 1.0, max_states=1) is None
    monkeypatch.setattr(_enum, "MAX_COLUMNS", 3)
    assert _enum.walk(m, r, p, float(np.abs(r).sum()) + 1.0) is None
    assert _enum.enumerate_near(m, U - 1e6, r, p, margin) is None  # a wrong bound proves nothing


def test_select_takes_the_enumeration_on_a_mid_size_portfolio():
    """300 single-budget candidates: the enumeration proves the optimum CBC proves on the whole model."""
    problem = single_budget_portfolio(300, seed=5)
    r = po.select(problem)
    assert r.solver.message.startswith("Lagrangian enumeration") and r.status.value == "optimal"
    with no_fixing():
        whole = po.select(problem, solver="cbc" if "cbc" in available_backends() else "highs")
    assert whole.status.value == "optimal" and "Lagrangian" not in whole.solver.message
    assert r.objective == pytest.approx(whole.objective, rel=1e-12)
    chosen = r.starts[r.starts >= 0].index
    assert problem.table.frame.loc[chosen, "total_cost"].sum() <= 0.3 * problem.table.frame["total_cost"].sum() + 1e-6


def test_small_models_of_many_limits_skip_the_lp(monkeypatch):
    """Under FIX_COLUMNS columns, budgets per period over many periods are solved whole without an LP."""
    from portfolio_opt._solvers import _highs

    rng = np.random.default_rng(4)
    n, k = 60, _fixing.ENUM_KNAPSACK_ROWS + 1
    W = rng.integers(1, 50, (k, n)).astype(float)
    many = CompiledModel(c=rng.integers(1, 60, n).astype(float), A=sp.csr_matrix(W), row_lo=np.full(k, -np.inf),
                         row_hi=W.sum(axis=1) / 2, col_lo=np.zeros(n), col_hi=np.ones(n),
                         integrality=np.ones(n, dtype=np.int32))
    monkeypatch.setattr(_highs, "lp_duals", lambda *a: pytest.fail("no LP expected"))
    out = _fixing.solve_fixed(many, SolverOptions(), lambda mm, o: pytest.fail("no round expected"))
    assert out.raw is None and out.seconds == 0.0
    few = CompiledModel(c=many.c, A=sp.csr_matrix(W[:2]), row_lo=many.row_lo[:2], row_hi=many.row_hi[:2],
                        col_lo=many.col_lo, col_hi=many.col_hi, integrality=many.integrality)
    with pytest.raises(pytest.fail.Exception, match="no LP expected"):  # two budgets: the LP is tried
        _fixing.solve_fixed(few, SolverOptions(), lambda mm, o: pytest.fail("no round expected"))


@pytest.mark.parametrize("name", ["gen-n100-T1-R0-s1", "gen-n200-T1-R5-s1", "gen-n1000-T1-R5-s1"])
def test_walks_that_need_most_of_the_allowance_prove_the_optimum(name):
    """Generated single-period portfolios (the benchmark's generator, seeds the suite does not run) whose
    walks need 220,000-340,000 units of work in all: proven by the enumeration with the default allowances
    (with the eighth session's, 300,000 and 60,000, they gave up), equal to CBC's optimum on the whole model,
    and feasible in the benchmark's own matrix (built without portfolio_opt's compiler)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import instances as bench_instances

    inst = bench_instances.instance_by_name(name)
    problem = po.Problem.from_frame(inst.frame(), **inst.problem_kwargs())
    r = po.select(problem)
    assert r.status.value == "optimal" and r.solver.message.startswith("Lagrangian enumeration"), r.solver.message
    if "cbc" in available_backends():
        with no_fixing():
            whole = po.select(problem, solver="cbc")
        assert whole.status.value == "optimal" and r.objective == pytest.approx(whole.objective, rel=1e-12)
    M = inst.matrix()  # one column per project (a single period), in the order of the instance's ids
    x = (r.starts.reindex(inst.ids).to_numpy() >= 0).astype(float)
    act = M.A @ x
    assert np.all(act <= M.row_hi + 1e-6) and np.all(act >= M.row_lo - 1e-6)
    assert float(M.c @ x) == pytest.approx(r.objective, rel=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_groups_are_the_distinct_activity_rows(seed, monkeypatch):
    """``_groups`` partitions and orders the sets as ``np.unique`` over the rows does, also past int64."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    act = np.column_stack([rng.integers(0, k, n) + rng.choice([0.0, 0.1, 1e-12]) for k in (2, 5, 50, 3)])
    rows = sorted(rng.choice(4, int(rng.integers(0, 5)), replace=False).tolist())
    got = _enum._groups(act, rows)
    want = np.unique(act[:, rows], axis=0, return_inverse=True)[1].ravel() if rows else np.zeros(n, int)
    assert np.array_equal(np.unique(got, return_inverse=True)[1].ravel(), want)
    wide = np.column_stack([rng.permutation(n * 10)[:n] * 1.5 for _ in range(8)])  # 8 rows of n distinct values
    if n ** 8 >= 2 ** 62:  # the fallback
        assert np.array_equal(_enum._groups(wide, list(range(8))),
                              np.unique(wide, axis=0, return_inverse=True)[1].ravel())


def test_the_walk_keeps_the_same_sets_with_either_grouping(monkeypatch):
    """The walks of the allowance test and a resource portfolio give the same answer and peak as with
    ``np.unique`` over the rows (the former code)."""
    from test_fixing import random_model as rm

    seen = []
    for m in list(models(31, 12, n=14)) + [rm(np.random.default_rng(5), 16)]:
        U, r, p, margin = lp(m)
        gap = float(np.abs(r).sum()) + 1.0
        fast = _enum.walk(m, r, p, gap)
        with monkeypatch.context() as mp:
            mp.setattr(_enum, "_groups", lambda act, rows: np.unique(
                act[:, rows], axis=0, return_inverse=True)[1].ravel() if rows else np.zeros(len(act), int))
            slow = _enum.walk(m, r, p, gap)
        assert (fast is None) == (slow is None)
        if fast is not None:
            assert fast[1:3] == slow[1:3] and (fast[0] is None) == (slow[0] is None)
            if fast[0] is not None:
                assert np.array_equal(fast[0], slow[0])
            seen.append(fast[2])
    assert max(seen) >= _enum.DOMINANCE_STATES  # the dominance step ran
