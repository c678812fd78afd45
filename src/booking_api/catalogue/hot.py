"""The two busiest public reads answered below FastAPI on PostgreSQL: ``GET /api/services/``
and ``GET /api/specialists/`` asked anonymously, without a query string.

These answer the same bytes as the routes in ``routes.py`` (``tests/api/catalogue/test_hot.py``
compares both ways), for a fraction of the CPU: no dependency injection, no session, no
SQLAlchemy result processing. Each is ONE statement, its SQL rendered once from the same
SQLAlchemy statements the routes use, sent on a connection of the API's own pool (or the
replica's, when there is one and it answers) straight to asyncpg, which prepares it once per
connection (unnamed each time under ``DATABASE_PGBOUNCER``, where asyncpg's cache is off). The
specialists' weekly rows come along in the same statement, as an array of records.

Everything else (another method, a query string, a bearer token, whose 401 the route must
give when it is bad) goes the usual way, and so does any request this path fails to answer
(the database out of reach): the route then answers or fails it as it would have, with its
own error handling. A replica that fails is rested as the routes rest it (one warning) and the
primary answers meanwhile. The middlewares around this one (request id, access log,
metrics, cache, HEAD, HSTS, CORS) see these requests like any other; the metrics' ``route``
label is the route's own template.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql import func
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from booking_api.api import hot as hot_path
from booking_api.catalogue import photos, repository
from booking_api.catalogue.schemas import service_dict, specialist_from_row
from booking_api.core.config import Settings
from booking_api.core.db import Database
from booking_api.models import Service, Specialist, SpecialistSchedule
from booking_api.schedules.schemas import schedule_dict

SERVICES = "/api/services/"
SPECIALISTS = "/api/specialists/"


def services_statement() -> Any:
    """The services list (``Services.list_statement`` without parameters, as columns)."""
    return repository.service_columns(repository.active_services()).order_by(Service.id)


def specialists_statement() -> Any:
    """The specialists list as columns, each row with its weekly rows as a last column: an
    array of (id, day of week, start, end) records in id order (NULL: none)."""
    week = (
        select(
            func.array_agg(
                aggregate_order_by(
                    tuple_(
                        SpecialistSchedule.id,
                        SpecialistSchedule.day_of_week,
                        SpecialistSchedule.start_time,
                        SpecialistSchedule.end_time,
                    ),
                    SpecialistSchedule.id,
                )
            )
        )
        .where(SpecialistSchedule.specialist_id == Specialist.id)
        .scalar_subquery()
    )
    stmt = repository.specialist_columns(repository.active_specialists())
    return stmt.add_columns(week).order_by(Specialist.id)


def _services(rows: list[Any], scope: Scope, settings: Settings) -> list[dict[str, Any]]:
    return [service_dict(*row) for row in rows]


def _specialists(rows: list[Any], scope: Scope, settings: Settings) -> list[dict[str, Any]]:
    base_url = str(Request(scope).base_url)
    answer = []
    for row in rows:
        specialist_id, week = row[0], row[-1] or ()
        schedules = [
            schedule_dict(i, specialist_id, day, start, end) for i, day, start, end in week
        ]
        url = photos.photo_url(row[4], base_url, settings)
        answer.append(specialist_from_row(tuple(row)[:-1], url, schedules))
    return answer


class HotCatalogue:
    """Pure ASGI: answers the two lists (see the module's docstring), else passes on."""

    def __init__(self, app: ASGIApp, *, db: Database, settings: Settings) -> None:
        self.app = app
        self.db = db
        self.settings = settings
        dialect = db.read_engine.dialect

        def sql(stmt: Any) -> str:
            return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))

        Shape = Callable[[list[Any], Scope, Settings], list[dict[str, Any]]]
        self.paths: dict[str, tuple[str, Shape, Any]] = {
            SERVICES: (sql(services_statement()), _services, hot_path.Matched(SERVICES)),
            SPECIALISTS: (
                sql(specialists_statement()),
                _specialists,
                hot_path.Matched(SPECIALISTS),
            ),
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hot = (
            self.paths.get(scope["path"])
            if scope["type"] == "http" and scope["method"] == "GET" and not scope["query_string"]
            else None
        )
        if hot is None or hot_path.has_header(scope, b"authorization"):
            await self.app(scope, receive, send)
            return
        sql, shape, route = hot
        rows = await self._from_replica(sql)
        if rows is None:
            try:
                rows = await hot_path.fetch(self.db.read_engine, sql)
            except Exception as exc:  # noqa: BLE001 - the route answers (or fails) it as usual
                hot_path.passed_on(exc, scope["path"])
                await self.app(scope, receive, send)
                return
        await hot_path.send_json(scope, send, shape(rows, scope, self.settings), route)

    async def _from_replica(self, sql: str) -> list[Any] | None:
        """The rows from the read replica when there is one and it answers (None: ask the
        primary); one that fails is rested like the routes rest it (``Database.replica_session``:
        one warning, the primary meanwhile)."""
        replica = self.db.replica
        if replica is None or not replica.usable:
            return None
        try:
            rows = await hot_path.fetch(replica.engine, sql)
        except Exception as exc:  # noqa: BLE001 - whatever keeps it from serving: the primary
            replica.lost(exc)
            return None
        replica.back()
        return rows


def install(app: Any, db: Database, settings: Settings) -> None:
    """On PostgreSQL, answer the two lists here (a no-op on SQLite)."""
    if db.dialect == "postgresql":
        app.add_middleware(HotCatalogue, db=db, settings=settings)
