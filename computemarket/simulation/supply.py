"""Capacity and prices (docs/model.md §7.2): the supply curve, hardware vintages, unit cost, prices.

Capacity is kept as GW arriving per quarter (``ProviderState.arrivals``); column ``t + life`` is
quarter ``t``, so a provider's fleet at ``t`` is the last ``life`` columns up to it. The hardware
arriving in a column is a *vintage*: it gives ``MarketState.vintage_compute`` eGW of compute per
GW and cost ``MarketState.vintage_capex`` $B per GW. An eGW is the compute of one GW of the start
fleet, so at the start capacity in eGW equals capacity in GW; later GW give more.

How much can arrive at all is the supply curve (power and chips): all providers together may
receive ``supply.max_additions_gw`` GW a year in 2026, growing at ``supply.additions_growth``.
Orders are rationed to it pro rata, and the price of new capacity rises as they press on it.
The markup that turns unit cost into a price moves with utilization in
:func:`computemarket.agents.hyperscaler.update_markups`.
"""

from __future__ import annotations

import numpy as np

from computemarket.simulation.environment import calendar_year
from computemarket.simulation.parameters import HyperscalerParams, SupplyParams
from computemarket.simulation.state import LabState, ProviderState, State

CURVE_BASE_YEAR = 2026.0
"""Calendar year for which ``supply.max_additions_gw`` is given (the curve is in calendar time)."""


def unit_cost(params: HyperscalerParams) -> float:
    """Cost of a GW-quarter of new capacity at the start, $B: depreciation plus operations."""
    return params.capex_per_gw / (4 * params.hardware_life_years) + params.operating_cost_per_gw


def arrival_columns(life_quarters: int, quarters: int, build_lag_quarters: int) -> int:
    """Columns the arrivals table needs to hold the initial fleet, ``quarters`` steps and orders."""
    return life_quarters + quarters + build_lag_quarters + 2


def initial_fleet_quarters(life_quarters: int) -> int:
    """Quarters over which the fleet installed at the start arrived (the last half-life)."""
    return max(1, life_quarters // 2)


def vintage_compute(columns: int, life_quarters: int, supply: SupplyParams) -> np.ndarray:
    """Compute (eGW) per GW of the hardware arriving in each column of the arrivals table.

    ``e(v) = (1 + flops_per_watt_growth)^(v / 4) / mean of the same over the start fleet``, with
    ``v`` the quarter of arrival (0 at the start): the start fleet gives 1 eGW per GW on average.

    Args:
        columns: Columns of the arrivals table.
        life_quarters: Hardware life in quarters (column ``life`` is quarter 0).
        supply: The scenario's supply parameters.
    """
    per_quarter = (1.0 + supply.flops_per_watt_growth) ** 0.25
    fleet = per_quarter ** -np.arange(initial_fleet_quarters(life_quarters), dtype=float)
    return per_quarter ** (np.arange(columns, dtype=float) - life_quarters) / fleet.mean()


def vintage_capex(
    columns: int | np.ndarray, life_quarters: int, capex_per_gw: float, supply: SupplyParams
) -> np.ndarray:
    """Capex per GW of the hardware arriving in columns of the arrivals table, $B, before premia.

    ``c(v) = capex_per_gw * (phi * ((1 + g_W) / (1 + g_D))^y + (1 - phi) * (1 + pi)^y)``, ``y``
    the years from the start to arrival, ``phi = chip_share_of_capex``: chips in a GW cost more as
    each gives more compute (per watt faster than per $), the facility with construction costs.
    The fleet installed before the start is carried at ``capex_per_gw``.

    Args:
        columns: How many columns (from 0), or the column numbers.
        life_quarters: Hardware life in quarters (column ``life`` is quarter 0).
        capex_per_gw: Capex per GW at the start, $B.
        supply: The scenario's supply parameters.
    """
    column = np.arange(columns) if np.ndim(columns) == 0 else np.asarray(columns)
    years = np.maximum(column.astype(float) - life_quarters, 0.0) / 4.0
    chips = ((1.0 + supply.flops_per_watt_growth) / (1.0 + supply.flops_per_dollar_growth)) ** years
    facility = (1.0 + supply.construction_inflation) ** years
    phi = supply.chip_share_of_capex
    return capex_per_gw * (phi * chips + (1.0 - phi) * facility)


def extend_arrivals(state: State, quarters: int) -> None:
    """Append ``quarters`` empty columns to the arrivals and capex-due tables, and their vintages."""
    p, market, params = state.providers, state.market, state.params
    extra = np.zeros((p.arrivals.shape[0], quarters))
    p.arrivals = np.hstack([p.arrivals, extra])
    p.capex_due = np.hstack([p.capex_due, extra])
    columns, life = p.arrivals.shape[1], market.life_quarters
    compute = vintage_compute(columns, life, params.supply)
    capex = vintage_capex(columns, life, params.hyperscaler.capex_per_gw, params.supply)
    kept = market.vintage_capex.size  # earlier columns keep the premium their orders paid
    compute[:kept], capex[:kept] = market.vintage_compute[:kept], market.vintage_capex[:kept]
    market.vintage_compute, market.vintage_capex = compute, capex


def update_capacity(state: State) -> None:
    """Capacity installed this quarter (arrivals less retirements), unit cost and spot prices.

    The unit cost is the installed fleet's cost per eGW-quarter, all providers together:
    ``sum_v GW_v (c_v / life + opex per GW) / sum_v GW_v e_v``.

    Args:
        state: The market state; writes the providers' ``capacity`` (eGW), ``power_gw`` and
            ``price``, and the market's ``unit_cost`` and ``compute_per_gw``.
    """
    p, market = state.providers, state.market
    t, life = market.quarter, market.life_quarters
    window = slice(t + 1, t + life + 1)
    fleet = p.arrivals[:, window] * p.alive[:, None]
    compute = market.vintage_compute[window]
    p.power_gw[:] = fleet.sum(axis=1)
    p.capacity[:] = fleet @ compute
    opex = state.params.hyperscaler.operating_cost_per_gw
    per_gw_quarter = market.vintage_capex[window] / life + opex
    installed = fleet.sum(axis=0)
    total_compute = float(installed @ compute)
    if total_compute > 0:
        market.unit_cost = float(installed @ per_gw_quarter) / total_compute
        market.compute_per_gw = total_compute / float(installed.sum())
    else:  # no fleet: the newest vintage's cost
        market.unit_cost = float(per_gw_quarter[-1] / compute[-1])
        market.compute_per_gw = float(compute[-1])
    p.price[:] = market.unit_cost * (1.0 + p.markup)


def additions_cap_gw(state: State, quarter: int) -> float:
    """GW that may arrive in ``quarter`` for all providers together: a quarter of the curve.

    ``A(year) / 4 = max_additions_gw * (1 + additions_growth)^(year - 2026) / 4``, with ``year``
    the calendar time of ``quarter``.
    """
    s = state.params.supply
    years = calendar_year(state.params.market, quarter) - CURVE_BASE_YEAR
    return s.max_additions_gw * (1.0 + s.additions_growth) ** years / 4.0


def allot_additions(state: State, wanted_gw: np.ndarray) -> np.ndarray:
    """Share out the GW that may arrive after the build lag, and price that vintage.

    Every provider's order for this quarter arrives at ``t + lag``. If the orders exceed the room
    the supply curve leaves in that quarter (its GW less what is already due then), each provider
    is allotted the same fraction of its order (pro rata); what it cannot place it may order again
    next quarter. The vintage's capex per GW rises with the pressure on the curve,
    ``rho = GW due then / curve's GW``: ``c_v (1 + congestion_premium * rho^2)``.

    Args:
        state: The market state; writes ``supply_pressure`` and the vintage's ``vintage_capex``.
        wanted_gw: GW each provider wants to order this quarter (0 for failed providers).

    Returns:
        GW each provider may order this quarter.
    """
    market, p = state.market, state.providers
    arrival = market.quarter + state.params.hyperscaler.build_lag_quarters
    column = arrival + market.life_quarters
    cap = additions_cap_gw(state, arrival)
    scheduled = float(p.arrivals[:, column] @ p.alive)
    wanted = np.maximum(wanted_gw, 0.0) * p.alive
    total = float(wanted.sum())
    room = max(cap - scheduled, 0.0)
    allotted = wanted * min(1.0, room / total) if total > 0 else wanted
    pressure = min((scheduled + float(allotted.sum())) / cap, 1.0)
    market.supply_pressure = pressure
    supply, life = state.params.supply, market.life_quarters
    base = vintage_capex([column], life, state.params.hyperscaler.capex_per_gw, supply)
    market.vintage_capex[column] = float(base[0]) * (1.0 + supply.congestion_premium * pressure**2)
    return allotted


def reference_price(providers: ProviderState, unit_cost_per_egw: float) -> float:
    """Capacity-weighted mean spot price, $B per eGW-quarter (labs budget training with it)."""
    p = providers
    weight = p.capacity * p.alive
    return float((p.price * weight).sum() / weight.sum()) if weight.sum() > 0 else unit_cost_per_egw


def pair_prices(labs: LabState, providers: ProviderState, unit_cost_per_egw: float) -> np.ndarray:
    """Price each lab pays at each provider for non-contract compute, $B per eGW-quarter.

    The spot price less the lab's deal discount there; an in-house lab pays unit cost at its owner.
    """
    price = providers.price[None, :] * (1.0 - labs.discount)
    in_house = labs.owner >= 0
    if in_house.any():
        rows = np.flatnonzero(in_house)
        price[rows, labs.owner[rows]] = unit_cost_per_egw
    return price
