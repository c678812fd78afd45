"""The admin in a real headless Chromium (Debian's ``chromium`` + ``chromium-driver``).

The app runs under uvicorn on a free port with a migrated SQLite file; the browser signs in,
creates a specialist, a schedule and a service through the admin's forms; a booking is made
through the REST API; the browser sees it in the appointments list and confirms it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import select

from booking_api.admin import TITLE
from booking_api.app import create_app
from booking_api.core.db import Database
from booking_api.core.security import make_password
from booking_api.migrate import upgrade
from booking_api.models import Appointment, Client, Service, Specialist, User
from kit.api import make_settings
from kit.servers import free_port
from kit.webdriver import CHROMEDRIVER, CHROMIUM, Browser, chromium

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
        reason=f"needs {CHROMIUM} and {CHROMEDRIVER}: apt-get install -y chromium chromium-driver",
    ),
]

PNG = b"\x89PNG\r\n\x1a\n"


class Server:
    """uvicorn in a background thread."""

    def __init__(self, app: object, port: int):
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(15)


async def _seed(url: str) -> int:
    await upgrade(url)
    settings_db = Database.from_settings(make_settings(url, Path("/tmp")))
    try:
        async with settings_db.write_sessions() as session:
            session.add(
                User(
                    username="boss",
                    is_staff=True,
                    is_superuser=True,
                    password=make_password("boss-pass-1", iterations=1000),
                )
            )
            client = Client(name="Глеб Орлов", phone="+79001112233", email="gleb@example.com")
            session.add(client)
            await session.commit()
            return client.id
    finally:
        await settings_db.dispose()


async def _lookup(url: str, model: type, **where: object) -> object:
    db = Database.from_settings(make_settings(url, Path("/tmp")))
    try:
        async with db.read_sessions() as session:
            stmt = select(model).filter_by(**where)
            return await session.scalar(stmt)
    finally:
        await db.dispose()


def _submit(browser: Browser) -> None:
    browser.find('input[type="submit"][name="save"]').click()


def _set(browser: Browser, name: str, value: str) -> None:
    """Set a select or time input the way a user's choice would (and fire ``change``)."""
    found = browser.script(
        "const el = document.querySelector(`[name='${arguments[0]}']`);"
        "if (!el) return false;"
        "el.value = arguments[1];"
        "el.dispatchEvent(new Event('change', {bubbles: true}));"
        "return el.value === arguments[1];",
        name,
        value,
    )
    assert found, f"could not set {name}={value}"


def test_admin_in_chromium(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'browser.sqlite3'}"
    client_id = asyncio.run(_seed(url))
    settings = make_settings(url, tmp_path)
    app = create_app(settings)
    day = dt.date.today() + dt.timedelta(days=8)
    screenshot = tmp_path / "admin-appointments.png"

    with (
        Server(app, free_port()) as server,
        chromium(tmp_path / "chromium-profile", log_path=tmp_path / "chromedriver.log") as browser,
    ):
        base = server.url

        # Anonymous: the login page.
        browser.get(f"{base}/admin/")
        assert browser.url.endswith("/admin/login")
        assert TITLE in browser.source

        # Sign in.
        browser.find('input[name="username"]').type("boss")
        browser.find('input[name="password"]').type("boss-pass-1")
        browser.find('button[type="submit"]').click()
        browser.wait_for(lambda: browser.url.endswith("/admin/"), message="no sign-in")
        assert "Специалисты" in browser.source

        # A specialist through the form.
        browser.get(f"{base}/admin/specialist/create")
        browser.find('input[name="name"]').type("Ольга Смирнова")
        browser.find('input[name="specialization"]').type("Косметолог")
        # Every label in the admin's language, the text areas' counters too.
        counters = [el.text for el in browser.find_all(".chars-count-label")]
        assert counters and all(text.startswith("Символов: ") for text in counters), counters
        _submit(browser)
        browser.wait_for(
            lambda: "/admin/specialist/list" in browser.url, message="specialist not saved"
        )
        assert "Ольга Смирнова" in browser.source
        olga = asyncio.run(_lookup(url, Specialist, name="Ольга Смирнова"))
        assert olga is not None and olga.city == "Казань"  # the form's default

        # Her working day through the form.
        browser.get(f"{base}/admin/specialist-schedule/create")
        _set(browser, "specialist", str(olga.id))
        _set(browser, "day_of_week", str(day.weekday()))
        _set(browser, "start_time", "09:00")
        _set(browser, "end_time", "18:00")
        _submit(browser)
        browser.wait_for(
            lambda: "/admin/specialist-schedule/list" in browser.url, message="schedule not saved"
        )
        browser.get(f"{base}/admin/specialist-schedule/list?specialist={olga.id}")
        assert "Ольга Смирнова" in browser.source and "09:00" in browser.source

        # And a service of hers.
        browser.get(f"{base}/admin/service/create")
        browser.find('input[name="name"]').type("Чистка лица")
        browser.find('input[name="price"]').type("2500")
        browser.find('input[name="duration"]').type("60")
        _set(browser, "specialist", str(olga.id))
        _submit(browser)
        browser.wait_for(lambda: "/admin/service/list" in browser.url, message="no service")
        service = asyncio.run(_lookup(url, Service, name="Чистка лица"))
        assert service is not None and service.specialist_id == olga.id

        # A booking through the REST API, as staff for the client.
        with httpx.Client(base_url=base, timeout=30, trust_env=False) as api:
            token = api.post("/api/token/", json={"username": "boss", "password": "boss-pass-1"})
            assert token.status_code == 200, token.text
            booked = api.post(
                "/api/appointments/",
                json={
                    "client": client_id,
                    "service": service.id,
                    "specialist": olga.id,
                    "date": day.isoformat(),
                    "start_time": "11:00",
                    "end_time": "12:00",
                },
                headers={"Authorization": f"Bearer {token.json()['access']}"},
            )
            assert booked.status_code == 201, booked.text
            appointment_id = booked.json()["id"]

        # The admin shows it.
        browser.get(f"{base}/admin/appointment/list")
        page = browser.source
        for text in (
            "Глеб Орлов",
            "Ольга Смирнова",
            "Чистка лица",
            day.strftime("%d.%m.%Y"),
            "11:00",
            "ожидает подтверждения",
        ):
            assert text in page, text
        browser.screenshot(screenshot)

        # And confirms it with the list action (checkbox, Actions menu, the modal's "yes").
        browser.find(".select-box").click()
        browser.find("#dropdownMenuButton").click()
        browser.wait_for(
            lambda: browser.script(
                "return document.querySelector('#action-customconfirm-confirm')"
                ".offsetParent !== null"
            ),
            message="no actions menu",
        )
        browser.find("#action-customconfirm-confirm").click()
        browser.wait_for(
            lambda: browser.script(
                "const m = document.querySelector('#modal-confirmation-confirm');"
                "return !!m && m.classList.contains('show');"
            ),
            message="no confirmation dialog",
        )
        browser.find("#action-custom-modal-confirm").click()
        browser.wait_for(lambda: "подтверждена" in browser.source, message="not confirmed")

    assert screenshot.read_bytes().startswith(PNG)
    assert screenshot.stat().st_size > 10_000
    confirmed = asyncio.run(_lookup(url, Appointment, id=appointment_id))
    assert confirmed.status == "confirmed"
