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

This module is the cipher, the masks and the keys only. The ORM does the work with them
(mapper events in :mod:`booking_api.privacy`): objects always carry plaintext in Python; the
masked/ciphertext values exist only in the rows. ``booking rotate-key`` re-encrypts the rows
(:mod:`booking_api.privacy.rotation`).
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
