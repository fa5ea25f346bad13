"""``select(known_bound=...)``: an upper bound proven elsewhere lets the solver stop when it is reached.

Oracle: brute force over every portfolio of small random requests.  The known
bound handed in is the brute-force optimum of a *looser* request (budget
raised), which is what ``run_scenarios`` passes between scenarios; the result
must still be the optimum of the request itself, feasible, with a bound that
is a true bound.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import portfolio_opt as po
from oracle import brute_force, feasible
from strategies import small_requests
from portfolio_opt._solvers import CompiledModel, SolverOptions, Status, solve
from portfolio_opt.errors import ValidationError


def _scaled(spec, f):
    s = copy.deepcopy(spec)
    s["budget"] = {"total": s["budget"]["total"] * f, "per_period": [b * f for b in s["budget"]["per_period"]]}
    return s


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=small_requests(), looser=st.sampled_from([1.0, 1.2, 1.5, 3.0]), backend=st.sampled_from(["highs", "cbc"]),
       gap=st.sampled_from([0.0, 0.1]))
def test_a_looser_optimum_as_known_bound_keeps_the_optimum(spec, looser, backend, gap):
    best = brute_force(spec)
    bound = brute_force(_scaled(spec, looser))
    if best is None:
        return
    r = po.select(po.problem_from_spec(spec), solver=backend, known_bound=bound, mip_gap=gap)
    assert r.status.value == "optimal"
    assert feasible(spec, {i: int(s) for i, s in r.starts.items() if s >= 0})
    assert r.objective >= best * (1 - gap) - 1e-9
    assert r.objective <= best + 1e-9
    assert best - 1e-9 <= r.bound <= bound + 1e-9  # a true bound, never looser than the one given
    if gap == 0:
        assert r.objective == pytest.approx(best, abs=1e-9)
    assert r.solver.options["known_bound"] == bound


def test_a_bound_below_a_found_portfolio_is_rejected():
    p = po.problem_from_spec({"version": 1, "budget": 5, "projects": [
        {"id": "A", "cost": 3, "value": 10}, {"id": "B", "cost": 3, "value": 7}, {"id": "C", "cost": 2, "value": 5}]})
    for backend in ("highs", "cbc"):
        with pytest.raises(ValidationError, match="known_bound 14 is not a bound.*worth 15"):
            po.select(p, solver=backend, known_bound=14)
    for bad in ("15", float("nan"), float("inf"), True):
        with pytest.raises(ValidationError, match="known_bound must be a finite number"):
            po.select(p, known_bound=bad)


def test_a_loose_known_bound_changes_nothing_but_the_record():
    p = po.problem_from_spec({"version": 1, "budget": 5, "projects": [
        {"id": "A", "cost": 3, "value": 10}, {"id": "B", "cost": 3, "value": 7}, {"id": "C", "cost": 2, "value": 5}]})
    for backend in ("highs", "cbc"):
        plain = po.select(p, solver=backend)
        r = po.select(p, solver=backend, known_bound=1e6)
        assert (r.status, r.objective, r.bound, list(r.selected_ids)) == \
            (plain.status, plain.objective, plain.bound, list(plain.selected_ids))


def _sample_at(scale):
    from portfolio_opt.constraints import BudgetLimit
    from portfolio_opt.demo import load_sample

    base = load_sample()
    return base.replace(constraints=tuple(
        BudgetLimit(c.amount * scale, c.period) if isinstance(c, BudgetLimit) else c for c in base.constraints))


def test_highs_stops_at_the_known_bound_instead_of_proving_it():
    # the sample portfolio with budgets at 95 %: HiGHS finds the optimum quickly but
    # proving it takes many nodes; told the optimum, it stops at the first portfolio worth it
    from portfolio_opt._compile import compile_problem

    problem = _sample_at(0.95)
    opt = po.select(problem, solver="highs")
    assert opt.status.value == "optimal"
    comp = compile_problem(problem)
    raw = solve(comp.model, SolverOptions(known_bound=opt.objective), "highs")
    assert raw.status == Status.OPTIMAL
    assert "reached the known bound" in raw.message  # stopped by the target, not by its own proof
    assert raw.objective == pytest.approx(opt.objective, abs=1e-6)
    assert raw.bound == pytest.approx(opt.objective, abs=1e-6)


def test_a_time_limited_run_reports_the_smaller_bound():
    # a 5-dimensional knapsack stopped early: with integer values floor(LP bound) is a
    # valid bound, usually below what the solver has proven when it stops
    rng = np.random.default_rng(5)
    n = 150
    w = rng.integers(20, 60, size=(5, n)).astype(float)
    c = (w.sum(axis=0) / 5 + rng.integers(0, 20, size=n)).astype(float)
    model = CompiledModel(c=c, A=sp.csr_matrix(w), row_lo=np.full(5, -np.inf), row_hi=w.sum(axis=1) / 4,
                          col_lo=np.zeros(n), col_hi=np.ones(n), integrality=np.ones(n, dtype=np.int8))
    kb = float(np.floor(solve(model, SolverOptions(), "highs", relax=True).objective))
    for backend in ("highs", "cbc"):
        raw = solve(model, SolverOptions(known_bound=kb, time_limit=0.5), backend)
        assert raw.bound is not None and raw.bound <= kb
        if raw.objective is not None:
            assert raw.objective <= raw.bound
            assert (raw.status == Status.OPTIMAL) == (raw.bound - raw.objective <= 1e-9 * c.sum())


@pytest.mark.parametrize("backend", ["highs", "cbc"])
def test_a_huge_coefficient_no_portfolio_takes_does_not_loosen_the_proof(backend):
    """Five knapsack rows and one column worth -1.5e10: told the optimum as known bound, HiGHS used to stop
    1e-9 of the sum of every |c| (15) short of it, at portfolios 1-12 below the optimum reported optimal
    (10 of 20 seeds).  Whole models (no walk, which proves these without the bound)."""
    from portfolio_opt._solvers import no_fixing

    for seed in range(12):
        rng = np.random.default_rng(seed)
        W = rng.integers(1, 40, (5, 40)).astype(float)
        c = rng.integers(1, 30, 40).astype(float)
        c[-1] = -1.5e10
        model = CompiledModel(c=c, A=sp.csr_matrix(W), row_lo=np.full(5, -np.inf),
                              row_hi=np.floor(0.3 * W.sum(axis=1)), col_lo=np.zeros(40), col_hi=np.ones(40),
                              integrality=np.ones(40, dtype=np.int32))
        with no_fixing():
            opt = solve(model, SolverOptions(), "highs")
            raw = solve(model, SolverOptions(known_bound=opt.objective), backend)
        assert opt.status == Status.OPTIMAL and raw.status == Status.OPTIMAL
        assert raw.objective == pytest.approx(opt.objective, abs=1e-9), seed
        assert np.all(W @ raw.x <= model.row_hi + 1e-9)
