"""Hypothesis strategies shared by the test modules: small random portfolio requests (engine format)."""

from __future__ import annotations

from hypothesis import strategies as st


@st.composite
def small_requests(draw, min_periods: int = 1, resources: bool = False):
    """2-7 projects over ``min_periods``-3 periods with start windows, budgets total and per period,
    and (``resources``) one capacity per period: small enough for the brute-force oracle."""
    n = draw(st.integers(2, 6 if resources else 7))
    T = draw(st.integers(min_periods, 3))
    projects = []
    for k in range(n):
        dur = draw(st.integers(1, T))
        es = draw(st.integers(0, T - dur))
        p = {"id": f"P{k}", "cost": [draw(st.integers(1, 6)) for _ in range(dur)],
             "value": draw(st.integers(0, 9)), "earliest_start": es, "latest_start": draw(st.integers(es, T - dur))}
        if resources:
            p["resources"] = {"eng": [draw(st.integers(0, 2)) for _ in range(dur)]}
        projects.append(p)
    spec = {"version": 1, "periods": T, "projects": projects,
            "budget": {"total": draw(st.integers(3, 20)), "per_period": [draw(st.integers(2, 9)) for _ in range(T)]}}
    if resources:
        spec["resources"] = {"eng": [draw(st.integers(1, 3)) for _ in range(T)]}
    return spec
