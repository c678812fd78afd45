"""The HTTP/1.1 protocol ``booking api`` runs uvicorn with: httptools plus limits on headers.

uvicorn bounds request headers only with its h11 parser (``h11_max_incomplete_event_size``)
and has no time limit on receiving them; with httptools (its fast default) a client may send
megabytes of headers, or hold a connection open by sending them a byte at a time. Here:

* the request line and headers may take at most ``MAX_REQUEST_HEADER_BYTES`` (431 beyond);
* they must arrive within ``REQUEST_HEADER_TIMEOUT_SECONDS`` of their first byte (408), and
  a new connection that sends nothing at all is closed after that time.

Bodies are bounded in the app (``core.middleware.RequestBodyLimitMiddleware``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from http import HTTPStatus
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from booking_api.core.config import get_settings

log = logging.getLogger("booking_api.http")


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()
        self.max_header_bytes = settings.max_request_header_bytes
        self.header_timeout = settings.request_header_timeout_seconds
        self._reading_headers = True  # until the current request's headers are complete
        self._header_bytes = 0
        self._header_timer: asyncio.TimerHandle | None = None

    # --- the connection -------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if not self._reading_headers:
            super().data_received(data)
            return
        if self._header_timer is None:  # the next request on a kept-alive connection begins
            self._start_header_timer()
        room = self.max_header_bytes - self._header_bytes
        head, rest = data[:room], data[room:]
        self._header_bytes += len(head)
        super().data_received(head)
        if rest and not self.transport.is_closing():
            if self._reading_headers:
                self._refuse(
                    HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                    f"Request line and headers beyond {self.max_header_bytes} bytes.",
                )
            else:  # the headers ended within the limit: the rest is the body
                super().data_received(rest)

    # --- parser callbacks -----------------------------------------------------------------------

    def on_headers_complete(self) -> None:
        self._reading_headers = False
        self._stop_header_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._reading_headers, self._header_bytes = True, 0

    # --- limits ---------------------------------------------------------------------------------

    def _start_header_timer(self) -> None:
        self._stop_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self._reading_headers or self.transport.is_closing():
            return
        if self._header_bytes == 0:  # an idle connection: nothing to answer
            self.transport.close()
            return
        self._refuse(
            HTTPStatus.REQUEST_TIMEOUT,
            f"Request headers not received within {self.header_timeout:g} seconds.",
        )

    def _refuse(self, status: HTTPStatus, detail: str) -> None:
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "?"
        log.info("refused a request from %s: %s", client, detail)
        body = json.dumps({"detail": detail}).encode()
        self.transport.write(
            b"".join(
                [
                    f"HTTP/1.1 {status.value} {status.phrase}\r\n".encode(),
                    *(name + b": " + value + b"\r\n" for name, value in self._default_headers()),
                    b"content-type: application/json\r\n",
                    b"content-length: " + str(len(body)).encode() + b"\r\n",
                    b"connection: close\r\n\r\n",
                    body,
                ]
            )
        )
        self.transport.close()
        self._reading_headers = False  # nothing more is read from this connection

    def _default_headers(self) -> list[tuple[bytes, bytes]]:
        return list(self.server_state.default_headers)
