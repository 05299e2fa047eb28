"""Labs' forward-looking valuations, acquisition prices from them, and stakes marked to market."""

import math

import numpy as np
import pytest

from computemarket.agents.lab import (
    lab_valuation,
    lab_valuations,
    track_revenue,
    valuation_multiple,
)
from computemarket.simulation.distress import try_acquisition
from computemarket.simulation.ledger import EXTERNAL
from computemarket.simulation.model import ComputeMarket
from computemarket.simulation.parameters import ValuationParams
from computemarket.simulation.recording import stake_values
from computemarket.simulation.runner import run

VP = ValuationParams()


def test_the_multiple_rises_with_growth_and_margin_from_mature_to_growth():
    g, m = np.array([0.0, -0.5, 1.0, 1.0, 50.0]), np.array([0.5, 0.5, 0.5, 0.125, 0.9])
    expected = [
        8.0,  # no growth: mature
        8.0,  # shrinking: mature
        8.0 + 22.0 * (1.0 - math.exp(-1.0)),  # 21.9
        8.0 + 22.0 * (1.0 - math.exp(-1.0)) * 0.5,  # a quarter of the reference margin: sqrt
        30.0,  # very fast growth at or above the reference margin
    ]
    np.testing.assert_allclose(valuation_multiple(g, m, VP), expected)
    assert valuation_multiple(5.0, -0.2, VP) == pytest.approx(8.0)  # no gross margin: mature


def test_a_fixed_multiple_is_the_off_switch():
    fixed = ValuationParams(mature_multiple=30.0)
    np.testing.assert_allclose(valuation_multiple([0.0, 3.0], [0.0, 0.4], fixed), 30.0)


def test_valuation_is_run_rate_revenue_times_the_multiple_with_a_floor():
    np.testing.assert_allclose(
        lab_valuation(np.array([5.0, 0.0]), 1.5, 0.4, VP, floor=1.0),
        [20.0 * float(valuation_multiple(1.5, 0.4, VP)), 1.0],
    )
    # OpenAI at the start, 150% growth and 40% margin: ~23x a $20B run-rate, about $470B
    # (observed $500B, Oct 2025).
    assert 400.0 < float(lab_valuation(5.0, 1.5, 0.4, VP, floor=1.0)) < 550.0


def test_growth_and_margin_are_smoothed_from_the_quarters_settled():
    model = ComputeMarket(market_scenario="classroom", rng=1)
    labs = model.labs
    labs.alive[:] = True
    labs.previous_revenue[:2] = [1.0, 0.0]
    labs.revenue[:2] = [2.0, 3.0]
    labs.revenue_growth[:2] = [0.5, 0.0]
    labs.gross_margin[:2] = [0.4, 0.0]
    labs.spend[:2], labs.served[:2], labs.inference_need[:2] = [1.0, 1.0], [2.0, 1.0], [1.0, 1.0]
    track_revenue(labs, market_growth=0.8, weight=0.25)
    # log1p(g) <- 0.75 log 1.5 + 0.25 * 4 log 2; margin 1 - (1 x 1/2) / 2 = 0.75, smoothed from 0.4.
    growth = math.expm1(0.75 * math.log(1.5) + math.log(2.0))
    assert labs.revenue_growth[0] == pytest.approx(growth)  # 1.71
    assert labs.gross_margin[0] == pytest.approx(0.75 * 0.4 + 0.25 * 0.75)
    # A lab with its first revenue starts at the market's growth and at its own margin.
    assert labs.revenue_growth[1] == pytest.approx(0.8)
    assert labs.gross_margin[1] == pytest.approx(1.0 - 1.0 / 3.0)
    np.testing.assert_allclose(labs.previous_revenue[:2], [2.0, 3.0])


def test_stakes_are_marked_to_market():
    model = ComputeMarket(market_scenario="calibrated-2025", rng=1)
    model.step()
    state = model.state
    value = lab_valuations(state)
    openai = state.lab_names.index("OpenAI")
    azure = state.provider_names.index("Microsoft Azure")
    stakes = stake_values(state)
    expected = float(np.where(state.labs.alive, value, 0.0) @ state.labs.stake[:, azure])
    assert stakes[azure] == pytest.approx(expected)
    assert stakes[azure] >= state.labs.stake[openai, azure] * value[openai] > 0
    row = model.tables()["metrics"].iloc[-1]
    assert row["stake_value[Microsoft Azure]"] == pytest.approx(stakes[azure])
    assert row.stake_value == pytest.approx(stakes.sum())
    assert row["valuation[OpenAI]"] == pytest.approx(value[openai])


def test_a_distressed_lab_is_bought_at_a_fraction_of_its_valuation_less_its_debt():
    overrides = {
        "hyperscaler.initial_cash": 2000.0,
        "credit.lab_debt_to_revenue": 0.0,
        "credit.restructuring_writedown": 0.0,
    }
    model = ComputeMarket(market_scenario="classroom", rng=1, overrides=overrides)
    model.step()
    labs, p, ledger = model.labs, model.providers, model.ledger
    labs.stock[:] = labs.stock.max()  # worth buying
    labs.stake[0, 1] = 0.2  # Cloud B holds a stake: it is the buyer
    labs.debt[0] = 5.0
    ledger.book(labs.account[0], EXTERNAL, float(ledger.cash[labs.account[0]]) + 1.0, "lab_opex")
    outsiders = 1.0 - labs.stake[0].sum()
    buyer_cash = float(ledger.cash[p.account[1]])
    assert try_acquisition(model.state, 0, valuation=100.0)
    price = 0.35 * 100.0 - 5.0  # equity: the fire-sale price less the debt the lenders get back
    assert labs.owner[0] == 1 and labs.debt[0] == 0.0
    # The buyer covers the 1 $B hole, repays the 5 $B of debt and pays the other holders.
    assert buyer_cash - float(ledger.cash[p.account[1]]) == pytest.approx(
        1.0 + 5.0 + price * outsiders
    )
    assert model.state.deal_rows[-1]["amount"] == pytest.approx(price + 1.0 + 5.0)
    ledger.close_quarter()


def test_multiples_compress_when_growth_collapses():
    """Over seeds: after a demand collapse, labs trade near the mature multiple."""
    names = ("OpenAI", "Anthropic", "xAI", "Mistral")
    multiple = {}
    for shock in (False, True):
        ratios = []
        for seed in range(1, 4):
            metrics = run(
                "calibrated-2025",
                years=5,
                seed=seed,
                overrides={"market.demand_shock": shock},
                tables=("metrics",),
            ).metrics.iloc[-4:]
            value = sum(metrics[f"valuation[{name}]"].sum() for name in names)
            run_rate = sum(4.0 * metrics[f"revenue[{name}]"].sum() for name in names)
            ratios.append(value / run_rate)
        multiple[shock] = np.mean(ratios)
    assert multiple[True] < 0.75 * multiple[False]
    assert multiple[True] >= VP.mature_multiple - 1e-9
