"""Talking to a hub with httpx: sending a profile (``ssda903 submit``), reading my comparison (``ssda903 hub compare``)."""

from __future__ import annotations

import json
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
