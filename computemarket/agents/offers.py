"""What a hyperscaler offers a lab: the offer, its drawn terms, and who may receive one.

The terms of an endogenous deal are drawn from the 2023-2026 deals (docs/model.md §7.5,
``[offers]``); :meth:`computemarket.agents.hyperscaler.Hyperscaler.make_offer` sizes an offer
within the investor's budget from them, and :mod:`computemarket.simulation.fundraising` decides
which labs are offered deals. A new deal term starts here (its draw) and in
:mod:`computemarket.simulation.deals` (how it binds).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np

from computemarket.simulation.numerics import rank_with_ties
from computemarket.simulation.state import State

if TYPE_CHECKING:
    from computemarket.simulation.scenario import Scenario


@dataclass(frozen=True)
class Offer:
    """An offer of capital to a lab.

    Attributes:
        investor: Provider index, or -1 for independent capital.
        amount: Total investment, $B (upfront plus conditional tranches).
        stake: Equity stake bought, fraction of the lab.
        commitment_multiple: Compute to buy from the investor per $ invested (take-or-pay).
        exclusivity_quarters: Quarters of exclusivity.
        discount: Price discount at the investor.
        revenue_share: Share of lab revenue paid to the investor during the commitment term.
        tranches: Quarterly conditional tranches after the upfront part; ``None`` takes
            ``deals.tranches``.
    """

    investor: int
    amount: float
    stake: float
    commitment_multiple: float = 0.0
    exclusivity_quarters: int = 0
    discount: float = 0.0
    revenue_share: float = 0.0
    tranches: int | None = None


@dataclass(frozen=True)
class OfferTerms:
    """The terms drawn for one endogenous offer, before the rules and the investor's budget apply.

    Attributes:
        size_share: Amount offered, as a fraction of the lab's pre-money valuation.
        commitment_multiple: Compute to buy from the investor per $ invested.
        exclusivity_quarters: Quarters of exclusivity (0 for none).
        discount: Price discount at the investor.
        revenue_share: Share of lab revenue paid to the investor (0 for none).
        tranches: Quarterly conditional tranches after the upfront part.
    """

    size_share: float
    commitment_multiple: float
    exclusivity_quarters: int
    discount: float
    revenue_share: float
    tranches: int


TERM_DRAWS = 4
"""Uniform draws behind one offer's terms: size, commitment multiple, strings, tranches."""

_STANDARD_NORMAL = NormalDist()


def offer_terms(params: Scenario, uniforms: Sequence[float]) -> OfferTerms:
    """The terms of one endogenous offer, from :data:`TERM_DRAWS` uniform draws on [0, 1).

    Size is log-uniform on ``[offers.size_low, offers.size_high]`` of the lab's valuation (first
    draw); the commitment multiple is log-normal with median ``deals.commitment_multiple`` and
    log-sd ``offers.commitment_multiple_log_sd``, at most ``offers.commitment_multiple_max``
    (second draw, by the inverse normal distribution); the
    third draw ``u`` gives exclusivity (``deals.exclusivity_quarters``) if
    ``u < offers.exclusivity_incidence`` and the revenue share (``deals.revenue_share``) if
    ``u < offers.revenue_share_incidence``, so the two strings come together, as in the one
    observed case; the fourth gives the tranches, uniform on ``deals.tranches`` ..
    ``max(deals.tranches, offers.tranches_max)``; the discount is ``deals.discount``. Scalar
    ``math`` keeps the logs and exponentials the same on every CPU.

    Args:
        params: The scenario.
        uniforms: Four draws, uniform on [0, 1).

    Returns:
        The offer's terms, before the rules, the investor's budget and its bars apply.
    """
    offers, deals = params.offers, params.deals
    size_u, multiple_u, strings_u, tranches_u = (float(u) for u in uniforms[:TERM_DRAWS])
    log_low = math.log(offers.size_low)
    log_span = math.log(max(offers.size_high, offers.size_low)) - log_low
    normal = _STANDARD_NORMAL.inv_cdf(min(max(multiple_u, 1e-12), 1.0 - 1e-12))
    fewest = deals.tranches
    choices = max(deals.tranches, offers.tranches_max) - fewest + 1
    return OfferTerms(
        size_share=math.exp(log_low + size_u * log_span),
        commitment_multiple=min(
            deals.commitment_multiple * math.exp(offers.commitment_multiple_log_sd * normal),
            offers.commitment_multiple_max,
        ),
        exclusivity_quarters=(
            deals.exclusivity_quarters if strings_u < offers.exclusivity_incidence else 0
        ),
        discount=deals.discount,
        revenue_share=deals.revenue_share if strings_u < offers.revenue_share_incidence else 0.0,
        tranches=fewest + min(int(tranches_u * choices), choices - 1),
    )


def offer_eligibility(state: State) -> np.ndarray:
    """Which provider may offer a deal to which lab this quarter, labs x providers.

    A provider in business that is not captive may offer a follow-on to a lab it is tied to (a
    stake or a commitment in force), and a first deal only to a lab among the top
    ``offers.first_deal_top_share`` of active labs by quality (rounded up); nobody makes an offer
    to a lab exclusive to another provider (it may not buy elsewhere while the exclusivity runs).

    Args:
        state: The market state.

    Returns:
        Boolean matrix, labs x providers.
    """
    labs, p, quarter = state.labs, state.providers, state.market.quarter
    alive = np.flatnonzero(labs.alive)
    top = np.zeros(len(labs), dtype=bool)
    n_top = math.ceil(state.params.offers.first_deal_top_share * alive.size - 1e-9)
    if n_top > 0:
        order = rank_with_ties(np.log(labs.stock[alive]), descending=True)
        top[alive[order[:n_top]]] = True
    tied = (labs.stake > 0) | (labs.commit_remaining > 0)
    exclusive = (labs.exclusive_end > quarter) & p.alive[None, :]
    elsewhere = exclusive.sum(axis=1, keepdims=True) - exclusive > 0
    offering = p.alive & ~p.captive
    return (tied | top[:, None]) & ~elsewhere & offering[None, :] & labs.alive[:, None]


def exclusivity_barred(state: State, lab: int, provider: int) -> bool:
    """Whether a named agreement in force bars exclusivity between ``provider`` and ``lab``.

    An agreement with ``exclusivity_barred`` (Microsoft gave up its right of first refusal over
    OpenAI's compute on 28 Oct 2025) bars it from its quarter on.
    """
    lab_name, investor = state.lab_names[lab], state.provider_names[provider]
    quarter = state.market.quarter
    return any(
        deal.exclusivity_barred
        and deal.quarter <= quarter
        and deal.lab == lab_name
        and deal.investor == investor
        for deal in state.params.agreements
    )
