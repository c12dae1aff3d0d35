"""`panza run interfaces=gui`: the Gradio page served on 127.0.0.1 with the embedded model, driven
by a real headless Chromium (Debian's chromium + chromium-driver, through Selenium)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from web_support import direct_draft, free_port, make_writer

ROOT = Path(__file__).resolve().parent.parent
INSTRUCTION = "Thank Anna for the flowers and invite her to dinner on Saturday."
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def test_importing_and_serving_gradio_makes_no_outside_call(tmp_path: Path) -> None:
    """Gradio swallows failed telemetry calls, so the network guard alone would not notice one:
    record every name lookup and connection a fresh process makes while it builds and serves the page."""
    script = f"""
import socket, sys, urllib.request
seen = []
real_gai, real_connect = socket.getaddrinfo, socket.socket.connect
def gai(host, *a, **k):
    seen.append(("lookup", str(host)))
    return real_gai(host, *a, **k)
def connect(self, addr):
    seen.append(("connect", str(addr[0]) if isinstance(addr, tuple) else "unix"))
    return real_connect(self, addr)
socket.getaddrinfo, socket.socket.connect = gai, connect
from panza.interfaces import gui
page = gui.build(None, gui.Settings("127.0.0.1", {free_port()}, 2, 0.7))
gui.launch(page, gui.Settings("127.0.0.1", {free_port()}, 2, 0.7), block=False)
html = urllib.request.urlopen(page.local_url).read().decode()
import time; time.sleep(1.0)  # give any background telemetry thread its chance
page.close()
print("SEEN", sorted(set(seen)))
print("FONTS", "fonts.googleapis" in html or "fonts.gstatic" in html)
"""
    res = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=180, cwd=tmp_path
    )
    assert res.returncode == 0, res.stderr[-3000:]
    seen = eval(next(ln for ln in res.stdout.splitlines() if ln.startswith("SEEN "))[5:])
    outside = [s for s in seen if s[1] not in ("127.0.0.1", "localhost", "::1", "unix")]
    assert not outside, f"outside lookups/connections: {outside}"
    assert "FONTS False" in res.stdout


# ---- the page in a real browser -----------------------------------------------------------------
@pytest.fixture(scope="module")
def page_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    from panza.interfaces import gui
    from panza.interfaces.serving import DraftQueue

    writer = make_writer(tmp_path_factory.mktemp("data"), "writer.llm.sampling.max_new_tokens=48")
    drafts = DraftQueue(writer, max_waiting=2)
    settings = gui.Settings("127.0.0.1", free_port(), 2, 0.7)
    page = gui.build(drafts, settings, rag_available=False)
    gui.launch(page, settings, block=False)
    try:
        yield f"http://127.0.0.1:{settings.port}/", writer
    finally:
        page.close()
        drafts.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip(
            "chromium and chromedriver are not installed (apt-get install chromium chromium-driver; .ci/run does it)"
        )
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not try to download a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900",
        "--no-first-run",
        "--disable-background-networking",
    ):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _requested_urls(driver: Any) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    return urls


def _wait(cond: Any, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting in the browser")


@pytest.mark.slow
def test_typing_an_instruction_streams_the_draft_into_the_page(
    page_url: tuple[str, Any], browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    url, writer = page_url
    browser.get(url)
    box = _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#instruction textarea"), 60)[0]
    assert not [e for e in browser.find_elements(By.ID, "rag") if e.is_displayed()], (
        "no RAG toggle without an index"
    )
    # Record, inside the page, every value the draft box shows while the draft is written.
    browser.execute_script(
        """window.__seen = [];
        setInterval(() => { const t = document.querySelector('#draft textarea');
          if (t && t.value && window.__seen[window.__seen.length - 1] !== t.value) window.__seen.push(t.value); }, 5);"""
    )
    expected = direct_draft(writer, INSTRUCTION)  # before the click: one model, never two drafts at once
    box.send_keys(INSTRUCTION)
    browser.find_element(By.ID, "write").click()
    value = "return document.querySelector('#draft textarea').value"
    _wait(lambda: len(browser.execute_script("return window.__seen")) > 0, 60)
    _wait(lambda: not browser.execute_script("return !!document.querySelector('.generating')"), 120)
    time.sleep(0.5)
    final = browser.execute_script(value).strip()
    # The writer's own draft: llama.cpp reuses the cached prompt prefix between calls, so after a few
    # dozen greedy tokens the float sums (and the drafts) may drift apart; the opening must match.
    assert final[:30] == expected.strip()[:30]
    seen = browser.execute_script("return window.__seen")
    assert len(seen) > 2, f"the draft should appear piece by piece, saw {len(seen)} states"
    assert all(final.startswith(s.strip()) for s in seen), "every state shown is a prefix of the final draft"
    assert browser.find_elements(By.CSS_SELECTOR, "#draft button"), "the draft box has its copy button"

    shot = Path(os.environ.get("PANZA_GUI_SCREENSHOT") or ROOT / "bench" / "out" / "gui_draft.png")
    shot.parent.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000

    hosts = {
        urlparse(u).hostname
        for u in _requested_urls(browser)
        if urlparse(u).scheme in ("http", "https", "ws", "wss")
    }
    assert hosts <= {"127.0.0.1"}, f"the page requested assets from outside: {hosts - {'127.0.0.1'}}"


@pytest.mark.slow
def test_regenerate_writes_a_new_sampled_draft(page_url: tuple[str, Any], browser: Any) -> None:
    from selenium.webdriver.common.by import By

    url, writer = page_url
    instruction = "Tell the team the office is closed on Monday."
    browser.get(url)
    box = _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#instruction textarea"), 60)[0]
    greedy = direct_draft(writer, instruction)  # before the click: one model, never two drafts at once
    box.send_keys(instruction)
    browser.find_element(By.ID, "regenerate").click()
    done = lambda: browser.execute_script(  # noqa: E731
        "return document.querySelector('#draft textarea').value && !document.querySelector('.generating')"
    )
    _wait(done)
    text = browser.execute_script("return document.querySelector('#draft textarea').value")
    # sampled at regenerate_temperature: 48 tokens at 0.7 all matching the greedy draft would mean no sampling
    assert text.strip() and text != greedy
