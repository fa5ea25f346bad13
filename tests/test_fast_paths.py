"""The bulk paths of reading a request and writing a response give what the checks cell by cell give.

The engine checks a plain project object in one pass (``engine._plain``), hands it to the table without a
copy, reads numeric columns with missing cells at once, and writes a response's numbers column by column;
each has a long path it must agree with, message for message and value for value.
"""

from __future__ import annotations

import math
import types

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import portfolio_opt as po
from portfolio_opt import engine
from portfolio_opt.data import validate_projects
from portfolio_opt.result import _num, _nums

_BAD = [None, "x", "", " ", True, 1.5, -2, 2.5e30, [], [1, "a"], [None], {"eng": "a"}, {"eng": [1, None]},
        {"fit": "high"}, ["Q"], [3], 0, {"a": 1}]
_FIELDS = ["id", "name", "duration", "cost", "value", "resources", "earliest_start", "latest_start",
           "mandatory", "excluded", "category", "requires", "excludes", "scores", "benefits", "probability", "bogus"]


@st.composite
def _requests(draw):
    """3-8 projects over 1-3 periods whose optional fields are present, absent or null at random; maybe a
    field or two of wrong type or value."""
    T = draw(st.integers(1, 3))
    n = draw(st.integers(3, 8))
    ids = [f"P{k}" for k in range(n)]
    projects = []
    for k, pid in enumerate(ids):
        d = draw(st.integers(1, T))
        p = {"id": pid, "cost": draw(st.one_of(st.just([float(draw(st.integers(0, 9))) for _ in range(d)]),
                                                st.integers(0, 20)))}
        optional = {
            "value": st.one_of(st.integers(-5, 50), st.floats(0, 50, allow_nan=False)),
            "probability": st.sampled_from([0, 0.5, 1, 0.25]),
            "earliest_start": st.integers(0, T - 1),
            "mandatory": st.booleans(),
            "category": st.sampled_from(["run", "grow"]),
            "name": st.sampled_from(["alpha", "beta"]),
            "requires": st.lists(st.sampled_from([i for i in ids if i != pid]), max_size=1),
            "resources": st.builds(lambda v: {"eng": v}, st.integers(0, 3)),
            "scores": st.builds(lambda v: {"fit": v}, st.integers(1, 5)),
            "benefits": st.lists(st.integers(0, 9), min_size=1, max_size=3),
        }
        for key, strat in optional.items():
            how = draw(st.sampled_from(["set", "set", "absent", "null"]))
            if how == "set":
                p[key] = draw(strat)
            elif how == "null" and key not in ("scores", "resources"):
                p[key] = None
        projects.append(p)
    for _ in range(draw(st.integers(0, 2))):
        p = projects[draw(st.integers(0, n - 1))]
        p[draw(st.sampled_from(_FIELDS))] = draw(st.sampled_from(_BAD))
    return {"version": 1, "periods": T, "budget": 30, "projects": projects}


def _read(spec):
    try:
        return engine.problem_from_spec(spec).table.frame, None
    except po.ValidationError as exc:
        return None, list(exc.problems)


@settings(max_examples=150, deadline=None)
@given(_requests())
def test_plain_projects_read_as_the_checks_read_them(spec):
    """Projects as read-only mappings (not dicts) take the checks field by field and are copied into the
    table; as dicts, the plain ones take the one-pass check and go in as they are. Same table or same
    messages, and the request is not changed."""
    import copy
    import warnings

    before = copy.deepcopy(spec)
    proxied = dict(spec, projects=[types.MappingProxyType(p) for p in spec["projects"]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fast, fast_err = _read(spec)
        slow, slow_err = _read(proxied)
    assert spec == before
    assert fast_err == slow_err
    if fast is not None:
        pd.testing.assert_frame_equal(fast, slow)


def test_plain_refuses_what_the_checks_refuse():
    """Every wrong field of a project object makes ``_plain`` hand it to the checks (which name it)."""
    good = {"id": "A", "cost": [1, 2], "value": 3, "probability": 0.5, "earliest_start": 0, "mandatory": True,
            "requires": ["B"], "resources": {"eng": [1, 0], "ops": 2}, "scores": {"fit": 4}, "category": "run",
            "name": "x", "benefits": [1]}
    assert engine._plain(good)
    for key, bad in [("value", "3"), ("value", True), ("probability", [1]), ("id", " "), ("id", 3),
                     ("mandatory", 1), ("requires", "B"), ("requires", [1]), ("resources", {"eng": "1"}),
                     ("resources", {"eng": [1, None]}), ("resources", [1]), ("scores", {"fit": "4"}),
                     ("cost", "4"), ("benefits", "1"), ("unknown", 1), ("id", None), ("bogus", None)]:
        assert not engine._plain(dict(good, **{key: bad})), (key, bad)
        with pytest.raises(po.ValidationError):
            engine.problem_from_spec({"version": 1, "budget": 5, "projects": [
                dict(good, **{key: bad}), {"id": "B", "cost": 1, "value": 1}]})
    no_id = dict(good)
    del no_id["id"]
    assert not engine._plain(no_id)


@pytest.mark.parametrize("column, values", [
    ("probability", [0.5, np.nan, 1.0, np.nan]),
    ("value", [3.0, np.nan, 2.0, 1.0]),
    ("earliest_start", [0.0, np.nan, 1.0, np.nan]),
    ("latest_start", [np.nan, 2.0, 2.0, np.nan]),
    ("probability", [0.5, np.nan, 1.5, 0.2]),  # out of range: the long path names it
    ("earliest_start", [0.5, np.nan, 1.0, 0.0]),  # not whole
])
def test_numeric_columns_with_missing_cells_read_as_cell_by_cell(column, values):
    """A float column with empty cells (read at once) gives the table, or the messages, that the same
    column as objects (read cell by cell) gives."""
    df = pd.DataFrame({"id": list("ABCD"), "cost": [1.0, 2.0, 3.0, 4.0], "value": [1.0, 2.0, 3.0, 4.0],
                       "earliest_start": [1, 0, 2, 1]})
    df[column] = values

    def read(frame, require_value):
        try:
            return validate_projects(frame, periods=3, require_value=require_value).frame, None
        except po.ValidationError as exc:
            return None, list(exc.problems)

    for require_value in (False, True):
        fast = read(df, require_value)
        slow = read(df.astype({column: object}), require_value)
        assert fast[1] == slow[1]
        if fast[0] is not None:
            pd.testing.assert_frame_equal(fast[0], slow[0])
    if column == "value":  # a missing value is an error only where the objective needs it
        assert read(df, True)[1] == ["project 'B': field 'value' is missing"]
        assert read(df, False)[0].loc["B", "value"] == 0.0
    if column == "latest_start":  # a window left open ends where it starts
        assert read(df, False)[0]["latest_start"].tolist() == [1, 2, 2, 1]


def test_a_project_without_value_is_worth_nothing():
    """The contract's default value, 0, whether or not the project takes the one-pass check."""
    spec = {"version": 1, "budget": 10, "projects": [{"id": "A", "cost": 2}, {"id": "B", "cost": 3, "value": 4},
                                                     {"id": "C", "cost": 1, "scores": {"fit": 2}}]}
    frame = engine.problem_from_spec(spec).table.frame
    assert frame["value"].tolist() == [0.0, 4.0, 0.0]
    assert po.solve_spec(spec)["selected"] == ["B"]


def test_response_numbers_as_one_by_one():
    """The response's per-project numbers are ``_num`` of each (None where not finite), written column-wise."""
    a = np.array([1.5, np.nan, np.inf, -np.inf, -0.0, 1e300])
    assert _nums(a) == [_num(v) for v in a]
    assert _nums(np.array([1.0, 2.0])) == [1.0, 2.0]
    # a project of no cost has no benefit-cost ratio or ROI, one never paid back no payback period
    spec = {"version": 1, "periods": 2, "budget": 10, "projects": [
        {"id": "A", "cost": [0, 0], "value": 5}, {"id": "B", "cost": [3, 1], "value": 4, "benefits": [0, 2]},
        {"id": "C", "cost": 2, "value": 1, "benefits": [1, 4]}]}
    out = po.solve_spec(spec)
    problem = engine.problem_from_spec(spec)
    m = problem.metrics
    for rec in out["projects"]:
        for key in ("npv", "benefit_cost_ratio", "roi", "payback_period"):
            v = m.loc[rec["id"], key]
            assert rec[key] == (None if not math.isfinite(v) else v), (rec["id"], key)
    assert any(rec[k] is None for rec in out["projects"] for k in ("benefit_cost_ratio", "payback_period"))
    assert out["starts"] == {pid: rec["start"] for rec in out["projects"] if rec["selected"]
                             for pid in [rec["id"]]}
