-- Market data: venues, instruments, funding rates, snapshots, order books.
-- Natural keys make every load idempotent; time series are range-partitioned by month (UTC) and their
-- partitions are created on demand by market.ensure_monthly_partitions(), which the loader calls for the
-- span of every batch, so a load never fails for a missing partition.
-- depends: 0002_schemas_and_grants

CREATE TABLE market.venues (
    venue        text PRIMARY KEY,
    display_name text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

INSERT INTO market.venues (venue, display_name) VALUES
    ('lighter', 'Lighter'),
    ('grvt', 'GRVT'),
    ('edgex', 'EdgeX'),
    ('backpack', 'Backpack'),
    ('aster', 'Aster'),
    ('paradex', 'Paradex'),
    ('hyperliquid', 'Hyperliquid')
ON CONFLICT (venue) DO NOTHING;

CREATE TABLE market.instruments (
    venue                  text NOT NULL REFERENCES market.venues (venue),
    venue_symbol           text NOT NULL,
    asset                  text NOT NULL,
    quote                  text NOT NULL,
    multiplier             numeric NOT NULL CHECK (multiplier > 0),
    tick_size              numeric NOT NULL CHECK (tick_size > 0),
    lot_size               numeric NOT NULL CHECK (lot_size > 0),
    min_size               numeric CHECK (min_size >= 0),
    min_notional_usd       numeric CHECK (min_notional_usd >= 0),
    max_leverage           numeric CHECK (max_leverage > 0),
    funding_interval_hours numeric NOT NULL CHECK (funding_interval_hours > 0),
    continuous_funding     boolean NOT NULL DEFAULT false,
    status                 text NOT NULL CHECK (status IN ('active', 'reduce_only', 'halted', 'delisted')),
    venue_market_id        text,
    first_seen_at          timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (venue, venue_symbol)
);
CREATE INDEX instruments_asset_idx ON market.instruments (asset, venue);

-- No foreign keys on the time series: they would cost every bulk load a lookup per row, and the
-- loader's inputs come from connectors that only emit venues of the Venue enum.
CREATE TABLE market.funding_rates (
    venue          text NOT NULL,
    venue_symbol   text NOT NULL,
    asset          text NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('settled', 'predicted')),
    funding_time   timestamptz NOT NULL,
    raw_rate       numeric NOT NULL,
    raw_unit       text NOT NULL,
    interval_hours numeric NOT NULL CHECK (interval_hours > 0),
    rate_per_hour  numeric NOT NULL,
    venue_ts       timestamptz,
    observed_at    timestamptz NOT NULL,
    ingested_at    timestamptz NOT NULL DEFAULT now(),
    run_id         text,
    PRIMARY KEY (venue, venue_symbol, funding_time, kind)
) PARTITION BY RANGE (funding_time);
-- Deliberately no second index: every index roughly doubles the bulk-merge cost (docs/BENCHMARKS.md).
-- The primary key serves "latest per venue/symbol" (prefix + backward scan on funding_time); per-asset
-- questions go through market.instruments (asset index) to (venue, venue_symbol), or prune by month.

CREATE TABLE market.market_snapshots (
    venue              text NOT NULL,
    venue_symbol       text NOT NULL,
    asset              text NOT NULL,
    ts                 timestamptz NOT NULL,
    mark_price         numeric,
    index_price        numeric,
    open_interest_base numeric,
    open_interest_usd  numeric,
    volume_24h_usd     numeric,
    best_bid           numeric,
    best_ask           numeric,
    bid_depth_usd      numeric,
    ask_depth_usd      numeric,
    next_funding_time  timestamptz,
    ingested_at        timestamptz NOT NULL DEFAULT now(),
    run_id             text,
    PRIMARY KEY (venue, venue_symbol, ts)
) PARTITION BY RANGE (ts);
CREATE INDEX market_snapshots_asset_ts_idx ON market.market_snapshots (asset, ts);

CREATE TABLE market.order_books (
    venue        text NOT NULL,
    venue_symbol text NOT NULL,
    ts           timestamptz NOT NULL,
    bids         jsonb NOT NULL,  -- [[price_string, size_string], ...] best (highest) first
    asks         jsonb NOT NULL,  -- best (lowest) first
    ingested_at  timestamptz NOT NULL DEFAULT now(),
    run_id       text,
    PRIMARY KEY (venue, venue_symbol, ts)
) PARTITION BY RANGE (ts);

-- Creates the missing monthly (UTC) partitions of a range-partitioned table for [from_ts, to_ts].
-- SECURITY DEFINER so the pipeline role (which may not own the parent) can extend it; concurrent callers
-- serialise on an advisory lock and tolerate a partition created by someone else in the meantime.
CREATE FUNCTION market.ensure_monthly_partitions(parent regclass, from_ts timestamptz, to_ts timestamptz)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET timezone = 'UTC'
AS $$
DECLARE
    month_start timestamptz;
    last_start  timestamptz;
    next_start  timestamptz;
    nsp         text;
    rel         text;
    part        text;
    created     integer := 0;
BEGIN
    IF from_ts IS NULL OR to_ts IS NULL THEN
        RETURN 0;
    END IF;
    IF to_ts < from_ts THEN
        RAISE EXCEPTION 'ensure_monthly_partitions: to_ts % is before from_ts %', to_ts, from_ts;
    END IF;
    month_start := date_trunc('month', from_ts);
    last_start := date_trunc('month', to_ts);
    IF last_start > month_start + interval '240 months' THEN
        RAISE EXCEPTION 'ensure_monthly_partitions: span % .. % is over 20 years; refusing (bad timestamp?)',
            from_ts, to_ts;
    END IF;
    SELECT n.nspname, c.relname INTO nsp, rel
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid = parent AND c.relkind = 'p';
    IF rel IS NULL THEN
        RAISE EXCEPTION 'ensure_monthly_partitions: % is not a partitioned table', parent;
    END IF;
    WHILE month_start <= last_start LOOP
        next_start := month_start + interval '1 month';
        part := format('%s_p%s', rel, to_char(month_start, 'YYYYMM'));
        IF to_regclass(format('%I.%I', nsp, part)) IS NULL THEN
            PERFORM pg_advisory_xact_lock(hashtext('perpdex.ensure_monthly_partitions'), hashtext(parent::text));
            BEGIN
                IF to_regclass(format('%I.%I', nsp, part)) IS NULL THEN
                    EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I FOR VALUES FROM (%L) TO (%L)',
                                   nsp, part, nsp, rel, month_start, next_start);
                    created := created + 1;
                END IF;
            EXCEPTION WHEN duplicate_table THEN
                NULL;  -- created concurrently
            END;
        END IF;
        month_start := next_start;
    END LOOP;
    RETURN created;
END
$$;

REVOKE EXECUTE ON FUNCTION market.ensure_monthly_partitions(regclass, timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION market.ensure_monthly_partitions(regclass, timestamptz, timestamptz) TO perpdex_pipeline;

-- The months around "now" exist from the start, so ad-hoc INSERTs work too.
DO $$
BEGIN
    PERFORM market.ensure_monthly_partitions(t::regclass, now() - interval '1 month', now() + interval '2 months')
    FROM unnest(ARRAY['market.funding_rates', 'market.market_snapshots', 'market.order_books']) AS t;
END
$$;
