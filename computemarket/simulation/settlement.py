"""Settlement and switching (docs/model.md §7.7): every payment that follows from the allocation.

Labs pay for contracts (take-or-pay at the locked price), for other compute at their price and for
take-or-pay shortfalls; the investor's tied money is spent first (the circular part); moved
workloads pay egress fees and re-engineering; users pay for the inference served; labs pay revenue
shares and operating costs; quality grows with the training served; providers' markups follow
utilization.
"""

from __future__ import annotations

import numpy as np

from computemarket.agents.hyperscaler import update_markups
from computemarket.simulation import metrics as mx
from computemarket.simulation.clearing import ClearingResult
from computemarket.simulation.demand import grow_quality
from computemarket.simulation.ledger import EXTERNAL, KIND_CODE, MIN_TRANSFER, NO_ORIGIN
from computemarket.simulation.numerics import snap_to_zero
from computemarket.simulation.state import State


def book_lab_payments(state: State, *payments: tuple[np.ndarray, str, bool]) -> None:
    """Book labs x providers matrices of payments from labs to providers, in one booking.

    Rows come matrix by matrix, each in row-major order, as if booked one matrix at a time; so
    does the cash, since labs only pay and providers only receive.

    Args:
        state: The market state.
        payments: ``(amounts, kind, tied)`` per matrix; a tied payment's origin is the provider.
    """
    amounts = np.array([amount for amount, _, _ in payments])
    layer, rows, cols = np.nonzero(amounts > MIN_TRANSFER)
    if rows.size == 0:
        return
    codes = np.array([KIND_CODE[kind] for _, kind, _ in payments], dtype=np.int16)
    tied = np.array([tied for _, _, tied in payments])
    payees = state.providers.account[cols]
    state.ledger.book_rows(
        state.labs.account[rows],
        payees,
        amounts[layer, rows, cols],
        codes[layer],
        np.where(tied[layer], payees, NO_ORIGIN),
    )


def settle(
    state: State,
    result: ClearingResult,
    pair_price: np.ndarray,
    contract: np.ndarray,
    commitment_due: np.ndarray,
) -> None:
    """Book every payment that follows from the quarter's allocation, and update quality.

    Args:
        state: The market state.
        result: The quarter's clearing.
        pair_price: Price of non-contract compute, labs x providers.
        contract: GW reserved under contracts, labs x providers.
        commitment_due: Take-or-pay $B due this quarter, labs x providers.
    """
    labs, p, ledger, rules = state.labs, state.providers, state.ledger, state.params.rules
    lp, quarter, egress_fee = state.params.lab, state.market.quarter, state.market.egress_fee
    served = result.served
    rows_c = np.flatnonzero(contract.sum(axis=1) > 0)
    # Reserved capacity is take-or-pay at the locked price, less what the provider failed to deliver.
    contract_pay = np.zeros_like(served)
    if rows_c.size:
        cols_c = labs.contract_provider[rows_c]
        wanted = np.minimum(contract[rows_c, cols_c], labs.need[rows_c])
        shortfall = wanted - result.contract[rows_c, cols_c]
        contract_pay[rows_c, cols_c] = (contract[rows_c, cols_c] - shortfall) * labs.contract_price[
            rows_c
        ]
    pay = contract_pay + (served - result.contract) * pair_price
    # Take-or-pay covers what the lab chose not to take, not what the provider could not deliver.
    undelivered = np.maximum(result.committed_requested - result.committed, 0.0) * pair_price
    due = np.maximum(commitment_due - undelivered, 0.0)
    top_up = np.maximum(due - pay, 0.0) * p.alive[None, :]
    # The investor's tied money comes back first: that is the circular part of the payment.
    circular_pay = np.minimum(pay, labs.tagged)
    circular_top = np.minimum(top_up, labs.tagged - circular_pay)
    labs.tagged = snap_to_zero(labs.tagged - (circular_pay + circular_top), labs.tagged)
    # Spending counts towards a commitment once its obligation has started.
    # What the provider failed to deliver lapses: it does not pile up on later quarters.
    started = labs.commit_start <= quarter
    settled = pay + top_up + np.minimum(undelivered, commitment_due)
    labs.commit_remaining = np.where(
        started, np.maximum(labs.commit_remaining - settled, 0.0), labs.commit_remaining
    )
    book_lab_payments(
        state,
        (circular_pay, "compute_payment", True),
        (pay - circular_pay, "compute_payment", False),
        (circular_top, "take_or_pay", True),
        (top_up - circular_top, "take_or_pay", False),
    )
    billed = pay + top_up
    labs.billed[:] = billed
    circular = circular_pay + circular_top
    p.circular_revenue += circular.sum(axis=0)
    state.counters["circular_revenue"] = float(circular.sum())

    switching = _charge_switching(state, served, pair_price, egress_fee, rules.switching_cost)
    labs.allocation = served

    # Users pay for the inference the lab could serve; training gets the rest.
    served_total = served.sum(axis=1)
    inference_served = np.minimum(labs.inference_need, served_total)
    fraction = np.divide(
        inference_served,
        labs.inference_need,
        out=np.ones_like(served_total),
        where=labs.inference_need > 0,
    )
    labs.revenue[:] = labs.potential_revenue * fraction
    ledger.book_many(EXTERNAL, labs.account, labs.revenue, "end_user_revenue")
    sharing = (labs.revenue_share_end > quarter) & (labs.revenue_share > 0)
    revenue_share = np.where(sharing, labs.revenue_share * labs.revenue[:, None], 0.0)
    book_lab_payments(state, (revenue_share, "revenue_share", False))
    opex = np.where(labs.alive, lp.opex_share * labs.revenue + lp.fixed_opex, 0.0)
    ledger.book_many(labs.account, EXTERNAL, opex, "lab_opex")
    grow_quality(state, served_total - inference_served)
    labs.served[:] = served_total

    spend = billed.sum(axis=1)
    locked = (result.committed + result.tied) * pair_price
    in_house = labs.owner >= 0
    locked[in_house] = 0.0
    labs.locked_spend[:] = locked.sum(axis=1) + top_up.sum(axis=1)
    labs.spend[:] = spend
    labs.contract_spend[:] = contract_pay.sum(axis=1)
    outflow = spend + switching + revenue_share.sum(axis=1) + opex - labs.revenue
    weight = lp.burn_smoothing
    labs.burn[:] = np.where(
        labs.alive,
        (1 - weight) * labs.burn + weight * np.maximum(lp.fixed_opex, outflow),
        0.0,
    )
    p.ai_revenue[:] = billed.sum(axis=0)
    own = labs.owner[:, None] == np.arange(p.alive.size)[None, :]
    p.external_revenue[:] = np.where(own, 0.0, billed).sum(axis=0)
    p.served[:] = served.sum(axis=0)
    p.demand_seen[:] = p.served + result.rationed
    utilization = np.divide(p.served, p.capacity, out=np.zeros_like(p.served), where=p.capacity > 0)
    p.markup[:] = np.where(
        p.alive, update_markups(p.markup, utilization, state.params.hyperscaler), p.markup
    )
    state.market.unmet_gw = float(result.unmet.sum())


def _charge_switching(
    state: State,
    served: np.ndarray,
    pair_price: np.ndarray,
    egress_fee: float,
    switching_cost: float,
) -> np.ndarray:
    """The volume that left one provider for another pays egress and re-engineering.

    Returns:
        $B each lab paid for moving this quarter (egress fees and switching costs).
    """
    labs = state.labs
    moved = mx.moved_volume(labs.allocation, served)
    state.market.moved_gw = float(moved.sum())
    if moved.sum() <= 0:
        return np.zeros(len(labs))
    increase = np.maximum(served - labs.allocation, 0.0)
    decrease = np.maximum(labs.allocation - served, 0.0)
    inc_total = increase.sum(axis=1)
    moved_price = np.divide(
        (increase * pair_price).sum(axis=1),
        inc_total,
        out=np.zeros_like(inc_total),
        where=inc_total > 0,
    )
    moved_spend = moved * moved_price
    dec_total = decrease.sum(axis=1, keepdims=True)
    leaving = np.divide(decrease, dec_total, out=np.zeros_like(decrease), where=dec_total > 0)
    book_lab_payments(state, (egress_fee * moved_spend[:, None] * leaving, "egress_fee", False))
    state.ledger.book_many(labs.account, EXTERNAL, switching_cost * moved_spend, "switching_cost")
    return (egress_fee + switching_cost) * moved_spend
