"""Fundraising (docs/model.md §7.5, Offers and Choice): labs short of runway or of growth capital raise.

In-house labs are funded by their owner. Independent labs collect offers from the hyperscalers
(:meth:`computemarket.agents.Hyperscaler.make_offer`, with strings drawn from the distributions of
``[offers]``) and from independent capital (no strings, a valuation haircut), and choose
(:meth:`computemarket.agents.AILab.choose_offers`), one lab after another in random order, since
budgets, the pool and the quarter's deals run out. Strategic deals are rare events: each quarter a
Poisson number of them may be signed (``offers.deals_per_year``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from computemarket.agents.hyperscaler import Hyperscaler
from computemarket.agents.lab import AILab, lab_valuations
from computemarket.agents.offers import TERM_DRAWS, Offer, offer_eligibility, offer_terms
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


def quarter_generator(rng: np.random.Generator) -> np.random.Generator:
    """A generator for this quarter's fundraising, spawned from the model's.

    Spawning does not draw from the model's stream, so the quarter's draws (how many deals, the
    order of labs, the terms) do not depend on how many numbers earlier quarters drew: two runs
    with the same seed that differ in a deal keep common random numbers (paired comparisons are
    sharper), and the model's own stream (entry) is untouched by fundraising. A generator that
    cannot spawn (no seed sequence) is used as it is.
    """
    try:
        return rng.spawn(1)[0]
    except TypeError:  # pragma: no cover - Mesa always seeds with a SeedSequence
        return rng


def fundraise(
    state: State,
    hyperscalers: Sequence[Hyperscaler],
    lab_agents: Sequence[AILab],
    rng: np.random.Generator,
) -> None:
    """Labs short of runway raise money: in-house labs from their owner, others from offers.

    First the quarter's number of strategic deals is drawn, ``Poisson(offers.deals_per_year / 4)``
    (every quarter, whether or not a lab raises). Each lab that raises, in random order, gets an
    offer on freshly drawn terms from every provider that may make one
    (:func:`~computemarket.agents.offers.offer_eligibility`) and has budget left, while
    deals remain this quarter; and an offer from the independent pool. Each hyperscaler deal it
    accepts uses up one of the quarter's deals and the amount of the investor's budget.

    Every draw comes from one generator per quarter (:func:`quarter_generator`): first the number
    of deals, then one block of uniforms, labs x providers x 5, where ``[i, h, :4]`` are the terms
    of ``h``'s offer to lab ``i`` and ``[i, 0, 4]`` is lab ``i``'s place in the order, so a lab's
    draws do not depend on how many labs there are.

    Args:
        state: The market state.
        hyperscalers: The provider agents, by row.
        lab_agents: The lab agents, by row.
        rng: The model's generator.
    """
    labs, lp, ledger = state.labs, state.params.lab, state.ledger
    draws = quarter_generator(rng)
    deals_left = int(draws.poisson(state.params.offers.deals_per_year / 4.0))
    cash = ledger.cash[labs.account]
    short = labs.alive & (cash < lp.runway_quarters * labs.burn)
    # Growth capital: an independent lab keeps a war chest of quarters of compute spend.
    chest = lp.war_chest_quarters * labs.spend
    growing = labs.alive & (labs.owner < 0) & (cash < chest)
    if not (short | growing).any():
        return
    target = (
        np.maximum(
            np.where(short, lp.raise_quarters * labs.burn, 0.0), np.where(growing, 2.0 * chest, 0.0)
        )
        - cash
    )
    short = short | growing
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
    uniforms = draws.random((len(labs), len(hyperscalers), TERM_DRAWS + 1))
    order = seekers[np.argsort(uniforms[seekers, 0, TERM_DRAWS], kind="stable")]
    survival = survival_beliefs(state)
    eligible = offer_eligibility(state) if deals_left > 0 else None
    budgets = [h.investment_budget() if h.alive and deals_left > 0 else 0.0 for h in hyperscalers]
    pool = state.market.capital_pool
    haircut = state.params.capital.valuation_haircut
    switch_rate = state.params.rules.switching_cost + state.market.egress_fee
    valuations = lab_valuations(state)
    for lab in order.tolist():
        sought = float(target[lab])
        valuation = float(valuations[lab])
        offers: list[Offer] = []
        if deals_left > 0:
            made = (
                h.make_offer(
                    lab,
                    budgets[h.index],
                    valuation,
                    survival[lab],
                    offer_terms(state.params, uniforms[lab, h.index]),
                )
                for h in hyperscalers
                if budgets[h.index] > 0 and eligible[lab, h.index]
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
            elif deals_left > 0:
                deals_left -= 1
                budgets[offer.investor] -= offer.amount
                sign_deal(state, lab, offer)
