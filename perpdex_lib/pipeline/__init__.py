"""Pipeline logic called by the thin DAG files in ``dags/``: ingest, validate, load, backfill, maintenance.

Modules here import nothing heavy at module level (no Great Expectations, pandas or aiohttp), so the DAG
files that import :mod:`perpdex_lib.pipeline.dagconf` parse in milliseconds.
"""
