"""Atomic writes: files that belong together are all replaced, or none."""

import pytest

from computemarket.store.files import atomic_paths
from computemarket.store.layout import StoreError


def test_a_folder_where_a_file_goes_is_refused_before_anything_is_written(tmp_path):
    (tmp_path / "b.csv").mkdir()
    refused = pytest.raises(StoreError, match=r"b\.csv: is a folder, not a file")
    with refused, atomic_paths([tmp_path / "a.csv", tmp_path / "b.csv"]) as temporaries:
        for tmp in temporaries:
            tmp.write_text("x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.csv"]


def test_all_files_are_replaced_together(tmp_path):
    (tmp_path / "a.csv").write_text("old")
    with atomic_paths([tmp_path / "a.csv", tmp_path / "b.csv"]) as temporaries:
        for tmp in temporaries:
            tmp.write_text("new")
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == {"a.csv": "new", "b.csv": "new"}


def test_a_failure_while_writing_replaces_none(tmp_path):
    (tmp_path / "a.csv").write_text("old")
    with (
        pytest.raises(RuntimeError),
        atomic_paths([tmp_path / "a.csv", tmp_path / "b.csv"]) as tmps,
    ):
        tmps[0].write_text("new")
        raise RuntimeError("disk full")
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == {"a.csv": "old"}
