"""OAuth 2.1 on the HTTP transport: the MCP server as a protected resource.

With ``OAUTH_ISSUER`` (the booking API) and ``MCP_PUBLIC_URL`` set, every request to ``/mcp``
needs a bearer token that the API issued for this server's URL:

* ``resource`` — the ASGI gate, built from the mcp SDK's own pieces: protected resource
  metadata (RFC 9728) at ``/.well-known/oauth-protected-resource/mcp``, a 401 with
  ``WWW-Authenticate: Bearer … resource_metadata=…`` without a token, the audience check;
* ``verifier`` — a token verifier that asks the API (introspection, RFC 7662), so a revoked
  token stops working at once and the server holds no signing key;
* ``identity`` — whose bookings a call acts on: the token's person, through an API token the
  API exchanges for theirs, so the API keeps deciding who owns what;
* ``scopes`` — which tool needs which scope.

``MCP_AUTH_TOKEN`` keeps working beside it for trusted callers (the Telegram bot), which act
for the ``user_id`` they pass, as before; stdio needs neither.
"""
