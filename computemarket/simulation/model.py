"""ComputeMarket: the Mesa model in which hyperscalers and AI labs trade capital for compute.

One step is one quarter. The process order of a step (``docs/model.md``, Process overview):

1. environment: AI spending, efficiency, non-AI business, independent capital, rules in force;
2. capacity arrives and retires; prices are set from unit cost and markup;
3. conditional tranches of earlier deals are paid;
4. labs' market shares, revenue potential and compute needs;
5. labs without a reserved-capacity contract sign one;
6. market clearing (contracts, commitments, exclusive and in-house, then open demand);
7. settlement: compute payments, take-or-pay, switching charges, end-user revenue, revenue
   shares, operating costs, quality;
8. hyperscalers: operating flows, debt, markups, demand forecast and capex orders;
9. fundraising: labs short of runway take offers from hyperscalers or independent capital;
10. distress: acquisitions where the rules allow, lab exits, neocloud failures;
11. entry of new labs;
12. the ledger is checked and the quarter's metrics are recorded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from computemarket.agents.hyperscaler import Hyperscaler, Offer, update_markups
from computemarket.agents.lab import AILab, inertial_shares, target_shares, training_budget
from computemarket.simulation import metrics as mx
from computemarket.simulation.clearing import ClearingInput, ClearingResult, clear_market
from computemarket.simulation.ledger import EXTERNAL, KIND_CODE, NO_ORIGIN, Ledger
from computemarket.simulation.parameters import AgreementSpec
from computemarket.simulation.scenario import DEFAULT_SCENARIO, Scenario, load_scenario
from computemarket.simulation.state import LabState, provider_state

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
    "written_off",
    "ledger_imbalance",
    "ai_market",
    "outside_share",
    "capacity_gw",
    "capex",
    "hyperscaler_investment",
    "independent_investment",
    "acquisitions",
    "hyperscaler_failures",
)
"""Columns of the quarterly metrics table, in order (defined in docs/model.md, Metrics)."""

BURN_SMOOTHING = 0.5
"""Weight of the newest quarter in a lab's smoothed cash burn."""
DISTRESSED_PRICE = 0.5
"""An acquirer pays this fraction of a distressed lab's valuation."""
CONTRACT_GROWTH_CAP = 1.25
"""A new contract reserves at most this multiple of what the lab used last quarter (times the reserved fraction)."""
ENTRY_GROWTH_CAP = 3.0
"""Entry never runs faster than this multiple of the base rate, however fast the market grows."""


def firm_metric_columns(scenario: Scenario) -> tuple[str, ...]:
    """Extra metric columns for the firms a scenario lists by name.

    For each listed hyperscaler: ``cloud_share[NAME]`` (of AI compute revenue),
    ``cloud_market_share[NAME]`` (of the whole cloud market, fringe included) and
    ``roundtrip_ratio[NAME]``; for each listed lab: ``model_share[NAME]`` (of labs' revenue),
    ``locked_share[NAME]`` and ``revenue[NAME]`` ($B per quarter). Generated firms get none.
    """
    columns: list[str] = []
    for spec in scenario.hyperscalers:
        columns += [
            f"cloud_share[{spec.name}]",
            f"cloud_market_share[{spec.name}]",
            f"roundtrip_ratio[{spec.name}]",
        ]
    for spec in scenario.labs:
        columns += [
            f"model_share[{spec.name}]",
            f"locked_share[{spec.name}]",
            f"revenue[{spec.name}]",
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


class ComputeMarket(mesa.Model):
    """Hyperscalers and AI labs trading capital for compute, one quarter per step.

    The keyword is ``market_scenario``, not ``scenario``: Mesa reserves ``scenario`` (and
    ``model.scenario``) for its own experimental scenario class, which SolaraViz's Reset passes in.
    The resolved scenario is ``model.params``.

    Args:
        market_scenario: Shipped scenario name, path to a scenario TOML file, or a :class:`Scenario`.
        rules: Rules preset name or path laid over the scenario (``None`` keeps the scenario's rules).
        overrides: Dotted-path parameter overrides, e.g. ``{"rules.switching_cost": 0.3}``.
        years: Horizon in years (1-100); defaults to the scenario's ``market.years``. The model stops
            (``running`` becomes False) when it is reached.
        rng: Seed or generator for the model's random numbers (Mesa's ``rng``).

    Raises:
        ScenarioError: If the scenario, rules or overrides are invalid.
        ValueError: If ``years`` is not an integer from 1 to 100.
    """

    def __init__(
        self,
        *,
        market_scenario: str | Path | Scenario = DEFAULT_SCENARIO,
        rules: str | Path | None = None,
        overrides: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
        years: int | None = None,
        rng: Any = None,
    ) -> None:
        resolved = load_scenario(market_scenario, rules=rules, overrides=overrides)
        horizon = resolved.market.years if years is None else years
        if (
            isinstance(horizon, bool)
            or not isinstance(horizon, int | np.integer)
            or not 1 <= horizon <= 100
        ):
            raise ValueError(f"years: expected an integer from 1 to 100, got {years!r}")
        if isinstance(rng, bool) or (isinstance(rng, int | np.integer) and rng < 0):
            raise ValueError(f"seed: expected a non-negative integer, got {rng!r}")
        super().__init__(rng=rng)
        self.params = resolved
        self.years = int(horizon)
        self.quarter = 0
        hp = resolved.hyperscaler
        self.life_quarters = 4 * hp.hardware_life_years
        self.ledger = Ledger()
        n_providers = resolved.population.hyperscalers
        self.providers = provider_state(n_providers, self._arrival_columns(4 * self.years))
        self.labs = LabState(n_providers)
        self.hyperscaler_list: list[Hyperscaler] = []
        self.lab_list: list[AILab] = []
        self.unit_cost = hp.capex_per_gw / self.life_quarters + hp.operating_cost_per_gw

        # Environment.
        self.ai_market = resolved.market.ai_revenue
        self.growth = resolved.market.ai_revenue_growth
        self.compute_efficiency = 1.0
        self.inference_intensity = resolved.market.inference_gw_per_revenue
        self.sentiment = 1.0
        self.capital_pool = 0.0
        self.egress_fee = resolved.rules.egress_fee
        self.outside_share = resolved.market.outside_share
        self.fringe_revenue = resolved.market.fringe_cloud_revenue
        self.outside_gap = 0.0

        # Per-quarter results of the submodels.
        self.demand_seen = np.zeros(n_providers)
        self.moved = np.zeros(0)
        self._unmet = 0.0  # GW no provider could serve in the last clearing
        self.counters: dict[str, float] = {}
        self._reset_counters()
        self.deal_rows: list[dict[str, Any]] = []
        self._agent_rows: list[dict[str, np.ndarray]] = []
        self.metric_columns = (*METRIC_COLUMNS, *firm_metric_columns(resolved))
        self._latest: dict[str, float] = dict.fromkeys(self.metric_columns, 0.0)
        self.datacollector = MetricsCollector(self._latest)

        self._build_providers()
        self._build_labs()
        self._listed_provider = {
            spec.name: h.index
            for spec, h in zip(resolved.hyperscalers, self.hyperscaler_list, strict=False)
        }
        self._listed_lab = {
            spec.name: lab.index for spec, lab in zip(resolved.labs, self.lab_list, strict=False)
        }
        self._named_agreements(0)
        self._start_market()
        self.ledger.close_quarter()
        self._record()

    # =========================================================================== initialisation
    def _arrival_columns(self, quarters: int) -> int:
        return self.life_quarters + quarters + self.params.hyperscaler.build_lag_quarters + 2

    def _build_providers(self) -> None:
        s, hp, p = self.params, self.params.hyperscaler, self.providers
        specs = list(s.hyperscalers)
        n_generated = s.population.hyperscalers - len(specs)
        sigma = hp.capacity_dispersion
        draws = (
            self.rng.lognormal(-0.5 * sigma**2, sigma, n_generated)
            if sigma > 0
            else np.ones(n_generated)
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
                        "interest_rate": hp.neocloud_interest_rate,
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
                        "interest_rate": hp.interest_rate,
                        "neocloud": False,
                    }
                )
        young = max(
            1, self.life_quarters // 2
        )  # the initial fleet is spread over the last half-life
        growth = (1.0 + s.market.ai_revenue_growth) ** 0.25
        for i, spec in enumerate(specs):
            spec = spec if isinstance(spec, dict) else spec.__dict__
            agent = Hyperscaler(self, i, spec["name"])
            self.hyperscaler_list.append(agent)
            self.ledger.book(EXTERNAL, agent.account, spec["cash"], "opening_balance")
            p.debt[i] = spec["debt"]
            p.interest_rate[i] = spec["interest_rate"]
            p.neocloud[i] = spec["neocloud"]
            p.non_ai_revenue[i] = spec["non_ai_revenue"]
            p.other_cash_flow[i] = spec["other_cash_flow"]
            p.captive[i] = spec.get("captive", False)
            p.other_capex[i] = spec.get("other_capex", 0.0)
            default_markup = hp.neocloud_markup if spec["neocloud"] else hp.initial_markup
            markup = spec.get("markup", -1.0)
            p.markup[i] = default_markup if markup < 0 else markup
            cap = spec["capacity_gw"]
            p.arrivals[i, self.life_quarters - young + 1 : self.life_quarters + 1] = cap / young
            # Orders already in flight when the run starts, growing with AI demand.
            for k in range(1, hp.build_lag_quarters + 1):
                p.arrivals[i, self.life_quarters + k] = cap * (growth**k - growth ** (k - 1))
        self._update_capacity()

    def _build_labs(self) -> None:
        s, lp, labs = self.params, self.params.lab, self.labs
        names = {h.name: i for i, h in enumerate(self.hyperscaler_list)}
        specs = [dict(lab.__dict__) for lab in s.labs]
        n_generated = s.population.labs - len(specs)
        quality = (
            self.rng.normal(0.0, lp.quality_dispersion, n_generated) if n_generated else np.zeros(0)
        )
        weights = self.rng.lognormal(0.0, 0.5, n_generated)
        cash = lp.total_initial_cash * weights / weights.sum() if n_generated else np.zeros(0)
        p = self.providers
        big = [
            i for i in np.argsort(-p.capacity, kind="stable") if not (p.neocloud[i] or p.captive[i])
        ]
        for k in range(n_generated):
            owner = ""
            if k < s.population.in_house_labs and big:
                owner = self.hyperscaler_list[big[k % len(big)]].name
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
        labs.productivity[rows[listed:]] = self._draw_productivity(n_generated)
        self._initial_revenue = np.array([spec["revenue"] for spec in specs])
        capacity = np.where(p.captive, 0.0, p.capacity)
        for row, spec in zip(rows, specs, strict=True):
            agent = AILab(self, int(row), spec["name"])
            self.lab_list.append(agent)
            self.ledger.book(EXTERNAL, agent.account, spec["cash"], "opening_balance")
            labs.stock[row] = math.exp(spec["quality"])  # rescaled in _start_market
            owner = names.get(spec["owner"], -1) if s.rules.hyperscaler_equity else -1
            labs.owner[row] = owner
            home = names.get(spec["provider"], -1)
            if owner >= 0:
                home = owner
            elif home < 0:
                home = int(self.rng.choice(capacity.size, p=capacity / capacity.sum()))
            labs.allocation[row, home] = (
                1.0  # placeholder weight, scaled to the need in _start_market
            )
            labs.independent_stake[row] = 0.0 if owner >= 0 else 0.3

    def _initial_shares(self) -> np.ndarray:
        """Starting market shares: listed labs' revenue over the market; the rest by the logit.

        Generated labs share what listed labs and the outside option (``market.outside_share``)
        leave, in proportion to ``exp(quality_weight * quality)``; with no listed revenue that is
        the plain logit. When listed revenue leaves nothing, the outside option shrinks instead and
        generated labs start with a token share.
        """
        m = self.params.market
        logit, _ = target_shares(np.log(self.labs.stock), -np.inf, m.quality_weight)
        listed = self._initial_revenue > 0
        shares = np.where(listed, self._initial_revenue / self.ai_market, 0.0)
        generated = ~listed
        if generated.any():
            rest = max(1.0 - m.outside_share - float(shares.sum()), 1e-6 * generated.sum())
            weight = np.where(generated, logit, 0.0)
            shares += rest * weight / weight.sum()
        return shares

    def _draw_productivity(self, n: int) -> np.ndarray:
        sigma = self.params.lab.productivity_dispersion
        return self.rng.lognormal(-0.5 * sigma**2, sigma, n) if sigma > 0 else np.ones(n)

    def _start_market(self) -> None:
        """Set the starting quality scale, outside option, contracts and allocation (no money moves)."""
        m, labs = self.params.market, self.labs
        labs.share[:] = self._initial_shares()
        self.outside_share = 1.0 - float(labs.share.sum())
        if m.quality_weight > 0:
            # Quality consistent with the shares under the logit (it is defined up to a constant).
            labs.stock[:] = np.exp(np.log(np.maximum(labs.share, 1e-12)) / m.quality_weight)
        labs.potential_revenue[:] = labs.share * self.ai_market
        labs.burn[:] = np.maximum(self.params.lab.fixed_opex, 0.5 * labs.potential_revenue)
        budget = training_budget(
            self.ledger.cash[labs.account], labs.burn, labs.potential_revenue, self.params.lab
        )
        training_gw = budget / self.reference_price()
        # Scale the stock so that the initial training flow just replaces obsolescence.
        scale = max(float(training_gw.mean()) / max(m.quality_depreciation, 1e-9), 1e-9)
        labs.stock[:] = scale * labs.stock
        quality = np.log(labs.stock)
        # The outside option trails the frontier by a fixed gap that gives the initial outside share.
        if self.outside_share > 0:
            lab_mass = np.exp(m.quality_weight * (quality - quality.max())).sum()
            odds = self.outside_share / (1.0 - self.outside_share)
            outside_utility = math.log(odds * lab_mass)
            self.outside_gap = -outside_utility / m.quality_weight if m.quality_weight > 0 else 0.0
        self._lab_demand(update_shares=False)
        weights = labs.allocation / labs.allocation.sum(axis=1, keepdims=True)
        labs.allocation[:] = weights * labs.need[:, None]
        # Independent labs start with a contract at their home provider, with staggered expiry.
        term = self.params.contracts.term_quarters
        independent = labs.owner < 0
        home = labs.allocation.argmax(axis=1)
        labs.contract_provider[:] = np.where(independent, home, -1)
        labs.contract_gw[:] = np.where(
            independent, self.params.contracts.reserved_fraction * labs.need, 0.0
        )
        price = self.providers.price[home] * (1.0 - self.params.contracts.reserved_discount)
        labs.contract_price[:] = np.where(independent, price, 0.0)
        labs.contract_end[:] = np.where(independent, self.rng.integers(1, term + 1, len(labs)), -1)
        pair_price = self._pair_price()
        clearing = self._clearing_input(
            pair_price, self._effective_cost(pair_price), self._commitment_due()
        )
        result = clear_market(clearing)
        served = result.served
        labs.allocation[:] = served
        labs.served[:] = served.sum(axis=1)
        labs.revenue[:] = labs.potential_revenue
        spend = served * pair_price
        labs.spend[:] = spend.sum(axis=1)
        labs.billed[:] = spend
        p = self.providers
        p.ai_revenue[:] = spend.sum(axis=0)
        own = labs.owner[:, None] == np.arange(p.alive.size)[None, :]
        p.external_revenue[:] = np.where(own, 0.0, spend).sum(axis=0)
        p.served[:] = served.sum(axis=0)
        self.demand_seen = p.served + result.rationed
        p.demand_level[:] = self.demand_seen
        # Providers start out expecting demand to grow with AI spending.
        p.demand_growth[:] = (1.0 + m.ai_revenue_growth) ** 0.25 - 1.0
        self.moved = np.zeros(len(labs))

    # ================================================================================ the step
    def step(self) -> None:
        """Advance the market by one quarter."""
        self.quarter += 1
        self.ledger.quarter = self.quarter
        self._reset_counters()
        if self.providers.arrivals.shape[1] < self._arrival_columns(self.quarter + 1):
            extra = np.zeros((self.providers.arrivals.shape[0], 4 * self.years))
            self.providers.arrivals = np.hstack([self.providers.arrivals, extra])
            self.providers.capex_due = np.hstack([self.providers.capex_due, extra])
        self._update_environment()
        self._update_capacity()
        self._pay_tranches()
        self._named_agreements(self.quarter)
        self._lab_demand()
        # Prices and switching costs do not change between contracting, clearing and settlement.
        pair_price = self._pair_price()
        cost = self._effective_cost(pair_price)
        self._sign_contracts(cost)
        due = self._commitment_due()
        clearing = self._clearing_input(pair_price, cost, due)
        self._settle(clear_market(clearing), pair_price, clearing.contract_gw, due)
        self._finance_providers()
        self._fundraise()
        self._resolve_distress()
        self._enter()
        self.counters["ledger_imbalance"] = self.ledger.close_quarter()
        self._record()
        if self.quarter >= 4 * self.years:
            self.running = False

    # ============================================================================ submodels
    def _reset_counters(self) -> None:
        self.counters = dict.fromkeys(
            (
                "entries",
                "exits",
                "written_off",
                "hyperscaler_investment",
                "independent_investment",
                "acquisitions",
                "hyperscaler_failures",
                "circular_revenue",
                "ledger_imbalance",
            ),
            0.0,
        )

    @property
    def calendar_year(self) -> float:
        """Calendar time of the current quarter, e.g. 2027.25 for the second quarter of 2027."""
        m = self.params.market
        return m.start_year + (m.start_quarter - 1) / 4 + self.quarter / 4

    def _update_environment(self) -> None:
        m, rules = self.params.market, self.params.rules
        years = self.quarter / 4
        if m.demand_shock and years >= m.demand_shock_year:
            self.growth = m.demand_shock_growth
        else:
            decay = math.exp(-years / m.growth_decay_years)
            self.growth = (
                m.ai_revenue_growth_long_run
                + (m.ai_revenue_growth - m.ai_revenue_growth_long_run) * decay
            )
        self.ai_market *= (1.0 + self.growth) ** 0.25
        self.compute_efficiency = (
            2.0 ** (years / m.hardware_doubling_years) * m.algorithmic_gain**years
        )
        self.inference_intensity = m.inference_gw_per_revenue / m.inference_efficiency_gain**years
        quarterly = (1.0 + m.non_ai_cloud_growth) ** 0.25
        self.providers.non_ai_revenue *= quarterly
        self.providers.other_cash_flow *= quarterly
        # Other capex follows its own trend, decaying towards the non-AI growth like AI spending does.
        capex_growth = m.non_ai_cloud_growth + (
            m.other_capex_growth - m.non_ai_cloud_growth
        ) * math.exp(-years / m.other_capex_decay_years)
        self.providers.other_capex *= (1.0 + capex_growth) ** 0.25
        self.fringe_revenue *= quarterly
        cap = self.params.capital
        self.sentiment += cap.sentiment_recovery * (1.0 - self.sentiment)
        self.capital_pool = cap.pool_ratio * self.ai_market * self.sentiment
        banned = (
            rules.switching_charge_ban and self.calendar_year >= rules.switching_charge_ban_year
        )
        self.egress_fee = 0.0 if banned else rules.egress_fee

    def _update_capacity(self) -> None:
        p, t = self.providers, self.quarter
        p.capacity[:] = p.arrivals[:, t + 1 : t + self.life_quarters + 1].sum(axis=1) * p.alive
        p.price[:] = self.unit_cost * (1.0 + p.markup)

    def reference_price(self) -> float:
        """Capacity-weighted mean spot price, $B per GW-quarter (labs budget training with it)."""
        p = self.providers
        weight = p.capacity * p.alive
        return (
            float((p.price * weight).sum() / weight.sum()) if weight.sum() > 0 else self.unit_cost
        )

    def _pair_price(self) -> np.ndarray:
        """Price each lab pays at each provider for non-contract compute, $B per GW-quarter."""
        labs, p = self.labs, self.providers
        price = p.price[None, :] * (1.0 - labs.discount)
        in_house = labs.owner >= 0
        if in_house.any():
            rows = np.flatnonzero(in_house)
            price[rows, labs.owner[rows]] = self.unit_cost
        return price

    def _pay_tranches(self) -> None:
        """Pay conditional tranches of earlier deals; the condition is that both sides are still in business."""
        labs, p = self.labs, self.providers
        due = (labs.pending > 0) & labs.alive[:, None] & p.alive[None, :]
        if not due.any():
            return
        rows, cols = np.nonzero(due)
        amount = np.minimum(labs.tranche[rows, cols], labs.pending[rows, cols])
        amount = np.minimum(amount, np.maximum(self.ledger.cash[p.account[cols]], 0.0))
        tied = labs.tied[rows, cols] > 0
        origin = np.where(tied, p.account[cols], NO_ORIGIN)
        self.ledger.book_many(p.account[cols], labs.account[rows], amount, "investment", origin)
        labs.pending[rows, cols] -= amount
        labs.tagged[rows, cols] += np.where(tied, amount, 0.0)
        np.add.at(p.invested, cols, amount)
        np.add.at(labs.invested_in, (rows, cols), amount)
        self.counters["hyperscaler_investment"] += float(amount.sum())

    def _lab_demand(self, update_shares: bool = True) -> None:
        """Market shares, revenue potential and compute need of every active lab."""
        m, labs = self.params.market, self.labs
        alive = labs.alive
        quality = np.log(labs.stock[alive])
        if update_shares and quality.size:
            outside_utility = (
                m.quality_weight * (quality.max() - self.outside_gap)
                if m.outside_share > 0
                else -np.inf
            )
            target, outside = target_shares(quality, outside_utility, m.quality_weight)
            labs.share[alive] = inertial_shares(labs.share[alive], target, m.share_inertia)
            self.outside_share = (
                m.share_inertia * self.outside_share + (1.0 - m.share_inertia) * outside
            )
        labs.potential_revenue[:] = np.where(alive, labs.share * self.ai_market, 0.0)
        labs.inference_need[:] = labs.potential_revenue * self.inference_intensity
        cash = np.maximum(self.ledger.cash[labs.account], 0.0)
        budget = training_budget(cash, labs.burn, labs.potential_revenue, self.params.lab)
        labs.need[:] = np.where(alive, labs.inference_need + budget / self.reference_price(), 0.0)

    def _effective_cost(self, pair_price: np.ndarray) -> np.ndarray:
        """Cost per GW of placing open demand at each provider, switching cost included."""
        labs = self.labs
        total = labs.allocation.sum(axis=1, keepdims=True)
        home = np.divide(
            labs.allocation, total, out=np.zeros_like(labs.allocation), where=total > 0
        )
        moving = np.where(total > 0, 1.0 - home, 0.0)
        cost = pair_price * (1.0 + (self.params.rules.switching_cost + self.egress_fee) * moving)
        captive = self.providers.captive
        if captive.any():
            # A captive provider (e.g. Meta) sells to no one but its own labs.
            own = labs.owner[:, None] == np.arange(captive.size)[None, :]
            cost = np.where(captive[None, :] & ~own, np.inf, cost)
        return cost

    def _sign_contracts(self, cost: np.ndarray) -> None:
        """Independent labs whose contract has expired reserve capacity at their cheapest provider.

        Args:
            cost: Effective cost of open demand, labs x providers (see :meth:`_effective_cost`).
        """
        labs, p, terms = self.labs, self.providers, self.params.contracts
        signing = (
            labs.alive & (labs.owner < 0) & (labs.contract_end <= self.quarter) & (labs.need > 0)
        )
        if not signing.any():
            return
        rows = np.flatnonzero(signing)
        cost = cost[rows] * (1.0 - terms.reserved_discount)
        cost = np.where(p.alive[None, :] & (p.capacity[None, :] > 0), cost, np.inf)
        exclusive = labs.exclusive_end[rows] > self.quarter
        cost = np.where(exclusive.any(axis=1, keepdims=True) & ~exclusive, np.inf, cost)
        choice = cost.argmin(axis=1)
        ok = np.isfinite(cost[np.arange(rows.size), choice])
        rows, choice = rows[ok], choice[ok]
        labs.contract_provider[rows] = choice
        # Reserve a share of the compute the lab has been using, not of a one-quarter spike in need.
        used = labs.served[rows]
        basis = np.where(
            used > 0, np.minimum(labs.need[rows], CONTRACT_GROWTH_CAP * used), labs.need[rows]
        )
        labs.contract_gw[rows] = terms.reserved_fraction * basis
        labs.contract_price[rows] = (
            p.price[choice] * (1.0 - terms.reserved_discount) * (1.0 - labs.discount[rows, choice])
        )
        labs.contract_end[rows] = self.quarter + terms.term_quarters

    def _commitment_due(self) -> np.ndarray:
        """$B each lab must spend at each investor this quarter (take-or-pay), labs x providers."""
        labs = self.labs
        left = labs.commit_end - self.quarter
        active = (left > 0) & (labs.commit_start <= self.quarter) & (labs.commit_remaining > 0)
        return np.where(active, labs.commit_remaining / np.maximum(left, 1), 0.0)

    def _contract_matrix(self) -> np.ndarray:
        labs = self.labs
        matrix = np.zeros_like(labs.allocation)
        active = labs.alive & (labs.contract_provider >= 0) & (labs.contract_end >= self.quarter)
        rows = np.flatnonzero(active)
        matrix[rows, labs.contract_provider[rows]] = labs.contract_gw[rows]
        return matrix

    def _tied_provider(self) -> np.ndarray:
        """Provider that takes a lab's remaining demand: its owner, or its exclusive investor."""
        labs, p = self.labs, self.providers
        exclusive = np.where(p.alive[None, :], labs.exclusive_end, -1)
        partner = exclusive.argmax(axis=1)
        has_partner = exclusive[np.arange(len(labs)), partner] > self.quarter
        tied = np.where(has_partner, partner, -1)
        return np.where(labs.owner >= 0, labs.owner, tied)

    def _clearing_input(
        self, pair_price: np.ndarray, cost: np.ndarray, due: np.ndarray
    ) -> ClearingInput:
        """The clearing's arrays, from this quarter's prices, effective costs and commitments due."""
        labs, p = self.labs, self.providers
        commit_gw = due / np.maximum(pair_price, 1e-12)
        affiliated = labs.stake > 0
        if (labs.owner >= 0).any():
            rows = np.flatnonzero(labs.owner >= 0)
            affiliated[rows, labs.owner[rows]] = True
        return ClearingInput(
            need=labs.need,
            capacity=p.capacity,
            cost=cost,
            contract_gw=self._contract_matrix(),
            commit_gw=commit_gw * p.alive[None, :],
            tied_to=self._tied_provider(),
            affiliated=affiliated,
            self_preferencing=self.params.rules.self_preferencing,
            price_sensitivity=self.params.lab.provider_price_sensitivity,
        )

    def _settle(
        self,
        result: ClearingResult,
        pair_price: np.ndarray,
        contract: np.ndarray,
        commitment_due: np.ndarray,
    ) -> None:
        """Book every payment that follows from the quarter's allocation, and update quality.

        Args:
            result: The quarter's clearing.
            pair_price: Price of non-contract compute, labs x providers (see :meth:`_pair_price`).
            contract: GW reserved under contracts, labs x providers.
            commitment_due: Take-or-pay $B due this quarter, labs x providers.
        """
        labs, p, ledger, rules = self.labs, self.providers, self.ledger, self.params.rules
        lp, market = self.params.lab, self.params.market
        served = result.served
        rows_c = np.flatnonzero(contract.sum(axis=1) > 0)
        # Reserved capacity is take-or-pay at the locked price, less what the provider failed to deliver.
        contract_pay = np.zeros_like(served)
        if rows_c.size:
            cols_c = labs.contract_provider[rows_c]
            wanted = np.minimum(contract[rows_c, cols_c], labs.need[rows_c])
            shortfall = wanted - result.contract[rows_c, cols_c]
            contract_pay[rows_c, cols_c] = (
                contract[rows_c, cols_c] - shortfall
            ) * labs.contract_price[rows_c]
        pay = contract_pay + (served - result.contract) * pair_price
        # Take-or-pay covers what the lab chose not to take, not what the provider could not deliver.
        undelivered = np.maximum(result.committed_requested - result.committed, 0.0) * pair_price
        due = np.maximum(commitment_due - undelivered, 0.0)
        top_up = np.maximum(due - pay, 0.0) * p.alive[None, :]
        # The investor's tied money comes back first: that is the circular part of the payment.
        circular_pay = np.minimum(pay, labs.tagged)
        circular_top = np.minimum(top_up, labs.tagged - circular_pay)
        labs.tagged -= circular_pay + circular_top
        # Spending counts towards a commitment once its obligation has started.
        # What the provider failed to deliver lapses: it does not pile up on later quarters.
        started = labs.commit_start <= self.quarter
        settled = pay + top_up + np.minimum(undelivered, commitment_due)
        labs.commit_remaining = np.where(
            started, np.maximum(labs.commit_remaining - settled, 0.0), labs.commit_remaining
        )
        self._book_matrices(
            (circular_pay, "compute_payment", True),
            (pay - circular_pay, "compute_payment", False),
            (circular_top, "take_or_pay", True),
            (top_up - circular_top, "take_or_pay", False),
        )
        billed = pay + top_up
        labs.billed[:] = billed
        circular = circular_pay + circular_top
        p.circular_revenue += circular.sum(axis=0)
        self.counters["circular_revenue"] = float(circular.sum())

        # Switching: the volume that left one provider for another pays egress and re-engineering.
        self.moved = mx.moved_volume(labs.allocation, served)
        if self.moved.sum() > 0:
            increase = np.maximum(served - labs.allocation, 0.0)
            decrease = np.maximum(labs.allocation - served, 0.0)
            inc_total = increase.sum(axis=1)
            moved_price = np.divide(
                (increase * pair_price).sum(axis=1),
                inc_total,
                out=np.zeros_like(inc_total),
                where=inc_total > 0,
            )
            moved_spend = self.moved * moved_price
            dec_total = decrease.sum(axis=1, keepdims=True)
            leaving = np.divide(
                decrease, dec_total, out=np.zeros_like(decrease), where=dec_total > 0
            )
            self._book_matrices(
                (self.egress_fee * moved_spend[:, None] * leaving, "egress_fee", False)
            )
            ledger.book_many(
                labs.account, EXTERNAL, rules.switching_cost * moved_spend, "switching_cost"
            )
        labs.allocation = served

        # Users pay for the inference the lab could serve; training gets the rest.
        served_total = served.sum(axis=1)
        inference_served = np.minimum(labs.inference_need, served_total)
        fraction = np.divide(
            inference_served,
            labs.inference_need,
            out=np.ones_like(served_total),
            where=labs.inference_need > 0,
        )
        labs.revenue[:] = labs.potential_revenue * fraction
        ledger.book_many(EXTERNAL, labs.account, labs.revenue, "end_user_revenue")
        sharing = (labs.commit_end > self.quarter) & (labs.revenue_share > 0)
        revenue_share = np.where(sharing, labs.revenue_share * labs.revenue[:, None], 0.0)
        self._book_matrices((revenue_share, "revenue_share", False))
        opex = np.where(labs.alive, lp.opex_share * labs.revenue + lp.fixed_opex, 0.0)
        ledger.book_many(labs.account, EXTERNAL, opex, "lab_opex")
        training = served_total - inference_served
        gained = training * self.compute_efficiency * labs.productivity
        labs.stock = np.where(
            labs.alive, (1.0 - market.quality_depreciation) * labs.stock + gained, labs.stock
        )
        labs.served[:] = served_total

        spend = billed.sum(axis=1)
        locked = (result.committed + result.tied) * pair_price
        in_house = labs.owner >= 0
        locked[in_house] = 0.0
        labs.locked_spend[:] = locked.sum(axis=1) + top_up.sum(axis=1)
        labs.spend[:] = spend
        labs.contract_spend[:] = contract_pay.sum(axis=1)
        outflow = spend + opex - labs.revenue
        labs.burn[:] = np.where(
            labs.alive,
            (1 - BURN_SMOOTHING) * labs.burn + BURN_SMOOTHING * np.maximum(lp.fixed_opex, outflow),
            0.0,
        )
        p.ai_revenue[:] = billed.sum(axis=0)
        own = labs.owner[:, None] == np.arange(p.alive.size)[None, :]
        p.external_revenue[:] = np.where(own, 0.0, billed).sum(axis=0)
        p.served[:] = served.sum(axis=0)
        self.demand_seen = p.served + result.rationed
        utilization = np.divide(
            p.served, p.capacity, out=np.zeros_like(p.served), where=p.capacity > 0
        )
        p.markup[:] = np.where(
            p.alive, update_markups(p.markup, utilization, self.params.hyperscaler), p.markup
        )
        self._unmet = float(result.unmet.sum())

    def _book_matrices(self, *payments: tuple[np.ndarray, str, bool]) -> None:
        """Book labs x providers matrices of payments from labs to providers, in one booking.

        Rows come matrix by matrix, each in row-major order, as if booked one matrix at a time; so
        does the cash, since labs only pay and providers only receive.

        Args:
            payments: ``(amounts, kind, tied)`` per matrix; a tied payment's origin is the provider.
        """
        amounts = np.array([amount for amount, _, _ in payments])
        layer, rows, cols = np.nonzero(amounts > 0)
        if rows.size == 0:
            return
        codes = np.array([KIND_CODE[kind] for _, kind, _ in payments], dtype=np.int16)
        tied = np.array([tied for _, _, tied in payments])
        payees = self.providers.account[cols]
        self.ledger.book_rows(
            self.labs.account[rows],
            payees,
            amounts[layer, rows, cols],
            codes[layer],
            np.where(tied[layer], payees, NO_ORIGIN),
        )

    # --------------------------------------------------------------------------- fundraising
    def lab_valuation(self, lab: int) -> float:
        """Pre-money valuation of a lab, $B: a multiple of annualised revenue, with a floor."""
        lp = self.params.lab
        return max(lp.min_valuation, lp.valuation_multiple * 4.0 * float(self.labs.revenue[lab]))

    def survival_odds(self, lab: int) -> float:
        """Investors' belief that a lab survives: from 0.5 (worst quality) to 1 (best)."""
        return 0.5 + 0.5 * float(self._quality_rank.get(lab, 0.0))

    def _fundraise(self) -> None:
        """Labs short of runway raise money: in-house labs from their owner, others from offers."""
        labs, lp, ledger = self.labs, self.params.lab, self.ledger
        cash = ledger.cash[labs.account]
        short = labs.alive & (cash < lp.runway_quarters * labs.burn)
        if not short.any():
            return
        target = lp.raise_quarters * labs.burn - cash
        for lab in np.flatnonzero(short & (labs.owner >= 0)):
            owner = self.hyperscaler_list[labs.owner[lab]]
            ledger.book(
                owner.account,
                labs.account[lab],
                min(float(target[lab]), max(owner.cash, 0.0)),
                "internal_funding",
            )
        seekers = np.flatnonzero(short & (labs.owner < 0))
        if seekers.size == 0:
            return
        alive = np.flatnonzero(labs.alive)
        order = np.argsort(np.log(labs.stock[alive]), kind="stable")
        ranks = np.empty(alive.size)
        ranks[order] = np.arange(alive.size) / max(alive.size - 1, 1)
        self._quality_rank = dict(zip(alive.tolist(), ranks.tolist(), strict=True))
        budgets = [h.investment_budget() if h.alive else 0.0 for h in self.hyperscaler_list]
        pool = self.capital_pool
        haircut = self.params.capital.valuation_haircut
        for lab in self.rng.permutation(seekers).tolist():
            sought = float(target[lab])
            made = (
                h.make_offer(lab, sought, budgets[h.index])
                for h in self.hyperscaler_list
                if budgets[h.index] > 0
            )
            offers = [offer for offer in made if offer is not None]
            if pool > 0.01:
                amount = min(sought, pool)
                value = self.lab_valuation(lab) * (1.0 - haircut)
                offers.append(Offer(investor=-1, amount=amount, stake=amount / (value + amount)))
            desperate = float(self.ledger.cash[labs.account[lab]]) < 0
            for offer in self.lab_list[lab].choose_offers(offers, sought, desperate):
                if offer.investor < 0:
                    pool -= offer.amount
                    self._sign_independent(lab, offer)
                else:
                    budgets[offer.investor] -= offer.amount
                    self._sign_deal(lab, offer)

    def _dilute(self, lab: int, stake: float) -> None:
        labs = self.labs
        labs.stake[lab] *= 1.0 - stake
        labs.independent_stake[lab] *= 1.0 - stake

    def _sign_independent(self, lab: int, offer: Offer) -> None:
        labs = self.labs
        self.ledger.book(EXTERNAL, labs.account[lab], offer.amount, "independent_investment")
        self._dilute(lab, offer.stake)
        labs.independent_stake[lab] += offer.stake
        labs.independent_invested[lab] += offer.amount
        self.counters["independent_investment"] += offer.amount

    def _sign_deal(self, lab: int, offer: Offer) -> None:
        """A hyperscaler accepts an endogenous offer: the scenario's deal terms apply."""
        terms = self.params.deals
        amount = offer.amount
        agreement = AgreementSpec(
            investor=self.hyperscaler_list[offer.investor].name,
            lab=self.lab_list[lab].name,
            quarter=self.quarter,
            amount=amount,
            upfront=amount * (terms.upfront_share if terms.tranches > 0 else 1.0),
            tranches=terms.tranches,
            stake=offer.stake,
            commitment=offer.commitment_multiple * amount,
            commitment_quarters=terms.commitment_quarters,
            exclusivity_quarters=offer.exclusivity_quarters,
            discount=offer.discount,
            revenue_share=offer.revenue_share,
            tied=offer.commitment_multiple > 0,
        )
        self._enter_agreement(lab, offer.investor, agreement, kind="investment")

    def _enter_agreement(
        self, lab: int, h: int, deal: AgreementSpec, kind: str, dilute: bool = True
    ) -> None:
        """Put an agreement between provider ``h`` and ``lab`` into force from this quarter.

        The upfront part is paid now (tagged with the investor when the deal is tied), the rest of
        the amount in conditional quarterly tranches; the stake dilutes the other holders; the
        commitment's obligation starts ``commitment_start`` quarters from now and lasts
        ``commitment_quarters``.
        """
        labs, p = self.labs, self.providers
        tied = deal.tied and deal.commitment > 0
        upfront = deal.upfront if deal.tranches > 0 else deal.amount
        self.ledger.book(
            p.account[h],
            labs.account[lab],
            upfront,
            "investment",
            p.account[h] if tied else NO_ORIGIN,
        )
        if deal.stake > 0:
            if dilute:
                self._dilute(lab, deal.stake)
            labs.stake[lab, h] += deal.stake
        labs.pending[lab, h] += deal.amount - upfront
        labs.tranche[lab, h] = labs.pending[lab, h] / deal.tranches if deal.tranches > 0 else 0.0
        if tied:
            labs.tied[lab, h] = 1.0
            labs.tagged[lab, h] += upfront
        if deal.commitment > 0:
            start = self.quarter + 1 + deal.commitment_start
            labs.commit_remaining[lab, h] += deal.commitment
            labs.commit_start[lab, h] = (
                start
                if labs.commit_end[lab, h] <= self.quarter
                else min(labs.commit_start[lab, h], start)
            )
            labs.commit_end[lab, h] = max(labs.commit_end[lab, h], start + deal.commitment_quarters)
        if deal.exclusivity_quarters > 0:
            labs.exclusive_end[lab, h] = max(
                labs.exclusive_end[lab, h], self.quarter + deal.exclusivity_quarters + 1
            )
        if deal.discount > 0:
            labs.discount[lab, h] = deal.discount
        if deal.revenue_share > 0:
            labs.revenue_share[lab, h] = deal.revenue_share
        p.invested[h] += upfront
        labs.invested_in[lab, h] += upfront
        self.counters["hyperscaler_investment"] += upfront
        self.deal_rows.append(
            {
                "quarter": self.quarter,
                "kind": kind,
                "investor": deal.investor,
                "lab": deal.lab,
                "amount": deal.amount,
                "upfront": upfront,
                "stake": deal.stake,
                "commitment": deal.commitment,
                "commitment_quarters": deal.commitment_quarters if deal.commitment > 0 else 0,
                "exclusivity_quarters": deal.exclusivity_quarters,
                "discount": deal.discount,
                "revenue_share": deal.revenue_share,
            }
        )

    def _named_agreements(self, quarter: int) -> None:
        """Enter the scenario's ``[[agreements]]`` of this quarter (rules apply to later ones)."""
        rules = self.params.rules
        providers = {h.name: h.index for h in self.hyperscaler_list}
        labs = {lab.name: lab.index for lab in self.lab_list}
        for deal in self.params.agreements:
            if deal.quarter != quarter:
                continue
            h, lab = providers[deal.investor], labs[deal.lab]
            if not (self.providers.alive[h] and self.labs.alive[lab]):
                continue
            if quarter > 0:
                # Deals signed after the start obey the rules in force; deals in place are grandfathered.
                if not rules.hyperscaler_equity:
                    deal = replace(deal, amount=0.0, upfront=0.0, stake=0.0, tied=False)
                if not rules.tied_investment and deal.amount > 0:
                    deal = replace(deal, commitment=0.0, tied=False)
                if not rules.exclusivity:
                    deal = replace(deal, exclusivity_quarters=0)
                deal = replace(deal, stake=min(deal.stake, rules.max_equity_stake))
            kind = "investment" if deal.amount > 0 or deal.stake > 0 else "compute_commitment"
            self._enter_agreement(lab, h, deal, kind=kind, dilute=quarter > 0)

    # -------------------------------------------------------------------------------- distress
    def _resolve_distress(self) -> None:
        """Insolvent labs are acquired (where allowed) or exit; insolvent providers fail."""
        labs, p = self.labs, self.providers
        insolvent = np.flatnonzero(labs.alive & (self.ledger.cash[labs.account] < 0))
        for lab in insolvent:
            if not self._try_acquisition(int(lab)):
                self._exit_lab(int(lab))
        for h in np.flatnonzero(p.alive & (self.ledger.cash[p.account] < 0)):
            if not self.hyperscaler_list[h].cover_shortfall():
                self._fail_provider(int(h))

    def _firm_revenue(self) -> tuple[np.ndarray, np.ndarray]:
        """Active labs' revenue and firm label (labs of one owner are one firm)."""
        labs = self.labs
        alive = np.flatnonzero(labs.alive)
        firm = np.where(
            labs.owner[alive] >= 0, labs.owner[alive], len(self.hyperscaler_list) + alive
        )
        return labs.revenue[alive], firm

    def _try_acquisition(self, lab: int) -> bool:
        labs, p, rules = self.labs, self.providers, self.params.rules
        if not (rules.acquisitions and rules.hyperscaler_equity) or labs.owner[lab] >= 0:
            return False
        quality = np.log(labs.stock[labs.alive])
        if math.log(labs.stock[lab]) < float(np.median(quality)):
            return False  # not worth buying
        hole = -float(self.ledger.cash[labs.account[lab]])
        price = DISTRESSED_PRICE * self.lab_valuation(lab)
        cash = self.ledger.cash[p.account]
        candidates = np.flatnonzero(p.alive & ~p.neocloud & (cash >= price + hole))
        if candidates.size == 0:
            return False
        key = labs.stake[lab, candidates] * 1e6 + cash[candidates]
        h = int(candidates[np.argmax(key)])
        if rules.merger_control:
            revenue, firm = self._firm_revenue()
            groups, inverse = np.unique(firm, return_inverse=True)
            sizes = np.bincount(inverse, weights=revenue)
            own = np.flatnonzero(groups == len(self.hyperscaler_list) + lab)
            acquirer = np.flatnonzero(groups == h)
            if (
                own.size
                and acquirer.size
                and mx.merger_presumed_harmful(
                    sizes,
                    int(own[0]),
                    int(acquirer[0]),
                    threshold=rules.merger_hhi_threshold,
                    delta_threshold=rules.merger_delta_threshold,
                )
            ):
                return False
        acct = p.account[h]
        self.ledger.book(acct, labs.account[lab], hole, "internal_funding")
        other_stakes = labs.stake[lab].copy()
        other_stakes[h] = 0.0
        payees = p.account[np.flatnonzero(other_stakes > 0)]
        self.ledger.book_many(acct, payees, price * other_stakes[other_stakes > 0], "acquisition")
        outside_holders = max(0.0, 1.0 - other_stakes.sum() - labs.stake[lab, h])
        self.ledger.book(acct, EXTERNAL, price * outside_holders, "acquisition")
        labs.owner[lab] = h
        for name in (
            "stake",
            "commit_remaining",
            "commit_end",
            "exclusive_end",
            "discount",
            "revenue_share",
            "tagged",
            "pending",
            "tranche",
        ):
            getattr(labs, name)[lab] = 0.0
        labs.independent_stake[lab] = 0.0
        labs.contract_provider[lab], labs.contract_gw[lab], labs.contract_end[lab] = -1, 0.0, -1
        self.counters["acquisitions"] += 1
        self.deal_rows.append(
            {
                "quarter": self.quarter,
                "kind": "acquisition",
                "investor": self.hyperscaler_list[h].name,
                "lab": self.lab_list[lab].name,
                "amount": price + hole,
                "upfront": price + hole,
                "stake": 1.0,
                "commitment": 0.0,
                "commitment_quarters": 0,
                "exclusivity_quarters": 0,
                "discount": 0.0,
                "revenue_share": 0.0,
            }
        )
        return True

    def _exit_lab(self, lab: int) -> None:
        """The lab closes: investors write off their stakes; providers it owes absorb the bad debt."""
        labs, p = self.labs, self.providers
        # Investors lose the capital they put in (book value); providers it owes absorb the hole.
        equity = labs.invested_in[lab] * p.alive
        p.losses += equity
        self.counters["written_off"] += float(equity.sum()) + float(labs.independent_invested[lab])
        hole = -float(self.ledger.cash[labs.account[lab]])
        billed = labs.billed[lab] * p.alive
        if billed.sum() > 0:
            bad_debt = hole * billed / billed.sum()
            self.ledger.book_many(p.account, labs.account[lab], bad_debt, "bad_debt")
            p.losses += np.maximum(bad_debt, 0.0)
        else:
            self.ledger.book(EXTERNAL, labs.account[lab], hole, "unpaid_bills")
        self.counters["written_off"] += max(hole, 0.0)
        labs.alive[lab] = False
        released = float(labs.share[lab])
        labs.share[lab] = 0.0
        total = labs.share[labs.alive].sum() + self.outside_share
        if total > 0:
            labs.share[labs.alive] *= (total + released) / total
            self.outside_share *= (total + released) / total
        for name in (
            "stake",
            "commit_remaining",
            "exclusive_end",
            "tagged",
            "pending",
            "allocation",
        ):
            getattr(labs, name)[lab] = 0.0
        labs.contract_provider[lab], labs.contract_gw[lab], labs.contract_end[lab] = -1, 0.0, -1
        labs.need[lab] = labs.revenue[lab] = labs.potential_revenue[lab] = labs.burn[lab] = 0.0
        self.counters["exits"] += 1
        labs.exited[lab] = self.quarter
        # Investors react to the size of the failure: the market share that disappeared with it.
        hit = self.params.capital.failure_sentiment_hit_per_share * released
        self.sentiment *= max(1.0 - hit, 0.0)
        self.lab_list[lab].remove()

    def _fail_provider(self, h: int) -> None:
        """A provider that cannot pay fails: creditors lose, its contracts and ties end."""
        labs, p = self.labs, self.providers
        hole = -float(self.ledger.cash[p.account[h]])
        self.ledger.book(EXTERNAL, p.account[h], hole, "debt_default")
        self.counters["written_off"] += hole + float(p.debt[h])
        p.debt[h] = 0.0
        p.alive[h] = False
        p.arrivals[h] = 0.0
        p.capex_due[h] = 0.0
        p.capacity[h] = p.served[h] = p.capex[h] = p.ai_revenue[h] = p.other_capex[h] = 0.0
        for name in ("stake", "commit_remaining", "exclusive_end", "tagged", "pending", "tranche"):
            getattr(labs, name)[:, h] = 0.0
        ended = labs.contract_provider == h
        labs.contract_provider[ended], labs.contract_gw[ended], labs.contract_end[ended] = (
            -1,
            0.0,
            -1,
        )
        labs.owner[labs.owner == h] = -1
        self.counters["hyperscaler_failures"] += 1
        self.hyperscaler_list[h].remove()

    # ------------------------------------------------------------------------------------ entry
    def _enter(self) -> None:
        """New labs enter at a Poisson rate that rises with market growth and investor sentiment."""
        e, labs = self.params.entry, self.labs
        # Entry follows growth relative to the initial growth, within [0, ENTRY_GROWTH_CAP] x the base rate.
        base = max(self.params.market.ai_revenue_growth, 0.01)
        rate = e.rate * min(max(self.growth / base, 0.0), ENTRY_GROWTH_CAP) * self.sentiment
        n = int(self.rng.poisson(rate)) if rate > 0 else 0
        if n == 0:
            return
        mean_quality = float(np.log(labs.stock[labs.alive]).mean()) if labs.alive.any() else 0.0
        rows = labs.add(n)
        labs.productivity[rows] = self._draw_productivity(n)
        for row in rows:
            agent = AILab(self, int(row), f"Lab {row + 1}")
            self.lab_list.append(agent)
            labs.stock[row] = math.exp(mean_quality - e.quality_gap)
            labs.burn[row] = self.params.lab.fixed_opex
            labs.entered[row] = self.quarter
            labs.independent_stake[row] = 0.3
            labs.independent_invested[row] = e.seed_cash
            self.ledger.book(EXTERNAL, agent.account, e.seed_cash, "seed_capital")
        self.counters["entries"] += n

    # ----------------------------------------------------------------------------- backlog
    def _finance_providers(self) -> None:
        """Every active hyperscaler's finance, in index order.

        A provider's finance moves its own cash, debt and orders, never the labs' contracts and
        commitments, so the backlog each provider reads is computed for all of them at once.
        """
        active = [agent.index for agent in self.hyperscaler_list if agent.alive]
        lag = self.params.hyperscaler.build_lag_quarters
        contracted = self.contracted_revenues(active).tolist()
        backlog = self.backlog_gws(self.quarter + lag, active).tolist()
        for i in active:
            self.hyperscaler_list[i].finance(contracted[i], backlog[i])

    def contracted_revenue(self, provider: int) -> float:
        """$B a provider is still owed under reserved contracts and take-or-pay commitments."""
        return float(self.contracted_revenues([provider])[provider])

    def contracted_revenues(self, providers: Iterable[int] | None = None) -> np.ndarray:
        """:meth:`contracted_revenue` of several providers (all by default); 0 for the others."""
        labs, p = self.labs, self.providers
        active = (labs.contract_end >= self.quarter) & labs.alive
        value = labs.contract_gw * labs.contract_price * (labs.contract_end - self.quarter + 1)
        committed = labs.commit_remaining[labs.alive]
        owed = np.zeros(p.alive.size)
        for i in range(p.alive.size) if providers is None else providers:
            contracts = float(value[active & (labs.contract_provider == i)].sum())
            owed[i] = contracts + float(committed[:, i].sum())
        return owed

    def backlog_gw(self, provider: int, quarter: int) -> float:
        """GW a provider is contracted or committed to supply in ``quarter``, plus its in-house labs' need."""
        return float(self.backlog_gws(quarter, [provider])[provider])

    def backlog_gws(self, quarter: int, providers: Iterable[int] | None = None) -> np.ndarray:
        """:meth:`backlog_gw` of several providers (all by default); 0 for the others."""
        labs, p = self.labs, self.providers
        running = labs.contract_end >= quarter
        due = self._commitment_due()
        still_due = labs.commit_end > quarter
        backlog = np.zeros(p.alive.size)
        for i in range(p.alive.size) if providers is None else providers:
            contracted = labs.contract_gw[running & (labs.contract_provider == i)].sum()
            committed = due[:, i][still_due[:, i]].sum()
            in_house = labs.need[labs.owner == i].sum()
            backlog[i] = contracted + committed / max(p.price[i], 1e-12) + in_house
        return backlog

    # ============================================================================== recording
    def _record(self) -> None:
        """Compute the quarter's metrics, collect them, and keep the agents' rows."""
        labs, p, c = self.labs, self.providers, self.counters
        revenue = p.ai_revenue * p.alive
        cloud_hhi = mx.hhi(revenue)
        lab_revenue, firm = self._firm_revenue()
        firm_revenue = mx.grouped_sum(lab_revenue, firm)
        independent = labs.alive & (labs.owner < 0)
        spend = labs.spend[independent]
        total_spend = float(spend.sum())
        contract_spend = labs.contract_spend[independent].sum()
        # Cost of leaving every current provider: switching charges on a quarter's spend, plus the
        # take-or-pay and reserved-contract obligations still to pay; relative to annual spend.
        left = np.maximum(labs.contract_end - self.quarter, 0)
        obligations = (
            labs.commit_remaining.sum(axis=1) + labs.contract_gw * labs.contract_price * left
        )
        leaving = (self.params.rules.switching_cost + self.egress_fee) * labs.spend + obligations
        served_total = float(p.served.sum())
        capacity_total = float(p.capacity.sum())
        need_total = float(labs.need.sum())
        values = {
            "quarter": self.quarter,
            "year": self.calendar_year,
            "cloud_hhi": cloud_hhi,
            "capacity_hhi": mx.hhi(p.capacity),
            "cloud_market_hhi": mx.hhi_with_fringe(
                (p.external_revenue + p.non_ai_revenue) * p.alive, self.fringe_revenue
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
            "switching_rate": 4.0 * float(self.moved.sum()) / served_total
            if served_total > 0
            else 0.0,
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
            "unmet_share": self._unmet / need_total if need_total > 0 else 0.0,
            "written_off": c["written_off"],
            "ledger_imbalance": c["ledger_imbalance"],
            "ai_market": self.ai_market,
            "outside_share": self.outside_share,
            "capacity_gw": capacity_total,
            "capex": float(p.capex.sum()),
            "hyperscaler_investment": c["hyperscaler_investment"],
            "independent_investment": c["independent_investment"],
            "acquisitions": int(c["acquisitions"]),
            "hyperscaler_failures": int(c["hyperscaler_failures"]),
        }
        self._latest.update(values)
        if len(self.metric_columns) > len(METRIC_COLUMNS):
            self._latest.update(self._firm_metrics(revenue))
        self.datacollector.collect(self)
        self._record_agents()

    def _firm_metrics(self, ai_revenue: np.ndarray) -> dict[str, float]:
        """Per-firm columns for the firms a scenario names (see :func:`firm_metric_columns`)."""
        labs, p = self.labs, self.providers
        values: dict[str, float] = {}
        cloud = (p.external_revenue + p.non_ai_revenue) * p.alive
        cloud_total = float(cloud.sum()) + self.fringe_revenue
        total = float(ai_revenue.sum())
        for spec in self.params.hyperscalers:
            h = self._listed_provider[spec.name]
            values[f"cloud_share[{spec.name}]"] = float(ai_revenue[h]) / total if total > 0 else 0.0
            values[f"cloud_market_share[{spec.name}]"] = (
                float(cloud[h]) / cloud_total if cloud_total > 0 else 0.0
            )
            invested = float(p.invested[h])
            values[f"roundtrip_ratio[{spec.name}]"] = (
                float(p.circular_revenue[h]) / invested if invested > 0 else 0.0
            )
        lab_total = float(labs.revenue[labs.alive].sum())
        for spec in self.params.labs:
            i = self._listed_lab[spec.name]
            alive = bool(labs.alive[i])
            values[f"model_share[{spec.name}]"] = (
                float(labs.revenue[i]) / lab_total if alive and lab_total > 0 else 0.0
            )
            spend = float(labs.spend[i])
            values[f"locked_share[{spec.name}]"] = (
                float(labs.locked_spend[i]) / spend if alive and spend > 0 else 0.0
            )
            values[f"revenue[{spec.name}]"] = float(labs.revenue[i]) if alive else 0.0
        return values

    def _record_agents(self) -> None:
        labs, p, cash = self.labs, self.providers, self.ledger.cash
        n_p = p.alive.size
        revenue = p.ai_revenue * p.alive
        total = revenue.sum()
        cloud_revenue = (p.external_revenue + p.non_ai_revenue) * p.alive
        cloud_total = float(cloud_revenue.sum()) + self.fringe_revenue
        # Active labs, and the labs that exited this quarter (their last row, with alive False).
        shown = np.flatnonzero(labs.alive | (labs.exited == self.quarter))
        lab_rev = labs.revenue[shown]
        lab_total = lab_rev.sum()
        lab_spend = labs.spend[shown]
        n_l = shown.size
        nan_p, nan_l = np.full(n_p, np.nan), np.full(n_l, np.nan)
        self._agent_rows.append(
            {
                "quarter": np.full(n_p + n_l, self.quarter, dtype=np.int32),
                "row": np.concatenate([np.arange(n_p), shown]),
                "is_lab": np.concatenate([np.zeros(n_p, bool), np.ones(n_l, bool)]),
                "cash": np.concatenate([cash[p.account], cash[labs.account[shown]]]),
                "debt": np.concatenate([p.debt, nan_l]),
                "capacity_gw": np.concatenate([p.capacity, nan_l]),
                "non_ai_revenue": np.concatenate([p.non_ai_revenue * p.alive, nan_l]),
                "cloud_market_share": np.concatenate(
                    [cloud_revenue / cloud_total if cloud_total > 0 else np.zeros(n_p), nan_l]
                ),
                "price": np.concatenate([p.price, nan_l]),
                "utilization": np.concatenate(
                    [
                        np.divide(p.served, p.capacity, out=np.zeros(n_p), where=p.capacity > 0),
                        nan_l,
                    ]
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
                            labs.locked_spend[shown],
                            lab_spend,
                            out=np.zeros(n_l),
                            where=lab_spend > 0,
                        ),
                    ]
                ),
                "invested": np.concatenate([p.invested, nan_l]),
                "losses": np.concatenate([p.losses, nan_l]),
                "capex": np.concatenate([p.capex, nan_l]),
                "circular_revenue": np.concatenate([p.circular_revenue, nan_l]),
                "roundtrip_ratio": np.concatenate(
                    [
                        np.divide(
                            p.circular_revenue, p.invested, out=np.zeros(n_p), where=p.invested > 0
                        ),
                        nan_l,
                    ]
                ),
                "owner": np.concatenate([np.full(n_p, -1), labs.owner[shown]]),
                "alive": np.concatenate([p.alive, labs.alive[shown]]),
            }
        )

    def tables(self) -> dict[str, pd.DataFrame]:
        """The run's tables: ``metrics``, ``agents``, ``ledger`` and ``deals`` (see ``docs/model.md``)."""
        metrics = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        metrics = metrics.astype(
            {
                "quarter": "int32",
                "active_labs": "int32",
                "lab_entries": "int32",
                "lab_exits": "int32",
                "acquisitions": "int32",
                "hyperscaler_failures": "int32",
            }
        )
        columns = {
            key: np.concatenate([rows[key] for rows in self._agent_rows])
            for key in self._agent_rows[0]
        }
        row, is_lab = columns.pop("row"), columns.pop("is_lab")
        p_names = np.array([h.name for h in self.hyperscaler_list], dtype=object)
        l_names = np.array([lab.name for lab in self.lab_list], dtype=object)
        p_ids = np.array([h.unique_id for h in self.hyperscaler_list])
        l_ids = np.array([lab.unique_id for lab in self.lab_list])
        owner = columns.pop("owner")
        owner_name = np.where(owner >= 0, p_names[np.clip(owner, 0, None)], "")
        agents = pd.DataFrame(
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
        names = [""] * self.ledger.cash.size
        for agent in [*self.hyperscaler_list, *self.lab_list]:
            names[agent.account] = agent.name
        deal_columns = [
            "quarter",
            "kind",
            "investor",
            "lab",
            "amount",
            "upfront",
            "stake",
            "commitment",
            "commitment_quarters",
            "exclusivity_quarters",
            "discount",
            "revenue_share",
        ]
        deals = pd.DataFrame(self.deal_rows, columns=deal_columns)
        return {
            "metrics": metrics,
            "agents": agents,
            "ledger": self.ledger.to_frame(names),
            "deals": deals,
        }
