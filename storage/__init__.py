"""Persistence: SQLAlchemy models, repositories, sessions and Alembic migrations."""
