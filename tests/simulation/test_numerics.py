"""Rounding guards: leftovers of rounding are zero, near-ties are ties broken by position."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from computemarket.simulation.numerics import (
    ROUNDING,
    first_minimum,
    rank_with_ties,
    snap_to_zero,
)


def test_snap_to_zero_clears_rounding_and_keeps_real_amounts():
    values = np.array([2.8e-17, 1e-6, -1e-16, 0.5])
    snap_to_zero(values, np.array([1.0, 1.0, 1.0, 1.0]))
    np.testing.assert_array_equal(values, [0.0, 1e-6, 0.0, 0.5])


def test_first_minimum_treats_last_bit_differences_as_ties():
    cost = np.array([[2.0, 1.0 + 2e-16, 1.0], [3.0, np.inf, 1.0], [np.inf, np.inf, np.inf]])
    np.testing.assert_array_equal(first_minimum(cost, axis=1), [1, 2, 0])
    assert first_minimum(np.array([1.0, 1.0 + 1e-6])) == 0


def test_rank_with_ties_orders_near_equal_values_by_position():
    np.testing.assert_array_equal(rank_with_ties([3.0, 1.0, 3.0 + 1e-15, 2.0], True), [0, 2, 3, 1])
    np.testing.assert_array_equal(rank_with_ties([3.0 + 1e-15, 1.0, 3.0], True), [0, 2, 1])
    np.testing.assert_array_equal(rank_with_ties([1.0, 0.5, 1.0 - 1e-16]), [1, 0, 2])


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=30), st.booleans())
def test_rank_with_ties_is_a_sorting_permutation(values, descending):
    order = rank_with_ties(values, descending)
    assert sorted(order.tolist()) == list(range(len(values)))
    ranked = np.asarray(values)[order] * (-1 if descending else 1)
    # Sorted up to rounding: no later value is smaller by more than the tolerance.
    gaps = np.diff(ranked)
    assert np.all(gaps >= -ROUNDING * np.maximum(np.abs(ranked[:-1]), np.abs(ranked[1:])) - 1e-300)


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=30))
def test_rank_with_ties_does_not_move_values_a_last_bit_apart(values):
    nudged = np.nextafter(np.asarray(values), np.inf)
    assert rank_with_ties(values).tolist() == rank_with_ties(nudged).tolist()
