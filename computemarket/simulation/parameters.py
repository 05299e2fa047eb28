"""The scenario schema: every parameter of the model, with its unit, default, range and source.

This module is the single source of truth for defaults. The loader (:mod:`.scenario`), the command
line, the classroom app and ``docs/parameters.md`` all read the schema from here.

Each section is a frozen dataclass whose fields are declared with :func:`param`. A field's metadata
holds its unit, its meaning, its allowed range and, for real-world figures, the source.

Every numeric parameter has a ``source`` or, where none exists, an ``ASSUMPTION: <reason>`` sentence
in its ``doc`` (why the value, and where its effect is tested). Exempt are switches (booleans),
strings (names, choices), the calendar and horizon (``market.start_year``, ``market.start_quarter``,
``market.years``) and the population counts (``population.*``);
``tests/simulation/test_parameters_doc.py`` checks it.

Every part of the package finds a parameter by its dotted path with :func:`find_parameter` and
checks a value with :func:`check_value`: the command line (``--set``), scenario files, experiment
factors and the classroom app all go through these two functions.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from computemarket.errors import UserError

# Sources quoted by several parameters (see also computemarket/data/calibration_2025.csv).
SRC_SYNERGY_Q4_2025 = "Synergy Research via TechTarget, Q4 2025 (cloud market $119.1B/quarter)"
SRC_DEPRECIATION = "10-K server lives: Microsoft, Alphabet, CoreWeave 6 years; Amazon, Meta 5 years"
SRC_BUILD = "JLL 2026: data-center shell to commissioning 18-24 months"
SRC_CAPEX_GW = "Altman (Reuters, Oct 2025) >$40B/GW; industry $20-25B/GW; Stargate Abilene ~$32B/GW"
SRC_AMZN_OPENAI = (
    "Amazon-OpenAI, 27 Feb 2026 (Tom's Hardware): $15B upfront + $35B conditional, $138B AWS"
)
SRC_MERGER_GUIDELINES = "US 2023 Merger Guidelines, Guideline 1 (DOJ/FTC)"

# The HHI thresholds of the US 2023 Merger Guidelines (Guideline 1), on the 0-10,000 scale. Defined
# here once: the merger-control rules below, the metrics, the figures and the app read them.
HHI_MODERATE = 1000.0
"""Lower bound of 'moderately concentrated' (US 2023 Merger Guidelines, Guideline 1)."""
HHI_HIGH = 1800.0
"""Above this a market is 'highly concentrated' (US 2023 Merger Guidelines, Guideline 1)."""
HHI_DELTA_SIGNIFICANT = 100.0
"""A merger raising HHI by more than this in a highly concentrated market is presumed harmful."""
SRC_EU_DATA_ACT = "Regulation (EU) 2023/2854 Art. 29: no switching charges from 12 January 2027"

INDEPENDENT_INVESTOR = "independent"
"""The investor name of a named agreement whose money comes from independent capital (no strings)."""

SRC_COMMITMENT_TERMS = (
    "Median of the public terms: Google-Anthropic 4 years (2023), Oracle-OpenAI ~5, "
    "AWS-OpenAI 7 (Nov 2025) and 8 (Feb 2026), AWS-Anthropic 10 (Apr 2026) "
    "(calibration_2025.csv cloud_commitment and investment rows)"
)

# The reasons of the firm lists' defaults, which stand in for a figure the scenario does not give.
ASSUMPTION_LISTED_FIRM = (
    "ASSUMPTION: a placeholder for a listed firm that omits it; a scenario gives each firm's own "
    "figure, with its source or its ASSUMPTION (calibrated-2025.toml)."
)
ASSUMPTION_SHARED_VALUE = (
    "ASSUMPTION: none of the firm's own by default, so the shared parameter applies, with its "
    "source or its ASSUMPTION; a scenario gives a firm's own where one is known."
)
ASSUMPTION_AGREEMENT_TERM = (
    "ASSUMPTION: none of this term unless the scenario's agreement gives it; scenarios give each "
    "agreement's terms with their sources (calibrated-2025.toml cites the csv rows)."
)


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
        doc: One sentence saying what the parameter means; for a number without a source, followed
            by an ``ASSUMPTION: <reason>`` sentence.
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
        doc=(
            "Long-run annual growth of end-user AI spending. ASSUMPTION: no forecast of AI spending "
            "beyond 2030 in the data; docs/validation.md checks the whole path against end-user "
            "spending in 2030 (plausibility row 21)."
        ),
        low=-0.9,
        high=10.0,
    )
    growth_decay_years: float = param(
        4.0,
        unit="years",
        doc=(
            "e-folding time of the decay from initial to long-run growth. ASSUMPTION: no estimate of "
            "how fast the growth of AI spending slows; docs/validation.md checks the path it gives "
            "against end-user spending in 2030 (plausibility row 21)."
        ),
        low=0.1,
        high=100.0,
    )
    demand_shock: bool = param(
        False, unit="-", doc="If true, AI spending growth collapses at `demand_shock_year`."
    )
    demand_shock_year: float = param(
        3.0,
        unit="years from start",
        doc=(
            "When the demand shock hits. ASSUMPTION: a scenario's choice, not an estimate (the shock "
            "is off by default); docs/validation.md and the demand-shock experiment put it in year 3."
        ),
        low=0.0,
        high=100.0,
    )
    demand_shock_growth: float = param(
        -0.3,
        unit="per year",
        doc=(
            "Annual growth of AI spending after the shock (the 2001 telecom bust is the analog). "
            "ASSUMPTION: a scenario's choice, not an estimate; the demand-shock experiment compares "
            "-0.6, -0.3 and 0."
        ),
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
        doc=(
            "Cloud revenue of providers not modelled as agents (an atomistic fringe): counts in the "
            "whole cloud market's size, adds nothing to its HHI; grows like the non-AI business. "
            "ASSUMPTION: 0 in the stylized markets, whose providers make up the whole cloud market; "
            "calibrated-2025 and calibrated-2023 set it from Synergy's market size and shares."
        ),
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
        doc=(
            "e-folding time of the decay of other_capex_growth towards non_ai_cloud_growth. "
            "ASSUMPTION: no estimate; it matters only for providers with other_capex, none of them "
            "generated (calibrated-2025 and calibrated-2023 take 1.5 years, an ASSUMPTION explained "
            "there)."
        ),
        low=0.1,
        high=100.0,
    )
    algorithmic_gain: float = param(
        3.0,
        unit="x per year",
        doc=(
            "Multiplier per year of effective training compute from better algorithms (hardware "
            "gains are in the compute unit itself: supply.flops_per_watt_growth)."
        ),
        low=1.0,
        high=20.0,
        source="Gundlach et al. 2025 (arXiv 2511.23455): algorithmic efficiency ~3x per year",
    )
    inference_gw_per_revenue: float = param(
        0.2,
        unit="eGW per $B of quarterly revenue",
        doc=(
            "Inference compute a lab needs per $B of quarterly end-user revenue, at the start "
            "(eGW: compute of one GW of the start fleet; see docs/model.md 7.2)."
        ),
        low=0.0,
        high=10.0,
        source="Derived: OpenAI 2024 inference spend $1.8B on ~$3.7B revenue (Epoch) at ~$2.5B per GW-quarter",
    )
    inference_efficiency_gain: float = param(
        1.0,
        unit="x per year",
        doc=(
            "Yearly fall in compute (eGW) needed per unit of AI service from better serving "
            "(distillation, quantisation), on top of hardware gains, which are in the eGW unit. 1 = "
            "none. ASSUMPTION: 1 leaves the fall in inference cost to the hardware (the eGW unit); "
            "docs/evidence.md 3.2 puts it at 1.0-1.6 (OpenAI's paid-user compute margins suggest 1.5x "
            "a year [csv: compute_margin_paid_users], while overall gross margins fell [csv: "
            "gross_margin])."
        ),
        low=1.0,
        high=20.0,
    )
    quality_weight: float = param(
        0.8,
        unit="per unit of log compute",
        doc=(
            "Logit sensitivity of users to model quality (quality is log effective compute). "
            "ASSUMPTION: no estimate of users' sensitivity to model quality; below 1, so shares are "
            "concave in compute and the market does not tip on quality alone (docs/model.md 7.3); "
            "swept over 0.4-1.6 in deal-robustness (docs/findings.md 1.5) and 0.5-1.2 in the "
            "sensitivity rows of docs/validation.md."
        ),
        low=0.0,
        high=20.0,
    )
    outside_share: float = param(
        0.2,
        unit="fraction",
        doc=(
            "Share of end-user spending that goes to the outside option (open models, in-house) at "
            "the start. ASSUMPTION: no figure for spending on open models and in-house tools; open "
            "models keep under 30% of OpenRouter's tokens [csv: open_model_price_discount], a share "
            "of use, not of spending."
        ),
        low=0.0,
        high=0.95,
    )
    share_inertia: float = param(
        0.75,
        unit="fraction per quarter",
        doc=(
            "Share of last quarter's market share a lab keeps regardless of quality (users switch "
            "slowly). ASSUMPTION: no estimate of how fast users move between AI models; a quarter of "
            "the gap to the quality-driven share closes each quarter (a half-life of about 2.4 "
            "quarters); 0.5-0.9 in the sensitivity rows of docs/validation.md."
        ),
        low=0.0,
        high=0.99,
    )
    quality_depreciation: float = param(
        0.12,
        unit="per quarter",
        doc=(
            "Obsolescence: fraction of a lab's effective training compute stock lost each quarter. "
            "ASSUMPTION: no estimate of how fast models become obsolete; 0.12 a quarter loses about "
            "40% of the stock a year."
        ),
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
        doc=(
            "Utilization at which the markup stays constant. ASSUMPTION: no public utilization of AI "
            "fleets; providers plan 1 / 0.8 = 1.25 times the compute they expect to sell, a reserve "
            "of 25%."
        ),
        low=0.1,
        high=1.0,
    )
    initial_markup: float = param(
        0.5,
        unit="fraction of unit cost",
        doc=(
            "Markup of price over unit cost at the start. ASSUMPTION: no public margin of AI compute "
            "over its full unit cost; the markup then moves with utilization (markup_adjustment)."
        ),
        low=0.0,
        high=5.0,
    )
    markup_adjustment: float = param(
        0.5,
        unit="per unit of utilization gap per quarter",
        doc=(
            "How fast the markup moves when utilization is above or below target. ASSUMPTION: no "
            "estimate of how fast cloud prices respond; utilization 10 points above target raises the "
            "markup by 0.05 a quarter."
        ),
        low=0.0,
        high=10.0,
    )
    min_markup: float = param(
        0.0,
        unit="fraction",
        doc=(
            "Floor of the markup (price never below unit cost). ASSUMPTION: providers do not sell "
            "below unit cost (depreciation included); at the floor they build for contracted demand "
            "only (docs/model.md 7.8)."
        ),
        low=0.0,
        high=5.0,
    )
    max_markup: float = param(
        2.0,
        unit="fraction",
        doc=(
            "Ceiling of the markup. ASSUMPTION: no estimate; bounds the price in a shortage at three "
            "times unit cost."
        ),
        low=0.0,
        high=20.0,
    )
    forecast_smoothing: float = param(
        0.3,
        unit="fraction",
        doc=(
            "Weight of the newest quarter in the demand forecast (exponential smoothing). ASSUMPTION: "
            "no data on how providers forecast demand; past quarters' weight halves in about two "
            "quarters."
        ),
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
        0.3,
        unit="per quarter",
        doc=(
            "Highest quarterly growth of the compute (eGW) demanded that a hyperscaler "
            "extrapolates (0.3 is about 2.9x a year): guards the forecast against one odd "
            "quarter while letting it follow compute demand, which grows faster than spending "
            "as compute gets cheaper."
        ),
        low=0.0,
        high=2.0,
        source=(
            "Epoch AI: installed Nvidia AI compute x2.3 a year 2019-2024, all vendors x3.3-3.4 "
            "(calibration_2025.csv: compute_stock_growth)"
        ),
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
        doc=(
            "Damping of the extrapolated demand trend per quarter ahead (1 = undamped). ASSUMPTION: "
            "no data on how providers forecast demand; over an 8-quarter build lag the damped trend "
            "extrapolates about 4 quarters of growth."
        ),
        low=0.0,
        high=1.0,
    )
    debt_repayment_rate: float = param(
        0.05,
        unit="per quarter",
        doc=(
            "Share of debt repaid each quarter when cash allows. ASSUMPTION: no data on voluntary "
            "repayment; equal to credit.repricing_share, the share of debt maturing each quarter (an "
            "average maturity of five years)."
        ),
        low=0.0,
        high=1.0,
    )
    non_ai_margin: float = param(
        0.35,
        unit="fraction",
        doc=(
            "Operating margin of the non-AI cloud business. ASSUMPTION: no operating margin of the "
            "non-AI cloud business in the data."
        ),
        low=0.0,
        high=1.0,
    )
    aggressiveness: float = param(
        1.0,
        unit="-",
        doc=(
            "Scales every hyperscaler's strategic budget for lab deals (0 = never invests). "
            "ASSUMPTION: 1 keeps the budgets as disclosed; a knob for sensitivity analysis."
        ),
        low=0.0,
        high=10.0,
    )
    equity_return: float = param(
        1.2,
        unit="x amount invested",
        doc=(
            "What a hyperscaler expects its equity in a surviving lab to be worth per $ invested. "
            "ASSUMPTION: no data on what strategic investors expect; a surviving lab's equity is "
            "expected to be worth a fifth more than was paid for it."
        ),
        low=0.0,
        high=100.0,
    )
    investment_budget_share: float = param(
        0.09,
        unit="fraction of other-business cash flow",
        doc=(
            "Strategic budget for lab deals per year, as a share of the annual cash flow from other "
            "businesses (which stands for the parent's operating cash flow), for hyperscalers whose "
            "own share (hyperscalers[].strategic_investment_share) is not given; times "
            "aggressiveness. Deals count at their whole amount (offers.budget_years)."
        ),
        low=0.0,
        high=5.0,
        source=(
            "Amazon, Alphabet and Microsoft announced $141.75B of investment in labs in Jan 2023-May "
            "2026, $41.4B a year, 9.4% of their $440B of operating cash flow (calibration_2025.csv: "
            "derived_lab_investment_share_of_operating_cash_flow); upfront money alone: Amazon 6% "
            "(2024) to 14% (2026)"
        ),
    )
    initial_capacity_gw: float = param(
        1.5,
        unit="GW",
        doc=(
            "Mean initial AI capacity of a generated hyperscaler. ASSUMPTION: generated hyperscalers "
            "are stylized; listed ones carry their own capacity."
        ),
        low=0.0,
        high=1e4,
    )
    capacity_dispersion: float = param(
        0.4,
        unit="log-sd",
        doc=(
            "Log-normal spread of initial capacity across generated hyperscalers (0 = symmetric). "
            "ASSUMPTION: generated hyperscalers are stylized; listed ones carry their own capacity."
        ),
        low=0.0,
        high=3.0,
    )
    initial_cash: float = param(
        40.0,
        unit="$B",
        doc=(
            "Initial cash of a generated hyperscaler. ASSUMPTION: generated hyperscalers are "
            "stylized; listed ones carry their own cash."
        ),
        low=0.0,
        high=1e5,
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
        doc=(
            "Cash flow from other businesses (retail, software, ads) of a generated hyperscaler. "
            "ASSUMPTION: generated hyperscalers are stylized; listed ones carry their own cash flow."
        ),
        low=0.0,
        high=1e5,
    )
    neocloud_capacity_gw: float = param(
        0.6,
        unit="GW",
        doc=(
            "Initial AI capacity of a generated neocloud. ASSUMPTION: generated neoclouds are "
            "stylized; listed ones carry their own capacity."
        ),
        low=0.0,
        high=1e4,
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
        3.0,
        unit="$B",
        doc=(
            "Initial cash of a generated neocloud. ASSUMPTION: generated neoclouds are stylized; "
            "listed ones carry their own cash."
        ),
        low=0.0,
        high=1e5,
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
        doc=(
            "A lab raises capital when cash covers fewer quarters of burn than this. ASSUMPTION: no "
            "data on when labs raise; a year of burn."
        ),
        low=0.0,
        high=40.0,
    )
    raise_quarters: float = param(
        8.0,
        unit="quarters",
        doc=(
            "A raise aims to cover this many quarters of burn. ASSUMPTION: no data on the size of "
            "rounds relative to burn; two years of burn (growth raises are sized by "
            "war_chest_quarters)."
        ),
        low=0.5,
        high=40.0,
    )
    war_chest_quarters: float = param(
        4.0,
        unit="quarters of compute spend",
        doc=(
            "An independent lab also raises growth capital when its cash falls below this many "
            "quarters of its compute spend, aiming at twice that: labs fund compute ahead of "
            "revenue even when they do not burn cash. ASSUMPTION: OpenAI's and Anthropic's "
            "2025-26 rounds ($40B and $110B; $13B and $30B) each covered one to three years of "
            "their compute spend while revenue tripled (calibration_2025.csv: investment, "
            "valuation_post_money, compute_spend rows); 0 turns growth raises off."
        ),
        low=0.0,
        high=40.0,
    )
    training_budget_share: float = param(
        0.15,
        unit="fraction of spare cash per quarter",
        doc=(
            "Share of cash above the runway reserve spent on training each quarter. ASSUMPTION: no "
            "estimate; calibrated-2025 fits 0.03 to OpenAI's ~1.9 GW and the inference share of the "
            "labs' compute at the start (plausibility rows 19-20 of docs/validation.md)."
        ),
        low=0.0,
        high=1.0,
    )
    training_revenue_share: float = param(
        0.6,
        unit="fraction of revenue",
        doc=(
            "Share of quarterly revenue a young lab spends on training (at the start, or at "
            "entry); it falls towards training_revenue_share_mature as the lab matures."
        ),
        low=0.0,
        high=2.0,
        source=(
            "OpenAI 2024: training compute $3.0B on revenue $3.7B = 0.81 (Epoch AI, Oct 2025; "
            "calibration_2025.csv: compute_spend_training); 0.6 kept from earlier versions"
        ),
    )
    training_revenue_share_mature: float = param(
        0.25,
        unit="fraction of revenue",
        doc=(
            "Share of quarterly revenue a mature lab spends on training (set it equal to "
            "training_revenue_share to switch maturing off)."
        ),
        low=0.0,
        high=2.0,
        source=(
            "OpenAI's 2030 projection: R&D (training compute and research staff) ~45% of revenue "
            "(The Information, autumn 2025; calibration_2025.csv: "
            "rd_share_of_revenue_projection); ASSUMPTION: about half of R&D is compute"
        ),
    )
    training_maturity_years: float = param(
        3.0,
        unit="years",
        doc=(
            "e-folding time of the fall of a lab's training share of revenue with its age (years "
            "since the start for labs present at the start, since entry for entrants)."
        ),
        low=0.1,
        high=100.0,
        source=(
            "Fits OpenAI ~0.8 (2024) to ~0.35 (2030) (calibration_2025.csv: "
            "compute_spend_training, rd_share_of_revenue_projection); weak: projections"
        ),
    )
    opex_share: float = param(
        0.25,
        unit="fraction of revenue",
        doc=(
            "Non-compute operating costs (staff, sales) per $ of revenue. ASSUMPTION: no breakdown of "
            "the labs' non-compute costs in the data; docs/validation.md checks the labs' (compute + "
            "opex) / revenue in 2028 (plausibility row 18)."
        ),
        low=0.0,
        high=2.0,
    )
    fixed_opex: float = param(
        0.05,
        unit="$B per quarter",
        doc=(
            "Fixed operating cost of a lab. ASSUMPTION: no data; $0.2B a year, also the floor of a "
            "lab's burn."
        ),
        low=0.0,
        high=100.0,
    )
    min_valuation: float = param(
        1.0,
        unit="$B",
        doc=(
            "Floor of a lab's pre-money valuation. ASSUMPTION: no data; a floor for labs with little "
            "or no revenue, such as entrants."
        ),
        low=0.0,
        high=1e4,
    )
    string_aversion: float = param(
        0.1,
        unit="fraction of amount per unit of strings",
        doc=(
            "How much a lab dislikes compute strings: score penalty per unit of commitment multiple "
            "and per year of exclusivity. ASSUMPTION: no estimate of how labs weigh strings; equal to "
            "the default deal discount (docs/model.md 9); swept over 0-0.3 in deal-robustness "
            "(docs/findings.md 1.5) and 0.05-0.3 in the sensitivity rows of docs/validation.md."
        ),
        low=0.0,
        high=10.0,
    )
    provider_price_sensitivity: float = param(
        8.0,
        unit="-",
        doc=(
            "Logit sensitivity of a lab's open demand to relative effective cost across providers "
            "(higher = cheapest wins). ASSUMPTION: no estimate; a provider 10% dearer gets exp(-0.8) "
            "= 0.45 times the weight; swept over 2-20 in the sensitivity experiment and 4-16 in the "
            "sensitivity rows of docs/validation.md."
        ),
        low=0.0,
        high=200.0,
    )
    productivity_dispersion: float = param(
        0.25,
        unit="log-sd",
        doc=(
            "Spread of research productivity (effective compute per GW of training) across labs; 0 = "
            "identical. ASSUMPTION: generated labs are stylized; listed labs carry their own "
            "productivity."
        ),
        low=0.0,
        high=3.0,
    )
    total_initial_cash: float = param(
        60.0,
        unit="$B",
        doc=(
            "Cash of all generated labs together at the start, split with random weights (so more "
            "labs do not mean more money). ASSUMPTION: generated labs are stylized; listed labs carry "
            "their own cash."
        ),
        low=0.0,
        high=1e6,
    )
    quality_dispersion: float = param(
        1.0,
        unit="log compute",
        doc=(
            "Spread (sd) of initial quality across generated labs (0 = symmetric). ASSUMPTION: "
            "generated labs are stylized; a listed lab's quality follows from its revenue."
        ),
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
    """Terms hyperscalers offer when they invest in a lab (rules may cap or ban each).

    For endogenous offers these are the central values of the distributions in ``[offers]``: the
    median commitment multiple, the length of exclusivity and the revenue share when a deal carries
    them, the fewest tranches. Named ``[[agreements]]`` carry their own terms.
    """

    commitment_multiple: float = param(
        4.5,
        unit="x investment",
        doc=(
            "Median compute the lab must buy from the investor (take-or-pay), per $ invested; each "
            "offer draws its multiple from a log-normal around it (offers.commitment_multiple_log_sd)."
        ),
        low=0.0,
        high=100.0,
        source=(
            "Derived: the six public multiples 1.5 (Google-Anthropic 2023, $3B on $2B), 2.8 "
            "(Amazon-OpenAI 2026, 138/50), 4 (Amazon-Anthropic 2026, 100/25), 5 (Google-Anthropic "
            "2026, ~200/40, unverified), 6 (Microsoft-Anthropic 2025, 30/5), 18 (Microsoft-OpenAI, "
            "250/13.75): median 4.5, geometric mean 4.6 (calibration_2025.csv: "
            "derived_commitment_to_investment_ratio, investment and cloud_commitment rows)"
        ),
    )
    upfront_share: float = param(
        0.25,
        unit="fraction",
        doc="Share of the investment paid at signing; the rest comes in conditional tranches.",
        low=0.0,
        high=1.0,
        source=(
            "Median of 1.25/4 (Amazon-Anthropic 2023), 0.5/2 (Google-Anthropic 2023), 15/50 "
            "(Amazon-OpenAI 2026), 5/25 (Amazon-Anthropic 2026), 10/40 (Google-Anthropic 2026) "
            "(calibration_2025.csv investment rows)"
        ),
    )
    tranches: int = param(
        4,
        unit="quarters",
        doc=(
            "Fewest quarterly conditional tranches after signing; an offer draws its number uniformly "
            "from this to offers.tranches_max. ASSUMPTION: tranche schedules are not public (see "
            "offers.tranches_max)."
        ),
        low=0,
        high=40,
    )
    commitment_quarters: int = param(
        28,
        unit="quarters",
        doc="Term over which the committed spend must be used.",
        low=1,
        high=80,
        source=SRC_COMMITMENT_TERMS,
    )
    exclusivity_quarters: int = param(
        24,
        unit="quarters",
        doc=(
            "Quarters during which the lab buys all compute from the investor, when an offer "
            "carries exclusivity (offers.exclusivity_incidence)."
        ),
        low=0,
        high=80,
        source=(
            "Microsoft was OpenAI's exclusive cloud from the 2019 deal (FTC 6(b) staff report, Jan "
            "2025) until its right of first refusal ended on 28 Oct 2025: about 25 quarters "
            "(calibration_2025.csv: investment Microsoft->OpenAI; right_of_first_refusal_compute)"
        ),
    )
    discount: float = param(
        0.1,
        unit="fraction of price",
        doc=(
            "Price discount the investor gives the lab on its compute. ASSUMPTION: no deal "
            "discount is public (docs/evidence.md)."
        ),
        low=0.0,
        high=0.9,
    )
    revenue_share: float = param(
        0.2,
        unit="fraction of lab revenue",
        doc=(
            "Share of the lab's revenue paid to the investor during the commitment term, when an "
            "offer carries a revenue share (offers.revenue_share_incidence)."
        ),
        low=0.0,
        high=0.9,
        source=(
            "Microsoft receives ~20% of OpenAI revenue to 2030, total capped (calibration_2025.csv: "
            "revenue_share_lab_to_investor, Apr 2026; widely reported, unconfirmed)"
        ),
    )


@dataclass(frozen=True)
class OfferParams:
    """Endogenous offers: how often hyperscalers sign deals, how big, on what terms, within what budget.

    Calibrated to the 2023-2026 deals between the hyperscalers and the labs (the FTC 6(b) staff
    report of January 2025 and the rows of calibration_2025.csv; docs/model.md §7.5 has the table).
    Every draw comes from the model's random number generator.
    """

    deals_per_year: float = param(
        3.0,
        unit="deals per year",
        doc=(
            "Poisson rate of strategic deals between all hyperscalers and all labs together: each "
            "quarter a Poisson(deals_per_year / 4) number of deals may be signed (1000 = "
            "practically no limit)."
        ),
        low=0.0,
        high=1000.0,
        source=(
            "Deals signed: 2023 three (Microsoft-OpenAI, Amazon-Anthropic, Google-Anthropic), 2024 "
            "two (Amazon-Anthropic), 2025 three (Google-, Microsoft-Anthropic, Microsoft-OpenAI "
            "recapitalisation), Jan-May 2026 three (Amazon-OpenAI, Amazon-, Google-Anthropic): "
            "11 in 3.4 years (calibration_2025.csv investment rows)"
        ),
    )
    first_deal_top_share: float = param(
        0.33,
        unit="fraction of active labs",
        doc=(
            "A hyperscaler offers a first deal (no stake or commitment in force between them) only "
            "to labs in this top share by quality; follow-ons go to any lab it is tied to "
            "(1 = every lab)."
        ),
        low=0.0,
        high=1.0,
        source=(
            "Every deal of 2023-2026 went to OpenAI or Anthropic, the two labs with the most "
            "revenue of the six named in calibrated-2025, a third of them (calibration_2025.csv "
            "investment and revenue rows); the cut for other populations is an ASSUMPTION"
        ),
    )
    size_low: float = param(
        0.01,
        unit="fraction of pre-money valuation",
        doc="Smallest deal: amounts are log-uniform between size_low and size_high of the lab's valuation.",
        low=0.0001,
        high=1.0,
        source="Google->Anthropic 2026: $10B at $965B post-money, 1% (calibration_2025.csv)",
    )
    size_high: float = param(
        0.15,
        unit="fraction of pre-money valuation",
        doc="Largest deal, as a fraction of the lab's pre-money valuation.",
        low=0.0001,
        high=10.0,
        source=(
            "Amazon->Anthropic Mar 2024: $2.75B at $18.4B, 15%; Amazon->OpenAI 2026 $50B of $852B, "
            "6%; Microsoft->Anthropic Nov 2025: $5B against Anthropic's $183B of Sep 2025, 3% "
            "(calibration_2025.csv)"
        ),
    )
    commitment_multiple_log_sd: float = param(
        0.84,
        unit="log-sd",
        doc=(
            "Spread of the commitment multiple across offers: log-normal with median "
            "deals.commitment_multiple (0 = every offer at the median)."
        ),
        low=0.0,
        high=5.0,
        source="Derived: sample log-sd of the six public multiples 1.5, 2.8, 4, 5, 6, 18 (deals.commitment_multiple)",
    )
    commitment_multiple_max: float = param(
        18.2,
        unit="x investment",
        doc=(
            "Largest commitment multiple an offer draws (the log-normal is cut there; "
            "rules.max_commitment_multiple still caps it)."
        ),
        low=0.0,
        high=100.0,
        source="Microsoft-OpenAI 250/13.75 = 18.2x, the largest observed (calibration_2025.csv: derived_commitment_to_investment_ratio)",
    )
    exclusivity_incidence: float = param(
        0.15,
        unit="probability",
        doc=(
            "Chance that an offer carries exclusivity for deals.exclusivity_quarters (1 = every "
            "offer, 0 = none); the same uniform draw decides the revenue share, so the two strings "
            "come together as in the one observed case."
        ),
        low=0.0,
        high=1.0,
        source=(
            "1 of the ~7 hyperscaler-lab relationships had compute exclusivity (Microsoft-OpenAI: "
            "'exclusive cloud provider', FTC 6(b) staff report, Jan 2025); 'primary cloud' clauses "
            "are commitments, not exclusivity (calibration_2025.csv investment rows)"
        ),
    )
    revenue_share_incidence: float = param(
        0.15,
        unit="probability",
        doc="Chance that an offer carries a revenue share of deals.revenue_share (1 = every offer).",
        low=0.0,
        high=1.0,
        source=(
            "Only Microsoft-OpenAI of ~7 relationships has a revenue share (calibration_2025.csv: "
            "revenue_share_lab_to_investor; FTC 6(b): 'equity and revenue-sharing rights')"
        ),
    )
    tranches_max: int = param(
        8,
        unit="quarters",
        doc=(
            "Most quarterly tranches: an offer draws its number uniformly from deals.tranches to "
            "this. ASSUMPTION: tranche schedules are not public; Amazon's $35B to OpenAI comes "
            "'when certain conditions are met'; Amazon paid Anthropic's second tranche two quarters "
            "after the first."
        ),
        low=0,
        high=40,
    )
    budget_years: float = param(
        2.0,
        unit="years",
        doc=(
            "An investor's deals signed in the last budget_years years (their whole amount, "
            "tranches included) may not exceed budget_years years of its strategic budget. "
            "ASSUMPTION: about the time over which the conditional money of the 2026 deals is paid."
        ),
        low=0.25,
        high=20.0,
    )
    named_agreements_in_budget: bool = param(
        True,
        unit="-",
        doc=(
            "Whether a named [[agreements]] deal's money counts against its investor's strategic "
            "budget (true: it crowds out the investor's endogenous deals, as the disclosed budgets "
            "include such deals; false: it comes on top of them)."
        ),
    )


@dataclass(frozen=True)
class ContractTerms:
    """Reserved-capacity contracts (the backlog that drives capex)."""

    term_quarters: int = param(
        12,
        unit="quarters",
        doc=(
            "Length of a reserved-capacity contract. ASSUMPTION: no public terms of the labs' "
            "reserved-capacity contracts; three years."
        ),
        low=1,
        high=80,
    )
    reserved_discount: float = param(
        0.1,
        unit="fraction of spot price",
        doc=(
            "Discount of the locked contract price under the spot price. ASSUMPTION: no public "
            "discount of reserved AI capacity in the data."
        ),
        low=0.0,
        high=0.9,
    )
    reserved_fraction: float = param(
        0.5,
        unit="fraction of demand",
        doc=(
            "Share of its current compute need a lab reserves when it signs. ASSUMPTION: no public "
            "data on how much of their compute need labs reserve."
        ),
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
        doc=(
            "Cap on the commitment multiple of a deal. ASSUMPTION: 100, the top of the range, stands "
            "for no cap (no shipped rules preset sets one; the largest observed multiple is 18.2, "
            "offers.commitment_multiple_max)."
        ),
        low=0.0,
        high=100.0,
    )
    switching_cost: float = param(
        0.15,
        unit="fraction of moved spend",
        doc=(
            "Re-engineering cost of moving a workload to another provider, paid to outside engineers. "
            "ASSUMPTION: no estimate of the cost of moving AI workloads (fewer than 1% of UK cloud "
            "customers switch a year [csv: annual_cloud_switching_rate]: evidence of frictions, not "
            "of their price); swept over 0-1 in the sensitivity and commitment-vs-switching "
            "experiments."
        ),
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
        HHI_HIGH,
        unit="HHI points",
        doc="Post-merger HHI above which an acquisition is presumed harmful.",
        low=0.0,
        high=10000.0,
        source=SRC_MERGER_GUIDELINES,
    )
    merger_delta_threshold: float = param(
        HHI_DELTA_SIGNIFICANT,
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
        doc=(
            "Independent capital available per quarter, relative to end-user AI spending. ASSUMPTION: "
            "no source (docs/model.md 9: non-hyperscaler investors put $60B into OpenAI alone in "
            "2026); swept over 0.1-0.6 in deal-robustness (docs/findings.md 1.5), 0.2-1.2 in the "
            "sensitivity experiment and 0.1-0.5 in the sensitivity rows of docs/validation.md."
        ),
        low=0.0,
        high=100.0,
    )
    valuation_haircut: float = param(
        0.25,
        unit="fraction",
        doc=(
            "Independent investors value a lab this much lower (more dilution). ASSUMPTION: no data "
            "comparing the terms of independent and strategic rounds."
        ),
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
        doc=(
            "Share of the gap to full sentiment recovered each quarter. ASSUMPTION: no data on how "
            "fast investors return after failures; a half-life of about 6.6 quarters."
        ),
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
        doc=(
            "Poisson entry rate at initial growth and full sentiment. ASSUMPTION: no count of new "
            "labs in the data; 1.6 entrants a year."
        ),
        low=0.0,
        high=100.0,
    )
    seed_cash: float = param(
        0.5,
        unit="$B",
        doc=(
            "Seed money of an entrant, from independent capital. ASSUMPTION: no data on entrants' "
            "first rounds."
        ),
        low=0.0,
        high=1e4,
    )
    quality_gap: float = param(
        1.5,
        unit="log compute",
        doc=(
            "An entrant's quality is this far below the mean of active labs. ASSUMPTION: no data; at "
            "the default quality_weight an entrant has exp(-0.8 x 1.5) = 0.3 times the logit weight "
            "of a lab of mean quality."
        ),
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
    target_leverage: float = param(
        2.0,
        unit="x EBITDA",
        doc=(
            "Financial policy of a hyperscaler that is not a neocloud: it borrows no more than "
            "this multiple of its EBITDA (annualised operating cash flow), and cuts the capex the "
            "model does not represent (other_capex) before it would. S&P rates debt/EBITDA below "
            "1.5x 'minimal' and 1.5-2x 'modest' financial risk, the band of the Big-4's AA-A "
            "ratings; 1e9 removes the policy."
        ),
        low=0.0,
        high=1e9,
        source=(
            "S&P Global Ratings, Corporate Methodology (19 Nov 2013), cash flow/leverage table "
            "(standard volatility): https://docslib.org/doc/606059/corporate-methodology "
            "[csv: leverage_band]"
        ),
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
class SupplyParams:
    """Power and chips: how fast capacity can come online, what it costs, how much compute it gives.

    The supply curve caps the GW all modelled providers together may receive each quarter; the
    price of new capacity rises as orders press on it. Each quarter's hardware (a vintage) gives
    more compute per GW than the last, and costs more per GW but less per unit of compute.
    Market quantities (capacity, need, contracts) are in eGW: the compute of one GW of the start
    fleet (docs/model.md 7.2).
    """

    max_additions_gw: float = param(
        15.0,
        unit="GW per year (in calendar 2026)",
        doc=(
            "AI capacity that can come online in a year for all modelled providers together "
            "(power and chips); grows at additions_growth. 1e6 switches the cap off."
        ),
        low=0.1,
        high=1e6,
        source=(
            "Derived in docs/evidence.md 2.1 from calibration_2025.csv: Nvidia ~6M "
            "Blackwell GPUs a year at ~1.7 kW all-in (gpu_shipments; system_power GB200 NVL72) "
            "~14 GW a year; McKinsey 125 GW added 2025-2030 worldwide, ~25 a year "
            "(world_ai_dc_power_forecast); EPRI/Epoch US AI 5 to 50+ GW 2025-2030, ~9 a year "
            "(us_ai_power_capacity_forecast); the modelled firms hold most, not all, of it"
        ),
    )
    additions_growth: float = param(
        0.2,
        unit="per year",
        doc="Annual growth of the GW that can come online (the supply curve).",
        low=-0.5,
        high=2.0,
        source=(
            "McKinsey all data-center demand +19-22%/yr to 2030 (world_dc_power_forecast); IEA "
            "data-center electricity +15%/yr (world_dc_electricity_forecast); TSMC CoWoS +60% "
            "in 2026 (cowos_capacity_forecast): 15 x 1.2^4 = 31 GW in 2030, between McKinsey's "
            "25 and Bain's 40 GW a year"
        ),
    )
    congestion_premium: float = param(
        0.25,
        unit="fraction of capex per GW at the cap",
        doc=(
            "Rise in the price of new capacity when orders fill the supply curve: capex per GW "
            "is multiplied by 1 + congestion_premium x (GW ordered / GW that may arrive)^2. "
            "0 switches it off."
        ),
        low=0.0,
        high=5.0,
        source=(
            "ASSUMPTION built from 2025 premia (calibration_2025.csv): AI premium on construction "
            "7-10% (dc_construction_cost_premium_ai); gas turbines up to 2.5x in tight markets "
            "(gas_turbine_lead_time note), +300% in 3 years (gas_turbine_backlog, weak); turbines "
            "and switchgear are a small share of all-in cost, so +20-30% at the cap"
        ),
    )
    construction_inflation: float = param(
        0.055,
        unit="per year",
        doc="Annual rise in the cost per GW of the facility part of capex (shell, power, cooling).",
        low=-0.1,
        high=0.5,
        source=(
            "Turner & Townsend Data Centre Cost Index 2025-26: +5.5% in 2025 "
            "(calibration_2025.csv: dc_construction_cost_inflation)"
        ),
    )
    chip_share_of_capex: float = param(
        0.67,
        unit="fraction of capex per GW",
        doc=(
            "Share of the capex per GW that is IT hardware (chips, servers, network) at the "
            "start; the rest is the facility."
        ),
        low=0.0,
        high=1.0,
        source=(
            "Derived: GB200 NVL72 rack $3.1M per 120 kW = $26B/GW (calibration_2025.csv: "
            "rack_price; system_power) of ~$39B/GW all-in with shell and M&E at ~$13/W "
            "(dc_construction_cost_premium_ai note, Silicon Valley $13.3/W)"
        ),
    )
    flops_per_watt_growth: float = param(
        0.4,
        unit="per year",
        doc=(
            "Annual growth of the compute per GW of new hardware (a GW arriving a year later "
            "gives this much more compute). 0 switches hardware generations off."
        ),
        low=0.0,
        high=3.0,
        source=(
            "Epoch AI ML hardware: leading accelerators +50%/yr FLOP/s per watt, all ML hardware "
            "~30% (ml_hardware_energy_efficiency_growth); derived: DGX H100 3.1 PF/kW to GB200 "
            "NVL72 6.0 PF/kW (FP8) in ~2 years, +38%/yr (system_power rows)"
        ),
    )
    flops_per_dollar_growth: float = param(
        0.3,
        unit="per year",
        doc=(
            "Annual growth of the compute per $ of IT hardware, so the chips in a GW cost "
            "(1 + flops_per_watt_growth) / (1 + flops_per_dollar_growth) times more each year."
        ),
        low=0.0,
        high=3.0,
        source=(
            "Epoch AI ML hardware: +30%/yr FLOP/s per $ at fixed precision "
            "(ml_hardware_price_performance_growth); ML GPUs double every 2.07 years, +40%/yr "
            "(gpu_price_performance_doubling)"
        ),
    )
    pipeline_growth: float = param(
        0.8,
        unit="per year",
        doc=(
            "Growth of each provider's capacity over the orders already in flight at the start "
            "(they arrive over the build lag, within the supply curve, and their capex still "
            "due is paid over the rest of the build)."
        ),
        low=0.0,
        high=5.0,
        source=(
            "Microsoft: +80% AI capacity in FY2026 (calibration_2025.csv: "
            "capacity_growth_target); CoreWeave 0.85 to >1.7 GW active in 2026 (active_power); "
            "Big-4 capex +50% in 2026 (capex_guidance_combined)"
        ),
    )


@dataclass(frozen=True)
class DemandParams:
    """End-user demand for AI services around the adoption trend (market.ai_revenue_growth).

    Spending ``D = T (p / p_ref)^(1 + price_elasticity) exp(quality_elasticity (IV - IV_0))``:
    ``T`` is the trend, ``p`` the price of AI services, ``p_ref`` the price path the trend
    assumes, ``IV`` the logit inclusive value of the labs' offer (docs/model.md 7.3).
    """

    price_elasticity: float = param(
        -0.8,
        unit="elasticity of quantity to price",
        doc=(
            "Price elasticity of the quantity of AI services demanded (market level); -1 leaves "
            "spending unchanged by prices."
        ),
        low=-3.0,
        high=-0.1,
        source=(
            "WEAK EVIDENCE. NBER WP (MIT/BU/Microsoft, OpenRouter): -1.11 within a model across "
            "providers, an upper bound in magnitude for the market "
            "(calibration_2025.csv: price_elasticity_llm_demand); a blog's -1.2 to -1.8 (weak) "
            "for the market; open models 90% cheaper keep <30% of tokens "
            "(open_model_price_discount): range -0.4 to -1.5"
        ),
    )
    cost_pass_through: float = param(
        0.5,
        unit="elasticity of service price to compute price",
        doc=(
            "How much of a change in the compute price labs pass on to the price of AI "
            "services (1 = all: labs' inference cost per $ of revenue stays constant; 0 = none: "
            "prices follow the trend and demand ignores compute prices)."
        ),
        low=0.0,
        high=1.0,
        source=(
            "ASSUMPTION: frontier API prices roughly flat while compute gets cheaper (a16z, "
            "token_price_decline) and paid-use compute margins rose 35% to 70% in two years "
            "(compute_margin_paid_users) argue for < 1; overall gross margins flat or falling "
            "2024-25 (gross_margin, OpenAI) argue for ~1"
        ),
    )
    reference_price_decline: float = param(
        0.23,
        unit="per year",
        doc=(
            "Yearly fall of the compute price that the adoption trend assumes: demand moves "
            "only when the compute price index leaves this path."
        ),
        low=0.0,
        high=0.9,
        source=(
            "1 - 1/1.30: Epoch AI hardware FLOP/s per $ +30%/yr "
            "(calibration_2025.csv: ml_hardware_price_performance_growth); H100 rentals -22% "
            "in 2025 (gpu_rental_price_change)"
        ),
    )
    quality_elasticity: float = param(
        0.0,
        unit="per unit of inclusive value",
        doc=(
            "Response of spending to the variety of the labs' offer (the logit inclusive value "
            "relative to the frontier: it falls when labs exit or fall behind, and rises when "
            "they bunch together). Off (0) by default: no estimate exists, and because the "
            "frontier's own progress sits in the exogenous trend, the channel rewards labs "
            "bunching together, e.g. when scarce compute holds the leader back, which would "
            "count as a welfare gain. Set it (0.5 was the earlier default) to study variety."
        ),
        low=0.0,
        high=5.0,
        source="ASSUMPTION: no estimate found (calibration_2025.csv has none; see model.md 7.3)",
    )


@dataclass(frozen=True)
class HyperscalerSpec:
    """One named cloud provider (``[[hyperscalers]]`` in a scenario file)."""

    name: str = param("", unit="-", doc="Name of the provider.")
    capacity_gw: float = param(
        1.0, unit="GW", doc="Initial AI capacity. " + ASSUMPTION_LISTED_FIRM, low=0.0, high=1e4
    )
    cash: float = param(
        40.0, unit="$B", doc="Initial cash. " + ASSUMPTION_LISTED_FIRM, low=0.0, high=1e5
    )
    debt: float = param(
        0.0, unit="$B", doc="Initial debt. " + ASSUMPTION_LISTED_FIRM, low=0.0, high=1e5
    )
    non_ai_revenue: float = param(
        15.0,
        unit="$B per quarter",
        doc="Initial non-AI cloud revenue. " + ASSUMPTION_LISTED_FIRM,
        low=0.0,
        high=1e5,
    )
    other_cash_flow: float = param(
        12.0,
        unit="$B per quarter",
        doc="Cash flow from other businesses. " + ASSUMPTION_LISTED_FIRM,
        low=0.0,
        high=1e5,
    )
    interest_rate: float = param(
        -1.0,
        unit="per year",
        doc=(
            "Average interest rate on its debt at the start; -1 takes the rate the credit model "
            "(docs/model.md §7.8) quotes it at the start. " + ASSUMPTION_SHARED_VALUE
        ),
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
        doc=(
            "Capex on capacity the model does not represent (non-AI cloud, AI for the firm's own "
            "products and enterprise AI), paid to suppliers; grows at market.other_capex_growth, "
            "decaying to the non-AI growth. " + ASSUMPTION_LISTED_FIRM
        ),
        low=0.0,
        high=1e5,
    )
    markup: float = param(
        -1.0,
        unit="fraction of unit cost",
        doc=(
            "Initial markup; -1 takes hyperscaler.initial_markup (or neocloud_markup for a neocloud). "
            + ASSUMPTION_SHARED_VALUE
        ),
        low=-1.0,
        high=5.0,
    )
    outside_backlog: float = param(
        0.0,
        unit="$B",
        doc=(
            "Revenue still due at the start under contracts with customers the model does not "
            "represent (e.g. Microsoft renting CoreWeave's GPUs). Lenders count it in a neocloud's "
            "collateral like the labs' contracts (credit.backlog_advance_rate); it runs off as the "
            "provider's non-AI revenue is received (docs/model.md §7.8). " + ASSUMPTION_LISTED_FIRM
        ),
        low=0.0,
        high=1e5,
    )
    target_leverage: float = param(
        -1.0,
        unit="x EBITDA",
        doc=(
            "This provider's financial policy: the most debt it takes on, as a multiple of its "
            "EBITDA; -1 takes credit.target_leverage (a neocloud's lenders' covenant binds instead). "
            + ASSUMPTION_SHARED_VALUE
        ),
        low=-1.0,
        high=1e9,
    )
    strategic_investment_share: float = param(
        -1.0,
        unit="fraction of other-business cash flow",
        doc=(
            "This investor's strategic budget for lab deals per year, as a share of its annual "
            "other-business cash flow, from its disclosed investment in labs; -1 takes "
            "hyperscaler.investment_budget_share. " + ASSUMPTION_SHARED_VALUE
        ),
        low=-1.0,
        high=5.0,
    )


@dataclass(frozen=True)
class LabSpec:
    """One named AI lab (``[[labs]]`` in a scenario file)."""

    name: str = param("", unit="-", doc="Name of the lab.")
    cash: float = param(
        3.0, unit="$B", doc="Initial cash. " + ASSUMPTION_LISTED_FIRM, low=0.0, high=1e5
    )
    quality: float = param(
        0.0,
        unit="log compute",
        doc=(
            "Initial quality relative to the generated mean. ASSUMPTION: quality is not observed; "
            "used only when revenue is 0 (revenue sets the share, and quality follows)."
        ),
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
        doc=(
            "End-user revenue at the start; if positive it sets the lab's initial market share "
            "(revenue / market.ai_revenue) and its quality follows from the logit. ASSUMPTION: 0 by "
            "default, so the lab's share follows from its quality like a generated lab's; a scenario "
            "gives a listed lab's revenue with its source."
        ),
        low=0.0,
        high=1e4,
    )
    productivity: float = param(
        1.0,
        unit="-",
        doc=(
            "Research productivity (effective compute per GW of training) relative to 1. ASSUMPTION: "
            "research productivity is not observed; 1 is the mean of generated labs."
        ),
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

    investor: str = param(
        "",
        unit="-",
        doc=(
            "Name of the hyperscaler (investor or provider), or 'independent' for the same money "
            "from independent capital with no strings (a counterfactual)."
        ),
    )
    lab: str = param("", unit="-", doc="Name of the lab.")
    quarter: int = param(
        0,
        unit="quarters from start",
        doc=(
            "0: in place at the start; k > 0: signed in quarter k. ASSUMPTION: in place at the start "
            "unless the scenario dates the agreement."
        ),
        low=0,
        high=400,
    )
    amount: float = param(
        0.0,
        unit="$B",
        doc=(
            "Investment still to be paid (at signing and in tranches); 0 for a pure compute contract. "
            + ASSUMPTION_AGREEMENT_TERM
        ),
        low=0.0,
        high=1e5,
    )
    upfront: float = param(
        0.0,
        unit="$B",
        doc=(
            "Part of `amount` paid at signing (for a deal in place at the start: paid in its first "
            "quarter). " + ASSUMPTION_AGREEMENT_TERM
        ),
        low=0.0,
        high=1e5,
    )
    tranches: int = param(
        4,
        unit="quarters",
        doc=(
            "Quarterly conditional tranches for the rest of `amount`. ASSUMPTION: as deals.tranches, "
            "tranche schedules are not public; a scenario gives an agreement's own where known."
        ),
        low=0,
        high=80,
    )
    stake: float = param(
        0.0,
        unit="fraction",
        doc=(
            "Equity stake of the investor after the deal (0 for none). " + ASSUMPTION_AGREEMENT_TERM
        ),
        low=0.0,
        high=1.0,
    )
    commitment: float = param(
        0.0,
        unit="$B",
        doc=(
            "Compute the lab must still buy from the investor (take-or-pay). "
            + ASSUMPTION_AGREEMENT_TERM
        ),
        low=0.0,
        high=1e5,
    )
    commitment_start: int = param(
        0,
        unit="quarters from signing",
        doc=(
            "When the commitment's spending obligation begins. ASSUMPTION: the obligation begins at "
            "signing unless the scenario gives a later start."
        ),
        low=0,
        high=400,
    )
    commitment_quarters: int = param(
        28,
        unit="quarters",
        doc="Quarters over which the commitment is spent, from its start.",
        low=1,
        high=400,
        source=SRC_COMMITMENT_TERMS,
    )
    exclusivity_quarters: int = param(
        0,
        unit="quarters",
        doc="Quarters of exclusivity from signing. " + ASSUMPTION_AGREEMENT_TERM,
        low=0,
        high=400,
    )
    discount: float = param(
        0.0,
        unit="fraction of price",
        doc="Price discount at the investor. " + ASSUMPTION_AGREEMENT_TERM,
        low=0.0,
        high=0.9,
    )
    revenue_share: float = param(
        0.0,
        unit="fraction of lab revenue",
        doc=(
            "Share of lab revenue paid to the investor during the commitment. "
            + ASSUMPTION_AGREEMENT_TERM
        ),
        low=0.0,
        high=0.9,
    )
    tied: bool = param(
        True,
        unit="-",
        doc="Whether the investment obliges spending at the investor (its money is then tagged and counts as circular when it comes back).",
    )
    exclusivity_barred: bool = param(
        False,
        unit="-",
        doc=(
            "If true, no endogenous offer between this investor and lab carries exclusivity from "
            "the agreement's quarter on (e.g. Microsoft gave up its right of first refusal over "
            "OpenAI's compute on 28 Oct 2025)."
        ),
    )


SECTIONS: dict[str, type] = {
    "market": MarketParams,
    "hyperscaler": HyperscalerParams,
    "lab": LabParams,
    "deals": DealTerms,
    "offers": OfferParams,
    "contracts": ContractTerms,
    "rules": RulesParams,
    "capital": CapitalParams,
    "entry": EntryParams,
    "population": PopulationParams,
    "supply": SupplyParams,
    "demand": DemandParams,
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


# ------------------------------------------------------------------------- lookup and validation
class ParameterError(UserError):
    """A dotted path that names no parameter, or a value the schema does not allow.

    The message says what is wrong and what is allowed but not where the value came from: the
    caller puts the file or option in front of it.
    """


@dataclass(frozen=True)
class Parameter:
    """One parameter of the schema, as found by :func:`find_parameter`.

    Attributes:
        path: The dotted path as given, e.g. ``"rules.switching_cost"`` or ``"labs.OpenAI.revenue"``.
        section: The section (``"rules"``) or firm list (``"labs"``).
        name: The parameter's name within its section.
        firm: For a firm list, the firm's name or index as given; ``None`` for a section.
        field: The schema's dataclass field (default and metadata).
    """

    path: str
    section: str
    name: str
    firm: str | None
    field: dataclasses.Field

    @property
    def kind(self) -> str:
        """``"int"``, ``"float"``, ``"bool"`` or ``"str"``: the type of the default."""
        return type(self.field.default).__name__

    @property
    def default(self) -> Any:
        """The schema's default."""
        return self.field.default

    @property
    def unit(self) -> str:
        """The unit, ``"-"`` for a pure number."""
        return self.field.metadata["unit"]

    @property
    def doc(self) -> str:
        """What the parameter means, in one sentence."""
        return self.field.metadata["doc"]

    @property
    def low(self) -> float | None:
        """Smallest allowed value (numbers), else ``None``."""
        return self.field.metadata["low"]

    @property
    def high(self) -> float | None:
        """Largest allowed value (numbers), else ``None``."""
        return self.field.metadata["high"]

    @property
    def choices(self) -> tuple[str, ...] | None:
        """Allowed values (strings), else ``None``."""
        return self.field.metadata["choices"]

    def check(self, value: Any) -> Any:
        """The value converted to the parameter's type (see :func:`check_value`).

        Raises:
            ParameterError: If the schema does not allow it.
        """
        return check_value(self.field, value)

    def read(self, scenario: Any) -> Any:
        """The parameter's value in a resolved scenario.

        Raises:
            ParameterError: If the firm named in the path is not in the scenario.
        """
        table = getattr(scenario, self.section)
        if self.firm is None:
            return getattr(table, self.name)
        return getattr(table[firm_index(table, self.section, self.firm)], self.name)


def firm_index(firms: Any, section: str, which: str) -> int:
    """The index of a firm in a firm list, named by its name or by its index as text.

    Args:
        firms: The list: dataclasses or dicts with a ``name``.
        section: The list's section, for the message.
        which: A firm's name, or its index (``"0"``).

    Raises:
        ParameterError: If no firm of the list has that name or index.
    """
    names = [item.get("name") if isinstance(item, dict) else item.name for item in firms]
    # ASCII digits only: "²".isdigit() is true but int("²") fails, and int("٣") is 3.
    if which.isascii() and which.isdigit() and int(which) < len(names):
        return int(which)
    if which in names:
        return names.index(which)
    listed = ", ".join(map(str, names)) or "none"
    raise ParameterError(f"no firm {which!r} in [[{section}]] (listed: {listed})")


def find_parameter(path: str) -> Parameter:
    """Find a parameter by its dotted path: ``SECTION.NAME`` or ``FIRMS.<firm>.NAME``.

    ``<firm>`` is a firm's name or its index in the list; this function checks only that the list
    has such a parameter (:meth:`Parameter.read` and the scenario loader find the firm).

    Args:
        path: E.g. ``"rules.switching_cost"`` or ``"hyperscalers.AWS.capex_per_gw"``.

    Returns:
        The parameter.

    Raises:
        ParameterError: If the path names no parameter; the message lists what is allowed.
    """
    parts = str(path).split(".")
    if len(parts) == 2 and parts[0] in SECTIONS:
        section, name = parts
        firm = None
        cls = SECTIONS[section]
    elif len(parts) == 3 and parts[0] in FIRM_LISTS:
        section, firm, name = parts
        cls = FIRM_LISTS[section]
    else:
        allowed = ", ".join([*SECTIONS, *(f"{s}.<name>" for s in FIRM_LISTS)])
        raise ParameterError(
            f"unknown parameter path (expected SECTION.NAME with SECTION one of {allowed})"
        )
    fields = {f.name: f for f in dataclasses.fields(cls)}
    if name not in fields:
        raise ParameterError(f"unknown parameter (allowed in {section}: {', '.join(fields)})")
    return Parameter(path=str(path), section=section, name=name, firm=firm, field=fields[name])


def check_value(schema_field: dataclasses.Field, value: Any) -> Any:
    """Check a value against a schema field: type, finiteness, range and choices.

    An integer parameter takes a whole float (``3.0`` becomes ``3``); a float parameter takes an
    integer (``1`` becomes ``1.0``); ``true``/``false`` is never taken for a number.

    Args:
        schema_field: The field (see :attr:`Parameter.field`, or ``dataclasses.fields`` of a section).
        value: The value as read from TOML, the command line or an app control.

    Returns:
        The value converted to the field's type.

    Raises:
        ParameterError: Saying what was expected and what was given.
    """
    meta, expected = schema_field.metadata, type(schema_field.default)
    if expected is bool:
        if not isinstance(value, bool):
            raise ParameterError(f"expected true or false, got {value!r}")
        return value
    if expected is str:
        if not isinstance(value, str):
            raise ParameterError(f"expected a string, got {value!r}")
        if meta.get("choices") and value not in meta["choices"]:
            raise ParameterError(f"{value!r} is not one of {', '.join(meta['choices'])}")
        return value
    # numpy's numbers count too (samplers and EMA Workbench hand them over); booleans do not.
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        kind = "an integer" if expected is int else "a number"
        raise ParameterError(f"expected {kind}, got {value!r}")
    if isinstance(value, numbers.Integral):
        value = int(value)
    elif expected is int:
        value = float(value)
        if not (math.isfinite(value) and value.is_integer()):
            raise ParameterError(f"expected an integer, got {value!r}")
        value = int(value)
    low, high = meta.get("low"), meta.get("high")
    bounds = f"[{-math.inf if low is None else low:g}, {math.inf if high is None else high:g}]"
    if expected is float:
        try:
            value = float(value)
        except OverflowError:  # an integer too large for a float
            raise ParameterError(f"out of range {bounds} ({meta['unit']})") from None
        if not math.isfinite(value):
            raise ParameterError(f"must be a finite number, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        shown = (
            repr(value)
            if len(repr(value)) <= 30
            else f"{repr(value)[:12]}... ({len(repr(value))} digits)"
        )
        raise ParameterError(f"{shown} is out of range {bounds} ({meta['unit']})")
    return value
