"""A screenshot of the page when a browser test fails (tests/output/miniapp/FAILED-*.png)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed and "tab" in getattr(item, "funcargs", {}):
        try:
            item.funcargs["tab"].screenshot(f"FAILED-{item.name}", top=False)
        except Exception:  # noqa: BLE001 - the browser may be what failed
            pass
