"""Lenders' prices and limits (docs/model.md §7.8): pure functions of a borrower's figures.

Lenders are not agents. They quote a borrower a rate, a spread over a base rate set by its risk
and by the credit cycle, and lend up to a limit. This module holds the arithmetic, with no state
of its own, so that the agents (which decide how much to borrow) and the credit submodel
(:mod:`computemarket.simulation.credit`: the cycle, labs' debt) use the same rules. Like
:mod:`~computemarket.simulation.numerics` it sits in the bottom layer: it imports only the
parameters and the state's types.

* **Corporate (unsecured) debt** of hyperscalers with other businesses: the spread follows the
  borrower's interest coverage (EBIT / interest) through Damodaran's synthetic-rating table; no new
  loan once coverage at the quoted rate would fall below ``credit.min_coverage``. No covenants:
  investment-grade notes carry none.
* **Secured (GPU-backed) debt** of neoclouds: the margin over the floating rate follows the credit
  of the customers whose contracts back the loan; the debt may not exceed the smaller of a
  debt/EBITDA covenant and the collateral (delivered hardware at depreciated value times the
  advance rate, plus a share of contracted revenue).
* **Labs' debt**: venture or high-yield pricing, near a sponsor's rate when a hyperscaler holds
  ``credit.sponsor_stake`` of the lab.

Spreads widen as credit conditions ``Q`` fall (``credit.stress_multiplier``); every spread is
capped at ``credit.spread_cap``. A borrower's average rate reprices as ``credit.repricing_share``
of its debt matures and is refinanced each quarter, and as new debt is added.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from computemarket.simulation.ledger import MIN_TRANSFER
from computemarket.simulation.parameters import CreditParams

if TYPE_CHECKING:
    from computemarket.simulation.state import State

RATING_COVERAGE = np.array(
    [0.2, 0.425, 0.725, 1.025, 1.375, 1.625, 1.875, 2.125, 2.375, 2.75, 3.625, 4.875, 8.5]
)
"""Interest coverage (EBIT / interest) at the middle of each rating class, D to AAA (AAA and D at
their inner bound): D < 0.2, C 0.2-0.65, CC 0.65-0.8, CCC 0.8-1.25, B- 1.25-1.5, B 1.5-1.75, B+
1.75-2.0, BB 2.0-2.25, BB+ 2.25-2.5, BBB 2.5-3.0, A- 3.0-4.25, A 4.25-5.5, AAA > 8.5."""
RATING_SPREAD = np.array(
    [20.0, 17.5, 15.78, 11.57, 7.37, 5.26, 4.55, 3.13, 2.42, 2.0, 1.62, 1.42, 0.69]
)
"""Spread of each class over the 10-year Treasury, percentage points: Damodaran's synthetic-rating
table for large non-financial firms, ratings.htm (undated stored version read in 2026; rows
``synthetic_rating_spread`` of computemarket/data/calibration_2025.csv). The model uses the
table's shape only, relative to BBB (2.0), scaled by ``credit.bbb_spread``: the two stored
versions differ in level but agree in their ratios from AAA to B."""
_LOG_MULTIPLIER = np.log(RATING_SPREAD / 2.0)


# ------------------------------------------------------------------------------------ prices
def spread_multiplier(coverage: ArrayLike) -> np.ndarray:
    """Spread relative to a BBB borrower's, from interest coverage.

    Linear in the log of the spread between class midpoints (:data:`RATING_COVERAGE`), flat beyond
    the first and last: 0.345 for AAA (coverage 8.5 and above), 1 for BBB (2.75), 10 for D (0.2
    and below).

    Args:
        coverage: EBIT / interest (``inf`` for a borrower without interest to pay).
    """
    c = np.minimum(np.asarray(coverage, dtype=float), RATING_COVERAGE[-1])
    return np.exp(np.interp(c, RATING_COVERAGE, _LOG_MULTIPLIER))


def interest_coverage(ebit: ArrayLike, interest: ArrayLike) -> np.ndarray:
    """EBIT / interest, both per year: ``inf`` without interest, 0 for negative EBIT."""
    e, i = np.broadcast_arrays(np.asarray(ebit, dtype=float), np.asarray(interest, dtype=float))
    return np.divide(np.maximum(e, 0.0), i, out=np.full(e.shape, np.inf), where=i > 0)


def stress_factor(credit_conditions: float, params: CreditParams) -> float:
    """How much wider than in calm markets spreads are: ``1 + stress_multiplier (1 - Q)``."""
    return 1.0 + params.stress_multiplier * (1.0 - credit_conditions)


def corporate_rate(
    coverage: ArrayLike, credit_conditions: float, params: CreditParams
) -> np.ndarray:
    """Rate on new corporate (unsecured) debt, per year.

    ``r = base_rate + min(spread_cap, bbb_spread * m(coverage) * stress)``.
    """
    stress = stress_factor(credit_conditions, params)
    spread = params.bbb_spread * spread_multiplier(coverage) * stress
    return params.base_rate + np.minimum(spread, params.spread_cap)


def secured_rate(ig_share: ArrayLike, credit_conditions: float, params: CreditParams) -> np.ndarray:
    """Rate on new GPU-backed debt, per year, priced on the credit of the customers behind it.

    ``r = floating_base_rate + min(spread_cap, (w secured_margin_ig + (1 - w)
    secured_margin_unrated) * stress)``, ``w`` the share of the borrower's revenue owed by
    investment-grade payers.
    """
    w = np.clip(np.asarray(ig_share, dtype=float), 0.0, 1.0)
    margin = w * params.secured_margin_ig + (1.0 - w) * params.secured_margin_unrated
    spread = margin * stress_factor(credit_conditions, params)
    return params.floating_base_rate + np.minimum(spread, params.spread_cap)


def lab_rate(sponsored: ArrayLike, credit_conditions: float, params: CreditParams) -> np.ndarray:
    """Rate on a lab's new debt, per year: the sponsored or the unsponsored spread, stressed."""
    spread = np.where(sponsored, params.sponsored_lab_spread, params.lab_spread)
    spread = spread * stress_factor(credit_conditions, params)
    return params.base_rate + np.minimum(spread, params.spread_cap)


def bbb_spread(credit_conditions: float, params: CreditParams) -> float:
    """Spread a BBB borrower pays under the current credit conditions, per year."""
    return min(params.bbb_spread * stress_factor(credit_conditions, params), params.spread_cap)


# ------------------------------------------------------------------------------------ limits
def unsecured_limit(ebit: ArrayLike, credit_conditions: float, params: CreditParams) -> np.ndarray:
    """Most a corporate borrower may owe: coverage ``min_coverage`` at the rate quoted for it.

    ``D_max = EBIT / (min_coverage * r(min_coverage))``; 0 for non-positive EBIT, unbounded when
    ``min_coverage`` is 0, or when the rate is 0 and EBIT positive (it covers interest-free debt).

    Args:
        ebit: Annual EBIT, $B.
        credit_conditions: The credit cycle's state.
        params: The scenario's credit parameters.
    """
    e = np.maximum(np.asarray(ebit, dtype=float), 0.0)
    if params.min_coverage <= 0:
        return np.full(e.shape, math.inf)
    rate = float(corporate_rate(params.min_coverage, credit_conditions, params))
    if rate <= 0:
        return np.where(e > 0, math.inf, 0.0)
    return e / (params.min_coverage * rate)


def secured_limit(
    ebitda: ArrayLike,
    hardware_value: ArrayLike,
    contracted_revenue: ArrayLike,
    params: CreditParams,
) -> np.ndarray:
    """Most a secured (neocloud) borrower may owe: the covenant or the collateral, the smaller.

    ``min(max_debt_to_ebitda * EBITDA, advance_rate * hardware value + backlog_advance_rate *
    contracted revenue)``.

    Args:
        ebitda: Annual EBITDA, $B (negative counts as zero).
        hardware_value: Delivered hardware at its depreciated value, $B
            (:func:`delivered_hardware_value`).
        contracted_revenue: Revenue still due under contracts and commitments, $B.
        params: The scenario's credit parameters.
    """
    covenant = params.max_debt_to_ebitda * np.maximum(np.asarray(ebitda, dtype=float), 0.0)
    collateral = params.advance_rate * np.asarray(
        hardware_value, dtype=float
    ) + params.backlog_advance_rate * np.asarray(contracted_revenue, dtype=float)
    return np.minimum(covenant, collateral)


def delivered_hardware_value(
    arrivals: np.ndarray,
    column: int,
    capex_per_gw: float | np.ndarray,
    economic_life_quarters: float,
) -> np.ndarray:
    """Lenders' value of delivered hardware, $B: cost depreciated straight-line over its economic life.

    Hardware that arrived ``a`` quarters ago (``a = 0`` this quarter) is worth
    ``capex_per_gw * max(0, 1 - a / life)`` per GW; capacity on order is worth nothing.

    Args:
        arrivals: GW arriving per quarter, of one provider or one row per provider (columns as in
            ``ProviderState.arrivals``).
        column: Column of the current quarter.
        capex_per_gw: Cost of a GW, $B: one figure, or one per column (each vintage at its own
            cost, ``MarketState.vintage_capex``).
        economic_life_quarters: Economic life of hardware, quarters (``credit.economic_life_years``
            times 4).

    Returns:
        The value, one per row.
    """
    first = max(column - math.ceil(economic_life_quarters) + 1, 0)
    age = column - np.arange(first, column + 1)
    remaining = np.maximum(1.0 - age / economic_life_quarters, 0.0)
    cost = np.broadcast_to(np.asarray(capex_per_gw, dtype=float), (arrivals.shape[-1],))
    return arrivals[..., first : column + 1] @ (cost[first : column + 1] * remaining)


# ---------------------------------------------------------------------------- debt and rates
def repriced_rate(rate: ArrayLike, quoted: ArrayLike, share: float) -> np.ndarray:
    """Average rate after ``share`` of the stock matured and was refinanced at the quoted rate."""
    return (1.0 - share) * np.asarray(rate, dtype=float) + share * np.asarray(quoted, dtype=float)


def blended_rate(rate: float, debt: float, new_debt: float, quoted: float) -> float:
    """Average rate after adding ``new_debt`` at the quoted rate to ``debt`` at ``rate``."""
    total = debt + new_debt
    return (rate * debt + quoted * new_debt) / total if total > 0 else quoted


def draw_credit(state: State, amount: float) -> float:
    """Take up to ``amount`` $B of this quarter's lending capacity; return what was granted.

    Borrowers draw in the order they borrow in the schedule: providers in row order (their
    finance), then labs (distress).
    """
    market = state.market
    granted = min(amount, market.lending_left)
    if not granted > MIN_TRANSFER:
        return 0.0  # rounding, not a loan (the ledger would not book it)
    market.lending_left -= granted
    state.counters["new_lending"] += granted
    return granted


# ------------------------------------------------------------------------- the credit cycle
def lending_capacity(params: CreditParams, years: float, credit_conditions: float) -> float:
    """New lending available in a quarter, $B: ``lending_capacity (1 + lending_growth)^years * Q``."""
    return params.lending_capacity * (1.0 + params.lending_growth) ** years * credit_conditions


def credit_after_defaults(
    credit_conditions: float, defaulted: float, outstanding: float, params: CreditParams
) -> float:
    """Credit conditions after ``defaulted`` $B of ``outstanding`` debt defaulted in a quarter.

    ``Q <- max(min_credit_conditions, Q - default_sensitivity * 4 * defaulted / outstanding)``
    (the quarter's default rate, annualised); conditions already below the floor stay where they
    are.
    """
    if defaulted <= 0 or outstanding <= 0:
        return credit_conditions
    hit = params.default_sensitivity * 4.0 * defaulted / outstanding
    return min(credit_conditions, max(params.min_credit_conditions, credit_conditions - hit))


# ------------------------------------------------------------------------------ providers
def provider_terms(
    neocloud: ArrayLike,
    ebitda: ArrayLike,
    depreciation: ArrayLike,
    interest: ArrayLike,
    ig_share: ArrayLike,
    hardware_value: ArrayLike,
    contracted_revenue: ArrayLike,
    credit_conditions: float,
    params: CreditParams,
    target_leverage: ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The rate lenders quote a provider for new debt and the most they let it owe.

    A neocloud borrows secured: the rate follows its customers' credit (:func:`secured_rate`) and
    the debt is bounded by the covenant and the collateral (:func:`secured_limit`). Any other
    provider borrows unsecured: the rate follows its interest coverage, EBIT = EBITDA -
    depreciation over interest (:func:`corporate_rate`), and lending stops at
    ``credit.min_coverage`` (:func:`unsecured_limit`), or at the provider's own financial policy,
    ``target_leverage`` x EBITDA, whichever comes first.

    Args:
        neocloud: Whether each provider is a neocloud.
        ebitda: Annualised operating cash flow, $B per year.
        depreciation: Depreciation of the AI fleet, $B per year.
        interest: Interest on the debt at its average rate, $B per year.
        ig_share: Share of revenue owed by investment-grade payers (prices secured debt).
        hardware_value: Delivered hardware at lenders' value, $B (:func:`delivered_hardware_value`).
        contracted_revenue: Revenue still due under contracts and commitments, $B.
        credit_conditions: The credit cycle's state.
        params: The scenario's credit parameters.
        target_leverage: Each provider's financial policy, x EBITDA (default:
            ``credit.target_leverage`` for all).

    Returns:
        ``(rate, ceiling)``: per year, and $B (one each per provider, or scalars).
    """
    ebit = np.asarray(ebitda, dtype=float) - np.asarray(depreciation, dtype=float)
    corporate = corporate_rate(interest_coverage(ebit, interest), credit_conditions, params)
    secured = secured_rate(ig_share, credit_conditions, params)
    rate = np.where(neocloud, secured, corporate)
    ceiling = np.where(
        neocloud,
        secured_limit(ebitda, hardware_value, contracted_revenue, params),
        np.minimum(
            unsecured_limit(ebit, credit_conditions, params),
            (params.target_leverage if target_leverage is None else np.asarray(target_leverage))
            * np.maximum(np.asarray(ebitda, dtype=float), 0.0),
        ),
    )
    return rate, ceiling
