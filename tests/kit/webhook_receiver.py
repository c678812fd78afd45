"""A real webhook receiver on 127.0.0.1 for tests and the benchmark.

A threaded HTTP server (its own threads, so a worker in the test's event loop or in another
process can call it) that verifies every request with the Standard Webhooks library's own
verifier, ``standardwebhooks.Webhook(secret).verify`` — what a receiver built with
off-the-shelf code does — and answers as the test scripts it: fail the first N requests of
each event, answer some status always, or take a while.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass
class Received:
    msg_id: str
    verified: bool
    answered: int
    body: dict[str, Any] | None
    headers: dict[str, str]
    at: float


@dataclass
class Receiver:
    secret: str | None = None
    fail_first: int = 0  # per event id: answer 500 to its first N requests
    status: int | None = None  # answer this to every verified request
    delay: float = 0.0
    location: str | None = None  # with a 3xx status: where to
    received: list[Received] = field(default_factory=list)
    peak: int = 0  # the most requests it was answering at one time
    _busy: int = 0
    _seen: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    # --- what a test reads ------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks"

    def acknowledged(self) -> Counter[str]:
        """How many times each event id was answered 2xx (after a valid signature)."""
        with self._lock:
            return Counter(r.msg_id for r in self.received if r.verified and r.answered < 300)

    def requests(self, msg_id: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self.received if msg_id is None or r.msg_id == msg_id]

    def wait_for(self, count: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acknowledged()) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self.acknowledged())} of {count} acknowledged")
            time.sleep(0.02)

    # --- serving ----------------------------------------------------------------------------
    def answer(self, raw: bytes, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        msg_id = headers.get("webhook-id", "")
        try:
            body = Webhook(self.secret or "").verify(raw, headers)
        except (WebhookVerificationError, ValueError, TypeError) as exc:
            self._log(Received(msg_id, False, 400, None, headers, time.time()))
            return 400, f"bad signature: {exc}".encode(), {}
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self._seen[msg_id] += 1
            seen = self._seen[msg_id]
        status = self.status or (500 if seen <= self.fail_first else 200)
        extra = {"Location": self.location} if self.location else {}
        self._log(Received(msg_id, True, status, body, headers, time.time()))
        reply = {"ok": status < 300, "attempt": seen}
        return status, json.dumps(reply).encode(), extra

    def _log(self, item: Received) -> None:
        with self._lock:
            self.received.append(item)

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else each answer waits for a delayed ACK (40 ms)

            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver._lock:
                    receiver._busy += 1
                    receiver.peak = max(receiver.peak, receiver._busy)
                try:
                    status, body, extra = receiver.answer(raw, headers)
                finally:
                    with receiver._lock:
                        receiver._busy -= 1
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
