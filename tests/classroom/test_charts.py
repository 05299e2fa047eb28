"""The live charts: they draw at any quarter, and the money flows add up to the ledger."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from computemarket.classroom import charts
from computemarket.simulation.model import ComputeMarket


@pytest.fixture(scope="module")
def market():
    model = ComputeMarket(market_scenario="classroom", years=5, rng=1)
    while model.running:
        model.step()
    return model


@pytest.mark.parametrize("quarters", [0, 1])
def test_every_chart_draws_from_the_first_quarter(quarters):
    model = ComputeMarket(market_scenario="baseline", years=2, rng=2)
    for _ in range(quarters):
        model.step()
    previous = charts.PreviousRun("before", charts.metrics_table(model))
    for figure in (
        charts.shares_figure(model),
        charts.concentration_figure(model, previous),
        charts.lock_in_figure(model, previous),
        charts.network_figure(model),
        charts.money_flow_figure(model),
    ):
        assert isinstance(figure, Figure)
        figure.savefig(__import__("io").BytesIO(), format="png")


def test_last_year_flows_add_up_to_the_ledger(market):
    flows = charts.last_year_flows(market)
    ledger = market.ledger.to_frame([str(a) for a in range(market.ledger.cash.size)])
    year = ledger[ledger["quarter"] > market.quarter - 4]
    labs = {str(a) for a in market.labs.account}
    into = year[year["payee"].isin(labs) & ~year["payer"].isin(labs)]["amount"].sum()
    out = year[year["payer"].isin(labs) & ~year["payee"].isin(labs)]["amount"].sum()
    by_side = flows.groupby("side")["amount"].sum()
    assert by_side["in"] == pytest.approx(into)
    assert by_side["out"] == pytest.approx(out)
    users = flows.query("side == 'in' and party == 'end users'")["amount"].sum()
    assert users == pytest.approx(
        year[year["kind"] == "end_user_revenue"]["amount"].sum(), rel=1e-12
    )


def test_circular_flows_are_compute_payments_to_the_investor(market):
    flows = charts.last_year_flows(market)
    circular = flows[flows["circular"]]
    assert not circular.empty
    assert (circular["side"] == "out").all() and (circular["cloud"] >= 0).all()
    names = [cloud.name for cloud in market.hyperscaler_list]
    assert set(circular["party"]) <= set(names)
    # Over the whole run the circular payments are the clouds' circular revenue.
    assert market.providers.circular_revenue.sum() > 0


def test_no_flows_before_the_first_step():
    model = ComputeMarket(market_scenario="classroom", years=1, rng=1)
    assert charts.last_year_flows(model)["amount"].sum() == 0


def test_cloud_colours_follow_the_models_order():
    assert charts.cloud_colour(0) != charts.cloud_colour(1)
    assert charts.cloud_colour(99) == charts.OTHER_FIRMS_COLOUR
    model = ComputeMarket(market_scenario="classroom", years=3, rng=1)
    start, end = charts.horizon(model)
    assert (start, end) == (2026.0, 2029.0)
    assert isinstance(charts.metrics_table(model), pd.DataFrame)
    assert np.isclose(charts.metrics_table(model)["cloud_hhi"].iloc[0], 10_000 / 3)
