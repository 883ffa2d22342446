-- Rows a connector or a quality rule refused: kept with a reason code, never in curated tables.
-- depends: 0003_market

CREATE TABLE dq.quarantine (
    id             bigserial PRIMARY KEY,
    venue          text NOT NULL,
    endpoint       text NOT NULL,
    reason_code    text NOT NULL,
    detail         text,
    payload        jsonb,
    run_id         text,
    quarantined_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quarantine_time_idx ON dq.quarantine (quarantined_at);
CREATE INDEX quarantine_venue_reason_idx ON dq.quarantine (venue, reason_code, quarantined_at);
CREATE INDEX quarantine_run_idx ON dq.quarantine (run_id);
