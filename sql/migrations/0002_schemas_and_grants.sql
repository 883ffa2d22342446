-- Schemas and privileges. Every object is created by the migrating role (perpdex_owner on the local
-- cluster); ALTER DEFAULT PRIVILEGES (for the current role) makes later migrations' tables and views get
-- the same grants without repeating them.
-- depends: 0001_roles

CREATE SCHEMA IF NOT EXISTS market;
CREATE SCHEMA IF NOT EXISTS analytics;
CREATE SCHEMA IF NOT EXISTS execution;
CREATE SCHEMA IF NOT EXISTS dq;
CREATE SCHEMA IF NOT EXISTS reporting;

-- Nobody but the owner creates objects in public (PG < 15 allows it by default).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- Temporary tables (the loader's staging) only for the writers; the dashboard gets none.
DO $$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO perpdex_pipeline, perpdex_executor',
                   current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO perpdex_dashboard', current_database());
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO %I', current_database(), current_user);
END
$$;

GRANT USAGE ON SCHEMA market, analytics, dq, reporting TO perpdex_pipeline;
GRANT USAGE ON SCHEMA market, analytics, execution, reporting TO perpdex_executor;
GRANT USAGE ON SCHEMA reporting TO perpdex_dashboard;

-- pipeline: writes market, analytics, dq
ALTER DEFAULT PRIVILEGES IN SCHEMA market GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO perpdex_pipeline;
ALTER DEFAULT PRIVILEGES IN SCHEMA analytics GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO perpdex_pipeline;
ALTER DEFAULT PRIVILEGES IN SCHEMA dq GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO perpdex_pipeline;
ALTER DEFAULT PRIVILEGES IN SCHEMA market GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO perpdex_pipeline;
ALTER DEFAULT PRIVILEGES IN SCHEMA analytics GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO perpdex_pipeline;
ALTER DEFAULT PRIVILEGES IN SCHEMA dq GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO perpdex_pipeline;

-- executor: reads market and analytics, writes execution
ALTER DEFAULT PRIVILEGES IN SCHEMA market GRANT SELECT ON TABLES TO perpdex_executor;
ALTER DEFAULT PRIVILEGES IN SCHEMA analytics GRANT SELECT ON TABLES TO perpdex_executor;
ALTER DEFAULT PRIVILEGES IN SCHEMA execution GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO perpdex_executor;
ALTER DEFAULT PRIVILEGES IN SCHEMA execution GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO perpdex_executor;

-- reporting views: readable by everyone that has a role here
ALTER DEFAULT PRIVILEGES IN SCHEMA reporting
    GRANT SELECT ON TABLES TO perpdex_dashboard, perpdex_pipeline, perpdex_executor;

-- functions are not executable by PUBLIC unless granted explicitly
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
