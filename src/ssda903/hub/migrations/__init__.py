"""Alembic migrations of the hub's database, shipped inside the package and run on start."""
