"""Rate-limiting failed sign-ins: a client address that fails too often is refused for a while.

After :attr:`SignInLimiter.attempts` failed sign-ins (a missing, unknown, expired or revoked
token) from one client address within :attr:`SignInLimiter.window` seconds, every further request
from that address gets ``429 Too Many Requests`` with ``Retry-After`` until a whole window has
passed since the limit was reached; then the address starts again from nothing. The moment an
address is limited is written once to the audit log (``sign_in_limited``); the requests refused
while it is limited are not, so someone guessing tokens cannot flood the log.

The counts live in memory, in the process that serves the hub. That is enough for one
``ssda903 hub serve``; a deployment with several processes, or behind a reverse proxy (where every
request comes from the proxy's address unless uvicorn is told to trust ``X-Forwarded-For``), should
also limit sign-in failures at the proxy. Several people at one LA behind one address share its
count: ten of their own mistakes in five minutes lock them out for five minutes.

The clock is a parameter, so tests move time forward instead of waiting.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from ssda903.hub import audit
from ssda903.hub.database import writing

#: failed sign-ins from one address within WINDOW seconds before it is refused
ATTEMPTS = 10
WINDOW = 300.0
#: addresses remembered at most: past this, forgotten first are those with nothing recent
MAX_ADDRESSES = 100_000


class SignInLimiter:
    """Failed sign-ins per client address, and which addresses are refused until when.

    Thread-safe: the token dependency runs in FastAPI's thread pool.
    """

    def __init__(
        self,
        attempts: int = ATTEMPTS,
        window: float = WINDOW,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_addresses: int = MAX_ADDRESSES,
    ) -> None:
        if attempts < 1 or window <= 0:
            raise ValueError("attempts must be at least 1 and window more than 0 seconds")
        self.attempts = attempts
        self.window = window
        self.clock = clock
        self.max_addresses = max_addresses
        self._failures: dict[str, deque[float]] = {}
        self._blocked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def retry_after(self, address: str) -> int | None:
        """Whole seconds until ``address`` may try again, or None when it is not refused."""
        now = self.clock()
        with self._lock:
            until = self._blocked_until.get(address)
            if until is None:
                return None
            if now >= until:
                del self._blocked_until[address]
                return None
            return max(1, math.ceil(until - now))

    def failed(self, address: str) -> bool:
        """Count one failed sign-in from ``address``; True when this one reaches the limit
        (the caller logs that once)."""
        now = self.clock()
        with self._lock:
            times = self._failures.get(address)
            if times is None:
                self._make_room(now)
                times = self._failures[address] = deque()
            times.append(now)
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) < self.attempts:
                return False
            del self._failures[address]
            self._blocked_until[address] = now + self.window
            return True

    def _make_room(self, now: float) -> None:
        """Keep memory bounded: drop addresses with nothing in the window, then the oldest."""
        if len(self._failures) < self.max_addresses:
            return
        for address in [a for a, t in self._failures.items() if not t or t[-1] <= now - self.window]:
            del self._failures[address]
        while len(self._failures) >= self.max_addresses:
            del self._failures[next(iter(self._failures))]
        for address in [a for a, until in self._blocked_until.items() if until <= now]:
            del self._blocked_until[address]


def log_limited(factory: sessionmaker[Session], limiter: SignInLimiter, address: str) -> None:
    """The one audit line written when ``address`` reaches the limit."""
    with writing(factory) as session:
        audit.append(
            session,
            "sign_in_limited",
            f"{limiter.attempts} failed sign-ins from {address} within {limiter.window:g} s: "
            f"its requests are refused (429) for {limiter.window:g} s",
        )
