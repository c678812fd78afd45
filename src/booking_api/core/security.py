"""Passwords in Django's stored format and JWTs that djangorestframework-simplejwt accepts."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from jose import ExpiredSignatureError, JWTError, jwt

ALGORITHM = "HS256"
UNUSABLE_PREFIX = "!"


# --- passwords ---------------------------------------------------------------------------------

_PBKDF2 = {"pbkdf2_sha256": "sha256", "pbkdf2_sha1": "sha1"}


def make_password(password: str | None, *, iterations: int) -> str:
    """``pbkdf2_sha256$<iterations>$<salt>$<base64 hash>``, as Django writes it.

    ``None`` gives an unusable password (a user who logs in by Telegram only).
    """
    if password is None:
        return UNUSABLE_PREFIX + secrets.token_urlsafe(30)
    salt = secrets.token_urlsafe(16)[:22]
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode()}"


def check_password(password: str, encoded: str) -> bool:
    """Verify against Django's PBKDF2 formats in constant time; anything else is refused."""
    if not encoded or encoded.startswith(UNUSABLE_PREFIX):
        return False
    try:
        algorithm, iterations, salt, expected = encoded.split("$", 3)
        digest_name = _PBKDF2[algorithm]
        rounds = int(iterations)
    except (ValueError, KeyError):
        return False
    digest = hashlib.pbkdf2_hmac(digest_name, password.encode(), salt.encode(), rounds)
    return hmac.compare_digest(base64.b64encode(digest).decode(), expected)


# --- tokens ------------------------------------------------------------------------------------


class TokenError(Exception):
    """simplejwt's TokenError; the message is what the client is told."""


@dataclass(frozen=True)
class Token:
    token_type: str  # "access" | "refresh"
    user_id: int | None  # None when the token names no (numeric) user
    jti: str
    exp: dt.datetime
    iat: dt.datetime
    raw: str


def _timestamp(value: dt.datetime) -> int:
    return int(value.timestamp())


def issue_token(
    user_id: int,
    token_type: str,
    lifetime: dt.timedelta,
    key: str,
    *,
    now: dt.datetime | None = None,
) -> Token:
    now = now or dt.datetime.now(dt.UTC)
    exp = now + lifetime
    jti = uuid.uuid4().hex
    claims = {
        "token_type": token_type,
        "exp": _timestamp(exp),
        "iat": _timestamp(now),
        "jti": jti,
        "user_id": str(user_id),
    }
    raw = jwt.encode(claims, key, algorithm=ALGORITHM)
    return Token(token_type, user_id, jti, exp, now, raw)


NO_USER_ID = "Token contained no recognizable user identification"


def decode_token(raw: Any, key: str, expected_type: str | None) -> Token:
    """Decode and check a token like simplejwt's ``Token.__init__`` and ``verify`` do.

    The user id is not checked here: simplejwt looks at it only where a user is needed
    (``JWTAuthentication.get_user``), with its own error, so ``user_id`` may be None.
    """
    if not isinstance(raw, str) or not raw:
        raise TokenError("Token is invalid")
    try:
        claims = jwt.decode(raw, key, algorithms=[ALGORITHM], options={"verify_aud": False})
    except ExpiredSignatureError:
        raise TokenError("Token is expired") from None
    except JWTError:
        raise TokenError("Token is invalid") from None
    if "exp" not in claims:
        raise TokenError("Token has no 'exp' claim")
    if "jti" not in claims:
        raise TokenError("Token has no id")
    token_type = claims.get("token_type")
    if not token_type:
        raise TokenError("Token has no type")
    if expected_type and token_type != expected_type:
        raise TokenError("Token has wrong type")
    try:
        user_id: int | None = int(claims["user_id"])  # simplejwt >= 5.5 writes a string
    except (KeyError, TypeError, ValueError):
        user_id = None
    return Token(
        token_type=token_type,
        user_id=user_id,
        jti=str(claims["jti"]),
        exp=dt.datetime.fromtimestamp(claims["exp"], dt.UTC),
        iat=dt.datetime.fromtimestamp(claims.get("iat", claims["exp"]), dt.UTC),
        raw=raw,
    )


# --- Telegram ----------------------------------------------------------------------------------


def telegram_login_hash(fields: dict[str, str], bot_token: str) -> str:
    """HMAC of the Login Widget's data-check-string (https://core.telegram.org/widgets/login)."""
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields) if k != "hash")
    secret = hashlib.sha256(bot_token.encode()).digest()
    return hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()


def telegram_webapp_hash(fields: dict[str, str], bot_token: str) -> str:
    """HMAC of a Mini App's ``initData`` (https://core.telegram.org/bots/webapps)."""
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields) if k not in ("hash",))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    return hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
