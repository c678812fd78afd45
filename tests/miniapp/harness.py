"""The Mini App in Chromium against a real API: the kit of the browser tests and of
bench/miniapp_budget.py.

* :class:`ApiServer` runs the API (uvicorn, in a thread) on a fresh SQLite file with the demo
  catalogue, the test bot token, the response cache on (as in production) and no job runner.
* :func:`sign_init_data` signs Mini App ``initData`` as Telegram does (written from Telegram's
  documentation, not with the API's own code, so a wrong check in the API fails the tests).
* :class:`Phone` is a WebDriver session at a phone's size (390×844 CSS pixels), with a stand-in
  ``window.Telegram.WebApp`` (``standin.js``) injected before the page's scripts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode

import httpx
import uvicorn
from PIL import Image, ImageDraw
from sqlalchemy import select

from booking_api.app import create_app
from booking_api.core.db import Database
from booking_api.core.security import make_password
from booking_api.demo import seed_demo
from booking_api.migrate import upgrade
from booking_api.models import Service, ServiceCategory, Specialist, SpecialistSchedule, User
from kit.api import make_settings
from kit.webdriver import ELEMENT, Browser, Element, chromium, free_port

BOT_TOKEN = "123456:TEST-TOKEN"  # what kit.api.make_settings configures
STANDIN = (Path(__file__).parent / "standin.js").read_text()
OUTPUT = Path(__file__).resolve().parents[1] / "output" / "miniapp"
PHONE = {"width": 390, "height": 844}
STAFF = ("salon-admin", "salon-admin-pass-1")
DESCRIPTIONS = {
    "Маникюр": "Обработка кутикулы, форма, укрепление базой.",
    "Маникюр с покрытием гель-лак": "Маникюр и стойкое покрытие до трёх недель.",
    "Педикюр": "Аппаратный педикюр с покрытием.",
}

# Telegram's iOS day and night palettes.
LIGHT = {
    "bg_color": "#ffffff",
    "secondary_bg_color": "#efeff4",
    "text_color": "#000000",
    "hint_color": "#8e8e93",
    "link_color": "#007aff",
    "button_color": "#007aff",
    "button_text_color": "#ffffff",
    "header_bg_color": "#f8f8f8",
    "accent_text_color": "#007aff",
    "section_bg_color": "#ffffff",
    "section_header_text_color": "#6d6d72",
    "subtitle_text_color": "#8e8e93",
    "destructive_text_color": "#ff3b30",
    "section_separator_color": "#c8c7cc",
    "bottom_bar_bg_color": "#f2f2f7",
}
DARK = {
    "bg_color": "#1c1c1d",
    "secondary_bg_color": "#000000",
    "text_color": "#ffffff",
    "hint_color": "#98989e",
    "link_color": "#3e88f7",
    "button_color": "#3e88f7",
    "button_text_color": "#ffffff",
    "header_bg_color": "#1a1a1a",
    "accent_text_color": "#3e88f7",
    "section_bg_color": "#2c2c2e",
    "section_header_text_color": "#8d8e93",
    "subtitle_text_color": "#98989e",
    "destructive_text_color": "#eb5545",
    "section_separator_color": "#3d3d40",
    "bottom_bar_bg_color": "#1d1d1d",
}


def sign_init_data(
    user: dict[str, Any],
    *,
    bot_token: str = BOT_TOKEN,
    auth_date: int | None = None,
    start_param: str | None = None,
) -> str:
    """Mini App initData: the fields, and ``hash`` = HMAC-SHA256 of the sorted ``key=value``
    lines under the key HMAC-SHA256("WebAppData", bot_token)."""
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
        "auth_date": str(int(time.time()) if auth_date is None else auth_date),
    }
    if start_param:
        fields["start_param"] = start_param
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


def telegram_user(user_id: int, language: str, first_name: str = "Test") -> dict[str, Any]:
    return {
        "id": user_id,
        "first_name": first_name,
        "last_name": "Client",
        "username": f"client{user_id}",
        "language_code": language,
        "allows_write_to_pm": True,
    }


class ApiServer:
    """The API under uvicorn in a thread, on ``tmp/miniapp.sqlite3`` with the demo catalogue."""

    def __init__(self, tmp: Path, **overrides: Any):
        self.database_url = f"sqlite+aiosqlite:///{tmp / 'miniapp.sqlite3'}"
        settings: dict[str, Any] = {
            "cache_backend": "local",  # the production default for one worker
            "run_jobs_in_process": False,  # nothing is sent to Telegram
            "telegram_api_url": "http://127.0.0.1:9",
        }
        self.settings = make_settings(self.database_url, tmp, **{**settings, **overrides})
        asyncio.run(self._seed())
        port = free_port()
        config = uvicorn.Config(
            create_app(self.settings),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{port}"
        self.http = httpx.Client(base_url=self.url, timeout=30, trust_env=False)

    async def _seed(self) -> None:
        """The demo catalogue, plus a second manicurist in Kazan (with a photo), so that a
        service has a choice of specialists, and descriptions of the nail services."""
        await upgrade(self.database_url)
        db = Database.from_settings(self.settings)
        try:
            async with db.write_sessions() as session:
                await seed_demo(session, self.settings)
                nails = await session.scalar(
                    select(ServiceCategory).where(ServiceCategory.name == "Ногтевой сервис")
                )
                assert nails is not None
                katya = Specialist(
                    name="Екатерина Белова",
                    specialization="Мастер маникюра",
                    specialization_en="Nail technician",
                    city="Казань",
                    city_en="Kazan",
                    description="Маникюр и дизайн ногтей.",
                    photo=self._photo(),
                )
                session.add(katya)
                await session.flush()
                for weekday in range(6):
                    session.add(
                        SpecialistSchedule(
                            specialist_id=katya.id,
                            day_of_week=weekday,
                            start_time=dt.time(10),
                            end_time=dt.time(19),
                        )
                    )
                session.add(
                    Service(
                        name="Маникюр",
                        name_en="Manicure",
                        price=Decimal("1700.00"),
                        duration=60,
                        specialist_id=katya.id,
                        category_id=nails.id,
                    )
                )
                session.add(
                    User(
                        username=STAFF[0],
                        is_staff=True,
                        password=make_password(STAFF[1], iterations=1000),
                    )
                )
                for service in await session.scalars(
                    select(Service).where(Service.category_id == nails.id)
                ):
                    service.description = DESCRIPTIONS.get(service.name, "")
                await session.commit()
        finally:
            await db.dispose()

    def _photo(self) -> str:
        """A portrait-like PNG under MEDIA_ROOT, as an upload through the API would store it."""
        relative = "specialists/katya.png"
        target = self.settings.media_root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        image = Image.new("RGB", (256, 256), (236, 200, 182))
        draw = ImageDraw.Draw(image)
        draw.ellipse((78, 40, 178, 150), fill=(120, 72, 60))
        draw.ellipse((40, 150, 216, 330), fill=(72, 96, 150))
        image.save(target)
        return relative

    def __enter__(self) -> ApiServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()
        self.server.should_exit = True
        self.thread.join(15)

    # --- the API as another client uses it ---------------------------------------------------
    def sign_in(self, init_data: str) -> dict[str, str]:
        answer = self.http.post("/api/auth/telegram/", json={"init_data": init_data})
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access']}"}

    def staff(self) -> dict[str, str]:
        answer = self.http.post("/api/token/", json={"username": STAFF[0], "password": STAFF[1]})
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access']}"}

    def service_id(self, name: str, specialist: str) -> int:
        """The id of ``specialist``'s service called ``name``."""
        for service in self.http.get("/api/services/").json():
            if service["name"] == name and service["specialist_name"] == specialist:
                return service["id"]
        raise LookupError(f"{specialist} has no {name}")

    def free_slots(self, service: int, date_from: str, limit: int = 50) -> list[dict[str, Any]]:
        """The service's earliest free slots from ``date_from`` (its own specialist's)."""
        service_row = self.http.get(f"/api/services/{service}/").json()
        answer = self.http.get(
            "/api/slots/nearest/",
            params={
                "service": service,
                "specialist": service_row["specialist"],
                "date_from": date_from,
                "limit": limit,
            },
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def call(self, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> Any:
        answer = self.http.request(method, path, headers=headers, **kwargs)
        assert answer.status_code < 300, f"{method} {path}: {answer.status_code} {answer.text}"
        return answer.json() if answer.content else None


class Phone:
    """One Chromium tab at a phone's size, with Telegram stood in."""

    def __init__(self, browser: Browser, base_url: str):
        self.browser = browser
        self.base_url = base_url
        self.script_id: str | None = None
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            {**PHONE, "deviceScaleFactor": 2, "mobile": True},
        )

    def cdp(self, command: str, params: dict[str, Any] | None = None) -> Any:
        return self.browser.command(
            "POST", "/goog/cdp/execute", {"cmd": command, "params": params or {}}
        )

    def open(
        self,
        path: str = "/app/",
        *,
        init_data: str | None,
        scheme: str = "light",
        extra: str = "",
    ) -> None:
        """Open the page; with ``init_data`` inside the stand-in Telegram, else as a browser."""
        if self.script_id is not None:
            self.cdp("Page.removeScriptToEvaluateOnNewDocument", {"identifier": self.script_id})
            self.script_id = None
        self.cdp(
            "Emulation.setEmulatedMedia",
            {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
        )
        source = extra
        if init_data is not None:
            config = {
                "initData": init_data,
                "themeParams": DARK if scheme == "dark" else LIGHT,
                "colorScheme": scheme,
                "botName": "Booking",
                "backText": "Назад" if '"language_code":"ru"' in unquote(init_data) else "Back",
            }
            source = f"window.__TG_CONFIG = {json.dumps(config)};\n{STANDIN}\n{extra}"
        if source:
            added = self.cdp("Page.addScriptToEvaluateOnNewDocument", {"source": source})
            self.script_id = added["identifier"]
        self.browser.get("about:blank")  # a fresh document: no state from the last test
        self.browser.get(self.base_url + path)

    def js(self, script: str, *args: Any) -> Any:
        return self.browser.script(script, *args)

    def wait(self, script: str, *args: Any, timeout: float = 10, message: str = "") -> Any:
        """Until ``script`` (a function body) returns something truthy."""
        return self.browser.wait_for(
            lambda: self.js(script, *args), timeout=timeout, message=message or script
        )

    def wait_for(self, css: str, timeout: float = 10) -> None:
        self.wait(
            "return !!document.querySelector(arguments[0])", css, timeout=timeout, message=css
        )

    def screen(self) -> str:
        return self.js("const m = document.querySelector('main'); return m && m.dataset.screen")

    def wait_screen(self, name: str, timeout: float = 10) -> None:
        self.wait(
            "const m = document.querySelector('main');"
            "return m && m.dataset.screen === arguments[0] && !document.querySelector('.loading')",
            name,
            timeout=timeout,
            message=f"screen {name}",
        )

    def tap(self, css: str) -> None:
        """A user's tap: scrolled into view, then a real click."""
        self.wait_for(css)
        self.js("document.querySelector(arguments[0]).scrollIntoView({block: 'center'})", css)
        self.browser.find(css).click()

    def element(self, script: str, *args: Any, message: str = "") -> Element:
        """The element a script (a function body) returns, once it returns one."""
        found = self.wait(script, *args, message=message or script)
        return Element(self.browser, found[ELEMENT])

    def tap_text(self, css: str, text: str) -> None:
        """Tap the first ``css`` element whose text contains ``text``."""
        self.element(
            "const e = [...document.querySelectorAll(arguments[0])]"
            "  .find(e => e.textContent.includes(arguments[1]));"
            "if (e) e.scrollIntoView({block: 'center'});"
            "return e || null;",
            css,
            text,
            message=f"{css} with {text!r}",
        ).click()

    def main_button(self) -> dict[str, Any]:
        return self.js(
            "const b = document.getElementById('tg-main-button');"
            "return b && {text: b.textContent, visible: b.style.display !== 'none',"
            " active: b.dataset.active === 'true', progress: b.dataset.progress === 'true'}"
        )

    def press_main_button(self, expect: str | None = None) -> None:
        """Telegram's MainButton, once it is shown (and says ``expect``)."""
        self.wait(
            "const b = document.getElementById('tg-main-button');"
            "return b && b.style.display !== 'none' && b.dataset.active === 'true'"
            " && (!arguments[0] || b.textContent.includes(arguments[0]))",
            expect,
            message=f"main button {expect!r}",
        )
        self.browser.find("#tg-main-button").click()

    def press_back_button(self) -> None:
        self.wait(
            "const b = document.getElementById('tg-back-button');"
            "return b && b.style.display !== 'none'",
            message="back button",
        )
        self.browser.find("#tg-back-button").click()

    def text(self) -> str:
        """The page's text as written (textContent: before CSS changes its case)."""
        return self.js("return document.querySelector('#app').textContent")

    def tap_row(self, title: str) -> None:
        """Tap the row whose title is exactly ``title``."""
        self.element(
            "const row = [...document.querySelectorAll('.row')]"
            "  .find(r => r.querySelector('.row-title').textContent === arguments[0]);"
            "if (row) row.scrollIntoView({block: 'center'});"
            "return row || null;",
            title,
            message=f"row {title!r}",
        ).click()

    def interface_text(self) -> str:
        """The page's own words: every text but data (marked translate="no": names, services)."""
        return self.js(
            "const walker = document.createTreeWalker(document.querySelector('#app'),"
            " NodeFilter.SHOW_TEXT);"
            "const parts = [];"
            "while (walker.nextNode()) {"
            "  const node = walker.currentNode;"
            "  if (!node.parentElement.closest('[translate=no]')) parts.push(node.textContent);"
            "}"
            "return parts.join(' ') + ' ' + [...document.querySelectorAll('#app [aria-label]')]"
            ".map(e => e.getAttribute('aria-label')).join(' ')"
        )

    def first_free_day(self, not_before: str) -> str:
        """Show the month holding the first day with room on or after ``not_before`` and tap it."""
        for _ in range(4):
            self.wait("return !document.querySelector('.calendar-loading')", message="calendar")
            day = self.js(
                "return [...document.querySelectorAll('.day-free')].map(d => d.dataset.date)"
                ".find(d => d >= arguments[0]) || null",
                not_before,
            )
            if day:
                self.tap(f'.day[data-date="{day}"]')
                return day
            self.tap(".month-nav[aria-label]:last-of-type")
        raise AssertionError(f"no day with room from {not_before}")

    def slots(self) -> list[str]:
        self.wait(
            "return !document.querySelector('.times .loading')"
            " && (document.querySelector('[data-slot]') || document.querySelector('.waitlist'))",
            message="free times",
        )
        return self.js(
            "return [...document.querySelectorAll('[data-slot]')].map(b => b.dataset.slot)"
        )

    def screenshot(self, name: str, *, top: bool = True) -> Path:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        path = OUTPUT / f"{name}.png"
        if top:
            self.js("window.scrollTo(0, 0)")
        time.sleep(0.2)  # let spinners and transitions settle
        self.browser.screenshot(path)
        return path


@contextmanager
def phone(tmp: Path, base_url: str) -> Iterator[Phone]:
    with chromium(tmp / "chromium-profile", log_path=tmp / "chromedriver.log") as browser:
        yield Phone(browser, base_url)
