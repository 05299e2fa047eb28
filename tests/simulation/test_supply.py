"""Supply (docs/model.md 7.2): the supply curve, hardware vintages, orders in flight, unit cost."""

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from computemarket.simulation.model import ComputeMarket
from computemarket.simulation.parameters import SupplyParams
from computemarket.simulation.runner import run
from computemarket.simulation.supply import (
    additions_cap_gw,
    allot_additions,
    update_capacity,
    vintage_capex,
    vintage_compute,
)

LIFE = 24  # 6-year hardware life, in quarters: column 24 is quarter 0


# ---------------------------------------------------------------------------------- vintages
def test_vintage_compute_is_one_on_average_over_the_start_fleet():
    e = vintage_compute(60, LIFE, SupplyParams())
    # The start fleet arrived over the last 12 quarters (columns 13..24).
    assert e[13:25].mean() == pytest.approx(1.0)
    # Hand-computed: 12 / sum_{k=0..11} 1.4^(-k/4), a geometric series in 1.4^(-1/4).
    r = 1.4**-0.25
    assert e[24] == pytest.approx(12 * (1 - r) / (1 - r**12))
    assert e[24] == pytest.approx(1.5232, abs=1e-4)
    assert e[28] / e[24] == pytest.approx(1.4)  # a GW arriving a year later gives 40% more


def test_no_generations_means_one_egw_per_gw():
    flat = SupplyParams(flops_per_watt_growth=0.0)
    np.testing.assert_allclose(vintage_compute(60, LIFE, flat), 1.0)


def test_vintage_capex_by_hand():
    c = vintage_capex(60, LIFE, 35.0, SupplyParams())
    assert c[:25] == pytest.approx([35.0] * 25)  # the fleet before the start at capex_per_gw
    # One year on: chips (1.4 / 1.3) dearer per GW, the facility 5.5% dearer.
    assert c[28] == pytest.approx(35 * (0.67 * 1.4 / 1.3 + 0.33 * 1.055))
    assert c[28] == pytest.approx(37.4391, abs=1e-4)
    # Compute per $ of new capacity still rises: by ~30% a year.
    e = vintage_compute(60, LIFE, SupplyParams())
    assert (e[28] / c[28]) / (e[24] / c[24]) == pytest.approx(1.4 / 1.06969, rel=1e-4)
    flat = SupplyParams(
        flops_per_watt_growth=0.0, flops_per_dollar_growth=0.0, construction_inflation=0.0
    )
    np.testing.assert_allclose(vintage_capex(60, LIFE, 35.0, flat), 35.0)


# ----------------------------------------------------------------------------- the supply curve
def test_supply_curve_is_in_calendar_time():
    model = ComputeMarket(market_scenario="calibrated-2025", years=3, rng=1)  # starts 2025Q4
    assert additions_cap_gw(model.state, 1) == pytest.approx(15 / 4)  # 2026Q1
    assert additions_cap_gw(model.state, 5) == pytest.approx(15 * 1.2 / 4)  # 2027Q1
    assert additions_cap_gw(model.state, 0) == pytest.approx(15 / 1.2**0.25 / 4)  # 2025Q4


def _with_room(model, scheduled, cap_gw_per_year):
    """Set the supply curve and the GW already due in the quarter this quarter's orders arrive."""
    state = model.state
    column = (
        state.market.quarter
        + model.params.hyperscaler.build_lag_quarters
        + state.market.life_quarters
    )
    state.providers.arrivals[:, column] = 0.0
    state.providers.arrivals[0, column] = scheduled
    state.params = dataclasses.replace(
        state.params, supply=SupplyParams(max_additions_gw=cap_gw_per_year)
    )
    return column


def test_orders_beyond_the_curve_are_rationed_pro_rata_and_pay_the_premium():
    model = ComputeMarket(market_scenario="classroom", years=5, rng=1)  # starts 2026Q1, lag 8
    model.state.market.quarter = 4  # orders arrive in quarter 12 = 2029Q1: 3 years on the curve
    cap = 4 * 5.0 / 1.2**3  # so that the quarter's GW are 5
    column = _with_room(model, scheduled=1.0, cap_gw_per_year=cap)
    base = model.state.market.vintage_capex[column]
    allotted = allot_additions(model.state, np.array([2.0, 6.0, 0.0]))
    # Room 5 - 1 = 4 GW for 8 GW wanted: everyone gets half.
    np.testing.assert_allclose(allotted, [1.0, 3.0, 0.0])
    assert model.state.market.supply_pressure == pytest.approx(1.0)
    assert model.state.market.vintage_capex[column] == pytest.approx(base * 1.25)


def test_orders_within_the_curve_pass_and_pay_a_smaller_premium():
    model = ComputeMarket(market_scenario="classroom", years=5, rng=1)
    model.state.market.quarter = 4
    column = _with_room(model, scheduled=1.0, cap_gw_per_year=4 * 10.0 / 1.2**3)  # 10 GW room
    base = model.state.market.vintage_capex[column]
    allotted = allot_additions(model.state, np.array([2.0, 2.0, 0.0]))
    np.testing.assert_allclose(allotted, [2.0, 2.0, 0.0])
    assert model.state.market.supply_pressure == pytest.approx(0.5)  # (1 + 4) / 10
    assert model.state.market.vintage_capex[column] == pytest.approx(base * (1 + 0.25 * 0.25))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cap=st.floats(min_value=2.0, max_value=40.0), seed=st.integers(0, 50))
def test_arrivals_never_exceed_the_supply_curve(cap, seed):
    model = ComputeMarket(
        market_scenario="calibrated-2025",
        years=4,
        rng=seed,
        overrides={"supply.max_additions_gw": cap},
    )
    model.run_model()
    p, life = model.providers, model.life_quarters
    for quarter in range(1, p.arrivals.shape[1] - life):
        due = float(p.arrivals[:, life + quarter].sum())
        assert due <= additions_cap_gw(model.state, quarter) * (1 + 1e-9) + 1e-12, quarter


# ------------------------------------------------------------------------------ orders in flight
def test_orders_in_flight_grow_at_the_pipeline_rate_and_their_capex_is_due():
    overrides = {
        "hyperscaler.build_lag_quarters": 2,
        "hyperscaler.capacity_dispersion": 0.0,
        "hyperscaler.initial_capacity_gw": 1.0,
    }
    model = ComputeMarket(market_scenario="classroom", years=2, rng=1, overrides=overrides)
    p, life, market = model.providers, model.life_quarters, model.state.market
    g = 1.8**0.25
    np.testing.assert_allclose(p.arrivals[:, life + 1], g - 1)  # 0.1583 GW in quarter 1
    np.testing.assert_allclose(p.arrivals[:, life + 2], g**2 - g)  # 0.1833 GW in quarter 2
    # The quarter-2 order was paid over quarters 0 and 1: the quarter-1 instalment is still due;
    # the quarter-1 order was paid over quarters -1 and 0, before the start.
    cost = 35 * (0.67 * (1.4 / 1.3) ** 0.5 + 0.33 * 1.055**0.5)
    np.testing.assert_allclose(p.capex_due[:, life + 1], (g**2 - g) * cost / 2)
    np.testing.assert_allclose(p.capex_due[:, life + 2 :].sum(axis=1), 0.0)
    assert market.vintage_capex[life + 2] == pytest.approx(cost)


def test_orders_in_flight_are_booked_as_capex():
    result = run("calibrated-2025", years=1, seed=1, tables=("metrics", "agents", "ledger"))
    agents = result.agents[(result.agents.kind == "hyperscaler") & (result.agents.quarter == 1)]
    oracle = agents[agents.name == "Oracle"]
    assert float(oracle.capex.iloc[0]) > 0  # Oracle has no other capex: this is its pipeline
    booked = result.ledger[(result.ledger.quarter == 1) & (result.ledger.kind == "capex")]
    assert booked.amount.sum() == pytest.approx(agents.capex.sum())


def test_orders_in_flight_are_scaled_to_the_supply_curve():
    tight = {"supply.max_additions_gw": 2.0}
    model = ComputeMarket(market_scenario="calibrated-2025", years=2, rng=1, overrides=tight)
    p, life = model.providers, model.life_quarters
    for k in range(1, model.params.hyperscaler.build_lag_quarters + 1):
        assert p.arrivals[:, life + k].sum() == pytest.approx(additions_cap_gw(model.state, k))


# ----------------------------------------------------------------------------------- unit cost
def test_unit_cost_is_the_fleets_cost_over_its_compute():
    model = ComputeMarket(market_scenario="classroom", years=5, rng=1)
    state, p, life = model.state, model.providers, model.life_quarters
    p.arrivals[:] = 0.0
    p.arrivals[0, life] = 2.0  # 2 GW of the start fleet's last vintage
    p.arrivals[1, life + 4] = 1.0  # 1 GW arriving a year on
    state.market.quarter = 4
    update_capacity(state)
    e, c = state.market.vintage_compute, state.market.vintage_capex
    cost = 2 * (c[life] / life + 0.3) + (c[life + 4] / life + 0.3)
    compute = 2 * e[life] + e[life + 4]
    assert state.market.unit_cost == pytest.approx(cost / compute)
    assert state.market.compute_per_gw == pytest.approx(compute / 3)
    np.testing.assert_allclose(p.capacity, [2 * e[life], e[life + 4], 0.0])
    np.testing.assert_allclose(p.power_gw, [2.0, 1.0, 0.0])
    np.testing.assert_allclose(p.price, state.market.unit_cost * (1 + p.markup))


def test_start_prices_are_unchanged_by_generations():
    model = ComputeMarket(market_scenario="calibrated-2025", years=1, rng=1)
    assert model.unit_cost == pytest.approx(35 / 24 + 0.3)
    assert model.state.market.compute_per_gw == pytest.approx(1.0)
    first = model.datacollector.get_model_vars_dataframe().iloc[0]
    assert first["compute_price_index"] == 1.0


# ---------------------------------------------------------------------------------- behaviour
SEEDS = range(8)


def _paired(metric, summary, low, high):
    a = np.array(
        [
            summary(
                run("calibrated-2025", years=6, seed=s, overrides=low, tables=("metrics",)).metrics[
                    metric
                ]
            )
            for s in SEEDS
        ]
    )
    b = np.array(
        [
            summary(
                run(
                    "calibrated-2025", years=6, seed=s, overrides=high, tables=("metrics",)
                ).metrics[metric]
            )
            for s in SEEDS
        ]
    )
    return a, b


def last_year(series):
    return float(np.mean(series.iloc[-4:]))


@pytest.mark.slow
def test_a_tighter_supply_curve_means_less_capacity_dearer_compute_and_less_surplus():
    pairs = {
        metric: _paired(
            metric, last_year, {"supply.max_additions_gw": 1e6}, {"supply.max_additions_gw": 5.0}
        )
        for metric in ("capacity_gw", "compute_price_index", "consumer_surplus", "supply_pressure")
    }
    loose, tight = pairs["capacity_gw"]
    assert (tight < loose).all()
    loose, tight = pairs["compute_price_index"]
    assert (tight > loose).all()
    assert stats.ttest_rel(tight, loose, alternative="greater").pvalue < 0.01
    loose, tight = pairs["consumer_surplus"]
    assert (tight < loose).all()
    loose, tight = pairs["supply_pressure"]
    assert (loose < 1e-3).all() and (tight > 0.9).all()  # 1e6 GW a year: the cap is off


@pytest.mark.slow
def test_hardware_generations_make_compute_cheaper():
    flat = {
        "supply.flops_per_watt_growth": 0.0,
        "supply.flops_per_dollar_growth": 0.0,
        "supply.construction_inflation": 0.0,
    }
    without, with_generations = _paired("compute_price_index", last_year, flat, {})
    assert (with_generations < 0.6 * without).all()
