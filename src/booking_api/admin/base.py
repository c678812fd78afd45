"""The admin's base view, with the habits of Django's admin.

Every relationship on the models is ``lazy="raise"``, so whatever a page shows is loaded up front:
sqladmin ``selectinload``s the relationships named in ``column_list``/``column_details_list``;
foreign keys without a relationship (``Break.specialist_id`` and the like) are resolved by
``fk_display`` in one query per page. Deletes follow Django's ``on_delete`` rules, the same
ones the API applies (``booking_api.api.deletion``).
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Sequence
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from sqladmin import ModelView
from sqladmin.fields import SelectField
from sqladmin.forms import get_model_form
from sqladmin.pagination import Pagination
from sqlalchemy import DateTime, select
from starlette.requests import Request
from wtforms import Form

from booking_api.admin.auth import is_staff
from booking_api.admin.display import LabelledConverter, object_label, select_order, type_formatters
from booking_api.api.deletion import delete_with_dependents
from booking_api.core.config import Settings


class StaffView(ModelView):
    """Shared defaults; ``mount_admin`` subclasses each view per app (see ``configure``)."""

    page_size = 50
    page_size_options = [25, 50, 100, 200]
    form_converter = LabelledConverter
    can_export = True
    export_types = ["csv"]

    tz: ClassVar[dt.tzinfo] = ZoneInfo("Europe/Moscow")
    settings: ClassVar[Settings | None] = None
    # Foreign keys without a relationship: column -> (model, shown in lists and details).
    fk_display: ClassVar[dict[str, type]] = {}
    # The same ones as select boxes in forms (sqladmin leaves bare foreign keys out of forms).
    fk_select: ClassVar[dict[str, type]] = {}

    def is_accessible(self, request: Request) -> bool:
        """Staff only (a specialist's own user signs in to the board and dashboard only)."""
        return is_staff(request)

    @classmethod
    def configure(cls, settings: Settings) -> dict[str, Any]:
        """Class attributes that depend on the app's settings."""
        tz = ZoneInfo(settings.time_zone)
        formatters = type_formatters(tz)
        attrs: dict[str, Any] = {
            "tz": tz,
            "settings": settings,
            "column_type_formatters": formatters,
            "column_type_formatters_detail": formatters,
        }
        form_args = {name: dict(args) for name, args in cls.form_args.items()}
        for column in cls.model.__table__.columns:  # type: ignore[attr-defined]
            if isinstance(getattr(column.type, "impl", column.type), DateTime):
                form_args.setdefault(column.key, {}).update(
                    display_timezone=tz, description=f"Время: {settings.time_zone}"
                )
        attrs["form_args"] = form_args
        if cls.fk_display:
            formatters_list = dict(cls.column_formatters)
            formatters_detail = dict(cls.column_formatters_detail)
            for name in cls.fk_display:
                formatters_list.setdefault(name, _fk_formatter)
                formatters_detail.setdefault(name, _fk_formatter)
            attrs["column_formatters"] = formatters_list
            attrs["column_formatters_detail"] = formatters_detail
        return attrs

    # Bare foreign keys: load the names for a page in one query, show them.

    async def _remember_fk_objects(self, request: Request, rows: Sequence[Any]) -> None:
        cache: dict[tuple[str, int], Any] = getattr(request.state, "admin_fk_cache", {})
        for name, model in self.fk_display.items():
            ids = {getattr(row, name) for row in rows} - {None}
            if ids:
                found = await self._run_query(select(model).where(model.id.in_(ids)))
                cache.update({(name, obj.id): obj for obj in found})
        request.state.admin_fk_cache = cache

    async def list(self, request: Request) -> Pagination:
        pagination = await super().list(request)
        await self._remember_fk_objects(request, pagination.rows)
        return pagination

    async def get_object_for_details(self, request: Request) -> Any:
        obj = await super().get_object_for_details(request)
        if obj is not None:
            await self._remember_fk_objects(request, [obj])
        return obj

    async def delete_model(self, request: Request, pk: Any) -> None:
        async with self.session_maker() as session:
            obj = await session.get(self.model, int(pk))
            if obj is None:
                return
            await self.on_model_delete(obj, request)
            await delete_with_dependents(session, self.model, [int(pk)])
            await session.commit()
        await self.after_model_delete(obj, request)
        await self._emit_audit(request, "delete", pk, None)

    async def scaffold_form(self, rules: builtins.list[str] | None = None) -> type[Form]:
        if self.form is not None:
            return self.form
        self._ajax_relation_names = set(self._form_ajax_refs.keys())
        # sqladmin appends validators to the lists it is given: hand it copies.
        form_args = {
            name: {
                key: list(value) if isinstance(value, list) else value
                for key, value in args.items()
            }
            for name, args in self.form_args.items()
        }
        overrides = dict(self._form_overrides)
        for name, model in self.fk_select.items():
            rows = await self._run_query(select(model).order_by(*select_order(model)))
            nullable = self.model.__table__.columns[name].nullable  # type: ignore[attr-defined]
            form_args.setdefault(name, {}).update(
                choices=[(obj.id, object_label(obj)) for obj in rows],
                coerce=int,
                allow_blank=nullable,
                blank_text="—",
            )
            overrides[name] = SelectField
        form = await get_model_form(
            model=self.model,
            session_maker=self.session_maker,
            only=self._form_prop_names,
            column_labels=self._column_labels,
            form_args=form_args,
            form_widget_args=self.form_widget_args,
            form_class=self.form_base_class,
            form_overrides=overrides,
            form_ajax_refs=self._form_ajax_refs,
            form_include_pk=bool(self.fk_select),  # bare FKs; ``form_columns`` leaves out the id
            form_converter=self.form_converter,
        )
        if rules:
            self._validate_form_class(rules, form)
        return form


def _fk_formatter(model: Any, name: str, request: Request) -> Any:
    value = getattr(model, name)
    if value is None:
        return ""
    obj = getattr(request.state, "admin_fk_cache", {}).get((name, value))
    return object_label(obj) if obj is not None else value
