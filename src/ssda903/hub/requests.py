"""What every route of the hub does with a request: the person its token belongs to, and its body.

:func:`current_person` (the ``Me`` dependency of every route but the health check and the page's
own files) signs the token in, with failed sign-ins rate-limited per address (``limits.py``);
:func:`read_json` reads a body within the size limit.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session, sessionmaker

from ssda903.hub import checks, submissions
from ssda903.hub.limits import SignInLimiter, log_limited
from ssda903.hub.people import signed_in
from ssda903.hub.tables import Person


def factory_of(request: Request) -> sessionmaker[Session]:
    return request.app.state.factory  # type: ignore[no-any-return]


def current_person(request: Request) -> Person:
    """The person the request's bearer token belongs to; 401 (and an audit line) otherwise.

    An address with too many failed sign-ins is refused first (429, see ``limits.py``); a request
    that sends a body must say it is JSON (415), checked once the token is known good.
    """
    client = request.client.host if request.client else "?"
    limiter: SignInLimiter = request.app.state.limiter
    wait = limiter.retry_after(client)
    if wait is not None:
        raise HTTPException(
            429,
            f"too many failed sign-ins from your address: try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    factory = factory_of(request)
    person = None
    if scheme.lower() == "bearer" and token.strip():
        with factory() as session:
            person = signed_in(session, token.strip())
    if person is None:
        why = "no bearer token" if not header else "unknown, expired or revoked token"
        submissions.refuse(factory, None, f"{request.method} {request.url.path} from {client}: {why}")
        if limiter.failed(client):
            log_limited(factory, limiter, client)
        raise HTTPException(401, f"sign-in failed: {why}", headers={"WWW-Authenticate": "Bearer"})
    has_body = request.headers.get("content-length", "0") != "0" or "transfer-encoding" in request.headers
    if request.method in ("POST", "PUT", "PATCH") and has_body:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json":
            raise HTTPException(415, f"send the body as JSON (Content-Type: application/json), not {media or 'none'}")
    return person


Me = Annotated[Person, Depends(current_person)]


async def read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and (not declared.isdigit() or int(declared) > checks.MAX_BYTES):
        raise HTTPException(413, f"a profile is at most {checks.MAX_BYTES} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > checks.MAX_BYTES:
            raise HTTPException(413, f"a profile is at most {checks.MAX_BYTES} bytes")
    return body


async def read_json(request: Request) -> Any:
    """The request's body read as JSON, or the 413 (too big) or 400 (not JSON) answer to return."""
    try:
        body = await read_body(request)
    except HTTPException as e:
        return JSONResponse({"detail": str(e.detail)}, status_code=e.status_code)
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        return JSONResponse({"detail": f"the body is not JSON: {e}"}, status_code=400)
