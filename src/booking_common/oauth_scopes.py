"""The OAuth scopes an assistant may be granted: issued by the API, enforced by the MCP server.

A token carries the scopes its owner allowed on the consent screen; each MCP tool needs one
(see ``booking_mcp.oauth.scopes``).
"""

from __future__ import annotations

CATALOGUE_READ = "catalogue:read"
"""See services, specialists and free times."""
BOOKINGS_READ = "bookings:read"
"""See the person's own bookings and waitlist entries."""
BOOKINGS_WRITE = "bookings:write"
"""Book, move, cancel and confirm the person's bookings; join and leave the waitlist."""

ALL_SCOPES = (CATALOGUE_READ, BOOKINGS_READ, BOOKINGS_WRITE)
