"""The challenge server: submissions, hidden test sets, evaluation workers, leaderboard.

``create_app(settings)`` builds the FastAPI application; storage is SQLAlchemy (SQLite by
default, PostgreSQL by URL) with Alembic migrations; evaluations go through a Huey queue
(SqliteHuey beside the database by default, RedisHuey at scale). Submissions are code: they run
only in the harness's sandboxed worker, which never sees a label.
"""
