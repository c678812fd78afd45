"""The ORM side of encryption at rest: mapper events on ``Client`` and ``DialogContext``.

Before a row is written, the plaintext phone/email become the masked values, the Fernet
tokens and the phone's lookup hash (a dialog context's ``data`` becomes ``{"$fernet": …}``);
after the write, and when a row is loaded or refreshed, the object gets its plaintext back.
Which keys apply is bound to a database's session factories by :func:`attach`
(``create_app`` does it), else taken from the process settings.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import InvalidToken
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from booking_api.core.config import get_settings
from booking_api.core.crypto import (
    Keyring,
    cached_keyring,
    is_encrypted_json,
    mask_email,
    mask_phone,
)
from booking_api.core.db import Database
from booking_api.models import Client, DialogContext

_INFO_KEY = "booking_keyring"
_default: list[Keyring | None] = []


# --------------------------------------------------------------------------- binding


def attach(database: Database, settings: Any) -> Keyring | None:
    """Bind the settings' keys to a :class:`~booking_api.core.db.Database`'s sessions."""
    keyring = cached_keyring(settings)
    for factory in (database.read_sessions, database.write_sessions):
        info = dict(factory.kw.get("info") or {})
        info[_INFO_KEY] = keyring
        factory.kw["info"] = info
    return keyring


def _process_default() -> Keyring | None:
    if not _default:
        _default.append(cached_keyring(get_settings()))
    return _default[0]


def keyring_for(session: Session | None) -> Keyring | None:
    if session is not None and _INFO_KEY in session.info:
        return session.info[_INFO_KEY]
    return _process_default()


# --------------------------------------------------------------------------- ORM events


def _changed(target: Any, name: str) -> bool:
    return inspect(target).attrs[name].history.has_changes()


def _client_row_values(target: Any, keyring: Keyring | None, *, force: bool) -> dict[str, Any]:
    """What the row's columns must hold for the object's plaintext phone/email."""
    values: dict[str, Any] = {}
    for name, mask in (("phone", mask_phone), ("email", mask_email)):
        if not (force or _changed(target, name)):
            continue
        plain = getattr(target, name) or ""
        if keyring is None:
            values[name] = plain
            values[f"{name}_encrypted"] = None
            if name == "phone":
                values["phone_hash"] = None
        else:
            values[name] = mask(plain)
            values[f"{name}_encrypted"] = keyring.encrypt(plain) if plain else None
            if name == "phone":
                values["phone_hash"] = keyring.phone_hash(plain) if plain else None
    return values


def _before_client_write(mapper: Any, connection: Any, target: Any) -> None:
    keyring = keyring_for(inspect(target).session)
    new = inspect(target).pending or inspect(target).transient
    values = _client_row_values(target, keyring, force=bool(new and keyring))
    plain = {name: getattr(target, name) for name in ("phone", "email") if name in values}
    for name, value in values.items():
        setattr(target, name, value)
    target.__dict__["_booking_plain"] = plain


def _after_write(mapper: Any, connection: Any, target: Any) -> None:
    plain = target.__dict__.pop("_booking_plain", None) or {}
    for name, value in plain.items():
        set_committed_value(target, name, value)


def _decrypt_client(target: Any, keyring: Keyring | None) -> None:
    state = target.__dict__
    for name in ("phone", "email"):
        token = state.get(f"{name}_encrypted")
        if token and keyring is not None and name in state:
            try:
                set_committed_value(target, name, keyring.decrypt(token))
            except InvalidToken:
                pass  # a key we do not have: leave the masked value


def _on_client_load(target: Any, context: Any) -> None:
    _decrypt_client(target, keyring_for(context.session))


def _on_client_refresh(target: Any, context: Any, attrs: Any) -> None:
    _decrypt_client(target, keyring_for(context.session))


def _before_dialog_write(mapper: Any, connection: Any, target: Any) -> None:
    keyring = keyring_for(inspect(target).session)
    new = inspect(target).pending or inspect(target).transient
    if not (new or _changed(target, "data")):
        return
    plain = target.data if target.data is not None else {}
    target.__dict__["_booking_plain"] = {"data": plain}
    target.data = keyring.encrypt_json(plain) if keyring else plain


def _decrypt_dialog(target: Any, keyring: Keyring | None) -> None:
    stored = target.__dict__.get("data")
    if is_encrypted_json(stored) and keyring is not None:
        try:
            set_committed_value(target, "data", keyring.decrypt_json(stored))
        except InvalidToken:
            set_committed_value(target, "data", {})


def _on_dialog_load(target: Any, context: Any) -> None:
    _decrypt_dialog(target, keyring_for(context.session))


def _on_dialog_refresh(target: Any, context: Any, attrs: Any) -> None:
    _decrypt_dialog(target, keyring_for(context.session))


def install_events() -> None:
    """Listen to the mapper events (once per process)."""
    if event.contains(Client, "load", _on_client_load):
        return
    for kind in ("before_insert", "before_update"):
        event.listen(Client, kind, _before_client_write)
        event.listen(DialogContext, kind, _before_dialog_write)
    for kind in ("after_insert", "after_update"):
        event.listen(Client, kind, _after_write)
        event.listen(DialogContext, kind, _after_write)
    event.listen(Client, "load", _on_client_load)
    event.listen(Client, "refresh", _on_client_refresh)
    event.listen(DialogContext, "load", _on_dialog_load)
    event.listen(DialogContext, "refresh", _on_dialog_refresh)
