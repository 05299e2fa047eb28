"""Market clearing: allocate the labs' compute needs to the providers' capacity, all in numpy.

Order of service (model.md, Market clearing): reserved contracts first, then commitments at the
investor, then exclusive and in-house demand at the investor or owner, then everything else by
effective cost, split by the labs' own rule (:func:`computemarket.agents.lab.open_demand_weights`).
An oversubscribed provider rations pro rata, or, when ``self_preferencing`` is on, serves its
affiliated labs (stake or in-house) first. Rationed demand spills to the other providers in later
rounds; what no provider can serve is unmet.

Arrays are labs x providers (``L x P``); no Python loop runs over labs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from computemarket.agents.lab import open_demand_weights, tied_provider
from computemarket.simulation.contracts import contract_matrix
from computemarket.simulation.numerics import snap_to_zero
from computemarket.simulation.state import State

SPILL_ROUNDS = 3
"""Rounds in which rationed open demand looks for another provider."""


@dataclass
class ClearingInput:
    """Everything the clearing needs, as arrays.

    Attributes:
        need: GW each lab wants this quarter, shape (L,).
        capacity: GW each provider has, shape (P,); 0 for a failed provider.
        cost: Effective cost per GW of each lab at each provider for open demand (price after discount
            plus the switching cost of moving there), shape (L, P).
        contract_gw: GW reserved under a contract, shape (L, P).
        commit_gw: GW the lab must take at the investor this quarter to meet its commitment, (L, P).
        tied_to: Provider that takes all remaining demand (exclusivity or in-house owner), or -1, (L,).
        affiliated: Whether the provider holds a stake in or owns the lab, (L, P) bool.
        self_preferencing: Serve affiliated labs first when rationing.
        price_sensitivity: Logit sensitivity of open demand to relative cost (higher: cheapest wins).
    """

    need: np.ndarray
    capacity: np.ndarray
    cost: np.ndarray
    contract_gw: np.ndarray
    commit_gw: np.ndarray
    tied_to: np.ndarray
    affiliated: np.ndarray
    self_preferencing: bool
    price_sensitivity: float


@dataclass
class ClearingResult:
    """Served GW by tier, labs x providers, and the unmet rest.

    Attributes:
        contract: Served under reserved contracts.
        committed: Served to meet commitments at the investor.
        tied: Served under exclusivity or at the in-house owner.
        open: Served by choice of effective cost.
        unmet: GW no provider could serve, (L,).
        rationed: Unmet GW by provider, (P,): each lab's unmet demand shared by the providers
            that turned it away, in proportion to what each turned away; it adds up to the unmet
            demand of the labs that were turned away somewhere.
        committed_requested: Commitment GW asked for in the commitment tier (within need), (L, P);
            minus ``committed`` it is what providers failed to deliver.
    """

    contract: np.ndarray
    committed: np.ndarray
    tied: np.ndarray
    open: np.ndarray
    unmet: np.ndarray
    rationed: np.ndarray
    committed_requested: np.ndarray

    @property
    def served(self) -> np.ndarray:
        """All GW served, labs x providers."""
        return self.contract + self.committed + self.tied + self.open


def ration(
    demand: np.ndarray, capacity: np.ndarray, affiliated: np.ndarray, self_preferencing: bool
) -> np.ndarray:
    """Serve demand (L x P) within capacity (P,), pro rata or affiliated labs first.

    Returns:
        Served GW, labs x providers, never above demand nor, per provider, above capacity.
    """
    total = demand.sum(axis=0)
    if not self_preferencing:
        fill = np.divide(capacity, total, out=np.ones_like(total), where=total > capacity)
        return demand * np.minimum(fill, 1.0)
    first = np.where(affiliated, demand, 0.0)
    rest = demand - first
    first_total = first.sum(axis=0)
    fill_first = np.divide(
        capacity, first_total, out=np.ones_like(first_total), where=first_total > capacity
    )
    fill_first = np.minimum(fill_first, 1.0)
    left = np.maximum(capacity - first_total * fill_first, 0.0)
    rest_total = rest.sum(axis=0)
    fill_rest = np.divide(left, rest_total, out=np.ones_like(rest_total), where=rest_total > left)
    return first * fill_first + rest * np.minimum(fill_rest, 1.0)


def clear_market(inp: ClearingInput) -> ClearingResult:
    """Allocate compute for one quarter.

    Args:
        inp: Demand, capacity, prices and the ties between labs and providers.

    Returns:
        Served GW by tier and what stayed unmet.
    """
    n_labs, n_providers = inp.cost.shape
    capacity = inp.capacity.astype(float)  # copies
    remaining = inp.need.astype(float)
    turned_away = np.zeros((n_labs, n_providers))
    # Leftovers below ROUNDING of the start are rounding: whether a provider still has capacity
    # must not hang on the last bits of a float.
    capacity_start, need_start = capacity.copy(), remaining.copy()

    def serve(demand: np.ndarray) -> np.ndarray:
        nonlocal capacity, remaining
        got = ration(demand, capacity, inp.affiliated, inp.self_preferencing)
        turned_away[:] += demand - got
        capacity = snap_to_zero(np.maximum(capacity - got.sum(axis=0), 0.0), capacity_start)
        remaining = snap_to_zero(np.maximum(remaining - got.sum(axis=1), 0.0), need_start)
        return got

    # 1. Reserved contracts, up to what the lab needs.
    contract_demand = _cap_rows(inp.contract_gw, remaining)
    contract = serve(contract_demand)
    # 2. Commitments at the investor.
    committed_requested = _cap_rows(inp.commit_gw, remaining)
    committed = serve(committed_requested)
    # 3. Exclusive or in-house: all remaining demand at the tied provider.
    tied_demand = np.zeros((n_labs, n_providers))
    has_tie = inp.tied_to >= 0
    tied_demand[np.flatnonzero(has_tie), inp.tied_to[has_tie]] = remaining[has_tie]
    tied = serve(tied_demand)
    # 4. Open demand by effective cost, spilling over when rationed.
    open_served = np.zeros((n_labs, n_providers))
    for _ in range(SPILL_ROUNDS):
        if remaining.sum() <= 0 or capacity.sum() <= 0:
            break
        weights = open_demand_weights(inp.cost, capacity > 0, inp.price_sensitivity)
        open_served += serve(weights * remaining[:, None])
    # A lab's demand that stays unmet counts once, shared by the providers that turned it away
    # (in every tier and spill round, the same GW may have been turned away several times).
    asked = turned_away.sum(axis=1, keepdims=True)
    blame = np.divide(turned_away, asked, out=np.zeros_like(turned_away), where=asked > 0)
    rationed = (blame * remaining[:, None]).sum(axis=0)
    return ClearingResult(
        contract, committed, tied, open_served, remaining, rationed, committed_requested
    )


def clearing_input(
    state: State, pair_price: np.ndarray, cost: np.ndarray, due: np.ndarray
) -> ClearingInput:
    """The clearing's arrays, from this quarter's prices, effective costs and commitments due.

    Args:
        state: The market state.
        pair_price: Price of non-contract compute, labs x providers.
        cost: Effective cost of open demand, labs x providers.
        due: Take-or-pay $B due this quarter, labs x providers.
    """
    labs, p, quarter = state.labs, state.providers, state.market.quarter
    commit_gw = due / np.maximum(pair_price, 1e-12)
    affiliated = labs.stake > 0
    if (labs.owner >= 0).any():
        rows = np.flatnonzero(labs.owner >= 0)
        affiliated[rows, labs.owner[rows]] = True
    return ClearingInput(
        need=labs.need,
        capacity=p.capacity,
        cost=cost,
        contract_gw=contract_matrix(labs, quarter),
        commit_gw=commit_gw * p.alive[None, :],
        tied_to=tied_provider(labs.owner, labs.exclusive_end, p.alive, quarter),
        affiliated=affiliated,
        self_preferencing=state.params.rules.self_preferencing,
        price_sensitivity=state.params.lab.provider_price_sensitivity,
    )


def _cap_rows(demand: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """Scale each row of ``demand`` down so that it adds up to at most ``limit``."""
    total = demand.sum(axis=1)
    scale = np.divide(limit, total, out=np.ones_like(total), where=total > limit)
    return demand * np.minimum(scale, 1.0)[:, None]
