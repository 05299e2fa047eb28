"""Mesa agents of the market: hyperscalers (cloud providers) and AI labs."""

from computemarket.agents.base import MarketAgent
from computemarket.agents.hyperscaler import Hyperscaler
from computemarket.agents.lab import AILab
from computemarket.agents.offers import Offer

__all__ = ["AILab", "Hyperscaler", "MarketAgent", "Offer"]
