"""Root test configuration. Shared fixtures live in tests/fixtures/ and are registered here.

- tests/fixtures/db.py: the PostgreSQL server (started once per run) and a fresh database per session.
- tests/fixtures/sim.py: one venue simulator per run, shared by every worker.
"""

pytest_plugins = ["tests.fixtures.db", "tests.fixtures.sim"]
