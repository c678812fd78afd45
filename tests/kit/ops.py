"""The production-shape tests' tools: the app's log lines captured, a TLS certificate."""

from __future__ import annotations

import datetime as dt
import io
import ipaddress
import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from booking_common.logging import configure_logging


@contextmanager
def captured_logs(level: str = "DEBUG", *, this_thread: bool = False) -> Iterator[io.StringIO]:
    """Everything the app logs, through the production handler (JSON, redaction) into a buffer.

    The capture is process-wide: ``this_thread`` keeps only the lines of the calling thread
    (the test's event loop), leaving out the servers other tests run in threads (a live API
    whose job runner retries its Telegram jobs, say)."""
    buffer = io.StringIO()
    root = logging.getLogger()
    old_level = root.level
    handler = configure_logging(level, "json", stream=buffer)
    if this_thread:
        ident = threading.get_ident()
        handler.addFilter(lambda record: record.thread == ident)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        for name in (
            "uvicorn",
            "uvicorn.error",
            "uvicorn.access",
            "booking_api",
            "booking_mcp",
            "booking_bot",
        ):
            logging.getLogger(name).setLevel(logging.NOTSET)


def json_lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]


def self_signed_cert(tmp: Path) -> tuple[Path, Path]:
    """A certificate for localhost / 127.0.0.1 and its key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path
