"""The efficient frontier against brute force, and the greedy rank-and-cut curve beside it.

- at every given budget level the frontier's objective equals the brute-force optimum of the
  request with that total budget (per-period limits kept), and its portfolio is feasible there;
- without levels, the frontier's points are exactly the breakpoints of the brute-force step
  function "best value with total cost ≤ B" (every distinct optimal value, at its cheapest cost);
- the greedy portfolio is feasible (per the oracle) whenever it says so, never beats the optimum,
  and follows value per unit of cost with ties broken by id, mandatory projects first.
"""

from __future__ import annotations

import copy
import itertools
import math

import numpy as np
import pytest

import portfolio_opt as po
from oracle import all_portfolios, brute_force, expand, feasible, value_of
from portfolio_opt.analysis.frontier import efficient_frontier, greedy_portfolio, with_total_budget


def random_spec(seed: int, n: int = 5, T: int = 2) -> dict:
    rng = np.random.default_rng(seed)
    projects = []
    ids = [f"P-{k}" for k in range(n)]
    for k, pid in enumerate(ids):
        dur = int(rng.integers(1, T + 1))
        es = int(rng.integers(0, T - dur + 1))
        p = {"id": pid, "cost": [int(c) for c in rng.integers(1, 9, dur)], "value": int(rng.integers(1, 20)),
             "earliest_start": es, "latest_start": int(rng.integers(es, T - dur + 1)),
             "category": ["run", "grow"][k % 2], "resources": {"eng": [int(x) for x in rng.integers(0, 3, dur)]}}
        if rng.random() < 0.3:
            p["probability"] = 0.5
        projects.append(p)
    if n > 3:
        projects[3]["requires"] = [ids[0]]
        projects[2]["excludes"] = [ids[1]]
    return {"version": 1, "periods": T, "projects": projects,
            "budget": {"total": 30, "per_period": [int(x) for x in rng.integers(8, 15, T)]},
            "resources": {"eng": 4}}


def at_budget(spec: dict, b: float | None) -> dict:
    s = copy.deepcopy(spec)
    s["budget"] = {"per_period": s["budget"]["per_period"]}
    if b is not None:
        s["budget"]["total"] = b
    return s


def cost_of(spec: dict, choice: dict) -> float:
    c = {p["id"]: (sum(p["cost"]) if isinstance(p["cost"], list) else p["cost"]) for p in spec["projects"]}
    return sum(c[i] for i in choice)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_points_at_given_budgets_equal_brute_force(seed):
    spec = random_spec(seed)
    problem = po.problem_from_spec(spec)
    levels = [0, 3, 7.5, 12, 18, 25, 40]
    fr = efficient_frontier(problem, levels, executor="serial")
    assert [p.budget for p in fr.points] == levels
    for p, g in zip(fr.points, fr.greedy):
        s = at_budget(spec, p.budget)
        best = brute_force(s)
        if best is None:
            assert p.status == "infeasible" and p.objective is None
            continue
        assert p.status == "optimal" and p.objective == pytest.approx(best)
        assert feasible(s, dict(p.starts)) and p.cost <= p.budget + 1e-9
        if g.status == "feasible":
            assert feasible(s, dict(g.starts))
            assert g.objective == pytest.approx(value_of(s, dict(g.starts))) and g.objective <= best + 1e-9
    df = fr.to_frame()
    assert list(df.index) == levels
    ok = df["greedy"].notna()
    assert (df.loc[ok, "left_on_table"] >= -1e-9).all()


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_exhaustive_frontier_is_every_breakpoint(seed):
    spec = random_spec(seed, n=6)
    problem = po.problem_from_spec(spec)
    fr = efficient_frontier(problem, executor="serial")
    assert fr.exhaustive
    # oracle: all feasible portfolios without a total budget → the step function's breakpoints
    pts = sorted((cost_of(spec, ch), v) for v, ch in all_portfolios(at_budget(spec, None)))
    expected, best = [], -math.inf
    for c, v in pts:
        if v > best + 1e-9:
            if expected and expected[-1][0] == c:
                expected[-1] = (c, v)
            else:
                expected.append((c, v))
            best = v
    got = [(p.budget, p.objective) for p in fr.points]
    assert len(got) == len(expected)
    for (gb, gv), (eb, ev) in zip(got, expected):
        assert gb == pytest.approx(eb) and gv == pytest.approx(ev)
    # every point's portfolio costs exactly its budget and is feasible there
    for p in fr.points:
        assert p.cost == pytest.approx(p.budget) and feasible(at_budget(spec, p.budget), dict(p.starts))
    # the greedy curve is given at the same levels
    assert [g.budget for g in fr.greedy] == [p.budget for p in fr.points]


def test_greedy_leaves_value_on_the_table():
    # the textbook case: best ratio first (A) blocks the better pair (B, C)
    spec = {"version": 1, "projects": [{"id": "A", "cost": 6, "value": 7}, {"id": "B", "cost": 5, "value": 5},
                                       {"id": "C", "cost": 5, "value": 5}], "budget": 10}
    out = po.solve_spec({**spec, "analyses": {"frontier": {"budgets": [5, 10, 16]}}})
    assert [f["objective"] for f in out["frontier"]] == [5, 10, 17]
    assert [g["objective"] for g in out["greedy_frontier"]] == [5, 7, 17]
    assert out["greedy_frontier"][1]["selected"] == ["A"]
    assert out["frontier"][1]["selected"] == ["B", "C"]
    assert set(out["frontier"][0]) == {"budget", "objective", "selected", "status"}
    assert out["greedy_frontier"][0]["selected"] == ["B"]  # ties by id: B before C


def test_greedy_mandatory_first_prerequisites_and_minimums():
    df_spec = {"version": 1, "projects": [
        {"id": "M", "cost": 5, "value": 1, "mandatory": True},
        {"id": "X", "cost": 2, "value": 10, "requires": ["Y"]},
        {"id": "Y", "cost": 2, "value": 1},
        {"id": "Z", "cost": 1, "value": 3, "category": "grow"},
        {"id": "W", "cost": 3, "value": 1, "category": "grow"},
    ], "budget": 10, "groups": [{"category": "grow", "min_count": 2}]}
    p = po.problem_from_spec(df_spec)
    g = greedy_portfolio(p)
    # M first, then X (best ratio) with its prerequisite Y, then Z; W does not fit → the group minimum fails
    assert g.selected == ("M", "X", "Y", "Z")
    assert g.status == "infeasible" and any("grow" in v for v in g.violations) and g.objective is None
    g2 = greedy_portfolio(with_total_budget(p, 13))
    assert g2.status == "feasible" and set(g2.selected) == {"M", "X", "Y", "Z", "W"}
    assert feasible({**df_spec, "budget": 13}, dict(g2.starts))


def test_n_points_grid_and_engine_forms():
    spec = random_spec(7)
    problem = po.problem_from_spec(spec)
    fr = efficient_frontier(problem, n_points=4, executor="serial")
    b = [p.budget for p in fr.points]
    assert len(b) == 4 and b == sorted(b)
    for p in fr.points:
        best = brute_force(at_budget(spec, p.budget))
        assert (p.objective is None and best is None) or p.objective == pytest.approx(best)
    out = po.solve_spec({**spec, "analyses": {"frontier": {"n_points": 2}}})
    assert len(out["frontier"]) == len(out["greedy_frontier"]) == 2
    with pytest.raises(po.ValidationError, match="n_points"):
        po.solve_spec({**spec, "analyses": {"frontier": {"n_points": 0}}})
    with pytest.raises(po.ValidationError, match="unknown field"):
        po.solve_spec({**spec, "analyses": {"frontier": {"levels": [1]}}})


def test_plot_returns_axes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fr = efficient_frontier(po.problem_from_spec(random_spec(8)), [5, 10, 20], executor="serial")
    ax = fr.plot()
    assert ax.get_xlabel() == "total budget" and len(ax.lines) == 2
    plt.close("all")


def _greedy_by_contract(spec: dict) -> tuple[dict, bool]:
    """The contract's greedy, written from its sentence: mandatory projects first, then every project in order
    of expected value per unit of cost (ties by id), each added at its earliest start if the limits an
    addition can break (budgets, capacities, exclusions, maximums) still hold and, for a project that is not
    mandatory, no share limit ends further from holding than it was."""
    ps = expand(spec)

    def ratio(p):
        v, c = p["prob"] * p["value"], sum(p["cost"])
        return v / c if c > 0 else math.copysign(math.inf, v) if v else 0.0

    relaxed = copy.deepcopy(spec)  # the limits an addition can break, shares apart
    for p in relaxed["projects"]:
        p.pop("mandatory", None)
    relaxed["groups"] = [{k: v for k, v in g.items() if k not in ("min_count", "min_cost", "min_share", "max_share")}
                         for g in spec.get("groups", [])]
    relaxed.pop("min_projects", None)
    category = {p["id"]: p.get("category") for p in spec["projects"]}
    cost = {p["id"]: sum(p["cost"]) for p in ps}

    def short(choice):  # per share limit, how much cost it is short of holding
        total = sum(cost[i] for i in choice)
        out = []
        for g in spec.get("groups", []):
            part = sum(cost[i] for i in choice if category[i] == g["category"])
            if "min_share" in g:
                out.append(max(0.0, g["min_share"] * total - part))
            if "max_share" in g:
                out.append(max(0.0, part - g["max_share"] * total))
        return out

    by_id = {p["id"]: p for p in ps}
    requires = {p["id"]: list(p.get("requires", [])) for p in spec["projects"]}
    order = sorted(ps, key=lambda p: (not p["mandatory"], -ratio(p), p["id"]))
    choice: dict = {}
    for p in order:
        if p["id"] in choice:
            continue
        bundle: list = []  # the project and its prerequisites not chosen yet, prerequisites first

        def visit(i):
            if i in bundle or i in choice:
                return
            bundle.append(i)  # (marks it seen; moved behind its prerequisites below)
            for r in requires[i]:
                visit(r)
            bundle.remove(i)
            bundle.append(i)

        visit(p["id"])
        # the first assignment of starts to the bundle, in order, under which the limits hold (prerequisites
        # relaxed: the bundle brings them)
        fits = (dict(zip(bundle, starts)) for starts in itertools.product(*(by_id[i]["starts"] for i in bundle)))
        add = next((a for a in fits if feasible(relaxed, {**choice, **a})), None)
        if add is not None and not p["mandatory"]:
            after, before = short({**choice, **add}), short(choice)
            add = add if all(a <= b + 1e-9 for a, b in zip(after, before)) else None
        if add is not None:
            choice.update(add)
    return choice, feasible(spec, choice)


@pytest.mark.parametrize("seed", range(40))
def test_greedy_follows_the_contract_sentence(seed):
    """Against an independent greedy: zero and negative values are ranked and added like any other (they were
    skipped), and a share limit is never moved further from holding by a project that is not mandatory (a
    minimum share was broken on the way, and reported at the end; then kept so strictly that it refused
    every mandatory project of another category)."""
    rng = np.random.default_rng(100 + seed)
    T = int(rng.integers(1, 4))
    projects = []
    for k in range(int(rng.integers(3, 8))):
        dur = int(rng.integers(1, T + 1))
        es = int(rng.integers(0, T - dur + 1))
        p = {"id": f"{'ZYXWVUTS'[k]}{k}", "cost": [float(rng.integers(0, 9)) for _ in range(dur)],
             "value": float(rng.choice([-5, 0, 0, 3, 7, 11, 4.5])), "earliest_start": es,
             "latest_start": int(rng.integers(es, T - dur + 1)), "category": str(rng.choice(["a", "b"])),
             "resources": {"eng": [float(x) for x in rng.integers(0, 3, dur)]}}
        if rng.random() < 0.3:
            p["probability"] = float(rng.choice([0.0, 0.5]))
        if rng.random() < 0.15:
            p["mandatory"] = True
        projects.append(p)
    projects[0]["category"], projects[1]["category"] = "a", "b"
    if len(projects) > 4:
        projects[4]["excludes"] = [projects[1]["id"]]
    spec = {"version": 1, "periods": T, "projects": projects, "resources": {"eng": 3},
            "budget": {"total": float(rng.integers(5, 30)), "per_period": [float(rng.integers(6, 14))] * T},
            "groups": [rng.choice([{"category": "a", "min_share": 0.6}, {"category": "b", "max_share": 0.5},
                                   {"category": "a", "max_count": 2}, {"category": "b", "min_count": 1}])]}
    choice, ok = _greedy_by_contract(spec)
    g = greedy_portfolio(po.problem_from_spec(spec))
    assert dict(g.starts) == choice
    assert g.status == ("feasible" if ok else "infeasible")
    if ok:
        assert g.objective == pytest.approx(value_of(spec, choice))


def test_greedy_on_the_sample_portfolio_is_a_feasible_baseline_below_the_optimum():
    """The sample's minimum share of 'grow' (0.2) refused its mandatory 'run' projects when shares were kept at
    every step: the greedy frontier was infeasible at every budget, and the plot showed no greedy curve."""
    from portfolio_opt.demo import load_sample

    problem = load_sample()
    fr = efficient_frontier(problem, [16000.0, 28000.0], executor="serial")
    mandatory = {c.project for c in problem.constraints if isinstance(c, po.constraints.Mandatory)}
    for point, optimal in zip(fr.greedy, fr.points):
        assert point.status == "feasible", point.violations
        assert not po.check_portfolio(with_total_budget(problem, point.budget), point.starts)
        assert mandatory <= set(point.selected)
        assert point.objective <= optimal.objective + 1e-6


def test_a_mandatory_project_is_not_held_back_by_another_category_s_minimum_share():
    spec = {"version": 1, "projects": [
        {"id": "REG", "cost": 4, "value": 1, "category": "run", "mandatory": True},
        {"id": "G1", "cost": 2, "value": 6, "category": "grow"},
        {"id": "R1", "cost": 3, "value": 12, "category": "run"},
        {"id": "G2", "cost": 3, "value": 3, "category": "grow"},
    ], "budget": 12, "groups": [{"category": "grow", "min_share": 0.3}]}
    g = greedy_portfolio(po.problem_from_spec(spec))
    # REG first (mandatory); R1 (best ratio, 4) would leave grow at 0 of 7: refused while grow is short;
    # G1 (3) lifts grow to 2 of 6; G2 (1) to 5 of 9 (0.56); R1 is not retried (one pass down the list)
    assert g.selected == ("REG", "G1", "G2")
    assert g.status == "feasible" and g.objective == 10
    assert feasible(spec, dict(g.starts))


def test_a_prerequisite_moves_to_a_later_start_to_make_room_for_the_project_that_requires_it():
    """B, required by A, fits in either period; A only in the first; one unit of a resource per period.  B at
    its earliest start left A no room and the pair was dropped (the greedy curve 1 where 11 was there), and
    with A mandatory the greedy portfolio was called infeasible without A."""
    spec = {"version": 1, "periods": 2, "resources": {"r": 1}, "projects": [
        {"id": "A", "cost": 1, "value": 10, "requires": ["B"], "resources": {"r": 1}},
        {"id": "B", "cost": 1, "value": 1, "earliest_start": 0, "latest_start": 1, "resources": {"r": 1}}]}
    for mandatory in (False, True):
        spec["projects"][0]["mandatory"] = mandatory
        g = greedy_portfolio(po.problem_from_spec(spec))
        assert (g.status, g.objective, dict(g.starts)) == ("feasible", 11.0, {"A": 0, "B": 1})
        assert feasible(spec, dict(g.starts))
        out = po.solve_spec({**spec, "analyses": {"frontier": {"budgets": [10]}}})
        assert out["greedy_frontier"][0]["selected"] == ["A", "B"]


@pytest.mark.parametrize("seed", range(30))
def test_greedy_with_prerequisites_follows_the_contract_sentence(seed):
    """Against the independent greedy, on requests with chains and cycles of requirements over 3 periods with a
    tight resource: each project goes in with its prerequisites, at the first starts under which the limits
    hold."""
    rng = np.random.default_rng(500 + seed)
    T = 3
    ids = [f"Q{k}" for k in range(int(rng.integers(4, 8)))]
    projects = []
    for k, pid in enumerate(ids):
        dur = int(rng.integers(1, 3))
        es = int(rng.integers(0, T - dur + 1))
        projects.append({"id": pid, "cost": [float(rng.integers(1, 6)) for _ in range(dur)],
                         "value": float(rng.integers(1, 15)), "earliest_start": es,
                         "latest_start": int(rng.integers(es, T - dur + 1)),
                         "resources": {"eng": [float(x) for x in rng.integers(1, 3, dur)]}})
        if k and rng.random() < 0.5:
            projects[-1]["requires"] = [ids[int(rng.integers(0, k))]]
        if rng.random() < 0.1:
            projects[-1]["mandatory"] = True
    if rng.random() < 0.3:  # a cycle: the first requires the last
        projects[0]["requires"] = [ids[-1]]
    spec = {"version": 1, "periods": T, "projects": projects, "resources": {"eng": 2},
            "budget": {"per_period": [float(rng.integers(4, 10))] * T}}
    choice, ok = _greedy_by_contract(spec)
    g = greedy_portfolio(po.problem_from_spec(spec))
    assert dict(g.starts) == choice
    assert g.status == ("feasible" if ok else "infeasible")
