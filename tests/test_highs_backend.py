"""HiGHS backend: status mapping, bound and gap, the LP relaxation."""

from __future__ import annotations

import itertools
import sys

import numpy as np
import pytest
import scipy.sparse as sp

from portfolio_opt._solvers import CompiledModel, SolverOptions, Status, no_fixing, solve
from portfolio_opt._solvers._highs import map_status


@pytest.mark.parametrize("name,has,expected", [
    ("kOptimal", True, Status.OPTIMAL),
    ("kInfeasible", False, Status.INFEASIBLE),
    ("kUnboundedOrInfeasible", False, Status.INFEASIBLE),
    ("kTimeLimit", True, Status.FEASIBLE),
    ("kTimeLimit", False, Status.NO_SOLUTION),
    ("kSolutionLimit", True, Status.FEASIBLE),
    ("kInterrupt", False, Status.NO_SOLUTION),
    ("kSolveError", False, None),
    ("kLoadError", False, None),
])
def test_status_mapping(name, has, expected):
    assert map_status(name, has) == expected


def _knapsack(seed, n=10, m=3):
    rng = np.random.default_rng(seed)
    W = rng.integers(1, 20, (m, n)).astype(float)
    c = rng.integers(1, 30, n).astype(float)
    b = W.sum(axis=1) * 0.4
    model = CompiledModel(c=c, A=sp.csr_matrix(W), row_lo=np.full(m, -np.inf), row_hi=b,
                          col_lo=np.zeros(n), col_hi=np.ones(n), integrality=np.ones(n, dtype=np.int8))
    best = max(float(c @ x) for x in itertools.product([0, 1], repeat=n) if np.all(W @ np.array(x) <= b + 1e-9))
    return model, best


@pytest.mark.usefixtures("backend_only")
@pytest.mark.parametrize("seed", range(5))
def test_knapsack_against_brute_force(seed):
    model, best = _knapsack(seed)
    raw = solve(model, SolverOptions(), "highs")
    assert raw.status == Status.OPTIMAL and "enumeration" not in raw.message  # HiGHS's own answer
    assert raw.objective == pytest.approx(best)
    assert raw.bound == pytest.approx(best, rel=1e-6)
    lp = solve(model, SolverOptions(), "highs", relax=True)
    assert lp.objective >= best - 1e-6  # the LP relaxation bounds the optimum from above


@pytest.mark.usefixtures("backend_only")
def test_warm_start_is_accepted_and_optimum_unchanged():
    model, best = _knapsack(3)
    x0 = np.zeros(model.n_cols)
    raw = solve(model, SolverOptions(warm_start=x0), "highs")
    assert raw.objective == pytest.approx(best) and "enumeration" not in raw.message


@pytest.mark.usefixtures("backend_only")
def test_changing_the_thread_count_between_solves():
    # HiGHS fixes its scheduler at the first run; a later run with other threads must still work
    model, best = _knapsack(4)
    for threads in (None, 1, 2, 1, None):
        assert solve(model, SolverOptions(threads=threads), "highs").objective == pytest.approx(best)


_OUTSIDE_HIGHS = r"""
import itertools
import sys
import numpy as np, scipy.sparse as sp, highspy
from portfolio_opt._solvers import CompiledModel, SolverOptions, no_fixing, solve
from portfolio_opt._solvers import _highs

c, w = np.array([27.0, 11, 22, 29, 17, 27, 18, 6]), np.array([[9.0, 4, 8, 9, 5, 9, 6, 2], [3.0, 8, 2, 7, 6, 1, 5, 4]])
model = CompiledModel(c=c, A=sp.csr_matrix(w), row_lo=np.full(2, -np.inf), row_hi=np.array([25.0, 18.0]),
                      col_lo=np.zeros(8), col_hi=np.ones(8), integrality=np.ones(8, dtype=np.int8))
best = max(c @ x for x in map(np.array, itertools.product((0, 1), repeat=8)) if (w @ x <= [25, 18]).all())

def run_highspy_directly():  # default thread count
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.addVar(0, 1)
    h.changeColIntegrality(0, highspy.HighsVarType.kInteger)
    assert h.run() == highspy.HighsStatus.kOk

run_highspy_directly()  # the caller used HiGHS before portfolio_opt did
with no_fixing():  # HiGHS itself, not a walk (which proves this 8-column model without it)
    assert solve(model, SolverOptions(threads=1), "highs").objective == best
highspy.Highs.resetGlobalScheduler(True)  # ... and again between two of our runs
run_highspy_directly()
assert _highs._scheduler_threads == 1
with no_fixing():
    assert solve(model, SolverOptions(threads=1), "highs").objective == best
print("ok")
"""


def test_highs_used_outside_the_library_with_another_thread_count():
    """A caller's own highspy runs (another thread count) must not make ours fail with "Not Set"."""
    import subprocess

    out = subprocess.run([sys.executable, "-c", _OUTSIDE_HIGHS], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-2000:]


# --------------------------------------------------------------------------- HiGHS in a process of its own (the race's)


@pytest.mark.parametrize("seed", range(3))
def test_highs_in_its_own_process_against_brute_force(seed):
    from portfolio_opt._solvers._highs import solve_highs_process

    model, best = _knapsack(seed)
    r = solve_highs_process(model, SolverOptions())
    assert r.status == Status.OPTIMAL and r.objective == pytest.approx(best) and r.bound == pytest.approx(best)
    assert r.solver == "highs" and np.all(model.A @ r.x <= model.row_hi + 1e-9) and set(np.unique(r.x)) <= {0.0, 1.0}
    warm = solve_highs_process(model, SolverOptions(warm_start=r.x))
    assert warm.objective == pytest.approx(best)


def test_highs_in_its_own_process_reports_infeasible_and_empty_models():
    from portfolio_opt._solvers._highs import solve_highs_process

    model, _ = _knapsack(0)
    import dataclasses

    impossible = dataclasses.replace(model, row_lo=model.A.sum(axis=1).A1 + 1.0, row_hi=np.full(3, np.inf))
    assert solve_highs_process(impossible, SolverOptions()).status == Status.INFEASIBLE
    empty = CompiledModel(c=np.zeros(0), A=sp.csr_matrix((0, 0)), row_lo=np.zeros(0), row_hi=np.zeros(0),
                          col_lo=np.zeros(0), col_hi=np.zeros(0), integrality=np.zeros(0, dtype=np.int8))
    r = solve_highs_process(empty, SolverOptions())
    assert r.status == Status.OPTIMAL and r.objective == 0.0


def test_ending_highs_process_is_an_error_not_an_answer():
    from portfolio_opt._solvers._highs import solve_highs_process
    from portfolio_opt.errors import SolverError

    model, _ = _knapsack(1)
    with pytest.raises(SolverError, match="HiGHS.s process ended with code"):
        solve_highs_process(model, SolverOptions(), on_start=lambda proc: proc.kill())


def test_the_script_writes_the_outcome_of_its_run(tmp_path):
    import json

    from portfolio_opt._solvers import _highs_core
    from portfolio_opt._solvers._highs import _arrays, _settings

    model, best = _knapsack(2)
    np.savez(tmp_path / "model.npz", **_arrays(model, False))
    (tmp_path / "settings.json").write_text(json.dumps(_settings(model, SolverOptions(), False)))
    assert _highs_core.main(str(tmp_path)) == 0
    out = json.loads((tmp_path / "result.json").read_text())
    assert out["status"] == "kOptimal" and out["has_solution"] and out["dual_bound"] == pytest.approx(best)
    assert float(model.c @ np.load(tmp_path / "x.npy").round()) == pytest.approx(best)


def _slow_model(n=400, m=25, seed=3):
    """A multidimensional knapsack HiGHS does not prove in a fraction of a second."""
    rng = np.random.default_rng(seed)
    W = rng.integers(1, 1000, (m, n)).astype(float)
    c = (W.sum(axis=0) / m + rng.integers(1, 500, n)).astype(float)
    return CompiledModel(c=c, A=sp.csr_matrix(W), row_lo=np.full(m, -np.inf), row_hi=W.sum(axis=1) * 0.5,
                         col_lo=np.zeros(n), col_hi=np.ones(n), integrality=np.ones(n, dtype=np.int8))


def test_a_highs_process_ended_at_its_deadline_answers_with_its_last_portfolio():
    from portfolio_opt._solvers._highs import solve_highs_process

    model = _slow_model()
    # HiGHS's own limit far away, the deadline at 1.5 s: the process is ended, its last portfolio kept
    r = solve_highs_process(model, SolverOptions(time_limit=120.0), deadline=1.5)
    assert r.status == Status.FEASIBLE and "past its time limit; its last portfolio" in r.message
    assert 1.5 <= r.seconds < 10.0
    assert np.all(model.A @ r.x <= model.row_hi + 1e-9) and r.objective == pytest.approx(float(model.c @ r.x))
    assert r.bound is not None and r.bound >= r.objective
    lp = solve(model, SolverOptions(), "highs", relax=True)  # every valid bound is at most the LP's
    assert r.bound <= lp.objective + 1e-6


def test_auto_sized_highs_runs_keep_their_time_limit(monkeypatch):
    import portfolio_opt._solvers as solvers
    from portfolio_opt._solvers import _highs

    seen = []
    real = _highs.solve_highs_process

    def watched(model, options, **kw):
        seen.append(kw.get("deadline"))
        return real(model, options, **kw)

    monkeypatch.setattr(_highs, "solve_highs_process", watched)
    monkeypatch.setattr(solvers, "HIGHS_PROCESS_COLUMNS", 100)
    model, best = _knapsack(0, n=10)
    assert solve(model, SolverOptions(time_limit=5.0), "highs").objective == pytest.approx(best)
    assert seen == []  # small models stay in-process
    big = _slow_model()
    with no_fixing():  # the whole limit to HiGHS (else what the LP and the enumeration left of it)
        r = solve(big, SolverOptions(time_limit=1.0), "highs")
    assert seen == [3.0]  # the limit and a grace of 2 s
    assert r.status in (Status.FEASIBLE, Status.OPTIMAL) and r.seconds < 10.0
    solve(big, SolverOptions(), "highs", relax=True)  # no limit or an LP: in-process
    assert seen == [3.0]


@pytest.fixture
def backend_only():
    """HiGHS itself on small models (the Lagrangian enumeration would prove them before it runs)."""
    with no_fixing():
        yield


def _process_sized(monkeypatch):
    import portfolio_opt._solvers as solvers

    monkeypatch.setattr(solvers, "HIGHS_PROCESS_COLUMNS", 5)
    return _knapsack(1)


def test_highs_runs_in_process_when_its_process_cannot_start(monkeypatch, backend_only):
    # an embedding whose sys.executable is no Python that can be started: the answer still comes
    model, best = _process_sized(monkeypatch)
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    r = solve(model, SolverOptions(time_limit=5.0), "highs")
    assert r.status == Status.OPTIMAL and r.objective == pytest.approx(best)
    assert "run in this process: could not start HiGHS's process (/nonexistent/python)" in r.message
    # what a user sees
    import pandas as pd

    import portfolio_opt as po

    df = pd.DataFrame({"id": list("ABCDEF"), "cost": [4, 3, 2, 5, 1, 3], "value": [10, 7, 5, 9, 1, 4]})
    res = po.select(po.Problem.from_frame(df, budget=9), solver="highs", time_limit=5)
    assert res.status.value == "optimal" and res.objective == 22.0  # A, B, C
    assert "run in this process" in res.solver.message and res.to_dict()["solver"]["message"] == res.solver.message


def test_highs_runs_in_process_when_its_process_fails_before_highs_ran(monkeypatch, backend_only):
    from portfolio_opt._solvers import _highs

    model, best = _process_sized(monkeypatch)
    # a Python without highspy (say) exits before HiGHS ran
    monkeypatch.setattr(_highs, "_CHILD", "import sys; sys.stderr.write('No module named highspy'); sys.exit(1)")
    r = solve(model, SolverOptions(time_limit=5.0), "highs")
    assert r.status == Status.OPTIMAL and r.objective == pytest.approx(best)
    assert "before HiGHS ran" in r.message and "No module named highspy" in r.message


def test_a_highs_process_that_fails_once_highs_ran_is_an_error(monkeypatch, backend_only):
    # HiGHS itself failed (a crash, say): running it again in the caller's process could take the caller down
    from portfolio_opt._solvers import _highs
    from portfolio_opt.errors import SolverError

    model, _ = _process_sized(monkeypatch)
    monkeypatch.setattr(_highs, "_CHILD", "import os, sys; open(os.path.join(sys.argv[2], 'started'), 'wb').close(); "
                                          "sys.exit(3)")
    with pytest.raises(SolverError, match="HiGHS.s process ended with code 3") as info:
        solve(model, SolverOptions(time_limit=5.0), "highs")
    assert not isinstance(info.value, _highs.ProcessUnavailable)


def test_highs_version_from_constants_matches_a_highs_object(monkeypatch):
    import highspy

    from portfolio_opt._solvers import _highs

    h = highspy.Highs()
    expected = f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"
    _highs.highs_version.cache_clear()
    assert _highs.highs_version() == expected
    # a highspy without the constants: the version still comes from a Highs object (the cache keeps the same text)
    for k in ("MAJOR", "MINOR", "PATCH"):
        monkeypatch.delattr(highspy, f"HIGHS_VERSION_{k}", raising=False)
    _highs.highs_version.cache_clear()
    assert _highs.highs_version() == expected
