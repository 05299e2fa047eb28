"""The web assets of the app's page, installed once so that the app runs with no network.

A Solara page loads its JavaScript, styles and fonts (the Solara-Vuetify app, RequireJS, Font
Awesome) through the Solara server, which looks for each file in its asset folder
(``<venv>/share/solara/cdn``) and, when a file is missing, fetches it from a public CDN. A classroom
with poor network, or a machine that reaches only package registries, then gets a blank page.

``make install`` therefore runs ``python -m computemarket.classroom.assets``, which downloads the npm
packages the page names with the ordinary ``npm`` client (``npm pack``, into a scratch folder) and
copies into Solara's asset folder only the files the page loads:

- the files Solara's page template names for the Vue version in use (Vue 2: ``ipyvue`` is pinned
  below 2 in ``pyproject.toml``), minified, for the installed ipywidgets major version;
- the WOFF2 fonts those styles name (every browser the app supports reads WOFF2; the other
  formats are fall-backs), except the KaTeX maths fonts of ``main*.css``, which no page here uses;
- the grid layout that Mesa's own ``SolaraViz`` page loads (``solara.GridDraggable``).

That is about 5 MB instead of the 138 MB of both Vuetify builds in full. The server needs neither
npm nor the network afterwards. The files follow the installed Solara: they are read from its page
template and components, so an upgrade of Solara asks for its own versions.

PyPI's ``solara-assets`` is not used: it installs 239 MB (Vega, ECharts, Mermaid, CodeMirror, both
Vuetify builds) of which the page loads a few files, and its latest release lags Solara's.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath

CACHE_ENV = "SOLARA_ASSETS_PROXY_CACHE_DIR"
"""Environment variable naming the Solara server's asset folder."""
NPM_TIMEOUT_S = 600.0
VUE2_APP = "@widgetti/solara-vuetify-app"
VUE3_APP = "@widgetti/solara-vuetify3-app"
MATHS_FONTS_CSS = re.compile(r"main\d*\.css$")
"""Styles whose fonts are KaTeX's maths fonts, loaded only by pages that show formulas."""

_TEMPLATE_URL = re.compile(r"\{\{\s*cdn\s*\}\}(/[^\"'\s{}]+(?:\{\{\s*\w+\s*\}\}[^\"'\s{}]*)*)")
_COMPONENT_URL = re.compile(r"\$\{this\.getCdn\(\)\}(/[^`'\"]+)")
_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+?\.woff2)(?:[?#][^'\")]*)?['\"]?\s*\)")
_PACKAGE = re.compile(r"^/?((?:@[\w.-]+/)?[\w.-]+@[\w.+-]+)/(.+)$")


class AssetError(RuntimeError):
    """The assets could not be installed (no npm, no registry, a package not as expected)."""


@dataclass(frozen=True, order=True)
class Asset:
    """One file the page loads.

    Attributes:
        package: The npm package and version, e.g. ``requirejs@2.3.6``.
        path: The file inside the package, e.g. ``require.js``.
    """

    package: str
    path: str

    @property
    def relative(self) -> str:
        """Where the file lives under the asset folder (as in the URL after ``/_solara/cdn/``)."""
        return f"{self.package}/{self.path}"


def _split(url: str) -> Asset:
    match = _PACKAGE.match(url.split("?", 1)[0].split("#", 1)[0])
    if match is None:
        raise AssetError(f"not an npm package path: {url!r}")
    return Asset(match[1], match[2])


def page_assets() -> list[Asset]:
    """The files the installed Solara's page template names, for this Vue and ipywidgets version.

    The template names a minified and a plain build of the app: the app runs with
    ``--production``, which loads the minified one.
    """
    import ipyvue
    import ipywidgets
    from solara.server.settings import assets

    template = resources.files("solara.server").joinpath("templates", "solara.html.j2")
    text = template.read_text(encoding="utf-8")
    major = ipywidgets.__version__.split(".")[0]
    unused_app = VUE2_APP if ipyvue.__version__.startswith("3") else VUE3_APP
    urls = []
    for url in _TEMPLATE_URL.findall(text):
        url = re.sub(r"\{\{\s*ipywidget_major_version\s*\}\}", major, url)
        if "{{" not in url and not url.startswith(f"/{unused_app}@"):
            urls.append(url)
    if assets.fontawesome_enabled:
        urls.append(assets.fontawesome_path)
    found = {_split(url) for url in urls}
    minified = {a.path.replace(".min.js", ".js") for a in found if a.path.endswith(".min.js")}
    return sorted(a for a in found if a.path not in minified)


def component_assets() -> list[Asset]:
    """Files Solara's widgets load themselves that the pages served here need.

    Mesa's ``SolaraViz`` page lays out its components with ``solara.GridDraggable``, whose Vue 2
    component loads ``vue-grid-layout``.
    """
    component = resources.files("solara.widgets").joinpath("vue", "gridlayout.vue")
    return sorted({_split(url) for url in _COMPONENT_URL.findall(component.read_text("utf-8"))})


def font_assets(css: Asset, text: str) -> list[Asset]:
    """The WOFF2 fonts a style sheet names, as files of its package."""
    if MATHS_FONTS_CSS.search(css.path):
        return []
    folder = PurePosixPath(css.path).parent
    fonts = set()
    for url in _CSS_URL.findall(text):
        if url.startswith("data:"):
            continue
        path = os.path.normpath(str(folder / url)).replace(os.sep, "/")
        if path.startswith(".."):
            raise AssetError(f"{css.relative}: font {url!r} lies outside its package")
        fonts.add(Asset(css.package, path))
    return sorted(fonts)


def cache_dir() -> Path:
    """The Solara server's asset folder: ``$SOLARA_ASSETS_PROXY_CACHE_DIR`` or Solara's default."""
    from solara.server.settings import assets

    return Path(os.environ.get(CACHE_ENV) or assets.proxy_cache_dir)


def required_assets(folder: Path | None = None) -> list[Asset]:
    """Every file the page loads: the template's, the components', and the fonts of the styles.

    Args:
        folder: Where the style sheets are read from to list their fonts; by default
            :func:`cache_dir`. A style sheet not installed yet adds no font.
    """
    folder = cache_dir() if folder is None else folder
    named = [*page_assets(), *component_assets()]
    found = set(named)
    for asset in named:
        css = folder / asset.relative
        if asset.path.endswith(".css") and css.is_file():
            found.update(font_assets(asset, css.read_text(encoding="utf-8", errors="replace")))
    return sorted(found)


def missing_assets(folder: Path | None = None) -> list[Asset]:
    """Files the page loads that are not in the asset folder."""
    folder = cache_dir() if folder is None else folder
    return [a for a in required_assets(folder) if not (folder / a.relative).is_file()]


def install_assets(folder: Path | None = None, npm: str | None = None) -> list[Asset]:
    """Download the packages with npm and copy the files the page loads into the asset folder.

    Files are copied complete or not at all (written beside and renamed), so a server reading the
    folder never sees half a file.

    Args:
        folder: The asset folder; by default :func:`cache_dir`.
        npm: The npm executable; by default ``npm`` on the PATH.

    Returns:
        The files copied (none if every file was there already).

    Raises:
        AssetError: If npm is missing or fails, or a package lacks a file the page loads.
    """
    folder = cache_dir() if folder is None else folder
    npm = npm or shutil.which("npm")
    if not missing_assets(folder):
        return []
    if npm is None:
        raise AssetError("npm is not installed (it is needed once, to install the web assets)")
    copied: list[Asset] = []
    with tempfile.TemporaryDirectory(prefix="computemarket-assets-") as scratch:
        # Style sheets first: the fonts to copy are read from them.
        for _round in range(2):
            wanted = missing_assets(folder)
            packages = sorted({a.package for a in wanted})
            _pack(npm, [p for p in packages if not _archive(scratch, p).exists()], scratch)
            for asset in wanted:
                _copy_from_archive(_archive(scratch, asset.package), asset, folder)
                copied.append(asset)
    return copied


def _archive(scratch: str, package: str) -> Path:
    name, version = package.rsplit("@", 1)
    return Path(scratch) / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"


def _pack(npm: str, packages: list[str], scratch: str) -> None:
    if not packages:
        return
    try:
        done = subprocess.run(
            [npm, "pack", *packages, "--pack-destination", scratch, "--cache", f"{scratch}/npm"],
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT_S,
            check=False,
            cwd=scratch,
        )
    except subprocess.TimeoutExpired:
        raise AssetError(f"npm pack took longer than {NPM_TIMEOUT_S:g} s") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise AssetError(f"npm pack {' '.join(packages)} failed: {last}")


def _copy_from_archive(archive: Path, asset: Asset, folder: Path) -> None:
    if not archive.exists():
        raise AssetError(f"npm pack did not write {archive.name}")
    with tarfile.open(archive) as tar:
        try:
            member = tar.getmember(f"package/{asset.path}")
        except KeyError:
            raise AssetError(f"{asset.package} has no file {asset.path}") from None
        source = tar.extractfile(member)
        if source is None:
            raise AssetError(f"{asset.package}: {asset.path} is not a file")
        target = folder / asset.relative
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        with source, partial.open("wb") as out:
            shutil.copyfileobj(source, out)
        partial.replace(target)


def main(argv: list[str] | None = None) -> int:
    """``python -m computemarket.classroom.assets [--folder DIR] [--check]``."""
    parser = argparse.ArgumentParser(
        prog="python -m computemarket.classroom.assets",
        description="Install the classroom app's web assets (with npm, once) so that it runs "
        "offline.",
    )
    parser.add_argument("--folder", type=Path, help="asset folder (default: Solara's)")
    parser.add_argument(
        "--check", action="store_true", help="only list the missing files; exit 1 if any"
    )
    args = parser.parse_args(argv)
    folder = args.folder or cache_dir()
    prog = parser.prog
    if args.check:
        missing = missing_assets(folder)
        for asset in missing:
            print(asset.relative)
        return 1 if missing else 0
    try:
        copied = install_assets(folder)
    except (AssetError, OSError) as err:
        print(f"{prog}: error: {err}; the classroom app will need the network", file=sys.stderr)
        return 1
    size = sum((folder / a.relative).stat().st_size for a in required_assets(folder))
    done = f"installed {len(copied)} files" if copied else "already installed"
    print(f"Classroom web assets {done} in {folder} ({size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
