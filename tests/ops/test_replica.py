"""DATABASE_REPLICA_URL (README "Scaling out"): the catalogue's reads come from a real streaming
replica made by the test (pg_basebackup of a private primary); booking checks, free time, other
reads and writes never do; a replica out of reach sends its reads to the primary."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import asyncpg
import httpx
import pytest
from sqlalchemy import update

from booking_api.app import create_app
from booking_api.core.config import normalise_database_url
from booking_api.core.db import Database
from booking_api.migrate import upgrade
from booking_api.models import Client, Service, ServiceCategory, Specialist, SpecialistSchedule
from kit.api import Env, future_day, make_settings
from kit.ops import captured_logs, json_lines
from kit.replica import available, primary_with_replica
from kit.servers import free_port

pytestmark = [pytest.mark.postgres]


@pytest.fixture
async def servers():
    if not available():
        pytest.skip("no PostgreSQL server binaries to start a primary and a replica")
    primary, replica = primary_with_replica()
    try:
        await upgrade(primary.url)
        yield primary, replica
    finally:
        replica.destroy()
        primary.destroy()


async def _salon(servers, tmp_path):
    """The app on the primary with its replica, a staff user and a small catalogue (caught
    up on the replica)."""
    primary, replica = servers
    settings = make_settings(
        primary.url,
        tmp_path,
        database_replica_url=replica.url,
        database_replica_retry_seconds=0.3,
    )
    env = Env("postgresql", settings, Database.from_settings(settings))
    staff = await env.user("staff", staff=True)
    nails = await env.add(ServiceCategory(name="Ногти", description=""))
    anna = await env.add(Specialist(name="Анна", specialization="m", description="", city="Казань"))
    await env.add(
        *[
            SpecialistSchedule(
                specialist_id=anna.id, day_of_week=d, start_time=dt.time(9), end_time=dt.time(18)
            )
            for d in range(7)
        ]
    )
    manicure = await env.add(
        Service(name="Маникюр", description="", price=Decimal(10), duration=60,
                specialist_id=anna.id, category_id=nails.id)
    )  # fmt: skip
    vera = await env.add(Client(name="Вера", phone="+79990000001"))
    await replica.catch_up()
    return env, env.auth(staff), {"spec": anna.id, "service": manicure.id, "client": vera.id}


def _names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return sorted(row["name"] for row in response.json())


@pytest.mark.slow
async def test_catalogue_reads_come_from_the_replica_and_bookings_never(servers, tmp_path):
    primary, replica = servers
    env, staff, ids = await _salon(servers, tmp_path)
    spec, service = ids["spec"], ids["service"]
    transport = httpx.ASGITransport(app=env.app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            assert _names(await http.get("/api/services/")) == ["Маникюр"]

            # The replica stops applying changes; the primary gets some.
            await replica.pause_replay()
            async with env.db.write_sessions() as session:
                await session.execute(
                    update(Service).where(Service.id == service).values(name="Маникюр люкс")
                )
                await session.commit()
            pedicure = Service(name="Педикюр", description="", price=Decimal(20), duration=60,
                               specialist_id=spec)  # fmt: skip
            await env.add(pedicure, ServiceCategory(name="Брови", description=""))

            # Every catalogue read answers from the replica: as it was before the pause.
            assert _names(await http.get("/api/services/")) == ["Маникюр"]
            assert (await http.get(f"/api/services/{service}/")).json()["name"] == "Маникюр"
            assert (await http.get(f"/api/services/{pedicure.id}/")).status_code == 404
            assert _names(await http.get(f"/api/specialists/{spec}/services/")) == ["Маникюр"]
            assert _names(await http.get("/api/categories/")) == ["Ногти"]
            assert _names(await http.get("/api/specialists/", headers=staff)) == ["Анна"]
            assert len((await http.get(f"/api/specialists/{spec}/schedule/")).json()) == 7

            # The primary's connections are not the replica's: the app's are on the replica.
            conn = await asyncpg.connect(replica.url)
            try:
                on_replica = await conn.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'booking-api'"
                )
            finally:
                await conn.close()
            assert on_replica > 0

            # Free time and the booking checks read the primary: the new service is there.
            day = future_day(3)
            slots = await http.get(
                f"/api/specialists/{spec}/available_slots/",
                params={"date": str(day), "service": pedicure.id},
            )
            assert slots.status_code == 200 and "10:00" in [s["start_time"] for s in slots.json()]
            body = {"client": ids["client"], "service": pedicure.id, "specialist": spec,
                    "date": str(day), "start_time": "10:00", "end_time": "11:00"}  # fmt: skip
            booked = await http.post("/api/appointments/", headers=staff, json=body)
            assert booked.status_code == 201, booked.text
            assert booked.json()["service_name"] == "Педикюр"
            again = await http.post("/api/appointments/", headers=staff, json=body)
            assert again.status_code == 400, again.text  # the primary's booking, seen
            listed = await http.get("/api/appointments/", headers=staff)
            assert [a["id"] for a in listed.json()] == [booked.json()["id"]]
            # A write answers from the primary (its own transaction), never stale.
            patched = await http.patch(
                f"/api/services/{service}/", headers=staff, json={"price": "12.00"}
            )
            assert patched.json()["name"] == "Маникюр люкс"

            # Replay resumes: the catalogue catches up.
            await replica.resume_replay()
            await replica.catch_up()
            assert _names(await http.get("/api/services/")) == ["Маникюр люкс", "Педикюр"]
            assert _names(await http.get("/api/categories/")) == ["Брови", "Ногти"]
    finally:
        await env.db.dispose()


@pytest.mark.slow
async def test_a_replica_out_of_reach_sends_catalogue_reads_to_the_primary(servers, tmp_path):
    primary, replica = servers
    env, staff, ids = await _salon(servers, tmp_path)
    transport = httpx.ASGITransport(app=env.app)
    spec, service = ids["spec"], ids["service"]
    paths = ["/api/services/", "/api/categories/", "/api/specialists/",
             f"/api/specialists/{spec}/services/", f"/api/services/{service}/"]  # fmt: skip
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            for path in paths:  # pooled replica connections, about to be cut
                assert (await http.get(path)).status_code == 200
            with captured_logs(this_thread=True) as logs:
                replica.stop()
                await env.add(ServiceCategory(name="Брови", description=""))
                for _ in range(3):
                    for path in paths:
                        r = await http.get(path)
                        assert r.status_code == 200, (path, r.status_code, r.text)
                # ... and from the primary: fresh.
                assert _names(await http.get("/api/categories/")) == ["Брови", "Ногти"]

                replica.start()
                await replica.catch_up()
                await replica.pause_replay()
                await env.add(ServiceCategory(name="Ресницы", description=""))
                # Once DATABASE_REPLICA_RETRY_SECONDS have passed, back on the replica.
                for _ in range(100):
                    if "Ресницы" not in _names(await http.get("/api/categories/")):
                        break
                    await asyncio.sleep(0.05)
                assert _names(await http.get("/api/categories/")) == ["Брови", "Ногти"]
                await replica.resume_replay()
    finally:
        await env.db.dispose()
    records = json_lines(logs)
    warnings = [r["msg"] for r in records if r["level"] in ("WARNING", "ERROR")]
    assert len(warnings) == 2, warnings
    assert warnings[0].startswith("read replica unavailable (")
    assert "its reads go to the primary" in warnings[0]
    assert warnings[1].startswith("read replica reachable again after")
    assert not [r for r in records if "exc" in r or r.get("status", 200) >= 500]


@pytest.mark.parametrize("what", ["no such database", "nothing listening"])
async def test_a_replica_that_refuses_us_is_not_an_error(env, cat, tmp_path, what):
    """A replica URL that cannot serve (a database missing there, a port with no server):
    catalogue reads answer from the primary, with one warning, never a 500."""
    if env.backend != "postgresql":
        pytest.skip("a PostgreSQL replica")
    primary = env.settings.database_url
    if what == "no such database":
        url = primary.rsplit("/", 1)[0] + "/no_such_database_here"
    else:
        url = f"postgresql://postgres@127.0.0.1:{free_port()}/booking"
    settings = env.settings.model_copy(update={"database_replica_url": normalise_database_url(url)})
    database = Database.from_settings(settings)
    app = create_app(settings, database)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as http:
            with captured_logs(this_thread=True) as logs:
                for _ in range(3):
                    assert _names(await http.get("/api/services/")) == ["Маникюр", "Стрижка"]
                    r = await http.get(f"/api/specialists/{cat.anna.id}/schedule/")
                    assert r.status_code == 200 and len(r.json()) == 7
    finally:
        await database.dispose()
    warnings = [r for r in json_lines(logs) if r["level"] in ("WARNING", "ERROR")]
    assert len(warnings) == 1, warnings
    assert warnings[0]["msg"].startswith("read replica unavailable")
