"""The web assets of the app's page, kept on this machine so that the app works offline.

A Solara page loads its JavaScript, styles and fonts (the Solara-Vuetify app, RequireJS, Font
Awesome) through the Solara server, which fetches each file from a public CDN the first time and
keeps it in a cache folder. A machine that cannot reach the CDN -- a classroom with poor network,
a build machine that reaches only package registries -- gets a blank page. These files are npm
packages, so :func:`ensure_assets` fills the cache with the ordinary ``npm`` client once, and the
server then never needs the network.

The packages and their versions are read from the installed Solara's own page template, so they
follow Solara upgrades.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from importlib import resources
from pathlib import Path

CACHE_ENV = "SOLARA_ASSETS_PROXY_CACHE_DIR"
"""Environment variable naming the Solara server's asset cache folder."""
NPM_TIMEOUT_S = 300.0

_CDN_PACKAGE = re.compile(r"\{\{\s*cdn\s*\}\}/((?:@[\w.-]+/)?[\w.-]+@[\w.-]+)/")


class AssetError(RuntimeError):
    """The assets could not be fetched (no npm, no network, a broken package)."""


def required_packages() -> list[str]:
    """The npm packages (``name@version``) that the installed Solara's page loads from its CDN."""
    from solara.server.settings import assets

    template = resources.files("solara.server").joinpath("templates", "solara.html.j2")
    found = _CDN_PACKAGE.findall(template.read_text(encoding="utf-8"))
    if assets.fontawesome_enabled:
        found.append(assets.fontawesome_path.strip("/").split("/")[0])
    return sorted(set(found))


def cache_dir() -> Path:
    """The Solara server's asset cache folder: ``$SOLARA_ASSETS_PROXY_CACHE_DIR`` or its default."""
    from solara.server.settings import assets

    return Path(os.environ.get(CACHE_ENV) or assets.proxy_cache_dir)


def missing_packages(folder: Path) -> list[str]:
    """Required packages that are not in the cache folder yet."""
    return [name for name in required_packages() if not (folder / name / "package.json").exists()]


def fetch_packages(packages: list[str], folder: Path) -> None:
    """Download npm packages with ``npm pack`` and unpack each into ``folder/<name>@<version>``.

    Args:
        packages: Packages as ``name@version``.
        folder: The cache folder.

    Raises:
        AssetError: If npm is missing or fails, or a package archive is not as expected.
    """
    npm = shutil.which("npm")
    if npm is None:
        raise AssetError("npm is not installed")
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="computemarket-assets-") as scratch:
        try:
            done = subprocess.run(
                [npm, "pack", *packages, "--json", "--pack-destination", scratch],
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
            raise AssetError(f"npm pack failed: {last}")
        archives = sorted(Path(scratch).glob("*.tgz"))
        if len(archives) != len(packages):
            raise AssetError(f"npm pack gave {len(archives)} archives for {len(packages)} packages")
        for package in packages:
            name, version = package.rsplit("@", 1)
            archive = Path(scratch) / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
            _unpack(archive, folder / package)


def _unpack(archive: Path, target: Path) -> None:
    """Unpack an npm archive (files under ``package/``) into ``target``, complete or not at all."""
    if not archive.exists():
        raise AssetError(f"npm pack did not write {archive.name}")
    staging = target.with_name(f".{target.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        tar.extractall(staging, filter="data")
    unpacked = staging / "package"
    if not (unpacked / "package.json").exists():
        shutil.rmtree(staging, ignore_errors=True)
        raise AssetError(f"{archive.name}: no package/package.json inside")
    shutil.rmtree(target, ignore_errors=True)
    unpacked.rename(target)
    shutil.rmtree(staging, ignore_errors=True)


def ensure_assets(folder: Path | None = None) -> Path:
    """Make sure the cache folder holds every package the page loads; fetch what is missing.

    Args:
        folder: The cache folder; by default the Solara server's (:func:`cache_dir`).

    Returns:
        The cache folder.

    Raises:
        AssetError: If packages are missing and cannot be fetched.
    """
    folder = cache_dir() if folder is None else folder
    missing = missing_packages(folder)
    if missing:
        fetch_packages(missing, folder)
    return folder
