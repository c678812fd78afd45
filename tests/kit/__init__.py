"""The test kit: what the tests share, one module per job (importable as ``kit.<module>``).

* :mod:`kit.api` — the API in-process on SQLite and PostgreSQL (``env``, ``client``, ``cat``);
* :mod:`kit.webhooks`, :mod:`kit.webhook_receiver` — webhook endpoints and a verifying receiver;
* :mod:`kit.servers` — a free port; any ASGI app served by uvicorn in a thread;
* :mod:`kit.live_api` — the real API over HTTP (demo catalogue, staff account) for the tests
  of its clients;
* :mod:`kit.mcp` — the MCP server under test; :mod:`kit.bot` — the real bot and a user's
  steps; :mod:`kit.jobs` — the API's job runner under test;
* :mod:`kit.telegram` — the Telegram Bot API stand-in, served over real HTTP;
* :mod:`kit.ops` — captured log lines, a TLS certificate; :mod:`kit.webdriver` — a tiny W3C
  WebDriver client for the admin's browser test.

Fixtures are defined here and registered by the conftest file of the folder that uses them
(``from kit.bot import running_bot  # noqa: F401``); tests/conftest.py registers the API's.
"""
