"""The delivery queue: its contract, SQLite and PostgreSQL backends, and the worker."""
