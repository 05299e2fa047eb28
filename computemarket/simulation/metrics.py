"""Concentration, lock-in and circularity measures as pure functions of arrays.

Every function here is free of model state so that it can be tested against hand-computed values
(the DOJ's HHI examples, small cases by hand) and reused on any table of results.

HHI is on the 0-10,000 scale: the sum of squared percentage shares. The US 2023 Merger Guidelines
(Guideline 1) call a market with HHI above 1,800 highly concentrated and one between 1,000 and
1,800 moderately concentrated; a merger that raises HHI by more than 100 points in a highly
concentrated market is presumed to harm competition.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

# The thresholds are defined once, in the schema (the merger-control rules default to them).
from computemarket.simulation.parameters import HHI_DELTA_SIGNIFICANT as HHI_DELTA_SIGNIFICANT
from computemarket.simulation.parameters import HHI_HIGH as HHI_HIGH
from computemarket.simulation.parameters import HHI_MODERATE as HHI_MODERATE


def shares(values: ArrayLike) -> np.ndarray:
    """Shares of a total (fractions summing to 1); all zeros if the total is zero.

    Args:
        values: Non-negative sizes (revenue, capacity, ...).

    Returns:
        The shares, same shape as ``values``.
    """
    v = np.asarray(values, dtype=float)
    total = v.sum()
    return v / total if total > 0 else np.zeros_like(v)


def hhi(values: ArrayLike) -> float:
    """Herfindahl-Hirschman index on the 0-10,000 scale.

    Args:
        values: Non-negative sizes of the firms (they need not be shares).

    Returns:
        Sum of squared percentage shares; 0.0 for an empty market.

    Examples:
        Four firms with 30, 30, 20 and 20 percent (the DOJ's example):

        >>> hhi([30, 30, 20, 20])
        2600.0
    """
    s = shares(values)
    return float(np.sum((100.0 * s) ** 2))


def hhi_with_fringe(values: ArrayLike, fringe: float) -> float:
    """HHI of a market whose ``fringe`` is made of firms too small to count (atomistic).

    The fringe adds to the market's size, so it lowers every modelled firm's share, but adds
    nothing to the sum of squares.

    Args:
        values: Sizes of the modelled firms.
        fringe: Combined size of the fringe (same unit).

    Returns:
        HHI on the 0-10,000 scale; 0.0 for an empty market.
    """
    v = np.asarray(values, dtype=float)
    total = v.sum() + fringe
    return float(np.sum((100.0 * v / total) ** 2)) if total > 0 else 0.0


def concentration_ratio(values: ArrayLike, n: int) -> float:
    """CR-n: combined share (0-1) of the ``n`` largest firms.

    Args:
        values: Non-negative sizes of the firms.
        n: How many of the largest firms to add up.

    Returns:
        The combined share, 0.0 for an empty market.
    """
    s = np.sort(shares(values))[::-1]
    return float(s[:n].sum())


def effective_number(hhi_value: float) -> float:
    """Effective number of equal-sized firms, 10,000 / HHI (``inf`` for an empty market)."""
    return 10_000.0 / hhi_value if hhi_value > 0 else float("inf")


def merger_hhi_change(values: ArrayLike, i: int, j: int) -> tuple[float, float]:
    """Post-merger HHI and its increase when firms ``i`` and ``j`` merge.

    The increase is ``2 * s_i * s_j`` in percentage points, as in the Merger Guidelines.

    Returns:
        ``(post_merger_hhi, delta_hhi)``.
    """
    s = 100.0 * shares(values)
    delta = float(2.0 * s[i] * s[j]) if i != j else 0.0
    return float(np.sum(s**2)) + delta, delta


def merger_presumed_harmful(
    values: ArrayLike,
    i: int,
    j: int,
    *,
    threshold: float = HHI_HIGH,
    delta_threshold: float = HHI_DELTA_SIGNIFICANT,
) -> bool:
    """Whether merging firms ``i`` and ``j`` is presumed harmful (post HHI > threshold and delta > delta_threshold)."""
    post, delta = merger_hhi_change(values, i, j)
    return post > threshold and delta > delta_threshold


def grouped_sum(values: ArrayLike, groups: ArrayLike) -> np.ndarray:
    """Add up values by integer group label (labels need not be contiguous)."""
    v = np.asarray(values, dtype=float)
    g = np.asarray(groups)
    if v.size == 0:
        return v
    _, inverse = np.unique(g, return_inverse=True)
    return np.bincount(inverse, weights=v)


def locked_share(locked_spend: ArrayLike, total_spend: ArrayLike) -> float:
    """Share of compute spend that is committed or exclusive (0-1; 0 when nothing is spent)."""
    total = float(np.sum(total_spend))
    return float(np.sum(locked_spend)) / total if total > 0 else 0.0


def max_provider_share(spend: ArrayLike) -> float:
    """Spend-weighted mean, over labs, of each lab's share of spend at its largest provider.

    Args:
        spend: Matrix of compute spend, labs x providers.

    Returns:
        A number in [1/providers, 1] (0.0 when nothing is spent). 1 means every lab is single-sourced.
    """
    m = np.asarray(spend, dtype=float)
    total = m.sum()
    # Sum over labs of (max_p spend_ip / spend_i) * spend_i equals the sum of each row's maximum.
    return float(m.max(axis=1).sum() / total) if total > 0 and m.size else 0.0


def moved_volume(before: ArrayLike, after: ArrayLike) -> np.ndarray:
    """Volume each lab moved between providers: the part of a change that left one and went to another.

    Growth or shrinkage of a lab's total is not switching: only the smaller of its total decrease
    and its total increase across providers counts.

    Args:
        before: Allocation labs x providers last period.
        after: Allocation labs x providers this period.

    Returns:
        Moved volume per lab.
    """
    diff = np.asarray(after, dtype=float) - np.asarray(before, dtype=float)
    return np.minimum(np.maximum(diff, 0).sum(axis=1), np.maximum(-diff, 0).sum(axis=1))


def roundtrip_ratio(circular_revenue: float, investment: float) -> float:
    """The 'door and window' ratio: investor money that came back as compute revenue, per $ invested."""
    return circular_revenue / investment if investment > 0 else 0.0


def model_market_firms(
    revenue: ArrayLike, owner: ArrayLike, alive: ArrayLike, n_providers: int
) -> tuple[np.ndarray, np.ndarray]:
    """Active labs' revenue and the firm each belongs to in the model market.

    Labs owned by one hyperscaler are one firm (labelled by the owner's index); an independent lab
    is its own firm (labelled ``n_providers + row``).

    Args:
        revenue: Revenue of each lab.
        owner: Owning provider of each lab, or -1.
        alive: Whether each lab is active.
        n_providers: Number of providers (labels below it are owners).

    Returns:
        ``(revenue, firm)`` of the active labs.
    """
    active = np.flatnonzero(np.asarray(alive))
    owners = np.asarray(owner)[active]
    firm = np.where(owners >= 0, owners, n_providers + active)
    return np.asarray(revenue)[active], firm


def consumer_surplus_change(
    trend_spend: float,
    price_ratio: float,
    quality_gain: float,
    price_elasticity: float,
    quality_elasticity: float,
) -> float:
    """End users' surplus relative to the reference path, $B per period (docs/model.md §8).

    Demand for AI services is ``Q = A p^eps`` with ``A`` scaled by ``exp(alpha dIV)``, so spending
    at the reference price is ``D_ref = T exp(alpha dIV)`` and at price ``p`` it is
    ``D = D_ref r^(1 + eps)``, ``r = p / p_ref``. Two parts:

    - price, the area under the demand curve between ``p`` and ``p_ref``:
      ``(D_ref - D) / (1 + eps)`` (``D_ref ln(1 / r)`` when ``eps = -1``);
    - quality, a lower bound: users' willingness to pay for each unit rises by the factor
      ``exp(alpha dIV / |eps|)`` that shifts demand by ``exp(alpha dIV)``, counted on the units
      bought: ``D (exp(alpha dIV / |eps|) - 1)``.

    With ``|eps| < 1`` the level of surplus is unbounded, so only this difference is defined.

    Args:
        trend_spend: Spending on the adoption trend ``T`` (reference price, start quality).
        price_ratio: ``r``, price of AI services over the reference path.
        quality_gain: ``dIV``, inclusive value less its start value.
        price_elasticity: ``eps`` (negative).
        quality_elasticity: ``alpha``.

    Returns:
        The change in consumer surplus; positive when users are better off than on the path.

    Examples:
        Prices 10% below the path at unit elasticity, quality unchanged: ``T ln(1 / 0.9)``.

        >>> round(consumer_surplus_change(100.0, 0.9, 0.0, -1.0, 0.5), 4)
        10.5361
    """
    reference = trend_spend * math.exp(quality_elasticity * quality_gain)
    exponent = 1.0 + price_elasticity
    spend = reference * price_ratio**exponent
    if abs(exponent) < 1e-9:
        price_part = -reference * math.log(price_ratio)
    else:
        price_part = (reference - spend) / exponent
    quality_part = spend * (math.exp(quality_elasticity * quality_gain / -price_elasticity) - 1.0)
    return price_part + quality_part
