"""AI labs: quality from compute, revenue from users, compute needs, where to buy it, fundraising.

The per-quarter quantities every lab has (shares, revenue, compute need, training budget) and the
choice every lab makes at once (which cloud to buy from: effective cost, tied provider, contract
provider, the split of open demand) are vectorised functions of this module: how labs choose a
cloud is changed here and nowhere else. The decisions that only some labs take in a quarter, one
after another (which offer to accept), are methods of :class:`AILab`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from computemarket.agents.base import MarketAgent
from computemarket.agents.offers import Offer
from computemarket.simulation.numerics import first_minimum, rank_with_ties
from computemarket.simulation.state import LabState, State

if TYPE_CHECKING:
    import mesa

    from computemarket.simulation.parameters import LabParams, ValuationParams


class AILab(MarketAgent):
    """An AI lab: independent, or owned by a hyperscaler (in-house).

    State lives in row ``index`` of the :class:`~computemarket.simulation.state.LabState`; cash
    lives in the ledger.

    Args:
        model: The Mesa model.
        state: The market state.
        index: Row in the lab arrays.
        name: Display name.
    """

    kind = "lab"

    def __init__(self, model: mesa.Model, state: State, index: int, name: str) -> None:
        super().__init__(model, state, index, name)

    @property
    def account(self) -> int:
        """Ledger account number."""
        return int(self.state.labs.account[self.index])

    @property
    def quality(self) -> float:
        """Quality: log of the effective training-compute stock."""
        return float(np.log(self.state.labs.stock[self.index]))

    @property
    def owner(self) -> int:
        """Index of the owning hyperscaler, or -1 if independent."""
        return int(self.state.labs.owner[self.index])

    @property
    def alive(self) -> bool:
        """False once the lab has exited."""
        return bool(self.state.labs.alive[self.index])

    @property
    def revenue(self) -> float:
        """End-user revenue this quarter, $B."""
        return float(self.state.labs.revenue[self.index])

    @property
    def share(self) -> float:
        """Share of all active labs' revenue this quarter (the model market)."""
        labs = self.state.labs
        total = float(labs.revenue[labs.alive].sum())
        return self.revenue / total if self.alive and total > 0 else 0.0

    @property
    def user_share(self) -> float:
        """Share of end-user AI spending (the outside option included), from the logit."""
        return float(self.state.labs.share[self.index])

    @property
    def compute_spend(self) -> float:
        """Compute billed this quarter, $B (payments and take-or-pay)."""
        return float(self.state.labs.spend[self.index])

    @property
    def locked_share(self) -> float:
        """Share of its compute spend served under a commitment or exclusivity."""
        spend = self.compute_spend
        return float(self.state.labs.locked_spend[self.index]) / spend if spend > 0 else 0.0

    @property
    def need_gw(self) -> float:
        """GW the lab wants this quarter (inference plus training)."""
        return float(self.state.labs.need[self.index])

    @property
    def served_gw(self) -> float:
        """GW the lab was served last quarter."""
        return float(self.state.labs.served[self.index])

    @property
    def largest_provider_share(self) -> float:
        """Share of its compute spend at its largest provider (1 = single-sourced)."""
        billed = self.state.labs.billed[self.index]
        total = float(billed.sum())
        return float(billed.max()) / total if total > 0 else 0.0

    def choose_offers(
        self,
        offers: list[Offer],
        amount_sought: float,
        desperate: bool,
        valuation: float,
        switch_rate: float,
    ) -> list[Offer]:
        """Pick offers, best score per $ first, until the amount sought is covered.

        A lab scores an offer by the money it brings, plus the discount it earns on committed spend,
        minus its dislike of strings (commitments and exclusivity), the switching cost of moving the
        tied spend to the investor from where its workloads run now, and the extra dilution of a low
        valuation. A lab that cannot pay its bills (``desperate``) takes any money.

        Args:
            offers: Offers received this quarter.
            amount_sought: $B wanted.
            desperate: Whether the lab is insolvent without new money.
            valuation: The lab's pre-money valuation, $B.
            switch_rate: Switching charges in force, fraction of moved spend (switching cost plus
                egress fee).

        Returns:
            Accepted offers, in order of preference.
        """
        labs = self.state.labs
        aversion = self.state.params.lab.string_aversion
        allocation = labs.allocation[self.index]
        total = float(allocation.sum())
        spend = float(labs.spend[self.index])
        scored = []
        for offer in offers:
            strings = offer.commitment_multiple + offer.exclusivity_quarters / 4.0
            fair_stake = offer.amount / (valuation + offer.amount)
            extra_dilution = max(0.0, offer.stake - fair_stake) * (valuation + offer.amount)
            score = offer.amount * (
                1.0 + offer.discount * offer.commitment_multiple - aversion * strings
            )
            score -= extra_dilution
            if offer.investor >= 0 and total > 0:
                elsewhere = 1.0 - float(allocation[offer.investor]) / total
                tied_spend = (
                    offer.commitment_multiple * offer.amount + offer.exclusivity_quarters * spend
                )
                # Moving is paid once, on the tied spend that runs elsewhere now, at most four
                # quarters of the spend that runs elsewhere.
                score -= switch_rate * min(elsewhere * tied_spend, 4.0 * spend * elsewhere)
            if score > 0 or desperate:
                scored.append((score / offer.amount, offer))
        # Best score per $ first; equal scores (to rounding) in order of investor.
        scored.sort(key=lambda pair: pair[1].investor)
        order = rank_with_ties([score for score, _ in scored], descending=True)
        chosen, covered = [], 0.0
        for offer in (scored[i][1] for i in order):
            if covered >= amount_sought:
                break
            chosen.append(offer)
            covered += offer.amount
        return chosen


# ---------------------------------------------------------------------------- vectorised submodels
def target_shares(
    quality: np.ndarray, outside_utility: float, weight: float
) -> tuple[np.ndarray, float]:
    """Logit shares of the end-user market, with an outside option.

    Args:
        quality: Quality of each active lab (log effective compute).
        outside_utility: Utility of the outside option (open models, in-house solutions).
        weight: Users' sensitivity to quality.

    Returns:
        ``(lab_shares, outside_share)``; together they sum to 1.
    """
    utility = weight * quality
    top = max(float(utility.max(initial=-np.inf)), outside_utility)
    expu = np.exp(utility - top)
    expo = float(np.exp(outside_utility - top))
    total = expu.sum() + expo
    return expu / total, expo / total


def inertial_shares(previous: np.ndarray, target: np.ndarray, inertia: float) -> np.ndarray:
    """Shares move part of the way from last quarter's towards the target (users switch slowly)."""
    return inertia * previous + (1.0 - inertia) * target


def training_revenue_shares(age_years: np.ndarray, params: LabParams) -> np.ndarray:
    """Share of revenue each lab spends on training: it falls as the lab matures.

    ``tau(a) = tau_mature + (tau_0 - tau_mature) exp(-a / training_maturity_years)``, ``a`` the
    lab's age in years (since the start for labs present at the start).

    Args:
        age_years: Age of each lab, years.
        params: The scenario's :class:`~computemarket.simulation.parameters.LabParams`.
    """
    young, mature = params.training_revenue_share, params.training_revenue_share_mature
    return mature + (young - mature) * np.exp(-age_years / params.training_maturity_years)


def training_budget(
    cash: np.ndarray,
    burn: np.ndarray,
    revenue: np.ndarray,
    revenue_share: np.ndarray,
    params: LabParams,
) -> np.ndarray:
    """Quarterly training spend: a share of cash above the runway reserve plus a share of revenue.

    The revenue part shrinks in proportion as cash falls short of the runway reserve: a lab that
    is running out of money trains less before it stops.

    Args:
        cash: Cash of each lab, $B.
        burn: Quarterly cash burn of each lab, $B.
        revenue: Quarterly revenue of each lab, $B.
        revenue_share: Share of revenue each lab spends on training
            (:func:`training_revenue_shares`).
        params: The scenario's :class:`~computemarket.simulation.parameters.LabParams`.

    Returns:
        $B per lab.
    """
    reserve = params.runway_quarters * burn
    spare = np.maximum(cash - reserve, 0.0)
    funded = np.clip(np.divide(cash, reserve, out=np.ones_like(cash), where=reserve > 0), 0.0, 1.0)
    return params.training_budget_share * spare + revenue_share * revenue * funded


def valuation_multiple(
    growth: np.ndarray | float, gross_margin: np.ndarray | float, params: ValuationParams
) -> np.ndarray:
    """Multiple of run-rate revenue investors pay for a lab, from its growth and gross margin.

    ``M = mature_multiple + (growth_multiple - mature_multiple) (1 - exp(-g / growth_scale))
    sqrt(min(1, m / reference_margin))``, with growth ``g`` and margin ``m`` counted from 0 (a
    shrinking lab, or one without gross margin, is valued as mature).

    Args:
        growth: Annual revenue growth of one lab or of each lab.
        gross_margin: Gross margin, (revenue - inference compute) / revenue.
        params: The scenario's valuation parameters.
    """
    g = np.maximum(np.asarray(growth, dtype=float), 0.0)
    margin = np.clip(np.asarray(gross_margin, dtype=float) / params.reference_margin, 0.0, 1.0)
    premium = -np.expm1(-g / params.growth_scale) * np.sqrt(margin)
    return params.mature_multiple + (params.growth_multiple - params.mature_multiple) * premium


def lab_valuation(
    revenue: np.ndarray | float,
    growth: np.ndarray | float,
    gross_margin: np.ndarray | float,
    params: ValuationParams,
    floor: float,
) -> np.ndarray:
    """Valuation, $B: run-rate revenue (4 x the quarter's) times :func:`valuation_multiple`.

    Args:
        revenue: Quarterly revenue of one lab or of each lab, $B.
        growth: Annual revenue growth.
        gross_margin: Gross margin.
        params: The scenario's valuation parameters.
        floor: The lowest valuation, $B (``lab.min_valuation``).
    """
    value = (
        4.0 * np.asarray(revenue, dtype=float) * valuation_multiple(growth, gross_margin, params)
    )
    return np.maximum(floor, value)


def lab_valuations(state: State) -> np.ndarray:
    """Every lab's valuation this quarter, $B (:func:`lab_valuation` of its revenue, growth, margin)."""
    labs, params = state.labs, state.params
    return lab_valuation(
        labs.revenue,
        labs.revenue_growth,
        labs.gross_margin,
        params.valuation,
        params.lab.min_valuation,
    )


def track_revenue(labs: LabState, market_growth: float, weight: float) -> None:
    """After settlement: each lab's smoothed revenue growth and its gross margin (valuation inputs).

    Growth is smoothed in logs, annualised: ``G <- (1 - w) G + w * 4 log(R_t / R_{t-1})``, growth
    ``exp(G) - 1``; gross margin is smoothed the same way, ``m <- (1 - w) m + w (1 - inference
    compute / revenue)``, inference compute being the inference share of the GW served at the
    lab's average price this quarter (take-or-pay for compute not used included). A lab with its
    first revenue starts at the market's growth and at this quarter's margin; a quarter without
    revenue leaves both unchanged.

    Args:
        labs: The lab arrays (``revenue_growth``, ``previous_revenue`` and ``gross_margin`` are
            written).
        market_growth: Annual growth of end-user AI spending this quarter.
        weight: ``valuation.growth_smoothing``.
    """
    revenue, previous = labs.revenue, labs.previous_revenue
    earning = labs.alive & (revenue > 0)
    seen = earning & (previous > 0)
    ratio = np.divide(revenue, previous, out=np.ones_like(revenue), where=seen)
    # A growth of -100% (revenue that fell to nothing, e.g. in a demand shock) has log1p -inf
    # and smooths to -100% again: a limit, not an error.
    with np.errstate(divide="ignore"):
        smoothed = np.expm1(
            (1.0 - weight) * np.log1p(labs.revenue_growth) + weight * 4.0 * np.log(ratio)
        )
    labs.revenue_growth[:] = np.where(
        seen, smoothed, np.where(earning, market_growth, labs.revenue_growth)
    )
    labs.previous_revenue[:] = np.where(earning, revenue, previous)
    inference = np.minimum(labs.inference_need, labs.served)
    share = np.divide(inference, labs.served, out=np.zeros_like(revenue), where=labs.served > 0)
    margin = 1.0 - np.divide(labs.spend * share, revenue, out=np.zeros_like(revenue), where=earning)
    smoothed_margin = (1.0 - weight) * labs.gross_margin + weight * margin
    labs.gross_margin[:] = np.where(
        seen, smoothed_margin, np.where(earning, margin, labs.gross_margin)
    )


# ---------------------------------------------------------------------- where labs buy compute
def effective_cost(
    pair_price: np.ndarray,
    allocation: np.ndarray,
    switch_rate: float,
    owner: np.ndarray,
    captive: np.ndarray,
) -> np.ndarray:
    """Cost per GW of placing open demand at each provider, switching charges included.

    ``C_ip = price_ip (1 + switch_rate (1 - h_ip))``, where ``h_ip`` is the share of lab ``i``'s
    compute that ran at ``p`` last quarter. A captive provider (e.g. Meta) sells to no one but its
    own labs: its cost is infinite for the others.

    Args:
        pair_price: Price of non-contract compute, labs x providers.
        allocation: GW served last quarter, labs x providers.
        switch_rate: Switching cost plus egress fee, fraction of moved spend.
        owner: Owning provider of each lab, or -1.
        captive: Whether each provider is captive.

    Returns:
        Effective cost, labs x providers.
    """
    total = allocation.sum(axis=1, keepdims=True)
    home = np.divide(allocation, total, out=np.zeros_like(allocation), where=total > 0)
    moving = np.where(total > 0, 1.0 - home, 0.0)
    cost = pair_price * (1.0 + switch_rate * moving)
    if captive.any():
        own = owner[:, None] == np.arange(captive.size)[None, :]
        cost = np.where(captive[None, :] & ~own, np.inf, cost)
    return cost


def tied_provider(
    owner: np.ndarray, exclusive_end: np.ndarray, provider_alive: np.ndarray, quarter: int
) -> np.ndarray:
    """Provider that takes all of a lab's remaining demand: its owner, or its exclusive investor.

    Args:
        owner: Owning provider of each lab, or -1.
        exclusive_end: Quarter exclusivity ends, labs x providers.
        provider_alive: Whether each provider is in business.
        quarter: The current quarter.

    Returns:
        Provider index per lab, or -1 for a lab free to shop around.
    """
    exclusive = np.where(provider_alive[None, :], exclusive_end, -1)
    partner = exclusive.argmax(axis=1)
    has_partner = exclusive[np.arange(owner.size), partner] > quarter
    tied = np.where(has_partner, partner, -1)
    return np.where(owner >= 0, owner, tied)


def contract_providers(
    cost: np.ndarray, available: np.ndarray, exclusive: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Where labs signing a reserved-capacity contract sign it: the cheapest provider they may use.

    Args:
        cost: Effective cost of reserved capacity, signing labs x providers.
        available: Whether each provider can sell (in business, with capacity), (P,).
        exclusive: Whether each signing lab is exclusive to each provider, signing labs x providers;
            a lab with an exclusive partner signs there.

    Returns:
        ``(provider, ok)``: the chosen provider per signing lab, and whether it has one at all.
    """
    cost = np.where(available[None, :], cost, np.inf)
    cost = np.where(exclusive.any(axis=1, keepdims=True) & ~exclusive, np.inf, cost)
    choice = first_minimum(cost, axis=1)
    return choice, np.isfinite(cost[np.arange(choice.size), choice])


def open_demand_weights(cost: np.ndarray, available: np.ndarray, sensitivity: float) -> np.ndarray:
    """Logit split of each lab's open demand across available providers by relative cost.

    ``w_ip ~ exp(-sensitivity (C_ip / min_p C_ip - 1))`` over providers with capacity left.

    Args:
        cost: Effective cost per GW, labs x providers.
        available: Whether each provider has capacity left, (P,) or labs x providers.
        sensitivity: Logit sensitivity to relative cost.

    Returns:
        Weights, labs x providers; each lab's add up to 1 (or 0 if no provider is available).
    """
    # A provider a lab cannot buy from (infinite cost, e.g. another firm's captive) gets no
    # weight, also when the sensitivity is 0 (where exp(-0 * inf) would be NaN).
    usable = available & np.isfinite(cost)
    masked = np.where(usable, cost, np.inf)
    best = masked.min(axis=1, keepdims=True)
    finite_best = np.where(np.isfinite(best), best, 1.0)
    relative = (masked - finite_best) / np.where(finite_best > 0, finite_best, 1.0)
    weights = np.where(usable, np.exp(-sensitivity * np.where(usable, relative, 0.0)), 0.0)
    total = weights.sum(axis=1, keepdims=True)
    return np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)
