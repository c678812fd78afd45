"""``/api/business/``: the business profile, public to read, written by staff (PATCH, PUT),
every text with its English twin and a FAQ of question/answer pairs."""

from __future__ import annotations

FAQ = [
    {
        "question": "Есть ли парковка?",
        "answer": "Да, во дворе.",
        "question_en": "Is there parking?",
        "answer_en": "Yes, in the courtyard.",
    }
]


async def test_empty_until_staff_fill_it_in_then_public(client, env, cat) -> None:
    r = await client.get("/api/business/")
    assert r.status_code == 200
    assert r.json() == {
        "name": "",
        "name_en": "",
        "address": "",
        "address_en": "",
        "phone": "",
        "opening_hours": "",
        "opening_hours_en": "",
        "faq": [],
    }
    staff = env.auth(cat.staff)
    r = await client.patch(
        "/api/business/",
        headers=staff,
        json={"address": "Казань, ул. Баумана, 15", "address_en": "15 Baumana St", "faq": FAQ},
    )
    assert r.status_code == 200, r.text
    r = await client.patch("/api/business/", headers=staff, json={"phone": "+7 843 200-00-00"})
    assert r.status_code == 200, r.text
    profile = (await client.get("/api/business/")).json()  # anonymous
    assert profile["address"] == "Казань, ул. Баумана, 15"
    assert profile["address_en"] == "15 Baumana St"
    assert profile["phone"] == "+7 843 200-00-00"  # PATCH kept the rest
    assert profile["faq"] == FAQ

    # PUT replaces: what is left out is emptied.
    r = await client.put("/api/business/", headers=staff, json={"name": "Жасмин"})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Жасмин" and r.json()["address"] == "" and r.json()["faq"] == []


async def test_only_staff_write(client, env, cat) -> None:
    r = await client.patch("/api/business/", json={"name": "X"})
    assert r.status_code == 401
    r = await client.patch("/api/business/", headers=env.auth(cat.alice), json={"name": "X"})
    assert r.status_code == 403
    assert (await client.get("/api/business/")).json()["name"] == ""


async def test_bad_input_is_a_field_error(client, env, cat) -> None:
    staff = env.auth(cat.staff)
    r = await client.patch(
        "/api/business/",
        headers=staff,
        json={"phone": "1" * 41, "faq": [FAQ[0], {"question": "Где вы?"}]},
    )
    assert r.status_code == 400
    assert r.json() == {
        "phone": ["Ensure this field has no more than 40 characters."],
        "faq": [{}, {"answer": ["This field is required."]}],
    }
    r = await client.patch("/api/business/", headers=staff, json={"faq": "parking"})
    assert r.status_code == 400
    assert r.json() == {"faq": ['Expected a list of items but got type "str".']}
    r = await client.patch("/api/business/", headers=staff, json=["x"])
    assert r.status_code == 400
    r = await client.patch("/api/business/", headers=staff, json={"faq": [[1]]})
    assert r.status_code == 400


async def test_in_the_openapi_schema_with_examples(client) -> None:
    schema = (await client.get("/api/schema/")).json()
    operations = schema["paths"]["/api/business/"]
    assert set(operations) >= {"get", "patch", "put"}
    example = operations["get"]["responses"]["200"]["content"]["application/json"]["example"]
    assert example["faq"][0]["question_en"] == "Is there parking?"
    body = operations["patch"]["requestBody"]["content"]["application/json"]
    assert body["example"]["address_en"]


async def test_two_first_writes_at_once_both_succeed(client, env, cat) -> None:
    import asyncio

    staff = env.auth(cat.staff)
    answers = await asyncio.gather(
        client.patch("/api/business/", headers=staff, json={"phone": "+7 900 000-00-01"}),
        client.patch("/api/business/", headers=staff, json={"address": "Казань"}),
    )
    assert [r.status_code for r in answers] == [200, 200], [r.text for r in answers]
    profile = (await client.get("/api/business/")).json()
    assert profile["address"] == "Казань" and profile["phone"] == "+7 900 000-00-01"
