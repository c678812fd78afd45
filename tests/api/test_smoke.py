from kit.api import future_day


async def test_catalogue_lists(client, cat):
    r = await client.get("/api/services/")
    assert r.status_code == 200, r.text
    body = r.json()
    assert [s["name"] for s in body] == ["Маникюр", "Стрижка"]
    assert body[0]["price"] == "1500.00" and body[0]["category_name"] == "Ногтевой сервис"
    assert "category_name" not in body[1]


async def test_book_and_slots(client, env, cat):
    day = future_day()
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
    slots = (
        await client.get(
            f"/api/specialists/{cat.anna.id}/available_slots/", params={"date": day.isoformat()}
        )
    ).json()
    starts = [s["start_time"] for s in slots]
    assert "09:30" in starts and "10:00" not in starts and "10:30" not in starts
    assert "11:00" in starts and starts[-1] == "17:30"


async def test_api_root_lists_the_router_resources(client, env, cat):
    """DRF's DefaultRouter answers GET /api/ with each resource's list URL, in router order."""
    r = await client.get("/api/")
    assert r.status_code == 200, r.text
    names = ["categories", "specialists", "schedules", "services", "clients", "appointments"]
    assert list(r.json().items()) == [(name, f"http://testserver/api/{name}/") for name in names]
    assert r.headers["content-type"] == "application/json"
    assert (await client.get("/api/", headers=env.auth(cat.alice))).status_code == 200
    # Every link leads to its list.
    for url in r.json().values():
        assert (await client.get(url, headers=env.auth(cat.staff))).status_code == 200
    # Authentication runs as on every DRF view: a bad token is a 401, even here.
    r = await client.get("/api/", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401 and r.json()["code"] == "token_not_valid"
    # APPEND_SLASH as everywhere; HEAD like GET; other methods are 405s.
    r = await client.get("/api")
    assert r.status_code == 301 and r.headers["location"] == "/api/"
    assert (await client.head("/api/")).status_code == 200
    r = await client.post("/api/", json={})
    assert r.status_code == 405 and r.json() == {"detail": 'Method "POST" not allowed.'}


async def test_site_root_leads_to_the_docs(client):
    r = await client.get("/")
    assert r.status_code == 302 and r.headers["location"] == "/api/docs/"
    assert (await client.get("/", follow_redirects=True)).status_code == 200
