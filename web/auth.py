"""Who is asking, and may they: sessions, logins, API tokens, roles and CSRF tokens.

- Bound to loopback with no `web.auth`: everyone who can connect is this machine's user, an editor.
- With `web.auth` (required off loopback): a login (argon2 password hashes from the config) gives a
  session cookie, signed (itsdangerous), HttpOnly, SameSite=Lax, Secure when the request came over
  https; or `Authorization: Bearer <token>` (the config's API tokens) for scripts.
- Roles: viewer (reads), editor (reads and writes).
- Every write carries the session's CSRF token (form field `csrf_token` or header `X-CSRF-Token`), also
  on loopback (a page of another site could post to 127.0.0.1); a Bearer token needs none (the browser
  never sends it by itself).

Hashes, tokens and the session secret never leave this module: not logged, not shown."""
from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from newswatch.config.base import DRY_RUN_SECRET
from newswatch.config.web import WebAuthConfig

COOKIE = "nw_session"
CSRF_FIELD, CSRF_HEADER = "csrf_token", "x-csrf-token"
ANONYMOUS_AGE = 30 * 86400.0   # loopback without auth: the cookie only carries the CSRF token


@dataclass(frozen=True)
class Principal:
    name: str
    role: str        # viewer | editor
    via: str         # local | session | token

    @property
    def can_write(self) -> bool:
        return self.role == "editor"


class AuthError(Exception):
    """A `web.auth` that cannot be used (a secret that could not be read)."""


class Auth:
    def __init__(self, config: WebAuthConfig | None):
        self.config = config
        self.hasher = hasher()
        secret = config.session_secret.get_secret_value() if config and config.session_secret else ""
        if config is not None:
            unreadable = [f"users[{n}].password_hash" for n, u in enumerate(config.users)
                          if u.password_hash is None or DRY_RUN_SECRET in u.password_hash.get_secret_value()]
            unreadable += [f"tokens[{n}].token" for n, t in enumerate(config.tokens)
                           if t.token is None or DRY_RUN_SECRET in t.token.get_secret_value()]
            if DRY_RUN_SECRET in secret:
                unreadable.append("session_secret")
            if unreadable:
                raise AuthError(f"web.auth: {', '.join(unreadable)} could not be read (a *_file or ${{VAR}} missing)")
        self.signer = URLSafeTimedSerializer(secret or secrets.token_hex(32), salt="newswatch-web-session")
        self.max_age = config.session_max_age if config else ANONYMOUS_AGE

    @property
    def required(self) -> bool:
        return self.config is not None

    # --- sessions ----------------------------------------------------------------------------------

    def load_session(self, cookie: str | None) -> dict[str, Any]:
        if not cookie:
            return {}
        try:
            data = self.signer.loads(cookie, max_age=int(self.max_age))
        except BadSignature:
            return {}
        return data if isinstance(data, dict) else {}

    def dump_session(self, session: dict[str, Any]) -> str:
        return self.signer.dumps(session)

    @staticmethod
    def new_session(user: str | None = None, role: str | None = None) -> dict[str, Any]:
        session: dict[str, Any] = {"csrf": secrets.token_urlsafe(24)}
        if user is not None:
            session.update(user=user, role=role)
        return session

    # --- who is asking -----------------------------------------------------------------------------

    def principal(self, session: dict[str, Any], authorization: str | None) -> Principal | None:
        if self.config is None:
            return Principal("local", "editor", "local")
        if authorization and authorization.lower().startswith("bearer "):
            return self.token_principal(authorization[7:].strip())
        name = session.get("user")
        user = next((u for u in self.config.users if u.name == name), None)
        return Principal(user.name, user.role, "session") if user is not None else None

    def token_principal(self, token: str) -> Principal | None:
        assert self.config is not None
        found = None
        for t in self.config.tokens:   # every token compared, in constant time each
            assert t.token is not None
            if hmac.compare_digest(t.token.get_secret_value().encode(), token.encode()):
                found = Principal(t.name, t.role, "token")
        return found

    def login(self, name: str, password: str) -> Principal | None:
        """The user, when the password matches their hash; None otherwise (the same for an unknown name)."""
        if self.config is None:
            return None
        user = next((u for u in self.config.users if u.name == name), None)
        stored = user.password_hash.get_secret_value() if user and user.password_hash else None
        try:
            self.hasher.verify(stored or _dummy_hash(), password)   # an unknown name costs the same time
        except (VerificationError, InvalidHashError):
            return None
        return Principal(user.name, user.role, "session") if user is not None and stored else None

    @staticmethod
    def csrf_ok(session: dict[str, Any], sent: str | None) -> bool:
        expected = session.get("csrf")
        return bool(expected and sent and hmac.compare_digest(str(expected), sent))


def hasher() -> PasswordHasher:
    """argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane) rather than argon2-cffi's default
    (64 MiB): each hash or login holds its memory cost for the time it runs, and the desk's process stays
    within its memory budget (README "The web desk"; bench/bench_web.py). A hash made with other
    parameters still verifies: they are written in the hash."""
    return PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@cache
def _dummy_hash() -> str:
    """What an unknown name is checked against, made the first time a login needs it (not at import)."""
    return hasher().hash("not a password anyone has")


def hash_password(password: str) -> str:
    """The argon2id hash to put in `web.auth.users[].password_hash` (`python -m web hash-password`)."""
    return hasher().hash(password)
