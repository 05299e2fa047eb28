"""Settlement: what labs pay and how their burn follows the money that left them."""

import numpy as np

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
