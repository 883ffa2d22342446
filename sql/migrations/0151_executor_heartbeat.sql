-- The executor's heartbeat (the pipeline reads it to warn when no executor runs). Same shape as the pipeline's
-- contract; IF NOT EXISTS because either side may create it first.
-- depends: 0150_execution_journal

CREATE TABLE IF NOT EXISTS execution.executor_heartbeat (
    executor_id text PRIMARY KEY,
    mode text NOT NULL,
    state text NOT NULL,
    pid int NOT NULL,
    started_at timestamptz NOT NULL,
    heartbeat_at timestamptz NOT NULL,
    version text NOT NULL
);
