"""A very small W3C WebDriver client over httpx, for Debian's chromium + chromedriver.

Just what the admin's browser test needs (no selenium in the project): start chromedriver,
open a headless Chromium session, navigate, find elements, type, click, run a script, read the
page and take a screenshot.
"""

from __future__ import annotations

import base64
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from kit.servers import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C element reference key
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
    "--lang=ru-RU",
]


class WebDriverError(RuntimeError):
    pass


class Element:
    def __init__(self, browser: Browser, element_id: str):
        self.browser = browser
        self.id = element_id

    def click(self) -> None:
        # In the middle of the window first, at once (Tabler scrolls smoothly): WebDriver's own
        # scrolling leaves a long form's Save at the window's edge ("click intercepted").
        self.browser.script(
            "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", self.ref
        )
        self.browser.command("POST", f"/element/{self.id}/click", {})

    @property
    def ref(self) -> dict[str, str]:
        """The element as a script argument (the W3C WebDriver element reference)."""
        return {ELEMENT: self.id}

    def clear(self) -> None:
        self.browser.command("POST", f"/element/{self.id}/clear", {})

    def type(self, text: str) -> None:
        self.browser.command("POST", f"/element/{self.id}/value", {"text": text})

    @property
    def text(self) -> str:
        return self.browser.command("GET", f"/element/{self.id}/text")


class Browser:
    """One WebDriver session."""

    def __init__(self, driver_url: str, session_id: str, http: httpx.Client):
        self.driver_url = driver_url
        self.session_id = session_id
        self.http = http

    def command(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        url = f"{self.driver_url}/session/{self.session_id}{path}"
        response = self.http.request(method, url, json=body)
        payload = response.json()
        value = payload.get("value")
        if response.status_code != 200:
            message = value.get("message", "") if isinstance(value, dict) else value
            raise WebDriverError(f"{method} {path}: {response.status_code} {message}")
        return value

    def get(self, url: str) -> None:
        self.command("POST", "/url", {"url": url})

    @property
    def url(self) -> str:
        return self.command("GET", "/url")

    @property
    def source(self) -> str:
        return self.command("GET", "/source")

    @property
    def title(self) -> str:
        return self.command("GET", "/title")

    def find(self, css: str) -> Element:
        value = self.command("POST", "/element", {"using": "css selector", "value": css})
        return Element(self, value[ELEMENT])

    def find_all(self, css: str) -> list[Element]:
        values = self.command("POST", "/elements", {"using": "css selector", "value": css})
        return [Element(self, value[ELEMENT]) for value in values]

    def script(self, script: str, *args: Any) -> Any:
        return self.command("POST", "/execute/sync", {"script": script, "args": list(args)})

    def screenshot(self, path: Path) -> bytes:
        data = base64.b64decode(self.command("GET", "/screenshot"))
        path.write_bytes(data)
        return data

    def wait_for(self, condition: Any, timeout: float = 10.0, message: str = "") -> Any:
        deadline = time.monotonic() + timeout
        while True:
            result = condition()
            if result:
                return result
            if time.monotonic() > deadline:
                raise TimeoutError(message or "condition not met")
            time.sleep(0.1)


@contextmanager
def chromium(profile_dir: Path, log_path: Path | None = None) -> Iterator[Browser]:
    """chromedriver on a free port and a headless Chromium session; both stopped after."""
    port = free_port()
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115
    driver = subprocess.Popen(
        [str(CHROMEDRIVER), f"--port={port}"], stdout=log, stderr=subprocess.STDOUT
    )
    driver_url = f"http://127.0.0.1:{port}"
    http = httpx.Client(timeout=60, trust_env=False)
    session_id = None
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if http.get(f"{driver_url}/status").json()["value"]["ready"]:
                    break
            except (httpx.HTTPError, KeyError, ValueError):
                pass
            if driver.poll() is not None or time.monotonic() > deadline:
                raise WebDriverError("chromedriver did not start")
            time.sleep(0.1)
        capabilities = {
            "alwaysMatch": {
                "browserName": "chrome",
                "pageLoadStrategy": "normal",
                "goog:chromeOptions": {
                    "binary": str(CHROMIUM),
                    "args": [*CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}"],
                },
            }
        }
        response = http.post(f"{driver_url}/session", json={"capabilities": capabilities})
        value = response.json()["value"]
        if response.status_code != 200:
            raise WebDriverError(f"no browser session: {value.get('message', value)}")
        session_id = value["sessionId"]
        browser = Browser(driver_url, session_id, http)
        browser.command("POST", "/timeouts", {"implicit": 5000, "pageLoad": 30000, "script": 30000})
        yield browser
    finally:
        if session_id:
            try:
                http.delete(f"{driver_url}/session/{session_id}")
            except httpx.HTTPError:
                pass
        http.close()
        driver.terminate()
        try:
            driver.wait(10)
        except subprocess.TimeoutExpired:
            driver.kill()
            driver.wait()
        if log_path:
            log.close()  # type: ignore[union-attr]
