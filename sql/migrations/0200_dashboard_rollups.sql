-- Dashboard support: a daily funding rollup, current rates per instrument, venue freshness.
-- depends: 0005_reporting_views
--
-- Why: no extra index on market.funding_rates (each one slows every bulk merge); the dashboard reaches one asset's
-- history through market.instruments → (venue, venue_symbol) → the primary key. Windows longer than two weeks read
-- the daily rollup (24x fewer rows), kept current by reporting.refresh_funding_daily(), which the pipeline's
-- maintenance calls after each load (incremental: only the UTC days since `p_since`, pruned to their partitions).

CREATE TABLE IF NOT EXISTS reporting.funding_daily (
    asset text NOT NULL,
    venue text NOT NULL,
    day timestamptz NOT NULL,
    rate_per_hour_avg numeric NOT NULL,
    rate_per_hour_min numeric NOT NULL,
    rate_per_hour_max numeric NOT NULL,
    samples integer NOT NULL,
    refreshed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (asset, venue, day)
);
COMMENT ON TABLE reporting.funding_daily IS
    'Settled funding per asset, venue and UTC day (mean/min/max of rate_per_hour); maintained by refresh_funding_daily()';

CREATE OR REPLACE FUNCTION reporting.refresh_funding_daily(p_since timestamptz DEFAULT now() - interval '2 days')
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_from timestamptz := date_trunc('day', p_since, 'UTC');
    v_rows integer;
BEGIN
    DELETE FROM reporting.funding_daily WHERE day >= v_from;
    INSERT INTO reporting.funding_daily (asset, venue, day, rate_per_hour_avg, rate_per_hour_min, rate_per_hour_max,
                                         samples)
    SELECT asset, venue, date_trunc('day', funding_time, 'UTC'), avg(rate_per_hour), min(rate_per_hour),
           max(rate_per_hour), count(*)
    FROM market.funding_rates
    WHERE kind = 'settled' AND funding_time >= v_from AND rate_per_hour IS NOT NULL
    GROUP BY 1, 2, 3;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION reporting.refresh_funding_daily(timestamptz) IS
    'Recompute reporting.funding_daily for UTC days >= p_since (default: the last two days); returns rows written';
REVOKE ALL ON FUNCTION reporting.refresh_funding_daily(timestamptz) FROM PUBLIC;

-- Latest settled and latest predicted rate per listed instrument (skip-scan through the primary key; only the last
-- two weeks are considered: an instrument that has not reported since then has no current rate).
CREATE OR REPLACE VIEW reporting.funding_current AS
SELECT i.venue, i.venue_symbol, i.asset, k.kind, f.funding_time, f.rate_per_hour, f.interval_hours, f.observed_at
FROM market.instruments i
CROSS JOIN (VALUES ('settled'), ('predicted')) AS k (kind)
CROSS JOIN LATERAL (
    SELECT r.funding_time, r.rate_per_hour, r.interval_hours, r.observed_at
    FROM market.funding_rates r
    WHERE r.venue = i.venue AND r.venue_symbol = i.venue_symbol AND r.kind = k.kind
      AND r.funding_time > now() - interval '14 days'
    ORDER BY r.funding_time DESC
    LIMIT 1
) f
WHERE coalesce(i.status, 'active') <> 'delisted';

-- Per venue: how old is what we hold, next to how often the venue settles.
CREATE OR REPLACE VIEW reporting.venue_freshness AS
SELECT v.venue,
       max(c.funding_time) FILTER (WHERE c.kind = 'settled') AS last_settled_at,
       max(c.observed_at) AS last_observed_at,
       min(c.interval_hours) FILTER (WHERE c.kind = 'settled') AS interval_hours,
       count(DISTINCT c.venue_symbol) AS instruments
FROM market.venues v
LEFT JOIN reporting.funding_current c ON c.venue = v.venue
GROUP BY v.venue;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'perpdex_dashboard') THEN
        GRANT SELECT ON reporting.funding_daily, reporting.funding_current, reporting.venue_freshness
            TO perpdex_dashboard;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'perpdex_pipeline') THEN
        GRANT EXECUTE ON FUNCTION reporting.refresh_funding_daily(timestamptz) TO perpdex_pipeline;
    END IF;
END;
$$;
