-- Pipeline bookkeeping: one row per (Airflow run, venue, job) saying what an ingest/backfill did, the signals
-- that wake the executor, and the executor heartbeat the pipeline reads to warn when nobody listens.
-- depends: 0004_dq 0050_opportunity_tables

-- One row per venue per pipeline run: the outcome is recorded even when the venue failed, so "which venue
-- failed, and why" is a query, not a log search. Keyed by (run_id, venue, job): a retried task overwrites.
CREATE TABLE dq.ingest_runs (
    run_id          text NOT NULL,
    venue           text NOT NULL,
    job             text NOT NULL CHECK (job IN ('ingest', 'instruments', 'backfill')),
    status          text NOT NULL CHECK (status IN ('running', 'success', 'partial', 'failed', 'skipped')),
    interval_start  timestamptz,
    interval_end    timestamptz,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    rows_extracted  integer NOT NULL DEFAULT 0,
    rows_loaded     integer NOT NULL DEFAULT 0,
    rows_rejected   integer NOT NULL DEFAULT 0,
    reject_ratio    numeric,
    counts          jsonb NOT NULL DEFAULT '{}'::jsonb,   -- per table: {"funding": n, "snapshots": n, ...}
    timings_s       jsonb NOT NULL DEFAULT '{}'::jsonb,   -- extract / validate / load seconds
    error           text,
    PRIMARY KEY (run_id, venue, job)
);
CREATE INDEX ingest_runs_venue_time_idx ON dq.ingest_runs (venue, started_at DESC);

-- A new opportunity snapshot is announced twice: NOTIFY perpdex_opportunities (instant, lost when nobody
-- listens) and a row here (durable; the executor can catch up after a restart).
CREATE TABLE analytics.signals (
    id             bigserial PRIMARY KEY,
    channel        text NOT NULL DEFAULT 'perpdex_opportunities',
    kind           text NOT NULL,                  -- 'opportunities'
    opportunity_run_id text,
    payload        jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signals_created_idx ON analytics.signals (created_at DESC);

-- Same shape as the executor's migration (0151); IF NOT EXISTS because either side may create it first.
CREATE TABLE IF NOT EXISTS execution.executor_heartbeat (
    executor_id  text PRIMARY KEY,
    mode         text NOT NULL,
    state        text NOT NULL,
    pid          int NOT NULL,
    started_at   timestamptz NOT NULL,
    heartbeat_at timestamptz NOT NULL,
    version      text NOT NULL
);
GRANT USAGE ON SCHEMA execution TO perpdex_pipeline;
GRANT SELECT ON execution.executor_heartbeat TO perpdex_pipeline;
GRANT SELECT ON analytics.signals TO perpdex_executor;

CREATE VIEW reporting.ingest_runs AS
SELECT run_id, venue, job, status, interval_start, interval_end, started_at, finished_at,
       extract(epoch FROM finished_at - started_at) AS duration_s,
       rows_extracted, rows_loaded, rows_rejected, reject_ratio, counts, timings_s, error
FROM dq.ingest_runs;
