"""Credit: lenders' prices and limits, allotments of the lending capacity, labs' debt, the cycle."""

import math

import numpy as np
import pytest

from computemarket.simulation.credit import (
    absorb_defaults,
    advance_credit,
    allot_credit,
    borrow_for_lab,
    lab_debt_limits,
    service_lab_debt,
)
from computemarket.simulation.distress import exit_lab, resolve_distress, try_restructuring
from computemarket.simulation.ledger import EXTERNAL
from computemarket.simulation.lending import (
    RATING_COVERAGE,
    blended_rate,
    corporate_rate,
    credit_after_defaults,
    delivered_hardware_value,
    interest_coverage,
    lab_rate,
    lending_capacity,
    provider_terms,
    repriced_rate,
    secured_limit,
    secured_rate,
    spread_multiplier,
    unsecured_limit,
)
from computemarket.simulation.model import ComputeMarket
from computemarket.simulation.parameters import CreditParams
from computemarket.simulation.runner import run

CP = CreditParams()


# ------------------------------------------------------------------------------------ prices
def test_spread_multiplier_follows_the_rating_table_relative_to_bbb():
    # Class midpoints: BBB is 1; AAA (0.69 / 2.0) and D (20 / 2.0) are flat beyond the table.
    assert spread_multiplier(2.75) == pytest.approx(1.0)
    np.testing.assert_allclose(spread_multiplier([8.5, 20.0, np.inf]), 0.345)
    np.testing.assert_allclose(spread_multiplier([0.2, 0.0]), 10.0)
    # Halfway between BB (2.125: 3.13) and BB+ (2.375: 2.42) the log is halfway: geometric mean.
    assert spread_multiplier(2.25) == pytest.approx(math.sqrt(3.13 / 2 * 2.42 / 2))
    # Lower coverage never means a lower spread.
    c = np.linspace(0.0, 10.0, 201)
    assert np.all(np.diff(spread_multiplier(c)) <= 1e-12)
    assert RATING_COVERAGE.size == 13


def test_interest_coverage_handles_no_interest_and_losses():
    np.testing.assert_allclose(
        interest_coverage([10.0, 10.0, -5.0], [2.0, 0.0, 1.0]), [5.0, np.inf, 0.0]
    )


def test_corporate_rate_is_base_plus_a_stressed_capped_spread():
    assert corporate_rate(2.75, 1.0, CP) == pytest.approx(0.042 + 0.0097)
    # At credit conditions 0 spreads are 1 + 2.5 = 3.5 times wider.
    assert corporate_rate(2.75, 0.0, CP) == pytest.approx(0.042 + 3.5 * 0.0097)
    # A D-rated borrower in a crunch: 10 x 0.0097 x 3.5 = 0.34, capped at 0.20.
    assert corporate_rate(0.0, 0.0, CP) == pytest.approx(0.042 + 0.20)


def test_secured_rate_prices_the_customers_credit():
    np.testing.assert_allclose(
        secured_rate([0.0, 1.0, 0.5], 1.0, CP),
        [0.037 + 0.13, 0.037 + 0.0625, 0.037 + 0.5 * 0.0625 + 0.5 * 0.13],
    )


def test_lab_rate_is_near_the_sponsors_with_a_sponsor():
    np.testing.assert_allclose(lab_rate([True, False], 1.0, CP), [0.042 + 0.01, 0.042 + 0.08])


# ------------------------------------------------------------------------------------ limits
def test_unsecured_limit_stops_at_the_minimum_coverage():
    # m(1.25) interpolates between CCC (1.025: 11.57) and B- (1.375: 7.37) in logs.
    m = math.exp(math.log(5.785) + 0.225 / 0.35 * (math.log(3.685) - math.log(5.785)))
    rate = 0.042 + 0.0097 * m  # 0.0840
    assert unsecured_limit(100.0, 1.0, CP) == pytest.approx(100.0 / (1.25 * rate))  # 952.5
    assert unsecured_limit(-5.0, 1.0, CP) == 0.0
    assert unsecured_limit(100.0, 1.0, CreditParams(min_coverage=0.0)) == math.inf
    # Interest-free debt (both rate parts at their lower bound 0) is covered by any positive EBIT.
    free = CreditParams(base_rate=0.0, bbb_spread=0.0)
    np.testing.assert_array_equal(unsecured_limit([-1.0, 0.0, 5.0], 1.0, free), [0, 0, math.inf])
    # In a crunch the rate at the threshold is higher, so lenders let a borrower owe less.
    assert unsecured_limit(100.0, 0.3, CP) < unsecured_limit(100.0, 1.0, CP)


def test_secured_limit_is_the_covenant_or_the_collateral_whichever_is_smaller():
    # Collateral 0.6 x 40 + 0.8 x 20 = 40; covenant 5 x EBITDA.
    assert secured_limit(10.0, 40.0, 20.0, CP) == pytest.approx(40.0)
    assert secured_limit(6.0, 40.0, 20.0, CP) == pytest.approx(30.0)
    assert secured_limit(-1.0, 40.0, 20.0, CP) == 0.0


def test_only_delivered_hardware_counts_at_its_depreciated_value():
    arrivals = np.zeros(40)
    column = 30
    arrivals[column] = 2.0  # arrived this quarter: full value
    arrivals[column - 8] = 4.0  # 8 quarters old of a 16-quarter life: half
    arrivals[column - 16] = 1.0  # worn out for lenders
    arrivals[column + 3] = 1.0  # on order: nothing
    assert delivered_hardware_value(arrivals, column, 35.0, 16.0) == pytest.approx(35.0 * 4.0)
    both = delivered_hardware_value(np.vstack([arrivals, 2 * arrivals]), column, 35.0, 16.0)
    np.testing.assert_allclose(both, [140.0, 280.0])


def test_provider_terms_price_neoclouds_secured_and_others_unsecured():
    rate, ceiling = provider_terms(
        np.array([False, True]),
        ebitda=np.array([120.0, 10.0]),
        depreciation=np.array([20.0, 8.0]),
        interest=np.array([0.0, 1.0]),
        ig_share=np.array([0.0, 0.0]),
        hardware_value=np.array([0.0, 40.0]),
        contracted_revenue=np.array([0.0, 20.0]),
        credit_conditions=1.0,
        params=CP,
    )
    # AAA (no interest) at EBIT 100; the neocloud at the unrated secured margin. The hyperscaler's
    # own policy (2 x EBITDA = 240) binds before the lenders' backstop (coverage 1.25, ~952).
    np.testing.assert_allclose(rate, [0.042 + 0.345 * 0.0097, 0.037 + 0.13])
    assert unsecured_limit(100.0, 1.0, CP) > 2.0 * 120.0
    np.testing.assert_allclose(ceiling, [2.0 * 120.0, 40.0])
    _, lenient = provider_terms(
        np.array([False]),
        ebitda=np.array([120.0]),
        depreciation=np.array([20.0]),
        interest=np.array([0.0]),
        ig_share=np.array([0.0]),
        hardware_value=np.array([0.0]),
        contracted_revenue=np.array([0.0]),
        credit_conditions=1.0,
        params=CP,
        target_leverage=np.array([1e9]),
    )
    np.testing.assert_allclose(lenient, [unsecured_limit(100.0, 1.0, CP)])  # no policy: lenders'


# ------------------------------------------------------------------------- rates and the cycle
def test_debt_reprices_as_it_matures_and_blends_new_debt():
    assert repriced_rate(0.05, 0.10, 0.05) == pytest.approx(0.0525)
    assert blended_rate(0.05, 100.0, 50.0, 0.11) == pytest.approx(0.07)
    assert blended_rate(0.05, 0.0, 50.0, 0.11) == pytest.approx(0.11)


def test_lending_capacity_grows_and_follows_credit_conditions():
    assert lending_capacity(CP, 2.0, 0.5) == pytest.approx(90.0 * 1.15**2 * 0.5)


def test_defaults_tighten_credit_down_to_the_floor():
    # 10 of 400 defaulted in a quarter: 10% a year; 6 x 0.1 = 0.6 off.
    assert credit_after_defaults(1.0, 10.0, 400.0, CP) == pytest.approx(0.4)
    assert credit_after_defaults(1.0, 40.0, 400.0, CP) == pytest.approx(0.3)
    assert credit_after_defaults(0.2, 40.0, 400.0, CP) == pytest.approx(0.2)
    assert credit_after_defaults(0.8, 0.0, 400.0, CP) == 0.8


def test_credit_recovers_and_sets_the_quarters_capacity():
    model = ComputeMarket(market_scenario="classroom", rng=1)
    market = model.state.market
    market.credit_conditions = 0.3
    market.quarter = 8
    advance_credit(model.state)
    assert market.credit_conditions == pytest.approx(0.3 + 0.15 * 0.7)
    assert market.lending_capacity == pytest.approx(90.0 * 1.15**2 * 0.405)
    assert market.lending_left == market.lending_capacity


def test_a_default_tightens_credit_and_cools_investors():
    model = ComputeMarket(market_scenario="classroom", rng=1)
    state = model.state
    state.providers.debt[:] = [100.0, 100.0, 190.0]
    state.counters["defaulted_debt"] = 10.0  # 10 of 400 outstanding before the default
    absorb_defaults(state)
    assert state.market.credit_conditions == pytest.approx(0.4)
    assert state.market.sentiment == pytest.approx(1.0 - 10.0 / 400.0)


def test_a_provider_failure_raises_spreads_and_cuts_lending_next_quarter():
    model = ComputeMarket(market_scenario="calibrated-2025", rng=1)
    model.step()
    calm = model.tables()["metrics"].iloc[-1]
    oracle = model.state.provider_names.index("Oracle")
    model.ledger.book(model.providers.account[oracle], EXTERNAL, 1e4, "capex")  # cannot pay
    model.providers.debt_ceiling[oracle] = 0.0
    resolve_distress(model.state, model.hyperscaler_list, model.lab_list)
    assert not model.providers.alive[oracle]
    assert model.counters["defaulted_debt"] > 1e4
    model.ledger.close_quarter()
    model.step()
    stressed = model.tables()["metrics"].iloc[-1]
    assert stressed.credit_conditions == pytest.approx(0.3 + 0.15 * 0.7)
    assert stressed.bbb_spread > 2.0 * calm.bbb_spread
    assert stressed.lending_capacity < 0.5 * calm.lending_capacity


# --------------------------------------------------------------------------------- allotments
def test_capacity_is_allotted_in_proportion_to_room():
    model = ComputeMarket(market_scenario="classroom", rng=1)
    state = model.state
    model.step()
    p = state.providers
    state.market.lending_left = 90.0
    # Rooms: 3 providers with the same ceiling, one already owing half of it; and the labs.
    allot_credit(state, np.zeros(3))
    ceiling = p.debt_ceiling.copy()
    p.debt[:] = [0.0, 0.0, ceiling[2] / 2]
    state.market.lending_left = 90.0
    allot_credit(state, np.zeros(3))
    lab_room = float(lab_debt_limits(state).sum())
    room = np.append(ceiling - p.debt, lab_room)
    expected = 90.0 * room / room.sum()
    np.testing.assert_allclose(p.credit_quota, expected[:3])
    assert state.market.lab_credit_quota == pytest.approx(expected[3])
    assert state.market.lending_left == pytest.approx(0.0, abs=1e-9)


def test_a_provider_draws_its_allotment_then_the_pool_and_plans_on_its_allotment():
    model = ComputeMarket(market_scenario="classroom", rng=1)
    model.step()
    h = model.hyperscaler_list[0]
    p, market = model.providers, model.state.market
    p.debt_ceiling[0], p.credit_quota[0], market.lending_left = 500.0, 10.0, 5.0
    lag = model.params.hyperscaler.build_lag_quarters
    assert h.planning_room() == pytest.approx(lag * 10.0)
    p.interest_rate[0], p.lending_rate[0] = 0.05, 0.09
    assert h._borrow(12.0) == pytest.approx(12.0)
    assert p.credit_quota[0] == 0.0 and market.lending_left == pytest.approx(3.0)
    assert p.interest_rate[0] == pytest.approx(0.09)  # it had no debt
    assert h._borrow(12.0) == pytest.approx(3.0)  # the pool is all that is left
    assert p.debt[0] == pytest.approx(15.0)


def test_an_investment_grade_provider_draws_committed_lines_in_distress():
    model = ComputeMarket(market_scenario="classroom", rng=1)
    model.step()
    h = model.hyperscaler_list[0]
    p, market = model.providers, model.state.market
    market.lending_left = 0.0
    p.credit_quota[0] = 0.0
    p.debt_ceiling[0] = p.debt[0] + 50.0
    model.ledger.book(h.account, EXTERNAL, h.cash + 20.0, "capex")  # 20 $B short
    assert h.cover_shortfall()
    assert h.cash == pytest.approx(0.0, abs=1e-9)
    assert p.debt[0] == pytest.approx(20.0)


# --------------------------------------------------------------------------------- labs' debt
def _lab_in_trouble(short: float):
    """A classroom market after one quarter, with lab 0 ``short`` $B below zero."""
    model = ComputeMarket(market_scenario="classroom", rng=1)
    model.step()
    lab = model.lab_list[0]
    model.ledger.book(lab.account, EXTERNAL, lab.cash + short, "lab_opex")
    return model, lab


def test_an_insolvent_lab_draws_its_credit_line_instead_of_exiting():
    model, lab = _lab_in_trouble(0.5)
    labs = model.labs
    assert lab_debt_limits(model.state)[0] == pytest.approx(0.5 * 4.0 * labs.revenue[0])
    resolve_distress(model.state, model.hyperscaler_list, model.lab_list)
    assert lab.alive and lab.cash == pytest.approx(0.0, abs=1e-9)
    assert labs.debt[0] == pytest.approx(0.5)
    assert labs.interest_rate[0] == pytest.approx(0.042 + 0.08)  # no sponsor
    assert model.counters["new_lending"] == pytest.approx(0.5)
    model.ledger.close_quarter()


def test_a_lab_cannot_borrow_beyond_its_limit():
    model, _ = _lab_in_trouble(0.5)
    limit = float(lab_debt_limits(model.state)[0])
    model.labs.debt[0] = limit - 0.2
    assert borrow_for_lab(model.state, 0, 0.5) == pytest.approx(0.2)
    assert model.labs.debt[0] == pytest.approx(limit)


def test_labs_pay_interest_reprice_and_repay_from_spare_cash():
    model = ComputeMarket(market_scenario="classroom", rng=1)
    model.step()
    labs, ledger = model.labs, model.ledger
    labs.debt[0], labs.interest_rate[0] = 4.0, 0.10
    reserve = model.params.lab.runway_quarters * labs.burn[0]
    cash = ledger.cash[labs.account[0]]
    ledger.book(labs.account[0], EXTERNAL, cash - reserve - 0.1, "lab_opex")  # 0.1 above reserve
    service_lab_debt(model.state)
    quoted = 0.042 + 0.08
    assert labs.lending_rate[0] == pytest.approx(quoted)
    assert labs.interest_rate[0] == pytest.approx(0.95 * 0.10 + 0.05 * quoted)
    # Interest 4 x 0.10 / 4 = 0.1 leaves exactly the reserve: nothing to repay from.
    assert labs.debt[0] == pytest.approx(4.0)
    assert ledger.cash[labs.account[0]] == pytest.approx(reserve)
    ledger.book(EXTERNAL, labs.account[0], 1.0, "end_user_revenue")  # 1 $B above reserve
    service_lab_debt(model.state)
    assert labs.debt[0] == pytest.approx(4.0 - 0.05 * 4.0)  # the maturing 5%


def test_a_restructuring_writes_down_the_commitment_and_forgives_the_hole():
    model, lab = _lab_in_trouble(0.3)
    labs, p, ledger = model.labs, model.providers, model.ledger
    labs.commit_remaining[0, 1] = 40.0
    labs.commit_end[0, 1] = model.quarter + 10
    labs.billed[0] = [0.0, 2.0, 0.0]
    provider_cash = ledger.cash[p.account[1]]
    assert try_restructuring(model.state, 0, valuation=50.0, survival=0.8)
    assert lab.cash == pytest.approx(0.0, abs=1e-9)
    assert ledger.cash[p.account[1]] == pytest.approx(provider_cash - 0.3)
    assert labs.commit_remaining[0, 1] == pytest.approx(20.0)
    assert labs.commit_end[0, 1] == model.quarter + 14
    assert p.losses[1] == pytest.approx(0.3)
    assert model.counters["restructurings"] == 1
    assert model.counters["commitments_written_down"] == pytest.approx(20.0)
    row = model.state.deal_rows[-1]
    assert row["kind"] == "restructuring" and row["commitment"] == pytest.approx(-20.0)
    model.ledger.close_quarter()


def test_a_creditor_refuses_a_restructuring_it_cannot_gain_from():
    model, _ = _lab_in_trouble(3.0)
    labs = model.labs
    labs.commit_remaining[0, 1] = 40.0
    labs.commit_end[0, 1] = model.quarter + 10
    labs.billed[0] = [0.0, 2.0, 0.0]
    # The hole (3) is more than the quarter's bill (2): nothing to forgive it out of.
    assert not try_restructuring(model.state, 0, valuation=50.0, survival=0.8)
    # A small hole but nothing kept worth it: no stake and a tiny commitment.
    model, _ = _lab_in_trouble(0.3)
    labs = model.labs
    labs.commit_remaining[0, 1] = 0.01
    labs.billed[0] = [1.0, 1.0, 0.0]  # it would lose half the hole as bad debt anyway
    assert not try_restructuring(model.state, 0, valuation=50.0, survival=0.8)
    assert labs.commit_remaining[0, 1] == 0.01


# ------------------------------------------------------------------------------- behaviour
def test_less_lending_capacity_means_less_provider_debt_and_capacity():
    """Over seeds: a tighter lending capacity bounds the build-out it finances."""
    debt, gw = {}, {}
    for capacity in (30.0, 90.0):
        runs = [
            run(
                "calibrated-2025",
                years=6,
                seed=seed,
                overrides={"credit.lending_capacity": capacity},
                tables=("metrics",),
            ).metrics.iloc[-1]
            for seed in range(1, 4)
        ]
        debt[capacity] = np.mean([m.provider_debt for m in runs])
        gw[capacity] = np.mean([m.capacity_gw for m in runs])
    assert debt[30.0] < 0.8 * debt[90.0]
    assert gw[30.0] < gw[90.0]


def test_credit_lines_keep_labs_alive_through_liquidity_crunches():
    """Over seeds: labs with credit lines exit less than labs without.

    In calm years no lab runs out of cash (they raise a war chest), so the
    comparison is made through the demand shock of the stress scenario.
    """
    exits = {}
    for limit in (0.0, 0.5):
        exits[limit] = sum(
            int(
                run(
                    "baseline",
                    years=8,
                    seed=seed,
                    overrides={
                        "credit.lab_debt_to_revenue": limit,
                        "market.demand_shock": True,
                        "market.demand_shock_year": 2.0,
                    },
                    tables=("metrics",),
                ).metrics.lab_exits.sum()
            )
            for seed in range(1, 5)
        )
    assert exits[0.0] >= 3  # the shock does bite
    assert exits[0.5] < exits[0.0]


# ------------------------------------------------------------------ contracts outside the model
def test_outside_backlog_backs_a_neocloud_and_runs_off_with_its_revenue():
    """Contracts with customers outside the model count in a neocloud's collateral."""
    from computemarket.simulation.contracts import contracted_revenues

    model = ComputeMarket(market_scenario="calibrated-2023", rng=1)
    state, p = model.state, model.state.providers
    coreweave = state.provider_names.index("CoreWeave")
    assert p.outside_backlog[coreweave] == 9.5
    assert p.outside_backlog[np.arange(p.alive.size) != coreweave].sum() == 0.0
    with_backlog = contracted_revenues(state)
    p.outside_backlog[coreweave] = 0.0
    without = contracted_revenues(state)
    assert with_backlog[coreweave] - without[coreweave] == pytest.approx(9.5)
    p.outside_backlog[coreweave] = 9.5
    model.step()
    # The quarter's non-AI revenue (grown at the quarter's start) is paid under it.
    assert p.outside_backlog[coreweave] == pytest.approx(9.5 - float(p.non_ai_revenue[coreweave]))
    assert p.outside_backlog[coreweave] < 9.5 - 0.1


def test_coreweave_survives_the_backcast_on_its_microsoft_contract():
    """Failing before: without it CoreWeave could not pay for its orders in flight (2023 start)."""
    for seed in range(3):
        alive = run("calibrated-2023", years=2, seed=seed).agents.query("name == 'CoreWeave'")
        assert alive["alive"].all()


# ------------------------------------------------------------------------------- cash sweeps
def _set_cash(ledger, account: int, cash: float) -> None:
    ledger.book(EXTERNAL, account, 1e3, "end_user_revenue")
    ledger.book(account, EXTERNAL, ledger.cash[account] - cash, "lab_opex")
    assert ledger.cash[account] == pytest.approx(cash)


@pytest.mark.parametrize(("spare", "debt_after"), [(5.0, 2.0), (1.0, 3.0)])
def test_a_lab_above_its_debt_limit_sweeps_spare_cash_down_to_the_limit(spare, debt_after):
    """Lab 0 owes 4 $B at 10%; its revenue is 1 $B a quarter, so its limit is 0.5 x 4 x 1 = 2 $B.
    It repays max(5% of 4, 4 - 2) = 2 $B when it has 5 $B above its reserve (debt 2), and all
    of its spare 1 $B when that is all it has (debt 3). Interest 4 x 0.10 / 4 = 0.1 comes first."""
    model = ComputeMarket(market_scenario="classroom", rng=1)
    model.step()
    labs, ledger = model.labs, model.ledger
    labs.debt[0], labs.interest_rate[0], labs.revenue[0] = 4.0, 0.10, 1.0
    assert lab_debt_limits(model.state)[0] == pytest.approx(2.0)
    reserve = model.params.lab.runway_quarters * labs.burn[0]
    _set_cash(ledger, labs.account[0], reserve + 0.1 + spare)
    service_lab_debt(model.state)
    assert labs.debt[0] == pytest.approx(debt_after)
    assert ledger.cash[labs.account[0]] == pytest.approx(reserve + spare - (4.0 - debt_after))


def _provider(model, neocloud: bool):
    return next(h for h in model.hyperscaler_list if h.neocloud == neocloud)


@pytest.mark.parametrize(("cash", "debt_after"), [(12.0, 6.0), (5.0, 7.0)])
def test_a_neocloud_above_its_ceiling_repays_down_to_it_from_cash_beyond_twice_its_reserve(
    cash, debt_after
):
    """A neocloud owes 10 $B against a ceiling of 6 $B; reserve 1 $B. It repays max(5% of 10,
    10 - 6) = 4 $B out of cash above 2 x 1: with 12 $B all 4 (debt 6), with 5 $B only 3 (debt 7)."""
    model = ComputeMarket(years=2, rng=1)
    neo = _provider(model, neocloud=True)
    model.providers.debt[neo.index] = 10.0
    _set_cash(model.ledger, neo.account, cash)
    neo._repay_debt(6.0, 1.0)
    assert model.providers.debt[neo.index] == pytest.approx(debt_after)
    assert neo.cash == pytest.approx(cash - (10.0 - debt_after))


def test_a_hyperscaler_above_its_ceiling_repays_only_the_scheduled_share():
    """Corporate notes have no covenant: 5% of 10 $B = 0.5 $B, however far above the ceiling."""
    model = ComputeMarket(years=2, rng=1)
    cloud = _provider(model, neocloud=False)
    model.providers.debt[cloud.index] = 10.0
    _set_cash(model.ledger, cloud.account, 12.0)
    cloud._repay_debt(6.0, 1.0)
    assert model.providers.debt[cloud.index] == pytest.approx(9.5)


@pytest.mark.parametrize(
    ("billed", "commitment", "agrees"),
    [
        # Cloud 1 billed 3 of 4: it would lose only (1 - 3/4) x 0.3 = 0.075 as bad debt.
        ([1.0, 3.0, 0.0], 1.25, True),  # keeps 0.8 x 0.2 x 0.5 x 1.25 = 0.1 >= 0.075
        ([1.0, 3.0, 0.0], 0.9, False),  # keeps 0.072 < 0.075
        # Cloud 1 billed 1 of 4: it would lose (1 - 1/4) x 0.3 = 0.225 as bad debt.
        ([3.0, 1.0, 0.0], 1.25, False),  # keeps 0.1 < 0.225
        ([3.0, 1.0, 0.0], 3.0, True),  # keeps 0.24 >= 0.225
    ],
)
def test_a_creditor_restructures_when_what_it_keeps_beats_its_share_of_the_bad_debt(
    billed, commitment, agrees
):
    """Hole 0.3 $B; cloud 1 is owed the commitment C, markup 0.25 (margin 0.2), no stake, survival
    0.8, write-down 0.5: it keeps 0.8 x 0.2 x 0.5 x C and agrees when that is at least the part
    of the hole it would lose anyway if the lab exited, (1 - its share of the bills) x 0.3."""
    model, lab = _lab_in_trouble(0.3)
    labs, p = model.labs, model.providers
    assert model.params.credit.restructuring_writedown == 0.5
    labs.commit_remaining[0] = 0.0
    labs.commit_remaining[0, 1] = commitment
    labs.stake[0] = 0.0
    p.markup[1] = 0.25
    labs.billed[0] = billed
    assert try_restructuring(model.state, 0, valuation=50.0, survival=0.8) is agrees
    assert lab.cash == pytest.approx(0.0 if agrees else -0.3, abs=1e-9)
    assert labs.commit_remaining[0, 1] == pytest.approx(commitment * (0.5 if agrees else 1.0))


def test_an_exiting_labs_debt_is_defaulted_and_written_off():
    """Lab 0 exits owing 3 $B to lenders with no cash and no bills: defaulted_debt and the
    quarter's write-offs rise by exactly 3 $B; nobody invested in it."""
    model, _ = _lab_in_trouble(0.0)
    labs = model.labs
    labs.debt[0] = 3.0
    labs.billed[0] = 0.0
    labs.invested_in[0] = 0.0
    labs.independent_invested[0] = 0.0
    defaulted, written_off = model.counters["defaulted_debt"], model.counters["written_off"]
    exit_lab(model.state, 0)
    assert model.counters["defaulted_debt"] - defaulted == pytest.approx(3.0)
    assert model.counters["written_off"] - written_off == pytest.approx(3.0)
    assert labs.debt[0] == 0.0 and not labs.alive[0]
