"""End-user demand (docs/model.md 7.3): price and quality around the trend, surplus, training."""

import math

import numpy as np
import pytest
from scipy import integrate, stats

from computemarket.agents.lab import training_revenue_shares
from computemarket.simulation.demand import end_user_demand, inclusive_value, service_price_ratio
from computemarket.simulation.metrics import consumer_surplus_change
from computemarket.simulation.model import ComputeMarket
from computemarket.simulation.parameters import LabParams
from computemarket.simulation.runner import run


# ------------------------------------------------------------------------------- pure functions
def test_inclusive_value_by_hand():
    quality = np.array([3.0, 2.0])
    # weight 1, outside option 2 below the frontier: log(e^-2 + e^0 + e^-1)
    assert inclusive_value(quality, 1.0, 1.0) == pytest.approx(
        math.log(math.exp(-2) + 1 + math.exp(-1))
    )
    assert inclusive_value(quality, -math.inf, 1.0) == pytest.approx(math.log(1 + math.exp(-1)))
    # Another lab at the frontier adds variety; a lab far behind adds almost nothing.
    assert inclusive_value(np.array([3.0, 3.0]), 1.0, 1.0) > inclusive_value(quality, 1.0, 1.0)


def test_service_price_ratio_by_hand():
    model = ComputeMarket(market_scenario="classroom", years=1, rng=1)
    # Compute at half its start price after 2 years, against a path of -23% a year, half passed on.
    ratio = service_price_ratio(0.5, 2.0, model.state)
    assert ratio == pytest.approx((0.5 / 0.77**2) ** 0.5)
    assert ratio == pytest.approx(0.9183, abs=1e-4)


def test_consumer_surplus_of_a_price_change_is_the_area_under_demand():
    # Q = A p^eps with eps = -0.8; the path's price 1, spending there 100: A = 100.
    gain = consumer_surplus_change(100.0, 1.1, 0.0, -0.8, 0.5)
    assert gain == pytest.approx((100 - 100 * 1.1**0.2) / 0.2)
    assert gain == pytest.approx(-9.6224, abs=1e-4)
    area, _ = integrate.quad(lambda p: 100 * p**-0.8, 1.0, 1.1)
    assert gain == pytest.approx(-area)
    cheaper, _ = integrate.quad(lambda p: 100 * p**-0.8, 0.8, 1.0)
    assert consumer_surplus_change(100.0, 0.8, 0.0, -0.8, 0.5) == pytest.approx(cheaper)


def test_consumer_surplus_of_better_quality_by_hand():
    # At the path's price, quality up 0.2 with alpha 0.5: spending x e^0.1, willingness to pay for
    # each unit x e^(0.1 / 0.8).
    spend = 100 * math.exp(0.1)
    expected = spend * (math.exp(0.125) - 1)
    assert consumer_surplus_change(100.0, 1.0, 0.2, -0.8, 0.5) == pytest.approx(expected)
    assert expected == pytest.approx(14.715, abs=1e-3)
    assert consumer_surplus_change(100.0, 1.0, -0.2, -0.8, 0.5) < 0
    assert consumer_surplus_change(100.0, 1.0, 0.0, -0.8, 0.5) == 0.0


def test_training_share_falls_as_labs_mature():
    params = LabParams()
    shares = training_revenue_shares(np.array([0.0, 3.0, 100.0]), params)
    np.testing.assert_allclose(shares, [0.6, 0.25 + 0.35 * math.exp(-1), 0.25])
    off = LabParams(training_revenue_share_mature=0.6)
    np.testing.assert_allclose(training_revenue_shares(np.array([0.0, 9.0]), off), 0.6)


def test_an_entrants_training_share_follows_its_own_age():
    """In quarter 8 a lab present from the start is 2 years old, one that entered in quarter 4
    is 1, one that entered now is 0: tau = 0.25 + 0.35 exp(-age / 3) (docs/model.md 7.3)."""
    from computemarket.simulation.demand import training_shares

    model = ComputeMarket(market_scenario="classroom", rng=1)
    state = model.state
    state.market.quarter = 8
    state.labs.entered[:] = [0, 4, 8, 0, 6, 8]
    np.testing.assert_allclose(
        training_shares(state),
        [0.429696, 0.500786, 0.6, 0.429696, 0.25 + 0.35 * math.exp(-0.5 / 3), 0.6],
        atol=1e-6,
    )


# ------------------------------------------------------------------------------- on the state
def test_end_user_demand_by_hand():
    model = ComputeMarket(market_scenario="classroom", years=2, rng=1)
    state, market = model.state, model.state.market
    quality = np.log(state.labs.stock[state.labs.alive])
    market.quarter = 4
    market.adoption_trend = 100.0
    state.providers.price *= 0.8  # compute 20% cheaper than at the start
    end_user_demand(state, quality)  # qualities as at the start: no quality effect
    assert market.compute_price_index == pytest.approx(0.8)
    # One year on the path is 0.77: compute is dearer than the path; half of it is passed on.
    assert market.ai_market == pytest.approx(100 * (0.8 / 0.77) ** (0.5 * 0.2))
    assert market.inference_intensity == pytest.approx(0.2 * 0.8**-0.5)


def test_start_demand_is_the_trend():
    model = ComputeMarket(market_scenario="calibrated-2025", years=1, rng=1)
    first = model.datacollector.get_model_vars_dataframe().iloc[0]
    assert first["ai_market"] == first["adoption_trend"] == first["end_user_spend"] == 16.0
    assert first["consumer_surplus"] == 0.0


def test_without_pass_through_or_quality_demand_follows_the_trend():
    off = {"demand.cost_pass_through": 0.0, "demand.quality_elasticity": 0.0}
    metrics = run("calibrated-2025", years=4, seed=1, overrides=off, tables=("metrics",)).metrics
    np.testing.assert_allclose(metrics["ai_market"], metrics["adoption_trend"], rtol=1e-12)
    np.testing.assert_allclose(metrics["consumer_surplus"], 0.0, atol=1e-9)


def test_end_user_spend_is_what_labs_and_the_outside_option_take():
    model = ComputeMarket(market_scenario="calibrated-2025", years=2, rng=3)
    model.run_model()
    labs, market = model.labs, model.state.market
    expected = labs.revenue[labs.alive].sum() + market.outside_share * market.ai_market
    last = model.datacollector.get_model_vars_dataframe().iloc[-1]
    assert last["end_user_spend"] == pytest.approx(expected)


def test_full_pass_through_keeps_inference_cost_per_dollar_constant():
    for through, falls in ((1.0, False), (0.5, True)):
        model = ComputeMarket(
            market_scenario="calibrated-2025",
            years=5,
            rng=1,
            overrides={"demand.cost_pass_through": through},
        )
        start = model.state.market.inference_intensity * model.state.market.initial_price
        model.run_model()
        market = model.state.market
        cost = market.inference_intensity * market.initial_price * market.compute_price_index
        if falls:
            assert cost < 0.8 * start
        else:
            assert cost == pytest.approx(start)


# ---------------------------------------------------------------------------------- behaviour
@pytest.mark.slow
def test_dearer_compute_lowers_the_quantity_of_ai_services():
    """A tight supply curve raises compute prices; users buy fewer services and lose surplus."""
    seeds = range(8)

    def quantity(metrics):
        # Services bought = spending / price of services (CPI^pass-through), last year.
        tail = metrics.iloc[-4:]
        return float((tail["ai_market"] / tail["compute_price_index"] ** 0.5).mean())

    loose = np.array(
        [
            quantity(run("calibrated-2025", years=6, seed=s, tables=("metrics",)).metrics)
            for s in seeds
        ]
    )
    tight = np.array(
        [
            quantity(
                run(
                    "calibrated-2025",
                    years=6,
                    seed=s,
                    overrides={"supply.max_additions_gw": 5.0},
                    tables=("metrics",),
                ).metrics
            )
            for s in seeds
        ]
    )
    assert (tight < loose).sum() >= 7  # in (almost) every seed, and on average:
    assert stats.ttest_rel(tight, loose, alternative="less").pvalue < 0.01
