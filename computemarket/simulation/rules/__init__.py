"""Shipped rules presets (TOML), laid over any scenario: see docs/parameters.md."""
