"""State of the market: scalars, one row per lab or provider, one matrix per lab-provider relation.

Agents are Mesa objects that read and write their own row; the submodels work on whole arrays at
once (the hot path). Cash is not here: it lives in the :class:`~.ledger.Ledger`. :class:`State`
bundles everything a submodel reads or writes, so that a submodel is a function of the state, the
parameters and the random number generator, never of the model object.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from computemarket.simulation.ledger import Ledger
    from computemarket.simulation.scenario import Scenario


@dataclass
class MarketState:
    """Market-wide scalars: the clock, end-user demand, technology, capital and the outside option.

    Market quantities of compute (capacity, need, served, contracts) are in eGW: the compute of
    one GW of the start fleet (docs/model.md 7.2).

    Attributes:
        quarter: Quarters elapsed since the start (0 is the initial state).
        life_quarters: Hardware life in quarters.
        unit_cost: Cost of an eGW-quarter, $B: the installed fleet's straight-line depreciation
            plus operating cost, over its compute (all providers together).
        ai_market: End-user AI spending demanded at this quarter's prices and quality, $B per
            quarter.
        adoption_trend: End-user AI spending at the reference price path and the start's
            quality, $B per quarter (the exogenous adoption trend).
        growth: Annual growth of the adoption trend this quarter.
        compute_efficiency: Effective training compute per eGW-quarter from better algorithms,
            relative to the start.
        inference_intensity: Inference eGW needed per $B of quarterly revenue.
        vintage_compute: eGW per GW of the hardware arriving in each column of the arrivals table.
        vintage_capex: Capex per GW of the hardware arriving in each column, $B (the congestion
            premium included once the order is placed).
        initial_price: Capacity-weighted mean spot price at the start, $B per eGW-quarter.
        compute_price_index: Capacity-weighted mean spot price over ``initial_price``.
        compute_per_gw: eGW per installed GW, all providers' fleets together.
        service_price_ratio: Price of AI services over the price path the trend assumes.
        inclusive_value: Logit inclusive value of the labs' offer, relative to the frontier.
        initial_inclusive_value: Its value at the start.
        demand_factor: ``ai_market / adoption_trend``.
        supply_pressure: GW due to arrive in the quarter this quarter's orders arrive, over the
            supply curve's GW for that quarter (0-1).
        sentiment: Independent investors' sentiment (1 is neutral).
        capital_pool: Independent capital available to labs this quarter, $B.
        egress_fee: Egress fee in force, fraction of moved spend.
        outside_share: End-user spending share of the outside option.
        outside_gap: Quality gap of the outside option to the frontier (log compute).
        fringe_revenue: Cloud revenue of the atomistic fringe, $B per quarter.
        unmet_gw: GW no provider could serve in the last clearing.
        moved_gw: GW labs moved between providers in the last settlement (switching).
        credit_conditions: State of the credit cycle, from ``credit.min_credit_conditions`` to
            1 (normal): scales lending capacity and spreads (docs/model.md §7.1).
        lending_capacity: New lending all modelled borrowers can obtain this quarter, $B.
        lending_left: What is left of it that no borrower was allotted, $B.
        lab_credit_quota: What is left of the labs' allotment of it, $B.
    """

    life_quarters: int
    unit_cost: float
    ai_market: float
    growth: float
    inference_intensity: float
    egress_fee: float
    outside_share: float
    fringe_revenue: float
    adoption_trend: float = 0.0
    vintage_compute: np.ndarray = field(default_factory=lambda: np.ones(0))
    vintage_capex: np.ndarray = field(default_factory=lambda: np.zeros(0))
    quarter: int = 0
    compute_efficiency: float = 1.0
    initial_price: float = 0.0
    compute_price_index: float = 1.0
    compute_per_gw: float = 1.0
    service_price_ratio: float = 1.0
    inclusive_value: float = 0.0
    initial_inclusive_value: float = 0.0
    demand_factor: float = 1.0
    supply_pressure: float = 0.0
    sentiment: float = 1.0
    capital_pool: float = 0.0
    outside_gap: float = 0.0
    unmet_gw: float = 0.0
    moved_gw: float = 0.0
    credit_conditions: float = 1.0
    lending_capacity: float = 0.0
    lending_left: float = 0.0
    lab_credit_quota: float = 0.0


@dataclass
class ProviderState:
    """Cloud providers, indexed 0..P-1.

    Attributes:
        account: Ledger account of each provider.
        alive: False once a provider has failed.
        arrivals: GW arriving per quarter, shape (P, life + horizon + lag + 1); column ``t + life`` is
            quarter ``t``, so the initial fleet sits in columns before ``life``.
        markup: Markup of price over unit cost.
        price: Spot price, $B per GW-quarter.
        debt: Debt, $B.
        interest_rate: Average annual interest rate on the debt (it reprices as debt is refinanced
            and added, docs/model.md §7.8).
        lending_rate: Annual rate lenders quote the provider this quarter for new debt.
        debt_ceiling: Most lenders let the provider owe this quarter, $B.
        credit_quota: What is left of its allotment of this quarter's lending capacity, $B.
        target_leverage: Its financial policy: most debt it takes on, x EBITDA (a neocloud's is
            unused: its lenders' covenant binds instead).
        outside_backlog: Revenue still due under contracts with customers outside the model, $B.
        non_ai_revenue: Non-AI cloud revenue this quarter, $B.
        other_cash_flow: Cash flow from other businesses this quarter, $B.
        demand_level: Smoothed GW demanded of the provider.
        demand_growth: Smoothed quarterly growth of that demand.
        invested: Cumulative investment in labs, $B.
        circular_revenue: Cumulative compute revenue paid with its own tied investment, $B.
        ai_revenue: AI compute revenue this quarter, $B.
        served: GW served this quarter.
        capex: Capex paid this quarter, $B.
        capacity: Compute capacity installed this quarter, eGW (what the provider sells).
        power_gw: Installed GW this quarter (physical: data-center power).
        capex_due: $B of capex to pay per quarter, same columns as ``arrivals`` (spread over the build).
        losses: Cumulative $B lost on labs that exited: capital invested in them and bad debt.
        external_revenue: AI compute revenue this quarter from labs the provider does not own, $B
            (what a cloud-market statistic such as Synergy's counts).
        demand_seen: GW demanded of the provider this quarter: served plus turned away.
    """

    account: np.ndarray
    alive: np.ndarray
    arrivals: np.ndarray
    markup: np.ndarray
    price: np.ndarray
    debt: np.ndarray
    interest_rate: np.ndarray
    neocloud: np.ndarray
    captive: np.ndarray
    other_capex: np.ndarray
    non_ai_revenue: np.ndarray
    other_cash_flow: np.ndarray
    demand_level: np.ndarray
    demand_growth: np.ndarray
    invested: np.ndarray
    circular_revenue: np.ndarray
    ai_revenue: np.ndarray
    served: np.ndarray
    capex: np.ndarray
    capacity: np.ndarray
    power_gw: np.ndarray
    capex_due: np.ndarray
    losses: np.ndarray
    external_revenue: np.ndarray
    demand_seen: np.ndarray
    lending_rate: np.ndarray
    debt_ceiling: np.ndarray
    credit_quota: np.ndarray
    target_leverage: np.ndarray
    outside_backlog: np.ndarray


# Per-lab vectors and per-pair (lab x provider) matrices, with their fill values for new rows.
LAB_VECTORS: dict[str, tuple[type, float]] = {
    "account": (np.int64, -1),
    "alive": (bool, True),
    "owner": (np.int64, -1),
    "stock": (float, 0.0),
    "productivity": (float, 1.0),
    "share": (float, 0.0),
    "potential_revenue": (float, 0.0),
    "revenue": (float, 0.0),
    "need": (float, 0.0),
    "inference_need": (float, 0.0),
    "served": (float, 0.0),
    "burn": (float, 0.0),
    "spend": (float, 0.0),
    "locked_spend": (float, 0.0),
    "contract_spend": (float, 0.0),
    "contract_provider": (np.int64, -1),
    "contract_gw": (float, 0.0),
    "contract_price": (float, 0.0),
    "contract_end": (np.int64, -1),
    "independent_stake": (float, 0.0),
    "independent_invested": (float, 0.0),
    "entered": (np.int64, 0),
    "exited": (np.int64, -1),
    "debt": (float, 0.0),  # $B owed to lenders (docs/model.md §7.9)
    "interest_rate": (float, 0.0),  # average annual rate on that debt
    "lending_rate": (float, 0.0),  # annual rate lenders quote the lab this quarter
    "previous_revenue": (float, 0.0),  # last quarter's revenue, $B
    "revenue_growth": (float, 0.0),  # smoothed annual revenue growth (valuation input)
    "gross_margin": (float, 0.0),  # (revenue - inference compute) / revenue, this quarter
}
RELATIONSHIP_TERMS: tuple[str, ...] = (
    "stake",  # provider's equity stake in the lab
    "commit_remaining",  # $B still to spend at the investor under take-or-pay
    "commit_start",  # first quarter the commitment's spending obligation applies
    "commit_end",  # quarter the commitment term ends
    "exclusive_end",  # quarter exclusivity ends
    "discount",  # price discount at the investor
    "revenue_share",  # share of lab revenue paid to the investor
    "revenue_share_end",  # quarter the revenue share ends
    "tagged",  # $B of the investor's tied money the lab still holds
    "tied",  # 1 where the investor's money obliges spending at the investor (tagged when paid)
    "pending",  # $B of conditional tranches still to be paid
    "tranche",  # $B per conditional tranche
)
"""The terms of a lab-provider relationship (deal or commitment): they end together, all of them,
when the relationship ends (:func:`computemarket.simulation.deals.end_relationships`). A new term
added here is covered by every way a relationship ends."""
USAGE_MATRICES: tuple[str, ...] = (
    "allocation",  # GW served last quarter, where the lab's workloads run
    "billed",  # $B billed this quarter (for bad-debt sharing)
)
"""Where a lab's compute runs and what it was billed: history, not terms."""
BOOK_MATRICES: tuple[str, ...] = (
    "invested_in",  # $B the provider has paid into the lab (book value of its equity)
)
"""Book values kept after a relationship ends (write-offs need them)."""
LAB_MATRICES: tuple[str, ...] = RELATIONSHIP_TERMS + USAGE_MATRICES + BOOK_MATRICES
"""Every per-pair (lab x provider) matrix of :class:`LabState`."""
CONTRACT_FIELDS: dict[str, float] = {
    "contract_provider": -1,
    "contract_gw": 0.0,
    "contract_price": 0.0,
    "contract_end": -1,
}
"""A lab's reserved-capacity contract and the values that mean "no contract"."""


class LabState:
    """AI labs, indexed 0..L-1 (exited labs keep their row with ``alive`` False)."""

    def __init__(self, n_providers: int) -> None:
        self.n_providers = n_providers
        for name, (dtype, _) in LAB_VECTORS.items():
            setattr(self, name, np.zeros(0, dtype=dtype))
        for name in LAB_MATRICES:
            setattr(self, name, np.zeros((0, n_providers)))

    def __len__(self) -> int:
        return self.alive.size

    def add(self, n: int = 1) -> np.ndarray:
        """Append ``n`` rows with fill values and return their indices."""
        start = len(self)
        for name, (dtype, fill) in LAB_VECTORS.items():
            setattr(
                self, name, np.concatenate([getattr(self, name), np.full(n, fill, dtype=dtype)])
            )
        for name in LAB_MATRICES:
            setattr(self, name, np.vstack([getattr(self, name), np.zeros((n, self.n_providers))]))
        return np.arange(start, start + n)


def provider_state(n: int, columns: int) -> ProviderState:
    """Empty provider state for ``n`` providers and an arrivals table of ``columns`` quarters."""
    values = {f.name: np.zeros(n) for f in fields(ProviderState)}
    values["account"] = np.full(n, -1, dtype=np.int64)
    values["alive"] = np.ones(n, dtype=bool)
    values["neocloud"] = np.zeros(n, dtype=bool)
    values["captive"] = np.zeros(n, dtype=bool)
    values["arrivals"] = np.zeros((n, columns))
    values["capex_due"] = np.zeros((n, columns))
    return ProviderState(**values)


COUNTERS = (
    "entries",
    "exits",
    "written_off",
    "hyperscaler_investment",
    "independent_investment",
    "acquisitions",
    "hyperscaler_failures",
    "circular_revenue",
    "ledger_imbalance",
    "new_lending",
    "defaulted_debt",
    "restructurings",
    "commitments_written_down",
)
"""Events and flows tallied over a quarter (reset at the start of each step)."""


@dataclass
class State:
    """Everything the submodels read and write: parameters, scalars, arrays, ledger and tallies.

    Attributes:
        params: The resolved scenario.
        market: Market-wide scalars.
        providers: Provider arrays.
        labs: Lab arrays.
        ledger: Accounts and transfers (all cash).
        provider_names: Name of each provider, by row.
        lab_names: Name of each lab, by row.
        counters: This quarter's tallies (:data:`COUNTERS`).
        deal_rows: One dict per deal or acquisition signed (the deals table).
    """

    params: Scenario
    market: MarketState
    providers: ProviderState
    labs: LabState
    ledger: Ledger
    provider_names: list[str] = field(default_factory=list)
    lab_names: list[str] = field(default_factory=list)
    counters: dict[str, float] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0.0))
    deal_rows: list[dict[str, Any]] = field(default_factory=list)

    def reset_counters(self) -> None:
        """Start a quarter's tallies from zero."""
        self.counters = dict.fromkeys(COUNTERS, 0.0)
