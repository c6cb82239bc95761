"""The plugin's Alembic migrations; run them with ``flask customer-groups init-db``."""
