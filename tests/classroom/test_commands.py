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


def test_assets_are_the_packages_solaras_page_loads(tmp_path):
    required = assets.required_packages()
    assert any(name.startswith("requirejs@") for name in required)
    assert any("solara-vuetify" in name for name in required)
    assert assets.missing_packages(tmp_path) == required
    for name in required:
        (tmp_path / name).mkdir(parents=True)
        (tmp_path / name / "package.json").write_text("{}")
    assert assets.missing_packages(tmp_path) == []
    assert assets.ensure_assets(tmp_path) == tmp_path  # nothing to fetch
