"""Results: the Parquet store of runs and sweeps, loading, summaries and plots.

A single run is written by :func:`computemarket.results.store.write_run` and read back by
:func:`computemarket.results.store.read_run`; its picture comes from :mod:`computemarket.results.plots`.
"""

from computemarket.results.load import SweepResults, load

__all__ = ["SweepResults", "load"]
