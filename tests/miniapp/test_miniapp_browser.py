"""The Telegram Mini App (/app/) in Chromium against a real API on SQLite.

Telegram is stood in (``standin.js``): ``window.Telegram.WebApp`` with initData signed with the
test bot token, theme parameters (light and dark), and the client's MainButton and BackButton,
which the tests press as a user would. The page is 390×844 CSS pixels (a phone); screenshots
of each step are written to ``tests/output/miniapp/``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import time
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest

from kit.webdriver import CHROMEDRIVER, CHROMIUM
from miniapp.harness import ApiServer, Phone, phone, sign_init_data, telegram_user

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
        reason=f"needs {CHROMIUM} and {CHROMEDRIVER}: apt-get install -y chromium chromium-driver",
    ),
]

CYRILLIC = re.compile(r"[\u0400-\u04FF]")
TELEGRAM_IDS = itertools.count(7_100_000_001)


def salon_today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Europe/Moscow")).date()


def soon() -> str:
    """The first day the tests book on: far enough that no slot of it starts while they run."""
    return (salon_today() + dt.timedelta(days=2)).isoformat()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with ApiServer(tmp_path_factory.mktemp("miniapp-api")) as server:
        yield server


@pytest.fixture(scope="module")
def tab(api: ApiServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Phone]:
    with phone(tmp_path_factory.mktemp("miniapp-browser"), api.url) as opened:
        yield opened


def new_client(language: str, name: str = "Test") -> str:
    return sign_init_data(telegram_user(next(TELEGRAM_IDS), language, name))


def assert_english(tab: Phone) -> None:
    """An English reader sees no Russian interface text (data such as names aside)."""
    words = tab.interface_text()
    assert not CYRILLIC.search(words), words


def my_appointments(api: ApiServer, init_data: str) -> list[dict]:
    return api.call("GET", "/api/appointments/", api.sign_in(init_data))


TEXTS = {
    "ru": {
        "home": "Что вы хотите?",
        "any": "Любой специалист",
        "next": "Далее",
        "book": "Записаться",
        "booked": "Вы записаны!",
        "bookings": "Мои записи",
        "nails": "Ногтевой сервис",
        "manicure": "Маникюр",
    },
    "en": {
        "home": "What would you like?",
        "any": "Any specialist",
        "next": "Next",
        "book": "Book",
        "booked": "You're booked!",
        "bookings": "My bookings",
        # The catalogue's English names (name_en) for an English reader.
        "nails": "Nail care",
        "manicure": "Manicure",
    },
}


@pytest.mark.parametrize(("language", "scheme"), [("ru", "light"), ("en", "dark")])
def test_a_new_client_books(api: ApiServer, tab: Phone, language: str, scheme: str) -> None:
    texts = TEXTS[language]
    init_data = new_client(language, "Алина" if language == "ru" else "Alice")
    shot = f"book-{language}-{scheme}"
    tab.open(init_data=init_data, scheme=scheme)

    tab.wait_screen("home")
    assert texts["home"] in tab.text()
    tab.wait_for('[data-testid="my-bookings"]')  # signed in with initData
    assert tab.js("return document.documentElement.dataset.scheme") == scheme
    assert tab.js("return document.documentElement.lang") == language
    tab.screenshot(f"{shot}-1-home")
    if language == "en":
        assert_english(tab)

    assert texts["nails"] in tab.text()
    tab.tap_row(texts["nails"])
    tab.wait_screen("services")
    tab.tap_row(texts["manicure"])  # two manicurists in Kazan: the specialist comes next
    tab.wait_screen("specialists")
    assert texts["any"] in tab.text()
    assert tab.js("return !!document.querySelector('img.avatar')")  # Екатерина's photo
    tab.screenshot(f"{shot}-2-specialists")
    if language == "en":
        assert_english(tab)
        tab.tap('[data-testid="specialist-any"]')
    else:
        tab.tap_row("Анна Иванова")

    tab.wait_screen("times")
    day = tab.first_free_day(soon())
    slots = tab.slots()
    assert slots, "a free day shows free times"
    tab.tap(f'[data-slot="{slots[0]}"]')
    assert texts["next"] in tab.main_button()["text"]
    assert "selection" in tab.js("return window.__tg.haptics")
    tab.screenshot(f"{shot}-3-times", top=False)
    if language == "en":
        assert_english(tab)
    tab.press_main_button(texts["next"])

    tab.wait_screen("confirm")
    assert slots[0] in tab.text()
    tab.screenshot(f"{shot}-4-confirm")
    if language == "en":
        assert_english(tab)
    tab.press_main_button(texts["book"])

    tab.wait_screen("done")
    assert texts["booked"] in tab.text()
    assert "notification:success" in tab.js("return window.__tg.haptics")
    tab.screenshot(f"{shot}-5-done")
    if language == "en":
        assert_english(tab)

    [booked] = my_appointments(api, init_data)
    assert (booked["date"], booked["start_time"][:5]) == (day, slots[0])
    assert booked["status"] == "pending"
    if language == "ru":
        assert booked["specialist_name"] == "Анна Иванова"

    tab.press_main_button(texts["bookings"])
    tab.wait_screen("bookings")
    tab.wait_for(f'[data-appointment="{booked["id"]}"]')
    tab.screenshot(f"{shot}-6-bookings")
    assert texts["manicure"] in tab.text()
    if language == "en":
        assert_english(tab)
        assert "Маникюр" not in tab.text()


def test_a_second_client_racing_for_the_same_time(api: ApiServer, tab: Phone) -> None:
    """A link opens the page at a service; someone else books the chosen time first."""
    service = api.service_id("Маникюр", "Анна Иванова")
    init_data = sign_init_data(
        telegram_user(next(TELEGRAM_IDS), "ru", "Борис"), start_param=f"service-{service}"
    )
    tab.open(init_data=init_data)
    tab.wait_screen("times")  # straight from the link
    day = tab.first_free_day(soon())
    slots = tab.slots()
    wanted = slots[0]
    tab.tap(f'[data-slot="{wanted}"]')
    tab.press_main_button("Далее")
    tab.wait_screen("confirm")

    # Another client books that very time, through the API, a moment earlier.
    rival = api.sign_in(new_client("ru", "Вера"))
    end = dt.datetime.combine(dt.date.today(), dt.time.fromisoformat(wanted)) + dt.timedelta(
        hours=1
    )
    api.call(
        "POST",
        "/api/appointments/",
        rival,
        json={
            "service": service,
            "specialist": api.http.get(f"/api/services/{service}/").json()["specialist"],
            "date": day,
            "start_time": wanted,
            "end_time": end.time().isoformat("minutes"),
        },
    )

    tab.press_main_button("Записаться")
    tab.wait_screen("times")
    tab.wait_for(".banner-error")
    assert tab.js("return document.querySelector('.banner-error').textContent") == (
        "Выбранное время уже занято."
    )
    assert "notification:error" in tab.js("return window.__tg.haptics")
    fresh = tab.slots()
    assert wanted not in fresh and fresh, fresh  # the new times of that day
    assert tab.js("return document.querySelector('.day-selected').dataset.date") == day
    tab.screenshot("race-ru-light-taken")

    tab.tap(f'[data-slot="{fresh[0]}"]')
    tab.press_main_button("Далее")
    tab.press_main_button("Записаться")
    tab.wait_screen("done")
    [mine] = my_appointments(api, init_data)
    assert (mine["date"], mine["start_time"][:5]) == (day, fresh[0])


def test_cancel_and_reschedule(api: ApiServer, tab: Phone) -> None:
    init_data = new_client("ru", "Глеб")
    headers = api.sign_in(init_data)
    service = api.service_id("Стрижка женская", "Мария Петрова")
    slot = api.free_slots(service, soon(), limit=1)[0]
    first = slot["date"]
    booked = api.call(
        "POST",
        "/api/appointments/",
        headers,
        json={
            key: slot[key] for key in ("service", "specialist", "date", "start_time", "end_time")
        },
    )

    tab.open(init_data=init_data, scheme="dark")
    tab.wait_screen("home")
    tab.tap('[data-testid="my-bookings"]')
    tab.wait_screen("bookings")
    card = f'[data-appointment="{booked["id"]}"]'
    tab.wait_for(card)
    assert "Стрижка женская" in tab.text()
    tab.screenshot("manage-ru-dark-1-bookings")

    # Reschedule: another day, another time.
    tab.tap(f'{card} [data-action="reschedule"]')
    tab.wait_screen("times")
    assert "Перенос записи" in tab.text()
    later = (dt.date.fromisoformat(first) + dt.timedelta(days=1)).isoformat()
    new_day = tab.first_free_day(later)
    new_time = tab.slots()[-1]
    tab.tap(f'[data-slot="{new_time}"]')
    tab.press_main_button("Перенести на")
    tab.wait_screen("confirm")
    assert "Было" in tab.text()
    tab.screenshot("manage-ru-dark-2-move")
    tab.press_main_button("Перенести")
    tab.wait_screen("done")
    assert "Запись перенесена" in tab.text()
    moved = api.call("GET", f"/api/appointments/{booked['id']}/", headers)
    assert (moved["date"], moved["start_time"][:5]) == (new_day, new_time)

    # Cancel, after Telegram's confirmation popup.
    tab.press_main_button("Мои записи")
    tab.wait_screen("bookings")
    tab.tap(f'{card} [data-action="cancel"]')
    tab.wait("return document.querySelector('.banner-success')", message="cancelled")
    assert tab.js("return window.__tg.confirms")[0].startswith("Отменить запись на")
    assert "Запись отменена." in tab.text()
    tab.wait("return !document.querySelector(arguments[0])", card, message="card gone")
    tab.screenshot("manage-ru-dark-3-cancelled")
    cancelled = api.call("GET", f"/api/appointments/{booked['id']}/", headers)
    assert cancelled["status"] == "cancelled"


def test_the_waitlist_when_a_day_is_full(api: ApiServer, tab: Phone) -> None:
    service = api.service_id("Консультация стоматолога", "Олег Смирнов")
    # The dentist is away on the second of his days with room: that day is full.
    slots = api.free_slots(service, soon())
    full = sorted({slot["date"] for slot in slots})[1]
    specialist = slots[0]["specialist"]
    start = dt.datetime.fromisoformat(full)
    api.call(
        "POST",
        "/api/time-off/",
        api.staff(),
        json={
            "specialist": specialist,
            "start": start.isoformat(),
            "end": (start + dt.timedelta(days=1)).isoformat(),
            "reason": "Конференция",
        },
    )

    init_data = sign_init_data(
        telegram_user(next(TELEGRAM_IDS), "en", "Dana"), start_param=f"service-{service}"
    )
    tab.open(init_data=init_data)
    tab.wait_screen("times")
    tab.wait("return !document.querySelector('.calendar-loading')", message="calendar")
    if not tab.js("return !!document.querySelector(arguments[0])", f'.day[data-date="{full}"]'):
        tab.tap(".month-nav:last-of-type")
    tab.wait_for(f'.day-full[data-date="{full}"]')
    tab.tap(f'.day[data-date="{full}"]')
    tab.wait_for('[data-testid="join-waitlist"]')
    assert "No free time on this day." in tab.text()
    assert_english(tab)
    tab.tap('[data-testid="join-waitlist"]')
    tab.wait_for(".banner-success")
    assert "You are on the waitlist" in tab.text()
    tab.screenshot("waitlist-en-light", top=False)
    assert_english(tab)

    [entry] = api.call("GET", "/api/waitlist/", api.sign_in(init_data))
    assert (entry["date"], entry["service"], entry["status"]) == (full, service, "active")


@pytest.mark.parametrize(
    ("case", "init_data", "message"),
    [
        (
            "forged",
            sign_init_data(telegram_user(7_000_000_001, "ru"), bot_token="123456:NOT-THE-TOKEN"),
            "Подпись данных Telegram неверна.",
        ),
        (
            "stale",
            sign_init_data(
                telegram_user(7_000_000_002, "ru"), auth_date=int(time.time()) - 2 * 86400
            ),
            "Данные входа устарели",
        ),
    ],
)
def test_forged_or_stale_init_data_is_refused(
    api: ApiServer, tab: Phone, case: str, init_data: str, message: str
) -> None:
    answer = api.http.post("/api/auth/telegram/", json={"init_data": init_data})
    assert answer.status_code == 401

    tab.open(init_data=init_data)
    tab.wait_screen("home")
    tab.wait_for(".banner-error")
    banner = tab.js("return document.querySelector('.banner-error').textContent")
    assert banner.startswith("Не удалось войти через Telegram.") and message in banner
    assert not tab.js("return !!document.querySelector('[data-testid=\"my-bookings\"]')")
    statuses = tab.js(
        "return performance.getEntriesByType('resource')"
        ".filter(e => e.name.endsWith('/api/auth/telegram/')).map(e => e.responseStatus)"
    )
    assert statuses == [401]
    tab.screenshot(f"refused-{case}")

    # Choosing a time still works; booking does not.
    tab.tap_row("Ногтевой сервис")
    tab.tap_row("Педикюр")
    tab.wait_screen("times")
    tab.first_free_day(soon())
    tab.tap(f'[data-slot="{tab.slots()[0]}"]')
    tab.press_main_button("Далее")
    tab.wait_screen("confirm")
    tab.wait("return document.getElementById('tg-main-button').dataset.active === 'false'")


def test_a_plain_browser(api: ApiServer, tab: Phone) -> None:
    """Outside Telegram: Telegram's own script is loaded, the page draws its own buttons,
    free times are shown, booking asks to open the page in Telegram."""
    tab.open("/app/?lang=en", init_data=None)
    tab.wait_screen("home")
    assert tab.js("return window.Telegram.WebApp.initData") == ""
    assert tab.js("return typeof window.Telegram.WebApp.MainButton.setParams") == "function"
    assert "To book, open this page in Telegram." in tab.text()
    assert_english(tab)
    tab.tap_row("Nail care")
    tab.wait_screen("services")
    tab.tap(".back-link")  # the page's own back button
    tab.wait_screen("home")
    tab.tap_row("Nail care")
    tab.tap_row("Pedicure")
    tab.wait_screen("times")
    tab.first_free_day(soon())
    tab.tap(f'[data-slot="{tab.slots()[0]}"]')
    tab.tap(".main-button")
    tab.wait_screen("confirm")
    assert tab.js("return document.querySelector('.main-button').disabled")
    tab.screenshot("browser-en-confirm")


def test_links_open_at_a_specialist_or_a_service_with_anyone(api: ApiServer, tab: Phone) -> None:
    """t.me/<bot>?startapp=specialist-<id> (initData's start_param), and the bot's calendar
    button, whose web_app URL carries ?startapp=service-<id>-any."""
    [katya] = api.http.get("/api/specialists/", params={"search": "Белова"}).json()
    init_data = sign_init_data(
        telegram_user(next(TELEGRAM_IDS), "ru"), start_param=f"specialist-{katya['id']}"
    )
    tab.open(init_data=init_data)
    tab.wait_screen("services")
    assert "Екатерина Белова" in tab.text()
    assert tab.js("return !!document.querySelector('.person-card img.avatar')")
    tab.tap_row("Маникюр")
    tab.wait_screen("times")
    assert "Екатерина Белова" in tab.js(
        "return document.querySelector('.summary-card').textContent"
    )
    assert tab.slots()

    manicure = api.service_id("Маникюр", "Анна Иванова")
    tab.open(f"/app/?startapp=service-{manicure}-any", init_data=new_client("en"))
    tab.wait_screen("times")
    assert "Any specialist" in tab.js("return document.querySelector('.summary-card').textContent")
    assert tab.slots()
    assert_english(tab)
    tab.press_back_button()
    tab.wait_screen("specialists")
