"""Batches: the same results serially, on local processes, on any Executor and on a Dask cluster.

- run_batch keeps input order and gives identical outcomes on every backend;
- a unit that raises, or whose worker process is killed, is marked failed and the batch goes on
  (the other units, including those running beside it when the worker died, succeed);
- a Dask ``distributed.LocalCluster`` started here agrees exactly with a serial run of scenarios;
- the progress bar goes to standard error and can be turned off.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import signal

import pandas as pd
import pytest

import portfolio_opt as po
from portfolio_opt.analysis.batch import resolve_executor, run_batch, solver_kwargs
from portfolio_opt.analysis.scenarios import Scenario, hire, run_scenarios

SPEC = {
    "version": 1, "periods": 3,
    "projects": [
        {"id": "A", "cost": [3, 2], "value": 9, "resources": {"eng": [2, 1]}, "earliest_start": 0, "latest_start": 1},
        {"id": "B", "cost": [4], "value": 7, "resources": {"eng": [1]}, "earliest_start": 0, "latest_start": 2},
        {"id": "C", "cost": [2, 2], "value": 6, "resources": {"eng": [1, 1]}, "earliest_start": 0, "latest_start": 1},
        {"id": "D", "cost": [5], "value": 8, "resources": {"eng": [2]}, "earliest_start": 1, "latest_start": 2},
        {"id": "E", "cost": [1, 1, 1], "value": 3, "mandatory": True},
    ],
    "budget": {"total": 13, "per_period": [7, 6, 6]},
    "resources": {"eng": [3, 3, 2]},
}
SCENARIOS = [
    Scenario("cut", budget_scale=0.8),
    Scenario("hire", resources_add={"eng": hire(1, 1)}),
    Scenario("no A", force_out=["A"]),
    Scenario("dear", cost_scale={"B": 1.5}),
    Scenario("impossible", budget_scale=0.1),
]


def square_or_die(x: int) -> int:
    """Kills its own worker process on 3, raises on 5."""
    if x == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    if x == 5:
        raise ValueError("five is not allowed")
    return x * x


def threads_inside(_: int) -> tuple:
    """The thread count a solve gets inside a unit: none named, and 2 named."""
    from portfolio_opt._solvers import SolverOptions, _threads

    return _threads(SolverOptions()).threads, _threads(SolverOptions(threads=2)).threads


def test_batch_units_solve_with_one_thread_unless_told():
    # the units use the cores; HiGHS's own thread per core in every worker made a sweep 1.4x slower
    from portfolio_opt._solvers import SolverOptions, _threads

    for ex in ("serial", 2, cf.ThreadPoolExecutor(2)):
        out = run_batch(threads_inside, [(0,), (1,), (2,)], executor=ex)
        assert [o.value for o in out] == [(1, 2)] * 3, ex
    assert _threads(SolverOptions()).threads is None  # outside a batch: the solver chooses


def comparable(res):
    summ = res.summary.drop(columns="seconds")
    moves = res.moves.drop(columns=[])
    return summ, res.selection, moves, [o.diagnosis for o in res.outcomes]


def assert_same(a, b):
    sa, sela, ma, da = comparable(a)
    sb, selb, mb, db = comparable(b)
    pd.testing.assert_frame_equal(sa, sb)
    pd.testing.assert_frame_equal(sela, selb)
    pd.testing.assert_frame_equal(ma, mb)
    assert da == db


def test_serial_and_thread_executor_agree_and_keep_order():
    items = [(k,) for k in (4, 1, 2, 0)]
    ser = run_batch(square_or_die, items, executor="serial")
    with cf.ThreadPoolExecutor(2) as ex:
        thr = run_batch(square_or_die, items, executor=ex)
    assert [o.value for o in ser] == [o.value for o in thr] == [16, 1, 4, 0]
    bad = run_batch(square_or_die, [(5,), (2,)], executor="serial")
    assert not bad[0].ok and bad[0].error == "ValueError: five is not allowed" and bad[1].value == 4


def test_a_killed_worker_fails_only_its_unit():
    out = run_batch(square_or_die, [(k,) for k in range(8)], executor=2)
    assert [o.ok for o in out] == [True, True, True, False, True, False, True, True]
    assert "died" in out[3].error and "five" in out[5].error
    assert [o.value for o in out if o.ok] == [0, 1, 4, 16, 36, 49]


def test_local_processes_give_the_serial_results():
    p = po.problem_from_spec(SPEC)
    ser = run_scenarios(p, SCENARIOS, executor="serial")
    par = run_scenarios(p, SCENARIOS, executor=2)
    assert_same(ser, par)
    assert ser.summary.loc["impossible", "status"] == "infeasible" and par["impossible"].diagnosis


def test_a_thread_executor_gives_the_serial_results():
    # units on two threads of this process solve with HiGHS side by side (one thread each)
    p = po.problem_from_spec(SPEC)
    ser = run_scenarios(p, SCENARIOS, executor="serial", solver="highs")
    with cf.ThreadPoolExecutor(2) as pool:
        par = run_scenarios(p, SCENARIOS, executor=pool, solver="highs")
    assert_same(ser, par)


def test_dask_local_cluster_agrees_exactly_with_serial():
    distributed = pytest.importorskip("distributed")
    p = po.problem_from_spec(SPEC)
    ser = run_scenarios(p, SCENARIOS, executor="serial")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        via_client = run_scenarios(p, SCENARIOS, executor=client)
        via_default = run_scenarios(p, SCENARIOS[:2], executor="dask", explain_moves=False)
    assert_same(ser, via_client)
    assert via_default.summary["objective"].tolist() == ser.summary["objective"].tolist()[:3]


def test_progress_bar_on_stderr_only_when_asked(capsys):
    pytest.importorskip("tqdm")
    run_batch(square_or_die, [(1,), (2,)], executor="serial", progress=True, desc="squares")
    cap = capsys.readouterr()
    assert "squares" in cap.err and cap.out == ""
    run_batch(square_or_die, [(1,), (2,)], executor="serial", progress=False)
    cap = capsys.readouterr()
    assert cap.err == "" and cap.out == ""


def test_executor_and_solver_settings_are_validated():
    assert resolve_executor(None, 1) == ("serial", None)
    assert resolve_executor(3, 2) == ("local", 2)
    with pytest.raises(po.ValidationError, match="executor"):
        resolve_executor("gpu", 4)
    with pytest.raises(po.ValidationError, match="at least 1"):
        resolve_executor(0, 4)
    assert solver_kwargs({"name": "cbc", "time_limit": 5}) == {"solver": "cbc", "time_limit": 5}
    with pytest.raises(po.ValidationError, match="unknown keys"):
        solver_kwargs({"name": "highs", "speed": "fast"})
