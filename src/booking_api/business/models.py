"""The business profile: one row of what a client asks about the place itself."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from booking_api.core.db import Base

_EMPTY = text("''")


class BusinessProfile(Base):
    """Name, address, phone, opening hours and a short FAQ, each text with its English twin
    (``<field>_en``, empty = none). ``faq`` is a list of ``{"question", "answer",
    "question_en", "answer_en"}``. One row (id 1), made from the settings when first read."""

    __tablename__ = "booking_businessprofile"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="", server_default=_EMPTY)
    name_en: Mapped[str] = mapped_column(String(200), default="", server_default=_EMPTY)
    address: Mapped[str] = mapped_column(Text, default="", server_default=_EMPTY)
    address_en: Mapped[str] = mapped_column(Text, default="", server_default=_EMPTY)
    phone: Mapped[str] = mapped_column(String(40), default="", server_default=_EMPTY)
    opening_hours: Mapped[str] = mapped_column(Text, default="", server_default=_EMPTY)
    opening_hours_en: Mapped[str] = mapped_column(Text, default="", server_default=_EMPTY)
    faq: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
