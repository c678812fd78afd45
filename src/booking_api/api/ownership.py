"""Rows that belong to a client (appointments, waitlist entries).

Staff see and change all of them; a client only their own, and the ``client`` field of what
they create defaults to (and may only be) themselves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.api.deps import Ctx
from booking_api.clients.service import NOT_A_CLIENT
from booking_api.core.errors import PermissionDenied
from booking_api.core.fields import Field, PrimaryKeyField
from booking_api.models import Client


class ClientOwned:
    """Mixin for a ``Resource`` whose model has ``client_id``."""

    fields: dict[str, Field]

    def check_read(self, ctx: Ctx) -> None:
        ctx.require_user()

    def check_object_write(self, ctx: Ctx, obj: Any, action: str) -> None:
        if ctx.is_staff:
            return
        if ctx.client_id is None or obj.client_id != ctx.client_id:
            raise PermissionDenied()

    def writable_fields(self, ctx: Ctx) -> dict[str, Field]:
        if ctx.is_staff:
            return self.fields
        return {**self.fields, "client": PrimaryKeyField(Client, required=False)}

    async def claim_for_client(
        self, session: AsyncSession, ctx: Ctx, values: dict[str, Any], obj: Any | None
    ) -> None:
        """A client acts only for themselves; on create ``client`` defaults to them."""
        await ctx.load_profiles(session)
        if ctx.is_staff:
            return
        if ctx.client_id is None:
            raise PermissionDenied(NOT_A_CLIENT)
        if values.get("client", ctx.client_id) != ctx.client_id:
            raise PermissionDenied()
        if obj is None:
            values["client"] = ctx.client_id
