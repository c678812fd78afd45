from testkit import future_day


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
