"""Permission tables (contract section 3): one expected status per role for a route.

The roles are anonymous, client A (alice), client B (bob), the specialist's user (anna), a
signed-in stranger (no profile) and staff, as ``kit.api.cat`` builds them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

ROLES = ("anon", "alice", "bob", "anna", "stranger", "staff")
DENIED = {"detail": "You do not have permission to perform this action."}
NO_CREDENTIALS = {"detail": "Authentication credentials were not provided."}


def user_of(cat, role: str):  # type: ignore[no-untyped-def]
    return None if role == "anon" else {"anna": cat.spec_user}.get(role, getattr(cat, role))


def expect(*codes: int) -> dict[str, int]:
    return dict(zip(ROLES, codes, strict=True))


READ = expect(200, 200, 200, 200, 200, 200)
STAFF_CREATES = expect(401, 403, 403, 403, 403, 201)
STAFF_CHANGES = expect(401, 403, 403, 403, 403, 200)
STAFF_DELETES = expect(401, 403, 403, 403, 403, 204)


async def check_row(
    client,
    env,
    cat,
    method: str,
    path: Callable[[], Awaitable[str]] | str,
    expected: dict[str, int],
    body: Any = None,
) -> None:
    """Send the request as every role; the statuses must be ``expected``."""
    seen = {}
    for role in ROLES:
        url = path if isinstance(path, str) else await path()
        kwargs = {"json": body() if callable(body) else body} if body is not None else {}
        r = await client.request(method, url, headers=env.auth(user_of(cat, role)), **kwargs)
        seen[role] = r.status_code
        if r.status_code == 401:
            assert r.json() == NO_CREDENTIALS
        if r.status_code == 403:
            assert r.json() == DENIED or "detail" in r.json()
    assert seen == expected
