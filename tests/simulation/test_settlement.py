"""Settlement: what labs pay and how their burn follows the money that left them."""

import numpy as np
import pytest

from computemarket.simulation.model import ComputeMarket

OPERATING_OUTFLOWS = (
    "compute_payment",
    "take_or_pay",
    "revenue_share",
    "egress_fee",
    "switching_cost",
    "lab_opex",
)
"""Ledger kinds a lab pays to operate (burn), before debt service and fundraising."""


def test_burn_follows_every_operating_payment_in_the_ledger():
    """Each quarter a lab's burn moves towards its net operating outflow as the ledger books it:
    compute, take-or-pay, revenue shares and switching charges plus opex, less end-user revenue.
    Microsoft takes 20% of OpenAI's revenue in calibrated-2025, so a burn that left out revenue
    shares would miss billions a quarter."""
    model = ComputeMarket(market_scenario="calibrated-2025", years=3, rng=1)
    labs, weight = model.labs, model.params.lab.burn_smoothing
    fixed = model.params.lab.fixed_opex
    names = np.array(model.state.lab_names)
    checked = 0
    while model.running:
        before = labs.burn.copy()
        model.step()
        rows = model.tables()["ledger"]
        rows = rows[rows.quarter == model.quarter]
        paid = rows[rows.kind.isin(OPERATING_OUTFLOWS)].groupby("payer", observed=True).amount.sum()
        earned = rows[rows.kind == "end_user_revenue"].groupby("payee", observed=True).amount.sum()
        for i, name in enumerate(names[: len(before)]):
            if not labs.alive[i]:
                continue
            outflow = paid.get(name, 0.0) - earned.get(name, 0.0)
            expected = (1 - weight) * before[i] + weight * max(fixed, outflow)
            assert np.isclose(labs.burn[i], expected, rtol=1e-9, atol=1e-9), (name, model.quarter)
            checked += 1
    assert checked > 50
    shares = model.tables()["ledger"].query("kind == 'revenue_share'").amount.sum()
    assert shares > 1.0  # the run exercises revenue shares ($B)


# ------------------------------------------------------------------ hand-set settlements (3 clouds)
def _hand_set(served_row, allocation_row, price_row, switching_cost=0.0, egress_fee=0.0):
    """A classroom model whose lab 0 alone is served, at hand-set prices; other labs get nothing.

    Returns the model, the clearing result and the arrays :func:`settle` takes.
    """
    from computemarket.simulation.clearing import ClearingResult

    model = ComputeMarket(
        market_scenario="classroom", rng=1, overrides={"rules.switching_cost": switching_cost}
    )
    state = model.state
    state.market.egress_fee = egress_fee
    labs, n_providers = model.labs, model.providers.alive.size
    assert n_providers == 3 and model.providers.alive.all()
    shape = labs.allocation.shape
    served = np.zeros(shape)
    served[0] = served_row
    labs.allocation[:] = 0.0
    labs.allocation[0] = allocation_row
    labs.tagged[:] = 0.0
    pair_price = np.ones(shape)
    pair_price[0] = price_row
    zeros = np.zeros(shape)
    result = ClearingResult(
        contract=zeros.copy(),
        committed=zeros.copy(),
        tied=zeros.copy(),
        open=served,
        unmet=np.zeros(shape[0]),
        rationed=np.zeros(n_providers),
        committed_requested=zeros.copy(),
    )
    model.ledger.close_quarter()  # start from empty books for the quarter
    return model, result, pair_price, zeros.copy()


def _settled_rows(model, result, pair_price, contract, due):
    from computemarket.simulation.recording import ledger_table
    from computemarket.simulation.settlement import settle

    before = len(ledger_table(model.state))
    settle(model.state, result, pair_price, contract, due)
    model.ledger.close_quarter()
    return ledger_table(model.state).iloc[before:]


def test_moving_workloads_pays_switching_costs_and_egress_on_the_moved_spend():
    """Lab 0 had 2 GW at cloud 0 and 1 GW at cloud 1; it now takes 2 GW at cloud 2 at 1.5 $B/GW
    (and 1 GW stays at cloud 0). It moved min(increase 2, decrease 2) = 2 GW, i.e. 2 x 1.5 = 3 $B
    of spend: re-engineering 0.5 x 3 = 1.5 $B to the world; egress 0.1 x 3 = 0.3 $B, paid to the
    clouds it left in proportion to what it left them (1 GW each: 0.15 each), none to cloud 2."""
    model, result, price, zeros = _hand_set(
        served_row=[1.0, 0.0, 2.0],
        allocation_row=[2.0, 1.0, 0.0],
        price_row=[1.5, 1.5, 1.5],
        switching_cost=0.5,
        egress_fee=0.1,
    )
    lab = model.state.lab_names[0]
    names = model.state.provider_names
    rows = _settled_rows(model, result, price, zeros, zeros)
    switching = rows[rows.kind == "switching_cost"]
    assert list(switching.payer) == [lab] and list(switching.payee) == ["world"]
    assert switching.amount.sum() == pytest.approx(1.5)
    egress = rows[rows.kind == "egress_fee"]
    assert set(egress.payer) == {lab}
    paid = egress.groupby("payee", observed=True).amount.sum()
    assert paid.to_dict() == pytest.approx({names[0]: 0.15, names[1]: 0.15})
    assert model.state.market.moved_gw == pytest.approx(2.0)


def test_switching_costs_follow_the_price_of_the_cloud_moved_to():
    """Lab 0 moves 2 GW from cloud 0 (0.5 $B/GW) to cloud 1 (4 $B/GW): moved spend 2 x 4 = 8 $B;
    switching 0.25 x 8 = 2 $B, egress 0.05 x 8 = 0.4 $B, all to cloud 0."""
    model, result, price, zeros = _hand_set(
        served_row=[0.0, 2.0, 0.0],
        allocation_row=[2.0, 0.0, 0.0],
        price_row=[0.5, 4.0, 1.0],
        switching_cost=0.25,
        egress_fee=0.05,
    )
    names = model.state.provider_names
    rows = _settled_rows(model, result, price, zeros, zeros)
    assert rows[rows.kind == "switching_cost"].amount.sum() == pytest.approx(2.0)
    egress = rows[rows.kind == "egress_fee"]
    assert list(egress.payee) == [names[0]]
    assert egress.amount.sum() == pytest.approx(0.4)


def test_growth_without_moving_pays_no_switching():
    """From 1 GW at cloud 0 to 1 GW at cloud 0 plus 2 GW at cloud 1: nothing left any cloud."""
    model, result, price, zeros = _hand_set(
        served_row=[1.0, 2.0, 0.0],
        allocation_row=[1.0, 0.0, 0.0],
        price_row=[1.0, 1.0, 1.0],
        switching_cost=0.5,
        egress_fee=0.1,
    )
    rows = _settled_rows(model, result, price, zeros, zeros)
    assert not rows.kind.isin(["switching_cost", "egress_fee"]).any()


def test_take_or_pay_top_up_spends_the_investors_tied_money_first():
    """Lab 0 holds 5 $B of cloud 1's tied money and owes cloud 1 a 6 $B take-or-pay; it takes
    1 GW there at 2 $B/GW. It pays 2 $B for compute (tied) and tops up 4 $B: 3 $B of it from the
    tied money left (5 - 2), 1 $B of its own. The commitment falls 10 -> 4; nothing stays tagged."""
    model, result, price, zeros = _hand_set(
        served_row=[0.0, 1.0, 0.0],
        allocation_row=[0.0, 1.0, 0.0],
        price_row=[2.0, 2.0, 2.0],
    )
    labs = model.labs
    labs.tagged[0, 1] = 5.0
    labs.commit_remaining[0, 1] = 10.0
    labs.commit_start[0, 1] = model.state.market.quarter
    due = zeros.copy()
    due[0, 1] = 6.0
    cloud = model.state.provider_names[1]
    rows = _settled_rows(model, result, price, zeros, due)
    rows = rows[rows.payer == model.state.lab_names[0]]
    compute = rows[rows.kind == "compute_payment"]
    assert list(compute.payee) == [cloud] and list(compute.origin) == [cloud]
    assert compute.amount.sum() == pytest.approx(2.0)
    top_up = rows[rows.kind == "take_or_pay"]
    assert set(top_up.payee) == {cloud}
    by_origin = top_up.groupby("origin").amount.sum().to_dict()
    assert by_origin == pytest.approx({cloud: 3.0, "": 1.0})
    assert labs.tagged[0, 1] == pytest.approx(0.0, abs=1e-12)
    assert labs.commit_remaining[0, 1] == pytest.approx(4.0)
    assert model.counters["circular_revenue"] == pytest.approx(5.0)
    assert labs.billed[0].tolist() == pytest.approx([0.0, 6.0, 0.0])


def test_quality_grows_with_the_training_served_beyond_inference():
    """Lab 0 is served 3 GW and needs 1 GW for inference: 2 eGW train it. Stock 10, efficiency
    1.5, productivity 1: 10 x (1 - 0.12) + 2 x 1.5 = 11.8. Unserved labs only depreciate."""
    model, result, price, zeros = _hand_set(
        served_row=[1.0, 2.0, 0.0], allocation_row=[1.0, 2.0, 0.0], price_row=[1.0, 1.0, 1.0]
    )
    labs = model.labs
    labs.stock[:] = 10.0
    labs.productivity[0] = 1.0
    labs.inference_need[:] = 1.0
    model.state.market.compute_efficiency = 1.5
    _settled_rows(model, result, price, zeros, zeros)
    np.testing.assert_allclose(labs.stock, [11.8, 8.8, 8.8, 8.8, 8.8, 8.8])
    assert labs.served[0] == pytest.approx(3.0)
