"""Distress (docs/model.md §7.9): credit lines, restructurings, acquisitions, exits, failures.

A lab with negative cash (below -$1, rounding aside) after fundraising first draws its credit line (independent labs, within
``credit.lab_debt_to_revenue`` of revenue and the lending capacity left); if cash is still
negative it offers its lead creditor-provider a restructuring of its take-or-pay commitment
(:func:`try_restructuring`); failing that it is acquired where the rules allow and a buyer can
pay, or it exits and its debt defaults. A provider with negative cash borrows what it still can,
or fails and its debt defaults. The quarter's defaults then tighten credit and cool investors
(:func:`computemarket.simulation.credit.absorb_defaults`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from computemarket.agents.hyperscaler import Hyperscaler
from computemarket.agents.lab import AILab, lab_valuations
from computemarket.simulation import metrics as mx
from computemarket.simulation.credit import absorb_defaults, borrow_for_lab
from computemarket.simulation.deals import end_relationships
from computemarket.simulation.fundraising import survival_beliefs
from computemarket.simulation.ledger import EXTERNAL, MIN_TRANSFER
from computemarket.simulation.numerics import ROUNDING, first_minimum
from computemarket.simulation.state import State


def resolve_distress(
    state: State, hyperscalers: Sequence[Hyperscaler], lab_agents: Sequence[AILab]
) -> None:
    """Insolvent labs borrow, restructure, are acquired (where allowed) or exit; providers fail.

    Args:
        state: The market state.
        hyperscalers: The provider agents, by row.
        lab_agents: The lab agents, by row (an exiting lab's agent is removed from the model).
    """
    labs, p, ledger = state.labs, state.providers, state.ledger
    # A hole of at most a dollar is rounding (the ledger books no smaller transfer).
    insolvent = np.flatnonzero(labs.alive & (ledger.cash[labs.account] < -MIN_TRANSFER))
    if insolvent.size:
        valuations = lab_valuations(state)
        survival = survival_beliefs(state)
    for lab in insolvent.tolist():
        borrow_for_lab(state, lab, -float(ledger.cash[labs.account[lab]]))
        if ledger.cash[labs.account[lab]] >= -MIN_TRANSFER:
            continue
        if try_restructuring(state, lab, float(valuations[lab]), survival[lab]):
            continue
        if not try_acquisition(state, lab, float(valuations[lab])):
            exit_lab(state, lab)
            lab_agents[lab].remove()
    for h in np.flatnonzero(p.alive & (ledger.cash[p.account] < 0)):
        if not hyperscalers[h].cover_shortfall():
            fail_provider(state, int(h))
            hyperscalers[h].remove()
    absorb_defaults(state)


def try_restructuring(
    state: State, lab: int, valuation: float | None = None, survival: float | None = None
) -> bool:
    """The lab's lead creditor-provider writes down its commitment and forgives the quarter's hole.

    The lead creditor is the active provider owed the largest remaining take-or-pay commitment
    ``C`` by the lab. It refunds the lab's negative cash ``H`` out of the quarter's bill (at most
    what it billed the lab this quarter, and only if it has the cash), writes off
    ``credit.restructuring_writedown`` ``w`` of ``C`` and extends the commitment's term by
    ``credit.restructuring_extension_quarters``. It agrees when what it keeps if the lab
    survives is worth the extra loss: ``survival * (margin * (1 - w) C + stake * V) >= (1 - b) H``,
    where ``margin = markup / (1 + markup)`` is its margin on the committed compute, ``V`` the
    lab's valuation, ``survival`` investors' belief that the lab survives, and ``b`` its share of
    the lab's bills this quarter (the share of ``H`` it would lose as bad debt if the lab exited).
    The refund is booked as ``restructuring`` and counted in the provider's losses and in the
    quarter's write-offs; the write-down of ``C`` is counted in ``commitments_written_down``.

    Args:
        state: The market state.
        lab: Row of the insolvent lab.
        valuation: The lab's valuation, $B (default: :func:`~computemarket.agents.lab.lab_valuations`).
        survival: Investors' belief that the lab survives (default:
            :func:`~computemarket.simulation.fundraising.survival_beliefs`).

    Returns:
        True if the commitment was restructured (the lab's cash is back to zero).
    """
    labs, p, ledger = state.labs, state.providers, state.ledger
    if valuation is None:
        valuation = float(lab_valuations(state)[lab])
    if survival is None:
        survival = survival_beliefs(state)[lab]
    writedown = state.params.credit.restructuring_writedown
    remaining = labs.commit_remaining[lab] * p.alive
    if writedown <= 0 or not (remaining > 0).any():
        return False
    h = int(first_minimum(-remaining))
    hole = -float(ledger.cash[labs.account[lab]])
    billed = labs.billed[lab] * p.alive
    if hole > billed[h] or ledger.cash[p.account[h]] < hole:
        return False
    margin = float(p.markup[h]) / (1.0 + float(p.markup[h]))
    kept = (1.0 - writedown) * float(remaining[h])
    value = survival * (margin * kept + float(labs.stake[lab, h]) * valuation)
    if value < (1.0 - float(billed[h]) / float(billed.sum())) * hole:
        return False
    ledger.book(p.account[h], labs.account[lab], hole, "restructuring")
    p.losses[h] += hole
    cut = writedown * float(remaining[h])
    labs.commit_remaining[lab, h] = kept
    extension = state.params.credit.restructuring_extension_quarters
    labs.commit_end[lab, h] += extension
    state.counters["restructurings"] += 1
    state.counters["commitments_written_down"] += cut
    state.counters["written_off"] += hole
    state.deal_rows.append(
        {
            "quarter": state.market.quarter,
            "kind": "restructuring",
            "investor": state.provider_names[h],
            "lab": state.lab_names[lab],
            "amount": hole,
            "upfront": hole,
            "stake": 0.0,
            "commitment": -cut,
            "commitment_quarters": extension,
            "exclusivity_quarters": 0,
            "discount": 0.0,
            "revenue_share": 0.0,
        }
    )
    return True


def try_acquisition(state: State, lab: int, valuation: float | None = None) -> bool:
    """A provider buys an insolvent lab if the rules allow it and the lab is worth buying.

    The buyer pays ``capital.distressed_sale_fraction`` of the lab's valuation for the whole
    firm: its lenders are repaid first (in full, even beyond that), its equity holders get the
    rest; the buyer also covers the lab's negative cash.

    Args:
        state: The market state.
        lab: Row of the insolvent lab.
        valuation: The lab's valuation, $B (default: :func:`~computemarket.agents.lab.lab_valuations`).

    Returns:
        True if the lab was acquired (it becomes in-house and its deals end).
    """
    labs, p, rules, ledger = state.labs, state.providers, state.params.rules, state.ledger
    if not (rules.acquisitions and rules.hyperscaler_equity) or labs.owner[lab] >= 0:
        return False
    if valuation is None:
        valuation = float(lab_valuations(state)[lab])
    # Not worth buying below the median quality. A lab at the median (to rounding: it may be the
    # median lab itself) qualifies on every CPU.
    median = float(np.median(np.log(labs.stock[labs.alive])))
    if float(np.log(labs.stock[lab])) < median - ROUNDING * max(abs(median), 1.0):
        return False
    hole = -float(ledger.cash[labs.account[lab]])
    debt = float(labs.debt[lab])
    price = max(0.0, state.params.capital.distressed_sale_fraction * valuation - debt)
    cash = ledger.cash[p.account]
    candidates = np.flatnonzero(p.alive & ~p.neocloud & (cash >= price + hole + debt))
    if candidates.size == 0:
        return False
    key = labs.stake[lab, candidates] * 1e6 + cash[candidates]
    h = int(candidates[np.argmax(key)])
    if rules.merger_control and _presumed_harmful(state, lab, h):
        return False
    acct = p.account[h]
    ledger.book(acct, labs.account[lab], hole, "internal_funding")
    ledger.book(acct, EXTERNAL, debt, "debt_repayment")  # the lab's lenders are repaid
    labs.debt[lab] = 0.0
    other_stakes = labs.stake[lab].copy()
    other_stakes[h] = 0.0
    payees = p.account[np.flatnonzero(other_stakes > 0)]
    ledger.book_many(acct, payees, price * other_stakes[other_stakes > 0], "acquisition")
    outside_holders = max(0.0, 1.0 - other_stakes.sum() - labs.stake[lab, h])
    ledger.book(acct, EXTERNAL, price * outside_holders, "acquisition")
    labs.owner[lab] = h
    # The lab is in-house now. Its relationship with the buyer ends (the buyer owns it) and the
    # other holders' stakes were bought out; what it owes other providers under commitments and
    # contracts the buyer assumes, so those go on (an acquisition does not wipe out a provider's
    # backlog).
    end_relationships(labs, lab, h)
    labs.stake[lab] = 0.0
    labs.independent_stake[lab] = 0.0
    # The sold equity is gone with its holders: their tranches still to pay are not paid into the
    # buyer's lab, and their book value is settled (a later exit writes off only the buyer's).
    labs.pending[lab] = labs.tranche[lab] = 0.0
    labs.invested_in[lab, np.arange(p.alive.size) != h] = 0.0
    labs.independent_invested[lab] = 0.0
    state.counters["acquisitions"] += 1
    state.deal_rows.append(
        {
            "quarter": state.market.quarter,
            "kind": "acquisition",
            "investor": state.provider_names[h],
            "lab": state.lab_names[lab],
            "amount": price + hole + debt,
            "upfront": price + hole + debt,
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
    """The lab closes: investors write off their stakes; providers it owes absorb the bad debt.

    Its lenders lose what it owed them (``defaulted_debt``).
    """
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
    state.counters["written_off"] += max(hole, 0.0) + float(labs.debt[lab])
    state.counters["defaulted_debt"] += float(labs.debt[lab])
    labs.debt[lab] = 0.0
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
    state.counters["defaulted_debt"] += hole + float(p.debt[h])
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
