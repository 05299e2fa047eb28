"""The errors of reading results: a question the folder cannot answer, said in one line."""

from __future__ import annotations

from computemarket.errors import UserError


class ResultsError(UserError):
    """A question about results that the folder cannot answer (a metric or year it does not hold)."""


class FigureError(ResultsError):
    """Bad input for a figure or a report. The message is one line for the user."""


class ComparisonError(ResultsError):
    """The comparison asked for does not fit the sweep (one-line message)."""
