"""`computemarket app`: bad input is one line and exit code 2; the address is checked first.

Starting the server for real, and stopping it with Ctrl-C, is in test_browser.py.
"""

from __future__ import annotations

import socket

import pytest

from computemarket import cli
from computemarket.classroom import assets, commands


def run_app(capsys, *arguments: str) -> tuple[int, str, str]:
    code = cli.main(["app", *arguments])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        (["--port", "0"], "expected a port number from 1 to 65535, got 0"),
        (["--port", "65536"], "got 65536"),
        (["--port", "eighty"], "got 'eighty'"),
        (["--host", "no-such-host.invalid"], "unknown host"),
        (["--host", "192.0.2.1"], "not an address of this machine"),  # TEST-NET-1, never ours
    ],
)
def test_bad_address_is_one_line_and_exit_code_2(capsys, arguments, fragment):
    code, out, err = run_app(capsys, *arguments)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("computemarket: error: ") and fragment in err


def test_a_port_in_use_is_refused_before_anything_starts(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = run_app(capsys, "--port", str(port))
    assert code == 2 and out == ""
    assert f"--port {port}: already in use" in err and err.count("\n") == 1


def test_the_address_printed_is_the_one_to_open():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert commands.check_address("127.0.0.1", port) == f"http://localhost:{port}"
    assert commands.check_address("0.0.0.0", port) == f"http://localhost:{port}"


def test_the_server_runs_the_app_module_without_reloading():
    command = commands.server_command("127.0.0.1", 8765)
    assert command[1:5] == ["-m", "solara", "run", commands.APP_MODULE]
    assert "--production" in command and "--no-open" in command


def test_the_help_lists_the_app_command(capsys):
    assert cli.main(["--help"]) == 0
    assert "app" in capsys.readouterr().out


def test_the_assets_are_the_files_solaras_vue2_page_loads(tmp_path):
    required = {asset.relative for asset in assets.required_assets(tmp_path)}
    assert "requirejs@2.3.6/require.js" in required
    app = [name for name in required if name.startswith("@widgetti/solara-vuetify")]
    # One Vue (2), one build (minified), no source maps.
    assert {name.split("/")[1] for name in app} == {"solara-vuetify-app@10.1.1"}
    assert any(name.endswith("solara-vuetify-app8.min.js") for name in app)
    assert not any(name.endswith((".map", "app8.js", "app7.min.js")) for name in required)
    assert any(name.startswith("@widgetti/vue-grid-layout@") for name in required)  # Mesa's page
    assert {a.relative for a in assets.missing_assets(tmp_path)} == required


def test_the_fonts_are_the_woff2_files_a_style_sheet_names():
    css = assets.Asset("pkg@1.0.0", "dist/fonts.css")
    text = (
        "@font-face{src:url(a1.woff2) format('woff2'),url(a1.woff) format('woff')}"
        "@font-face{src:url('../fonts/b.woff2?v=4.5.0') format('woff2'),url(b.ttf)}"
        "@font-face{src:url(data:font/woff2;base64,AAAA)}"
    )
    assert [a.path for a in assets.font_assets(css, text)] == ["dist/a1.woff2", "fonts/b.woff2"]
    # KaTeX's maths fonts in the app's main style sheet are not loaded by these pages.
    assert assets.font_assets(assets.Asset("pkg@1.0.0", "dist/main8.css"), text) == []


def test_the_installed_assets_are_complete_after_make_install():
    # `make install` installs them; the app needs no npm and no network afterwards.
    missing = [a.relative for a in assets.missing_assets()]
    assert missing == [], f"run 'make assets' (needs npm): {missing[:3]}"
    size = sum((assets.cache_dir() / a.relative).stat().st_size for a in assets.required_assets())
    assert size < 10e6


def test_without_npm_the_installer_says_so_in_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(assets.shutil, "which", lambda name: None)
    assert assets.main(["--folder", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "npm is not installed" in err


def test_the_server_runs_without_telemetry_and_without_solaras_banner():
    environment = commands.server_environment()
    assert environment["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"
    assert environment["SOLARA_THEME_SHOW_BANNER"] == "false"
