"""Personal data encrypted at rest (``ENCRYPTION_KEY``), with key rotation.

Cipher: Fernet (``cryptography``): AES-128-CBC + HMAC-SHA256, a random IV per message, a
versioned self-describing token. Chosen over raw AES-GCM because it leaves nothing to get
wrong (nonces, framing, key ids), and ``MultiFernet`` gives rotation for free: decrypt with
any of the keys, encrypt with the first, ``rotate()`` re-encrypts. The ciphertext is longer
than AES-GCM's (~100 chars for a phone) — it lives in ``text`` columns, so that is no cost.

Keys: ``ENCRYPTION_KEY`` (any string of at least 32 characters, e.g. the output of
``Fernet.generate_key()``) and ``ENCRYPTION_OLD_KEYS`` (comma-separated) after a rotation.
Each is stretched with HKDF-SHA256 into two independent keys: the Fernet key and the HMAC
key of the phone lookup hash (so the lookup hash reveals nothing about the cipher key).

What is stored (``booking_client``), with a key:

* ``phone`` / ``email`` (Django's columns) — a masked value, ``+7•••••4567`` / ``a•••@mail.ru``;
* ``phone_encrypted`` / ``email_encrypted`` — the Fernet tokens;
* ``phone_hash`` — HMAC-SHA256 of the normalised phone: ``?phone=`` exact match.

``booking_dialogcontext.data`` holds ``{"$fernet": "<token of the JSON>"}``.
Without a key the plain columns are used exactly as before, and the new columns stay NULL.

The ORM does the work (mapper events below): objects always carry plaintext in Python; the
masked/ciphertext values exist only in the rows. Which keys apply is bound to a session factory
by :func:`attach` (``create_app`` does it), else taken from the process settings.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

ENC_MARK = "$fernet"
_NOT_DIGITS = re.compile(r"[^\d+]")


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"booking-assistant", info=purpose
    ).derive(secret.encode())


def split_keys(value: Any) -> list[str]:
    if value is None:
        return []
    if hasattr(value, "get_secret_value"):
        value = value.get_secret_value()
    return [k.strip() for k in str(value).split(",") if k.strip()]


def normalise_phone(phone: str) -> str:
    """``+7 (900) 123-45-67`` → ``+79001234567``: the form hashed for lookups."""
    return _NOT_DIGITS.sub("", phone or "")


def mask_phone(phone: str) -> str:
    """``+79001234567`` → ``+7•••••4567`` (never longer than the input: fits varchar(20))."""
    if not phone:
        return ""
    if len(phone) <= 6:
        return "•" * len(phone)
    head = 2
    return phone[:head] + "•" * min(5, len(phone) - head - 4) + phone[-4:]


def mask_email(email: str) -> str:
    if not email:
        return ""
    local, _, domain = email.partition("@")
    return (local[:1] + "•••" + ("@" + domain if domain else ""))[:254]


@dataclass(frozen=True)
class Keyring:
    """The current key (encrypts) and the old ones (only decrypt)."""

    fernet: MultiFernet
    current: Fernet
    hash_keys: tuple[bytes, ...]  # current first

    @classmethod
    def from_keys(cls, current: str, old: list[str] | tuple[str, ...] = ()) -> Keyring:
        keys = [current, *[k for k in old if k != current]]
        fernets = [Fernet(base64.urlsafe_b64encode(_derive(k, b"fernet"))) for k in keys]
        return cls(MultiFernet(fernets), fernets[0], tuple(_derive(k, b"phone-hash") for k in keys))

    # ----------------------------------------------------------- values

    def encrypt(self, text: str) -> str:
        return self.fernet.encrypt(text.encode()).decode()

    def decrypt(self, token: str) -> str:
        return self.fernet.decrypt(token.encode()).decode()

    def rotate(self, token: str) -> str:
        return self.fernet.rotate(token.encode()).decode()

    def is_current(self, token: str) -> bool:
        """True when ``token`` was made with the current key."""
        try:
            self.current.decrypt(token.encode())
        except InvalidToken:
            return False
        return True

    def phone_hash(self, phone: str, key: bytes | None = None) -> str:
        return hmac.new(
            key or self.hash_keys[0], normalise_phone(phone).encode(), hashlib.sha256
        ).hexdigest()

    def lookup_hashes(self, phone: str) -> list[str]:
        """The phone's hash under every key (rows not yet rotated still match)."""
        return [self.phone_hash(phone, key) for key in self.hash_keys]

    def encrypt_json(self, data: Any) -> dict[str, str]:
        return {ENC_MARK: self.encrypt(json.dumps(data, ensure_ascii=False, default=str))}

    def decrypt_json(self, stored: Any) -> Any:
        if is_encrypted_json(stored):
            return json.loads(self.decrypt(stored[ENC_MARK]))
        return stored


def is_encrypted_json(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {ENC_MARK}


def keyring_from_settings(settings: Any) -> Keyring | None:
    current = split_keys(getattr(settings, "encryption_key", None))
    if not current:
        return None
    return Keyring.from_keys(current[0], split_keys(getattr(settings, "encryption_old_keys", None)))


_cache: dict[tuple[str, ...], Keyring] = {}


def cached_keyring(settings: Any) -> Keyring | None:
    """:func:`keyring_from_settings`, derived once per set of keys."""
    current = split_keys(getattr(settings, "encryption_key", None))
    if not current:
        return None
    ids = (current[0], *split_keys(getattr(settings, "encryption_old_keys", None)))
    if ids not in _cache:
        _cache[ids] = Keyring.from_keys(ids[0], ids[1:])
    return _cache[ids]


# --------------------------------------------------------------------------- binding

_INFO_KEY = "booking_keyring"
_default: list[Keyring | None] = []


def attach(database: Any, settings: Any) -> Keyring | None:
    """Bind the settings' keys to a :class:`~booking_api.core.db.Database`'s sessions."""
    keyring = cached_keyring(settings)
    for factory in (database.read_sessions, database.write_sessions):
        info = dict(factory.kw.get("info") or {})
        info[_INFO_KEY] = keyring
        factory.kw["info"] = info
    return keyring


def _process_default() -> Keyring | None:
    if not _default:
        from booking_api.core.config import get_settings

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


def _after_client_write(mapper: Any, connection: Any, target: Any) -> None:
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


def install_events() -> None:
    from booking_api.models import Client, DialogContext

    if getattr(install_events, "_done", False):
        return
    install_events._done = True  # type: ignore[attr-defined]
    for kind in ("before_insert", "before_update"):
        event.listen(Client, kind, _before_client_write)
        event.listen(DialogContext, kind, _before_dialog_write)
    for kind in ("after_insert", "after_update"):
        event.listen(Client, kind, _after_client_write)
        event.listen(DialogContext, kind, _after_client_write)
    event.listen(Client, "load", _on_client_load)
    event.listen(Client, "refresh", _on_client_refresh)
    event.listen(
        DialogContext,
        "load",
        lambda target, context: _decrypt_dialog(target, keyring_for(context.session)),
    )
    event.listen(
        DialogContext,
        "refresh",
        lambda target, context, attrs: _decrypt_dialog(target, keyring_for(context.session)),
    )


# --------------------------------------------------------------------------- rotate-key


async def rotate_all(database: Any, keyring: Keyring | None, *, batch: int = 200) -> dict[str, int]:
    """Re-encrypt every client and dialog context with the current key (idempotent).

    Rows in plaintext are encrypted, rows under an old key re-encrypted, rows already under the
    current key left alone. Batched by primary key; each batch is one transaction.
    With no key, nothing is done (decrypting back to plaintext is not this command's job).
    """
    from sqlalchemy import select, update

    from booking_api.models import Client, DialogContext

    counts = {
        "clients_scanned": 0,
        "clients_updated": 0,
        "dialogs_scanned": 0,
        "dialogs_updated": 0,
    }
    if keyring is None:
        return counts
    table = Client.__table__
    last = 0
    while True:
        async with database.write_sessions() as session:
            rows = (
                await session.execute(
                    select(
                        table.c.id,
                        table.c.phone,
                        table.c.email,
                        table.c.phone_encrypted,
                        table.c.email_encrypted,
                        table.c.phone_hash,
                    )
                    .where(table.c.id > last)
                    .order_by(table.c.id)
                    .limit(batch)
                )
            ).all()
            if not rows:
                break
            for row in rows:
                last = row.id
                counts["clients_scanned"] += 1
                values: dict[str, Any] = {}
                for name, mask in (("phone", mask_phone), ("email", mask_email)):
                    token = getattr(row, f"{name}_encrypted")
                    if token:
                        if keyring.is_current(token):
                            plain = None
                        else:
                            plain = keyring.decrypt(token)
                            values[f"{name}_encrypted"] = keyring.rotate(token)
                    else:
                        plain = getattr(row, name) or ""
                        if plain:
                            values[f"{name}_encrypted"] = keyring.encrypt(plain)
                            values[name] = mask(plain)
                    if name == "phone":
                        if plain is None:
                            plain = keyring.decrypt(token)
                        wanted = keyring.phone_hash(plain) if plain else None
                        if row.phone_hash != wanted:
                            values["phone_hash"] = wanted
                if values:
                    counts["clients_updated"] += 1
                    await session.execute(
                        update(table).where(table.c.id == row.id).values(**values)
                    )
            await session.commit()
    dtable = DialogContext.__table__
    last = 0
    while True:
        async with database.write_sessions() as session:
            rows = (
                await session.execute(
                    select(dtable.c.id, dtable.c.data)
                    .where(dtable.c.id > last)
                    .order_by(dtable.c.id)
                    .limit(batch)
                )
            ).all()
            if not rows:
                break
            for row in rows:
                last = row.id
                counts["dialogs_scanned"] += 1
                data = row.data
                if is_encrypted_json(data):
                    if keyring.is_current(data[ENC_MARK]):
                        continue
                    new = {ENC_MARK: keyring.rotate(data[ENC_MARK])}
                else:
                    new = keyring.encrypt_json(data if data is not None else {})
                counts["dialogs_updated"] += 1
                await session.execute(update(dtable).where(dtable.c.id == row.id).values(data=new))
            await session.commit()
    return counts
