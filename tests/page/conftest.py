"""Fixtures for the web page's tests: a written page, a server on 127.0.0.1, headless Chromium.

The browser tests need the built page (``npm --prefix web ci && npm --prefix web run build``)
and Chromium (``/usr/bin/chromium``, Debian's ``chromium`` package; Playwright's own browsers
are never downloaded). Without them the tests are skipped, saying which is missing, unless
``SSDA903_REQUIRE_BROWSER=1`` (CI), where a missing piece fails them instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from handplan import hand_plan

from ssda903.page.build import PageNotBuiltError, static_dir, write_page
from ssda903.page.serve import serving

CHROMIUM = os.environ.get("SSDA903_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parent / "screenshots"


def _unavailable(reason: str) -> None:
    if os.environ.get("SSDA903_REQUIRE_BROWSER") == "1":
        pytest.fail(f"SSDA903_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def built() -> Path:
    """The built static files (skips, or fails under SSDA903_REQUIRE_BROWSER=1, when not built)."""
    try:
        return static_dir()
    except PageNotBuiltError as e:
        _unavailable(str(e))
        raise


@pytest.fixture(scope="session")
def browser(built: Path) -> Iterator[Any]:
    """Headless Chromium from the system (never a downloaded one)."""
    if not Path(CHROMIUM).is_file():
        _unavailable(f"Chromium is not installed ({CHROMIUM}); apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
        raise
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def hand_page(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A page written with the hand-made plan of handplan.py (no compiled rules needed)."""
    return write_page(tmp_path_factory.mktemp("hand-page"), plans={"2024/25": hand_plan()})


@pytest.fixture(scope="session")
def hand_url(hand_page: Path) -> Iterator[str]:
    with serving(hand_page) as url:
        yield url


class PageSession:
    """One browser page on the served page, recording every request it makes."""

    def __init__(self, page: Any, url: str):
        self.page = page
        self.url = url
        self.requests: list[str] = []
        self.errors: list[str] = []
        #: console errors: a request the CSP refused shows here (as do DuckDB's own messages of a crashed rule)
        self.console_errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)

    def open(self) -> None:
        self.page.goto(self.url)
        # a selector, not wait_for_function: the page's CSP (rightly) forbids the eval that needs
        self.page.wait_for_selector("body[data-state=ready], body[data-state=error]", timeout=60_000)
        assert self.page.get_attribute("body", "data-state") == "ready", self.page.inner_text("#status")

    def foreign_requests(self) -> list[str]:
        """Requests to anything but the page's own server (127.0.0.1); blob: and data: are local."""
        own = self.url.rstrip("/")
        return [u for u in self.requests if not u.startswith((own + "/", "blob:", "data:"))]


@pytest.fixture(scope="module")
def hand_session(browser: Any, hand_url: str) -> Iterator[PageSession]:
    """One page for a module's tests (DuckDB starts once); a test that drives the form uses fresh_session."""
    yield from _opened(browser, hand_url)


@pytest.fixture
def fresh_session(browser: Any, hand_url: str) -> Iterator[PageSession]:
    yield from _opened(browser, hand_url)


def _opened(browser: Any, url: str) -> Iterator[PageSession]:
    """The page at ``url`` in a browser context of its own, at a council laptop's screen size."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    session = PageSession(context.new_page(), url)
    session.open()
    try:
        yield session
    finally:
        context.close()
