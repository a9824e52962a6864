"""Browser-test fixtures: one server and one Chromium per module, and failure evidence."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests import harness
from tests.harness import ServerThread


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


@pytest.fixture(scope="module")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    from tests.e2e.web import serving

    yield from serving(harness.test_settings(tmp_path_factory.mktemp("web")))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from tests.e2e.web import ARGS, CHROMIUM, playwright_sync

    with playwright_sync.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(autouse=True)
def evidence(request: pytest.FixtureRequest) -> Iterator[None]:
    """On failure: a screenshot of every open page and the browser console, to debug from."""
    from tests.e2e.web import ARTIFACTS, CLIENTS, LOGS, PAGES

    LOGS.clear()
    PAGES.clear()
    yield
    for http in CLIENTS:
        http.close()
    CLIENTS.clear()
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for i, page in enumerate(PAGES):
            if not page.is_closed():
                page.screenshot(path=str(ARTIFACTS / f"failure-{request.node.name}-{i}.png"))
        print("\n".join(LOGS[-60:]))
