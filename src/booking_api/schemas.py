"""Response shapes, for the OpenAPI document (responses are rendered by the resources)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class NestedUser(BaseModel):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str


class CategoryOut(BaseModel):
    id: int
    name: str = Field(max_length=100, examples=["Ногтевой сервис"])
    description: str


class ScheduleOut(BaseModel):
    id: int
    specialist: int
    day_of_week: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")
    day_name: str = Field(examples=["Понедельник"])
    start_time: str = Field(examples=["09:00:00"])
    end_time: str = Field(examples=["18:00:00"])


class SpecialistOut(BaseModel):
    id: int
    user: NestedUser | None
    name: str
    specialization: str
    description: str
    photo: str | None = Field(description="Absolute URL of the photo")
    city: str = Field(examples=["Казань"])
    is_active: bool
    schedules: list[ScheduleOut]
    telegram_id: str | None = Field(description="New: chat id for booking notifications")
    language: str = Field(description="New: language of those notifications (ru, en)")


class ServiceOut(BaseModel):
    id: int
    name: str
    description: str
    price: str = Field(examples=["1500.00"])
    duration: int = Field(description="Minutes")
    specialist: int
    specialist_name: str
    category: int | None
    category_name: str | None = Field(None, description="Left out when there is no category")
    is_active: bool
    buffer_before: int = Field(description="Minutes kept free before each booking")
    buffer_after: int = Field(description="Minutes kept free after each booking")


class ClientOut(BaseModel):
    id: int
    user: NestedUser | None
    name: str
    phone: str
    email: str
    city: str
    telegram_id: str | None
    language: str


class BreakOut(BaseModel):
    id: int
    specialist: int
    day_of_week: int | None
    start_time: str
    end_time: str


class TimeOffOut(BaseModel):
    id: int
    specialist: int
    start: dt.datetime
    end: dt.datetime
    reason: str


class TokenPair(BaseModel):
    refresh: str
    access: str


class AccessToken(BaseModel):
    access: str


class TelegramAuthOut(TokenPair):
    client: ClientOut
