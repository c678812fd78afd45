"""``python -m booking_mcp --transport stdio|http [--host H] [--port P]``."""

from .cli import main

main()
