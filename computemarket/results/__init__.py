"""Results: loading runs and sweeps from the store, summaries, comparisons, figures and reports.

A single run is written by :func:`computemarket.results.run_folder.write_run` (the store's
:func:`computemarket.store.runs.write_run` plus the summary picture of
:mod:`computemarket.results.plots`) and read back by :func:`computemarket.store.runs.read_run`. The figures of a run (:mod:`.figures_run`, :mod:`.money_flow`,
:mod:`.deal_network`) and of a sweep (:mod:`.figures_sweep`, :mod:`.figures_factors`) are listed by kind in
:mod:`.figures`, and :mod:`.report` writes a self-contained HTML report (``computemarket plot`` and
``computemarket report``, see docs/figures.md). :mod:`.discovery` runs PRIM over a sweep
(``computemarket discover``, see docs/experiments.md).
"""

from computemarket.results.load import SweepResults, load

__all__ = ["SweepResults", "load"]
