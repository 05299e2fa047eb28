"""Validation: the calibrated market against its sources, and the model's behaviour against the evidence.

Run it with ``computemarket validate`` (writes ``docs/validation.md``) or :func:`validate` in Python.
"""

from computemarket.validation.checks import Check
from computemarket.validation.report import render_markdown, render_table, validate

__all__ = ["Check", "render_markdown", "render_table", "validate"]
