"""``/api/business/``: the business profile (name, address, phone, opening hours, a FAQ),
public to read like the catalogue; staff write it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from booking_api.api.deps import CtxDep, ReadSession, WriteSession
from booking_api.api.openapi import ERRORS, register_schema
from booking_api.business import repository
from booking_api.business.schemas import (
    EXAMPLE,
    PROFILE_FIELDS,
    BusinessOut,
    represent,
    validate_profile,
)
from booking_api.core.fields import object_schema
from booking_api.core.http import JSON, read_body

router = APIRouter(tags=["Business"])

_WRITE_DOC = (
    "Staff only. Every text has an English twin (`*_en`, empty when there is none); `faq` is "
    "a list of `{question, answer, question_en, answer_en}`, replaced as a whole when sent."
)


def _body(partial: bool) -> dict[str, Any]:
    name = "PatchedBusinessWrite" if partial else "BusinessWrite"
    schema = register_schema(name, object_schema(PROFILE_FIELDS, partial=partial))
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema, "example": EXAMPLE}},
        }
    }


_ANSWER = {200: {"content": {"application/json": {"example": EXAMPLE}}}}


@router.get(
    "/business/",
    summary="The business profile",
    description="Name, address, phone, opening hours and answers to common questions, in "
    "Russian and English (public). Every text is empty until staff fill it in.",
    response_model=BusinessOut,
    responses=_ANSWER,
    operation_id="business_retrieve",
)
async def get_business(session: ReadSession) -> Any:
    return JSON(represent(await repository.load(session)))


async def _write(request: Request, session: Any, ctx: Any, *, partial: bool) -> JSON:
    ctx.require_staff()
    values = validate_profile(await read_body(request), partial=partial)
    return JSON(represent(await repository.save(session, values, replace=not partial)))


@router.patch(
    "/business/",
    summary="Change part of the business profile",
    description=_WRITE_DOC,
    response_model=BusinessOut,
    responses={**_ANSWER, **ERRORS(400, 401, 403, 415)},
    openapi_extra=_body(partial=True),
    operation_id="business_partial_update",
)
async def patch_business(request: Request, session: WriteSession, ctx: CtxDep) -> Any:
    return await _write(request, session, ctx, partial=True)


@router.put(
    "/business/",
    summary="Replace the business profile",
    description=_WRITE_DOC + " A field left out is emptied.",
    response_model=BusinessOut,
    responses={**_ANSWER, **ERRORS(400, 401, 403, 415)},
    openapi_extra=_body(partial=False),
    operation_id="business_update",
)
async def put_business(request: Request, session: WriteSession, ctx: CtxDep) -> Any:
    return await _write(request, session, ctx, partial=False)
