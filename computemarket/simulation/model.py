"""ComputeMarket: the Mesa model in which hyperscalers and AI labs trade capital for compute.

One step is one quarter. :meth:`ComputeMarket.step` is the schedule of docs/model.md §3; each
mechanism of docs/model.md §7 lives in its own module beside this one, as a function of the
market :class:`~computemarket.simulation.state.State`, the parameters and the random number
generator (decisions each agent takes in turn are methods of the agents):

====================  ==========================================  ==============================
§                     mechanism                                   module
====================  ==========================================  ==============================
5                     initialisation                              ``initialisation``
7.1                   environment; credit conditions              ``environment``; ``credit``
7.2                   capacity and prices                         ``supply``
7.3                   labs' shares, revenue and compute need      ``demand``
7.4                   contracts and commitments                   ``contracts``
7.5                   deals; fundraising                          ``deals``; ``fundraising``
7.6                   market clearing                             ``clearing``
7.7                   settlement and switching                    ``settlement``
7.8                   hyperscalers' finance and capex             ``Hyperscaler.finance``
                      lenders' prices and limits                  ``lending``
7.9, 7.10             labs' debt; distress; entry                 ``credit``; ``distress``; ``entry``
8                     metrics and tables                          ``recording``
====================  ==========================================  ==============================
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from computemarket.agents.hyperscaler import Hyperscaler
from computemarket.agents.lab import AILab, effective_cost, track_revenue
from computemarket.simulation import recording
from computemarket.simulation.clearing import clear_market, clearing_input
from computemarket.simulation.contracts import (
    backlog_gws,
    commitment_due,
    contracted_revenues,
    sign_contracts,
)
from computemarket.simulation.credit import advance_credit, allot_credit, service_lab_debt
from computemarket.simulation.deals import enter_named_agreements, pay_tranches
from computemarket.simulation.demand import lab_demand
from computemarket.simulation.distress import resolve_distress
from computemarket.simulation.entry import enter_labs
from computemarket.simulation.environment import advance_environment, calendar_year
from computemarket.simulation.fundraising import fundraise
from computemarket.simulation.initialisation import (
    build_labs,
    build_providers,
    initial_state,
    start_market,
)
from computemarket.simulation.ledger import Ledger
from computemarket.simulation.recording import METRIC_COLUMNS, TABLES
from computemarket.simulation.scenario import (
    DEFAULT_SCENARIO,
    Scenario,
    load_scenario,
    merge_overrides,
)
from computemarket.simulation.settlement import settle
from computemarket.simulation.state import LabState, ProviderState
from computemarket.simulation.supply import (
    allot_additions,
    arrival_columns,
    extend_arrivals,
    pair_prices,
    update_capacity,
)

__all__ = ["METRIC_COLUMNS", "ComputeMarket"]


class ComputeMarket(mesa.Model):
    """Hyperscalers and AI labs trading capital for compute, one quarter per step.

    The keyword is ``market_scenario``, not ``scenario``: Mesa reserves ``scenario`` (and
    ``model.scenario``) for its own experimental scenario class, which SolaraViz's Reset passes in.
    The resolved scenario is ``model.params``; the market's state is ``model.state``.

    Args:
        market_scenario: Shipped scenario name, path to a scenario TOML file, or a :class:`Scenario`.
        rules: Rules preset name or path laid over the scenario (``None`` keeps the scenario's rules).
        overrides: Dotted-path parameter overrides, e.g. ``{"rules.switching_cost": 0.3}``.
        years: Horizon in years (1-100); defaults to the scenario's ``market.years``. The model stops
            (``running`` becomes False) when it is reached.
        rng: Seed or generator for the model's random numbers (Mesa's ``rng``).
        tables: The tables the run keeps (any of ``metrics``, ``agents``, ``ledger``, ``deals``):
            a sweep that needs only the metrics skips the agents' rows and the ledger's rows (the
            books are still checked every quarter).
        scenario: Mesa's own experiment scenario (``mesa.experimental.scenarios``), which
            SolaraViz's Reset may pass; it is not the market scenario (``market_scenario``). Only
            its ``rng`` is used, when ``rng`` is not given.
        **parameters: Any scenario parameter by its dotted name, e.g.
            ``ComputeMarket(**{"deals.commitment_multiple": 6})``: the same as ``overrides``, so
            that ``mesa.batch_run(ComputeMarket, parameters={"deals.commitment_multiple": [2, 6]})``
            and SolaraViz controls work with the schema's names.

    Raises:
        ScenarioError: If the scenario, rules or overrides are invalid, or a parameter is given
            both as a keyword and in ``overrides``.
        ValueError: If ``years``, ``rng`` or ``tables`` is invalid.

    Examples:
        >>> model = ComputeMarket(market_scenario="classroom", rng=1, **{"rules.switching_cost": 0.5})
        >>> model.params.rules.switching_cost
        0.5
    """

    def __init__(
        self,
        *,
        market_scenario: str | Path | Scenario = DEFAULT_SCENARIO,
        rules: str | Path | None = None,
        overrides: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
        years: int | None = None,
        rng: Any = None,
        tables: Collection[str] = TABLES,
        scenario: Any = None,
        **parameters: Any,
    ) -> None:
        resolved = load_scenario(
            market_scenario, rules=rules, overrides=merge_overrides(overrides, parameters)
        )
        horizon = resolved.market.years if years is None else years
        if (
            isinstance(horizon, bool)
            or not isinstance(horizon, int | np.integer)
            or not 1 <= horizon <= 100
        ):
            raise ValueError(f"years: expected an integer from 1 to 100, got {years!r}")
        if isinstance(rng, bool) or (isinstance(rng, int | np.integer) and rng < 0):
            raise ValueError(f"seed: expected a non-negative integer, got {rng!r}")
        if rng is None and scenario is not None:
            rng = getattr(scenario, "rng", None)
        super().__init__(rng=rng)
        self.params = resolved
        self.years = int(horizon)
        self.kept_tables = recording.kept_tables(tables)
        self.state = initial_state(resolved, self.years)
        self.state.ledger.keep_rows = "ledger" in self.kept_tables

        build_providers(self.state, self.rng)
        self.hyperscaler_list = self._create_agents(Hyperscaler, self.state.provider_names, 0)
        initial_revenue = build_labs(self.state, self.rng)
        self.lab_list = self._create_agents(AILab, self.state.lab_names, 0)
        enter_named_agreements(self.state)
        start_market(self.state, initial_revenue, self.rng)
        self.state.ledger.close_quarter()

        self.metric_columns = (*METRIC_COLUMNS, *recording.firm_metric_columns(resolved))
        self._latest: dict[str, float] = dict.fromkeys(self.metric_columns, 0.0)
        self.datacollector = recording.MetricsCollector(self._latest)
        self._agent_rows: list[dict[str, np.ndarray]] = []
        self._record()

    def _create_agents(self, cls: type, names: list[str], first: int) -> list[Any]:
        """Mesa agents for rows ``first``.. of ``names`` (their state is already in the arrays)."""
        rows = range(first, len(names))
        return list(
            cls.create_agents(self, len(rows), self.state, list(rows), [names[row] for row in rows])
        )

    # ================================================================================ the step
    def step(self) -> None:
        """Advance the market by one quarter (docs/model.md §3)."""
        state = self.state
        state.market.quarter += 1
        quarter = state.market.quarter
        state.ledger.quarter = quarter
        state.reset_counters()
        if state.providers.arrivals.shape[1] < arrival_columns(
            state.market.life_quarters, quarter + 1, self.params.hyperscaler.build_lag_quarters
        ):
            extend_arrivals(state, 4 * self.years)
        # 1-3. Environment and credit conditions, capacity and prices, conditional tranches.
        advance_environment(state)
        advance_credit(state)
        update_capacity(state)
        pay_tranches(state)
        enter_named_agreements(state)
        # 4-5. Labs' demand; expired contracts are renewed. Prices and switching costs do not
        # change between contracting, clearing and settlement.
        lab_demand(state)
        pair_price = pair_prices(state.labs, state.providers, state.market.unit_cost)
        cost = effective_cost(
            pair_price,
            state.labs.allocation,
            self.params.rules.switching_cost + state.market.egress_fee,
            state.labs.owner,
            state.providers.captive,
        )
        sign_contracts(state, cost)
        # 6-7. Clearing and settlement.
        due = commitment_due(state.labs, quarter)
        clearing = clearing_input(state, pair_price, cost, due)
        settle(state, clear_market(clearing), pair_price, clearing.contract_gw, due)
        track_revenue(state.labs, state.market.growth, self.params.valuation.growth_smoothing)
        # 8. Hyperscalers' finance and capex, each in turn; labs service their debt.
        self._finance_providers()
        service_lab_debt(state)
        # 9-11. Fundraising, distress, entry.
        fundraise(state, self.hyperscaler_list, self.lab_list, self.rng)
        resolve_distress(state, self.hyperscaler_list, self.lab_list)
        entrants = enter_labs(state, self.rng)
        if entrants.size:
            self.lab_list += self._create_agents(AILab, state.lab_names, int(entrants[0]))
        # 12. Books and records.
        state.counters["ledger_imbalance"] = state.ledger.close_quarter()
        self._record()
        if quarter >= 4 * self.years:
            self.running = False

    def _finance_providers(self) -> None:
        """Lenders quote every provider; then every active hyperscaler's finance, in row order.

        A provider's finance moves its own cash, debt and orders, never the labs' contracts and
        commitments, so the backlog each provider reads, and lenders' terms, are computed for all
        of them at once. So are the orders they want: the supply curve shares the GW that may
        arrive among them before any of them pays
        (:func:`~computemarket.simulation.supply.allot_additions`).
        """
        providers = self.agents_by_type.get(Hyperscaler)
        if providers is None:
            return
        active = [agent.index for agent in providers]
        lag = self.params.hyperscaler.build_lag_quarters
        contracted = contracted_revenues(self.state, active)
        backlog = backlog_gws(self.state, self.state.market.quarter + lag, active).tolist()
        allot_credit(self.state, contracted)
        wanted = np.zeros(self.state.providers.alive.size)
        for agent in providers:
            wanted[agent.index] = agent.plan_capacity(backlog[agent.index])
        allotted = allot_additions(self.state, wanted).tolist()
        providers.do(lambda agent: agent.finance(allotted[agent.index]))

    def _record(self) -> None:
        """Compute the quarter's metrics, collect them, and keep the agents' rows."""
        self._latest.update(recording.quarter_metrics(self.state))
        if len(self.metric_columns) > len(METRIC_COLUMNS):
            self._latest.update(recording.firm_metrics(self.state))
        self.datacollector.collect(self)
        if "agents" in self.kept_tables:
            self._agent_rows.append(recording.agent_rows(self.state))

    # ============================================================================ the results
    def tables(self) -> dict[str, pd.DataFrame]:
        """The run's kept tables: ``metrics``, ``agents``, ``ledger``, ``deals`` (docs/model.md §8)."""
        state, kept = self.state, self.kept_tables
        result = {"metrics": recording.metrics_table(self.datacollector)}
        if "agents" in kept:
            result["agents"] = recording.agents_table(
                self._agent_rows,
                state.provider_names,
                state.lab_names,
                [agent.unique_id for agent in self.hyperscaler_list],
                [agent.unique_id for agent in self.lab_list],
            )
        if "ledger" in kept:
            result["ledger"] = recording.ledger_table(state)
        if "deals" in kept:
            result["deals"] = recording.deals_table(state.deal_rows)
        return result

    # ==================================================================== views of the state
    @property
    def quarter(self) -> int:
        """Quarters elapsed since the start (0 is the initial state)."""
        return self.state.market.quarter

    @property
    def calendar_year(self) -> float:
        """Calendar time of the current quarter, e.g. 2027.25 for the second quarter of 2027."""
        return calendar_year(self.params.market, self.quarter)

    @property
    def providers(self) -> ProviderState:
        """The providers' arrays."""
        return self.state.providers

    @property
    def labs(self) -> LabState:
        """The labs' arrays."""
        return self.state.labs

    @property
    def ledger(self) -> Ledger:
        """The ledger: every account's cash and every transfer."""
        return self.state.ledger

    @property
    def counters(self) -> dict[str, float]:
        """This quarter's tallies of events and flows."""
        return self.state.counters

    @property
    def outside_share(self) -> float:
        """End-user spending share of the outside option."""
        return self.state.market.outside_share

    @property
    def sentiment(self) -> float:
        """Independent investors' sentiment (1 is neutral)."""
        return self.state.market.sentiment

    @property
    def unit_cost(self) -> float:
        """Cost of an eGW-quarter, $B (the installed fleet's average)."""
        return self.state.market.unit_cost

    @property
    def life_quarters(self) -> int:
        """Hardware life in quarters."""
        return self.state.market.life_quarters
