"""The benchmarking hub (issue 11): a server the LAs share, collecting their error profiles.

The core lives here: the tables (``tables.py``) and their Alembic migrations (``migrations/``),
the database connection (``database.py``), personal tokens (``people.py``), the hash-chained
audit log (``audit.py``), the re-checks of a submitted profile (``checks.py``), append-only,
idempotent storage (``submissions.py``), the FastAPI app (``app.py``), the client that submits
(``client.py``) and the ``ssda903 hub`` commands (``cli.py``).

The views (my position, eliminated elsewhere, who fixed it, heatmap) are to come: each should
be a module reading :class:`~ssda903.hub.tables.Submission` rows and an ``APIRouter`` added in
:func:`ssda903.hub.app.create_app`, behind the same token dependency.
"""

#: the hub's database unless --db says otherwise: a SQLite file in the current folder
DEFAULT_URL = "sqlite:///hub.db"
