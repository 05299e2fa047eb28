"""``computemarket app``: serve the classroom app on this machine until Ctrl-C.

The app runs in a Solara server started as a child process (``python -m solara run
computemarket.classroom.app``). The command checks the address first, so that a bad host or a
port in use is one line and exit code 2, prints the address once the server answers, and stops
the server when it is interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any

from computemarket.classroom import assets
from computemarket.errors import EXIT_FAILED, EXIT_OK, PROG, CommandError

APP_MODULE = "computemarket.classroom.app"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
"""Solara's own default port."""
START_TIMEOUT_S = 120.0
"""How long to wait for the server to answer (it imports Mesa, Solara and matplotlib first)."""
STOP_TIMEOUT_S = 10.0
"""How long to wait for the server to stop after Ctrl-C before it is terminated."""


def port_argument(text: str) -> int:
    """Parse ``--port``: a TCP port number from 1 to 65535.

    Raises:
        argparse.ArgumentTypeError: If it is not such a number.
    """
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a port number from 1 to 65535, got {text!r}"
        ) from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 1 to 65535, got {port}")
    return port


def add_commands(subparsers: Any) -> None:
    """Register ``computemarket app``."""
    parser = subparsers.add_parser(
        "app",
        help="start the classroom app in your browser (lessons, controls, live charts)",
        description=(
            "Serve the classroom app: run the market live with controls for the rules and the "
            "sizes, live charts and guided lessons. Open the printed address in a browser; each "
            "browser tab gets its own market. Ctrl-C stops the server."
        ),
    )
    parser.add_argument(
        "--port",
        type=port_argument,
        default=DEFAULT_PORT,
        help="TCP port to listen on (default: %(default)s)",
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help="address to listen on (default: %(default)s, this machine only; 0.0.0.0 opens it "
        "to the network)",
    )
    parser.set_defaults(func=app_command)


def check_address(host: str, port: int) -> str:
    """Check that the server can listen on ``host:port``; return the URL to open.

    Args:
        host: Host name or IP address to listen on.
        port: TCP port.

    Returns:
        The app's URL, e.g. ``http://127.0.0.1:8765``.

    Raises:
        CommandError: If the host is unknown or not an address of this machine, or the port is in
            use or not allowed.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as err:
        raise CommandError(f"--host {host!r}: unknown host ({err})") from None
    with socket.socket(family, kind, proto) as probe:
        # As uvicorn does, so that a port left in TIME_WAIT by a previous server counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise CommandError(
                    f"--port {port}: already in use on {host} (choose another port)"
                ) from None
            if err.errno == errno.EADDRNOTAVAIL:
                raise CommandError(f"--host {host!r}: not an address of this machine") from None
            raise CommandError(f"--host {host} --port {port}: cannot listen ({err})") from None
    shown = address[0]
    if shown in ("0.0.0.0", "::") or ipaddress.ip_address(shown).is_loopback:
        # Solara's session cookie wants the name "localhost" when served over plain http.
        shown = "localhost"
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


def server_command(host: str, port: int, module: str = APP_MODULE) -> list[str]:
    """The command line of the Solara server process serving ``module``'s ``page``."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        module,
        "--host",
        host,
        "--port",
        str(port),
        "--production",  # no auto-reload, no development tools
        "--no-open",
        "--log-level",
        "warning",
    ]


def wait_until_serving(url: str, server: subprocess.Popen, timeout: float) -> bool:
    """Poll the server until it is ready; False if it exits or the timeout passes first.

    Args:
        url: The app's URL; its ``/readyz`` route answers once the server runs.
        server: The server process.
        timeout: Seconds to wait.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2):
                return True
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    return False


def stop_server(server: subprocess.Popen) -> None:
    """Stop the server as Ctrl-C does, then more firmly if it does not stop in time."""
    if server.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        server.send_signal(signal.SIGINT)
    try:
        server.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        server.terminate()
        try:
            server.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


SERVER_SETTINGS = {
    # No usage statistics sent to Solara's analytics service: the app runs offline.
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
    # Solara's "This website runs on Solara" banner sits over the lower right of the charts.
    "SOLARA_THEME_SHOW_BANNER": "false",
    "SOLARA_THEME_TITLE": "computemarket classroom",
}
"""Settings of the Solara server (environment variables) that the app runs with."""


def server_environment() -> dict[str, str]:
    """The server's environment: this one, with :data:`SERVER_SETTINGS` and a check of the assets.

    The web assets come with ``make install`` (:mod:`computemarket.classroom.assets`); nothing is
    downloaded here. If some are missing, a warning says how to install them: until then the
    server fetches each from its CDN, which needs the network.
    """
    missing = assets.missing_assets()
    if missing:
        print(
            f"{PROG}: warning: {len(missing)} web assets of the app are not installed "
            f"(e.g. {missing[0].relative}); the page needs the network until you run "
            "'make assets' or 'python -m computemarket.classroom.assets' (needs npm, once)",
            file=sys.stderr,
        )
    return {**os.environ, **SERVER_SETTINGS}


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def app_command(args: argparse.Namespace) -> int:
    """Start the server, print its address, and wait until Ctrl-C (or SIGTERM)."""
    url = check_address(args.host, args.port)
    # The banner goes nowhere (the address is printed here once the server answers); warnings
    # and errors of the server still reach the terminal through stderr.
    environment = server_environment()
    server = subprocess.Popen(
        server_command(args.host, args.port), stdout=subprocess.DEVNULL, env=environment
    )
    # `kill` stops the server as cleanly as Ctrl-C does, instead of leaving it behind.
    previous_handler = signal.signal(signal.SIGTERM, _interrupt)
    try:
        if not wait_until_serving(url, server, START_TIMEOUT_S):
            code = server.poll()
            why = f"exit code {code}" if code is not None else f"no answer in {START_TIMEOUT_S:g} s"
            print(f"{PROG}: error: the app server did not start ({why})", file=sys.stderr)
            return EXIT_FAILED
        print(f"Classroom app running at {url}  (Ctrl-C to stop)", flush=True)
        code = server.wait()
        print(f"{PROG}: error: the app server stopped (exit code {code})", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        stop_server(server)
        print("Stopped the classroom app.", flush=True)
        return EXIT_OK
    finally:
        stop_server(server)
        signal.signal(signal.SIGTERM, previous_handler)
