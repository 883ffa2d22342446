-- Cluster-wide roles, created idempotently.
-- Roles belong to the cluster, not the database: several test databases migrate at the same time, so a
-- concurrent CREATE ROLE can fail with duplicate_object / unique_violation; that just means someone else won.
-- Role settings are applied only by the session that created the role (concurrent ALTER ROLE on the same
-- catalog row can fail with "tuple concurrently updated").

DO $$
DECLARE
    spec text[];
BEGIN
    FOREACH spec SLICE 1 IN ARRAY ARRAY[
        ['perpdex_owner', 'NOLOGIN'],      -- owns the warehouse objects; migrations run as this role locally
        ['perpdex_pipeline', 'LOGIN'],     -- writes market, dq, analytics
        ['perpdex_executor', 'LOGIN'],     -- reads market/analytics, writes execution
        ['perpdex_dashboard', 'LOGIN']     -- read-only, sees only reporting views
    ] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = spec[1]) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I %s', spec[1], spec[2]);
                IF spec[1] = 'perpdex_dashboard' THEN
                    ALTER ROLE perpdex_dashboard SET default_transaction_read_only = on;
                    ALTER ROLE perpdex_dashboard SET statement_timeout = '30s';
                    ALTER ROLE perpdex_dashboard CONNECTION LIMIT 20;
                END IF;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                RAISE NOTICE 'role % was created concurrently', spec[1];
            END;
        END IF;
    END LOOP;
END
$$;
