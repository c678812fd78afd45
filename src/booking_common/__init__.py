"""What every process of the project needs, and nothing of any one part.

* :mod:`booking_common.settings` — the base of each part's pydantic-settings class
  (``.env`` file, case-insensitive names, ``LOG_LEVEL`` / ``LOG_FORMAT``).
* :mod:`booking_common.logging` — structured logs, secret redaction, request ids.
* :mod:`booking_common.asgi` — the request-id / access-log and HSTS ASGI middleware.

The API, the MCP server and the bot import this package and never each other.
"""
