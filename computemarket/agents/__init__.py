"""Mesa agents of the market: hyperscalers (cloud providers) and AI labs."""

from computemarket.agents.base import MarketAgent
from computemarket.agents.hyperscaler import Hyperscaler, Offer
from computemarket.agents.lab import AILab

__all__ = ["AILab", "Hyperscaler", "MarketAgent", "Offer"]
