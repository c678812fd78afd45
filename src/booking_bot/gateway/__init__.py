"""The bot's only door to the outside world: a client of our MCP server (streamable HTTP).

* :mod:`.session` — the one long-lived MCP session: connecting, reconnecting, a tool call
  with its timeout and request id, and the two kinds of failure;
* :mod:`.results` — tool results (structured content) read into the shared models of
  :mod:`booking_common.conversation`;
* :mod:`.tools` — :class:`~.tools.McpGateway`, the tools the handlers use, as typed methods.
"""
