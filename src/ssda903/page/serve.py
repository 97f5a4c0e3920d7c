"""Serving a written page on 127.0.0.1 only, with the headers DuckDB-WASM and a tight CSP need.

The standard library's HTTP server is enough: one user, one browser, files from one folder.
Every response carries a Content-Security-Policy that allows the page's own origin only
(``'wasm-unsafe-eval'`` lets DuckDB compile its WebAssembly; nothing else is loosened) and
``X-Content-Type-Options: nosniff``; ``.wasm`` goes out as ``application/wasm`` (browsers
refuse to stream-compile anything else). Folders are never listed, and nothing outside the
page's folder is served.
"""

from __future__ import annotations

import functools
import threading
import webbrowser
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
DEFAULT_PORT = 8903

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "worker-src 'self'",
        "connect-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".wasm": "application/wasm",
    ".parquet": "application/vnd.apache.parquet",
    ".gz": "application/gzip",
    ".csv": "text/csv; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}


class PageHandler(SimpleHTTPRequestHandler):
    """Files from the page's folder, with the page's headers; no folder listings."""

    server_version = "ssda903-page"
    sys_version = ""

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        # a page written again (a new version) must not be mixed with cached files of the old one
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def guess_type(self, path: Any) -> str:
        suffix = Path(str(path)).suffix.lower()
        return TYPES.get(suffix, "application/octet-stream")

    def list_directory(self, path: Any) -> None:
        self.send_error(404, "Not found")
        return None

    def log_message(self, format: str, *args: Any) -> None:
        pass  # a quiet server: the terminal says where the page is, not every file it sent


def make_server(directory: str | Path, port: int = DEFAULT_PORT) -> ThreadingHTTPServer:
    """A server for ``directory`` bound to 127.0.0.1 (``port`` 0 picks a free one)."""
    handler = functools.partial(PageHandler, directory=str(directory))
    server = ThreadingHTTPServer((HOST, port), handler)
    server.daemon_threads = True
    return server


def url_of(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}/"


@contextmanager
def serving(directory: str | Path, port: int = 0) -> Iterator[str]:
    """Serve ``directory`` in a background thread while the block runs; yields the page's URL."""
    server = make_server(directory, port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield url_of(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def serve_forever(server: ThreadingHTTPServer, *, open_browser: bool = True) -> None:
    """Serve until interrupted, opening the page in the default browser unless told not to."""
    try:
        if open_browser:
            threading.Timer(0.3, webbrowser.open, args=(url_of(server),)).start()
        server.serve_forever()
    finally:
        server.server_close()
