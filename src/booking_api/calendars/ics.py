"""iCalendar documents of bookings (the ``icalendar`` library; pure: no I/O).

Times are written in the business time zone (TIME_ZONE) with ``TZID`` and the matching
``VTIMEZONE`` (generated from the zone database for the years the events span), so a calendar
shows a 10:00 booking at 10:00 local time on both sides of a daylight-saving change. Cancelled
bookings stay in the feed with ``STATUS:CANCELLED`` (and "Cancelled:" in the title, for apps
that ignore the status), so subscribed calendars drop or strike them instead of keeping a
stale event. The event's ``UID`` is the appointment's, the same in the feeds and in a single
booking's .ics, so adding one and subscribing to the other never shows it twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import icalendar

PRODID = "-//Booking Assistant//Bookings//EN"
UID_DOMAIN = "booking-assistant"
REFRESH = dt.timedelta(minutes=15)

STATUS = {
    "pending": "TENTATIVE",
    "confirmed": "CONFIRMED",
    "completed": "CONFIRMED",
    "no_show": "CONFIRMED",
    "cancelled": "CANCELLED",
}
TEXTS = {
    "ru": {
        "cancelled": "Отменено: ",
        "with": "Специалист",
        "client": "Клиент",
        "status": "Статус",
        "calendar": "Записи — {name}",
        "statuses": {
            "pending": "ожидает подтверждения",
            "confirmed": "подтверждена",
            "completed": "завершена",
            "cancelled": "отменена",
            "no_show": "клиент не пришёл",
        },
    },
    "en": {
        "cancelled": "Cancelled: ",
        "with": "Specialist",
        "client": "Client",
        "status": "Status",
        "calendar": "Bookings — {name}",
        "statuses": {
            "pending": "awaiting confirmation",
            "confirmed": "confirmed",
            "completed": "completed",
            "cancelled": "cancelled",
            "no_show": "no-show",
        },
    },
}


@dataclass(frozen=True)
class Booking:
    """What a calendar shows of one appointment."""

    id: int
    date: dt.date
    start_time: dt.time
    end_time: dt.time
    status: str
    service_name: str
    specialist_name: str
    client_name: str
    created_at: dt.datetime
    updated_at: dt.datetime


def uid(appointment_id: int) -> str:
    return f"appointment-{appointment_id}@{UID_DOMAIN}"


def _event(booking: Booking, tz: ZoneInfo, *, viewer: str, language: str) -> icalendar.Event:
    """One VEVENT; ``viewer`` is whose calendar it is (``specialist`` or ``client``)."""
    texts = TEXTS.get(language, TEXTS["ru"])
    other = booking.client_name if viewer == "specialist" else booking.specialist_name
    title = f"{booking.service_name} — {other}"
    if booking.status == "cancelled":
        title = texts["cancelled"] + title
    status_text = texts["statuses"].get(booking.status, booking.status)
    description = "\n".join(
        [
            f"{texts['with']}: {booking.specialist_name}",
            f"{texts['client']}: {booking.client_name}",
            f"{texts['status']}: {status_text}",
        ]
    )
    event = icalendar.Event()
    event.add("uid", uid(booking.id))
    event.add("dtstamp", booking.updated_at.astimezone(dt.UTC))
    event.add("created", booking.created_at.astimezone(dt.UTC))
    event.add("last-modified", booking.updated_at.astimezone(dt.UTC))
    event.add("dtstart", dt.datetime.combine(booking.date, booking.start_time, tzinfo=tz))
    event.add("dtend", dt.datetime.combine(booking.date, booking.end_time, tzinfo=tz))
    event.add("summary", title)
    event.add("description", description)
    event.add("status", STATUS.get(booking.status, "CONFIRMED"))
    event.add("transp", "TRANSPARENT" if booking.status == "cancelled" else "OPAQUE")
    return event


def _calendar(
    bookings: Sequence[Booking], tz: ZoneInfo, *, viewer: str, language: str, name: str | None
) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name is not None:
        texts = TEXTS.get(language, TEXTS["ru"])
        cal.add("x-wr-calname", texts["calendar"].format(name=name))
        cal.add("x-wr-timezone", tz.key)
        cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", REFRESH)
    for booking in bookings:
        cal.add_component(_event(booking, tz, viewer=viewer, language=language))
    first, last = _span(bookings)
    cal.add_missing_timezones(first_date=first, last_date=last)
    if not cal.timezones:  # an empty feed still names its zone
        cal.add_component(icalendar.Timezone.from_tzid(tz.key, first_date=first, last_date=last))
    return cal


def _span(bookings: Iterable[Booking]) -> tuple[dt.date, dt.date]:
    """The years the VTIMEZONE must cover (a year either side of the events)."""
    days = [b.date for b in bookings] or [dt.date.today()]
    return dt.date(min(days).year - 1, 1, 1), dt.date(max(days).year + 2, 1, 1)


def feed(
    bookings: Sequence[Booking], tz: ZoneInfo, *, viewer: str, language: str, name: str
) -> bytes:
    """A subscribable feed: every booking given, a calendar name and a refresh interval."""
    return _calendar(bookings, tz, viewer=viewer, language=language, name=name).to_ical()


def single(booking: Booking, tz: ZoneInfo, *, viewer: str, language: str) -> bytes:
    """One booking's .ics ("add to calendar")."""
    return _calendar([booking], tz, viewer=viewer, language=language, name=None).to_ical()
