"""Tests of portfolio_opt.finance: hand-worked examples, an independent oracle, invariances."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_opt.errors import ValidationError
from portfolio_opt.finance import (
    benefit_cost_ratio,
    cash_flow_metrics,
    expected_value,
    npv,
    payback_period,
    present_value,
    roi,
)

# --------------------------------------------------------------------------
# worked examples, arithmetic by hand
# --------------------------------------------------------------------------


def test_npv_and_bcr_hand_example_ten_percent():
    # Invest 1000 at the start, receive 400 at the end of each of 3 periods, r = 10 %.
    #   PV(benefits) = 400/1.1 + 400/1.1**2 + 400/1.1**3
    #                = 363.636364 + 330.578512 + 300.525920 = 994.740796
    #   PV(costs)    = 1000 (offset 0 is not discounted)
    #   NPV          = 994.740796 - 1000 = -5.259204
    #   BCR          = 994.740796 / 1000 = 0.994741
    #   ROI          = (1200 - 1000) / 1000 = 0.2 (undiscounted)
    #   payback      = cumulative -1000, -600, -200, +200 -> period 4;
    #                  fractional 3 + 200/400 = 3.5
    costs, benefits = [1000], [0, 400, 400, 400]
    assert present_value(benefits, 0.10) == pytest.approx(994.740796, abs=1e-6)
    assert npv(costs, benefits, 0.10) == pytest.approx(-5.259204, abs=1e-6)
    assert benefit_cost_ratio(costs, benefits, 0.10) == pytest.approx(0.994741, abs=1e-6)
    assert roi(costs, benefits) == pytest.approx(0.2)
    assert payback_period(costs, benefits) == 4
    assert payback_period(costs, benefits, fractional=True) == pytest.approx(3.5)


def test_crm_example_of_the_engine_contract_at_eight_percent():
    # Costs 400, 250; benefits 0, 300, 500, 500; r = 8 %.
    #   PV(costs)    = 400 + 250/1.08                                  = 631.481481
    #   PV(benefits) = 300/1.08 + 500/1.08**2 + 500/1.08**3
    #                = 277.777778 + 428.669410 + 396.916121 = 1103.363308 (unrounded terms)
    #   NPV          = 1103.363308 - 631.481481                         = 471.881827
    #   BCR          = 1103.363308 / 631.481481                         = 1.747262
    #   ROI          = (1300 - 650) / 650                               = 1.0
    #   payback: cumulative -400, -350, +150 -> period 3; fractional 2 + 350/500 = 2.7
    costs, benefits = [400, 250], [0, 300, 500, 500]
    assert present_value(costs, 0.08) == pytest.approx(631.481481, abs=1e-6)
    assert present_value(benefits, 0.08) == pytest.approx(1103.363308, abs=1e-6)
    assert npv(costs, benefits, 0.08) == pytest.approx(471.881827, abs=1e-6)
    assert benefit_cost_ratio(costs, benefits, 0.08) == pytest.approx(1.747262, abs=1e-6)
    assert roi(costs, benefits) == 1.0
    assert payback_period(costs, benefits) == 3
    assert payback_period(costs, benefits, fractional=True) == pytest.approx(2.7)


def test_offset_zero_is_not_discounted_and_scalar_is_one_period():
    assert present_value([100], 0.5) == 100
    assert present_value(100, 0.5) == 100
    assert present_value([0, 150], 0.5) == pytest.approx(100)
    assert npv(100, [0, 0, 121], 0.1) == pytest.approx(0.0, abs=1e-12)


def test_different_lengths_pad_with_zero():
    assert npv([10, 10, 10, 10], [50], 0.0) == 10
    assert npv([10], [0, 0, 0, 0, 50], 0.0) == 40


def test_ratios_are_nan_without_costs():
    assert math.isnan(benefit_cost_ratio([0, 0], [10], 0.05))
    assert math.isnan(roi([], [10]))
    assert benefit_cost_ratio([10], None, 0.05) == 0.0
    assert roi([10], None) == -1.0


# --------------------------------------------------------------------------
# payback
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("costs", "benefits", "expected", "expected_frac"),
    [
        ([400, 250], [0, 300, 500, 500], 3.0, 2.7),
        ([100], [10, 10], None, None),  # never pays back
        ([0, 0], [0, 0], None, None),  # no nonzero flow: nothing paid back
        ([], [], None, None),
        ([100], [100], 1.0, 1.0),  # breaks even in the start period
        ([0], [0, 50], 2.0, 2.0),  # first active period already positive: counted whole
        ([0, 100], [0, 0, 100], 3.0, 3.0),  # zero prefix, then -100, 0
        ([100, 0, 500], [0, 200], 2.0, 1.5),  # first time >= 0 counts, later dips do not
        ([0.1, 0.2], [0, 0, 0.3], 3.0, 3.0),  # 0.3 - 0.1 - 0.2 != 0 in floating point
    ],
)
def test_payback_period_cases(costs, benefits, expected, expected_frac):
    assert payback_period(costs, benefits) == expected
    frac = payback_period(costs, benefits, fractional=True)
    if expected_frac is None:
        assert frac is None
    else:
        assert frac == pytest.approx(expected_frac)


flows = st.lists(
    st.integers(min_value=0, max_value=1000).map(float), min_size=0, max_size=8
)


@given(flows, flows)
def test_fractional_payback_rounds_up_to_the_integer_payback(costs, benefits):
    whole = payback_period(costs, benefits)
    frac = payback_period(costs, benefits, fractional=True)
    if whole is None:
        assert frac is None
    else:
        assert whole - 1 < frac <= whole
        assert math.ceil(frac - 1e-12) == whole


def _payback_by_loop(costs, benefits):
    """Oracle: a plain loop over periods."""
    n = max(len(costs), len(benefits))
    cum, active = 0.0, False
    for k in range(n):
        c = costs[k] if k < len(costs) else 0.0
        b = benefits[k] if k < len(benefits) else 0.0
        active = active or c != 0 or b != 0
        cum += b - c
        if active and cum >= 0:
            return float(k + 1)
    return None


@given(flows, flows)
def test_payback_matches_a_plain_loop(costs, benefits):
    # integer flows: exact arithmetic, so the oracle needs no tolerance
    assert payback_period(costs, benefits) == _payback_by_loop(costs, benefits)


# --------------------------------------------------------------------------
# independent oracle for discounting: Horner evaluation in x = 1/(1+r)
# --------------------------------------------------------------------------

real_flows = st.lists(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=1, max_size=10
)
rates = st.floats(min_value=-0.5, max_value=1.0)


@given(real_flows, real_flows, rates)
def test_npv_matches_polynomial_oracle(costs, benefits, rate):
    n = max(len(costs), len(benefits))
    net = np.zeros(n)
    net[: len(benefits)] += benefits
    net[: len(costs)] -= costs
    oracle = np.polyval(net[::-1], 1.0 / (1.0 + rate))
    scale = np.abs(net).sum() * max(1.0, (1.0 / (1.0 + rate)) ** n)
    assert npv(costs, benefits, rate) == pytest.approx(oracle, abs=1e-9 * scale + 1e-9)
    # two present values subtracted: rounding scales with the flows, not with their net
    gross = (np.abs(costs).sum() + np.abs(benefits).sum()) * max(1.0, (1.0 / (1.0 + rate)) ** n)
    assert npv(costs, benefits, rate) == pytest.approx(
        present_value(benefits, rate) - present_value(costs, rate), abs=1e-9 * gross + 1e-9
    )


@given(real_flows, real_flows)
def test_npv_at_zero_rate_is_the_undiscounted_sum(costs, benefits):
    assert npv(costs, benefits, 0.0) == pytest.approx(
        sum(benefits) - sum(costs), abs=1e-6 * (sum(map(abs, costs + benefits)) + 1)
    )


# --------------------------------------------------------------------------
# expected value
# --------------------------------------------------------------------------


def test_expected_value_on_scalars_arrays_and_series():
    assert expected_value(1000, 0.9) == 900.0
    assert isinstance(expected_value(1000, 0.9), float)
    np.testing.assert_allclose(expected_value(np.array([10.0, 20.0]), [0.5, 0.25]), [5.0, 5.0])
    v = pd.Series({"A": 100.0, "B": 200.0})
    p = pd.Series({"B": 0.5, "A": 1.0})  # other order: aligned by label
    out = expected_value(v, p)
    pd.testing.assert_series_equal(out, pd.Series({"A": 100.0, "B": 100.0}))
    pd.testing.assert_series_equal(expected_value(v, 0.5), v * 0.5)


def test_expected_value_rejects_bad_probabilities_and_labels():
    with pytest.raises(ValidationError, match=r"field 'probability' must lie in \[0, 1\]"):
        expected_value(10, 1.5)
    v = pd.Series({"A": 1.0, "B": 2.0})
    with pytest.raises(ValidationError) as e:
        expected_value(v, pd.Series({"A": 0.5, "C": 0.5}))
    assert "field 'probability' is missing for projects 'B'" in e.value.problems
    assert "field 'probability' names unknown projects 'C'" in e.value.problems
    with pytest.raises(ValidationError, match=r"project 'B': field 'probability'"):
        expected_value(v, pd.Series({"A": 0.5, "B": -0.1}))
    with pytest.raises(ValidationError, match="field 'value' must be numeric"):
        expected_value("abc", 0.5)


# --------------------------------------------------------------------------
# validation of the scalar functions
# --------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [-1, -2, float("inf"), float("nan"), "0.1", None])
def test_bad_rate(rate):
    with pytest.raises(ValidationError, match="field 'rate'"):
        npv([1], [2], rate)


def test_bad_flows_in_scalar_functions():
    with pytest.raises(ValidationError, match=r"field 'benefits' has a non-numeric value 'abc' at offset 1"):
        npv([1], [0, "abc"], 0.1)
    with pytest.raises(ValidationError, match=r"field 'cost' has a non-finite value inf at offset 0"):
        npv([float("inf")], [0], 0.1)
    with pytest.raises(ValidationError, match=r"field 'cost' is missing"):
        npv(None, [0], 0.1)
    with pytest.raises(ValidationError, match=r"field 'flows' has a non-numeric value True"):
        present_value([True], 0.1)
    with pytest.raises(ValidationError, match=r"flat list"):
        present_value([[1, 2], [3, 4]], 0.1)


# --------------------------------------------------------------------------
# cash_flow_metrics
# --------------------------------------------------------------------------


def _table():
    costs = pd.Series({"CRM": [400, 250], "DWH": np.array([500.0]), "ERP": 300, "REG": [100, 100]})
    benefits = pd.Series({"DWH": None, "CRM": [0, 300, 500, 500], "ERP": [0, 400], "REG": np.nan})
    probability = pd.Series({"ERP": 0.5, "CRM": 0.9, "DWH": 1.0, "REG": 0.8})
    return costs, benefits, probability


def test_cash_flow_metrics_matches_scalar_functions_row_by_row():
    costs, benefits, probability = _table()
    rate = 0.08
    m = cash_flow_metrics(costs, benefits, rate, probability)
    assert list(m.index) == ["CRM", "DWH", "ERP", "REG"]  # order of costs
    assert list(m.columns) == [
        "pv_costs", "pv_benefits", "npv", "benefit_cost_ratio", "roi", "payback_period", "expected_npv",
    ]
    for pid in m.index:
        c, b = costs[pid], benefits[pid]
        b = None if not isinstance(b, list) and pd.isna(b) else b
        row = m.loc[pid]
        assert row["pv_costs"] == pytest.approx(present_value(c, rate))
        assert row["pv_benefits"] == pytest.approx(present_value(b if b is not None else [], rate))
        assert row["npv"] == pytest.approx(npv(c, b, rate))
        assert row["benefit_cost_ratio"] == pytest.approx(benefit_cost_ratio(c, b, rate))
        assert row["roi"] == pytest.approx(roi(c, b))
        pb = payback_period(c, b)
        assert (math.isnan(row["payback_period"]) and pb is None) or row["payback_period"] == pb
        assert row["expected_npv"] == pytest.approx(probability[pid] * npv(c, b, rate))
    # the CRM row by hand (see test_crm_example_of_the_engine_contract_at_eight_percent)
    assert m.loc["CRM", "npv"] == pytest.approx(471.881827, abs=1e-6)
    assert m.loc["CRM", "expected_npv"] == pytest.approx(0.9 * 471.881827, abs=1e-6)
    # ERP: cost 300 now, 400 next period -> NPV = -300 + 400/1.08 = 70.370370
    assert m.loc["ERP", "npv"] == pytest.approx(70.370370, abs=1e-6)
    assert math.isnan(m.loc["DWH", "payback_period"])


def test_cash_flow_metrics_fractional_payback_and_no_probability():
    costs, benefits, _ = _table()
    m = cash_flow_metrics(costs, benefits, 0.0, fractional_payback=True)
    assert m.loc["CRM", "payback_period"] == pytest.approx(2.7)
    assert m.loc["ERP", "payback_period"] == pytest.approx(1.75)  # -300, +100: 1 + 300/400
    pd.testing.assert_series_equal(m["expected_npv"], m["npv"], check_names=False)


def test_cash_flow_metrics_does_not_mutate_inputs():
    costs, benefits, probability = _table()
    before = copy.deepcopy((costs, benefits, probability))
    cash_flow_metrics(costs, benefits, 0.1, probability)
    for a, b in zip((costs, benefits, probability), before):
        pd.testing.assert_series_equal(a, b)
    np.testing.assert_array_equal(costs["DWH"], before[0]["DWH"])


def test_cash_flow_metrics_empty():
    m = cash_flow_metrics(pd.Series(dtype=object), pd.Series(dtype=object), 0.1)
    assert m.empty and list(m.columns)[0] == "pv_costs"


@given(st.permutations(["CRM", "DWH", "ERP", "REG"]))
@settings(max_examples=20)
def test_cash_flow_metrics_permuting_rows_permutes_results(order):
    costs, benefits, probability = _table()
    base = cash_flow_metrics(costs, benefits, 0.05, probability)
    perm = cash_flow_metrics(costs[list(order)], benefits, 0.05, probability)
    pd.testing.assert_frame_equal(perm, base.loc[list(order)])


def test_cash_flow_metrics_names_project_and_field():
    costs = pd.Series({"P01": [100], "P04": [100, 50], "P07": [float("inf")], "P09": None})
    benefits = pd.Series({"P01": [0, 10], "P04": [0, "abc"], "P07": [1], "P09": [1]})
    with pytest.raises(ValidationError) as e:
        cash_flow_metrics(costs, benefits, 0.1)
    assert e.value.problems == (
        "project 'P07': field 'cost' has a non-finite value inf at offset 0",
        "project 'P09': field 'cost' is missing",
        "project 'P04': field 'benefits' has a non-numeric value 'abc' at offset 1",
    )


def test_cash_flow_metrics_aligns_by_label_and_fails_on_missing_or_extra_ids():
    costs = pd.Series({"A": [1], "B": [1]})
    with pytest.raises(ValidationError) as e:
        cash_flow_metrics(costs, pd.Series({"A": [2], "Z": [2]}), 0.1)
    assert e.value.problems == (
        "field 'benefits' is missing for projects 'B'",
        "field 'benefits' names unknown projects 'Z'",
    )
    with pytest.raises(ValidationError, match="field 'probability' is missing for projects 'A'"):
        cash_flow_metrics(costs, pd.Series({"A": [2], "B": [2]}), 0.1, pd.Series({"B": 1.0}))
    with pytest.raises(ValidationError, match=r"project 'B': field 'probability' must lie in \[0, 1\]"):
        cash_flow_metrics(costs, pd.Series({"A": [2], "B": [2]}), 0.1, pd.Series({"A": 1, "B": 2}))
    with pytest.raises(ValidationError, match="duplicate project ids in field 'cost': 'A'"):
        cash_flow_metrics(
            pd.Series([[1], [2]], index=["A", "A"]), pd.Series([[1], [2]], index=["A", "A"]), 0.1
        )
    with pytest.raises(ValidationError, match="field 'rate'"):
        cash_flow_metrics(costs, costs, -1.0)
    with pytest.raises(ValidationError, match="field 'cost' must be a pandas Series"):
        cash_flow_metrics([[1]], costs, 0.1)


def test_present_values_do_not_depend_on_the_machine_s_blas():
    """Summed period by period in plain order, as by hand here, not by a matrix product, whose kernel (fused
    multiply-adds or not) BLAS picks by the processor, nor by numpy's sum, which groups terms by the vector width
    (it differed from this order in the last digit here): the same flows gave 300.0 on one machine and
    299.99999999999994 on another."""
    from portfolio_opt.finance import _discount_factors, _pv_kernel

    rng = np.random.default_rng(4)
    for _ in range(200):
        t = int(rng.integers(1, 9))
        flows = rng.uniform(-1e4, 1e4, (3, t)).round(2)
        rate = float(rng.uniform(0.0, 0.3))
        d = _discount_factors(t, rate)
        by_hand = [sum((row[k] * d[k] for k in range(1, t)), row[0] * d[0]) for row in flows]
        assert _pv_kernel(flows, rate).tolist() == by_hand
    assert present_value([100, 110, 121], 0.10) == 300.0
