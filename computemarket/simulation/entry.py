"""Entry of new labs (docs/model.md §7.10): a Poisson process that follows growth and sentiment."""

from __future__ import annotations

import math

import numpy as np

from computemarket.simulation.ledger import EXTERNAL
from computemarket.simulation.state import State


def productivity_draws(state: State, n: int, rng: np.random.Generator) -> np.ndarray:
    """Research productivity of ``n`` new labs: mean-one log-normal draws."""
    sigma = state.params.lab.productivity_dispersion
    return rng.lognormal(-0.5 * sigma**2, sigma, n) if sigma > 0 else np.ones(n)


def entry_rate(state: State) -> float:
    """Expected entrants this quarter: ``entry.rate * clip(g / g_0, 0, entry.growth_cap) * S``."""
    e, market = state.params.entry, state.market
    base = max(state.params.market.ai_revenue_growth, 0.01)
    return e.rate * min(max(market.growth / base, 0.0), e.growth_cap) * market.sentiment


def enter_labs(state: State, rng: np.random.Generator) -> np.ndarray:
    """Draw this quarter's entrants and give each a row, an account and its seed money.

    An entrant starts ``entry.quality_gap`` below the mean quality of active labs, with its own
    productivity draw, no contract, and ``entry.seed_cash`` from the world.

    Args:
        state: The market state; rows are appended to the lab arrays.
        rng: The model's generator.

    Returns:
        The new labs' rows (the caller creates their agents).
    """
    e, labs = state.params.entry, state.labs
    rate = entry_rate(state)
    n = int(rng.poisson(rate)) if rate > 0 else 0
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    mean_quality = float(np.log(labs.stock[labs.alive]).mean()) if labs.alive.any() else 0.0
    rows = labs.add(n)
    labs.productivity[rows] = productivity_draws(state, n, rng)
    for row in rows:
        labs.account[row] = state.ledger.open_account()
        state.lab_names.append(f"Lab {row + 1}")
        labs.stock[row] = math.exp(mean_quality - e.quality_gap)
        labs.burn[row] = state.params.lab.fixed_opex
        labs.entered[row] = state.market.quarter
        labs.independent_stake[row] = state.params.lab.initial_outside_stake
        labs.independent_invested[row] = e.seed_cash
        state.ledger.book(EXTERNAL, labs.account[row], e.seed_cash, "seed_capital")
    state.counters["entries"] += n
    return rows
