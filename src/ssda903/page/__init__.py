"""The zero-install web page: the same rules in the browser on DuckDB-WASM; nothing leaves the machine.

* ``static/`` (built from ``web/`` by ``npm --prefix web run build``; the wheel ships it): the
  page's HTML, CSS and JavaScript bundle and DuckDB-WASM's files.
* :mod:`ssda903.page.build`: ``write_page(out_dir)`` writes a complete page: the static files,
  one plan per collection year (the rules' SQL, compiled by :mod:`ssda903.plan`) and the
  reference data the plans name.
* :mod:`ssda903.page.serve`: serves a written page on 127.0.0.1 only, with the headers
  DuckDB-WASM needs (``application/wasm``) and a Content-Security-Policy that lets the page
  load nothing from any other host.

The command line's ``ssda903 page --out DIR`` and ``ssda903 serve`` use them.
"""
