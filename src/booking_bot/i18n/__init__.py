"""Translations: gettext catalogues (``locales/<lang>/LC_MESSAGES/messages.po``) for aiogram's I18n.

Why compile at runtime: aiogram's ``I18n`` reads compiled ``.mo`` files, but committing build
artefacts (or adding a build step to ``uv sync``) is easy to get wrong.  :class:`CatalogueI18n`
reads the ``.po`` sources with Babel and compiles them in memory into the same
``gettext.GNUTranslations`` objects, so the standard tooling still works
(``pybabel extract -k _ -k __ src/booking_bot``, Poedit, …) and there is nothing to rebuild.

Message ids are the English texts, so English needs no translations; Russian is the default
language.  Users whose Telegram language is English get English, everyone else Russian.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"
DEFAULT_LOCALE = "ru"
SUPPORTED = ("ru", "en")


class CatalogueI18n(I18n):
    """aiogram's I18n, fed from ``.po`` files compiled in memory."""

    @contextmanager
    def context(self) -> Iterator[I18n]:
        # aiogram's ContextInstanceMixin keeps one context variable per class, and
        # ``gettext``/``_`` look up ``I18n``'s: register this instance there.
        token = I18n.set_current(self)
        try:
            yield self
        finally:
            I18n.reset_current(token)

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        translations: dict[str, gettext.GNUTranslations] = {}
        for folder in sorted(self.path.iterdir()):
            po_path = folder / "LC_MESSAGES" / f"{self.domain}.po"
            if not po_path.exists():
                continue
            with po_path.open("rb") as source:
                catalog = read_po(source, locale=folder.name)
            buffer = io.BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            translations[folder.name] = gettext.GNUTranslations(buffer)
        return translations


def locale_for(language_code: str | None, default: str = DEFAULT_LOCALE) -> str:
    """English for English-speaking Telegram users, the default (Russian) for everyone else."""
    if language_code and language_code.lower().split("-")[0].split("_")[0] == "en":
        return "en"
    return default


class UserLanguageMiddleware(I18nMiddleware):
    """Picks the locale the user chose in the conversation (``/lang``, kept in the state data
    as ``language``), else the one of the Telegram user's ``language_code``."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        state: FSMContext | None = data.get("state")
        chosen = (await state.get_data()).get("language") if state is not None else None
        if chosen in SUPPORTED:
            return str(chosen)
        user: User | None = data.get("event_from_user")
        return locale_for(user.language_code if user else None, self.i18n.default_locale)


_default: CatalogueI18n | None = None


def make_i18n(default_locale: str = DEFAULT_LOCALE) -> CatalogueI18n:
    return CatalogueI18n(path=LOCALES_DIR, default_locale=default_locale, domain=DOMAIN)


def default_i18n() -> CatalogueI18n:
    """A process-wide instance (catalogues are read once)."""
    global _default
    if _default is None:
        _default = make_i18n()
    return _default


def current_locale() -> str:
    i18n = I18n.get_current(no_error=True)
    return i18n.current_locale if i18n is not None else DEFAULT_LOCALE
