"""Shipped scenarios (TOML): see docs/parameters.md."""
