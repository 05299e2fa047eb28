"""Results: the Parquet store of runs and sweeps, loading, summaries and plots.

A single run is written by :func:`computemarket.results.store.write_run` and read back by
:func:`computemarket.results.store.read_run`; its summary picture comes from
:mod:`computemarket.results.plots`. The figures of a run (:mod:`.figures_run`, :mod:`.money_flow`,
:mod:`.deal_network`) and of a sweep (:mod:`.figures_sweep`) are listed by kind in
:mod:`.figures`, and :mod:`.report` writes a self-contained HTML report (``computemarket plot`` and
``computemarket report``, see docs/figures.md).
"""

from computemarket.results.load import SweepResults, load

__all__ = ["SweepResults", "load"]
