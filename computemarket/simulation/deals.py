"""Deals: capital for compute (docs/model.md §7.5), a relationship's whole life in one place.

A relationship between provider ``h`` and lab ``i`` lives in the lab x provider matrices of
:class:`~computemarket.simulation.state.LabState` named in
:data:`~computemarket.simulation.state.RELATIONSHIP_TERMS` (stake, commitment, exclusivity,
discount, revenue share, tied money, tranches). This module starts a relationship or extends it
with a follow-on (:func:`enter_agreement`), pays its conditional tranches, signs the endogenous
offers labs accept, and ends relationships (:func:`end_relationships`) when a lab exits or is
acquired or a provider fails. A named agreement whose investor is ``"independent"`` is the same
money from independent capital, with no strings (:func:`enter_independent_agreement`): the
counterfactual that holds the money of a deal fixed.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from numpy.typing import ArrayLike

from computemarket.agents.offers import Offer
from computemarket.simulation.ledger import EXTERNAL, NO_ORIGIN
from computemarket.simulation.numerics import snap_to_zero
from computemarket.simulation.parameters import INDEPENDENT_INVESTOR, AgreementSpec
from computemarket.simulation.state import (
    CONTRACT_FIELDS,
    RELATIONSHIP_TERMS,
    LabState,
    State,
)

DEAL_COLUMNS = (
    "quarter",
    "kind",
    "investor",
    "lab",
    "amount",
    "upfront",
    "stake",
    "commitment",
    "commitment_quarters",
    "exclusivity_quarters",
    "discount",
    "revenue_share",
    "tranches",
    "origin",
)
"""Columns of the deals table (one row per deal, compute commitment or acquisition).

``origin`` is ``"named"`` for a scenario's ``[[agreements]]`` and ``"endogenous"`` for what the
model decided (offers accepted, acquisitions)."""


def dilute(labs: LabState, lab: int, stake: float) -> None:
    """A new stake of ``stake`` dilutes every existing holder of the lab in proportion."""
    labs.stake[lab] *= 1.0 - stake
    labs.independent_stake[lab] *= 1.0 - stake


def enter_agreement(
    state: State,
    lab: int,
    h: int,
    deal: AgreementSpec,
    kind: str,
    dilute_others: bool = True,
    origin: str = "named",
) -> None:
    """Put an agreement between provider ``h`` and ``lab`` into force from this quarter.

    The upfront part is paid now (tagged with the investor when the deal is tied), the rest of the
    amount in conditional quarterly tranches; the stake dilutes the other holders; the
    commitment's obligation starts ``commitment_start`` quarters from now and lasts
    ``commitment_quarters``, and so does the revenue share.

    A follow-on (a deal where a relationship is already in force) adds its stake, its amount and
    its commitment to those in force and extends the commitment's term; it never lowers a discount
    or a revenue share in force: the higher share applies, until the end of the deal that set it.

    Args:
        state: The market state.
        lab: Row of the lab.
        h: Row of the provider (investor).
        deal: The agreement's terms.
        kind: ``"investment"`` or ``"compute_commitment"`` (the deals table's kind).
        dilute_others: Whether the stake dilutes existing holders (not for deals already in place
            at the start, whose stakes are as observed).
        origin: ``"named"`` or ``"endogenous"`` (the deals table's origin).
    """
    labs, p, quarter = state.labs, state.providers, state.market.quarter
    tied = deal.tied and deal.commitment > 0
    upfront = deal.upfront if deal.tranches > 0 else deal.amount
    state.ledger.book(
        p.account[h], labs.account[lab], upfront, "investment", p.account[h] if tied else NO_ORIGIN
    )
    if deal.stake > 0:
        if dilute_others:
            dilute(labs, lab, deal.stake)
        labs.stake[lab, h] += deal.stake
    labs.pending[lab, h] += deal.amount - upfront
    labs.tranche[lab, h] = labs.pending[lab, h] / deal.tranches if deal.tranches > 0 else 0.0
    if tied:
        labs.tied[lab, h] = 1.0
        labs.tagged[lab, h] += upfront
    if deal.commitment > 0:
        start = quarter + 1 + deal.commitment_start
        labs.commit_remaining[lab, h] += deal.commitment
        labs.commit_start[lab, h] = (
            start if labs.commit_end[lab, h] <= quarter else min(labs.commit_start[lab, h], start)
        )
        labs.commit_end[lab, h] = max(labs.commit_end[lab, h], start + deal.commitment_quarters)
    if deal.exclusivity_quarters > 0:
        labs.exclusive_end[lab, h] = max(
            labs.exclusive_end[lab, h], quarter + deal.exclusivity_quarters + 1
        )
    # A follow-on never lowers a discount or revenue share in force (see model.md §7.5).
    labs.discount[lab, h] = max(labs.discount[lab, h], deal.discount)
    if deal.revenue_share > 0:
        end = quarter + 1 + deal.commitment_start + deal.commitment_quarters
        in_force = labs.revenue_share_end[lab, h] > quarter
        current = labs.revenue_share[lab, h] if in_force else 0.0
        if deal.revenue_share > current:
            labs.revenue_share[lab, h] = deal.revenue_share
            labs.revenue_share_end[lab, h] = end
        elif deal.revenue_share == current:
            labs.revenue_share_end[lab, h] = max(labs.revenue_share_end[lab, h], end)
    p.invested[h] += upfront
    labs.invested_in[lab, h] += upfront
    state.counters["hyperscaler_investment"] += upfront
    state.deal_rows.append(
        {
            "quarter": quarter,
            "kind": kind,
            "investor": deal.investor,
            "lab": deal.lab,
            "amount": deal.amount,
            "upfront": upfront,
            "stake": deal.stake,
            "commitment": deal.commitment,
            "commitment_quarters": deal.commitment_quarters if deal.commitment > 0 else 0,
            "exclusivity_quarters": deal.exclusivity_quarters,
            "discount": deal.discount,
            "revenue_share": deal.revenue_share,
            "tranches": deal.tranches if deal.amount > upfront else 0,
            "origin": origin,
        }
    )


def enter_independent_agreement(
    state: State, lab: int, deal: AgreementSpec, dilute_others: bool = True
) -> None:
    """Put a named agreement with independent capital into force: money and a stake, no strings.

    The upfront part comes from the world now (``independent_investment``), the rest in
    ``deal.tranches`` equal quarterly tranches (:func:`pay_independent_tranches`), on the schedule
    a hyperscaler's deal would follow; the stake goes to the lab's independent investors and
    dilutes every holder, as independent money does.

    Args:
        state: The market state.
        lab: Row of the lab.
        deal: The agreement (its strings are zero: the loader checks it).
        dilute_others: Whether the stake dilutes existing holders (not at the start).
    """
    labs, quarter = state.labs, state.market.quarter
    upfront = deal.upfront if deal.tranches > 0 else deal.amount
    state.ledger.book(EXTERNAL, labs.account[lab], upfront, "independent_investment")
    if deal.stake > 0:
        if dilute_others:
            dilute(labs, lab, deal.stake)
        labs.independent_stake[lab] += deal.stake
    labs.independent_invested[lab] += upfront
    state.counters["independent_investment"] += upfront
    state.deal_rows.append(
        {
            "quarter": quarter,
            "kind": "independent_investment",
            "investor": INDEPENDENT_INVESTOR,
            "lab": deal.lab,
            "amount": deal.amount,
            "upfront": upfront,
            "stake": deal.stake,
            "commitment": 0.0,
            "commitment_quarters": 0,
            "exclusivity_quarters": 0,
            "discount": 0.0,
            "revenue_share": 0.0,
            "tranches": deal.tranches if deal.amount > upfront else 0,
            "origin": "named",
        }
    )


def pay_independent_tranches(state: State) -> None:
    """Pay this quarter's tranches of named agreements with independent capital.

    A tranche is ``(amount - upfront) / tranches``, paid in each of the ``tranches`` quarters after
    signing while the lab is in business and independent (an acquirer buys the independent
    investors out).
    """
    labs, quarter = state.labs, state.market.quarter
    rows = {name: i for i, name in enumerate(state.lab_names)}
    for deal in state.params.agreements:
        if deal.investor != INDEPENDENT_INVESTOR or deal.tranches <= 0:
            continue
        lab = rows[deal.lab]
        if not deal.quarter < quarter <= deal.quarter + deal.tranches:
            continue
        if not labs.alive[lab] or labs.owner[lab] >= 0:
            continue
        tranche = (deal.amount - deal.upfront) / deal.tranches
        state.ledger.book(EXTERNAL, labs.account[lab], tranche, "independent_investment")
        labs.independent_invested[lab] += tranche
        state.counters["independent_investment"] += tranche


def enter_named_agreements(state: State) -> None:
    """Enter the scenario's ``[[agreements]]`` of this quarter.

    Deals in place at the start (quarter 0) are grandfathered; deals signed later obey the rules in
    force: no equity under structural separation, no commitment without tied investment, no
    exclusivity where banned, stakes capped. Agreements with independent capital obey no
    hyperscaler rule: they are independent money.
    """
    quarter, rules = state.market.quarter, state.params.rules
    providers = {name: i for i, name in enumerate(state.provider_names)}
    labs = {name: i for i, name in enumerate(state.lab_names)}
    for deal in state.params.agreements:
        if deal.quarter != quarter:
            continue
        lab = labs[deal.lab]
        if deal.investor == INDEPENDENT_INVESTOR:
            if state.labs.alive[lab]:
                enter_independent_agreement(state, lab, deal, dilute_others=quarter > 0)
            continue
        h = providers[deal.investor]
        if not (state.providers.alive[h] and state.labs.alive[lab]):
            continue
        if quarter > 0:
            if not rules.hyperscaler_equity:
                deal = replace(deal, amount=0.0, upfront=0.0, stake=0.0, tied=False)
            if not rules.tied_investment and deal.amount > 0:
                deal = replace(deal, commitment=0.0, tied=False)
            if not rules.exclusivity:
                deal = replace(deal, exclusivity_quarters=0)
            deal = replace(deal, stake=min(deal.stake, rules.max_equity_stake))
            if deal.amount > 0:  # a pure compute contract has no investment to be a multiple of
                cap = rules.max_commitment_multiple * deal.amount
                deal = replace(deal, commitment=min(deal.commitment, cap))
        kind = "investment" if deal.amount > 0 or deal.stake > 0 else "compute_commitment"
        enter_agreement(state, lab, h, deal, kind=kind, dilute_others=quarter > 0)


def pay_tranches(state: State) -> None:
    """Pay conditional tranches of earlier deals; the condition is that both sides are still in business.

    Tranches of named agreements with independent capital are paid too
    (:func:`pay_independent_tranches`).
    """
    pay_independent_tranches(state)
    labs, p, ledger = state.labs, state.providers, state.ledger
    due = (labs.pending > 0) & labs.alive[:, None] & p.alive[None, :]
    if not due.any():
        return
    rows, cols = np.nonzero(due)
    amount = np.minimum(labs.tranche[rows, cols], labs.pending[rows, cols])
    amount = np.minimum(amount, np.maximum(ledger.cash[p.account[cols]], 0.0))
    tied = labs.tied[rows, cols] > 0
    origin = np.where(tied, p.account[cols], NO_ORIGIN)
    ledger.book_many(p.account[cols], labs.account[rows], amount, "investment", origin)
    # The last tranche leaves nothing pending, whatever the rounding of the instalments.
    labs.pending[rows, cols] = snap_to_zero(
        labs.pending[rows, cols] - amount, labs.tranche[rows, cols]
    )
    labs.tagged[rows, cols] += np.where(tied, amount, 0.0)
    np.add.at(p.invested, cols, amount)
    np.add.at(labs.invested_in, (rows, cols), amount)
    state.counters["hyperscaler_investment"] += float(amount.sum())


def sign_deal(state: State, lab: int, offer: Offer) -> None:
    """A lab accepts a hyperscaler's endogenous offer on the offer's terms.

    The upfront share and the commitment's term are the scenario's (``deals.upfront_share``,
    ``deals.commitment_quarters``); the number of tranches is the offer's, or ``deals.tranches``.
    """
    terms = state.params.deals
    amount = offer.amount
    tranches = terms.tranches if offer.tranches is None else offer.tranches
    agreement = AgreementSpec(
        investor=state.provider_names[offer.investor],
        lab=state.lab_names[lab],
        quarter=state.market.quarter,
        amount=amount,
        upfront=amount * (terms.upfront_share if tranches > 0 else 1.0),
        tranches=tranches,
        stake=offer.stake,
        commitment=offer.commitment_multiple * amount,
        commitment_quarters=terms.commitment_quarters,
        exclusivity_quarters=offer.exclusivity_quarters,
        discount=offer.discount,
        revenue_share=offer.revenue_share,
        tied=offer.commitment_multiple > 0,
    )
    enter_agreement(state, lab, offer.investor, agreement, kind="investment", origin="endogenous")


def sign_independent(state: State, lab: int, offer: Offer) -> None:
    """A lab accepts independent capital: money from the world, a stake, no strings."""
    labs = state.labs
    state.ledger.book(EXTERNAL, labs.account[lab], offer.amount, "independent_investment")
    dilute(labs, lab, offer.stake)
    labs.independent_stake[lab] += offer.stake
    labs.independent_invested[lab] += offer.amount
    state.counters["independent_investment"] += offer.amount


def end_relationships(labs: LabState, lab_rows: ArrayLike, providers: ArrayLike) -> None:
    """End every relationship between the given labs and providers.

    Every term in :data:`~computemarket.simulation.state.RELATIONSHIP_TERMS` goes back to zero
    for each (lab, provider) pair, and a lab's reserved-capacity contract with one of the
    providers ends. What the lab still owed under a commitment or contract lapses; tagged money
    stays with the lab, untagged. Book values (``invested_in``) and history (``allocation``,
    ``billed``) are kept: the caller decides what happens to them.

    Args:
        labs: The lab arrays.
        lab_rows: Rows of the labs.
        providers: Rows of the providers.
    """
    rows = np.atleast_1d(np.asarray(lab_rows, dtype=np.int64))
    cols = np.atleast_1d(np.asarray(providers, dtype=np.int64))
    pairs = np.ix_(rows, cols)
    for name in RELATIONSHIP_TERMS:
        getattr(labs, name)[pairs] = 0.0
    ended = rows[np.isin(labs.contract_provider[rows], cols)]
    for name, value in CONTRACT_FIELDS.items():
        getattr(labs, name)[ended] = value
