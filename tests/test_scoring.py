"""Tests of portfolio_opt.scoring: published AHP and ROC examples, oracles, invariances, messages."""

from __future__ import annotations

import copy
import json
import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from portfolio_opt.errors import ConsistencyWarning, ValidationError
from portfolio_opt.scoring import (
    AHPResult,
    Criterion,
    ScoringModel,
    ahp_weights,
    normalize,
    rank_order_centroid,
    roc_weights,
    score_projects,
    weighted_sum,
)

# --------------------------------------------------------------------------
# AHP: a published worked example
# --------------------------------------------------------------------------

# T. L. Saaty, "How to make a decision: The analytic hierarchy process",
# European Journal of Operational Research 48 (1990) 9-26: the house-buying
# example, pairwise comparisons of the eight criteria (1 size of house,
# 2 transportation, 3 neighbourhood, 4 age of house, 5 yard space, 6 modern
# facilities, 7 general condition, 8 financing).  Published results: priorities
# .173 .054 .188 .018 .031 .036 .167 .333, lambda_max = 9.669, C.I. = 0.238,
# C.R. = 0.169 (above 0.1: Saaty uses it to show an inconsistent matrix).
SAATY_HOUSE = np.array(
    [
        [1, 5, 3, 7, 6, 6, 1 / 3, 1 / 4],
        [1 / 5, 1, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7],
        [1 / 3, 3, 1, 6, 3, 4, 6, 1 / 5],
        [1 / 7, 1 / 5, 1 / 6, 1, 1 / 3, 1 / 4, 1 / 7, 1 / 8],
        [1 / 6, 1 / 3, 1 / 3, 3, 1, 1 / 2, 1 / 5, 1 / 6],
        [1 / 6, 1 / 3, 1 / 4, 4, 2, 1, 1 / 5, 1 / 6],
        [3, 5, 1 / 6, 7, 5, 5, 1, 1 / 2],
        [4, 7, 5, 8, 6, 6, 2, 1],
    ]
)
SAATY_HOUSE_PRIORITIES = [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333]
HOUSE_CRITERIA = ["size", "transport", "neighbourhood", "age", "yard", "facilities", "condition", "financing"]


def power_iteration(a: np.ndarray, iterations: int = 10_000, tol: float = 1e-15):
    """Independent oracle: Perron vector and eigenvalue by power iteration (no numpy.linalg)."""
    w = np.full(a.shape[0], 1.0 / a.shape[0])
    for _ in range(iterations):
        nxt = a @ w
        nxt /= nxt.sum()
        if np.abs(nxt - w).max() < tol:
            w = nxt
            break
        w = nxt
    lam = float(((a @ w) / w).mean())
    return w, lam


def test_saaty_house_example_matches_publication_and_power_iteration():
    with pytest.warns(ConsistencyWarning, match=r"consistency ratio 0\.169.*revise the judgements"):
        r = ahp_weights(SAATY_HOUSE, names=HOUSE_CRITERIA)
    assert isinstance(r, AHPResult)
    assert list(r.weights.index) == HOUSE_CRITERIA
    assert r.weights.sum() == pytest.approx(1.0, abs=1e-12)
    # independent method: power iteration
    w, lam = power_iteration(SAATY_HOUSE)
    np.testing.assert_allclose(r.weights.to_numpy(), w, atol=1e-9)
    assert r.lambda_max == pytest.approx(lam, abs=1e-9)
    # the published three-decimal figures
    np.testing.assert_allclose(r.weights.to_numpy(), SAATY_HOUSE_PRIORITIES, atol=5e-4)
    assert r.lambda_max == pytest.approx(9.669, abs=5e-4)
    assert r.consistency_index == pytest.approx(0.238, abs=5e-4)
    assert r.consistency_ratio == pytest.approx(0.169, abs=5e-4)
    assert not r.is_consistent


def test_saaty_house_example_judgements_as_fractions_in_json():
    text = json.dumps(
        [[str(Fraction(x).limit_denominator(9)) for x in row] for row in SAATY_HOUSE]
    )
    with pytest.warns(ConsistencyWarning):
        r = ahp_weights(json.loads(text))
    np.testing.assert_allclose(r.weights, power_iteration(SAATY_HOUSE)[0], atol=1e-9)


@given(hnp.arrays(float, st.integers(1, 10), elements=st.floats(0.05, 20)))
def test_consistent_matrix_recovers_weights_and_has_zero_cr(w):
    w = w / w.sum()
    a = w[:, None] / w[None, :]  # a_ij = w_i / w_j: perfectly consistent
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConsistencyWarning
        r = ahp_weights(a)
    np.testing.assert_allclose(r.weights, w, rtol=1e-9, atol=1e-12)
    assert r.lambda_max == pytest.approx(len(w), abs=1e-8)
    assert r.consistency_ratio == pytest.approx(0.0, abs=1e-9)
    assert r.consistency_ratio >= 0


def test_two_by_two_is_always_consistent_and_dataframe_names():
    m = pd.DataFrame([[1, 9], [1 / 9, 1]], index=["a", "b"], columns=["a", "b"])
    r = ahp_weights(m)
    assert r.weights.to_dict() == pytest.approx({"a": 0.9, "b": 0.1})
    assert r.consistency_ratio == 0.0
    assert isinstance(ahp_weights([[1]]).weights, np.ndarray)


def test_inconsistent_three_by_three_warns():
    # a > b (9x), b > c (9x) but c > a (9x): a preference cycle
    a = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
    with pytest.warns(ConsistencyWarning, match="revise the judgements"):
        r = ahp_weights(a, names=["a", "b", "c"])
    assert r.consistency_ratio > 0.1


@pytest.mark.parametrize(
    ("matrix", "fragment"),
    [
        ([[1, 2, 3], [0.5, 1, 4]], "must be square"),
        ([], "must be square"),
        ([[1, -2], [-0.5, 1]], "cell (row 'a', column 'b') must be a positive number, got -2"),
        ([[1, "x"], [1, 1]], "cell (row 'a', column 'b') must be a positive number, got 'x'"),
        ([[1, 2], [0.5, 2]], "cell (row 'b', column 'b') must be 1"),
        ([[1, 3], [0.333, 1]], "cell (row 'a', column 'b') = 3 but cell (row 'b', column 'a') = 0.333"),
        (np.ones((11, 11)), "at most 10"),
    ],
)
def test_ahp_validation_names_the_cell(matrix, fragment):
    names = ["a", "b"] if np.shape(matrix) == (2, 2) else None
    with pytest.raises(ValidationError) as e:
        ahp_weights(matrix, names=names)
    assert any(fragment in p for p in e.value.problems), e.value.problems


def test_ahp_names_must_match():
    with pytest.raises(ValidationError, match="2 rows but 3 names"):
        ahp_weights([[1, 2], [0.5, 1]], names=["a", "b", "c"])
    with pytest.raises(ValidationError, match="not unique: 'a'"):
        ahp_weights([[1, 2], [0.5, 1]], names=["a", "a"])


# --------------------------------------------------------------------------
# rank order centroid
# --------------------------------------------------------------------------


def test_roc_weights_for_three_criteria_barron_barrett_1996():
    # F. H. Barron and B. E. Barrett, "Decision quality using ranked attribute
    # weights", Management Science 42(11) (1996) 1515-1523: ROC weights for
    # n = 3 are (1 + 1/2 + 1/3)/3, (1/2 + 1/3)/3, (1/3)/3 = .6111, .2778, .1111.
    np.testing.assert_allclose(rank_order_centroid(3), [0.6111, 0.2778, 0.1111], atol=5e-5)
    s = roc_weights(["alignment", "value", "risk"])
    assert list(s.index) == ["alignment", "value", "risk"]
    np.testing.assert_allclose(s.to_numpy(), [11 / 18, 5 / 18, 2 / 18], rtol=1e-12)


@given(st.integers(1, 60))
def test_roc_formula_by_explicit_sums(n):
    w = rank_order_centroid(n)
    oracle = [sum(1 / i for i in range(k, n + 1)) / n for k in range(1, n + 1)]
    np.testing.assert_allclose(w, oracle, rtol=1e-12)
    assert w.sum() == pytest.approx(1.0)
    assert (np.diff(w) < 0).all()


@pytest.mark.parametrize("n", [0, -1, 2.5, True, "3"])
def test_roc_bad_n(n):
    with pytest.raises(ValidationError, match="positive integer"):
        rank_order_centroid(n)


def test_roc_duplicate_names():
    with pytest.raises(ValidationError, match="more than once: 'a'"):
        roc_weights(["a", "b", "a"])


# --------------------------------------------------------------------------
# normalisation kernels
# --------------------------------------------------------------------------


def test_minmax_hand_example_with_min_direction_and_constant_column():
    # alignment (max): 2, 4, 5 -> min 2, range 3 -> 0, 2/3, 1
    # risk (min):      1, 3, 5 -> max 5, range 4 -> (5-1)/4, (5-3)/4, 0 = 1, 0.5, 0
    # cost (min), all equal -> contributes 0
    m = np.array([[2.0, 1.0, 7.0], [4.0, 3.0, 7.0], [5.0, 5.0, 7.0]])
    before = m.copy()
    out = normalize(m, ["max", "min", "min"], "minmax")
    np.testing.assert_allclose(out, [[0, 1, 0], [2 / 3, 0.5, 0], [1, 0, 0]])
    np.testing.assert_array_equal(m, before)  # kernel does not write into its input


def test_max_method_and_none_method():
    m = [[2.0, 4.0], [4.0, 2.0], [0.0, 8.0]]
    # value (max): x / 4; cost (min): 2 / x
    np.testing.assert_allclose(normalize(m, ["max", "min"], "max"), [[0.5, 0.5], [1, 1], [0, 0.25]])
    np.testing.assert_allclose(normalize([[0.0], [0.0]], ["max"], "max"), [[0.0], [0.0]])
    np.testing.assert_allclose(normalize(m, ["max", "min"], "none"), [[2, -4], [4, -2], [0, -8]])


def test_max_method_rejects_non_ratio_scale_data_naming_the_criterion():
    with pytest.raises(ValidationError, match="criterion 'risk'.*positive values for a 'min' criterion"):
        normalize([[1.0, 0.0], [2.0, 3.0]], ["max", "min"], "max", names=["value", "risk"])
    with pytest.raises(ValidationError, match="criterion 'value'.*non-negative"):
        normalize([[-1.0, 1.0], [2.0, 3.0]], ["max", "min"], "max", names=["value", "risk"])


def test_kernel_validation():
    with pytest.raises(ValidationError, match="field 'normalize' must be one of"):
        normalize([[1.0]], ["max"], "zscore")
    with pytest.raises(ValidationError, match="criterion 'a': field 'direction'"):
        normalize([[1.0]], ["up"], "minmax", names=["a"])
    with pytest.raises(ValidationError, match="criterion 'a' has missing or non-finite"):
        normalize([[np.nan]], ["max"], "minmax", names=["a"])
    with pytest.raises(ValidationError, match="2 criteria but 1 directions"):
        normalize([[1.0, 2.0]], ["max"], "minmax")
    with pytest.raises(ValidationError, match="weighted_sum"):
        weighted_sum([[1.0, 2.0]], [1.0])


# --------------------------------------------------------------------------
# Criterion and ScoringModel
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": ""}, "criterion '': field 'name' must be a non-empty string"),
        ({"name": "risk", "weight": -1}, "criterion 'risk': field 'weight' must not be negative, got -1"),
        ({"name": "risk", "weight": float("nan")}, "criterion 'risk': field 'weight' must be a finite number"),
        ({"name": "risk", "weight": "3"}, "criterion 'risk': field 'weight' must be a finite number, got '3'"),
        ({"name": "risk", "direction": "down"}, "criterion 'risk': field 'direction' must be 'max' or 'min', got 'down'"),
        ({"name": "risk", "column": ""}, "criterion 'risk': field 'column' must be a non-empty string"),
    ],
)
def test_criterion_validation(kwargs, message):
    with pytest.raises(ValidationError) as e:
        Criterion(**kwargs)
    assert any(p.startswith(message) for p in e.value.problems), e.value.problems


def test_model_validation():
    with pytest.raises(ValidationError, match="the weights of all criteria .* are 0"):
        ScoringModel((Criterion("a", 0), Criterion("b", 0)))
    with pytest.raises(ValidationError, match="repeated: 'a'"):
        ScoringModel((Criterion("a"), Criterion("a")))
    with pytest.raises(ValidationError, match="criterion 'score': the name is reserved"):
        ScoringModel((Criterion("score"),))
    with pytest.raises(ValidationError, match="field 'criteria' is empty"):
        ScoringModel(())
    with pytest.raises(ValidationError, match="field 'normalize' must be one of"):
        ScoringModel((Criterion("a"),), normalize="zscore")
    with pytest.raises(ValidationError, match="not a Criterion"):
        ScoringModel(("a",))
    assert ScoringModel([Criterion("a")]).criteria == (Criterion("a"),)  # list -> tuple


def _projects() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["New CRM", "Warehouse", "ERP upgrade", "Regulation"],
            "strategic_fit": [4, 2, 5, 3],
            "risk": [2.0, 1.0, 3.0, 2.0],
            "cost": [650, 500, 300, 200],
        },
        index=pd.Index(["CRM", "DWH", "ERP", "REG"], name="id"),
    )


def _model() -> ScoringModel:
    return ScoringModel(
        (
            Criterion("alignment", weight=3, column="strategic_fit"),
            Criterion("risk", weight=1, direction="min"),
        )
    )


def test_score_hand_example():
    # alignment from strategic_fit 4, 2, 5, 3 -> (x - 2)/3 = 2/3, 0, 1, 1/3
    # risk (min) 2, 1, 3, 2 -> (3 - x)/2 = 0.5, 1, 0, 0.5
    # weights 3:1 -> 0.75, 0.25; score = 0.75 a + 0.25 r
    out = _model().score(_projects())
    expected = pd.DataFrame(
        {
            "alignment": [2 / 3, 0.0, 1.0, 1 / 3],
            "risk": [0.5, 1.0, 0.0, 0.5],
            "score": [0.625, 0.25, 0.75, 0.375],
        },
        index=pd.Index(["CRM", "DWH", "ERP", "REG"], name="id"),
    )
    pd.testing.assert_frame_equal(out, expected)
    assert list(out.sort_values("score", ascending=False).index) == ["ERP", "CRM", "REG", "DWH"]
    pd.testing.assert_frame_equal(score_projects(_projects(), _model()), out)


def test_score_does_not_mutate_the_input_frame():
    df = _projects()
    df["risk"] = df["risk"].astype(object)  # object column takes the slow path too
    before = copy.deepcopy(df)
    out = _model().score(df)
    pd.testing.assert_frame_equal(df, before)
    out.loc["CRM", "score"] = -1.0  # the result shares no data with the input
    pd.testing.assert_frame_equal(df, before)


def test_score_constant_column_contributes_zero():
    df = _projects().assign(risk=2.0)
    out = _model().score(df)
    assert (out["risk"] == 0).all()
    np.testing.assert_allclose(out["score"], 0.75 * out["alignment"])


def test_score_missing_columns_lists_missing_and_available():
    model = ScoringModel((Criterion("alignment", column="strategic_fit"), Criterion("urgency"), Criterion("npv")))
    with pytest.raises(ValidationError) as e:
        model.score(_projects())
    (msg,) = e.value.problems
    assert msg == (
        "missing criterion columns 'urgency', 'npv'; "
        "available columns: 'name', 'strategic_fit', 'risk', 'cost'"
    )


def test_score_bad_values_name_projects_and_column():
    df = _projects().astype({"risk": object, "strategic_fit": float})
    df.loc["DWH", "risk"] = "abc"
    df.loc["REG", "risk"] = None
    df.loc["ERP", "strategic_fit"] = np.inf
    with pytest.raises(ValidationError) as e:
        _model().score(df)
    assert e.value.problems == (
        "column 'strategic_fit' (criterion 'alignment') has 1 infinite value (projects 'ERP')",
        "column 'risk' has 1 non-numeric value (projects 'DWH': 'abc')",
        "column 'risk' has 1 missing value (projects 'REG')",
    )


def test_score_duplicate_ids_and_non_frame():
    df = pd.concat([_projects(), _projects().iloc[:1]])
    with pytest.raises(ValidationError, match="project ids must be unique; repeated: 'CRM'"):
        _model().score(df)
    with pytest.raises(ValidationError, match="must be a pandas DataFrame"):
        _model().score({"risk": [1]})


def test_score_nullable_and_bool_columns():
    df = pd.DataFrame({"a": pd.array([1, 2, 3], dtype="Int64"), "b": [True, False, True]}, index=list("xyz"))
    out = ScoringModel((Criterion("a"), Criterion("b"))).score(df)
    np.testing.assert_allclose(out["a"], [0, 0.5, 1])
    np.testing.assert_allclose(out["b"], [1, 0, 1])
    df.loc["y", "a"] = pd.NA
    with pytest.raises(ValidationError, match="column 'a' has 1 missing value \\(projects 'y'\\)"):
        ScoringModel((Criterion("a"),)).score(df)


def test_score_empty_frame():
    out = _model().score(_projects().iloc[:0])
    assert list(out.columns) == ["alignment", "risk", "score"] and out.empty


def test_other_normalisations_through_the_model():
    df = _projects()
    none = _model().replace(normalize="none").score(df)
    np.testing.assert_allclose(none["score"], 0.75 * df["strategic_fit"] - 0.25 * df["risk"])
    ratio = _model().replace(normalize="max").score(df)
    np.testing.assert_allclose(ratio["alignment"], df["strategic_fit"] / 5)
    np.testing.assert_allclose(ratio["risk"], 1.0 / df["risk"])


# --------------------------------------------------------------------------
# what-ifs and constructors
# --------------------------------------------------------------------------


def test_replace_and_with_weights_return_new_models():
    m = _model()
    m2 = m.with_weights({"risk": 3})
    assert m.weights.to_dict() == {"alignment": 0.75, "risk": 0.25}  # unchanged
    assert m2.weights.to_dict() == {"alignment": 0.5, "risk": 0.5}
    assert m2.criteria[0].column == "strategic_fit"
    with pytest.raises(ValidationError, match="unknown criteria 'urgency'; the model's criteria are 'alignment', 'risk'"):
        m.with_weights({"urgency": 1})
    with pytest.raises(ValidationError, match="criterion 'risk': field 'weight' must not be negative"):
        m.with_weights({"risk": -1})
    with pytest.raises(ValidationError, match="are 0"):
        m.with_weights({"risk": 0, "alignment": 0})


def test_from_ahp_and_with_weights_drops_consistency_ratio():
    m = ScoringModel.from_ahp(
        ["alignment", "value", "risk"],
        [[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]],
        directions={"risk": "min"},
    )
    np.testing.assert_allclose(m.weights, [4 / 7, 2 / 7, 1 / 7])
    assert [c.direction for c in m.criteria] == ["max", "max", "min"]
    assert m.consistency_ratio == pytest.approx(0.0, abs=1e-9)
    assert m.with_weights({"risk": 1}).consistency_ratio is None
    with pytest.warns(ConsistencyWarning):
        bad = ScoringModel.from_ahp(HOUSE_CRITERIA, SAATY_HOUSE)
    assert bad.consistency_ratio == pytest.approx(0.169, abs=5e-4)
    with pytest.raises(ValidationError, match="directions name unknown criteria 'cost'"):
        ScoringModel.from_ahp(["a", "b"], [[1, 2], [0.5, 1]], directions={"cost": "min"})
    with pytest.raises(ValidationError, match="1 directions given for 2 criteria"):
        ScoringModel.from_ahp(["a", "b"], [[1, 2], [0.5, 1]], directions=["min"])


def test_from_ranking():
    m = ScoringModel.from_ranking(["alignment", "value", "risk"], directions=["max", "max", "min"])
    np.testing.assert_allclose(m.weights, [11 / 18, 5 / 18, 2 / 18])
    assert m.criteria[2].direction == "min"


# --------------------------------------------------------------------------
# serialisation
# --------------------------------------------------------------------------


def test_to_dict_has_the_documented_shape():
    assert _model().to_dict() == {
        "criteria": {
            "alignment": {"weight": 3.0, "direction": "max", "column": "strategic_fit"},
            "risk": {"weight": 1.0, "direction": "min", "column": "risk"},
        },
        "normalize": "minmax",
    }


def test_engine_contract_scoring_shapes():
    direct = ScoringModel.from_dict(
        {"criteria": {"alignment": {"weight": 3, "direction": "max"}, "risk": {"weight": 1, "direction": "min"}},
         "normalize": "minmax"}
    )
    assert direct.weights.to_dict() == {"alignment": 0.75, "risk": 0.25}
    ahp = ScoringModel.from_dict(
        {"criteria": {"alignment": {"direction": "max"}, "risk": {"direction": "min"}},
         "ahp": [[1, 3], [1 / 3, 1]], "normalize": "minmax"}
    )
    assert ahp.weights.to_dict() == pytest.approx({"alignment": 0.75, "risk": 0.25})
    assert ahp.consistency_ratio == 0.0
    pd.testing.assert_frame_equal(
        direct.score(_projects().rename(columns={"strategic_fit": "alignment"})),
        ahp.score(_projects().rename(columns={"strategic_fit": "alignment"})),
    )


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ({"criteria": {"a": {}}, "weights": {}}, "scoring: unknown key 'weights'"),
        ({"criteria": {}}, "field 'criteria' must be a non-empty object"),
        ({"normalize": "minmax"}, "field 'criteria' must be a non-empty object"),
        ({"criteria": {"a": {"wieght": 2}}}, "criterion 'a': unknown field 'wieght'"),
        ({"criteria": {"a": {"direction": "up"}}}, "criterion 'a': field 'direction' must be 'max' or 'min'"),
        ({"criteria": {"a": {"weight": -2}}}, "criterion 'a': field 'weight' must not be negative"),
        ({"criteria": {"a": 3}}, "criterion 'a': expected an object"),
        ({"criteria": {"a": {"weight": 2}, "b": {}}, "ahp": [[1, 2], [0.5, 1]]},
         "criterion 'a': field 'weight' conflicts with 'ahp'"),
        ({"criteria": {"a": {}, "b": {}}, "ahp": [[1, 2], [2, 1]]}, "cell (row 'a', column 'b') = 2"),
        ({"criteria": {"a": {}}, "normalize": "rank"}, "field 'normalize' must be one of"),
    ],
)
def test_from_dict_validation(spec, fragment):
    with pytest.raises(ValidationError) as e:
        ScoringModel.from_dict(spec)
    assert any(fragment in p for p in e.value.problems), e.value.problems


def test_json_round_trip(tmp_path):
    m = ScoringModel.from_ahp(
        ["alignment", "value", "risk"],
        [[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]],
        directions={"risk": "min"},
        normalize="max",
    )
    assert m.consistency_ratio is not None and m.consistency_ratio > 0
    text = m.to_json()
    assert json.loads(text)["normalize"] == "max"
    assert ScoringModel.from_json(text) == m
    assert ScoringModel.from_dict(m.to_dict()) == m
    path = tmp_path / "scoring.json"
    assert m.to_json(path) == text
    assert ScoringModel.from_json(path) == m
    assert ScoringModel.from_json(str(path)) == m
    m.save(tmp_path / "s2.json")
    assert ScoringModel.load(tmp_path / "s2.json") == m
    with pytest.raises(ValidationError, match="not valid JSON"):
        ScoringModel.from_json("{criteria: 1}")


# --------------------------------------------------------------------------
# properties
# --------------------------------------------------------------------------

weights_st = st.lists(st.floats(0, 100), min_size=1, max_size=6).filter(lambda w: sum(w) > 0)


@given(weights_st)
def test_weights_sum_to_one_and_keep_proportions(ws):
    m = ScoringModel(tuple(Criterion(f"c{i}", w) for i, w in enumerate(ws)))
    assert m.weights.sum() == pytest.approx(1.0)
    assert (m.weights >= 0).all()
    np.testing.assert_allclose(m.weights * sum(ws), ws, rtol=1e-9, atol=1e-12)


@st.composite
def scored_table(draw):
    n_crit = draw(st.integers(1, 4))
    n_rows = draw(st.integers(1, 12))
    ws = draw(st.lists(st.floats(0, 10), min_size=n_crit, max_size=n_crit))
    assume(sum(ws) > 0)
    dirs = draw(st.lists(st.sampled_from(["max", "min"]), min_size=n_crit, max_size=n_crit))
    values = draw(
        hnp.arrays(float, (n_rows, n_crit), elements=st.floats(-1e6, 1e6, allow_subnormal=False))
    )
    names = [f"c{j}" for j in range(n_crit)]
    df = pd.DataFrame(values, columns=names, index=[f"P{i:02d}" for i in range(n_rows)])
    model = ScoringModel(tuple(Criterion(nm, w, d) for nm, w, d in zip(names, ws, dirs)))
    return df, model


@given(scored_table())
def test_minmax_scores_lie_in_unit_interval(data):
    df, model = data
    out = model.score(df)
    tol = 1e-12
    assert ((out >= -tol) & (out <= 1 + tol)).all().all()


@given(scored_table(), st.randoms())
@settings(max_examples=50)
def test_permuting_rows_permutes_scores(data, rnd):
    df, model = data
    order = list(df.index)
    rnd.shuffle(order)
    base = model.score(df)
    perm = model.score(df.loc[order])
    pd.testing.assert_frame_equal(perm, base.loc[order])


@given(scored_table())
@settings(max_examples=50)
def test_score_matches_a_pandas_oracle(data):
    df, model = data
    out = model.score(df)
    total = pd.Series(0.0, index=df.index)
    for c, w in zip(model.criteria, model.weights):
        x = df[c.column]
        rng = x.max() - x.min()
        if rng == 0:
            norm = x * 0.0
        elif c.direction == "max":
            norm = (x - x.min()) / rng
        else:
            norm = (x.max() - x) / rng
        np.testing.assert_allclose(out[c.name], norm, atol=1e-12)
        total += w * norm
    np.testing.assert_allclose(out["score"], total, atol=1e-12)


def test_weighted_sums_do_not_depend_on_the_machine_s_blas():
    """Criterion by criterion in plain order (see test_finance's present values), not a matrix product."""
    from portfolio_opt.scoring import weighted_sum

    rng = np.random.default_rng(8)
    for _ in range(200):
        k = int(rng.integers(1, 9))
        m, w = rng.uniform(0, 10, (5, k)), rng.dirichlet(np.ones(k))
        by_hand = [sum((row[j] * w[j] for j in range(1, k)), row[0] * w[0]) for row in m]
        assert weighted_sum(m, w).tolist() == by_hand
