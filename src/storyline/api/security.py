"""What every response gets and every request is held to: security headers, a body size limit,
an access log that cuts long query strings, and bearer-token checks for the write endpoints.

Pure ASGI middleware, so it wraps the API, the web views and the static files alike.
"""
from __future__ import annotations

import hmac
import json
import logging
import time

from fastapi import HTTPException, Request

from storyline.errors import printable

# only the app's own scripts, styles and images; no framing, no plugins, forms post to itself
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
           (b"x-frame-options", b"DENY"), (b"referrer-policy", b"no-referrer"),
           (b"cross-origin-opener-policy", b"same-origin")]
LOG_QUERY = 200  # characters of a query string the access log keeps
access_log = logging.getLogger("storyline.access")
error_log = logging.getLogger("storyline.api")


class Guard:
    """Adds the security headers, refuses bodies over ``max_body`` bytes (413), answers a failure
with a bare 500 (no stack trace) and logs each request."""

    def __init__(self, app, max_body: int):
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, status = time.perf_counter(), [0]
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await _reply(send, 413, f"request body over {self.max_body} bytes")
            status[0] = 413
            self._log(scope, status[0], started)
            return
        seen = 0

        async def limited_receive():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                raise HTTPException(413, f"request body over {self.max_body} bytes")
            return message

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in HEADERS if h[0] not in names]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except Exception:  # the trace goes to the log, the client gets a bare 500
            error_log.exception("error serving %s", printable(scope.get("path", "")))
            if status[0]:
                raise  # the response had begun: only closing the connection is left
            status[0] = 500
            await _reply(send, 500, "internal error (see the server log)")
        finally:
            self._log(scope, status[0], started)

    @staticmethod
    def _log(scope, status: int, started: float) -> None:
        query = scope.get("query_string", b"").decode("latin-1")
        if len(query) > LOG_QUERY:
            query = query[:LOG_QUERY] + f"…(+{len(query) - LOG_QUERY})"
        path = scope.get("path", "") + ("?" + query if query else "")
        client = (scope.get("client") or ("-",))[0]
        access_log.info("%s %s %s %d %.1fms", client, scope.get("method"), printable(path), status,
                        (time.perf_counter() - started) * 1000)


async def _reply(send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *HEADERS]})
    await send({"type": "http.response.body", "body": body})


def require_token(token: str | None):
    """A dependency for write endpoints: 403 on a read-only server (no token set), 401 without
    the right ``Authorization: Bearer`` token (compared in constant time)."""

    def check(request: Request) -> None:
        if token is None:
            raise HTTPException(403, "this server is read-only (start it with --token-file to allow writes)")
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            raise HTTPException(401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"})

    return check
