"""Capacity and prices (docs/model.md §7.2): capacity by vintage, unit cost, spot and pair prices.

Capacity is kept as GW arriving per quarter (``ProviderState.arrivals``); column ``t + life`` is
quarter ``t``, so a provider's capacity at ``t`` is the sum of the last ``life`` columns up to it.
The markup that turns unit cost into a price moves with utilization in
:func:`computemarket.agents.hyperscaler.update_markups`.
"""

from __future__ import annotations

import numpy as np

from computemarket.simulation.parameters import HyperscalerParams
from computemarket.simulation.state import LabState, MarketState, ProviderState


def unit_cost(params: HyperscalerParams) -> float:
    """Cost of a GW-quarter, $B: straight-line depreciation over the hardware life plus operations."""
    return params.capex_per_gw / (4 * params.hardware_life_years) + params.operating_cost_per_gw


def arrival_columns(life_quarters: int, quarters: int, build_lag_quarters: int) -> int:
    """Columns the arrivals table needs to hold the initial fleet, ``quarters`` steps and orders."""
    return life_quarters + quarters + build_lag_quarters + 2


def extend_arrivals(providers: ProviderState, quarters: int) -> None:
    """Append ``quarters`` empty columns to the arrivals and capex-due tables."""
    extra = np.zeros((providers.arrivals.shape[0], quarters))
    providers.arrivals = np.hstack([providers.arrivals, extra])
    providers.capex_due = np.hstack([providers.capex_due, extra])


def update_capacity(market: MarketState, providers: ProviderState) -> None:
    """Capacity installed this quarter (arrivals less retirements) and the spot price.

    Args:
        market: Market scalars (the quarter, hardware life and unit cost).
        providers: Provider arrays; ``capacity`` and ``price`` are written.
    """
    p, t = providers, market.quarter
    p.capacity[:] = p.arrivals[:, t + 1 : t + market.life_quarters + 1].sum(axis=1) * p.alive
    p.price[:] = market.unit_cost * (1.0 + p.markup)


def reference_price(providers: ProviderState, unit_cost_per_gw: float) -> float:
    """Capacity-weighted mean spot price, $B per GW-quarter (labs budget training with it)."""
    p = providers
    weight = p.capacity * p.alive
    return float((p.price * weight).sum() / weight.sum()) if weight.sum() > 0 else unit_cost_per_gw


def pair_prices(labs: LabState, providers: ProviderState, unit_cost_per_gw: float) -> np.ndarray:
    """Price each lab pays at each provider for non-contract compute, $B per GW-quarter.

    The spot price less the lab's deal discount there; an in-house lab pays unit cost at its owner.
    """
    price = providers.price[None, :] * (1.0 - labs.discount)
    in_house = labs.owner >= 0
    if in_house.any():
        rows = np.flatnonzero(in_house)
        price[rows, labs.owner[rows]] = unit_cost_per_gw
    return price
