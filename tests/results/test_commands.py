"""`computemarket plot` and `computemarket report`: files where promised; bad input in one line."""

from __future__ import annotations

import json
import shutil

import pytest

from computemarket import cli


@pytest.fixture
def run_copy(run_dir, tmp_path):
    """A private copy of the session's run folder (commands write into it)."""
    return shutil.copytree(run_dir, tmp_path / "run")


@pytest.fixture
def grid_copy(grid_dir, tmp_path):
    """A private copy of the session's grid sweep folder."""
    return shutil.copytree(grid_dir, tmp_path / "grid")


def test_plot_a_run_writes_every_figure(run_copy, capsys, png_pixels):
    assert (
        cli.main(
            [
                "plot",
                str(run_copy),
                "--kind",
                "money-flow",
                "deal-network",
                "--year",
                "2027",
                "--quarter",
                "4",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out.splitlines()
    names = sorted(p.name for p in (run_copy / "figures").iterdir())
    assert names == ["deal-network-q4.png", "money-flow-2027.png"]
    assert out == [
        f"wrote {run_copy / 'figures' / n}" for n in ("money-flow-2027.png", "deal-network-q4.png")
    ]
    pixels = png_pixels((run_copy / "figures" / "money-flow-2027.png").read_bytes())
    assert pixels.shape[:2] == (1200, 2100)  # 14 x 8 inches at 150 dpi


def test_plot_a_sweep_as_svg_and_say_what_was_skipped(grid_copy, capsys):
    code = cli.main(
        [
            "plot",
            str(grid_copy),
            "--format",
            "svg",
            "--metric",
            "cloud_hhi",
            "locked_share",
            "--threshold",
            "locked_share<0.5",
        ]
    )
    assert code == 0
    names = sorted(p.name for p in (grid_copy / "figures").iterdir())
    assert names == [
        "crossing-locked_share-below-0.5.svg",
        "distribution-cloud_hhi.svg",
        "distribution-locked_share.svg",
        "heatmap-cloud_hhi.svg",
        "heatmap-locked_share.svg",
        "over-time.svg",
    ]
    for path in (grid_copy / "figures").iterdir():
        text = path.read_text(encoding="utf-8")
        assert text.startswith("<?xml") and "<svg" in text and "<path" in text
    assert "skipped sensitivity: needs a saltelli or morris design" in capsys.readouterr().out


def test_report_command_writes_the_html(grid_copy, tmp_path, capsys):
    assert cli.main(["report", str(grid_copy), "--kind", "distribution"]) == 0
    assert (grid_copy / "report.html").is_file()
    assert (
        cli.main(["report", str(grid_copy), "--kind", "heatmap", "--out", str(tmp_path / "x.html")])
        == 0
    )
    assert capsys.readouterr().out.splitlines()[-1] == f"wrote {tmp_path / 'x.html'}"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["plot", "{missing}"],
            "no such folder (expected the --out folder of `computemarket run` or `sweep`)",
        ),
        (["report", "{empty}"], "not a computemarket run or sweep folder (no manifest.json"),
        (
            ["plot", "{other}"],
            "not a computemarket run or sweep folder (its manifest.json has neither",
        ),
        (
            ["plot", "{run}", "--kind", "heatmap"],
            "--kind 'heatmap': not a figure of a run (choose from summary, shares",
        ),
        (
            ["plot", "{grid}", "--kind", "money-flow"],
            "--kind 'money-flow': not a figure of a sweep (choose from over-time",
        ),
        (
            ["report", "{grid}", "--kind", "sensitivity"],
            "--kind sensitivity: needs a saltelli or morris design",
        ),
        (
            ["plot", "{run}", "--year", "1999"],
            "year 1999: the run's money flows cover calendar years 2026 to 2029",
        ),
        (
            ["plot", "{run}", "--year", "2027.5"],
            "--year 2027.5: expected a whole calendar year for a run",
        ),
        (["plot", "{run}", "--quarter", "99"], "quarter 99: the run has quarters 0 to 12"),
        (
            ["plot", "{grid}", "--threshold", "cloud_hhi=1800"],
            "--threshold 'cloud_hhi=1800': expected METRIC>VALUE",
        ),
        (["plot", "{grid}", "--metric", "nope"], "metric 'nope' is not in this sweep"),
        (
            ["plot", "{grid}", "--year", "9"],
            "--year: expected a calendar year such as 2030, got '9' (for years from the start",
        ),
        (
            ["plot", "{grid}", "--after", "9"],
            "--after 9: expected years from the start in quarters (multiples of 0.25) from 0 to 2",
        ),
        (["plot", "{grid}", "--format", "jpg"], "argument --format: invalid choice: 'jpg'"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    arguments, message, run_copy, grid_copy, tmp_path, capsys
):
    (tmp_path / "empty").mkdir()
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "manifest.json").write_text(json.dumps({"name": "x"}), encoding="utf-8")
    folders = {
        "missing": tmp_path / "missing",
        "empty": tmp_path / "empty",
        "other": tmp_path / "other",
        "run": run_copy,
        "grid": grid_copy,
    }
    code = cli.main([a.format(**folders) for a in arguments])
    out, err = capsys.readouterr()
    assert code == 2, err
    assert out == "" and err.count("\n") == 1 and err.startswith("computemarket: error: ")
    assert message in err
    assert not (run_copy / "figures").exists() and not (grid_copy / "figures").exists()
    assert not (grid_copy / "report.html").exists()
