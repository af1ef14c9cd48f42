"""The schema revision this code expects, importable without loading SQLAlchemy (for fast reads)."""

# The newest migration in store/migrations/versions; a test keeps it equal to Alembic's head.
SCHEMA_HEAD = "0007"
