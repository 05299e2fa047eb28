"""Recording (docs/model.md §8): the quarter's metrics, the agents' rows and the run's tables."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import mesa
import numpy as np
import pandas as pd

from computemarket.agents.lab import lab_valuations
from computemarket.simulation import metrics as mx
from computemarket.simulation.contracts import quarters_left
from computemarket.simulation.deals import DEAL_COLUMNS
from computemarket.simulation.environment import calendar_year
from computemarket.simulation.lending import bbb_spread
from computemarket.simulation.scenario import Scenario
from computemarket.simulation.state import State

METRIC_COLUMNS = (
    "quarter",
    "year",
    "cloud_hhi",
    "capacity_hhi",
    "cloud_market_hhi",
    "model_hhi",
    "cloud_cr1",
    "cloud_cr3",
    "model_cr1",
    "effective_clouds",
    "active_labs",
    "lab_entries",
    "lab_exits",
    "locked_share",
    "contracted_share",
    "max_provider_share",
    "switching_rate",
    "switching_cost_ratio",
    "roundtrip_ratio",
    "circular_revenue_share",
    "utilization",
    "unmet_share",
    "inference_share",
    "lab_gross_margin",
    "lab_cost_ratio",
    "training_spend_ratio",
    "written_off",
    "ledger_imbalance",
    "ai_market",
    "end_user_spend",
    "adoption_trend",
    "consumer_surplus",
    "outside_share",
    "capacity_gw",
    "capex",
    "compute_price_index",
    "compute_per_gw",
    "supply_pressure",
    "hyperscaler_investment",
    "independent_investment",
    "acquisitions",
    "hyperscaler_failures",
    "provider_debt",
    "lab_debt",
    "lending_rate_min",
    "lending_rate_max",
    "bbb_spread",
    "credit_conditions",
    "lending_capacity",
    "new_lending",
    "defaulted_debt",
    "restructurings",
    "commitments_written_down",
    "stake_value",
)
"""Columns of the quarterly metrics table, in order (defined in docs/model.md, Metrics)."""

METRIC_UNITS: dict[str, str] = {
    "quarter": "quarters from the start",
    "year": "calendar year",
    "cloud_hhi": "HHI points (0-10,000)",
    "capacity_hhi": "HHI points (0-10,000)",
    "cloud_market_hhi": "HHI points (0-10,000)",
    "model_hhi": "HHI points (0-10,000)",
    "cloud_cr1": "fraction",
    "cloud_cr3": "fraction",
    "model_cr1": "fraction",
    "effective_clouds": "firms",
    "active_labs": "labs",
    "lab_entries": "labs per quarter",
    "lab_exits": "labs per quarter",
    "locked_share": "fraction",
    "contracted_share": "fraction",
    "max_provider_share": "fraction",
    "switching_rate": "fraction per year",
    "switching_cost_ratio": "multiple of annual compute spend",
    "roundtrip_ratio": "fraction",
    "circular_revenue_share": "fraction",
    "utilization": "fraction",
    "unmet_share": "fraction",
    "inference_share": "fraction",
    "lab_gross_margin": "fraction of revenue",
    "lab_cost_ratio": "multiple of revenue",
    "training_spend_ratio": "multiple of revenue",
    "written_off": "$B per quarter",
    "ledger_imbalance": "$B",
    "ai_market": "$B per quarter",
    "end_user_spend": "$B per quarter",
    "adoption_trend": "$B per quarter",
    "consumer_surplus": "$B per quarter",
    "outside_share": "fraction",
    "capacity_gw": "GW",
    "capex": "$B per quarter",
    "compute_price_index": "index (start = 1)",
    "compute_per_gw": "eGW per GW",
    "supply_pressure": "fraction",
    "hyperscaler_investment": "$B per quarter",
    "independent_investment": "$B per quarter",
    "acquisitions": "events per quarter",
    "hyperscaler_failures": "events per quarter",
    "provider_debt": "$B",
    "lab_debt": "$B",
    "lending_rate_min": "per year",
    "lending_rate_max": "per year",
    "bbb_spread": "per year",
    "credit_conditions": "index (1 = normal)",
    "lending_capacity": "$B per quarter",
    "new_lending": "$B per quarter",
    "defaulted_debt": "$B per quarter",
    "restructurings": "events per quarter",
    "commitments_written_down": "$B per quarter",
    "stake_value": "$B",
}
"""Unit of each column of the metrics table as stored (a share is a fraction, 0-1), as docs/model.md
section 8 defines it. The store writes it into every file that holds the column."""

FIRM_METRIC_UNITS: dict[str, str] = {
    "cloud_share": "fraction",
    "cloud_market_share": "fraction",
    "roundtrip_ratio": "fraction",
    "debt": "$B",
    "interest_rate": "per year",
    "stake_value": "$B",
    "model_share": "fraction",
    "locked_share": "fraction",
    "revenue": "$B per quarter",
    "valuation": "$B",
    "lab_debt": "$B",
}
"""Unit of each per-firm metric column ``NAME[firm]`` (see :func:`firm_metric_columns`), by ``NAME``."""

INTEGER_METRICS = (
    "quarter",
    "active_labs",
    "lab_entries",
    "lab_exits",
    "acquisitions",
    "hyperscaler_failures",
    "restructurings",
)
"""Metric columns stored as int32."""

TABLES = ("metrics", "agents", "ledger", "deals")
"""The tables a run can keep (see :meth:`computemarket.ComputeMarket.tables`)."""


def kept_tables(tables: Collection[str]) -> tuple[str, ...]:
    """The tables a run keeps, in the order of :data:`TABLES`.

    Raises:
        ValueError: If ``tables`` names an unknown table or leaves out ``metrics``.
    """
    unknown = sorted(set(tables) - set(TABLES))
    if isinstance(tables, str) or unknown or "metrics" not in tables:
        raise ValueError(
            f"tables: expected some of {', '.join(TABLES)} including metrics, got {tables!r}"
        )
    return tuple(name for name in TABLES if name in tables)


def firm_metric_columns(scenario: Scenario) -> tuple[str, ...]:
    """Extra metric columns for the firms a scenario lists by name.

    For each listed hyperscaler: ``cloud_share[NAME]`` (of AI compute revenue),
    ``cloud_market_share[NAME]`` (of the whole cloud market, fringe included),
    ``roundtrip_ratio[NAME]``, ``debt[NAME]`` ($B), ``interest_rate[NAME]`` (average, per year)
    and ``stake_value[NAME]`` (its stakes in labs marked to market, $B); for each listed lab:
    ``model_share[NAME]`` (of labs' revenue), ``locked_share[NAME]``, ``revenue[NAME]`` ($B per
    quarter), ``valuation[NAME]`` and ``lab_debt[NAME]`` ($B). Generated firms get none.
    """
    columns: list[str] = []
    for spec in scenario.hyperscalers:
        columns += [
            f"cloud_share[{spec.name}]",
            f"cloud_market_share[{spec.name}]",
            f"roundtrip_ratio[{spec.name}]",
            f"debt[{spec.name}]",
            f"interest_rate[{spec.name}]",
            f"stake_value[{spec.name}]",
        ]
    for spec in scenario.labs:
        columns += [
            f"model_share[{spec.name}]",
            f"locked_share[{spec.name}]",
            f"revenue[{spec.name}]",
            f"valuation[{spec.name}]",
            f"lab_debt[{spec.name}]",
        ]
    return tuple(columns)


class MetricsCollector(mesa.DataCollector):
    """Mesa's DataCollector of the quarterly metrics, which the model computes itself each quarter.

    Each metric's reporter reads the model's latest value of it; :meth:`collect` appends those
    values directly rather than through Mesa's per-reporter dispatch and deep copy (the values are
    immutable scalars). The table it builds is the same.

    Args:
        latest: The model's latest value of each metric, by column name (read at each collect).
    """

    def __init__(self, latest: dict[str, float]) -> None:
        super().__init__(model_reporters={name: [latest.__getitem__, [name]] for name in latest})
        self._latest = latest

    def collect(self, model: mesa.Model) -> None:
        """Collect the latest metrics (and whatever agent reporters a user added, the Mesa way)."""
        if self.agent_reporters or self.agenttype_reporters:
            super().collect(model)
            return
        self._collection_steps.append(model.time)
        for name, values in self.model_vars.items():
            values.append(self._latest[name])


def quarter_metrics(state: State) -> dict[str, float]:
    """The metrics row of the state's quarter (docs/model.md §8), without per-firm columns."""
    labs, p, c, market = state.labs, state.providers, state.counters, state.market
    quarter = market.quarter
    revenue = p.ai_revenue * p.alive
    cloud_hhi = mx.hhi(revenue)
    lab_revenue, firm = mx.model_market_firms(labs.revenue, labs.owner, labs.alive, p.alive.size)
    firm_revenue = mx.grouped_sum(lab_revenue, firm)
    independent = labs.alive & (labs.owner < 0)
    spend = labs.spend[independent]
    total_spend = float(spend.sum())
    contract_spend = labs.contract_spend[independent].sum()
    # Cost of leaving every current provider: switching charges on a quarter's spend, plus the
    # take-or-pay and reserved-contract obligations still to pay; relative to annual spend.
    left = quarters_left(labs, quarter)
    obligations = labs.commit_remaining.sum(axis=1) + labs.contract_gw * labs.contract_price * left
    leaving = (state.params.rules.switching_cost + market.egress_fee) * labs.spend + obligations
    served_total = float(p.served.sum())
    capacity_total = float(p.capacity.sum())
    need_total = float(labs.need.sum())
    lab_served = labs.served[labs.alive]
    inference = float(np.minimum(labs.inference_need[labs.alive], lab_served).sum())
    lab_economics = lab_cost_ratios(state)
    demand = state.params.demand
    indebted = labs.alive & (labs.debt > 0)
    rates = np.concatenate([p.lending_rate[p.alive], labs.lending_rate[indebted]])
    return {
        "quarter": quarter,
        "year": calendar_year(state.params.market, quarter),
        "cloud_hhi": cloud_hhi,
        "capacity_hhi": mx.hhi(p.power_gw),
        "cloud_market_hhi": mx.hhi_with_fringe(
            (p.external_revenue + p.non_ai_revenue) * p.alive, market.fringe_revenue
        ),
        "model_hhi": mx.hhi(firm_revenue),
        "cloud_cr1": mx.concentration_ratio(revenue, 1),
        "cloud_cr3": mx.concentration_ratio(revenue, 3),
        "model_cr1": mx.concentration_ratio(firm_revenue, 1),
        "effective_clouds": mx.effective_number(cloud_hhi),
        "active_labs": int(labs.alive.sum()),
        "lab_entries": int(c["entries"]),
        "lab_exits": int(c["exits"]),
        "locked_share": mx.locked_share(labs.locked_spend[independent], spend),
        "contracted_share": float(contract_spend) / total_spend if total_spend > 0 else 0.0,
        "max_provider_share": mx.max_provider_share(labs.billed[independent]),
        "switching_rate": 4.0 * market.moved_gw / served_total if served_total > 0 else 0.0,
        "switching_cost_ratio": float(leaving[independent].sum()) / (4.0 * total_spend)
        if total_spend > 0
        else 0.0,
        "roundtrip_ratio": mx.roundtrip_ratio(
            float(p.circular_revenue.sum()), float(p.invested.sum())
        ),
        "circular_revenue_share": c["circular_revenue"] / float(revenue.sum())
        if revenue.sum() > 0
        else 0.0,
        "utilization": served_total / capacity_total if capacity_total > 0 else 0.0,
        "unmet_share": market.unmet_gw / need_total if need_total > 0 else 0.0,
        "inference_share": inference / float(lab_served.sum()) if lab_served.sum() > 0 else 0.0,
        **lab_economics,
        "written_off": c["written_off"],
        "ledger_imbalance": c["ledger_imbalance"],
        "ai_market": market.ai_market,
        "end_user_spend": float(labs.revenue[labs.alive].sum())
        + market.outside_share * market.ai_market,
        "adoption_trend": market.adoption_trend,
        "consumer_surplus": mx.consumer_surplus_change(
            market.adoption_trend,
            market.service_price_ratio,
            market.inclusive_value - market.initial_inclusive_value,
            demand.price_elasticity,
            demand.quality_elasticity,
        ),
        "outside_share": market.outside_share,
        "capacity_gw": float(p.power_gw.sum()),
        "capex": float(p.capex.sum()),
        "compute_price_index": market.compute_price_index,
        "compute_per_gw": market.compute_per_gw,
        "supply_pressure": market.supply_pressure,
        "hyperscaler_investment": c["hyperscaler_investment"],
        "independent_investment": c["independent_investment"],
        "acquisitions": int(c["acquisitions"]),
        "hyperscaler_failures": int(c["hyperscaler_failures"]),
        "provider_debt": float(p.debt[p.alive].sum()),
        "lab_debt": float(labs.debt[labs.alive].sum()),
        "lending_rate_min": float(rates.min()) if rates.size else 0.0,
        "lending_rate_max": float(rates.max()) if rates.size else 0.0,
        "bbb_spread": bbb_spread(market.credit_conditions, state.params.credit),
        "credit_conditions": market.credit_conditions,
        "lending_capacity": market.lending_capacity,
        "new_lending": c["new_lending"],
        "defaulted_debt": c["defaulted_debt"],
        "restructurings": int(c["restructurings"]),
        "commitments_written_down": c["commitments_written_down"],
        "stake_value": float(stake_values(state).sum()),
    }


def stake_values(state: State) -> np.ndarray:
    """Each provider's stakes in active labs marked to market, $B: ``sum_i stake_ip * V_i``.

    ``V_i`` is the lab's valuation (:func:`computemarket.agents.lab.lab_valuations`); labs a
    provider owns outright (in-house) are not stakes and are left out.
    """
    labs = state.labs
    value = np.where(labs.alive, lab_valuations(state), 0.0)
    return value @ labs.stake


def lab_cost_ratios(state: State) -> dict[str, float]:
    """The labs' economics this quarter, revenue-weighted over active labs with revenue.

    ``lab_gross_margin = 1 - sum(inference compute) / sum(revenue)``, inference compute being the
    inference share of each lab's GW served at its average price paid; ``lab_cost_ratio =
    sum(compute spend + operating costs) / sum(revenue)`` (above 1: the labs burn cash);
    ``training_spend_ratio = sum(compute spend - inference compute) / sum(revenue)``. All 0 when no
    lab has revenue.
    """
    labs, lp = state.labs, state.params.lab
    earning = labs.alive & (labs.revenue > 0)
    revenue = labs.revenue[earning]
    total = float(revenue.sum())
    if total <= 0:
        return dict.fromkeys(("lab_gross_margin", "lab_cost_ratio", "training_spend_ratio"), 0.0)
    served, spend = labs.served[earning], labs.spend[earning]
    inference = np.minimum(labs.inference_need[earning], served)
    inference_cost = spend * np.divide(
        inference, served, out=np.zeros_like(served), where=served > 0
    )
    opex = lp.opex_share * revenue + lp.fixed_opex
    return {
        "lab_gross_margin": 1.0 - float(inference_cost.sum()) / total,
        "lab_cost_ratio": float((spend + opex).sum()) / total,
        "training_spend_ratio": float((spend - inference_cost).sum()) / total,
    }


def firm_metrics(state: State) -> dict[str, float]:
    """Per-firm columns for the firms a scenario names (see :func:`firm_metric_columns`).

    Listed firms come first in the state's rows, so listed firm ``k`` is row ``k``.
    """
    labs, p = state.labs, state.providers
    values: dict[str, float] = {}
    ai_revenue = p.ai_revenue * p.alive
    cloud = (p.external_revenue + p.non_ai_revenue) * p.alive
    cloud_total = float(cloud.sum()) + state.market.fringe_revenue
    total = float(ai_revenue.sum())
    stakes = stake_values(state)
    valuations = lab_valuations(state)
    for h, spec in enumerate(state.params.hyperscalers):
        values[f"cloud_share[{spec.name}]"] = float(ai_revenue[h]) / total if total > 0 else 0.0
        values[f"cloud_market_share[{spec.name}]"] = (
            float(cloud[h]) / cloud_total if cloud_total > 0 else 0.0
        )
        invested = float(p.invested[h])
        values[f"roundtrip_ratio[{spec.name}]"] = (
            float(p.circular_revenue[h]) / invested if invested > 0 else 0.0
        )
        values[f"debt[{spec.name}]"] = float(p.debt[h])
        values[f"interest_rate[{spec.name}]"] = float(p.interest_rate[h]) if p.alive[h] else 0.0
        values[f"stake_value[{spec.name}]"] = float(stakes[h])
    lab_total = float(labs.revenue[labs.alive].sum())
    for i, spec in enumerate(state.params.labs):
        alive = bool(labs.alive[i])
        values[f"model_share[{spec.name}]"] = (
            float(labs.revenue[i]) / lab_total if alive and lab_total > 0 else 0.0
        )
        spend = float(labs.spend[i])
        values[f"locked_share[{spec.name}]"] = (
            float(labs.locked_spend[i]) / spend if alive and spend > 0 else 0.0
        )
        values[f"revenue[{spec.name}]"] = float(labs.revenue[i]) if alive else 0.0
        values[f"valuation[{spec.name}]"] = float(valuations[i]) if alive else 0.0
        values[f"lab_debt[{spec.name}]"] = float(labs.debt[i]) if alive else 0.0
    return values


def agent_rows(state: State) -> dict[str, np.ndarray]:
    """One row per provider and per active (or just exited) lab for the state's quarter.

    A lab that exited this quarter keeps its last row, with ``alive`` False.
    """
    labs, p, cash, quarter = state.labs, state.providers, state.ledger.cash, state.market.quarter
    n_p = p.alive.size
    revenue = p.ai_revenue * p.alive
    total = revenue.sum()
    cloud_revenue = (p.external_revenue + p.non_ai_revenue) * p.alive
    cloud_total = float(cloud_revenue.sum()) + state.market.fringe_revenue
    shown = np.flatnonzero(labs.alive | (labs.exited == quarter))
    lab_rev = labs.revenue[shown]
    lab_total = lab_rev.sum()
    lab_spend = labs.spend[shown]
    n_l = shown.size
    nan_p, nan_l = np.full(n_p, np.nan), np.full(n_l, np.nan)
    return {
        "quarter": np.full(n_p + n_l, quarter, dtype=np.int32),
        "row": np.concatenate([np.arange(n_p), shown]),
        "is_lab": np.concatenate([np.zeros(n_p, bool), np.ones(n_l, bool)]),
        "cash": np.concatenate([cash[p.account], cash[labs.account[shown]]]),
        "debt": np.concatenate([p.debt, labs.debt[shown]]),
        "interest_rate": np.concatenate([p.interest_rate * p.alive, labs.interest_rate[shown]]),
        "capacity_gw": np.concatenate([p.power_gw, nan_l]),
        "non_ai_revenue": np.concatenate([p.non_ai_revenue * p.alive, nan_l]),
        "cloud_market_share": np.concatenate(
            [cloud_revenue / cloud_total if cloud_total > 0 else np.zeros(n_p), nan_l]
        ),
        "price": np.concatenate([p.price, nan_l]),
        "utilization": np.concatenate(
            [np.divide(p.served, p.capacity, out=np.zeros(n_p), where=p.capacity > 0), nan_l]
        ),
        "quality": np.concatenate([nan_p, np.log(labs.stock[shown])]),
        "revenue": np.concatenate([revenue, lab_rev]),
        "share": np.concatenate(
            [
                revenue / total if total > 0 else np.zeros(n_p),
                lab_rev / lab_total if lab_total > 0 else np.zeros(n_l),
            ]
        ),
        "compute_spend": np.concatenate([nan_p, lab_spend]),
        "locked_share": np.concatenate(
            [
                nan_p,
                np.divide(
                    labs.locked_spend[shown], lab_spend, out=np.zeros(n_l), where=lab_spend > 0
                ),
            ]
        ),
        "valuation": np.concatenate([nan_p, lab_valuations(state)[shown]]),
        "stake_value": np.concatenate([stake_values(state), nan_l]),
        "invested": np.concatenate([p.invested, nan_l]),
        "losses": np.concatenate([p.losses, nan_l]),
        "capex": np.concatenate([p.capex, nan_l]),
        "circular_revenue": np.concatenate([p.circular_revenue, nan_l]),
        "roundtrip_ratio": np.concatenate(
            [
                np.divide(p.circular_revenue, p.invested, out=np.zeros(n_p), where=p.invested > 0),
                nan_l,
            ]
        ),
        "owner": np.concatenate([np.full(n_p, -1), labs.owner[shown]]),
        "alive": np.concatenate([p.alive, labs.alive[shown]]),
    }


def metrics_table(datacollector: mesa.DataCollector) -> pd.DataFrame:
    """The quarterly metrics as a table, integer columns as int32."""
    metrics = datacollector.get_model_vars_dataframe().reset_index(drop=True)
    # One block per dtype (copy() consolidates): users add columns without PerformanceWarnings.
    return metrics.astype(dict.fromkeys(INTEGER_METRICS, "int32")).copy()


def agents_table(
    rows: list[dict[str, np.ndarray]],
    provider_names: list[str],
    lab_names: list[str],
    provider_ids: list[int],
    lab_ids: list[int],
) -> pd.DataFrame:
    """The agents table from the quarters' :func:`agent_rows`.

    Args:
        rows: One :func:`agent_rows` result per recorded quarter.
        provider_names: Name of each provider, by row.
        lab_names: Name of each lab, by row.
        provider_ids: Mesa ``unique_id`` of each provider agent, by row.
        lab_ids: Mesa ``unique_id`` of each lab agent, by row.
    """
    columns = {key: np.concatenate([quarter[key] for quarter in rows]) for key in rows[0]}
    row, is_lab = columns.pop("row"), columns.pop("is_lab")
    p_names = np.array(provider_names, dtype=object)
    l_names = np.array(lab_names, dtype=object)
    p_ids, l_ids = np.array(provider_ids), np.array(lab_ids)
    owner = columns.pop("owner")
    owner_name = np.where(owner >= 0, p_names[np.clip(owner, 0, None)], "")
    return pd.DataFrame(
        {
            "quarter": columns.pop("quarter"),
            "agent_id": np.where(
                is_lab, l_ids[np.where(is_lab, row, 0)], p_ids[np.where(is_lab, 0, row)]
            ),
            "name": np.where(
                is_lab, l_names[np.where(is_lab, row, 0)], p_names[np.where(is_lab, 0, row)]
            ),
            "kind": pd.Categorical(
                np.where(is_lab, "lab", "hyperscaler"), categories=["hyperscaler", "lab"]
            ),
            **columns,
            "owner": owner_name,
        }
    )


def deals_table(deal_rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The deals table: one row per deal, compute commitment or acquisition.

    An acquisition has no tranches and is endogenous (the model decided it).
    """
    rows = [{"tranches": 0, "origin": "endogenous", **row} for row in deal_rows]
    return pd.DataFrame(rows, columns=list(DEAL_COLUMNS))


def ledger_table(state: State) -> pd.DataFrame:
    """Every closed quarter's transfers, with account names."""
    names = [""] * state.ledger.cash.size
    for row, name in enumerate(state.provider_names):
        names[state.providers.account[row]] = name
    for row, name in enumerate(state.lab_names):
        names[state.labs.account[row]] = name
    return state.ledger.to_frame(names)
