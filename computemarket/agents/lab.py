"""AI labs: quality from compute, revenue from users, compute needs, and fundraising.

The per-quarter quantities every lab has (shares, revenue, compute need, training budget) are
computed for all labs at once by the vectorised functions of this module; the decisions that only
some labs take in a quarter (which offer to accept) are methods of :class:`AILab`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from computemarket.agents.base import MarketAgent
from computemarket.agents.hyperscaler import Offer

if TYPE_CHECKING:
    from computemarket.simulation.model import ComputeMarket


class AILab(MarketAgent):
    """An AI lab: independent, or owned by a hyperscaler (in-house).

    State lives in row ``index`` of the model's :class:`~computemarket.simulation.state.LabState`;
    cash lives in the ledger.

    Args:
        model: The model.
        index: Row in the lab arrays.
        name: Display name.
    """

    kind = "lab"

    def __init__(self, model: ComputeMarket, index: int, name: str) -> None:
        super().__init__(model, index, name, model.labs.account)

    @property
    def quality(self) -> float:
        """Quality: log of the effective training-compute stock."""
        return float(np.log(self.model.labs.stock[self.index]))

    @property
    def owner(self) -> int:
        """Index of the owning hyperscaler, or -1 if independent."""
        return int(self.model.labs.owner[self.index])

    @property
    def alive(self) -> bool:
        """False once the lab has exited."""
        return bool(self.model.labs.alive[self.index])

    def choose_offers(
        self, offers: list[Offer], amount_sought: float, desperate: bool
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

        Returns:
            Accepted offers, in order of preference.
        """
        m = self.model
        aversion = m.params.lab.string_aversion
        valuation = m.lab_valuation(self.index)
        switch_rate = m.params.rules.switching_cost + m.egress_fee
        allocation = m.labs.allocation[self.index]
        total = float(allocation.sum())
        spend = float(m.labs.spend[self.index])
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
                # Moving is paid once, on at most the spend that runs elsewhere now.
                score -= switch_rate * elsewhere * min(tied_spend, spend * elsewhere * 4.0)
            if score > 0 or desperate:
                scored.append((score / offer.amount, offer))
        scored.sort(key=lambda pair: (-pair[0], pair[1].investor))
        chosen, covered = [], 0.0
        for _, offer in scored:
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


def training_budget(cash: np.ndarray, burn: np.ndarray, revenue: np.ndarray, params) -> np.ndarray:
    """Quarterly training spend: a share of cash above the runway reserve plus a share of revenue.

    The revenue part shrinks in proportion as cash falls short of the runway reserve: a lab that
    is running out of money trains less before it stops.

    Args:
        cash: Cash of each lab, $B.
        burn: Quarterly cash burn of each lab, $B.
        revenue: Quarterly revenue of each lab, $B.
        params: The scenario's :class:`~computemarket.simulation.parameters.LabParams`.

    Returns:
        $B per lab.
    """
    reserve = params.runway_quarters * burn
    spare = np.maximum(cash - reserve, 0.0)
    funded = np.clip(np.divide(cash, reserve, out=np.ones_like(cash), where=reserve > 0), 0.0, 1.0)
    return params.training_budget_share * spare + params.training_revenue_share * revenue * funded
