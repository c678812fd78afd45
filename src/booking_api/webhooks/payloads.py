"""An event's ``data``: the appointment or the client as the API represents it.

The representation is taken when the event is fanned out (normally within moments of the
change; the event's ``timestamp`` is when the change happened), with the API's own
``represent_*`` functions, so a receiver gets exactly what ``GET /api/appointments/{id}/`` or
``GET /api/clients/{id}/`` would answer at that moment.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, with_expression

from booking_api.appointments.schemas import represent_appointment
from booking_api.clients.repository import no_show_count
from booking_api.clients.schemas import represent_client
from booking_api.models import Appointment, Client, Service


async def appointment_data(
    session: AsyncSession, appointment_id: int, tz: dt.tzinfo
) -> dict[str, Any] | None:
    obj = (
        await session.execute(
            select(Appointment)
            .where(Appointment.id == appointment_id)
            .options(
                joinedload(Appointment.client),
                joinedload(Appointment.specialist),
                joinedload(Appointment.service).joinedload(Service.category),
            )
        )
    ).scalar()
    return None if obj is None else represent_appointment(obj, tz)


async def client_data(session: AsyncSession, client_id: int) -> dict[str, Any] | None:
    obj = (
        await session.execute(
            select(Client)
            .where(Client.id == client_id)
            .options(
                joinedload(Client.user),
                with_expression(Client.no_show_count, no_show_count()),
            )
        )
    ).scalar()
    # Webhook receivers are the salon's own systems: the client as staff see it.
    return None if obj is None else represent_client(obj, staff=True)


async def object_data(
    session: AsyncSession, kind: str, object_id: int, tz: dt.tzinfo
) -> dict[str, Any] | None:
    """The event's object as the API shows it; None when it was deleted meanwhile."""
    if kind == "appointment":
        return await appointment_data(session, object_id, tz)
    if kind == "client":
        return await client_data(session, object_id)
    raise ValueError(f"unknown event object {kind!r}")
