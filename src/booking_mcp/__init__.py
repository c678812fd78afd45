"""The booking MCP server: how any MCP-capable assistant (and the Telegram bot) books.

Entry points: :func:`booking_mcp.server.build_server`, :func:`booking_mcp.cli.run`,
:func:`booking_mcp.chat.chat_loop`. It reaches the API only over HTTP (:mod:`.api_client`).
"""
