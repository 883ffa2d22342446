-- The compose Postgres holds two databases: Airflow's metadata and the perpdex warehouse.
CREATE DATABASE airflow;
