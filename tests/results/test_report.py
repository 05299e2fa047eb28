"""The HTML report: every figure embedded, nothing referenced outside it, clean in a real browser."""

from __future__ import annotations

import base64
import dataclasses
import re
import shutil
from html.parser import HTMLParser

import pytest

from computemarket.results.figures import RUN_KINDS
from computemarket.results.report import (
    CONTENT_POLICY,
    REPORT_FILE,
    build_report,
    scenario_differences,
    write_report,
)
from computemarket.results.source import FigureError
from computemarket.store.layout import is_report_file
from computemarket.testing import folder_snapshot

FETCHING_TAGS = {"script", "link", "iframe", "frame", "object", "embed", "base", "audio", "video"}
URL_ATTRIBUTES = {"src", "href", "srcset", "action", "poster", "data", "background", "formaction"}


class Page(HTMLParser):
    """Every tag, every URL-valued attribute and the text of <style> of an HTML document."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []
        self.images: list[str] = []
        self.ids: list[str] = []
        self.meta: list[dict] = []
        self.styles: list[str] = []
        self._in_style = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        values = dict(attrs)
        self.urls += [value or "" for name, value in attrs if name in URL_ATTRIBUTES]
        if tag == "img":
            self.images.append(values.get("src", ""))
        if "id" in values:
            self.ids.append(values["id"])
        if tag == "meta":
            self.meta.append(values)
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def assert_self_contained(page: Page) -> None:
    assert not FETCHING_TAGS & set(page.tags), FETCHING_TAGS & set(page.tags)
    for url in page.urls:
        assert url.startswith(("data:image/png;base64,", "#")), url[:80]
    assert "url(" not in "".join(page.styles) and "@import" not in "".join(page.styles)
    policy = [m for m in page.meta if m.get("http-equiv") == "Content-Security-Policy"]
    assert policy and policy[0]["content"] == CONTENT_POLICY


@pytest.fixture(scope="module")
def run_report(run_dir, tmp_path_factory):
    """The run's report, written once for this module."""
    return write_report(run_dir, tmp_path_factory.mktemp("report") / "run.html")


@pytest.fixture(scope="module")
def grid_report(grid_dir, tmp_path_factory):
    """The grid sweep's report, written once for this module."""
    return write_report(grid_dir, tmp_path_factory.mktemp("report") / "grid.html")


def test_run_report_holds_every_figure_and_references_nothing_outside(run_report, png_pixels):
    text = run_report.read_text(encoding="utf-8")
    page = Page(text)
    assert_self_contained(page)
    assert len(page.images) == len(RUN_KINDS)
    stems = {i.removeprefix("figure-") for i in page.ids if i.startswith("figure-")}
    assert stems == {
        "summary",
        "shares",
        "concentration",
        "lock-in",
        "money-flow-2028",
        "deal-network-q12",
    }
    for src in page.images:
        pixels = png_pixels(base64.b64decode(src.removeprefix("data:image/png;base64,")))
        assert pixels.shape[1] == 1400  # 14 inches at 100 dpi
    # the summary table, the scenario as resolved and the provenance
    assert "Headline metrics over the run" in text and "Hyperscalers at the end" in text
    assert "cloud HHI, AI compute revenue" in text and "<td>Cloud A</td>" in text
    assert '"population"' in text and '"deals"' in text  # every parameter, folded away
    assert "Scenario: what differs from the defaults" in text
    assert "<th>seed</th><td>0</td>" in text and "<th>version: mesa</th>" in text
    # Quarters read as quarters: 2026Q1 ... 2029Q1, never 2026.25.
    assert "<th>2026Q1</th>" in text and "<th>2029Q1</th>" in text
    assert not re.search(r"20\d\d\.(25|5|75)\b", text)
    assert "quarter 12 (2029Q1)" in text


def test_the_scenario_is_shown_as_its_differences_from_the_defaults_with_units():
    from computemarket.simulation.scenario import load_scenario

    scenario = dataclasses.asdict(
        load_scenario("classroom", overrides={"rules.switching_cost": 0.5})
    )
    differences = scenario_differences(scenario).set_index("parameter")
    labs = differences.loc["population.labs"]
    assert (labs["value"], labs["default"], labs["unit"]) == ("6", "20", "firms")
    assert differences.loc["rules.switching_cost", "value"] == "0.5"
    assert differences["meaning"].str.len().min() > 10
    assert len(differences) < 20  # not the 100-odd parameters of the schema
    baseline = dataclasses.asdict(load_scenario("baseline"))
    assert "population.labs" not in set(scenario_differences(baseline)["parameter"])


def test_sweep_report_holds_the_figures_that_apply_and_says_which_do_not(grid_report):
    text = grid_report.read_text(encoding="utf-8")
    page = Page(text)
    assert_self_contained(page)
    stems = {i.removeprefix("figure-") for i in page.ids if i.startswith("figure-")}
    assert stems == {
        "over-time",
        "heatmap-cloud_hhi",
        "crossing-cloud_hhi-above-1800",
        "distribution-cloud_hhi",
    }
    assert len(page.images) == 4
    assert "sensitivity: needs a saltelli or morris design" in text
    assert "P(cloud HHI &gt; 1,800)" in text and "commitment_multiple" in text
    assert '"sampler": "grid"' in text and "version: SALib" in text


def test_report_of_chosen_figures_goes_into_the_folder_or_where_asked(grid_dir, tmp_path):
    assert build_report(grid_dir, ("distribution",)).count("<img ") == 1
    folder = shutil.copytree(grid_dir, tmp_path / "grid")  # the session's folder stays as it is
    path = write_report(folder, kinds=("distribution",))
    assert path == folder / REPORT_FILE and path.read_text(encoding="utf-8").startswith(
        "<!DOCTYPE html>"
    )
    elsewhere = write_report(folder, tmp_path / "r.html", kinds=("distribution",))
    assert elsewhere.is_file()


def test_a_report_carries_its_generator_and_replaces_only_an_earlier_report(
    run_report, grid_dir, tmp_path
):
    page = Page(run_report.read_text(encoding="utf-8"))
    generator = [m for m in page.meta if m.get("name") == "generator"]
    assert generator and generator[0]["content"].startswith("computemarket report ")
    assert is_report_file(run_report)
    folder = shutil.copytree(grid_dir, tmp_path / "grid")
    write_report(folder, kinds=("distribution",))
    write_report(folder, kinds=("distribution",))  # an earlier report is replaced
    older = tmp_path / "older.html"  # a report written before the generator tag
    older.write_text("<!DOCTYPE html>\n<head>\n<title>computemarket report: run</title>")
    assert write_report(folder, older, kinds=("distribution",)) == older
    assert is_report_file(older)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("mine.html", "<!DOCTYPE html><title>My notes</title>"),
        ("notes.txt", "my notes"),
        ("REPORT.txt", '<meta name="generator" content="computemarket report 0.1">'),
    ],
)
def test_a_users_file_is_never_written_over(grid_dir, tmp_path, name, text):
    folder = shutil.copytree(grid_dir, tmp_path / "grid")
    (folder / name).write_text(text, encoding="utf-8")
    (folder / REPORT_FILE).write_text("my own report.html", encoding="utf-8")
    before = folder_snapshot(tmp_path)
    with pytest.raises(FigureError, match=f"{name}: exists and is not a report computemarket"):
        write_report(folder, folder / name, kinds=("distribution",))
    with pytest.raises(FigureError, match=r"report.html: exists and is not a report"):
        write_report(folder, kinds=("distribution",))
    assert folder_snapshot(tmp_path) == before


def test_a_data_file_of_a_run_or_sweep_is_refused_even_when_missing_or_linked(
    run_dir, grid_dir, tmp_path
):
    run = shutil.copytree(run_dir, tmp_path / "run")
    sweep = shutil.copytree(grid_dir, tmp_path / "grid")
    (run / "deals.parquet").unlink()
    (tmp_path / "link").symlink_to(run)
    (tmp_path / "link.html").symlink_to(run / "metrics.parquet")
    before = folder_snapshot(tmp_path)
    for folder, out in [
        (run, run / "deals.parquet"),  # missing: a report there would still pass for it
        (run, run / "manifest.json"),
        (run, tmp_path / "link" / "metrics.parquet"),
        (run, tmp_path / "link.html"),
        (sweep, sweep / "design.parquet"),
        (sweep, sweep / "manifest.json"),
        (sweep, sweep / "tasks" / "task-000000.parquet"),
    ]:
        with pytest.raises(FigureError, match=r"is a data file of the (run|sweep) in|not a report"):
            write_report(folder, out, kinds=("summary",) if folder == run else ("distribution",))
    assert folder_snapshot(tmp_path) == before


# ----------------------------------------------------------------------------- in a real browser
@pytest.mark.parametrize("which", ["run_report", "grid_report"])
def test_report_opens_in_chromium_without_console_errors(which, request, chromium):
    report = request.getfixturevalue(which)
    page = chromium.new_page()
    problems, requests = [], []
    page.on(
        "console",
        lambda m: (
            problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    decoded = page.evaluate(
        "Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)"
    )
    page.close()
    assert problems == []
    assert all(url == report.as_uri() or url.startswith("data:") for url in requests), requests
    assert decoded and all(decoded)


def test_the_checks_catch_an_outside_reference(run_report, chromium, tmp_path):
    text = run_report.read_text(encoding="utf-8")
    leaky = text.replace("</body>", '<img src="https://example.invalid/x.png"></body>')
    with pytest.raises(AssertionError, match=r"https://example\.invalid"):
        assert_self_contained(Page(leaky))
    page = chromium.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.route(
        "**/*",
        lambda route: (
            route.abort() if "example.invalid" in route.request.url else route.continue_()
        ),
    )
    (tmp_path / "leaky.html").write_text(leaky, encoding="utf-8")
    page.goto((tmp_path / "leaky.html").as_uri())
    page.wait_for_load_state("load")
    page.close()
    assert any("Content Security Policy" in e for e in errors), errors
