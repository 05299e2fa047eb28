"""Initialisation (docs/model.md §5): the market at quarter 0, from a scenario and a seed.

Listed firms come first, the rest are generated; opening cash is booked from the world; shares
come from the data (listed labs) or the logit (generated labs); quality is set to reproduce the
shares; labs hold contracts at their home provider; a first clearing sets where workloads run. No
money moves in the first clearing.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from computemarket.agents.hyperscaler import fleet_depreciation, operating_cash_flows
from computemarket.agents.lab import (
    effective_cost,
    target_shares,
    track_revenue,
    training_budget,
)
from computemarket.simulation.clearing import clear_market, clearing_input
from computemarket.simulation.contracts import commitment_due
from computemarket.simulation.demand import (
    inclusive_value,
    lab_demand,
    outside_utility,
    training_shares,
)
from computemarket.simulation.entry import productivity_draws
from computemarket.simulation.ledger import EXTERNAL, Ledger
from computemarket.simulation.lending import lending_capacity, provider_terms
from computemarket.simulation.scenario import Scenario
from computemarket.simulation.state import LabState, MarketState, State, provider_state
from computemarket.simulation.supply import (
    additions_cap_gw,
    arrival_columns,
    initial_fleet_quarters,
    pair_prices,
    reference_price,
    unit_cost,
    update_capacity,
    vintage_capex,
    vintage_compute,
)


def initial_state(scenario: Scenario, years: int) -> State:
    """An empty market: scalars at their starting values, no firms yet.

    Args:
        scenario: The resolved scenario.
        years: The run's horizon (sizes the capacity tables; they grow if a run goes longer).
    """
    hp, m = scenario.hyperscaler, scenario.market
    life = 4 * hp.hardware_life_years
    market = MarketState(
        life_quarters=life,
        unit_cost=unit_cost(hp),
        ai_market=m.ai_revenue,
        growth=m.ai_revenue_growth,
        inference_intensity=m.inference_gw_per_revenue,
        egress_fee=scenario.rules.egress_fee,
        outside_share=m.outside_share,
        fringe_revenue=m.fringe_cloud_revenue,
    )
    market.lending_capacity = market.lending_left = lending_capacity(scenario.credit, 0.0, 1.0)
    n_providers = scenario.population.hyperscalers
    columns = arrival_columns(life, 4 * years, hp.build_lag_quarters)
    market.adoption_trend = m.ai_revenue
    market.vintage_compute = vintage_compute(columns, life, scenario.supply)
    market.vintage_capex = vintage_capex(columns, life, hp.capex_per_gw, scenario.supply)
    return State(
        params=scenario,
        market=market,
        providers=provider_state(n_providers, columns),
        labs=LabState(n_providers),
        ledger=Ledger(),
    )


def provider_specs(state: State, rng: np.random.Generator) -> list[dict[str, Any]]:
    """Every provider's starting values: the listed ones, then the generated ones.

    Generated providers get ``hyperscaler.initial_capacity_gw`` times a mean-one log-normal draw;
    the last ``population.neoclouds`` of them are neoclouds.
    """
    s, hp = state.params, state.params.hyperscaler
    specs: list[dict[str, Any]] = [dict(spec.__dict__) for spec in s.hyperscalers]
    n_generated = s.population.hyperscalers - len(specs)
    sigma = hp.capacity_dispersion
    draws = (
        rng.lognormal(-0.5 * sigma**2, sigma, n_generated) if sigma > 0 else np.ones(n_generated)
    )
    for k in range(n_generated):
        neocloud = k >= n_generated - s.population.neoclouds
        letter = chr(ord("A") + k % 26) + (str(k // 26) if k >= 26 else "")
        if neocloud:
            specs.append(
                {
                    "name": f"Neocloud {letter}",
                    "capacity_gw": hp.neocloud_capacity_gw,
                    "cash": hp.neocloud_cash,
                    "debt": hp.neocloud_debt,
                    "non_ai_revenue": 0.0,
                    "other_cash_flow": 0.0,
                    "interest_rate": -1.0,
                    "neocloud": True,
                    "markup": hp.neocloud_markup,
                }
            )
        else:
            specs.append(
                {
                    "name": f"Cloud {letter}",
                    "capacity_gw": hp.initial_capacity_gw * float(draws[k]),
                    "cash": hp.initial_cash,
                    "debt": 0.0,
                    "non_ai_revenue": hp.non_ai_revenue,
                    "other_cash_flow": hp.other_cash_flow,
                    "interest_rate": -1.0,
                    "neocloud": False,
                }
            )
    return specs


def build_providers(state: State, rng: np.random.Generator) -> None:
    """Fill the provider arrays, open their accounts and book their opening cash.

    Each fleet is spread evenly over the past half hardware life; orders already in flight arrive
    over the build lag (:func:`book_orders_in_flight`).
    """
    hp, p, market = state.params.hyperscaler, state.providers, state.market
    life = market.life_quarters
    young = initial_fleet_quarters(life)
    for i, spec in enumerate(provider_specs(state, rng)):
        p.account[i] = state.ledger.open_account()
        state.provider_names.append(spec["name"])
        state.ledger.book(EXTERNAL, p.account[i], spec["cash"], "opening_balance")
        p.debt[i] = spec["debt"]
        p.interest_rate[i] = spec["interest_rate"]
        p.neocloud[i] = spec["neocloud"]
        p.non_ai_revenue[i] = spec["non_ai_revenue"]
        p.other_cash_flow[i] = spec["other_cash_flow"]
        p.captive[i] = spec.get("captive", False)
        p.other_capex[i] = spec.get("other_capex", 0.0)
        leverage = spec.get("target_leverage", -1.0)
        p.target_leverage[i] = state.params.credit.target_leverage if leverage < 0 else leverage
        p.outside_backlog[i] = spec.get("outside_backlog", 0.0)
        default_markup = hp.neocloud_markup if spec["neocloud"] else hp.initial_markup
        markup = spec.get("markup", -1.0)
        p.markup[i] = default_markup if markup < 0 else markup
        p.arrivals[i, life - young + 1 : life + 1] = spec["capacity_gw"] / young
    book_orders_in_flight(state)
    update_capacity(state)
    market.initial_price = reference_price(p, market.unit_cost)


def book_orders_in_flight(state: State) -> None:
    """Orders placed before the start: their arrivals over the build lag and the capex still due.

    Each provider's capacity grows at ``supply.pipeline_growth`` over the build lag: quarter ``k``
    (1..lag) brings ``C ((1 + g)^(k/4) - (1 + g)^((k-1)/4))`` GW, scaled down pro rata where all
    providers together exceed the supply curve's GW for that quarter. An order arriving in
    quarter ``k`` was paid evenly over the ``lag`` quarters before it, at its vintage's capex per
    GW: the instalments of quarters 1..k-1 are still due (earlier ones were paid before the start).
    """
    p, market, params = state.providers, state.market, state.params
    life, lag = market.life_quarters, params.hyperscaler.build_lag_quarters
    installed = p.arrivals[:, life - initial_fleet_quarters(life) + 1 : life + 1].sum(axis=1)
    growth = (1.0 + params.supply.pipeline_growth) ** 0.25
    for k in range(1, lag + 1):
        column = life + k
        orders = installed * (growth**k - growth ** (k - 1))
        total = float(orders.sum())
        cap = additions_cap_gw(state, k)
        p.arrivals[:, column] = orders * (min(1.0, cap / total) if total > 0 else 0.0)
        instalment = p.arrivals[:, column] * market.vintage_capex[column] / lag
        for quarter in range(max(1, k - lag), k):
            p.capex_due[:, life + quarter] += instalment


def build_labs(state: State, rng: np.random.Generator) -> np.ndarray:
    """Fill the lab arrays, open their accounts and book their opening cash.

    Listed labs come first; generated labs get a quality draw, a share of
    ``lab.total_initial_cash`` and a home provider drawn in proportion to capacity; the first
    ``population.in_house_labs`` belong to the largest non-neocloud providers in turn.

    Returns:
        The labs' initial revenue, $B per quarter (0 for generated labs).
    """
    s, lp, labs, p = state.params, state.params.lab, state.labs, state.providers
    names = {name: i for i, name in enumerate(state.provider_names)}
    specs = [dict(lab.__dict__) for lab in s.labs]
    n_generated = s.population.labs - len(specs)
    quality = rng.normal(0.0, lp.quality_dispersion, n_generated) if n_generated else np.zeros(0)
    weights = rng.lognormal(0.0, lp.initial_cash_dispersion, n_generated)
    cash = lp.total_initial_cash * weights / weights.sum() if n_generated else np.zeros(0)
    big = [i for i in np.argsort(-p.capacity, kind="stable") if not (p.neocloud[i] or p.captive[i])]
    for k in range(n_generated):
        owner = ""
        if k < s.population.in_house_labs and big:
            owner = state.provider_names[big[k % len(big)]]
        specs.append(
            {
                "name": f"{'In-house' if owner else 'Lab'} {k + 1}",
                "cash": float(cash[k]),
                "quality": float(quality[k]),
                "owner": owner,
                "provider": "",
                "revenue": 0.0,
            }
        )
    rows = labs.add(len(specs))
    listed = len(s.labs)
    labs.productivity[rows[:listed]] = [lab.productivity for lab in s.labs]
    labs.productivity[rows[listed:]] = productivity_draws(state, n_generated, rng)
    capacity = np.where(p.captive, 0.0, p.capacity)
    for row, spec in zip(rows, specs, strict=True):
        labs.account[row] = state.ledger.open_account()
        state.lab_names.append(spec["name"])
        state.ledger.book(EXTERNAL, labs.account[row], spec["cash"], "opening_balance")
        labs.stock[row] = math.exp(spec["quality"])  # rescaled in start_market
        owner = names.get(spec["owner"], -1) if s.rules.hyperscaler_equity else -1
        labs.owner[row] = owner
        home = names.get(spec["provider"], -1)
        if owner >= 0:
            home = owner
        elif home < 0:
            home = int(rng.choice(capacity.size, p=capacity / capacity.sum()))
        labs.allocation[row, home] = 1.0  # placeholder weight, scaled to the need in start_market
        labs.independent_stake[row] = 0.0 if owner >= 0 else lp.initial_outside_stake
    return np.array([spec["revenue"] for spec in specs])


def initial_shares(state: State, initial_revenue: np.ndarray) -> np.ndarray:
    """Starting market shares: listed labs' revenue over the market; the rest by the logit.

    Generated labs share what listed labs and the outside option (``market.outside_share``)
    leave, in proportion to ``exp(quality_weight * quality)``; with no listed revenue that is the
    plain logit. When listed revenue leaves nothing, the outside option shrinks instead and
    generated labs start with a token share.
    """
    m = state.params.market
    logit, _ = target_shares(np.log(state.labs.stock), -np.inf, m.quality_weight)
    listed = initial_revenue > 0
    shares = np.where(listed, initial_revenue / state.market.ai_market, 0.0)
    generated = ~listed
    if generated.any():
        rest = max(1.0 - m.outside_share - float(shares.sum()), 1e-6 * generated.sum())
        weight = np.where(generated, logit, 0.0)
        shares += rest * weight / weight.sum()
    return shares


def start_market(state: State, initial_revenue: np.ndarray, rng: np.random.Generator) -> None:
    """Set the starting quality scale, outside option, contracts and allocation (no money moves)."""
    m, labs, market, p = state.params.market, state.labs, state.market, state.providers
    labs.share[:] = initial_shares(state, initial_revenue)
    market.outside_share = 1.0 - float(labs.share.sum())
    if m.quality_weight > 0:
        # Quality consistent with the shares under the logit (it is defined up to a constant).
        labs.stock[:] = np.exp(np.log(np.maximum(labs.share, 1e-12)) / m.quality_weight)
    labs.potential_revenue[:] = labs.share * market.ai_market
    labs.burn[:] = np.maximum(
        state.params.lab.fixed_opex, state.params.lab.initial_burn_share * labs.potential_revenue
    )
    budget = training_budget(
        state.ledger.cash[labs.account],
        labs.burn,
        labs.potential_revenue,
        training_shares(state),
        state.params.lab,
    )
    training_gw = budget / reference_price(p, market.unit_cost)
    # Scale the stock so that the initial training flow just replaces obsolescence.
    scale = max(float(training_gw.mean()) / max(m.quality_depreciation, 1e-9), 1e-9)
    labs.stock[:] = scale * labs.stock
    quality = np.log(labs.stock)
    # The outside option trails the frontier by a fixed gap that gives the initial outside share.
    if market.outside_share > 0:
        lab_mass = np.exp(m.quality_weight * (quality - quality.max())).sum()
        odds = market.outside_share / (1.0 - market.outside_share)
        outside_level = math.log(odds * lab_mass)
        market.outside_gap = -outside_level / m.quality_weight if m.quality_weight > 0 else 0.0
    market.initial_inclusive_value = market.inclusive_value = inclusive_value(
        quality, outside_utility(state, float(quality.max())), m.quality_weight
    )
    lab_demand(state, update_shares=False)
    weights = labs.allocation / labs.allocation.sum(axis=1, keepdims=True)
    labs.allocation[:] = weights * labs.need[:, None]
    # Independent labs start with a contract at their home provider, with staggered expiry.
    terms = state.params.contracts
    independent = labs.owner < 0
    home = labs.allocation.argmax(axis=1)
    labs.contract_provider[:] = np.where(independent, home, -1)
    labs.contract_gw[:] = np.where(independent, terms.reserved_fraction * labs.need, 0.0)
    price = p.price[home] * (1.0 - terms.reserved_discount)
    labs.contract_price[:] = np.where(independent, price, 0.0)
    labs.contract_end[:] = np.where(
        independent, rng.integers(1, terms.term_quarters + 1, len(labs)), -1
    )
    pair_price = pair_prices(labs, p, market.unit_cost)
    cost = effective_cost(
        pair_price,
        labs.allocation,
        state.params.rules.switching_cost + market.egress_fee,
        labs.owner,
        p.captive,
    )
    result = clear_market(clearing_input(state, pair_price, cost, commitment_due(labs, 0)))
    served = result.served
    labs.allocation[:] = served
    labs.served[:] = served.sum(axis=1)
    labs.revenue[:] = labs.potential_revenue
    spend = served * pair_price
    labs.spend[:] = spend.sum(axis=1)
    labs.billed[:] = spend
    p.ai_revenue[:] = spend.sum(axis=0)
    own = labs.owner[:, None] == np.arange(p.alive.size)[None, :]
    p.external_revenue[:] = np.where(own, 0.0, spend).sum(axis=0)
    p.served[:] = served.sum(axis=0)
    p.demand_seen[:] = p.served + result.rationed
    p.demand_level[:] = p.demand_seen
    # Providers start out expecting demand to grow with AI spending.
    p.demand_growth[:] = (1.0 + m.ai_revenue_growth) ** 0.25 - 1.0
    # Labs start growing with the market (valuation inputs), and lenders quote the providers.
    track_revenue(labs, market.growth, state.params.valuation.growth_smoothing)
    price_opening_debt(state)


def price_opening_debt(state: State) -> None:
    """Quote every provider's rate at the start; debt the scenario does not price starts at it.

    A provider whose ``interest_rate`` is -1 (the default) pays on its opening debt the rate lenders
    quote it at the start (:func:`~computemarket.simulation.lending.provider_terms`), its coverage
    computed at a BBB borrower's rate (``credit.base_rate + credit.bbb_spread``).
    """
    p, hp, cp = state.providers, state.params.hyperscaler, state.params.credit
    revenue = p.ai_revenue + p.non_ai_revenue
    rate, _ = provider_terms(
        p.neocloud,
        operating_cash_flows(p, hp),
        fleet_depreciation(
            p.arrivals,
            state.market.vintage_capex,
            state.market.quarter + state.market.life_quarters,
            state.market.life_quarters,
            hp,
        ),
        p.debt * (cp.base_rate + cp.bbb_spread),
        np.divide(p.non_ai_revenue, revenue, out=np.zeros_like(revenue), where=revenue > 0),
        0.0,
        0.0,
        state.market.credit_conditions,
        cp,
    )
    p.lending_rate[:] = rate
    p.interest_rate[:] = np.where(p.interest_rate < 0, rate, p.interest_rate)
    p.debt_ceiling[:] = p.debt  # lenders set ceilings each quarter, before the providers' finance
