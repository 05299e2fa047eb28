"""Environment (docs/model.md §7.1): the adoption trend, technology, other businesses, capital, rules.

Everything here is exogenous to the agents' decisions except investor sentiment, which failures
lower (see :func:`computemarket.simulation.distress.exit_lab`) and which recovers here. End-user
spending moves around the adoption trend with prices and quality
(:func:`computemarket.simulation.demand.end_user_demand`).
"""

from __future__ import annotations

import math

from computemarket.simulation.parameters import MarketParams
from computemarket.simulation.state import State


def calendar_year(market: MarketParams, quarter: int) -> float:
    """Calendar time of a quarter, e.g. 2027.25 for the second quarter of 2027.

    Args:
        market: The scenario's market parameters (start year and quarter).
        quarter: Quarters elapsed since the start.
    """
    return market.start_year + (market.start_quarter - 1) / 4 + quarter / 4


def ai_revenue_growth(market: MarketParams, years: float) -> float:
    """Annual growth of the adoption trend after ``years``: decaying to the long-run rate.

    ``g(y) = g_L + (g_0 - g_L) exp(-y / growth_decay_years)``, or the shock's growth once a demand
    shock has hit.
    """
    if market.demand_shock and years >= market.demand_shock_year:
        return market.demand_shock_growth
    decay = math.exp(-years / market.growth_decay_years)
    return (
        market.ai_revenue_growth_long_run
        + (market.ai_revenue_growth - market.ai_revenue_growth_long_run) * decay
    )


def advance_environment(state: State) -> None:
    """Move the exogenous environment to the state's (new) quarter.

    Updates the adoption trend (and end-user spending at last quarter's prices and quality, until
    :func:`~computemarket.simulation.demand.end_user_demand` sees this quarter's), algorithmic
    efficiency of training, the providers' non-AI revenue, other cash flow and other capex, the
    cloud fringe, investor sentiment and the independent capital pool, and the egress fee the
    rules allow.
    """
    m, rules, cap = state.params.market, state.params.rules, state.params.capital
    market, p = state.market, state.providers
    years = market.quarter / 4
    market.growth = ai_revenue_growth(m, years)
    market.adoption_trend *= (1.0 + market.growth) ** 0.25
    market.ai_market = market.adoption_trend * market.demand_factor
    # Hardware gains are in the compute unit (eGW, by vintage); algorithms multiply training.
    market.compute_efficiency = m.algorithmic_gain**years
    quarterly = (1.0 + m.non_ai_cloud_growth) ** 0.25
    p.non_ai_revenue *= quarterly
    p.other_cash_flow *= quarterly
    # Other capex follows its own trend, decaying towards the non-AI growth like AI spending does.
    capex_growth = m.non_ai_cloud_growth + (
        m.other_capex_growth - m.non_ai_cloud_growth
    ) * math.exp(-years / m.other_capex_decay_years)
    p.other_capex *= (1.0 + capex_growth) ** 0.25
    market.fringe_revenue *= quarterly
    market.sentiment += cap.sentiment_recovery * (1.0 - market.sentiment)
    market.capital_pool = cap.pool_ratio * market.ai_market * market.sentiment
    banned = (
        rules.switching_charge_ban
        and calendar_year(m, market.quarter) >= rules.switching_charge_ban_year
    )
    market.egress_fee = 0.0 if banned else rules.egress_fee
