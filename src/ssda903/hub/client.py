"""Talking to a hub with httpx: sending a profile (``ssda903 submit``), reading my comparison (``ssda903 hub compare``),
and sending a profile again until the hub answers (:func:`send_until_answered`, for many LAs at once)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx


@dataclass(frozen=True)
class Answer:
    """The hub's answer: HTTP status and JSON body."""

    status: int
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.status in (200, 201)


def _call(method: str, hub: str, route: str, token: str, timeout: float, **kwargs: Any) -> Answer:
    """One request to ``hub`` with ``token``; a body that is not a JSON object becomes ``{"detail": ...}``."""
    response = httpx.request(
        method,
        hub.rstrip("/") + route,
        headers={"Authorization": f"Bearer {token}"},
        timeout=timeout,
        **kwargs,
    )
    try:
        body = response.json()
    except ValueError:
        body = {"detail": response.text[:500]}
    return Answer(response.status_code, body if isinstance(body, dict) else {"detail": body})


def submit(path: Path, hub: str, token: str, *, timeout: float = 30.0) -> Answer:
    """POST the profile at ``path`` to ``hub``'s ``/api/profiles`` with ``token``."""
    profile = json.loads(Path(path).read_text(encoding="utf-8"))
    return _call("POST", hub, "/api/profiles", token, timeout, json=profile)


def compare(hub: str, token: str, year: str, group: str = "all", *, timeout: float = 30.0) -> Answer:
    """GET my comparison with the other LAs of my peer ``group`` (all, region, neighbours, cms) for
    ``year`` from ``hub``'s ``/api/compare``; the hub refuses an unknown group (422)."""
    return _call("GET", hub, "/api/compare", token, timeout, params={"year": year, "group": group})


#: statuses after which the same request may simply be sent again (the database is restarting, the hub is busy)
RETRY_STATUSES = frozenset({502, 503, 504})


@dataclass(frozen=True)
class Delivered:
    """The last answer to a profile sent until the hub answered it, and why it was sent again each time
    (``"503: <detail>"``, or ``"connection: <error>"``)."""

    status: int
    body: dict[str, Any]
    retried: tuple[str, ...] = ()

    @property
    def retries(self) -> int:
        return len(self.retried)


def send_until_answered(
    http: httpx.Client,
    profile: dict[str, Any],
    *,
    deadline: float = 120.0,
    wait: float = 0.2,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivered:
    """POST ``profile`` with ``http`` (its base URL and token already set), again after a lost
    connection or a 502/503/504, for up to ``deadline`` seconds.

    Safe because the hub stores a profile once: when a first attempt was stored but its answer was
    lost, the retry gets that same submission back (200). Raises the last connection error when
    the deadline passes without an answer.
    """
    retried: list[str] = []
    end = time.monotonic() + deadline
    while True:
        try:
            r = http.post("/api/profiles", json=profile)
            try:
                body = r.json()
            except ValueError:
                body = {"detail": r.text[:500]}
            body = body if isinstance(body, dict) else {"detail": body}
            if r.status_code not in RETRY_STATUSES or time.monotonic() >= end:
                return Delivered(r.status_code, body, tuple(retried))
            retried.append(f"{r.status_code}: {body.get('detail')}")
        except httpx.TransportError as e:
            if time.monotonic() >= end:
                raise
            retried.append(f"connection: {type(e).__name__}")
        sleep(min(wait * len(retried), 2.0))  # back off a little more each time, never long
