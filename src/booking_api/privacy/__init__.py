"""Personal data encrypted at rest (``ENCRYPTION_KEY``): the ORM hooks that encrypt client
phone/email and dialog contexts on write and decrypt them on load (:mod:`.hooks`), webhook
endpoint secrets likewise (:mod:`.webhook_secrets`), and
``booking rotate-key`` (:mod:`.rotation`). The cipher, the masks and the keys themselves are
in :mod:`booking_api.core.crypto`."""

from __future__ import annotations

from typing import Any

from booking_api.core.crypto import Keyring
from booking_api.core.db import Database
from booking_api.privacy import webhook_secrets as _webhook_secrets  # noqa: F401 - its events
from booking_api.privacy.hooks import attach, install_events


def install(database: Database, settings: Any) -> Keyring | None:
    """Encrypt and decrypt through the ORM, with the settings' keys for ``database``'s
    sessions (without ``ENCRYPTION_KEY`` the plain columns are used, as before)."""
    install_events()
    return attach(database, settings)
