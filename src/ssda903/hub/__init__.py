"""The benchmarking hub (issue 11): a server the LAs share, collecting their error profiles.

The core lives here: the tables (``tables.py``) and their Alembic migrations (``migrations/``),
the database connection (``database.py``), personal tokens (``people.py``), the hash-chained
audit log (``audit.py``), the re-checks of a submitted profile (``checks.py``), append-only,
idempotent storage (``submissions.py``), the rate limit on failed sign-ins (``limits.py``), the
FastAPI app (``app.py``), the client that submits (``client.py``), the demo hub filled with
made-up returns (``demo.py``) and the ``ssda903 hub`` commands (``cli.py``).

The views comparing LAs are modules reading :class:`~ssda903.hub.tables.Submission` rows, each
with an ``APIRouter`` added in :func:`ssda903.hub.app.create_app`, behind the same token
dependency: ``compare.py`` (my position, eliminated elsewhere, who fixed it and the heatmap;
``GET /api/compare``, printed by ``ssda903 hub compare``), with the notes LAs write on how they
fixed an error (``notes.py``, screened for anything like a child's identifier) and each LA's peer
groups and role mailbox (``groups.py``). ``web/`` is the page showing them, served at ``/``.
"""

#: the hub's database unless --db says otherwise: a SQLite file in the current folder
DEFAULT_URL = "sqlite:///hub.db"
