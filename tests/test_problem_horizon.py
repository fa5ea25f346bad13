"""Problem.from_frame without ``periods``: the horizon is the latest finish, found with one validation."""

from __future__ import annotations

import pandas as pd
import pytest

import portfolio_opt.problem as problem_mod
from portfolio_opt import Problem
from portfolio_opt.errors import ValidationError

SCORING = {"criteria": {"fit": {"weight": 1, "direction": "max"}}}


def _frame(**extra):
    df = pd.DataFrame({
        "id": ["A", "B", "C", "D"],
        "cost": [4, "3;3", "1;1;1", 2],
        "value": [10, 7, 5, 3],
        "earliest_start": [0, 1, 2, 0],
        "latest_start": [50, 1, 9, None],  # A and C reach past the horizon: cut to it
        "category": ["run", "grow", "grow", None],
        "fit": [1.0, 2.0, 3.0, 4.0],
    })
    for k, v in extra.items():
        df[k] = v
    return df


@pytest.mark.parametrize("kwargs", [
    dict(budget=8),
    dict(budget=8, groups=[{"category": "grow", "max_count": 1}], max_projects=3),
    dict(objective="score", scoring=SCORING),
])
def test_derived_horizon_equals_the_explicit_one(kwargs):
    derived = Problem.from_frame(_frame(), **kwargs)
    assert derived.periods == ("period 0", "period 1", "period 2", "period 3", "period 4")  # C: 2 + 3 periods
    explicit = Problem.from_frame(_frame(), periods=5, **kwargs)
    assert derived.periods == explicit.periods
    pd.testing.assert_frame_equal(derived.table.frame, explicit.table.frame)
    assert (derived.table.cost == explicit.table.cost).all()
    assert derived.constraints == explicit.constraints
    assert derived.table.frame["latest_start"].tolist() == [4, 1, 2, 0]  # D: no window, starts at 0


def test_the_table_is_validated_once(monkeypatch):
    calls = []
    real = problem_mod.validate_projects

    def counting(*args, **kwargs):
        calls.append(kwargs.get("periods"))
        return real(*args, **kwargs)

    monkeypatch.setattr(problem_mod, "validate_projects", counting)
    Problem.from_frame(_frame(), budget=8)
    assert len(calls) == 1
    calls.clear()
    Problem.from_frame(_frame(), periods=6, budget=8)
    assert calls == [6]


def test_errors_are_those_of_the_derived_horizon():
    # a start beyond the longest horizon derived without 'periods': the message says how to lift it
    df = _frame(earliest_start=[0, 20_000, 2, 0], latest_start=[50, 20_000, 9, None])
    with pytest.raises(ValidationError) as exc:
        Problem.from_frame(df)
    (msg,) = exc.value.problems
    assert msg.startswith("project 'B': start window 20000..20000 cannot fit the horizon")
    assert "pass 'periods' for a longer one" in msg
    assert Problem.from_frame(df, periods=20_002).n_periods == 20_002  # a valid table with that horizon
    # a missing criterion is reported with the horizon of the latest finish (no window problems)
    with pytest.raises(ValidationError) as exc:
        Problem.from_frame(_frame().drop(columns="fit"), objective="score", scoring=SCORING)
    assert len(exc.value.problems) == 1 and "missing criterion column 'fit'" in exc.value.problems[0]


@pytest.mark.parametrize("bad", ["x", -1, None, [1, "y"]])
def test_an_invalid_cost_is_the_only_problem_reported(bad):
    # another project's 2-period profile is no problem: the horizon is derived from the table
    df = _frame()
    df["cost"] = df["cost"].astype(object)
    df.at[3, "cost"] = bad
    with pytest.raises(ValidationError) as exc:
        Problem.from_frame(df, budget=8)
    (msg,) = exc.value.problems
    assert msg.startswith("project 'D': field 'cost'")
    assert "horizon" not in msg
