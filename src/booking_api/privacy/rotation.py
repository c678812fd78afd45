"""``booking rotate-key``: re-encrypt every client, dialog context and webhook endpoint secret
with the current key."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from booking_api.core.crypto import ENC_MARK, Keyring, is_encrypted_json, mask_email, mask_phone
from booking_api.core.db import Database
from booking_api.models import Client, DialogContext
from booking_api.webhooks.models import WebhookEndpoint


async def rotate_all(
    database: Database, keyring: Keyring | None, *, batch: int = 200
) -> dict[str, int]:
    """Re-encrypt every client and dialog context with the current key (idempotent).

    Rows in plaintext are encrypted, rows under an old key re-encrypted, rows already under the
    current key left alone. Batched by primary key; each batch is one transaction.
    With no key, nothing is done (decrypting back to plaintext is not this command's job).
    """
    counts = {
        "clients_scanned": 0,
        "clients_updated": 0,
        "dialogs_scanned": 0,
        "dialogs_updated": 0,
        "webhook_secrets_updated": 0,
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
    counts["webhook_secrets_updated"] = await _rotate_webhook_secrets(database, keyring)
    return counts


async def _rotate_webhook_secrets(database: Database, keyring: Keyring) -> int:
    """Encrypt plain endpoint secrets, re-encrypt those under an old key (few rows: one go)."""
    table = WebhookEndpoint.__table__
    updated = 0
    async with database.write_sessions() as session:
        rows = (await session.execute(select(table.c.id, table.c.secret))).all()
        for row in rows:
            if row.secret.startswith("whsec_"):
                new = keyring.encrypt(row.secret)
            elif not keyring.is_current(row.secret):
                new = keyring.rotate(row.secret)
            else:
                continue
            updated += 1
            await session.execute(update(table).where(table.c.id == row.id).values(secret=new))
        await session.commit()
    return updated
