"""The results store: the on-disk layout of run and sweep folders, shared by every command.

Below the experiments and the results, above the model: both write and read folders only through
these modules, so neither imports the other.

- :mod:`.layout`: the names of the files in a run or sweep folder, and what a folder holds.
- :mod:`.files`: atomic writes (a temporary file renamed into place), and the removal of the
  temporary files a killed process left behind.
- :mod:`.schema`: one type per column, text as categories, a unit for every column, run ids.
- :mod:`.provenance`: versions, git revision, time and host, recorded with every run and sweep.
- :mod:`.runs`: a run folder (four Parquet tables, a manifest, extra files such as the figure).
- :mod:`.sweeps`: a sweep folder (manifest, design, one Parquet file per task, a lock).
"""
