"""Credit (docs/model.md §7.1, §7.9): the credit cycle and the labs' debt.

Lenders' prices and limits are the pure functions of :mod:`~computemarket.simulation.lending`;
this submodel moves the state:

* at the start of each quarter credit conditions recover towards normal and lenders set the
  quarter's lending capacity, which every borrower (providers, then labs) draws from;
* before the providers' finance, lenders quote every provider a rate and a ceiling and allot the
  capacity to the providers and to the labs (:func:`allot_credit`);
* after distress, the quarter's defaults tighten credit and cool investors;
* labs pay interest on their debt, reprice it and repay it after settlement, and draw their credit
  line in distress.
"""

from __future__ import annotations

import numpy as np

from computemarket.agents.hyperscaler import fleet_depreciation, operating_cash_flows
from computemarket.simulation.ledger import EXTERNAL, MIN_TRANSFER
from computemarket.simulation.lending import (
    blended_rate,
    credit_after_defaults,
    delivered_hardware_value,
    draw_credit,
    lab_rate,
    lending_capacity,
    provider_terms,
    repriced_rate,
)
from computemarket.simulation.numerics import snap_to_zero
from computemarket.simulation.state import State


# ------------------------------------------------------------------------- the credit cycle
def advance_credit(state: State) -> None:
    """Start a quarter's credit: conditions recover towards 1; lenders set the quarter's capacity.

    ``Q <- Q + credit.recovery_rate (1 - Q)``; capacity
    :func:`~computemarket.simulation.lending.lending_capacity`.
    """
    cp, market = state.params.credit, state.market
    market.credit_conditions += cp.recovery_rate * (1.0 - market.credit_conditions)
    market.lending_capacity = lending_capacity(cp, market.quarter / 4, market.credit_conditions)
    market.lending_left = market.lending_capacity


def outstanding_debt(state: State) -> float:
    """Debt owed by active providers and labs, $B."""
    p, labs = state.providers, state.labs
    return float(p.debt[p.alive].sum()) + float(labs.debt[labs.alive].sum())


def absorb_defaults(state: State) -> None:
    """The quarter's defaults tighten credit and cool investors.

    Credit conditions fall with the annualised share of debt that defaulted
    (:func:`~computemarket.simulation.lending.credit_after_defaults`); investor sentiment falls by
    ``capital.failure_sentiment_hit_per_share`` times that share (unannualised), as it falls by
    the market share of a lab that exits.
    """
    defaulted = state.counters["defaulted_debt"]
    if defaulted <= 0:
        return
    market = state.market
    outstanding = defaulted + outstanding_debt(state)
    market.credit_conditions = credit_after_defaults(
        market.credit_conditions, defaulted, outstanding, state.params.credit
    )
    hit = state.params.capital.failure_sentiment_hit_per_share * defaulted / outstanding
    market.sentiment *= max(1.0 - hit, 0.0)


# ------------------------------------------------------------------------------- providers
def allot_credit(state: State, contracted_revenue: np.ndarray) -> None:
    """Lenders' terms for every active provider before their finance, and the quarter's allotments.

    Each provider is quoted a rate and a ceiling
    (:func:`~computemarket.simulation.lending.provider_terms`: EBITDA from
    :func:`~computemarket.agents.hyperscaler.operating_cash_flows`, depreciation from
    :func:`~computemarket.agents.hyperscaler.fleet_depreciation`, delivered hardware at lenders'
    value, contracted revenue, investment-grade share = non-AI revenue share), plus
    ``hyperscaler.asset_financing`` of the cost of capacity on order. What is left of the
    quarter's lending capacity is then allotted to the providers and to the labs together in
    proportion to their room (ceiling less debt; for the labs, the sum over independent labs of
    :func:`lab_debt_limits` less debt), each room counted up to ``max(build_lag_quarters, 1)``
    quarters of the capacity, as no borrower could use more; an allotment is at most the room.
    A borrower draws its allotment first, then what nobody was allotted.

    Args:
        state: The market state (``lending_rate``, ``debt_ceiling`` and ``credit_quota`` of the
            providers, the market's ``lab_credit_quota`` and ``lending_left`` are written).
        contracted_revenue: $B each provider is still owed under contracts and commitments.
    """
    p, labs, market, params = state.providers, state.labs, state.market, state.params
    hp, cp = params.hyperscaler, params.credit
    column = market.quarter + market.life_quarters
    revenue = p.ai_revenue + p.non_ai_revenue
    ig_share = np.divide(p.non_ai_revenue, revenue, out=np.zeros_like(revenue), where=revenue > 0)
    hardware = delivered_hardware_value(
        p.arrivals, column, market.vintage_capex, 4.0 * cp.economic_life_years
    )
    rate, ceiling = provider_terms(
        p.neocloud,
        operating_cash_flows(p, hp),
        fleet_depreciation(p.arrivals, market.vintage_capex, column, market.life_quarters, hp),
        p.debt * p.interest_rate,
        ig_share,
        hardware,
        contracted_revenue,
        market.credit_conditions,
        cp,
        p.target_leverage,
    )
    on_order = p.arrivals[:, column + 1 :] @ market.vintage_capex[column + 1 :]
    ceiling = ceiling + hp.asset_financing * on_order
    p.lending_rate[:] = np.where(p.alive, rate, 0.0)
    p.debt_ceiling[:] = np.where(p.alive, ceiling, 0.0)
    lab_room = np.maximum(lab_debt_limits(state) - labs.debt, 0.0)
    room = np.append(
        np.where(p.alive, np.maximum(p.debt_ceiling - p.debt, 0.0), 0.0), lab_room.sum()
    )
    available = max(market.lending_left, 0.0)
    weight = np.minimum(room, max(hp.build_lag_quarters, 1) * available)
    total = float(weight.sum())
    quota = np.minimum(available * weight / total, room) if total > 0 else np.zeros_like(room)
    p.credit_quota[:] = quota[:-1]
    market.lab_credit_quota = float(quota[-1])
    market.lending_left = available - float(quota.sum())


# --------------------------------------------------------------------------------- labs' debt
def sponsored_labs(state: State) -> np.ndarray:
    """Whether an active non-neocloud hyperscaler holds at least ``credit.sponsor_stake`` of each lab."""
    p, labs = state.providers, state.labs
    sponsors = p.alive & ~p.neocloud
    held = (labs.stake > 0) & (labs.stake >= state.params.credit.sponsor_stake)
    return (held & sponsors[None, :]).any(axis=1)


def lab_debt_limits(state: State) -> np.ndarray:
    """Most each lab may owe, $B: ``credit.lab_debt_to_revenue`` x annualised revenue (independent labs)."""
    labs = state.labs
    independent = labs.alive & (labs.owner < 0)
    return np.where(independent, state.params.credit.lab_debt_to_revenue * 4.0 * labs.revenue, 0.0)


def service_lab_debt(state: State) -> None:
    """Labs' debt after settlement: quoted rates, interest, repricing and repayment.

    Every active lab is quoted a rate (:func:`~computemarket.simulation.lending.lab_rate`). A lab
    with debt pays the quarter's interest at its average rate, which then reprices; out of cash
    above its runway reserve (``lab.runway_quarters`` of burn) it repays the share that matures
    (``credit.repricing_share``) and, as a cash sweep, whatever exceeds its limit
    (:func:`lab_debt_limits`, which falls with revenue and is 0 once the lab is in-house).
    """
    labs, cp, ledger = state.labs, state.params.credit, state.ledger
    quoted = lab_rate(sponsored_labs(state), state.market.credit_conditions, cp)
    labs.lending_rate[:] = np.where(labs.alive, quoted, 0.0)
    rows = np.flatnonzero(labs.alive & (labs.debt > 0))
    if rows.size == 0:
        return
    debt = labs.debt[rows]
    ledger.book_many(
        labs.account[rows], EXTERNAL, debt * labs.interest_rate[rows] / 4.0, "interest"
    )
    labs.interest_rate[rows] = repriced_rate(
        labs.interest_rate[rows], quoted[rows], cp.repricing_share
    )
    due = np.maximum(cp.repricing_share * debt, debt - lab_debt_limits(state)[rows])
    spare = ledger.cash[labs.account[rows]] - state.params.lab.runway_quarters * labs.burn[rows]
    repay = np.minimum(due, np.maximum(spare, 0.0))
    ledger.book_many(labs.account[rows], EXTERNAL, repay, "debt_repayment")
    left = snap_to_zero(debt - repay, debt)  # the last repayment leaves nothing owed
    labs.debt[rows] = np.where(repay > MIN_TRANSFER, left, debt)


def borrow_for_lab(state: State, lab: int, amount: float) -> float:
    """An independent lab draws its credit line, within its limit and the lending capacity.

    The labs' allotment of the quarter's capacity (:func:`allot_credit`) comes first, then what
    nobody was allotted.

    Args:
        state: The market state.
        lab: Row of the lab.
        amount: $B wanted.

    Returns:
        The $B borrowed (booked as ``debt_draw`` from the world).
    """
    labs, market = state.labs, state.market
    wanted = max(min(amount, float(lab_debt_limits(state)[lab]) - float(labs.debt[lab])), 0.0)
    allotted = min(wanted, market.lab_credit_quota)
    granted = allotted + draw_credit(state, wanted - allotted)
    if not granted > MIN_TRANSFER:
        return 0.0
    market.lab_credit_quota -= allotted
    state.counters["new_lending"] += allotted
    labs.interest_rate[lab] = blended_rate(
        float(labs.interest_rate[lab]),
        float(labs.debt[lab]),
        granted,
        float(labs.lending_rate[lab]),
    )
    labs.debt[lab] += granted
    state.ledger.book(EXTERNAL, labs.account[lab], granted, "debt_draw")
    return granted
