"""Fundraising (docs/model.md §7.5, Offers and Choice): labs short of runway raise capital.

In-house labs are funded by their owner. Independent labs collect offers from the hyperscalers
(:meth:`computemarket.agents.Hyperscaler.make_offer`, with strings) and from independent capital
(no strings, a valuation haircut), and choose (:meth:`computemarket.agents.AILab.choose_offers`),
one lab after another in random order, since budgets and the pool run out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from computemarket.agents.hyperscaler import Hyperscaler, Offer
from computemarket.agents.lab import AILab, lab_valuations
from computemarket.simulation.deals import sign_deal, sign_independent
from computemarket.simulation.numerics import rank_with_ties
from computemarket.simulation.state import State


def survival_beliefs(state: State) -> dict[int, float]:
    """Investors' belief that each active lab survives, by lab row.

    From ``capital.survival_belief_floor`` for the lowest quality rank to 1 for the highest.
    """
    labs = state.labs
    alive = np.flatnonzero(labs.alive)
    order = rank_with_ties(np.log(labs.stock[alive]))
    ranks = np.empty(alive.size)
    ranks[order] = np.arange(alive.size) / max(alive.size - 1, 1)
    floor = state.params.capital.survival_belief_floor
    return {
        lab: floor + (1.0 - floor) * rank
        for lab, rank in zip(alive.tolist(), ranks.tolist(), strict=True)
    }


def fundraise(
    state: State,
    hyperscalers: Sequence[Hyperscaler],
    lab_agents: Sequence[AILab],
    rng: np.random.Generator,
) -> None:
    """Labs short of runway raise money: in-house labs from their owner, others from offers.

    Args:
        state: The market state.
        hyperscalers: The provider agents, by row.
        lab_agents: The lab agents, by row.
        rng: The model's generator (the order in which labs raise).
    """
    labs, lp, ledger = state.labs, state.params.lab, state.ledger
    cash = ledger.cash[labs.account]
    short = labs.alive & (cash < lp.runway_quarters * labs.burn)
    if not short.any():
        return
    target = lp.raise_quarters * labs.burn - cash
    for lab in np.flatnonzero(short & (labs.owner >= 0)):
        owner = hyperscalers[labs.owner[lab]]
        ledger.book(
            owner.account,
            labs.account[lab],
            min(float(target[lab]), max(owner.cash, 0.0)),
            "internal_funding",
        )
    seekers = np.flatnonzero(short & (labs.owner < 0))
    if seekers.size == 0:
        return
    survival = survival_beliefs(state)
    budgets = [h.investment_budget() if h.alive else 0.0 for h in hyperscalers]
    pool = state.market.capital_pool
    haircut = state.params.capital.valuation_haircut
    switch_rate = state.params.rules.switching_cost + state.market.egress_fee
    valuations = lab_valuations(state)
    for lab in rng.permutation(seekers).tolist():
        sought = float(target[lab])
        valuation = float(valuations[lab])
        made = (
            h.make_offer(lab, sought, budgets[h.index], valuation, survival[lab])
            for h in hyperscalers
            if budgets[h.index] > 0
        )
        offers = [offer for offer in made if offer is not None]
        if pool > 0.01:
            amount = min(sought, pool)
            value = valuation * (1.0 - haircut)
            offers.append(Offer(investor=-1, amount=amount, stake=amount / (value + amount)))
        desperate = float(ledger.cash[labs.account[lab]]) < 0
        chosen = lab_agents[lab].choose_offers(offers, sought, desperate, valuation, switch_rate)
        for offer in chosen:
            if offer.investor < 0:
                pool -= offer.amount
                sign_independent(state, lab, offer)
            else:
                budgets[offer.investor] -= offer.amount
                sign_deal(state, lab, offer)
