"""Varuh's own database: consents, requests, retention runs, breaches, the audit chain.

SQLAlchemy Core tables on one MetaData (core tables in tables.py, each engine's in its own
module), migrations with Alembic (`varuh db upgrade`). SQLite by default, PostgreSQL in production.
"""
