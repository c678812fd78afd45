"""The staff board and dashboard in a real headless Chromium at 1280×800.

Staff sign in, book from the board by clicking a free slot (client search, the specialist's
services, the end from the duration), see an overlap refused with the contract's text in the
form, confirm the new block and mark a past one a no-show; a specialist sees only their own
column; the layout problems of issue 14 are measured gone. Screenshots of the board and the
dashboard are left in tests/output/admin/ (git-ignored).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from booking_api.app import create_app
from booking_api.core.db import Database
from booking_api.core.security import make_password
from booking_api.migrate import upgrade
from booking_api.models import (
    Appointment,
    Break,
    Client,
    Service,
    Specialist,
    SpecialistSchedule,
    User,
)
from kit.api import make_settings
from kit.servers import ServerThread
from kit.webdriver import CHROMEDRIVER, CHROMIUM, ELEMENT, Browser, Element, chromium

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
        reason=f"needs {CHROMIUM} and {CHROMEDRIVER}: apt-get install -y chromium chromium-driver",
    ),
]

OUTPUT = Path(__file__).resolve().parents[1] / "output" / "admin"
TAKEN = "Выбранное время уже занято."
PASSWORD = "board-pass-1"


async def _seed(url: str, today: dt.date) -> dict[str, int]:
    await upgrade(url)
    db = Database.from_settings(make_settings(url, Path("/tmp")))
    hashed = make_password(PASSWORD, iterations=1000)
    try:
        async with db.write_sessions() as session:
            boss = User(username="boss", is_staff=True, is_superuser=True, password=hashed)
            anna_user = User(username="anna", password=hashed)
            session.add_all([boss, anna_user])
            await session.flush()
            anna = Specialist(name="Анна Иванова", specialization="Маникюр", user_id=anna_user.id)
            maria = Specialist(name="Мария Петрова", specialization="Парикмахер")
            session.add_all([anna, maria])
            await session.flush()
            for specialist in (anna, maria):
                session.add_all(
                    SpecialistSchedule(
                        specialist_id=specialist.id,
                        day_of_week=day,
                        start_time=dt.time(9),
                        end_time=dt.time(18),
                    )
                    for day in range(7)
                )
                session.add(
                    Break(
                        specialist_id=specialist.id,
                        day_of_week=None,
                        start_time=dt.time(13),
                        end_time=dt.time(14),
                    )
                )
            manicure = Service(
                name="Маникюр", price=Decimal(1500), duration=60, specialist_id=anna.id
            )
            haircut = Service(
                name="Стрижка", price=Decimal(1200), duration=45, specialist_id=maria.id
            )
            gleb = Client(name="Глеб Орлов", phone="+79001112233")
            vera = Client(name="Вера Лебедева", phone="+79004445566")
            session.add_all([manicure, haircut, gleb, vera])
            await session.flush()
            day = today + dt.timedelta(days=1)
            rows = {
                "existing": Appointment(
                    date=day,
                    start_time=dt.time(10),
                    end_time=dt.time(11),
                    status="confirmed",
                    client_id=vera.id,
                    service_id=manicure.id,
                    specialist_id=anna.id,
                ),
                "maria": Appointment(
                    date=day,
                    start_time=dt.time(15),
                    end_time=dt.time(15, 45),
                    status="pending",
                    client_id=vera.id,
                    service_id=haircut.id,
                    specialist_id=maria.id,
                ),
                "past": Appointment(
                    date=today - dt.timedelta(days=1),
                    start_time=dt.time(11),
                    end_time=dt.time(12),
                    status="confirmed",
                    client_id=vera.id,
                    service_id=manicure.id,
                    specialist_id=anna.id,
                ),
                "today": Appointment(
                    date=today,
                    start_time=dt.time(9),
                    end_time=dt.time(10),
                    status="completed",
                    client_id=gleb.id,
                    service_id=manicure.id,
                    specialist_id=anna.id,
                ),
            }
            session.add_all(rows.values())
            await session.commit()
            ids = {name: row.id for name, row in rows.items()}
            ids.update(anna=anna.id, maria=maria.id, gleb=gleb.id)
            return ids
    finally:
        await db.dispose()


async def _appointments(url: str) -> list[Appointment]:
    db = Database.from_settings(make_settings(url, Path("/tmp")))
    try:
        async with db.read_sessions() as session:
            return list((await session.scalars(select(Appointment).order_by(Appointment.id))).all())
    finally:
        await db.dispose()


def _viewport(browser: Browser, width: int = 1280, height: int = 800) -> None:
    browser.command(
        "POST",
        "/goog/cdp/execute",
        {
            "cmd": "Emulation.setDeviceMetricsOverride",
            "params": {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        },
    )


def _sign_in(browser: Browser, base: str, username: str) -> None:
    browser.get(f"{base}/admin/logout")
    browser.get(f"{base}/admin/login")
    browser.find('input[name="username"]').type(username)
    browser.find('input[name="password"]').type(PASSWORD)
    browser.find('button[type="submit"]').click()
    browser.wait_for(lambda: browser.url.endswith("/admin/"), message=f"{username} not signed in")


def _board_ready(browser: Browser) -> None:
    browser.wait_for(
        lambda: browser.script("return document.querySelectorAll('.ec-bg-event').length > 0"),
        timeout=20,
        message="the board did not load",
    )


def _click_slot(browser: Browser, column: str, time: str) -> None:
    """Click the free slot at ``time`` in ``column``'s column, as a person would: find the
    point the calendar maps to it, then a real pointer click there."""
    point = browser.script(
        """
        const [title, time] = arguments;
        const cal = window.boardCalendar;
        const find = () => {
            const head = [...document.querySelectorAll('.ec-col-head')]
                .find(el => el.textContent.trim() === title);
            if (!head) return null;
            const box = head.getBoundingClientRect();
            const x = box.left + box.width / 2;
            const grid = document.querySelector('.ec-body').getBoundingClientRect();
            for (let y = Math.max(grid.top, 0) + 1; y < grid.bottom; y += 2) {
                const found = cal.dateFromPoint(x, y);
                if (!found || !found.date) continue;
                const d = found.date;
                const hm = String(d.getUTCHours()).padStart(2, '0') + ':' +
                    String(d.getUTCMinutes()).padStart(2, '0');
                if (hm === time) return [Math.round(x), Math.round(y + 6)];
            }
            return null;
        };
        window.scrollTo(0, 0);
        let point = find();
        if (point && point[1] > window.innerHeight - 40) {
            window.scrollBy(0, point[1] - window.innerHeight / 2);
            point = find();
        }
        return point;
        """,
        column,
        time,
    )
    assert point, f"no slot {time} in {column}'s column"
    x, y = point
    browser.command(
        "POST",
        "/actions",
        {
            "actions": [
                {
                    "type": "pointer",
                    "id": "mouse",
                    "parameters": {"pointerType": "mouse"},
                    "actions": [
                        {"type": "pointerMove", "duration": 0, "x": x, "y": y},
                        {"type": "pointerDown", "button": 0},
                        {"type": "pointerUp", "button": 0},
                    ],
                }
            ]
        },
    )
    browser.wait_for(
        lambda: browser.script("return document.getElementById('book-dialog').open"),
        message="no booking form after a click on a free slot",
    )


def _block(browser: Browser, text: str) -> Element | None:
    """The block showing ``text`` (looked up in one go: the board re-renders its blocks)."""
    found = browser.script(
        "return [...document.querySelectorAll('.ec-event')]"
        ".find(e => e.textContent.includes(arguments[0])) || null",
        text,
    )
    return Element(browser, found[ELEMENT]) if found else None


def _click_block(browser: Browser, text: str) -> None:
    block = browser.wait_for(lambda: _block(browser, text), message=f"no block with {text!r}")
    block.click()
    browser.wait_for(
        lambda: browser.script("return document.getElementById('event-dialog').open"),
        message="no dialog after a click on a block",
    )


def _dialog_error(browser: Browser, dialog: str) -> str:
    return browser.script(
        "const e = document.querySelector(`#${arguments[0]} .board-error`);"
        "return e && !e.hidden ? e.textContent : '';",
        dialog,
    )


def _toast(browser: Browser, text: str) -> None:
    browser.wait_for(
        lambda: (
            text
            in (browser.script("return document.getElementById('board-toast').textContent") or "")
        ),
        message=f"no toast {text!r}",
    )


def test_board_in_chromium(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'board.sqlite3'}"
    settings = make_settings(url, tmp_path)
    today = dt.datetime.now(ZoneInfo(settings.time_zone)).date()
    ids = asyncio.run(_seed(url, today))
    OUTPUT.mkdir(parents=True, exist_ok=True)
    server = ServerThread(lambda: create_app(settings))
    server.start()
    try:
        _run(
            browser_dir=tmp_path,
            base=f"http://127.0.0.1:{server.port}",
            url=url,
            ids=ids,
            today=today,
        )
    finally:
        server.stop()
    for name in ("board.png", "dashboard.png"):
        assert (OUTPUT / name).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def _run(browser_dir: Path, base: str, url: str, ids: dict[str, int], today: dt.date) -> None:
    tomorrow = today + dt.timedelta(days=1)
    with chromium(browser_dir / "profile", log_path=browser_dir / "chromedriver.log") as browser:
        _viewport(browser)
        _sign_in(browser, base, "boss")

        # The board for tomorrow: a column per specialist, hours shaded, blocks by status.
        browser.get(f"{base}/admin/board?date={tomorrow.isoformat()}")
        _board_ready(browser)
        heads = browser.script(
            "return [...document.querySelectorAll('.ec-col-head')].map(e => e.textContent.trim())"
        )
        assert heads == ["Анна Иванова", "Мария Петрова"]
        assert (
            browser.script("return document.querySelectorAll('.ec-bg-event.board-break').length")
            == 2
        )

        # Book from a free slot: search the client, the service comes with its duration.
        _click_slot(browser, "Анна Иванова", "11:00")
        assert browser.script("return document.getElementById('book-start').value") == "11:00"
        browser.find("#book-client-search").type("Глеб")
        browser.wait_for(lambda: browser.find_all(".client-option"), message="no client found")
        browser.find(".client-option").click()
        browser.wait_for(
            lambda: browser.script("return document.getElementById('book-end').value") == "12:00",
            message="the end does not follow the service's duration",
        )
        browser.find("#book-submit").click()
        _toast(browser, "Запись создана.")
        browser.wait_for(
            lambda: _block(browser, "Глеб Орлов"), message="the new block is not on the board"
        )
        browser.screenshot(OUTPUT / "board.png")

        # An overlap: the contract's text in the form, and nothing booked.
        _click_slot(browser, "Анна Иванова", "15:00")
        browser.find("#book-client-search").type("Глеб")
        browser.wait_for(lambda: browser.find_all(".client-option"), message="no client found")
        browser.find(".client-option").click()
        browser.script(
            "const s = document.getElementById('book-start'); s.value = '10:30';"
            "s.dispatchEvent(new Event('change'));"
        )
        browser.find("#book-submit").click()
        browser.wait_for(lambda: _dialog_error(browser, "book-dialog"), message="no refusal")
        assert _dialog_error(browser, "book-dialog") == TAKEN
        browser.screenshot(OUTPUT / "board-overlap.png")
        browser.find("#book-dialog [data-close]").click()

        rows = asyncio.run(_appointments(url))
        new = [a for a in rows if a.client_id == ids["gleb"] and a.date == tomorrow]
        assert [(a.start_time, a.end_time, a.status) for a in new] == [
            (dt.time(11), dt.time(12), "pending")
        ]

        # Confirm the new block.
        _click_block(browser, "Глеб Орлов")
        browser.find('#event-dialog [data-action="confirm"]').click()
        _toast(browser, "Запись подтверждена.")

        # Yesterday's visit nobody came to: a no-show.
        browser.get(f"{base}/admin/board?date={(today - dt.timedelta(days=1)).isoformat()}")
        _board_ready(browser)
        _click_block(browser, "Вера Лебедева")
        browser.find('#event-dialog [data-action="no_show"]').click()
        _toast(browser, "Отмечена неявка.")

        rows = {a.id: a for a in asyncio.run(_appointments(url))}
        assert rows[new[0].id].status == "confirmed"
        assert (rows[ids["past"]].status, rows[ids["past"]].no_show) == ("cancelled", True)

        # The dashboard.
        browser.get(f"{base}/admin/")
        browser.wait_for(lambda: "Загрузка за неделю" in browser.source, message="no dashboard")
        page = browser.source
        assert "Глеб Орлов" in page and "Неявки" in page
        browser.screenshot(OUTPUT / "dashboard.png")

        # The layout problems of issue 14, measured at 1280×800.
        brand = browser.script(
            "const h = document.querySelector('.navbar-brand h3');"
            "const side = document.querySelector('aside').getBoundingClientRect();"
            "const box = h.getBoundingClientRect();"
            "return {text: h.textContent.trim(), fits: h.scrollWidth <= h.clientWidth + 1,"
            " inside: box.left >= side.left && box.right <= side.right};"
        )
        assert brand == {
            "text": "Booking Assistant — администрирование",
            "fits": True,
            "inside": True,
        }
        browser.get(f"{base}/admin/appointment/list")
        fit = browser.script(
            "const wrap = document.querySelector('.table-responsive');"
            "const last = [...document.querySelectorAll('thead th')].pop();"
            "return {overflow: wrap.scrollWidth - wrap.clientWidth,"
            " status_visible: last.getBoundingClientRect().right"
            "   <= wrap.getBoundingClientRect().right + 1, label: last.textContent.trim()};"
        )
        browser.screenshot(OUTPUT / "appointments-list.png")
        assert fit == {"overflow": 0, "status_visible": True, "label": "Статус"}
        browser.get(f"{base}/admin/time-off/list")
        assert "Записей нет" in browser.source and "1–0" not in browser.source
        browser.get(f"{base}/admin/service/list")
        labels = browser.script(
            "return [...document.querySelectorAll('#filter-sidebar a, #filter-sidebar span')]"
            ".map(e => e.textContent.trim())"
        )
        assert "All" not in labels and "Все" in labels

        # A specialist sees their own column only.
        _sign_in(browser, base, "anna")
        browser.get(f"{base}/admin/board?date={tomorrow.isoformat()}")
        _board_ready(browser)
        heads = browser.script(
            "return [...document.querySelectorAll('.ec-col-head')].map(e => e.textContent.trim())"
        )
        assert heads == ["Анна Иванова"]
        blocks = browser.script(
            "return [...document.querySelectorAll('.ec-event')].map(e => e.textContent)"
        )
        assert blocks and not any("Стрижка" in text for text in blocks)
        browser.screenshot(OUTPUT / "board-specialist.png")
