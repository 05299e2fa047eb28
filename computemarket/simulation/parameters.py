"""The scenario schema: every parameter of the model, with its unit, default, range and source.

This module is the single source of truth for defaults. The loader (:mod:`.scenario`), the command
line, the classroom app and ``docs/parameters.md`` all read the schema from here.

Each section is a frozen dataclass whose fields are declared with :func:`param`. A field's metadata
holds its unit, its meaning, its allowed range and, for real-world figures, the source.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

# Sources quoted by several parameters (see also computemarket/data/calibration_2025.csv).
SRC_SYNERGY_Q4_2025 = "Synergy Research via TechTarget, Q4 2025 (cloud market $119.1B/quarter)"
SRC_DEPRECIATION = "10-K server lives: Microsoft, Alphabet, CoreWeave 6 years; Amazon, Meta 5 years"
SRC_BUILD = "JLL 2026: data-center shell to commissioning 18-24 months"
SRC_CAPEX_GW = "Altman (Reuters, Oct 2025) >$40B/GW; industry $20-25B/GW; Stargate Abilene ~$32B/GW"
SRC_AMZN_OPENAI = (
    "Amazon-OpenAI, 27 Feb 2026 (Tom's Hardware): $15B upfront + $35B conditional, $138B AWS"
)
SRC_MERGER_GUIDELINES = "US 2023 Merger Guidelines, Guideline 1 (DOJ/FTC)"
SRC_EU_DATA_ACT = "Regulation (EU) 2023/2854 Art. 29: no switching charges from 12 January 2027"


def param(
    default: Any,
    *,
    unit: str,
    doc: str,
    low: float | None = None,
    high: float | None = None,
    source: str | None = None,
    choices: tuple[str, ...] | None = None,
) -> Any:
    """Declare a scenario parameter.

    Args:
        default: The default value; its type is the parameter's type.
        unit: The unit, e.g. ``"$B per quarter"`` or ``"GW"``; ``"-"`` for a pure number.
        doc: One sentence saying what the parameter means.
        low: Smallest allowed value (inclusive), for numbers.
        high: Largest allowed value (inclusive), for numbers.
        source: Where a real-world figure comes from.
        choices: Allowed values, for strings.

    Returns:
        A dataclass field carrying the metadata.
    """
    meta = {
        "unit": unit,
        "doc": doc,
        "low": low,
        "high": high,
        "source": source,
        "choices": choices,
    }
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class MarketParams:
    """The end-user AI market, technology trends and the calendar."""

    start_year: int = param(
        2026, unit="year", doc="Calendar year of the first quarter.", low=2000, high=2100
    )
    start_quarter: int = param(
        1, unit="quarter of year", doc="Quarter (1-4) of the first step.", low=1, high=4
    )
    years: int = param(
        20, unit="years", doc="Default horizon of a run (one step is one quarter).", low=1, high=100
    )
    ai_revenue: float = param(
        15.0,
        unit="$B per quarter",
        doc="End-user spending on AI models and services at the start (labs plus the outside option).",
        low=0.01,
        high=1e5,
        source="OpenAI ~$13B revenue 2025 (The Information); Anthropic ~$5B ARR Sep 2025 (Investing.com)",
    )
    ai_revenue_growth: float = param(
        0.8,
        unit="per year",
        doc="Annual growth of end-user AI spending at the start; decays towards the long-run rate.",
        low=-0.9,
        high=10.0,
        source="OpenAI revenue $3.7B (2024) to ~$13B (2025); cloud market +$89B in 2025 (Synergy)",
    )
    ai_revenue_growth_long_run: float = param(
        0.08,
        unit="per year",
        doc="Long-run annual growth of end-user AI spending.",
        low=-0.9,
        high=10.0,
    )
    growth_decay_years: float = param(
        4.0,
        unit="years",
        doc="e-folding time of the decay from initial to long-run growth.",
        low=0.1,
        high=100.0,
    )
    demand_shock: bool = param(
        False, unit="-", doc="If true, AI spending growth collapses at `demand_shock_year`."
    )
    demand_shock_year: float = param(
        3.0, unit="years from start", doc="When the demand shock hits.", low=0.0, high=100.0
    )
    demand_shock_growth: float = param(
        -0.3,
        unit="per year",
        doc="Annual growth of AI spending after the shock (the 2001 telecom bust is the analog).",
        low=-0.95,
        high=10.0,
    )
    non_ai_cloud_growth: float = param(
        0.12,
        unit="per year",
        doc="Annual growth of the non-AI cloud business of every hyperscaler.",
        low=-0.5,
        high=2.0,
        source="Synergy: cloud market $330B (2024) to $419B (2025), about half of growth from GenAI",
    )
    fringe_cloud_revenue: float = param(
        0.0,
        unit="$B per quarter",
        doc="Cloud revenue of providers not modelled as agents (an atomistic fringe): counts in the whole cloud market's size, adds nothing to its HHI; grows like the non-AI business.",
        low=0.0,
        high=1e6,
    )
    other_capex_growth: float = param(
        0.12,
        unit="per year",
        doc="Initial annual growth of hyperscalers' other capex (hyperscalers[].other_capex); decays to non_ai_cloud_growth over other_capex_decay_years.",
        low=-0.5,
        high=5.0,
        source="Big-4 capex $151B (2023), $246B (2024), ~$445B (2025): ~72% a year (news.online.ua; company filings)",
    )
    other_capex_decay_years: float = param(
        4.0,
        unit="years",
        doc="e-folding time of the decay of other_capex_growth towards non_ai_cloud_growth.",
        low=0.1,
        high=100.0,
    )
    hardware_doubling_years: float = param(
        2.07,
        unit="years",
        doc="Doubling time of compute per GW (hardware price-performance).",
        low=0.5,
        high=20.0,
        source="Hobbhahn & Besiroglu (Epoch): ML GPU FLOP/s per $ doubles every 2.07 years",
    )
    algorithmic_gain: float = param(
        3.0,
        unit="x per year",
        doc="Multiplier per year of effective training compute from better algorithms.",
        low=1.0,
        high=20.0,
        source="Gundlach et al. 2025 (arXiv 2511.23455): algorithmic efficiency ~3x per year",
    )
    inference_gw_per_revenue: float = param(
        0.2,
        unit="GW per $B of quarterly revenue",
        doc="Inference capacity a lab needs per $B of quarterly end-user revenue, at the start.",
        low=0.0,
        high=10.0,
        source="Derived: OpenAI 2024 inference spend $1.8B on ~$3.7B revenue (Epoch) at ~$2.5B per GW-quarter",
    )
    inference_efficiency_gain: float = param(
        1.0,
        unit="x per year",
        doc="Yearly fall in GW needed per $ of revenue (hardware gains net of growing usage per $).",
        low=1.0,
        high=20.0,
    )
    quality_weight: float = param(
        0.8,
        unit="per unit of log compute",
        doc="Logit sensitivity of users to model quality (quality is log effective compute).",
        low=0.0,
        high=20.0,
    )
    outside_share: float = param(
        0.2,
        unit="fraction",
        doc="Share of end-user spending that goes to the outside option (open models, in-house) at the start.",
        low=0.0,
        high=0.95,
    )
    share_inertia: float = param(
        0.75,
        unit="fraction per quarter",
        doc="Share of last quarter's market share a lab keeps regardless of quality (users switch slowly).",
        low=0.0,
        high=0.99,
    )
    quality_depreciation: float = param(
        0.12,
        unit="per quarter",
        doc="Obsolescence: fraction of a lab's effective training compute stock lost each quarter.",
        low=0.0,
        high=0.9,
    )


@dataclass(frozen=True)
class HyperscalerParams:
    """Behaviour and cost structure shared by all cloud providers, and defaults for generated ones."""

    capex_per_gw: float = param(
        35.0,
        unit="$B per GW",
        doc="Capital cost of one GW of AI data-center capacity.",
        low=1.0,
        high=200.0,
        source=SRC_CAPEX_GW,
    )
    build_lag_quarters: int = param(
        8,
        unit="quarters",
        doc="Time from ordering capacity to its arrival.",
        low=0,
        high=40,
        source=SRC_BUILD,
    )
    hardware_life_years: int = param(
        6,
        unit="years",
        doc="Capacity retires this many years after it arrives.",
        low=1,
        high=20,
        source=SRC_DEPRECIATION,
    )
    operating_cost_per_gw: float = param(
        0.3,
        unit="$B per GW per quarter",
        doc="Power, staff and upkeep of one GW for a quarter.",
        low=0.0,
        high=10.0,
        source="~1 GW x 8,760 h x $0.08/kWh = $0.7B/yr of power, plus upkeep",
    )
    target_utilization: float = param(
        0.8,
        unit="fraction",
        doc="Utilization at which the markup stays constant.",
        low=0.1,
        high=1.0,
    )
    initial_markup: float = param(
        0.5,
        unit="fraction of unit cost",
        doc="Markup of price over unit cost at the start.",
        low=0.0,
        high=5.0,
    )
    markup_adjustment: float = param(
        0.5,
        unit="per unit of utilization gap per quarter",
        doc="How fast the markup moves when utilization is above or below target.",
        low=0.0,
        high=10.0,
    )
    min_markup: float = param(
        0.0,
        unit="fraction",
        doc="Floor of the markup (price never below unit cost).",
        low=0.0,
        high=5.0,
    )
    max_markup: float = param(
        2.0, unit="fraction", doc="Ceiling of the markup.", low=0.0, high=20.0
    )
    forecast_smoothing: float = param(
        0.3,
        unit="fraction",
        doc="Weight of the newest quarter in the demand forecast (exponential smoothing).",
        low=0.01,
        high=1.0,
    )
    forecast_growth_min: float = param(
        -0.1,
        unit="per quarter",
        doc=(
            "Lowest quarterly demand growth a hyperscaler extrapolates. ASSUMPTION: guards the "
            "forecast against one odd quarter."
        ),
        low=-1.0,
        high=0.0,
    )
    forecast_growth_max: float = param(
        0.15,
        unit="per quarter",
        doc=(
            "Highest quarterly demand growth a hyperscaler extrapolates (0.15 is about 75% a "
            "year). ASSUMPTION: guards the forecast against one odd quarter."
        ),
        low=0.0,
        high=2.0,
    )
    asset_financing: float = param(
        0.0,
        unit="fraction of capex",
        doc=(
            "Loan-to-cost lenders advance against capacity on order (construction or vendor "
            "financing), on top of the credit limits of [credit]. 0 under the credit rules of "
            "docs/model.md §7.8: only delivered hardware is collateral. 0.7 restores the earlier "
            "treatment of orders as collateral at cost (an off switch of that rule)."
        ),
        low=0.0,
        high=1.0,
        source="CoreWeave 8-K (Oct 2025): DDTL draws fund equipment purchased, against the GPUs and the customer contract",
    )
    forecast_damping: float = param(
        0.85,
        unit="per quarter",
        doc="Damping of the extrapolated demand trend per quarter ahead (1 = undamped).",
        low=0.0,
        high=1.0,
    )
    debt_repayment_rate: float = param(
        0.05,
        unit="per quarter",
        doc="Share of debt repaid each quarter when cash allows.",
        low=0.0,
        high=1.0,
    )
    non_ai_margin: float = param(
        0.35,
        unit="fraction",
        doc="Operating margin of the non-AI cloud business.",
        low=0.0,
        high=1.0,
    )
    aggressiveness: float = param(
        1.0,
        unit="-",
        doc="Scales the budget a hyperscaler puts into lab deals (0 = never invests).",
        low=0.0,
        high=10.0,
    )
    equity_return: float = param(
        1.2,
        unit="x amount invested",
        doc="What a hyperscaler expects its equity in a surviving lab to be worth per $ invested.",
        low=0.0,
        high=100.0,
    )
    investment_budget_share: float = param(
        0.5,
        unit="fraction of other-business cash flow",
        doc="Share of quarterly other-business cash flow available for lab deals (times aggressiveness).",
        low=0.0,
        high=5.0,
    )
    initial_capacity_gw: float = param(
        1.5,
        unit="GW",
        doc="Mean initial AI capacity of a generated hyperscaler.",
        low=0.0,
        high=1e4,
    )
    capacity_dispersion: float = param(
        0.4,
        unit="log-sd",
        doc="Log-normal spread of initial capacity across generated hyperscalers (0 = symmetric).",
        low=0.0,
        high=3.0,
    )
    initial_cash: float = param(
        40.0, unit="$B", doc="Initial cash of a generated hyperscaler.", low=0.0, high=1e5
    )
    non_ai_revenue: float = param(
        15.0,
        unit="$B per quarter",
        doc="Initial non-AI cloud revenue of a generated hyperscaler.",
        low=0.0,
        high=1e5,
        source=SRC_SYNERGY_Q4_2025,
    )
    other_cash_flow: float = param(
        12.0,
        unit="$B per quarter",
        doc="Cash flow from other businesses (retail, software, ads) of a generated hyperscaler.",
        low=0.0,
        high=1e5,
    )
    neocloud_capacity_gw: float = param(
        0.6, unit="GW", doc="Initial AI capacity of a generated neocloud.", low=0.0, high=1e4
    )
    neocloud_markup: float = param(
        0.2,
        unit="fraction of unit cost",
        doc="Initial markup of a generated neocloud (neoclouds undercut the hyperscalers).",
        low=0.0,
        high=5.0,
        source="CostNimbus (late 2025): H100 $1.49-2.99/h at boutique clouds vs $3.00-3.90/h at hyperscalers",
    )
    neocloud_cash: float = param(
        3.0, unit="$B", doc="Initial cash of a generated neocloud.", low=0.0, high=1e5
    )
    neocloud_debt: float = param(
        10.0,
        unit="$B",
        doc="Initial debt of a generated neocloud.",
        low=0.0,
        high=1e5,
        source="CoreWeave 10-K 2024: debt-financed GPU fleet",
    )


@dataclass(frozen=True)
class LabParams:
    """Behaviour shared by all AI labs, and defaults for generated ones."""

    runway_quarters: float = param(
        4.0,
        unit="quarters",
        doc="A lab raises capital when cash covers fewer quarters of burn than this.",
        low=0.0,
        high=40.0,
    )
    raise_quarters: float = param(
        8.0,
        unit="quarters",
        doc="A raise aims to cover this many quarters of burn.",
        low=0.5,
        high=40.0,
    )
    training_budget_share: float = param(
        0.15,
        unit="fraction of spare cash per quarter",
        doc="Share of cash above the runway reserve spent on training each quarter.",
        low=0.0,
        high=1.0,
    )
    training_revenue_share: float = param(
        0.6,
        unit="fraction of revenue",
        doc="Share of quarterly revenue spent on training.",
        low=0.0,
        high=2.0,
    )
    opex_share: float = param(
        0.25,
        unit="fraction of revenue",
        doc="Non-compute operating costs (staff, sales) per $ of revenue.",
        low=0.0,
        high=2.0,
    )
    fixed_opex: float = param(
        0.05, unit="$B per quarter", doc="Fixed operating cost of a lab.", low=0.0, high=100.0
    )
    min_valuation: float = param(
        1.0, unit="$B", doc="Floor of a lab's pre-money valuation.", low=0.0, high=1e4
    )
    string_aversion: float = param(
        0.1,
        unit="fraction of amount per unit of strings",
        doc="How much a lab dislikes compute strings: score penalty per unit of commitment multiple and per year of exclusivity.",
        low=0.0,
        high=10.0,
    )
    provider_price_sensitivity: float = param(
        8.0,
        unit="-",
        doc="Logit sensitivity of a lab's open demand to relative effective cost across providers (higher = cheapest wins).",
        low=0.0,
        high=200.0,
    )
    productivity_dispersion: float = param(
        0.25,
        unit="log-sd",
        doc="Spread of research productivity (effective compute per GW of training) across labs; 0 = identical.",
        low=0.0,
        high=3.0,
    )
    total_initial_cash: float = param(
        60.0,
        unit="$B",
        doc="Cash of all generated labs together at the start, split with random weights (so more labs do not mean more money).",
        low=0.0,
        high=1e6,
    )
    quality_dispersion: float = param(
        1.0,
        unit="log compute",
        doc="Spread (sd) of initial quality across generated labs (0 = symmetric).",
        low=0.0,
        high=10.0,
    )
    initial_cash_dispersion: float = param(
        0.5,
        unit="log-sd",
        doc=(
            "Spread of the log-normal weights that split total_initial_cash among generated labs. "
            "ASSUMPTION: generated labs are stylized; listed labs carry their own cash."
        ),
        low=0.0,
        high=5.0,
    )
    initial_outside_stake: float = param(
        0.3,
        unit="fraction",
        doc=(
            "Equity outside investors (founders, venture capital) hold in an independent lab at "
            "the start and in an entrant; later stakes dilute it. ASSUMPTION: only the split of "
            "acquisition prices and write-offs depends on it."
        ),
        low=0.0,
        high=1.0,
    )
    burn_smoothing: float = param(
        0.5,
        unit="weight per quarter",
        doc=(
            "Weight of the newest quarter in a lab's smoothed cash burn (which sets its runway "
            "and raise). ASSUMPTION: half-life of about a quarter, so one odd quarter does not "
            "trigger a raise."
        ),
        low=0.01,
        high=1.0,
    )
    initial_burn_share: float = param(
        0.5,
        unit="fraction of revenue",
        doc=(
            "A lab's smoothed burn at the start, as a share of its revenue (at least fixed_opex). "
            "ASSUMPTION: starting value of the smoothing; it is replaced within a few quarters."
        ),
        low=0.0,
        high=5.0,
    )


@dataclass(frozen=True)
class DealTerms:
    """Terms hyperscalers offer when they invest in a lab (rules may cap or ban each)."""

    commitment_multiple: float = param(
        2.8,
        unit="x investment",
        doc="Compute the lab must buy from the investor (take-or-pay), per $ invested.",
        low=0.0,
        high=100.0,
        source="Derived: Amazon-OpenAI (38+100)/50 = 2.8x; Microsoft-Anthropic 6x; Microsoft-OpenAI ~18x",
    )
    upfront_share: float = param(
        0.3,
        unit="fraction",
        doc="Share of the investment paid at signing; the rest comes in conditional tranches.",
        low=0.0,
        high=1.0,
        source=SRC_AMZN_OPENAI,
    )
    tranches: int = param(
        4,
        unit="quarters",
        doc="Number of quarterly conditional tranches after signing.",
        low=0,
        high=40,
    )
    commitment_quarters: int = param(
        28,
        unit="quarters",
        doc="Term over which the committed spend must be used.",
        low=1,
        high=80,
        source="AWS-OpenAI: $38B over 7 years (Nov 2025)",
    )
    exclusivity_quarters: int = param(
        8,
        unit="quarters",
        doc="Quarters during which the lab buys all compute from the investor.",
        low=0,
        high=80,
    )
    discount: float = param(
        0.1,
        unit="fraction of price",
        doc="Price discount the investor gives the lab on its compute.",
        low=0.0,
        high=0.9,
    )
    revenue_share: float = param(
        0.05,
        unit="fraction of lab revenue",
        doc="Share of the lab's revenue paid to the investor during the commitment term.",
        low=0.0,
        high=0.9,
        source="Microsoft reported to receive ~20% of OpenAI revenue (unconfirmed)",
    )


@dataclass(frozen=True)
class ContractTerms:
    """Reserved-capacity contracts (the backlog that drives capex)."""

    term_quarters: int = param(
        12, unit="quarters", doc="Length of a reserved-capacity contract.", low=1, high=80
    )
    reserved_discount: float = param(
        0.1,
        unit="fraction of spot price",
        doc="Discount of the locked contract price under the spot price.",
        low=0.0,
        high=0.9,
    )
    reserved_fraction: float = param(
        0.5,
        unit="fraction of demand",
        doc="Share of its current compute need a lab reserves when it signs.",
        low=0.0,
        high=1.0,
    )
    growth_cap: float = param(
        1.25,
        unit="x last quarter's use",
        doc=(
            "A new contract reserves at most this multiple of the GW the lab used last quarter "
            "(times reserved_fraction), so that a one-quarter spike in training need does not "
            "become a multi-year obligation. ASSUMPTION: no public contract data on how reserved "
            "volumes relate to recent use."
        ),
        low=1.0,
        high=100.0,
    )


@dataclass(frozen=True)
class RulesParams:
    """The regulatory knobs. Presets in ``simulation/rules/`` overlay these."""

    hyperscaler_equity: bool = param(
        True,
        unit="-",
        doc="Hyperscalers may hold equity in labs and own in-house labs (false = structural separation).",
    )
    tied_investment: bool = param(
        True,
        unit="-",
        doc="Investments may carry compute commitments (false = no tied investment).",
    )
    exclusivity: bool = param(True, unit="-", doc="Deals may carry exclusivity.")
    max_equity_stake: float = param(
        0.49,
        unit="fraction",
        doc="Largest stake a hyperscaler may hold in a lab.",
        low=0.0,
        high=1.0,
        source="Google's Anthropic stake capped at 15% (NYT via Sherwood 2025); Microsoft 27% of OpenAI",
    )
    max_commitment_multiple: float = param(
        100.0,
        unit="x investment",
        doc="Cap on the commitment multiple of a deal.",
        low=0.0,
        high=100.0,
    )
    switching_cost: float = param(
        0.15,
        unit="fraction of moved spend",
        doc="Re-engineering cost of moving a workload to another provider, paid to outside engineers.",
        low=0.0,
        high=5.0,
    )
    egress_fee: float = param(
        0.05,
        unit="fraction of moved spend",
        doc="Fee paid to the old provider when a workload leaves.",
        low=0.0,
        high=5.0,
        source="Egress $0.05-0.12/GB (CloudToolStack 2025-26)",
    )
    switching_charge_ban: bool = param(
        False,
        unit="-",
        doc="If true, egress fees are banned from `switching_charge_ban_year`.",
        source=SRC_EU_DATA_ACT,
    )
    switching_charge_ban_year: float = param(
        2027.03,
        unit="calendar year",
        doc="When the ban on switching charges starts (2027.03 = 12 Jan 2027).",
        low=2000.0,
        high=2200.0,
        source=SRC_EU_DATA_ACT,
    )
    acquisitions: bool = param(True, unit="-", doc="Hyperscalers may acquire distressed labs.")
    merger_control: bool = param(
        False,
        unit="-",
        doc="Block acquisitions that raise HHI above the thresholds.",
        source=SRC_MERGER_GUIDELINES,
    )
    merger_hhi_threshold: float = param(
        1800.0,
        unit="HHI points",
        doc="Post-merger HHI above which an acquisition is presumed harmful.",
        low=0.0,
        high=10000.0,
        source=SRC_MERGER_GUIDELINES,
    )
    merger_delta_threshold: float = param(
        100.0,
        unit="HHI points",
        doc="HHI increase above which an acquisition is presumed harmful.",
        low=0.0,
        high=10000.0,
        source=SRC_MERGER_GUIDELINES,
    )
    self_preferencing: bool = param(
        True,
        unit="-",
        doc="A rationing provider serves its affiliated labs (stake or in-house) first.",
    )


@dataclass(frozen=True)
class CapitalParams:
    """Independent capital: venture and sovereign money with no compute strings."""

    pool_ratio: float = param(
        0.25,
        unit="x quarterly AI spending",
        doc="Independent capital available per quarter, relative to end-user AI spending.",
        low=0.0,
        high=100.0,
    )
    valuation_haircut: float = param(
        0.25,
        unit="fraction",
        doc="Independent investors value a lab this much lower (more dilution).",
        low=0.0,
        high=0.95,
    )
    failure_sentiment_hit_per_share: float = param(
        1.0,
        unit="fraction per unit of market share",
        doc=(
            "Fall of investor sentiment (pool multiplier) when a lab fails, per unit of the "
            "end-user market share it held: 1 means a lab with 10% of the market cuts the pool "
            "by 10%. ASSUMPTION: investors react to the size of the failure, not to the count."
        ),
        low=0.0,
        high=10.0,
    )
    sentiment_recovery: float = param(
        0.1,
        unit="per quarter",
        doc="Share of the gap to full sentiment recovered each quarter.",
        low=0.0,
        high=1.0,
    )
    distressed_sale_fraction: float = param(
        0.35,
        unit="fraction of valuation",
        doc=(
            "An acquirer pays this fraction of a distressed lab's valuation ([valuation]), less "
            "the lab's debt it takes over, to the lab's other stakeholders, on top of covering its "
            "negative cash. No public acquisition of an AI lab in distress: the price is that of "
            "defaulted telecom bonds in 2001 (weak analogy)."
        ),
        low=0.0,
        high=1.0,
        source="InvestmentNews (2001): defaulted telecom high-yield bonds at ~35 cents on the dollar [csv: telecom_debt_price]",
    )
    survival_belief_floor: float = param(
        0.5,
        unit="probability",
        doc=(
            "Investors' belief that the worst-ranked lab survives; the belief rises linearly with "
            "the lab's quality rank to 1 for the best. ASSUMPTION: stands in for the unobserved "
            "default expectations of strategic investors."
        ),
        low=0.0,
        high=1.0,
    )


@dataclass(frozen=True)
class EntryParams:
    """Entry of new labs."""

    rate: float = param(
        0.4,
        unit="labs per quarter",
        doc="Poisson entry rate at initial growth and full sentiment.",
        low=0.0,
        high=100.0,
    )
    seed_cash: float = param(
        0.5, unit="$B", doc="Seed money of an entrant, from independent capital.", low=0.0, high=1e4
    )
    quality_gap: float = param(
        1.5,
        unit="log compute",
        doc="An entrant's quality is this far below the mean of active labs.",
        low=0.0,
        high=20.0,
    )
    growth_cap: float = param(
        3.0,
        unit="x entry.rate",
        doc=(
            "Entry follows market growth relative to the initial growth, up to this multiple of "
            "the base rate however fast the market grows. ASSUMPTION: bounds entry in boom "
            "scenarios; no data on entry rates in AI above the observed few a year."
        ),
        low=0.0,
        high=100.0,
    )


@dataclass(frozen=True)
class PopulationParams:
    """How many firms a scenario has; firms not listed explicitly are generated."""

    hyperscalers: int = param(
        5, unit="firms", doc="Number of cloud providers (listed plus generated).", low=1, high=100
    )
    neoclouds: int = param(
        1,
        unit="firms",
        doc="How many of the generated providers are neoclouds (no other business, debt-financed).",
        low=0,
        high=100,
    )
    labs: int = param(
        20,
        unit="firms",
        doc="Number of AI labs at the start (listed plus generated).",
        low=1,
        high=100_000,
    )
    in_house_labs: int = param(
        2,
        unit="firms",
        doc="How many generated labs are owned by the largest hyperscalers.",
        low=0,
        high=100,
    )


SRC_DAMODARAN = (
    "Damodaran, ratings.htm (undated stored version): synthetic rating spreads by interest "
    "coverage [csv: synthetic_rating_spread]"
)
SRC_DDTL = "CoreWeave 8-K, 2 Oct 2025: DDTL 2.0 at SOFR + 6.00-6.50 (investment-grade customer contracts), SOFR + 13.00 (others) [csv: gpu_backed_loan_margin]"
SRC_TELECOM_BUST = (
    "Altman (NYU), HY default rates 5.1% (2000), 9.8% (2001), 12.8% (2002) [csv: hy_default_rate]; "
    "HY new issuance -60% in 2001 [csv: hy_new_issuance_change]"
)


@dataclass(frozen=True)
class CreditParams:
    """Lenders: the price of debt, what they lend against, covenants and the credit cycle.

    docs/model.md §7.8 (providers), §7.9 (labs, restructuring) and §7.1 (credit conditions).
    """

    base_rate: float = param(
        0.042,
        unit="per year",
        doc="Risk-free rate under corporate (unsecured) and labs' debt: the 10-year Treasury yield.",
        low=0.0,
        high=0.5,
        source="10-year Treasury 4.17% at end-Dec 2025, Cambridge Bonds monthly note [csv: base_rate_10y_treasury]",
    )
    floating_base_rate: float = param(
        0.037,
        unit="per year",
        doc="Floating base rate under GPU-backed (secured) debt: SOFR.",
        low=0.0,
        high=0.5,
        source="Derived: SOFR 3.95% (14 Nov 2025) less the 10 Dec 2025 cut of 0.25 points [csv: sofr; fed_funds_target_upper]",
    )
    bbb_spread: float = param(
        0.0097,
        unit="per year",
        doc="Spread over the base rate of a BBB-rated borrower in calm markets; the rating table scales it (docs/model.md §7.8).",
        low=0.0,
        high=0.2,
        source="US BBB corporates 0.97 points over Treasuries, Dec 2025 (Cambridge Bonds) [csv: ig_spread]",
    )
    spread_cap: float = param(
        0.20,
        unit="per year",
        doc="Largest spread any borrower pays over its base rate.",
        low=0.0,
        high=1.0,
        source="Damodaran's D class 20 points [csv: synthetic_rating_spread]; HY record 21.8 points, Dec 2008 [csv: hy_spread_record_high]",
    )
    stress_multiplier: float = param(
        2.5,
        unit="-",
        doc="Spreads are (1 + stress_multiplier (1 - credit conditions)) times their calm level: 3.5 times at credit conditions 0. 0 switches the credit cycle off in prices.",
        low=0.0,
        high=20.0,
        source="1998-2002: HY spreads ~3 to ~11 points [csv: hy_spread_peak]; BBB 0.7 to 3.2 points [csv: spread_range]",
    )
    min_coverage: float = param(
        1.25,
        unit="x interest",
        doc=(
            "Lenders make no new unsecured loan to a corporate borrower whose EBIT would cover "
            "the interest on its debt fewer times than this. ASSUMPTION: the CCC threshold of the "
            "rating table, where spreads pass 10 points; 0 removes the backstop."
        ),
        low=0.0,
        high=100.0,
    )
    secured_margin_ig: float = param(
        0.0625,
        unit="per year",
        doc="Margin over the floating base rate of GPU-backed debt whose collateral contract is with an investment-grade payer.",
        low=0.0,
        high=1.0,
        source=SRC_DDTL,
    )
    secured_margin_unrated: float = param(
        0.13,
        unit="per year",
        doc="Margin over the floating base rate of GPU-backed debt whose collateral contract is with an unrated payer (labs).",
        low=0.0,
        high=1.0,
        source=SRC_DDTL,
    )
    max_debt_to_ebitda: float = param(
        5.0,
        unit="x annual EBITDA",
        doc="Covenant of secured (neocloud) debt: above it no new borrowing and a cash sweep. 1e9 switches it off.",
        low=0.0,
        high=1e9,
        source="Private credit 3.5-6.5x total leverage (F2 glossary, weak) [csv: private_credit_total_leverage]; AI data centres 5.3x in 2025 (weak) [csv: dc_industry_debt_to_ebitda]",
    )
    advance_rate: float = param(
        0.6,
        unit="fraction of collateral value",
        doc="Loan-to-value of GPU-backed debt on delivered hardware at its depreciated value (the haircut included).",
        low=0.0,
        high=1.0,
        source="GPU loan-to-value: private credit 0.55-0.65, banks 0.50-0.55, specialty lenders 0.70-0.80 (weak, SEO page) [csv: gpu_loan_to_value]",
    )
    economic_life_years: float = param(
        4.0,
        unit="years",
        doc=(
            "Lenders value delivered hardware straight-line over this life (shorter than the "
            "accounting life). ASSUMPTION: between resale values (30-50% lost in 2-3 years) and "
            "accounting lives of 5-6 years."
        ),
        low=0.25,
        high=30.0,
        source="GPU resale value -30 to -50% in 2-3 years (weak) [csv: gpu_resale_value_loss]; server lives 5-6 years [csv: depreciation_life_servers]",
    )
    backlog_advance_rate: float = param(
        0.8,
        unit="fraction of contracted revenue",
        doc=(
            "Secured lenders also advance this share of the revenue still due to the borrower "
            "under contracts and commitments; the customers' credit sets the price, not the "
            "amount. ASSUMPTION: no public advance rate; DDTL loans are sized on the contract."
        ),
        low=0.0,
        high=2.0,
        source=SRC_DDTL,
    )
    repricing_share: float = param(
        0.05,
        unit="per quarter",
        doc="Share of a borrower's debt that matures and is refinanced at the current rate each quarter (average maturity 1 / (4 x share) years).",
        low=0.0,
        high=1.0,
        source="CoreWeave DDTL draws mature 5 years after the draw [csv: gpu_backed_loan_margin]; OpenAI's revolver 3 years [csv: lab_credit_facility]",
    )
    lending_capacity: float = param(
        90.0,
        unit="$B per quarter",
        doc="New lending all modelled borrowers (providers and labs) can obtain in a quarter at the start, in calm markets. 1e9 switches the limit off.",
        low=0.0,
        high=1e9,
        source=(
            "Derived: five hyperscalers' IG bonds $121B in 2025 [csv: bond_issuance]; Morgan Stanley "
            "$1.5T external data-centre financing 2025-28 [csv: dc_financing_gap], private credit "
            "~$160B a year [csv: private_credit_dc_lending]; AI debt $570B in 2026 (weak) [csv: ai_debt_issuance]"
        ),
    )
    lending_growth: float = param(
        0.15,
        unit="per year",
        doc="Annual growth of the lending capacity. ASSUMPTION: about the growth of data-centre investment.",
        low=-0.9,
        high=5.0,
        source="IEA: data-centre electricity +15% a year [csv: world_dc_electricity_forecast]",
    )
    recovery_rate: float = param(
        0.15,
        unit="per quarter",
        doc="Share of the gap to normal credit conditions (1) recovered each quarter.",
        low=0.0,
        high=1.0,
        source="Spreads peaked Oct 2002 and were near normal by 2004: a half-life of ~4 quarters [csv: spread_range; hy_spread_peak]",
    )
    default_sensitivity: float = param(
        6.0,
        unit="per unit of annualised default rate",
        doc="Fall of credit conditions per unit of the annualised share of outstanding debt that defaulted in a quarter (6 gives ~0.4 at a 10% annual default rate). 0 switches the credit cycle off.",
        low=0.0,
        high=100.0,
        source=SRC_TELECOM_BUST + " (weak: calibrated by analogy)",
    )
    min_credit_conditions: float = param(
        0.3,
        unit="-",
        doc="Floor of credit conditions: lending never stops entirely.",
        low=0.0,
        high=1.0,
        source=SRC_TELECOM_BUST,
    )
    lab_debt_to_revenue: float = param(
        0.5,
        unit="x annualised revenue",
        doc=(
            "Most an independent lab may owe (a revolving credit line drawn in distress). "
            "ASSUMPTION: the observed facilities rest on sponsors; 0 switches lab borrowing off."
        ),
        low=0.0,
        high=100.0,
        source="OpenAI $4B revolver ~1.1x 2024 revenue, undrawn [csv: lab_credit_facility]; xAI $5B debt [csv: lab_debt_raised]",
    )
    lab_spread: float = param(
        0.08,
        unit="per year",
        doc="Spread over the base rate of a lab's debt without a sponsor.",
        low=0.0,
        high=1.0,
        source="xAI: bonds at 12.5% yield, term loan SOFR + 7.25 (Jun 2025) [csv: lab_debt_raised]",
    )
    sponsored_lab_spread: float = param(
        0.01,
        unit="per year",
        doc="Spread over the base rate of a lab's debt when a hyperscaler holds at least sponsor_stake of it.",
        low=0.0,
        high=1.0,
        source="OpenAI revolver at SOFR + 1.00, Microsoft behind it (Oct 2024) [csv: lab_credit_facility]",
    )
    sponsor_stake: float = param(
        0.2,
        unit="fraction",
        doc="Stake from which a hyperscaler counts as a lab's sponsor for its lenders. ASSUMPTION: no public threshold.",
        low=0.0,
        high=1.0,
    )
    restructuring_writedown: float = param(
        0.5,
        unit="fraction of remaining commitment",
        doc="Share of an insolvent lab's remaining take-or-pay commitment its lead creditor-provider writes off in a restructuring (docs/model.md §7.9). 0 switches restructuring off.",
        low=0.0,
        high=1.0,
        source="Telecom vendors lost 33-80% of their vendor loans, 2000-03 [csv: vendor_financing_commitments]",
    )
    restructuring_extension_quarters: int = param(
        4,
        unit="quarters",
        doc="Quarters a restructuring adds to the term of the remaining commitment. ASSUMPTION: no public data on renegotiated AI commitments.",
        low=0,
        high=80,
    )


@dataclass(frozen=True)
class ValuationParams:
    """How investors and acquirers value a lab: a revenue multiple that rises with growth and margin."""

    growth_multiple: float = param(
        30.0,
        unit="x run-rate revenue",
        doc="Multiple of a lab growing very fast at the reference margin.",
        low=0.0,
        high=1000.0,
        source="Observed rounds: OpenAI 26x (Oct 2024), ~35x (Mar 2026); Anthropic 37x (Sep 2025), 27x (Feb 2026) [csv: valuation_post_money]",
    )
    mature_multiple: float = param(
        8.0,
        unit="x run-rate revenue",
        doc=(
            "Multiple of a lab that no longer grows (or has no gross margin). ASSUMPTION: the order "
            "of large listed software and cloud firms; no comparables in the data. Equal to "
            "growth_multiple gives a fixed multiple."
        ),
        low=0.0,
        high=1000.0,
    )
    growth_scale: float = param(
        1.0,
        unit="per year",
        doc=(
            "Revenue growth at which the multiple has gone 63% of the way from mature to "
            "growth_multiple. ASSUMPTION: observed multiples barely differ between growth of 3x "
            "and 10x a year, so the curve saturates early."
        ),
        low=0.01,
        high=100.0,
    )
    reference_margin: float = param(
        0.5,
        unit="fraction of revenue",
        doc="Gross margin (revenue less inference compute) at and above which the growth premium is full; below it the premium scales with the square root of margin / reference.",
        low=0.01,
        high=1.0,
        source="Gross margins 2025: OpenAI 33-46%, Anthropic 40% [csv: gross_margin]",
    )
    growth_smoothing: float = param(
        0.25,
        unit="weight per quarter",
        doc="Weight of the newest quarter in a lab's smoothed revenue growth (log, annualised). ASSUMPTION: about the trailing year investors look at.",
        low=0.01,
        high=1.0,
    )


@dataclass(frozen=True)
class HyperscalerSpec:
    """One named cloud provider (``[[hyperscalers]]`` in a scenario file)."""

    name: str = param("", unit="-", doc="Name of the provider.")
    capacity_gw: float = param(1.0, unit="GW", doc="Initial AI capacity.", low=0.0, high=1e4)
    cash: float = param(40.0, unit="$B", doc="Initial cash.", low=0.0, high=1e5)
    debt: float = param(0.0, unit="$B", doc="Initial debt.", low=0.0, high=1e5)
    non_ai_revenue: float = param(
        15.0, unit="$B per quarter", doc="Initial non-AI cloud revenue.", low=0.0, high=1e5
    )
    other_cash_flow: float = param(
        12.0, unit="$B per quarter", doc="Cash flow from other businesses.", low=0.0, high=1e5
    )
    interest_rate: float = param(
        -1.0,
        unit="per year",
        doc="Average interest rate on its debt at the start; -1 takes the rate the credit model (docs/model.md §7.8) quotes it at the start.",
        low=-1.0,
        high=1.0,
    )
    neocloud: bool = param(False, unit="-", doc="A neocloud has no other business and can fail.")
    captive: bool = param(
        False,
        unit="-",
        doc="A captive provider builds capacity only for its own in-house labs and sells to no one else (e.g. Meta).",
    )
    other_capex: float = param(
        0.0,
        unit="$B per quarter",
        doc="Capex on capacity the model does not represent (non-AI cloud, AI for the firm's own products and enterprise AI), paid to suppliers; grows at market.other_capex_growth, decaying to the non-AI growth.",
        low=0.0,
        high=1e5,
    )
    markup: float = param(
        -1.0,
        unit="fraction of unit cost",
        doc="Initial markup; -1 takes hyperscaler.initial_markup (or neocloud_markup for a neocloud).",
        low=-1.0,
        high=5.0,
    )


@dataclass(frozen=True)
class LabSpec:
    """One named AI lab (``[[labs]]`` in a scenario file)."""

    name: str = param("", unit="-", doc="Name of the lab.")
    cash: float = param(3.0, unit="$B", doc="Initial cash.", low=0.0, high=1e5)
    quality: float = param(
        0.0,
        unit="log compute",
        doc="Initial quality relative to the generated mean.",
        low=-50.0,
        high=50.0,
    )
    owner: str = param(
        "",
        unit="-",
        doc="Name of the hyperscaler that owns it (in-house lab); empty if independent.",
    )
    revenue: float = param(
        0.0,
        unit="$B per quarter",
        doc="End-user revenue at the start; if positive it sets the lab's initial market share (revenue / market.ai_revenue) and its quality follows from the logit.",
        low=0.0,
        high=1e4,
    )
    productivity: float = param(
        1.0,
        unit="-",
        doc="Research productivity (effective compute per GW of training) relative to 1.",
        low=0.01,
        high=100.0,
    )
    provider: str = param(
        "",
        unit="-",
        doc="Provider where its workloads run at the start; empty = drawn by capacity.",
    )


@dataclass(frozen=True)
class AgreementSpec:
    """A deal or compute commitment named in the scenario (``[[agreements]]``): in place at the start, or signed later.

    A pure compute contract (a take-or-pay commitment with no equity, like AWS-OpenAI's $38B) has
    ``amount = 0``. Rules presets do not undo deals in place at the start (they are signed contracts);
    they do apply to deals signed later.
    """

    investor: str = param("", unit="-", doc="Name of the hyperscaler (investor or provider).")
    lab: str = param("", unit="-", doc="Name of the lab.")
    quarter: int = param(
        0,
        unit="quarters from start",
        doc="0: in place at the start; k > 0: signed in quarter k.",
        low=0,
        high=400,
    )
    amount: float = param(
        0.0,
        unit="$B",
        doc="Investment still to be paid (at signing and in tranches); 0 for a pure compute contract.",
        low=0.0,
        high=1e5,
    )
    upfront: float = param(
        0.0,
        unit="$B",
        doc="Part of `amount` paid at signing (for a deal in place at the start: paid in its first quarter).",
        low=0.0,
        high=1e5,
    )
    tranches: int = param(
        4,
        unit="quarters",
        doc="Quarterly conditional tranches for the rest of `amount`.",
        low=0,
        high=80,
    )
    stake: float = param(
        0.0,
        unit="fraction",
        doc="Equity stake of the investor after the deal (0 for none).",
        low=0.0,
        high=1.0,
    )
    commitment: float = param(
        0.0,
        unit="$B",
        doc="Compute the lab must still buy from the investor (take-or-pay).",
        low=0.0,
        high=1e5,
    )
    commitment_start: int = param(
        0,
        unit="quarters from signing",
        doc="When the commitment's spending obligation begins.",
        low=0,
        high=400,
    )
    commitment_quarters: int = param(
        28,
        unit="quarters",
        doc="Quarters over which the commitment is spent, from its start.",
        low=1,
        high=400,
    )
    exclusivity_quarters: int = param(
        0, unit="quarters", doc="Quarters of exclusivity from signing.", low=0, high=400
    )
    discount: float = param(
        0.0, unit="fraction of price", doc="Price discount at the investor.", low=0.0, high=0.9
    )
    revenue_share: float = param(
        0.0,
        unit="fraction of lab revenue",
        doc="Share of lab revenue paid to the investor during the commitment.",
        low=0.0,
        high=0.9,
    )
    tied: bool = param(
        True,
        unit="-",
        doc="Whether the investment obliges spending at the investor (its money is then tagged and counts as circular when it comes back).",
    )


SECTIONS: dict[str, type] = {
    "market": MarketParams,
    "hyperscaler": HyperscalerParams,
    "lab": LabParams,
    "deals": DealTerms,
    "contracts": ContractTerms,
    "rules": RulesParams,
    "capital": CapitalParams,
    "entry": EntryParams,
    "population": PopulationParams,
    "credit": CreditParams,
    "valuation": ValuationParams,
}
"""Scenario sections holding one table of parameters each, by their TOML name."""

FIRM_LISTS: dict[str, type] = {
    "hyperscalers": HyperscalerSpec,
    "labs": LabSpec,
    "agreements": AgreementSpec,
}
"""Scenario sections holding a list of tables (``[[hyperscalers]]``, ``[[labs]]``, ``[[agreements]]``)."""


def parameter_table() -> list[dict[str, Any]]:
    """Every parameter of the schema, one dict per parameter, in declaration order.

    Returns:
        Dicts with keys ``path`` (dotted), ``type``, ``default``, ``unit``, ``doc``, ``low``, ``high``,
        ``source`` and ``choices``.
    """
    rows = []
    for section, cls in {**SECTIONS, **FIRM_LISTS}.items():
        prefix = f"{section}[]" if section in FIRM_LISTS else section
        for f in dataclasses.fields(cls):
            rows.append(
                {
                    "path": f"{prefix}.{f.name}",
                    "type": type(f.default).__name__,
                    "default": f.default,
                    **f.metadata,
                }
            )
    return rows
