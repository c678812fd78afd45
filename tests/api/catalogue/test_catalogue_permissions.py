"""Who may read and change the catalogue (contract section 3): anyone reads, only staff
write. One table per route; rows whose success changes state build a fresh object for every
role (see ``support.roles``)."""

from __future__ import annotations

import datetime as dt

import pytest

from booking_api.models import Service, ServiceCategory, Specialist, SpecialistSchedule
from kit.api import future_day
from kit.roles import READ, STAFF_CHANGES, STAFF_CREATES, STAFF_DELETES, check_row


@pytest.mark.parametrize("route", ["categories", "specialists", "schedules", "services"])
async def test_catalogue_permissions(client, env, cat, route):
    days = iter(range(7))

    async def fresh() -> str:
        if route == "categories":
            obj = await env.add(ServiceCategory(name="Тест", description=""))
        elif route == "services":
            obj = await env.add(
                Service(
                    name="Тест", description="", price=1, duration=30, specialist_id=cat.maria.id
                )
            )
        elif route == "specialists":
            obj = await env.add(
                Specialist(name="Тест", specialization="x", description="", city="Казань")
            )
        else:
            obj = await env.add(
                SpecialistSchedule(
                    specialist_id=cat.maria.id,
                    day_of_week=next(days),
                    start_time=dt.time(9),
                    end_time=dt.time(17),
                )
            )
        return f"/api/{route}/{obj.id}/"

    create_days = iter(range(7))
    bodies = {
        "categories": lambda: {"name": "Новая категория"},
        "services": lambda: {
            "name": "Новая",
            "price": "10",
            "duration": 30,
            "specialist": cat.maria.id,
        },
        "specialists": lambda: {"name": "Новый", "specialization": "Массаж"},
        "schedules": lambda: {
            "specialist": cat.maria.id,
            "day_of_week": next(create_days),
            "start_time": "10:00",
            "end_time": "12:00",
        },
    }
    patch_bodies = {
        "categories": {"description": "x"},
        "services": {"duration": 45},
        "specialists": {"city": "Москва"},
        "schedules": {"end_time": "16:00"},
    }
    put_body = bodies[route]

    detail = await fresh()
    await check_row(client, env, cat, "GET", f"/api/{route}/", READ)
    await check_row(client, env, cat, "GET", detail, READ)
    await check_row(client, env, cat, "POST", f"/api/{route}/", STAFF_CREATES, body=bodies[route])
    if route == "schedules":  # PUT keeps its own weekday, so it does not clash

        def put_body():
            return {
                "specialist": cat.maria.id,
                "day_of_week": 6,
                "start_time": "10:00",
                "end_time": "12:00",
            }

        sunday = await env.add(
            SpecialistSchedule(
                specialist_id=cat.maria.id,
                day_of_week=6,
                start_time=dt.time(9),
                end_time=dt.time(17),
            )
        )
        detail = f"/api/schedules/{sunday.id}/"
    await check_row(client, env, cat, "PUT", detail, STAFF_CHANGES, body=put_body)
    await check_row(client, env, cat, "PATCH", detail, STAFF_CHANGES, body=patch_bodies[route])
    await check_row(client, env, cat, "DELETE", detail, STAFF_DELETES)


async def test_specialist_actions_are_public(client, env, cat):
    for action in ("services", "schedule", f"available_slots?date={future_day()}"):
        await check_row(
            client,
            env,
            cat,
            "GET",
            f"/api/specialists/{cat.anna.id}/{action}/"
            if "?" not in action
            else f"/api/specialists/{cat.anna.id}/{action.replace('?', '/?')}",
            READ,
        )
