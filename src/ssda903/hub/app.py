"""The hub's web application (FastAPI): submit a profile, see who I am and my LA's submissions.

Every route but ``GET /api/health`` and the page's own files (``/``, ``/app.js``, ``/style.css``:
they hold no data, and the page asks for the token) needs ``Authorization: Bearer <token>``; a
missing or bad token is a 401 and a line in the audit log; too many of those from one address, and
that address gets 429 for a while (``limits.py``). A person sees and sends their own LA's profiles
only; a body is sent as JSON (415 otherwise). A database that cannot be reached is a 503 saying to
try again, never a traceback (the engine pings a pooled connection before use, so it reconnects
after a restart of the database server). The interactive API pages (``/docs``, ``/openapi.json``)
are off: they would be routes without a token. The views (my position, eliminated elsewhere, who
fixed it, the heatmap) are routers included in :func:`create_app` with the same
:func:`current_person` dependency.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ssda903.hub import checks, submissions
from ssda903.hub.database import sessions
from ssda903.hub.limits import SignInLimiter, log_limited
from ssda903.hub.people import signed_in
from ssda903.hub.tables import Person


def _factory(request: Request) -> sessionmaker[Session]:
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
    factory = _factory(request)
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
api = APIRouter(prefix="/api")


@api.get("/health")
def health() -> dict[str, str]:
    """Whether the hub is up (the one route without a token)."""
    return {"status": "ok"}


@api.get("/me")
def me(person: Me) -> dict[str, Any]:
    """Who the token is."""
    return {"email": person.email, "la": person.la, "expires": person.expires.isoformat()[:10]}


@api.get("/profiles")
def my_profiles(person: Me, request: Request) -> dict[str, Any]:
    """My LA's own submissions (never another LA's)."""
    with _factory(request)() as session:
        return {"la": person.la, "submissions": [submissions.summary(s) for s in submissions.of_la(session, person.la)]}


@api.get("/profiles/{submission_id}")
def my_profile(submission_id: Annotated[int, Path(ge=1, le=2**31 - 1)], person: Me, request: Request) -> dict[str, Any]:
    """One of my LA's submissions, with its profile; another LA's is not found."""
    from ssda903.hub.tables import Submission

    with _factory(request)() as session:
        sub = session.get(Submission, submission_id)
        if sub is None or sub.la != person.la:
            raise HTTPException(404, f"your LA has no submission {submission_id}")
        return {**submissions.summary(sub), "profile": sub.profile}


async def _body(request: Request) -> bytes:
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
        body = await _body(request)
    except HTTPException as e:
        return JSONResponse({"detail": str(e.detail)}, status_code=e.status_code)
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        return JSONResponse({"detail": f"the body is not JSON: {e}"}, status_code=400)


def _refused(request: Request, person: Person, status: int, reasons: list[str]) -> JSONResponse:
    submissions.refuse(_factory(request), person, "; ".join(reasons))
    return JSONResponse({"detail": "profile refused", "problems": reasons}, status_code=status)


@api.post("/profiles", status_code=201)
async def submit(person: Me, request: Request) -> JSONResponse:
    """Submit an error profile of my LA: re-checked, then stored once."""
    try:
        body = await _body(request)
    except HTTPException as e:
        await run_in_threadpool(submissions.refuse, _factory(request), person, str(e.detail))
        raise
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        return await run_in_threadpool(_refused, request, person, 400, [f"the body is not JSON: {e}"])
    try:
        profile = checks.Profile.model_validate(data)
    except ValidationError as e:
        reasons = [f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in e.errors()[:50]]
        return await run_in_threadpool(_refused, request, person, 422, reasons)
    status = 403 if profile.la != person.la else 422
    problems = checks.problems(profile, person.la)
    if problems:
        return await run_in_threadpool(_refused, request, person, status, problems)
    stored = await run_in_threadpool(
        submissions.store, _factory(request), person, profile.model_dump(exclude_none=True)
    )
    return JSONResponse(submissions.summary(stored.submission), status_code=201 if stored.created else 200)


async def _invalid(_request: Request, exc: Exception) -> JSONResponse:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    return JSONResponse(
        {"detail": "bad request", "problems": [str(e.get("msg")) for e in errors][:20]}, status_code=422
    )


async def _database_down(_request: Request, exc: Exception) -> JSONResponse:
    """The database cannot be reached (restarting, network, SQLite locked too long): 503, not a traceback.

    A retry is safe: a submission is stored at most once, so one whose answer was lost is found
    again by its digest.
    """
    return JSONResponse(
        {"detail": "the hub's database is unavailable, try again", "problems": [type(exc).__name__]},
        status_code=503,
        headers={"Retry-After": "5"},
    )


def create_app(engine: Engine, *, limiter: SignInLimiter | None = None) -> FastAPI:
    """The hub on ``engine`` (already migrated: see :func:`ssda903.hub.database.migrate`);
    ``limiter`` counts failed sign-ins (default: 10 per client address in 5 minutes)."""
    app = FastAPI(title="ssda903 hub", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.factory = sessions(engine)
    app.state.limiter = limiter or SignInLimiter()
    app.add_exception_handler(RequestValidationError, _invalid)
    # OperationalError: cannot connect or lost the connection; InterfaceError: the driver's connection is closed
    app.add_exception_handler(OperationalError, _database_down)
    app.add_exception_handler(InterfaceError, _database_down)
    app.include_router(api)
    from ssda903.hub import compare, notes  # import this module's token dependency

    app.include_router(compare.router)
    app.include_router(notes.router)
    app.include_router(page)
    return app


# The web page of the views (issue 11): three fixed files, tokenless like /api/health because they
# hold no data; the page asks for the token and calls the /api routes with it. The CSP keeps the
# page to its own files (no inline script, no other host), and the file names are fixed here, so
# no path from the request ever reaches the file system. (Imported here, not at the top, so this
# block stays apart from the rest of the module.)
from importlib import resources  # noqa: E402

from fastapi.responses import Response  # noqa: E402

page = APIRouter(include_in_schema=False)
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def _page_file(name: str, media: str) -> Response:
    body = resources.files("ssda903.hub").joinpath("web", name).read_bytes()
    return Response(body, media_type=f"{media}; charset=utf-8", headers=PAGE_HEADERS)


@page.get("/")
def web_page() -> Response:
    """The views' web page (no data in it: it asks for the token, then calls /api/compare)."""
    return _page_file("index.html", "text/html")


@page.get("/app.js")
def web_script() -> Response:
    return _page_file("app.js", "text/javascript")


@page.get("/style.css")
def web_style() -> Response:
    return _page_file("style.css", "text/css")
