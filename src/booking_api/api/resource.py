"""A DRF ModelViewSet in FastAPI terms.

A ``Resource`` says how one model is listed, shown, validated and written; ``crud_router``
turns it into the six routes every DRF viewset has (list, create, retrieve, update,
partial_update, destroy), with DRF's search, ordering, pagination, errors and the OpenAPI
description. Per-resource modules only override what differs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from booking_api.api import repository
from booking_api.api.deletion import delete_with_dependents
from booking_api.api.deps import Ctx, CtxDep, WriteSession, read_session, replica_session
from booking_api.api.openapi import ERRORS, register_schema
from booking_api.api.repository import SearchField, icontains
from booking_api.core.errors import NotFound, ValidationError
from booking_api.core.fields import (
    Field,
    PrimaryKeyField,
    lookup_id,
    missing_pk,
    object_schema,
    validate_fields,
)
from booking_api.core.http import JSON, Page, positive_int, read_body
from booking_api.models import Base

__all__ = ["Resource", "SearchField", "crud_router", "fk_columns", "icontains", "parse_pk"]


def fk_columns(values: dict[str, Any], *names: str) -> None:
    """Move related ids from the API's names (``specialist``) to the columns (``specialist_id``)."""
    for name in names:
        if name in values:
            values[f"{name}_id"] = values.pop(name)


def parse_pk(raw: str) -> int:
    """A numeric id, else DRF's 404 "Not found." (never FastAPI's 422).

    A negative number is an id like any other to Django: it is simply not found, so it gets
    the model's "No ... matches the given query." from the lookup; so does one too big for
    the id columns (``lookup_id``).
    """
    digits = raw[1:] if raw.startswith("-") else raw
    if not digits.isascii() or not digits.isdigit() or len(digits) > 18:
        raise NotFound()
    return lookup_id(int(raw))


# The query parameters that change no list statement (the page is cut from it).
_PAGE_PARAMS = frozenset({"page", "page_size"})


class Resource(ABC):
    model: ClassVar[type[Base]]
    model_name: ClassVar[str]
    fields: ClassVar[dict[str, Field]] = {}
    search_fields: ClassVar[Sequence[SearchField]] = ()
    ordering_fields: ClassVar[dict[str, Any]] = {}
    read_schema: ClassVar[type | None] = None
    write_schema_name: ClassVar[str] = ""
    # Lists and details may come from the read replica (DATABASE_REPLICA_URL): the catalogue.
    replica_reads: ClassVar[bool] = False

    # --- queries ---------------------------------------------------------------------------
    def base_query(self, ctx: Ctx) -> Select[Any]:
        """Rows this user may see, before filters (no loader options here)."""
        return repository.rows_of(self.model)

    def list_query(self, ctx: Ctx) -> Select[Any]:
        """Rows the list shows (DRF lists may hide rows a detail route still finds)."""
        return self.base_query(ctx)

    def retrieve_query(self, ctx: Ctx) -> Select[Any]:
        """Rows ``GET /{prefix}/{id}/`` finds (DRF's ``queryset``; writes use ``base_query``)."""
        return self.base_query(ctx)

    def loader_options(self) -> Sequence[Any]:
        return ()

    def filter(self, stmt: Select[Any], params: dict[str, str]) -> Select[Any]:
        return stmt

    def search_fields_for(self, ctx: Ctx) -> Sequence[SearchField]:
        """The ``?search=`` matchers for this request (a resource may add some per setting)."""
        return self.search_fields

    def search(
        self, stmt: Select[Any], text: str | None, fields: Sequence[SearchField] | None = None
    ) -> Select[Any]:
        return repository.search(stmt, text, self.search_fields if fields is None else fields)

    def order(self, stmt: Select[Any], ordering: str | None) -> Select[Any]:
        return repository.order(stmt, ordering, self.ordering_fields, self.model)

    async def prepare(self, session: AsyncSession, ctx: Ctx) -> None:
        """Load what ``base_query`` needs to know about the user (e.g. their profile ids)."""

    async def get_object(
        self, session: AsyncSession, ctx: Ctx, pk: int, query: Select[Any] | None = None
    ) -> Any:
        """The row ``pk`` among ``query`` (default ``base_query``), relationships loaded afresh."""
        await self.prepare(session, ctx)
        query = self.base_query(ctx) if query is None else query
        obj = await repository.one_by_id(session, query, self.model, pk, self.loader_options())
        if obj is None:
            raise NotFound.model(self.model_name)
        return obj

    # --- representation --------------------------------------------------------------------
    @abstractmethod
    def represent(self, obj: Any, ctx: Ctx) -> dict[str, Any]:
        """The object as the API shows it (each resource defines its own)."""

    async def represent_many(
        self, session: AsyncSession, objs: Sequence[Any], ctx: Ctx
    ) -> list[dict[str, Any]]:
        return [self.represent(obj, ctx) for obj in objs]

    # --- lists without ORM objects (the hot reads) ---------------------------------------------
    def list_columns(self, stmt: Select[Any]) -> Select[Any] | None:
        """The list's statement (filtered, searched, ordered) reduced to the columns the answer
        needs, for :meth:`represent_rows`: plain rows, no ORM objects, identity map or loader
        options. ``None`` (the default) lists through the ORM and :meth:`represent`."""
        return None

    async def represent_rows(
        self, session: AsyncSession, rows: Sequence[Any], ctx: Ctx
    ) -> list[dict[str, Any]]:
        """The rows of :meth:`list_columns` as the API shows them (the same as ``represent``).
        Only called for a resource that sets :meth:`list_columns`, which must then define this
        too (checked when the class is made, by :meth:`__init_subclass__`)."""
        raise TypeError(f"{type(self).__name__} lists plain rows without represent_rows")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        rows = cls.list_columns is not Resource.list_columns
        shown = cls.represent_rows is not Resource.represent_rows
        if rows and not shown:
            raise TypeError(f"{cls.__name__} sets list_columns and must define represent_rows")

    # --- permissions -----------------------------------------------------------------------
    def check_read(self, ctx: Ctx) -> None:
        """Catalogue default: anyone reads."""

    def check_write(self, ctx: Ctx, action: str) -> None:
        """Catalogue default: only staff write."""
        ctx.require_staff()

    def check_object_write(self, ctx: Ctx, obj: Any, action: str) -> None:
        """Called with the object for update/destroy."""

    # --- writes ----------------------------------------------------------------------------
    def writable_fields(self, ctx: Ctx) -> dict[str, Field]:
        return self.fields

    async def validate(
        self, session: AsyncSession, ctx: Ctx, data: Any, obj: Any | None, partial: bool
    ) -> dict[str, Any]:
        values = validate_fields(self.writable_fields(ctx), data, partial=partial)
        await self.check_relations(session, values)
        await self.validate_object(session, ctx, values, obj)
        return values

    async def check_relations(self, session: AsyncSession, values: dict[str, Any]) -> None:
        """'Invalid pk "9" - object does not exist.' for every missing related id."""
        errors: dict[str, list[str]] = {}
        for name, field in self.fields.items():
            if isinstance(field, PrimaryKeyField) and values.get(name) is not None:
                if not await repository.exists(session, field.model, values[name]):
                    errors[name] = [missing_pk(values[name])]
        if errors:
            raise ValidationError(errors)

    async def validate_object(
        self, session: AsyncSession, ctx: Ctx, values: dict[str, Any], obj: Any | None
    ) -> None:
        """Rules across fields (DRF's ``Serializer.validate``)."""

    async def create(self, session: AsyncSession, ctx: Ctx, values: dict[str, Any]) -> Any:
        obj = self.model(**{k: v for k, v in values.items() if hasattr(self.model, k)})
        return await repository.insert(session, obj)

    async def update(
        self, session: AsyncSession, ctx: Ctx, obj: Any, values: dict[str, Any]
    ) -> Any:
        columns = {k: v for k, v in values.items() if hasattr(self.model, k)}
        return await repository.assign(session, obj, columns)

    async def destroy(self, session: AsyncSession, ctx: Ctx, obj: Any) -> None:
        """Delete with Django's on_delete rules (dependents cascade or are detached)."""
        session.expunge(obj)
        await delete_with_dependents(session, self.model, [obj.id])

    # --- listing ---------------------------------------------------------------------------
    def list_shape(self, ctx: Ctx) -> Any:
        """For a resource that lists plain rows: a key under which the list's statement, when
        no filter, search or ordering is asked, is the same SQL for every request (its SQL is
        then rendered once, ``repository.fixed_rows``); None when it depends on more than the
        key says (e.g. who asks)."""
        return None

    def list_statement(self, ctx: Ctx, params: dict[str, str]) -> Select[Any]:
        stmt = self.filter(self.list_query(ctx), params)
        stmt = self.search(stmt, params.get("search"), self.search_fields_for(ctx))
        return self.order(stmt, params.get("ordering"))

    async def fixed_list(
        self,
        request: Request,
        session: AsyncSession | None,
        ctx: Ctx,
        shape: Any,
        page_size: int | None,
        fetch: Any = None,
    ) -> Any:
        """:meth:`list_response` for a request of a fixed shape (only ``page``/``page_size``
        asked), answering the same; None for ``?page=last`` (the general way counts first).
        ``fetch(key, build)`` runs the statement (``repository.fixed_rows`` on ``session`` by
        default; the hot paths send its SQL to the driver themselves)."""
        params = dict(request.query_params)
        key = (type(self).__name__, shape, page_size)
        if fetch is None:

            async def fetch(key: Any, build: Any) -> Sequence[Any]:
                return await repository.fixed_rows(session, key, build)

        def columns() -> Select[Any]:
            columns = self.list_columns(self.list_statement(ctx, params))
            assert columns is not None  # list_shape is for resources listing plain rows
            return columns

        if page_size is None:
            rows = await fetch(key, columns)
            return await self.represent_rows(session, rows, ctx)
        number = Page.requested(request)
        if number is None:
            return None
        offset = (number - 1) * page_size

        def paged() -> Select[Any]:
            page = columns().limit(page_size).offset(offset)
            return repository.with_total(page, self.list_statement(ctx, params))

        rows, total = repository.split_total(await fetch((*key, offset), paged))
        page = Page(request, page_size, 0 if total is None else total)
        return page.envelope(await self.represent_rows(session, rows, ctx))

    async def list_response(self, request: Request, session: AsyncSession, ctx: Ctx) -> Any:
        params = dict(request.query_params)
        await self.prepare(session, ctx)
        page_size = positive_int(params.get("page_size"), cutoff=ctx.settings.max_page_size)
        if params.keys() <= _PAGE_PARAMS and (shape := self.list_shape(ctx)) is not None:
            answer = await self.fixed_list(request, session, ctx, shape, page_size)
            if answer is not None:
                return answer
        stmt = self.list_statement(ctx, params)
        columns = self.list_columns(stmt)
        if columns is not None:
            if page_size is None:
                return await self.represent_rows(
                    session, await repository.rows(session, columns), ctx
                )
            number = Page.requested(request)
            if number is None:  # ?page=last: the total first, then that page
                page = Page(request, page_size, await repository.count(session, stmt))
                rows = await repository.rows(session, columns.limit(page_size).offset(page.offset))
                return page.envelope(await self.represent_rows(session, rows, ctx))
            offset = (number - 1) * page_size
            query = columns.limit(page_size).offset(offset)
            rows, total = await repository.rows_and_total(session, query, stmt)
            # No row on page 1: there are none; none on a later page: it is past the last one.
            page = Page(request, page_size, 0 if total is None else total)
            return page.envelope(await self.represent_rows(session, rows, ctx))
        loaders = self.loader_options()
        if page_size is None:
            return await self.represent_many(
                session, await repository.every(session, stmt, loaders), ctx
            )
        page = Page(request, page_size, await repository.count(session, stmt))
        objs = await repository.page(session, stmt, loaders, limit=page_size, offset=page.offset)
        return page.envelope(await self.represent_many(session, objs, ctx))


def crud_router(resource: Resource, prefix: str, *, tag: str, extra_doc: str = "") -> APIRouter:
    """The six ModelViewSet routes for ``resource`` under ``/{prefix}/``."""
    router = APIRouter(tags=[tag])
    name = resource.model_name
    reads = Depends(replica_session if resource.replica_reads else read_session)
    read_model = resource.read_schema
    write_ref = register_schema(resource.write_schema_name, object_schema(resource.fields))
    patch_ref = register_schema(
        f"Patched{resource.write_schema_name}", object_schema(resource.fields, partial=True)
    )

    def body(ref: dict[str, Any]) -> dict[str, Any]:
        content = {"schema": ref}
        return {
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": content,
                    "application/x-www-form-urlencoded": content,
                    "multipart/form-data": content,
                },
            }
        }

    @router.get(
        f"/{prefix}/",
        summary=f"List {name} objects",
        description=(
            "A plain array; with `?page_size=N` (max 100) a DRF page "
            "`{count, next, previous, results}` and `?page=M`. " + extra_doc
        ),
        response_model=list[read_model] if read_model else None,  # type: ignore[valid-type]
        responses=ERRORS(400, 401, 404),  # 400: a malformed filter; 404: a page out of range
        operation_id=f"{prefix.replace('-', '_')}_list",
    )
    async def list_(request: Request, ctx: CtxDep, session: AsyncSession = reads) -> Any:
        resource.check_read(ctx)
        return JSON(await resource.list_response(request, session, ctx))

    @router.post(
        f"/{prefix}/",
        status_code=201,
        summary=f"Create a {name}",
        response_model=read_model,
        responses=ERRORS(400, 401, 403, 415),
        openapi_extra=body(write_ref),
        operation_id=f"{prefix.replace('-', '_')}_create",
    )
    async def create(request: Request, session: WriteSession, ctx: CtxDep) -> Any:
        resource.check_write(ctx, "create")
        data = await read_body(request)
        values = await resource.validate(session, ctx, data, None, partial=False)
        obj = await resource.create(session, ctx, values)
        await session.commit()
        obj = await resource.get_object(session, ctx, obj.id)
        return JSON(resource.represent(obj, ctx), status_code=201)

    @router.get(
        f"/{prefix}/{{pk}}/",
        summary=f"Retrieve a {name}",
        response_model=read_model,
        responses=ERRORS(401, 404),
        operation_id=f"{prefix.replace('-', '_')}_retrieve",
    )
    async def retrieve(pk: str, ctx: CtxDep, session: AsyncSession = reads) -> Any:
        resource.check_read(ctx)
        await resource.prepare(session, ctx)
        query = resource.retrieve_query(ctx)
        obj = await resource.get_object(session, ctx, parse_pk(pk), query)
        return JSON(resource.represent(obj, ctx))

    async def _update(request: Request, session: AsyncSession, ctx: Ctx, pk: str, partial: bool):
        resource.check_write(ctx, "update")
        obj = await resource.get_object(session, ctx, parse_pk(pk))
        resource.check_object_write(ctx, obj, "update")
        data = await read_body(request)
        values = await resource.validate(session, ctx, data, obj, partial=partial)
        await resource.update(session, ctx, obj, values)
        await session.commit()
        obj = await resource.get_object(session, ctx, obj.id)
        return JSON(resource.represent(obj, ctx))

    @router.put(
        f"/{prefix}/{{pk}}/",
        summary=f"Replace a {name}",
        response_model=read_model,
        responses=ERRORS(400, 401, 403, 404, 415),
        openapi_extra=body(write_ref),
        operation_id=f"{prefix.replace('-', '_')}_update",
    )
    async def update(pk: str, request: Request, session: WriteSession, ctx: CtxDep) -> Any:
        return await _update(request, session, ctx, pk, partial=False)

    @router.patch(
        f"/{prefix}/{{pk}}/",
        summary=f"Change some fields of a {name}",
        response_model=read_model,
        responses=ERRORS(400, 401, 403, 404, 415),
        openapi_extra=body(patch_ref),
        operation_id=f"{prefix.replace('-', '_')}_partial_update",
    )
    async def partial_update(pk: str, request: Request, session: WriteSession, ctx: CtxDep) -> Any:
        return await _update(request, session, ctx, pk, partial=True)

    @router.delete(
        f"/{prefix}/{{pk}}/",
        status_code=204,
        summary=f"Delete a {name}",
        responses=ERRORS(401, 403, 404),
        operation_id=f"{prefix.replace('-', '_')}_destroy",
    )
    async def destroy(pk: str, session: WriteSession, ctx: CtxDep) -> Response:
        resource.check_write(ctx, "destroy")
        obj = await resource.get_object(session, ctx, parse_pk(pk))
        resource.check_object_write(ctx, obj, "destroy")
        await resource.destroy(session, ctx, obj)
        await session.commit()
        return Response(status_code=204)

    return router
