"""PgBouncer in transaction pooling mode in front of PostgreSQL (README "Scaling out"): a real
PgBouncer (Debian's) started by the test, on a database of the test's own.

With DATABASE_PGBOUNCER=true the API's representative requests work through it with two
workers; without the setting, what breaks is shown: PgBouncer refuses asyncpg's ``jit``
startup parameter (every request 503), and once an operator lets that through
(``ignore_startup_parameters``), asyncpg's named prepared statements meet server connections
that never saw them (500s)."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import tempfile
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import httpx
import pytest

from booking_api.app import create_app
from booking_api.core.db import Database
from booking_api.migrate import upgrade
from kit.api import future_day, make_settings
from kit.ops import captured_logs, json_lines
from kit.pgbouncer import PgBouncer, admin_show, available, create_database, drop_database
from kit.processes import booking, free_port, process_env, stop, wait_until_up

pytestmark = [pytest.mark.postgres]

POOL_SIZE = 4


@pytest.fixture
def database():
    """A private database on the shared server (made and dropped here): name, direct URL."""
    name = f"booking_pgbouncer_{uuid.uuid4().hex[:10]}"
    url = asyncio.run(create_database(name))
    yield name, url
    asyncio.run(drop_database(name))


def _bouncer(name: str, **options) -> PgBouncer:
    if not available():
        pytest.skip("no pgbouncer (Debian package pgbouncer)")
    bouncer = PgBouncer(Path(tempfile.mkdtemp(prefix="booking-pgbouncer-")), name, **options)
    bouncer.start()
    return bouncer


@pytest.fixture
def bouncer(database):
    bouncer = _bouncer(database[0], pool_size=POOL_SIZE)
    yield bouncer
    bouncer.stop()


# --- the API through PgBouncer, two workers --------------------------------------------------


class Api:
    """A running ``booking api`` from the test's side: staff requests, raising on surprises."""

    def __init__(self, port: int, token: str = ""):
        self.base = f"http://127.0.0.1:{port}"
        self.http = httpx.Client(base_url=self.base, timeout=30)
        self.token = token

    def call(self, method: str, path: str, body: dict | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return self.http.request(method, path, json=body, headers=headers)

    def ok(self, method: str, path: str, body: dict | None = None, status: int = 200) -> dict:
        r = self.call(method, path, body)
        assert r.status_code == status, (method, path, r.status_code, r.text)
        return r.json()


def _catalogue(api: Api) -> dict:
    """A category, a specialist working 09:00-18:00 every day, an hour's service, two clients."""
    category = api.ok("POST", "/api/categories/", {"name": "Ногти"}, 201)
    spec = api.ok("POST", "/api/specialists/", {"name": "Анна", "specialization": "m"}, 201)
    for day in range(7):
        api.ok("POST", "/api/schedules/", {"specialist": spec["id"], "day_of_week": day,
               "start_time": "09:00", "end_time": "18:00"}, 201)  # fmt: skip
    service = api.ok(
        "POST",
        "/api/services/",
        {"name": "Маникюр", "price": "10.00", "duration": 60, "specialist": spec["id"],
         "category": category["id"]},
        201,
    )  # fmt: skip
    vera = api.ok("POST", "/api/clients/", {"name": "Вера", "phone": "+79990000001"}, 201)
    olga = api.ok("POST", "/api/clients/", {"name": "Ольга", "phone": "+79990000002"}, 201)
    return {"category": category["id"], "specialist": spec["id"], "service": service["id"],
            "clients": (vera["id"], olga["id"])}  # fmt: skip


def _at(ids: dict, client: int, day: dt.date, start: str) -> dict:
    end = f"{int(start[:2]) + 1:02d}{start[2:]}"
    return {"client": client, "service": ids["service"], "specialist": ids["specialist"],
            "date": str(day), "start_time": start, "end_time": end}  # fmt: skip


def _free(api: Api, ids: dict, day: dt.date) -> list[str]:
    path = f"/api/specialists/{ids['specialist']}/available_slots/"
    slots = api.ok("GET", f"{path}?date={day}&service={ids['service']}")
    return [s["start_time"][:5] for s in slots]


@pytest.mark.slow
def test_the_api_works_through_pgbouncer_transaction_pooling(bouncer, tmp_path):
    env = process_env(tmp_path, DATABASE_URL=bouncer.url, DATABASE_PGBOUNCER="true")
    env.update(CACHE_BACKEND="off", THROTTLE_BOOKING="", THROTTLE_AUTH="", LOG_FORMAT="json")
    superuser = ("createsuperuser", "--noinput", "--username", "boss", "--password", "boss-pass-1")
    done = subprocess.run(booking(*superuser), env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-3000:]  # migrated through PgBouncer
    port = free_port()
    log_path = tmp_path / "api.log"  # a file: a pipe nobody reads would fill and stall it
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            booking("api", "--port", str(port), "--workers", "2"), env=env, stderr=log_file
        )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health")
        api = Api(port)
        api.token = api.ok("POST", "/api/token/", {"username": "boss", "password": "boss-pass-1"})[
            "access"
        ]
        ids = _catalogue(api)
        vera, olga = ids["clients"]
        spec = ids["specialist"]

        # Catalogue reads.
        assert [c["name"] for c in api.ok("GET", "/api/categories/")] == ["Ногти"]
        assert [s["name"] for s in api.ok("GET", "/api/services/")] == ["Маникюр"]
        assert api.ok("GET", f"/api/specialists/{spec}/")["name"] == "Анна"
        assert len(api.ok("GET", "/api/specialists/")[0]["schedules"]) == 7
        assert len(api.ok("GET", f"/api/specialists/{spec}/services/")) == 1
        assert len(api.ok("GET", f"/api/specialists/{spec}/schedule/")) == 7

        # Free time, and a booking taking it.
        day = future_day(3)
        assert {"10:00", "12:00", "14:00"} <= set(_free(api, ids, day))
        api.ok("POST", "/api/appointments/", _at(ids, vera, day, "10:00"), 201)
        assert "10:00" not in _free(api, ids, day)

        # Two clients booking one time at once, three times: one 201 and one refusal each.
        barrier = threading.Barrier(2)

        def book(body: dict) -> httpx.Response:
            own = Api(port, api.token)
            barrier.wait()
            return own.call("POST", "/api/appointments/", body)

        with ThreadPoolExecutor(2) as pool:
            for start in ("12:00", "15:00", "17:00"):
                answers = list(
                    pool.map(book, [_at(ids, vera, day, start), _at(ids, olga, day, start)])
                )
                assert sorted(r.status_code for r in answers) == [201, 400], [
                    r.text for r in answers
                ]
        booked = api.ok("GET", f"/api/appointments/?specialist_id={spec}&date_from={day}")
        assert sorted(a["start_time"][:5] for a in booked) == ["10:00", "12:00", "15:00", "17:00"]

        # A hold (its trigger takes the specialist's advisory lock): the time is refused to
        # another client while held, and its own client books it by confirming the hold.
        hold = api.ok("POST", "/api/holds/", _at(ids, vera, day, "14:00"), 201)
        refused = api.call("POST", "/api/appointments/", _at(ids, olga, day, "14:00"))
        assert refused.status_code == 400, refused.text
        assert "14:00" not in _free(api, ids, day)
        confirmed = api.ok("POST", f"/api/holds/{hold['id']}/confirm/", {}, 201)
        assert (confirmed["client"], confirmed["start_time"][:5]) == (vera, "14:00")

        # A burst of reads over many connections: every one answered.
        paths = [
            "/api/categories/",
            "/api/services/",
            "/api/specialists/",
            f"/api/specialists/{spec}/",
            f"/api/specialists/{spec}/available_slots/?date={future_day(4)}",
            "/api/appointments/?page_size=20",
        ]

        def read(path: str) -> int:
            return Api(port, api.token).call("GET", path).status_code

        def read_anonymously(path: str) -> int:  # the hot paths' own statements (api/hot.py)
            return Api(port).call("GET", path).status_code

        public = ["/api/services/", "/api/specialists/"]
        with ThreadPoolExecutor(16) as pool:
            statuses = Counter(pool.map(read, paths * 40))
            statuses += Counter(pool.map(read_anonymously, public * 40))
        assert statuses == Counter({200: (len(paths) + len(public)) * 40}), statuses

        # It all went through PgBouncer, on at most POOL_SIZE server connections.
        pools = [p for p in admin_show(bouncer, "POOLS") if p["database"] != "pgbouncer"]
        assert len(pools) == 1 and pools[0]["pool_mode"] == "transaction"
        assert int(pools[0]["sv_active"]) + int(pools[0]["sv_idle"]) <= POOL_SIZE
        stats = next(s for s in admin_show(bouncer, "STATS") if s["database"] != "pgbouncer")
        assert int(stats["total_xact_count"]) > len(paths) * 40, stats
    finally:
        stop(proc)
    log = log_path.read_text()
    assert "prepared statement" not in log
    assert "hot path" not in log  # they answered, none passed a request on
    assert '"level": "ERROR"' not in log and '"status": 500' not in log, log[-3000:]


# --- without DATABASE_PGBOUNCER -------------------------------------------------------------


async def _read_twice(settings, bouncer: PgBouncer) -> tuple[list[int], list[dict]]:
    """The same catalogue read twice through one in-process app, the second time while another
    client of PgBouncer holds, in a transaction, the server connection the first one used (so
    PgBouncer lends the app another): both statuses, and the log."""
    database = Database.from_settings(settings)
    app = create_app(settings, database)
    statuses = []
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://t"
        ) as http:
            with captured_logs() as logs:
                statuses.append((await http.get("/api/categories/")).status_code)
                other = await asyncpg.connect(bouncer.url, statement_cache_size=0)
                try:
                    await other.execute("BEGIN; SELECT 1")  # PgBouncer's only server connection
                    statuses.append((await http.get("/api/categories/")).status_code)
                finally:
                    await other.close()
    finally:
        await database.dispose()
    return statuses, json_lines(logs)


@pytest.mark.parametrize("lets_jit_through", [False, True], ids=["as-shipped", "jit-ignored"])
async def test_without_the_setting_pgbouncer_breaks_the_api(database, tmp_path, lets_jit_through):
    name, direct_url = database
    await upgrade(direct_url)  # the schema, straight to PostgreSQL
    options = {"ignore_startup_parameters": "jit"} if lets_jit_through else {}
    broken_bouncer = _bouncer(name, **options)
    fixed_bouncer = _bouncer(name, **options)
    try:
        broken, broken_log = await _read_twice(make_settings(broken_bouncer.url, tmp_path),
                                               broken_bouncer)  # fmt: skip
        fixed, fixed_log = await _read_twice(
            make_settings(fixed_bouncer.url, tmp_path, database_pgbouncer=True), fixed_bouncer
        )
    finally:
        broken_bouncer.stop()
        fixed_bouncer.stop()
    messages = " ".join(str(line.get("msg", "")) + str(line.get("exc", "")) for line in broken_log)
    if lets_jit_through:
        # The statement asyncpg prepared (and named) on the first server connection is not on
        # the second one.
        assert broken == [200, 500], broken
        assert 'prepared statement "__asyncpg_stmt_' in messages
        assert "does not exist" in messages
    else:
        # PgBouncer refuses the connection: the database is "unavailable" to the API.
        assert broken == [503, 503], broken
        assert "unsupported startup parameter: jit" in messages
    assert fixed == [200, 200], (fixed, fixed_log)
