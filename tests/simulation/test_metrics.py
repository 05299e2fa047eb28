"""Metrics against hand-computed values (DOJ HHI examples and small cases by hand)."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from computemarket.simulation import metrics as mx


def test_hhi_doj_example_four_firms():
    # DOJ: four firms with 30, 30, 20 and 20 percent: 900 + 900 + 400 + 400 = 2,600.
    assert mx.hhi([30, 30, 20, 20]) == pytest.approx(2600.0)


def test_hhi_takes_sizes_not_only_shares():
    assert mx.hhi([3.0, 3.0, 2.0, 2.0]) == pytest.approx(2600.0)


def test_hhi_monopoly_and_equal_firms():
    assert mx.hhi([7.0]) == pytest.approx(10_000.0)
    assert mx.hhi([1.0] * 4) == pytest.approx(2500.0)
    assert mx.hhi([1.0] * 10) == pytest.approx(1000.0)


def test_hhi_empty_market_is_zero():
    assert mx.hhi([]) == 0.0
    assert mx.hhi([0.0, 0.0]) == 0.0


def test_synergy_top3_cloud_hhi():
    # Synergy Q4 2025 shares 28/21/15 plus a fringe of 36 one-percent firms: 784 + 441 + 225 + 36.
    assert mx.hhi([28, 21, 15] + [1] * 36) == pytest.approx(1486.0)


def test_concentration_ratio_and_effective_number():
    values = [50, 20, 15, 10, 5]
    assert mx.concentration_ratio(values, 1) == pytest.approx(0.5)
    assert mx.concentration_ratio(values, 3) == pytest.approx(0.85)
    assert mx.concentration_ratio(values, 10) == pytest.approx(1.0)
    assert mx.effective_number(2500.0) == pytest.approx(4.0)
    assert math.isinf(mx.effective_number(0.0))


def test_merger_change_follows_the_guidelines_formula():
    # Merging the 30% and 20% firms of the DOJ example adds 2 * 30 * 20 = 1,200 points.
    post, delta = mx.merger_hhi_change([30, 30, 20, 20], 0, 2)
    assert delta == pytest.approx(1200.0)
    assert post == pytest.approx(3800.0)
    assert post == pytest.approx(mx.hhi([50, 30, 20]))
    assert mx.merger_presumed_harmful([30, 30, 20, 20], 0, 2)
    # Two 5% firms among twenty equal ones: post 550, delta 50: not presumed harmful.
    assert not mx.merger_presumed_harmful([5] * 20, 0, 1)


def test_grouped_sum_adds_by_label():
    np.testing.assert_allclose(mx.grouped_sum([1.0, 2.0, 3.0, 4.0], [7, 3, 7, 9]), [2.0, 4.0, 4.0])


def test_max_provider_share_by_hand():
    # Lab 1 spends 6 at A and 2 at B (max share 0.75); lab 2 spends 2 at B only (1.0).
    spend = np.array([[6.0, 2.0], [0.0, 2.0]])
    assert mx.max_provider_share(spend) == pytest.approx((6.0 + 2.0) / 10.0)
    assert mx.max_provider_share(np.zeros((2, 2))) == 0.0


def test_moved_volume_ignores_growth():
    before = np.array([[2.0, 0.0], [1.0, 1.0], [1.0, 0.0]])
    after = np.array([[1.0, 1.0], [2.0, 2.0], [0.0, 0.5]])
    # Lab 1 moved 1; lab 2 only grew; lab 3 moved 0.5 and shrank by 0.5.
    np.testing.assert_allclose(mx.moved_volume(before, after), [1.0, 0.0, 0.5])


def test_locked_share_and_roundtrip():
    assert mx.locked_share([1.0, 0.0], [2.0, 2.0]) == pytest.approx(0.25)
    assert mx.locked_share([0.0], [0.0]) == 0.0
    assert mx.roundtrip_ratio(3.0, 4.0) == pytest.approx(0.75)
    assert mx.roundtrip_ratio(0.0, 0.0) == 0.0


@given(st.lists(st.floats(min_value=0.0, max_value=1e6), min_size=1, max_size=30))
def test_hhi_is_within_bounds(values):
    h = mx.hhi(values)
    positive = sum(v > 0 for v in values)
    if positive == 0:
        assert h == 0.0
    else:
        assert 10_000.0 / len(values) - 1e-6 <= h <= 10_000.0 + 1e-6
        assert mx.shares(values).sum() == pytest.approx(1.0)
