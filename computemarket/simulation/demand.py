"""Labs' shares, revenue and compute need (docs/model.md §7.3), and quality from training.

Users choose labs by a logit on quality with an outside option and share inertia; labs need
inference compute in proportion to revenue and train with a budget from their cash and revenue
(:func:`computemarket.agents.lab.training_budget`).
"""

from __future__ import annotations

import numpy as np

from computemarket.agents.lab import inertial_shares, target_shares, training_budget
from computemarket.simulation.state import State
from computemarket.simulation.supply import reference_price


def outside_utility(state: State, frontier_quality: float) -> float:
    """Utility of the outside option: it trails the frontier by the gap fixed at the start."""
    m = state.params.market
    if m.outside_share <= 0:
        return -np.inf
    return m.quality_weight * (frontier_quality - state.market.outside_gap)


def lab_demand(state: State, update_shares: bool = True) -> None:
    """Market shares, revenue potential and compute need of every active lab.

    Args:
        state: The market state; writes the labs' ``share``, ``potential_revenue``,
            ``inference_need`` and ``need``, and the market's ``outside_share``.
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
    labs.potential_revenue[:] = np.where(alive, labs.share * market.ai_market, 0.0)
    labs.inference_need[:] = labs.potential_revenue * market.inference_intensity
    cash = np.maximum(state.ledger.cash[labs.account], 0.0)
    budget = training_budget(cash, labs.burn, labs.potential_revenue, state.params.lab)
    price = reference_price(state.providers, market.unit_cost)
    labs.need[:] = np.where(alive, labs.inference_need + budget / price, 0.0)


def grow_quality(state: State, training_gw: np.ndarray) -> None:
    """Quality stock after a quarter: obsolescence, plus the training compute served.

    ``K <- (1 - quality_depreciation) K + training GW * compute efficiency * productivity``.
    """
    labs, market = state.labs, state.market
    gained = training_gw * market.compute_efficiency * labs.productivity
    labs.stock = np.where(
        labs.alive,
        (1.0 - state.params.market.quality_depreciation) * labs.stock + gained,
        labs.stock,
    )
