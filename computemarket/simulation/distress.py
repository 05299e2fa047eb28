"""Distress (docs/model.md §7.9): acquisitions of insolvent labs, lab exits, provider failures.

A lab with negative cash after fundraising is acquired where the rules allow and a buyer can pay,
or exits; a provider with negative cash borrows what it still can, or fails.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from computemarket.agents.hyperscaler import Hyperscaler
from computemarket.agents.lab import AILab, lab_valuation
from computemarket.simulation import metrics as mx
from computemarket.simulation.deals import end_relationships
from computemarket.simulation.ledger import EXTERNAL
from computemarket.simulation.state import State


def resolve_distress(
    state: State, hyperscalers: Sequence[Hyperscaler], lab_agents: Sequence[AILab]
) -> None:
    """Insolvent labs are acquired (where allowed) or exit; insolvent providers fail.

    Args:
        state: The market state.
        hyperscalers: The provider agents, by row.
        lab_agents: The lab agents, by row (an exiting lab's agent is removed from the model).
    """
    labs, p, cash = state.labs, state.providers, state.ledger.cash
    insolvent = np.flatnonzero(labs.alive & (cash[labs.account] < 0))
    for lab in insolvent:
        if not try_acquisition(state, int(lab)):
            exit_lab(state, int(lab))
            lab_agents[lab].remove()
    for h in np.flatnonzero(p.alive & (cash[p.account] < 0)):
        if not hyperscalers[h].cover_shortfall():
            fail_provider(state, int(h))
            hyperscalers[h].remove()


def try_acquisition(state: State, lab: int) -> bool:
    """A provider buys an insolvent lab if the rules allow it and the lab is worth buying.

    Returns:
        True if the lab was acquired (it becomes in-house and its deals end).
    """
    labs, p, rules, ledger = state.labs, state.providers, state.params.rules, state.ledger
    if not (rules.acquisitions and rules.hyperscaler_equity) or labs.owner[lab] >= 0:
        return False
    quality = np.log(labs.stock[labs.alive])
    if math.log(labs.stock[lab]) < float(np.median(quality)):
        return False  # not worth buying
    hole = -float(ledger.cash[labs.account[lab]])
    valuation = float(lab_valuation(float(labs.revenue[lab]), state.params.lab))
    price = state.params.capital.distressed_sale_fraction * valuation
    cash = ledger.cash[p.account]
    candidates = np.flatnonzero(p.alive & ~p.neocloud & (cash >= price + hole))
    if candidates.size == 0:
        return False
    key = labs.stake[lab, candidates] * 1e6 + cash[candidates]
    h = int(candidates[np.argmax(key)])
    if rules.merger_control and _presumed_harmful(state, lab, h):
        return False
    acct = p.account[h]
    ledger.book(acct, labs.account[lab], hole, "internal_funding")
    other_stakes = labs.stake[lab].copy()
    other_stakes[h] = 0.0
    payees = p.account[np.flatnonzero(other_stakes > 0)]
    ledger.book_many(acct, payees, price * other_stakes[other_stakes > 0], "acquisition")
    outside_holders = max(0.0, 1.0 - other_stakes.sum() - labs.stake[lab, h])
    ledger.book(acct, EXTERNAL, price * outside_holders, "acquisition")
    labs.owner[lab] = h
    # The lab is in-house now: its deals (the buyer's included) and its contract end.
    end_relationships(labs, lab, np.arange(p.alive.size))
    labs.independent_stake[lab] = 0.0
    state.counters["acquisitions"] += 1
    state.deal_rows.append(
        {
            "quarter": state.market.quarter,
            "kind": "acquisition",
            "investor": state.provider_names[h],
            "lab": state.lab_names[lab],
            "amount": price + hole,
            "upfront": price + hole,
            "stake": 1.0,
            "commitment": 0.0,
            "commitment_quarters": 0,
            "exclusivity_quarters": 0,
            "discount": 0.0,
            "revenue_share": 0.0,
        }
    )
    return True


def _presumed_harmful(state: State, lab: int, h: int) -> bool:
    """Merger control: would ``h`` buying ``lab`` cross the HHI thresholds of the rules?"""
    labs, rules = state.labs, state.params.rules
    n_providers = state.providers.alive.size
    revenue, firm = mx.model_market_firms(labs.revenue, labs.owner, labs.alive, n_providers)
    groups, inverse = np.unique(firm, return_inverse=True)
    sizes = np.bincount(inverse, weights=revenue)
    own = np.flatnonzero(groups == n_providers + lab)
    acquirer = np.flatnonzero(groups == h)
    return bool(
        own.size
        and acquirer.size
        and mx.merger_presumed_harmful(
            sizes,
            int(own[0]),
            int(acquirer[0]),
            threshold=rules.merger_hhi_threshold,
            delta_threshold=rules.merger_delta_threshold,
        )
    )


def exit_lab(state: State, lab: int) -> None:
    """The lab closes: investors write off their stakes; providers it owes absorb the bad debt."""
    labs, p, ledger, market = state.labs, state.providers, state.ledger, state.market
    # Investors lose the capital they put in (book value); providers it owes absorb the hole.
    equity = labs.invested_in[lab] * p.alive
    p.losses += equity
    state.counters["written_off"] += float(equity.sum()) + float(labs.independent_invested[lab])
    hole = -float(ledger.cash[labs.account[lab]])
    billed = labs.billed[lab] * p.alive
    if billed.sum() > 0:
        bad_debt = hole * billed / billed.sum()
        ledger.book_many(p.account, labs.account[lab], bad_debt, "bad_debt")
        p.losses += np.maximum(bad_debt, 0.0)
    else:
        ledger.book(EXTERNAL, labs.account[lab], hole, "unpaid_bills")
    state.counters["written_off"] += max(hole, 0.0)
    labs.alive[lab] = False
    released = float(labs.share[lab])
    labs.share[lab] = 0.0
    total = labs.share[labs.alive].sum() + market.outside_share
    if total > 0:
        labs.share[labs.alive] *= (total + released) / total
        market.outside_share *= (total + released) / total
    end_relationships(labs, lab, np.arange(p.alive.size))
    labs.allocation[lab] = 0.0
    labs.need[lab] = labs.revenue[lab] = labs.potential_revenue[lab] = labs.burn[lab] = 0.0
    state.counters["exits"] += 1
    labs.exited[lab] = market.quarter
    # Investors react to the size of the failure: the market share that disappeared with it.
    hit = state.params.capital.failure_sentiment_hit_per_share * released
    market.sentiment *= max(1.0 - hit, 0.0)


def fail_provider(state: State, h: int) -> None:
    """A provider that cannot pay fails: creditors lose, its contracts and ties end.

    From its failure on it receives nothing: every relationship with it ends (stakes, commitments,
    exclusivity, discounts, revenue shares, tranches, contracts), what labs still owed it under
    commitments and contracts lapses (its creditors have already absorbed its hole), its in-house
    labs become independent, and the workloads that ran on it are released, so moving them
    elsewhere is not switching and pays no switching charges.
    """
    labs, p = state.labs, state.providers
    hole = -float(state.ledger.cash[p.account[h]])
    state.ledger.book(EXTERNAL, p.account[h], hole, "debt_default")
    state.counters["written_off"] += hole + float(p.debt[h])
    p.debt[h] = 0.0
    p.alive[h] = False
    p.arrivals[h] = 0.0
    p.capex_due[h] = 0.0
    p.capacity[h] = p.power_gw[h] = p.served[h] = p.capex[h] = p.ai_revenue[h] = 0.0
    p.other_capex[h] = 0.0
    end_relationships(labs, np.arange(len(labs)), h)
    labs.allocation[:, h] = 0.0
    labs.owner[labs.owner == h] = -1
    state.counters["hyperscaler_failures"] += 1
