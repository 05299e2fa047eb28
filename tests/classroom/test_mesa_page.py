"""Mesa's own SolaraViz page around the model renders its plots offline, in chromium."""

from __future__ import annotations

import socket
import subprocess

import pytest

from computemarket.classroom import assets, commands

WAIT_MS = 30_000


@pytest.fixture(scope="module")
def page_url(chromium):
    if assets.missing_assets():
        pytest.fail("web assets missing: run 'make assets' (the page must work offline)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://localhost:{port}"
    server = subprocess.Popen(
        commands.server_command("localhost", port, "computemarket.classroom.mesa_page"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=commands.server_environment(),
    )
    try:
        assert commands.wait_until_serving(url, server, 120), server.stderr.read().decode()[-2000:]
        yield url
    finally:
        commands.stop_server(server)
        server.stderr.close()


def test_mesas_solaraviz_page_steps_and_plots_offline(chromium, page_url):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors, requests = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("request", lambda request: requests.append(request.url))
    page.goto(page_url)
    plots = page.locator("img")
    plots.nth(1).wait_for(timeout=WAIT_MS)
    before = [plots.nth(i).get_attribute("src") for i in range(2)]
    page.get_by_role("button", name="Step").click()
    page.get_by_text("Time: 1.0").wait_for(timeout=WAIT_MS)
    page.wait_for_function(
        "([a, b]) => { const i = document.querySelectorAll('img');"
        " return i.length >= 2 && i[0].src !== a && i[1].src !== b; }",
        arg=before,
        timeout=WAIT_MS,
    )
    assert page.get_by_text("Commitment multiple").count() == 1
    context.close()
    assert errors == []
    local = (page_url, f"blob:{page_url}", "data:")
    assert [url for url in requests if not url.startswith(local)] == []
