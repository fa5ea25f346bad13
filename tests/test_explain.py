"""Explanations of a portfolio, every figure checked against the brute-force oracle.

- ``value_if_flipped`` equals the brute-force optimum of the request with the
  project forced the other way (out if selected, in if not; a forced project
  loses its opposite flag, as in ``Problem.force_in`` / ``force_out``), and
  None exactly when that request is infeasible;
- the break-even value is exactly the smallest value at which the project is
  part of an optimal portfolio: at the break-even some optimal portfolio
  contains it, a little below none does (brute force, and once by re-solving
  with the library);
- "in only because of a rule" agrees with the brute-force optimum without the
  rule; the rules that keep a project out, the binding limits, the LP shadow
  prices and the engine entries are checked on worked examples.
"""

from __future__ import annotations

import copy
import math

import pytest
from hypothesis import HealthCheck, given, settings
from oracle import all_portfolios, brute_force
from test_alternatives import requests

import portfolio_opt as po
from portfolio_opt.analysis.explain import Explanation, check_explain, explain

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _flip(spec, pid, selected):
    s = copy.deepcopy(spec)
    for p in s["projects"]:
        if p["id"] == pid:
            p["excluded"], p["mandatory"] = (True, False) if selected else (False, True)
    return s


def _with(spec, pid, **fields):
    s = copy.deepcopy(spec)
    for p in s["projects"]:
        if p["id"] == pid:
            p.update(fields)
    return s


def _best_with(spec, pid):
    """(best objective of any portfolio, best objective of a portfolio containing pid)."""
    best = best_in = -math.inf
    for v, choice in all_portfolios(spec):
        best = max(best, v)
        if pid in choice:
            best_in = max(best_in, v)
    return best, best_in


def _explain(spec, **kw):
    r = po.select(po.problem_from_spec(spec))
    return r, explain(r, **kw)


# --------------------------------------------------------------------------- oracle properties
@SETTINGS
@given(spec=requests())
def test_value_if_flipped_is_the_brute_force_optimum_with_the_project_flipped(spec):
    r, ex = _explain(spec, shadow_prices=False)
    if not r.has_solution:
        assert ex.projects["value_if_flipped"].isna().all()
        return
    assert ex.exact
    flags = {p["id"]: (p.get("mandatory", False), p.get("excluded", False)) for p in spec["projects"]}
    for pid, row in ex.to_frame().iterrows():
        expected = brute_force(_flip(spec, pid, row["selected"]))  # with the project's own flag lifted
        # the contract: forced the other way; a mandatory project forced out (or a forced-out one forced in)
        # would be both in and out, which is infeasible: null, while value_lost keeps what the flag costs
        own_flag = flags[pid][0] if row["selected"] else flags[pid][1]
        if expected is None:
            assert math.isnan(row["value_if_flipped"]), pid
            assert math.isnan(row["value_lost"])
        else:
            if own_flag:
                assert math.isnan(row["value_if_flipped"]), pid
            else:
                assert row["value_if_flipped"] == pytest.approx(expected, abs=1e-6), pid
            assert row["value_lost"] == pytest.approx(r.objective - expected, abs=1e-6), pid
    # the next-best distinct portfolio of the request itself
    objs = {}
    for v, choice in all_portfolios(spec):
        objs[frozenset(choice)] = v
    others = sorted(v for s, v in objs.items() if s != frozenset(r.selected_ids))
    assert (ex.next_best is None) == (not others)
    if others:
        assert ex.next_best == pytest.approx(others[-1], abs=1e-6)


@SETTINGS
@given(spec=requests())
def test_break_even_is_the_smallest_value_that_keeps_or_brings_the_project_in(spec):
    r, ex = _explain(spec, shadow_prices=False)
    if not r.has_solution:
        return
    for pid, row in ex.to_frame().iterrows():
        be = row["break_even_value"]
        if math.isnan(be):
            continue
        base = _with(spec, pid, excluded=False)  # an on-hold project's break-even is for the hold lifted
        best, best_in = _best_with(_with(base, pid, value=be), pid)
        assert best_in == pytest.approx(best, abs=1e-6), (pid, be)  # part of an optimal portfolio at be
        best, best_in = _best_with(_with(base, pid, value=be - 1e-3), pid)
        assert best_in < best - 1e-7, (pid, be)  # and of none just below


def test_break_even_verified_by_re_solving_with_the_library():
    spec = {"version": 1, "periods": 2, "budget": [6, 6], "projects": [
        {"id": "A", "cost": [4, 2], "value": 10, "probability": 0.8},
        {"id": "B", "cost": [3], "value": 7, "earliest_start": 0, "latest_start": 1},
        {"id": "C", "cost": [5], "value": 9, "probability": 0.5, "earliest_start": 0, "latest_start": 1}]}
    r, ex = _explain(spec)
    t = ex.to_frame()
    for pid in t.index:
        be = t.at[pid, "break_even_value"]
        p2 = po.problem_from_spec(_with(spec, pid, value=be))
        z2 = po.select(p2).objective
        # at the break-even both decisions are optimal ...
        assert po.select(p2.force_in(pid)).objective == pytest.approx(z2, abs=1e-9)
        assert po.select(p2.force_out(pid)).objective == pytest.approx(z2, abs=1e-9)
        # ... and the optimum is the base one (left out) or the one without the project (selected)
        expected = t.at[pid, "value_if_flipped"] if t.at[pid, "selected"] else r.objective
        assert z2 == pytest.approx(expected, abs=1e-9)


@SETTINGS
@given(spec=requests())
def test_in_only_because_of_a_relation_agrees_with_the_oracle(spec):
    r, ex = _explain(spec, shadow_prices=False)
    if not r.has_solution:
        return
    sel = set(r.selected_ids)
    for pid, row in ex.to_frame().iterrows():
        if not row["selected"]:
            assert not row["only_because_of_rule"] and row["held_in_by"] == ()
            continue
        if any("counts towards" in h for h in row["held_in_by"]):
            continue  # group and count minimums: checked on worked examples below
        mand = any(p["id"] == pid and p.get("mandatory") for p in spec["projects"])
        requirers = [p["id"] for p in spec["projects"] if pid in p.get("requires", []) and p["id"] in sel]
        assert bool(row["held_in_by"]) == (mand or bool(requirers)), pid
        if not row["held_in_by"]:
            assert not row["only_because_of_rule"]
            continue
        free = copy.deepcopy(spec)
        for p in free["projects"]:
            if p["id"] == pid:
                p["mandatory"] = False
            if p["id"] in requirers:
                p["requires"] = [q for q in p["requires"] if q != pid]
        z_free = brute_force(free)
        z_out = brute_force(_flip(free, pid, True))
        expected = z_out is not None and z_out >= z_free - 1e-6
        assert row["only_because_of_rule"] == expected, pid


# --------------------------------------------------------------------------- worked examples
KNAPSACK = {"version": 1, "budget": 6, "projects": [
    {"id": "A", "cost": 4, "value": 10}, {"id": "B", "cost": 3, "value": 7}, {"id": "C", "cost": 2, "value": 5}]}


def test_knapsack_figures_and_lp_shadow_price():
    r, ex = _explain(KNAPSACK)
    t = ex.to_frame()
    assert list(t.index) == ["A", "B", "C"]
    assert t["value_if_flipped"].tolist() == [12, 12, 10]  # B in: B + C
    assert t["value_lost"].tolist() == [3, 3, 5]
    assert t["break_even_value"].tolist() == [7, 10, 0]
    assert t.at["A", "competes_on"] == ("the total budget",)
    assert t.at["B", "lacks"] == ("3 short on the total budget (needs 3, 0 left)",)
    assert t.at["B", "left_if_flipped"] == ("A",) and t.at["A", "entered_if_flipped"] == ("B",)
    b = ex.binding
    assert len(b) == 1 and bool(b["binding"].iloc[0]) and b["slack"].iloc[0] == 0
    # LP relaxation: A and C fill the budget; the next unit buys 1/3 of B, worth 7/3
    assert b["shadow_price_lp"].iloc[0] == pytest.approx(7 / 3, rel=1e-6)
    assert ex.next_best == 12 and ex.exact


def test_binding_means_nothing_left_out_fits_in_the_slack():
    spec = copy.deepcopy(KNAPSACK)
    spec["budget"] = 6.5  # A + C use 6; 0.5 left, and B needs 3
    _, ex = _explain(spec)
    row = ex.binding.iloc[0]
    assert row["slack"] == 0.5 and bool(row["binding"])
    spec["budget"] = 100  # everything fits
    _, ex = _explain(spec)
    row = ex.binding.iloc[0]
    assert not row["binding"] and row["shadow_price_lp"] == 0


def test_rules_that_hold_projects_in():
    spec = {"version": 1, "budget": 10, "groups": [{"category": "run", "min_count": 1}], "projects": [
        {"id": "REG", "cost": 2, "value": -1, "mandatory": True, "category": "grow"},   # only because mandatory
        {"id": "CORE", "cost": 2, "value": 50, "mandatory": True, "category": "grow"},  # chosen anyway
        {"id": "APP", "cost": 2, "value": 20, "requires": ["DB"], "category": "grow"},
        {"id": "DB", "cost": 2, "value": 0, "category": "grow"},                        # only because APP needs it
        {"id": "OPS", "cost": 2, "value": 1, "category": "run"},                        # only for the group minimum
        {"id": "X", "cost": 2, "value": 3, "category": "grow"}]}
    r, ex = _explain(spec)
    assert r.selected_ids == ["REG", "CORE", "APP", "DB", "OPS"]
    t = ex.to_frame()
    assert t.at["REG", "only_because_of_rule"] and t.at["REG", "value_lost"] == -4  # X (3) would replace it (-1)
    assert "only because it is mandatory" in t.at["REG", "reason"]
    assert not t.at["CORE", "only_because_of_rule"] and "would be chosen anyway" in t.at["CORE", "reason"]
    assert math.isnan(t.at["CORE", "break_even_value"])
    assert t.at["DB", "held_in_by"] == ("'APP' requires it",) and t.at["DB", "only_because_of_rule"]
    assert "because 'APP' requires it" in t.at["DB", "reason"]
    assert t.at["OPS", "only_because_of_rule"]
    assert t.at["OPS", "held_in_by"] == (
        "it counts towards the minimum number of 'run' projects (1), which is exactly met",)
    assert "cannot be dropped" in t.at["OPS", "reason"]  # the only 'run' project
    assert not t.at["APP", "only_because_of_rule"] and t.at["APP", "held_in_by"] == ()
    text = ex.report()
    rule_part = text.split("SELECTED BECAUSE A RULE REQUIRES IT")[1].split("LEFT OUT")[0]
    for pid in ("REG", "CORE", "DB", "OPS"):
        assert f"\n  {pid}:" in rule_part


def test_rules_that_keep_projects_out():
    spec = {"version": 1, "budget": 10, "projects": [
        {"id": "A", "cost": 3, "value": 9, "excludes": ["B"]},
        {"id": "B", "cost": 3, "value": 5},
        {"id": "C", "cost": 2, "value": 4, "requires": ["H"]},
        {"id": "H", "cost": 1, "value": 9, "excluded": True},
        {"id": "M", "cost": 1, "value": 1, "mandatory": True, "excludes": ["N"]},
        {"id": "N", "cost": 1, "value": 8}]}
    r, ex = _explain(spec)
    t = ex.to_frame()
    assert r.selected_ids == ["A", "M"]
    assert t.at["B", "kept_out_by"] == ("it excludes 'A', which is selected",)
    assert t.at["B", "value_if_flipped"] == 6  # B and M
    assert t.at["C", "kept_out_by"] == ("it requires 'H', which is not selected (on hold)",)
    assert math.isnan(t.at["C", "value_if_flipped"])
    # C is only forced in by the flip: the reason does not call it mandatory (it did)
    assert t.at["C", "cannot_flip"][0] == "'C' requires 'H', but 'H' is forced out"
    assert "It cannot be added: 'C' requires 'H'" in t.at["C", "reason"] and "mandatory" not in t.at["C", "reason"]
    # nor in the budget's words, where it joins the mandatory M
    tight = dict(spec, budget=3, projects=spec["projects"] + [{"id": "Q", "cost": 5, "value": 1}])
    t2 = _explain(tight)[1].to_frame()
    assert t2.at["Q", "cannot_flip"][0] == (
        "'Q' and the mandatory projects 'M' cost 6 in total and the total budget is 3")
    alone = dict(tight, projects=[p for p in tight["projects"] if p["id"] != "M"])
    assert _explain(alone)[1].to_frame().at["Q", "cannot_flip"][0] == "'Q' costs 5 in total and the total budget is 3"
    assert t.at["H", "kept_out_by"] == ("it is on hold (forced out)",)
    assert t.at["H", "value_lost"] == -13  # H and C, which requires it
    assert "Lifting the hold would add 13 (the best portfolio with it adds C)" in t.at["H", "reason"]
    assert math.isnan(t.at["N", "value_if_flipped"])  # N excludes the mandatory M
    assert "'M' and 'N' exclude each other" in t.at["N", "cannot_flip"][0]
    assert "KEPT OUT BY A RULE (4)" in ex.report()


def test_what_an_excluded_project_lacks_names_periods_and_roles():
    spec = {"version": 1, "periods": ["2027", "2028"], "budget": [5, 5], "resources": {"eng": [2, 2]},
            "projects": [
                {"id": "A", "cost": [4, 4], "value": 10, "resources": {"eng": [1, 2]}},
                {"id": "B", "cost": [3, 1], "value": 5, "resources": {"eng": [1, 1]}}]}
    r, ex = _explain(spec)
    assert r.selected_ids == ["A"]
    lacks = ex.to_frame().at["B", "lacks"]
    assert lacks == ("2 short on the 2027 budget (needs 3, 1 left)", "1 short on eng in 2028 (needs 1, 0 free)")
    comp = ex.to_frame().at["A", "competes_on"]
    assert comp == ("the 2027 budget", "eng in 2028")  # the 2028 budget has 1 left and B needs 1: it fits


def test_infeasible_request_is_explained_by_its_diagnosis():
    spec = {"version": 1, "budget": 5, "projects": [
        {"id": "A", "cost": 4, "value": 1, "mandatory": True}, {"id": "B", "cost": 4, "value": 1, "mandatory": True}]}
    r, ex = _explain(spec)
    assert r.status == po.Status.INFEASIBLE
    t = ex.to_frame()
    assert not t["selected"].any() and t["value_if_flipped"].isna().all()
    assert all(reason.startswith("No portfolio: the request is infeasible") for reason in t["reason"])
    assert "total budget" in t["reason"].iloc[0]
    assert ex.report().startswith("No portfolio")


def test_report_reads_as_plain_text_and_mentions_every_project():
    spec = {"version": 1, "periods": ["2027", "2028"], "budget": {"total": 12, "per_period": [7, 7]},
            "resources": {"eng": 3}, "groups": [{"category": "grow", "max_share": 0.75}], "projects": [
                {"id": "CRM", "name": "New CRM", "cost": [4, 2], "value": 12, "category": "grow",
                 "resources": {"eng": [2, 1]}},
                {"id": "DWH", "name": "Data warehouse", "cost": [3], "value": 6, "category": "run",
                 "earliest_start": 0, "latest_start": 1, "resources": {"eng": 1}},
                {"id": "WEB", "name": "Web shop", "cost": [4], "value": 7, "category": "grow",
                 "earliest_start": 0, "latest_start": 1, "resources": {"eng": 2}},
                {"id": "REG", "name": "Regulatory", "cost": [1], "value": 0, "mandatory": True, "category": "run"}]}
    _, ex = _explain(spec)
    text = ex.report(width=90)
    assert text.startswith("WHY THIS PORTFOLIO\nThe recommended portfolio funds")
    for head in ("WHAT LIMITS IT", "SELECTED ON THEIR MERITS", "LEFT OUT", "How to read this"):
        assert head in text
    for pid, name in (("CRM", "New CRM"), ("DWH", "Data warehouse"), ("WEB", "Web shop"), ("REG", "Regulatory")):
        assert f"{pid} {name}:" in text
    assert all(len(line) <= 90 for line in text.splitlines())
    assert "every figure is proven" in " ".join(text.split())
    assert repr(ex).startswith("Explanation(")


def test_engine_contract_one_entry_per_project_in_input_order():
    spec = dict(KNAPSACK, projects=KNAPSACK["projects"][::-1], analyses={"explain": True})
    out = po.solve_spec(spec)
    ex = out["explanations"]
    assert [e["id"] for e in ex] == ["C", "B", "A"]
    for e in ex:
        assert set(e) >= {"id", "selected", "value_if_flipped", "reason"}
        assert isinstance(e["reason"], str) and e["reason"]
    assert {e["id"]: e["value_if_flipped"] for e in ex} == {"C": 10, "B": 12, "A": 12}
    assert {e["id"]: e["selected"] for e in ex} == {"C": True, "B": False, "A": True}
    # a flip that is infeasible is null
    spec2 = dict(KNAPSACK, projects=[dict(KNAPSACK["projects"][0], mandatory=True)] + KNAPSACK["projects"][1:],
                 analyses={"explain": True})
    out2 = po.solve_spec(spec2)
    e = {x["id"]: x for x in out2["explanations"]}
    assert e["A"]["value_if_flipped"] is None  # out and mandatory at once: infeasible, as the contract reads
    assert e["A"]["value_lost"] == out2["objective"] - 12  # what the mandate costs: 12 without it
    assert "explanations" not in po.solve_spec(dict(KNAPSACK, analyses={"explain": False}))
    with pytest.raises(po.ValidationError, match="must be true or false"):
        po.solve_spec(dict(KNAPSACK, analyses={"explain": "yes"}))


def test_to_dict_is_json_ready_and_check_explain():
    import json

    _, ex = _explain(KNAPSACK)
    d = ex.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["exact"] and d["solves"] >= 3 and d["binding"][0]["binding"] is True
    assert isinstance(ex, Explanation) and ex.reason("A").startswith("Selected")
    with pytest.raises(po.ValidationError, match="unknown project id"):
        ex.reason("Z")
    check_explain(None, True)
    with pytest.raises(po.ValidationError):
        explain("not a result")


def test_with_tie_break_the_reasons_ignore_backend_and_row_order():
    # A, B and C are interchangeable: which one a reversed decision brings in is a tie
    projects = [{"id": i, "cost": 3, "value": 5} for i in ("C", "A", "B")] + [
        {"id": "D", "cost": 3, "value": 6}, {"id": "E", "cost": 1, "value": 1}]
    spec = {"version": 1, "budget": 7, "projects": projects}
    seen = []
    for order in (projects, projects[::-1]):
        for backend in [b for b in ("highs", "cbc") if b in po.available_solvers()]:
            r = po.select(po.problem_from_spec(dict(spec, projects=order)), solver=backend, tie_break="rule")
            t = explain(r, tie_break=True, shadow_prices=False).to_frame().sort_index()
            seen.append(t[["value_if_flipped", "reason"]])
    for t in seen[1:]:
        assert t.equals(seen[0])
    assert "Dropping it would cost 1 (the best portfolio without it adds B)" in seen[0].at["D", "reason"]


def test_a_re_solve_checks_few_candidate_warm_starts(monkeypatch):
    """Each re-solve of a HiGHS explanation looked at every portfolio found so far for its warm start,
    checking each against the changed problem: an explanation of n projects made ~n^2/2 checks (400
    single-budget candidates: 41 s, now 6 s). Now the forced projects are tested first and only the best
    ``WARM_CANDIDATES`` are looked at, best first, up to the first that fits."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import instances

    from portfolio_opt.analysis import explain as ex

    p = instances.generate(120, 1, 0, seed=3).problem()
    r = po.select(p, solver="highs")
    calls = []
    real = ex.check_portfolio
    monkeypatch.setattr(ex, "check_portfolio", lambda *a, **k: calls.append(1) or real(*a, **k))
    e = po.explain(r)
    n = len(p.ids)
    assert len(e.to_frame()) == n and 0 < len(calls) <= 3 * n
