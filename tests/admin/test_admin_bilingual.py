"""The admin edits the catalogue's English names and the business profile, and the API
answers what was saved there."""

from __future__ import annotations

import json
import re

import httpx

from kit.api import Catalogue, Env


async def login(client: httpx.AsyncClient) -> None:
    r = await client.post("/admin/login", data={"username": "staff", "password": "pass12345"})
    assert r.status_code == 302


def form_error(html: str) -> str:
    found = re.search(r'class="invalid-feedback"[^>]*>\s*([^<]+)', html)
    return found.group(1).strip() if found else ""


async def test_english_names_are_edited_in_the_admin(
    env: Env, client: httpx.AsyncClient, cat: Catalogue
) -> None:
    await login(client)
    page = (await client.get(f"/admin/service-category/edit/{cat.nails.id}")).text
    assert "Название (англ.)" in page
    r = await client.post(
        f"/admin/service-category/edit/{cat.nails.id}",
        data={
            "name": "Ногтевой сервис",
            "name_en": "Nail care",
            "description": "Маникюр",
            "description_en": "Manicure",
            "save": "Save",
        },
    )
    assert r.status_code == 302, form_error(r.text) or r.text[:2000]
    r = await client.post(
        f"/admin/specialist/edit/{cat.anna.id}",
        data={
            "name": "Анна Иванова",
            "specialization": "Мастер маникюра",
            "specialization_en": "Nail technician",
            "description": "",
            "description_en": "",
            "city": "Казань",
            "city_en": "Kazan",
            "is_active": "y",
            "user": str(cat.spec_user.id),
            "telegram_id": "",
            "language": "ru",
            "save": "Save",
        },
    )
    assert r.status_code == 302, form_error(r.text) or r.text[:2000]
    category = (await client.get(f"/api/categories/{cat.nails.id}/")).json()
    assert (category["name_en"], category["description_en"]) == ("Nail care", "Manicure")
    anna = (await client.get(f"/api/specialists/{cat.anna.id}/")).json()
    assert (anna["specialization_en"], anna["city_en"]) == ("Nail technician", "Kazan")


async def test_business_profile_is_edited_in_the_admin(
    env: Env, client: httpx.AsyncClient, cat: Catalogue
) -> None:
    await login(client)
    assert (await client.get("/admin/business-profile/list")).status_code == 200
    # One profile, the one the API reads: the list shows it (made on first look, empty), and
    # there is no second one to create.
    listed = await client.get("/admin/business-profile/list")
    assert "/admin/business-profile/edit/1" in listed.text
    assert "/admin/business-profile/create" not in listed.text
    assert (await client.get("/admin/business-profile/create")).status_code in (403, 404)
    faq = [{"question": "Парковка?", "answer": "Во дворе.", "question_en": "Parking?",
            "answer_en": "In the courtyard."}]  # fmt: skip
    r = await client.post(
        "/admin/business-profile/edit/1",
        data={
            "name": "Жасмин",
            "name_en": "Jasmine",
            "address": "Казань, ул. Баумана, 15",
            "address_en": "15 Baumana St, Kazan",
            "phone": "+7 843 200-00-00",
            "opening_hours": "Пн–Пт 9–21",
            "opening_hours_en": "Mon–Fri 9am–9pm",
            "faq": json.dumps(faq, ensure_ascii=False),
            "save": "Save",
        },
    )
    assert r.status_code == 302, form_error(r.text) or r.text[:2000]
    profile = (await client.get("/api/business/")).json()
    assert profile["address_en"] == "15 Baumana St, Kazan"
    assert profile["faq"] == faq
    assert (await client.get("/admin/business-profile/details/1")).status_code == 200
    assert (await client.get("/admin/business-profile/edit/1")).status_code == 200
