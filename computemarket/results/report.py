"""A self-contained HTML report of a run or a sweep: figures, summary table, scenario, provenance.

The report is one file that references nothing outside itself: figures are embedded as base64 PNG,
styles are inline, there is no script, and a Content-Security-Policy forbids loading anything but
the embedded images. It can be mailed, archived or opened offline.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import html
import io
import json
import math
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from computemarket.results.errors import ResultsError
from computemarket.results.figures import (
    DrawnFigure,
    FigureOptions,
    draw_figures,
    kinds_for,
    versus_of,
)
from computemarket.results.load import SweepResults, when_text
from computemarket.results.source import FigureError, open_results
from computemarket.results.style import run_title
from computemarket.results.tables import (
    run_firms_table,
    run_metrics_table,
    sensitivity_table,
    sweep_points_table,
)
from computemarket.simulation.parameters import FIRM_LISTS, SECTIONS
from computemarket.store.files import unwritable_reason, write_text_atomic
from computemarket.store.layout import (
    REPORT_FILE,
    REPORT_GENERATOR,
    REPORT_SUFFIX,
    data_folder_of,
    is_report_file,
)
from computemarket.store.runs import StoredRun

REPORT_DPI = 100
CONTENT_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto;
       max-width: 1200px; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.8rem; margin-bottom: 0.2rem; }
h2 { border-bottom: 2px solid #0072B2; padding-bottom: 0.2rem; margin-top: 2.5rem; }
figure { margin: 1.5rem 0; }
figure img { width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { color: #555; font-size: 0.95rem; }
table { border-collapse: collapse; font-size: 0.9rem; margin: 1rem 0; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: right; }
td { white-space: nowrap; }
.scroll { overflow-x: auto; }
th { background: #f2f2f2; }
td:first-child, th:first-child { text-align: left; }
pre { background: #f7f7f7; padding: 1rem; overflow-x: auto; font-size: 0.85rem; }
.note { color: #555; }
nav ul { columns: 2; }
"""


def figure_png(figure: Any, dpi: int = REPORT_DPI) -> bytes:
    """A figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _table_html(table: pd.DataFrame) -> str:
    if table.empty:
        return '<p class="note">No rows.</p>'
    return (
        f'<div class="scroll">{table.to_html(index=False, escape=True, border=0, na_rep="-")}</div>'
    )


def _figures_html(drawn: list[DrawnFigure], descriptions: dict[str, str]) -> str:
    parts = []
    for item in drawn:
        data = base64.b64encode(figure_png(item.figure)).decode("ascii")
        title = item.figure.get_suptitle() or item.stem
        caption = f"<b>{html.escape(item.stem)}</b>: {html.escape(descriptions[item.kind])}."
        parts.append(
            f'<figure id="figure-{html.escape(item.stem)}">'
            f'<img src="data:image/png;base64,{data}" alt="{html.escape(title)}">'
            f"<figcaption>{caption}</figcaption></figure>"
        )
    return "\n".join(parts)


def _provenance(source: StoredRun | SweepResults) -> dict[str, Any]:
    manifest = source.manifest
    if isinstance(source, StoredRun):
        keys = (
            "scenario_name",
            "rules_preset",
            "overrides",
            "seed",
            "years",
            "command",
            "created_utc",
            "wall_time_s",
            "format",
        )
    else:
        keys = ("experiment", "source", "created", "updated", "status", "limit", "chunk", "totals")
    facts = {key: manifest.get(key) for key in keys if key in manifest}
    if isinstance(source, SweepResults):
        design = manifest.get("design", {})
        facts["design"] = {k: design.get(k) for k in ("id", "sampler", "points", "seeds", "runs")}
    for name, version in (manifest.get("versions") or {}).items():
        facts[f"version: {name}"] = version
    facts["report drawn by computemarket"] = _version()
    facts["report drawn at (UTC)"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return facts


def _version() -> str:
    try:
        return metadata.version("computemarket")
    except metadata.PackageNotFoundError:
        return "unknown"


def _facts_html(facts: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(str(key))}</th><td>{html.escape(_fact_text(value))}</td></tr>"
        for key, value in facts.items()
    )
    return f"<table>{rows}</table>"


def _fact_text(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return "-" if value is None else str(value)


def _summary_html(source: StoredRun | SweepResults, options: FigureOptions) -> str:
    if isinstance(source, StoredRun):
        return (
            "<h3>Headline metrics over the run</h3>"
            + _table_html(run_metrics_table(source))
            + "<h3>Hyperscalers at the end</h3>"
            + _table_html(run_firms_table(source))
        )
    year, after = options.year, options.after
    when = when_text(year, after, source.years)
    points = sweep_points_table(source, year, after=after)
    parts = [
        f"<h3>Per design point at {html.escape(when)}: mean (95% interval) over seeds</h3>",
        _table_html(points),
    ]
    finished = source.metrics["point"].nunique()
    if finished > len(points):
        parts.append(
            f'<p class="note">First {len(points)} of {finished} points; '
            "<code>computemarket summarize</code> lists all.</p>"
        )
    if finished < len(source.points):
        parts.append(
            f'<p class="note">{len(source.points) - finished} of {len(source.points)} design '
            "points have no finished run yet.</p>"
        )
    design = source.manifest["design"]
    if design.get("sampler") in ("saltelli", "morris"):
        try:
            parts += [
                f"<h3>Sensitivity indices at {html.escape(when)}</h3>",
                _table_html(
                    sensitivity_table(source, year, after=after, versus=versus_of(source, options))
                ),
            ]
        except ResultsError as err:
            parts.append(f'<p class="note">No sensitivity indices: {html.escape(str(err))}</p>')
    return "".join(parts)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.6g}"
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, default=str)
    return str(value)


def _differs(value: Any, default: Any) -> bool:
    if isinstance(value, list | tuple) and isinstance(default, list | tuple):
        return list(value) != list(default)
    if isinstance(value, float | int) and isinstance(default, float | int):
        return not math.isclose(float(value), float(default), rel_tol=1e-12, abs_tol=1e-12)
    return value != default


def scenario_differences(scenario: dict[str, Any]) -> pd.DataFrame:
    """The parameters of a resolved scenario that differ from the schema's defaults, with units.

    Args:
        scenario: A resolved scenario as a run's manifest holds it (sections of parameters, and
            lists of firms and agreements).

    Returns:
        One row per parameter that differs: ``parameter`` (dotted; a firm's by its name, e.g.
        ``hyperscalers[Cloud A].capacity_gw``), ``value``, ``default``, ``unit`` and ``meaning``.
    """
    rows = []

    def compare(path: str, values: dict[str, Any], spec: type) -> None:
        for f in dataclasses.fields(spec):
            if f.name in values and _differs(values[f.name], f.default):
                rows.append(
                    {
                        "parameter": f"{path}.{f.name}",
                        "value": _shown(values[f.name]),
                        "default": _shown(f.default),
                        "unit": f.metadata.get("unit", "-"),
                        "meaning": f.metadata.get("doc", ""),
                    }
                )

    for section, spec in SECTIONS.items():
        compare(section, scenario.get(section) or {}, spec)
    for section, spec in FIRM_LISTS.items():
        for i, item in enumerate(scenario.get(section) or []):
            compare(f"{section}[{item.get('name') or i}]", item, spec)
    return pd.DataFrame(rows, columns=["parameter", "value", "default", "unit", "meaning"])


def _scenario_html(scenario: dict[str, Any]) -> str:
    """The scenario as its differences from the defaults, the whole of it folded away below."""
    differences = scenario_differences(scenario)
    counted = sum(len(dataclasses.fields(spec)) for spec in SECTIONS.values())
    lines = [
        f"<p>Scenario <b>{html.escape(str(scenario.get('name', '?')))}</b>, rules "
        f"<b>{html.escape(str(scenario.get('rules_preset') or 'its own'))}</b>: "
        f"{len(differences)} parameters differ from the defaults of the schema (of {counted} "
        "parameters, firms and agreements aside; <code>docs/parameters.md</code> lists them "
        "all, with their sources).</p>",
        _table_html(differences),
        "<details><summary>Every parameter as run (JSON)</summary>",
        f"<pre>{html.escape(json.dumps(scenario, indent=2, default=str), quote=False)}</pre>",
        "</details>",
    ]
    return "\n".join(lines)


def _setup(source: StoredRun | SweepResults) -> tuple[str, str, dict[str, Any]]:
    """Title, description and the scenario or experiment as run."""
    if isinstance(source, StoredRun):
        scenario = source.manifest.get("scenario", {})
        return run_title(source.manifest), scenario.get("description", ""), scenario
    spec = source.manifest.get("spec", {})
    return f"sweep {source.name}", spec.get("description", ""), spec


def _setup_html(source: StoredRun | SweepResults, setup: dict[str, Any]) -> str:
    if isinstance(source, StoredRun):
        return _scenario_html(setup)
    return f"<pre>{html.escape(json.dumps(setup, indent=2, default=str), quote=False)}</pre>"


def build_report(
    directory: str | Path, kinds: tuple[str, ...] = (), options: FigureOptions | None = None
) -> str:
    """The HTML text of the report of a run or sweep folder.

    Args:
        directory: A run or sweep folder.
        kinds: Figure kinds to include (default: every kind that applies).
        options: Figure options (metrics, year, quarter, thresholds, factors).

    Returns:
        A complete HTML document.

    Raises:
        FigureError: If the folder holds neither a run nor a sweep, or an option is bad.
    """
    options = options or FigureOptions()
    source = open_results(directory)
    drawn, skipped = draw_figures(source, kinds, options)
    descriptions = {name: kind.description for name, kind in kinds_for(source).items()}
    title, description, setup = _setup(source)
    what = (
        "Scenario: what differs from the defaults"
        if isinstance(source, StoredRun)
        else "Experiment (as resolved)"
    )
    contents = "".join(
        f'<li><a href="#figure-{html.escape(item.stem)}">{html.escape(item.stem)}</a></li>'
        for item in drawn
    )
    skipped_html = "".join(
        f"<li>{html.escape(name)}: {html.escape(reason)}</li>" for name, reason in skipped.items()
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CONTENT_POLICY}">
<meta name="generator" content="{REPORT_GENERATOR} {html.escape(_version())}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>computemarket report: {html.escape(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>computemarket report: {html.escape(title)}</h1>
<p>{html.escape(description)}</p>
<p class="note">Folder: <code>{html.escape(str(Path(directory).resolve()))}</code>.
Regenerate with <code>computemarket report {html.escape(str(directory))}</code>.</p>
<nav><ul>
<li><a href="#summary">Summary</a></li><li><a href="#setup">{what}</a></li>
<li><a href="#provenance">Provenance</a></li>{contents}
</ul></nav>
<h2 id="summary">Summary</h2>
{_summary_html(source, options)}
<h2 id="figures">Figures</h2>
{_figures_html(drawn, descriptions)}
{f'<p class="note">Not drawn:</p><ul>{skipped_html}</ul>' if skipped_html else ""}
<h2 id="setup">{what}</h2>
{_setup_html(source, setup)}
<h2 id="provenance">Provenance</h2>
{_facts_html(_provenance(source))}
</body>
</html>
"""


def check_report_path(path: Path) -> None:
    """Refuse a report path that is one of the data files of a run or sweep folder.

    Raises:
        FigureError: Naming the file, the folder it belongs to, and where a report can go.
    """
    owner = data_folder_of(path)
    if owner is not None:
        kind, folder = owner
        raise FigureError(
            f"--out {path}: is a data file of the {kind} in {folder}; a "
            f"report there would replace it; give --out a file name ending in {REPORT_SUFFIX}, "
            f"e.g. {folder / REPORT_FILE}"
        )


def write_report(
    directory: str | Path,
    out: str | Path | None = None,
    kinds: tuple[str, ...] = (),
    options: FigureOptions | None = None,
) -> Path:
    """Write the report of a run or sweep folder (default: ``DIR/report.html``).

    Args:
        directory: A run or sweep folder.
        out: The HTML file to write.
        kinds: Figure kinds to include (default: every kind that applies).
        options: Figure options.

    Returns:
        The file written.

    Raises:
        FigureError: On bad input or a file that cannot be written, before anything is drawn: a
            path that is one of a run's or a sweep's data files, or an existing file that is not a
            report ``computemarket report`` wrote (:func:`is_report_file`).
        OSError: If writing fails part-way (disk full); the previous report is then kept.
    """
    path = Path(out) if out is not None else Path(directory) / REPORT_FILE
    check_report_path(path)
    # A missing DIR is for open_results to name; a place the report cannot go fails before drawing.
    why = unwritable_reason(path) if out is not None or Path(directory).is_dir() else None
    if why is not None:
        raise FigureError(f"--out {path}: cannot write the report: {why}")
    if (path.exists() or path.is_symlink()) and not path.is_dir() and not is_report_file(path):
        where = f"--out {path}" if out is not None else str(path)
        raise FigureError(
            f"{where}: exists and is not a report computemarket wrote (a report replaces only "
            f"an earlier report); move it or give --out a new file name ending in {REPORT_SUFFIX}"
        )
    text = build_report(directory, kinds, options)
    # Written whole or not at all: a full disk leaves any previous report as it was.
    write_text_atomic(path, text, clean=True)
    return path
