"""Webhook endpoint secrets at rest (``ENCRYPTION_KEY``): mapper events on ``WebhookEndpoint``.

The signing secret must be readable (every delivery signs with it), so it is encrypted, not
hashed: with a key, ``booking_webhookendpoint.secret`` holds the secret's Fernet token (the
same cipher and keys as client phone/email, :mod:`booking_api.core.crypto`); the object
carries the plain ``whsec_…`` secret in Python. Without a key the column holds the secret
itself, as before. A row written before the key was set (it starts with ``whsec_``) is still
read as it is; ``booking rotate-key`` encrypts it (:mod:`.rotation`).

The events are registered when this module is imported: by :mod:`booking_api.privacy` (the
API) and by the webhook job handlers (a worker process signs deliveries without the app).
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import InvalidToken
from sqlalchemy import event, inspect
from sqlalchemy.orm.attributes import set_committed_value

from booking_api.core.crypto import Keyring
from booking_api.privacy.hooks import keyring_for
from booking_api.webhooks.models import WebhookEndpoint

PLAIN_PREFIX = "whsec_"  # a secret in the Standard Webhooks format; a Fernet token is "gAAAA…"


def is_plain(stored: str | None) -> bool:
    return not stored or stored.startswith(PLAIN_PREFIX)


def stored_secret(secret: str, keyring: Keyring | None) -> str:
    """What the column holds for ``secret``."""
    return keyring.encrypt(secret) if keyring is not None and secret else secret


@event.listens_for(WebhookEndpoint, "before_insert")
@event.listens_for(WebhookEndpoint, "before_update")
def _before_write(mapper: Any, connection: Any, target: WebhookEndpoint) -> None:
    state = inspect(target)
    new = state.pending or state.transient
    if not (new or state.attrs["secret"].history.has_changes()):
        return
    keyring = keyring_for(state.session)
    plain = target.secret
    if keyring is None or not plain or not is_plain(plain):
        return
    target.__dict__["_booking_plain_secret"] = plain
    target.secret = keyring.encrypt(plain)


@event.listens_for(WebhookEndpoint, "after_insert")
@event.listens_for(WebhookEndpoint, "after_update")
def _after_write(mapper: Any, connection: Any, target: WebhookEndpoint) -> None:
    plain = target.__dict__.pop("_booking_plain_secret", None)
    if plain is not None:
        set_committed_value(target, "secret", plain)


def _decrypt(target: WebhookEndpoint, keyring: Keyring | None) -> None:
    stored = target.__dict__.get("secret")
    if is_plain(stored) or keyring is None:
        return
    try:
        set_committed_value(target, "secret", keyring.decrypt(stored))
    except InvalidToken:
        pass  # a key we do not have: deliveries fail (and are retried) until it is set


@event.listens_for(WebhookEndpoint, "load")
def _on_load(target: WebhookEndpoint, context: Any) -> None:
    _decrypt(target, keyring_for(context.session))


@event.listens_for(WebhookEndpoint, "refresh")
def _on_refresh(target: WebhookEndpoint, context: Any, attrs: Any) -> None:
    _decrypt(target, keyring_for(context.session))
