"""End-user demand and labs' shares, revenue and compute need (docs/model.md §7.3), and quality.

End users spend around the adoption trend: more or less as the price of AI services leaves the
path the trend assumes and as the labs' offer gets better or worse (:func:`end_user_demand`).
They choose labs by a logit on quality with an outside option and share inertia; labs need
inference compute per $ of revenue that rises as services get cheaper, and train with a budget
from their cash and a share of revenue that falls as they mature
(:func:`computemarket.agents.lab.training_budget`).
"""

from __future__ import annotations

import math

import numpy as np

from computemarket.agents.lab import (
    inertial_shares,
    target_shares,
    training_budget,
    training_revenue_shares,
)
from computemarket.simulation.state import State
from computemarket.simulation.supply import reference_price


def outside_utility(state: State, frontier_quality: float) -> float:
    """Utility of the outside option: it trails the frontier by the gap fixed at the start."""
    m = state.params.market
    if m.outside_share <= 0:
        return -np.inf
    return m.quality_weight * (frontier_quality - state.market.outside_gap)


def inclusive_value(quality: np.ndarray, outside: float, weight: float) -> float:
    """Logit inclusive value of the labs' offer relative to the frontier lab.

    ``IV = log(exp(u_0 - beta q_max) + sum_i exp(beta (q_i - q_max)))``: it rises when more labs
    are close to the frontier and falls when labs exit or fall behind. (Progress of the frontier
    itself is in the adoption trend.)

    Args:
        quality: Quality of each active lab (log effective compute); not empty.
        outside: Utility of the outside option (``-inf`` if there is none).
        weight: Users' sensitivity to quality (``market.quality_weight``).
    """
    top = weight * float(quality.max())
    return math.log(math.exp(outside - top) + float(np.exp(weight * quality - top).sum()))


def service_price_ratio(compute_price_index: float, years: float, state: State) -> float:
    """Price of AI services over the price path the adoption trend assumes.

    Labs pass ``cost_pass_through`` of compute price changes on to their users, so the ratio is
    ``(CPI_t / (1 - reference_price_decline)^y)^cost_pass_through``.
    """
    d = state.params.demand
    reference = (1.0 - d.reference_price_decline) ** years
    return (compute_price_index / reference) ** d.cost_pass_through


def end_user_demand(state: State, quality: np.ndarray) -> None:
    """End-user spending at this quarter's prices and quality, and compute needed per $ of it.

    ``D_t = T_t (p_t / p_ref_t)^(1 + price_elasticity) exp(quality_elasticity (IV_t - IV_0))``;
    inference eGW per $B of revenue ``iota_0 CPI_t^(-cost_pass_through) /
    inference_efficiency_gain^y`` (cheaper services sell more units per $, each needing compute).

    Args:
        state: The market state; writes the market's ``compute_price_index``,
            ``service_price_ratio``, ``inclusive_value``, ``demand_factor``, ``ai_market`` and
            ``inference_intensity``.
        quality: Quality of each active lab.
    """
    m, d, market = state.params.market, state.params.demand, state.market
    years = market.quarter / 4
    price = reference_price(state.providers, market.unit_cost)
    market.compute_price_index = price / market.initial_price
    market.service_price_ratio = service_price_ratio(market.compute_price_index, years, state)
    if quality.size:
        market.inclusive_value = inclusive_value(
            quality, outside_utility(state, float(quality.max())), m.quality_weight
        )
    quality_gain = market.inclusive_value - market.initial_inclusive_value
    market.demand_factor = market.service_price_ratio ** (1.0 + d.price_elasticity) * math.exp(
        d.quality_elasticity * quality_gain
    )
    market.ai_market = market.adoption_trend * market.demand_factor
    market.inference_intensity = (
        m.inference_gw_per_revenue
        * market.compute_price_index ** (-d.cost_pass_through)
        / m.inference_efficiency_gain**years
    )


def lab_demand(state: State, update_shares: bool = True) -> None:
    """End-user demand, then market shares, revenue potential and compute need of every active lab.

    Args:
        state: The market state; writes the labs' ``share``, ``potential_revenue``,
            ``inference_need`` and ``need``, and the market's demand (:func:`end_user_demand`)
            and ``outside_share``.
        update_shares: Move shares towards the logit target (False at the start, when shares are
            set from the data).
    """
    m, labs, market = state.params.market, state.labs, state.market
    alive = labs.alive
    quality = np.log(labs.stock[alive])
    if update_shares and quality.size:
        target, outside = target_shares(
            quality, outside_utility(state, quality.max()), m.quality_weight
        )
        labs.share[alive] = inertial_shares(labs.share[alive], target, m.share_inertia)
        market.outside_share = (
            m.share_inertia * market.outside_share + (1.0 - m.share_inertia) * outside
        )
    end_user_demand(state, quality)
    labs.potential_revenue[:] = np.where(alive, labs.share * market.ai_market, 0.0)
    labs.inference_need[:] = labs.potential_revenue * market.inference_intensity
    cash = np.maximum(state.ledger.cash[labs.account], 0.0)
    budget = training_budget(
        cash, labs.burn, labs.potential_revenue, training_shares(state), state.params.lab
    )
    price = reference_price(state.providers, market.unit_cost)
    labs.need[:] = np.where(alive, labs.inference_need + budget / price, 0.0)


def training_shares(state: State) -> np.ndarray:
    """Each lab's training share of revenue at its age (years since the start or its entry)."""
    age = (state.market.quarter - state.labs.entered) / 4.0
    return training_revenue_shares(age, state.params.lab)


def grow_quality(state: State, training_egw: np.ndarray) -> None:
    """Quality stock after a quarter: obsolescence, plus the training compute served.

    ``K <- (1 - quality_depreciation) K + training eGW * algorithmic efficiency * productivity``.
    """
    labs, market = state.labs, state.market
    gained = training_egw * market.compute_efficiency * labs.productivity
    labs.stock = np.where(
        labs.alive,
        (1.0 - state.params.market.quality_depreciation) * labs.stock + gained,
        labs.stock,
    )
