"""What every market agent shares: a row in the state's arrays, a name and a ledger account."""

from __future__ import annotations

import mesa

from computemarket.simulation.state import State


class MarketAgent(mesa.Agent):
    """A Mesa agent whose state lives in row ``index`` of the market's arrays.

    Its cash lives in the ledger, in the account the state's arrays give for its row. The agent
    reads and writes the shared :class:`~computemarket.simulation.state.State`; it never needs the
    model object beyond what Mesa keeps (``self.model``, its random number generators).

    Args:
        model: The Mesa model the agent belongs to.
        state: The market state the agent's row lives in.
        index: Row in the arrays of the agent's kind.
        name: Display name.
    """

    kind = "agent"

    def __init__(self, model: mesa.Model, state: State, index: int, name: str) -> None:
        super().__init__(model)
        self.state = state
        self.index = index
        self.name = name

    @property
    def account(self) -> int:
        """Ledger account number."""
        raise NotImplementedError

    @property
    def cash(self) -> float:
        """Cash, $B (changed only through the ledger)."""
        return float(self.state.ledger.cash[self.account])
