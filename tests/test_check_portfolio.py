"""``check_portfolio``: the plain-arithmetic re-check every returned portfolio goes through.

Oracle: ``oracle.feasible``, written from the engine contract independently of
the library.  On small random requests with budgets (total and per period), a
capacity per period, multi-period cost and demand profiles, start windows,
requires, excludes, mandatory and excluded projects, category limits and
project counts, every portfolio (each project out or at one of its starts) is
feasible by the oracle exactly when ``check_portfolio`` finds nothing to
report; and a broken one is reported with the constraint that it breaks.
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import portfolio_opt as po
from oracle import expand, feasible
from strategies import small_requests


@st.composite
def related_requests(draw):
    """``small_requests`` with relations, flags, categories, a group limit and project counts added."""
    spec = draw(small_requests(min_periods=1, resources=True))
    ids = [p["id"] for p in spec["projects"]]
    for k, p in enumerate(spec["projects"]):
        p["category"] = "grow" if k == 0 else draw(st.sampled_from(["run", "grow"]))  # the group's is in use
        others = [i for i in ids if i != p["id"]]
        if draw(st.booleans()):
            p["requires"] = [draw(st.sampled_from(others))]
        elif draw(st.booleans()):
            p["excludes"] = [draw(st.sampled_from(others))]
    flagged = draw(st.sampled_from(ids))
    spec["projects"][ids.index(flagged)][draw(st.sampled_from(["mandatory", "excluded"]))] = True
    limit = draw(st.sampled_from(["min_count", "max_count", "min_cost", "max_cost", "max_share", "min_share"]))
    amount = {"min_count": 1, "max_count": 2, "min_cost": 3, "max_cost": 6, "max_share": 0.6, "min_share": 0.3}[limit]
    spec["groups"] = [{"category": "grow", limit: amount}]
    spec[draw(st.sampled_from(["min_projects", "max_projects"]))] = draw(st.integers(1, 3))
    return spec


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=related_requests())
def test_check_portfolio_agrees_with_the_oracle_on_every_portfolio(spec):
    problem = po.problem_from_spec(spec)
    options = [[None] + p["starts"] for p in expand(spec)]
    ids = [p["id"] for p in spec["projects"]]
    seen = {True: 0, False: 0}
    for combo in itertools.islice(itertools.product(*options), 400):
        choice = {pid: s for pid, s in zip(ids, combo) if s is not None}
        broken = po.check_portfolio(problem, choice)
        ok = feasible(spec, choice)
        assert ok == (not broken), (choice, broken)
        seen[ok] += 1
        if broken:  # each message names the constraint it breaks
            assert all(":" in m for m in broken), broken
    assert seen[False] > 0  # the empty portfolio alone breaks the mandatory flag or a minimum, when set


def test_a_broken_portfolio_names_each_constraint_it_breaks():
    spec = {"version": 1, "periods": 2,
            "projects": [{"id": "A", "cost": [4, 4], "value": 9, "resources": {"eng": [2, 1]}, "requires": ["B"]},
                         {"id": "B", "cost": [3], "value": 2, "earliest_start": 1, "latest_start": 1},
                         {"id": "C", "cost": [1], "value": 1, "excludes": ["A"], "mandatory": True}],
            "budget": {"total": 20, "per_period": [5, 6]}, "resources": {"eng": [1, 3]}}
    problem = po.problem_from_spec(spec)
    broken = po.check_portfolio(problem, {"A": 0, "C": 0})
    text = " | ".join(broken)
    assert "spend" not in text  # within every budget: 5 of 5 in period 0, 4 of 6 in period 1
    assert any("'A' is selected without 'B'" in m for m in broken)
    assert any("both are selected" in m for m in broken)
    assert any("use 2 exceeds 1" in m for m in broken)  # A's demand of 2 engineers in period 0
    assert not feasible(spec, {"A": 0, "C": 0})
