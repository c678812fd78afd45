"""The catalogue's English twins (``*_en``, django-modeltranslation's naming): new fields
beside the contract's, empty by default, written by staff through the same routes, and
carried wherever the API repeats a name (a service's category, an appointment's service)."""

from __future__ import annotations

from kit.api import future_day


async def test_staff_write_english_names_and_everyone_reads_them(client, env, cat) -> None:
    staff = env.auth(cat.staff)
    r = await client.post(
        "/api/categories/",
        headers=staff,
        json={"name": "Массаж", "name_en": "Massage", "description_en": "Relax"},
    )
    assert r.status_code == 201, r.text
    category = r.json()
    assert (category["name"], category["name_en"], category["description_en"]) == (
        "Массаж",
        "Massage",
        "Relax",
    )
    r = await client.patch(
        f"/api/services/{cat.manicure.id}/",
        headers=staff,
        json={"name_en": "Manicure", "description_en": "Nails"},
    )
    assert r.status_code == 200, r.text
    r = await client.patch(
        f"/api/categories/{cat.nails.id}/", headers=staff, json={"name_en": "Nail care"}
    )
    assert r.status_code == 200, r.text
    r = await client.patch(
        f"/api/specialists/{cat.anna.id}/",
        headers=staff,
        json={"specialization_en": "Nail technician", "city_en": "Kazan"},
    )
    assert r.status_code == 200, r.text

    services = {s["id"]: s for s in (await client.get("/api/services/")).json()}
    manicure, haircut = services[cat.manicure.id], services[cat.haircut.id]
    assert manicure["name"] == "Маникюр" and manicure["category_name"] == "Ногтевой сервис"
    assert (manicure["name_en"], manicure["description_en"], manicure["category_name_en"]) == (
        "Manicure",
        "Nails",
        "Nail care",
    )
    # Nothing written yet: the empty string; no category: no category name in either language.
    assert haircut["name_en"] == "" and "category_name_en" not in haircut
    assert (await client.get(f"/api/services/{cat.manicure.id}/")).json() == manicure
    specialists = {s["id"]: s for s in (await client.get("/api/specialists/")).json()}
    anna = specialists[cat.anna.id]
    assert (anna["specialization"], anna["specialization_en"], anna["city_en"]) == (
        "Мастер маникюра",
        "Nail technician",
        "Kazan",
    )
    assert specialists[cat.maria.id]["city_en"] == ""
    nails = (await client.get(f"/api/categories/{cat.nails.id}/")).json()
    assert nails["name_en"] == "Nail care" and nails["description_en"] == ""


async def test_a_client_cannot_write_english_names(client, env, cat) -> None:
    r = await client.patch(
        f"/api/services/{cat.manicure.id}/", headers=env.auth(cat.alice), json={"name_en": "X"}
    )
    assert r.status_code == 403


async def test_english_name_too_long_is_the_contracts_field_error(client, env, cat) -> None:
    r = await client.patch(
        f"/api/categories/{cat.nails.id}/", headers=env.auth(cat.staff), json={"name_en": "x" * 101}
    )
    assert r.status_code == 400
    assert r.json() == {"name_en": ["Ensure this field has no more than 100 characters."]}


async def test_appointments_and_free_slots_carry_the_english_service_name(client, env, cat) -> None:
    staff = env.auth(cat.staff)
    await client.patch(
        f"/api/services/{cat.manicure.id}/", headers=staff, json={"name_en": "Manicure"}
    )
    await client.patch(f"/api/categories/{cat.nails.id}/", headers=staff, json={"name_en": "Nails"})
    day = future_day(3)
    r = await client.post(
        "/api/appointments/",
        headers=env.auth(cat.alice),
        json={
            "service": cat.manicure.id,
            "specialist": cat.anna.id,
            "date": day.isoformat(),
            "start_time": "10:00",
            "end_time": "11:00",
        },
    )
    assert r.status_code == 201, r.text
    booked = r.json()
    assert (booked["service_name_en"], booked["category_name_en"]) == ("Manicure", "Nails")
    listed = (await client.get("/api/appointments/", headers=env.auth(cat.alice))).json()
    assert listed[0]["service_name_en"] == "Manicure"
    assert listed[0]["category_name_en"] == "Nails"
    one = (await client.get(f"/api/appointments/{booked['id']}/", headers=staff)).json()
    assert one["service_name_en"] == "Manicure"

    # The nearest free slots: found by the English name too, and named in both languages.
    r = await client.get("/api/slots/nearest/", params={"service_name": "manicure"})
    assert r.status_code == 200, r.text
    assert r.json() and all(s["service_name_en"] == "Manicure" for s in r.json())
