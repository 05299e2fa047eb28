"""What every market agent shares: a row in the model's arrays, a name and a ledger account."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from computemarket.simulation.model import ComputeMarket


class MarketAgent(mesa.Agent):
    """A Mesa agent whose state lives in row ``index`` of the model's arrays and whose cash lives in the ledger.

    Args:
        model: The model.
        index: Row in the arrays of the agent's kind.
        name: Display name.
        accounts: The array of ledger account numbers of the agent's kind (the agent writes its own).
    """

    kind = "agent"

    def __init__(self, model: ComputeMarket, index: int, name: str, accounts: np.ndarray) -> None:
        super().__init__(model)
        self.index = index
        self.name = name
        self.account = model.ledger.open_account()
        accounts[index] = self.account

    @property
    def cash(self) -> float:
        """Cash, $B (changed only through the ledger)."""
        return float(self.model.ledger.cash[self.account])
