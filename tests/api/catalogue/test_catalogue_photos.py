"""Specialist photos: multipart uploads, DRF's ImageField errors, absolute URLs, serving."""

from __future__ import annotations

import io

import httpx
from PIL import Image

from booking_api.app import create_app

NOT_AN_IMAGE = (
    "Upload a valid image. The file you uploaded was either not an image or a corrupted image."
)


def png(size: tuple[int, int] = (4, 3)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


async def test_upload_on_create_and_serve(client, env, cat):
    content = png()
    r = await client.post(
        "/api/specialists/",
        headers=env.auth(cat.staff),
        data={"name": "Фото", "specialization": "Визажист"},
        files={"photo": ("me.png", content, "image/png")},
    )
    assert r.status_code == 201, r.text
    url = r.json()["photo"]
    assert url.startswith("http://testserver/media/specialists/") and url.endswith(".png")
    served = await client.get(url)
    assert served.status_code == 200 and served.content == content
    detail = await client.get(f"/api/specialists/{r.json()['id']}/")
    assert detail.json()["photo"] == url


async def test_upload_on_patch_and_remove(client, env, cat):
    headers = env.auth(cat.staff)
    r = await client.patch(
        f"/api/specialists/{cat.maria.id}/",
        headers=headers,
        files={"photo": ("p.png", png(), "image/png")},
    )
    assert r.status_code == 200, r.text
    assert r.json()["photo"].startswith("http://testserver/media/specialists/")
    assert r.json()["name"] == "Мария Петрова"
    r = await client.patch(
        f"/api/specialists/{cat.maria.id}/", headers=headers, json={"photo": None}
    )
    assert r.status_code == 200 and r.json()["photo"] is None


async def test_photo_is_null_without_upload(client, cat):
    r = await client.get(f"/api/specialists/{cat.anna.id}/")
    assert r.json()["photo"] is None


async def test_not_an_image(client, env, cat):
    r = await client.patch(
        f"/api/specialists/{cat.maria.id}/",
        headers=env.auth(cat.staff),
        files={"photo": ("x.png", b"not a picture at all", "image/png")},
    )
    assert r.status_code == 400
    assert r.json() == {"photo": [NOT_AN_IMAGE]}


async def test_string_instead_of_file(client, env, cat):
    r = await client.patch(
        f"/api/specialists/{cat.maria.id}/",
        headers=env.auth(cat.staff),
        json={"photo": "http://example.com/a.png"},
    )
    assert r.status_code == 400
    assert r.json() == {
        "photo": ["The submitted data was not a file. Check the encoding type on the form."]
    }


async def test_too_large(env, cat):
    settings = env.settings.model_copy(update={"max_photo_bytes": 100})
    app = create_app(settings, env.db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as small:
        r = await small.patch(
            f"/api/specialists/{cat.maria.id}/",
            headers=env.auth(cat.staff),
            files={"photo": ("big.png", png((64, 64)), "image/png")},
        )
    assert r.status_code == 400
    assert list(r.json()) == ["photo"] and len(r.json()["photo"]) == 1


async def test_photo_validation_reported_with_other_fields(client, env, cat):
    r = await client.post(
        "/api/specialists/",
        headers=env.auth(cat.staff),
        data={"specialization": "x"},
        files={"photo": ("x.png", b"junk", "image/png")},
    )
    assert r.status_code == 400
    assert r.json() == {"name": ["This field is required."], "photo": [NOT_AN_IMAGE]}
