-- Opportunity engine, part 5: inputs prepared at load time, so a run no longer re-derives them.
-- (1) Every order book stores its walk arrays (generated columns, computed once when the book is written):
--     a run walks a side with two binary searches (width_bucket) instead of expanding jsonb level by level.
-- (2) Every instrument's settled history carries a version, bumped by statement triggers whenever its
--     settled rows change: the persistence cache is keyed on that instead of a fingerprint that scanned the
--     week of settled rows on every run.
-- compute_opportunities is replaced (same rules, same reason codes, same digits as 0053 and engine.py).
-- depends: 0053_opportunity_persistence_cache

-- (1) Book walks. For a side with levels (price_i, size_i), i = 1..n, and the book's mid
-- m = round((best bid + best ask) / 2, 18), d_i = |price_i - m|, the walk array is one flat numeric[] of
-- length 4n + 2:  CQ[1..n+1] | CS[1..n+1] | D[1..n] | M[1..n]  where CQ[j] / CS[j] = size / cost (size x d)
-- of the levels before level j (so CQ[1] = 0 and CQ[n+1] = depth), and M[i] = max(d_1..d_i).
-- CQ and M never decrease, so "how many levels does q consume" and "which is the first level whose cost per
-- unit exceeds the limit" are binary searches (width_bucket). NULL when the side is not a non-empty array of
-- levels with every price > 0 and size >= 0 (the engine's missing_book), or when there is no mid.
CREATE FUNCTION analytics.opp_book_mid(bids jsonb, asks jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN jsonb_typeof(bids) = 'array' AND jsonb_typeof(asks) = 'array'
                 AND jsonb_array_length(bids) > 0 AND jsonb_array_length(asks) > 0
            THEN analytics.opp_div18((bids -> 0 ->> 0)::numeric + (asks -> 0 ->> 0)::numeric, 2) END;

CREATE FUNCTION analytics.opp_side_walk(side jsonb, mid numeric) RETURNS numeric[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    WITH lv AS (
        SELECT e.ord, (e.lvl ->> 0)::numeric AS price, (e.lvl ->> 1)::numeric AS size
        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(side) = 'array' THEN side ELSE '[]'::jsonb END)
             WITH ORDINALITY AS e (lvl, ord)
    ), w AS (
        SELECT lv.ord, lv.price, lv.size, abs(lv.price - mid) AS d,
               sum(lv.size) OVER o AS cq, sum(lv.size * abs(lv.price - mid)) OVER o AS cs,
               max(abs(lv.price - mid)) OVER o AS dmax
        FROM lv
        WINDOW o AS (ORDER BY lv.ord ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    )
    SELECT CASE WHEN mid IS NOT NULL AND count(*) > 0 AND bool_and(coalesce(w.price > 0 AND w.size >= 0, false))
                THEN ARRAY[0::numeric] || array_agg(w.cq ORDER BY w.ord)
                     || ARRAY[0::numeric] || array_agg(w.cs ORDER BY w.ord)
                     || array_agg(w.d ORDER BY w.ord) || array_agg(w.dmax ORDER BY w.ord) END
    FROM w;
END;

ALTER TABLE market.order_books
    ADD COLUMN book_mid numeric GENERATED ALWAYS AS (analytics.opp_book_mid(bids, asks)) STORED,
    ADD COLUMN bid_walk numeric[]
        GENERATED ALWAYS AS (analytics.opp_side_walk(bids, analytics.opp_book_mid(bids, asks))) STORED,
    ADD COLUMN ask_walk numeric[]
        GENERATED ALWAYS AS (analytics.opp_side_walk(asks, analytics.opp_book_mid(bids, asks))) STORED;

-- (2) Settled-history versions. Any statement that inserts, updates or deletes settled rows of an instrument
-- gives it a new version (from a sequence, so a version never repeats, even after TRUNCATE); max_funding_time
-- only grows, so it is an upper bound of the newest settlement (exact unless rows were deleted). Dropping a
-- whole partition bypasses triggers; retention never drops funding partitions inside the 7-day window.
CREATE SEQUENCE analytics.opp_settled_version_seq;
CREATE TABLE analytics.opp_settled_versions (
    venue            text NOT NULL,
    venue_symbol     text NOT NULL,
    version          bigint NOT NULL,
    max_funding_time timestamptz,
    PRIMARY KEY (venue, venue_symbol)
);

CREATE FUNCTION analytics.opp_note_settled_change() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER  -- loaders need no rights on the version table
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE analytics.opp_settled_versions SET version = nextval('analytics.opp_settled_version_seq');
        RETURN NULL;
    END IF;
    INSERT INTO analytics.opp_settled_versions AS v (venue, venue_symbol, version, max_funding_time)
    SELECT c.venue, c.venue_symbol, nextval('analytics.opp_settled_version_seq'), c.max_ft
    FROM (SELECT r.venue, r.venue_symbol, max(r.funding_time) AS max_ft
          FROM opp_changed_rows r WHERE r.kind = 'settled' GROUP BY r.venue, r.venue_symbol) c
    ON CONFLICT (venue, venue_symbol) DO UPDATE
    SET version = EXCLUDED.version, max_funding_time = greatest(v.max_funding_time, EXCLUDED.max_funding_time);
    RETURN NULL;
END
$$;

CREATE TRIGGER opp_settled_inserted AFTER INSERT ON market.funding_rates
    REFERENCING NEW TABLE AS opp_changed_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics.opp_note_settled_change();
CREATE TRIGGER opp_settled_updated_new AFTER UPDATE ON market.funding_rates
    REFERENCING NEW TABLE AS opp_changed_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics.opp_note_settled_change();
CREATE TRIGGER opp_settled_updated_old AFTER UPDATE ON market.funding_rates
    REFERENCING OLD TABLE AS opp_changed_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics.opp_note_settled_change();
CREATE TRIGGER opp_settled_deleted AFTER DELETE ON market.funding_rates
    REFERENCING OLD TABLE AS opp_changed_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics.opp_note_settled_change();
CREATE TRIGGER opp_settled_truncated AFTER TRUNCATE ON market.funding_rates
    FOR EACH STATEMENT EXECUTE FUNCTION analytics.opp_note_settled_change();

INSERT INTO analytics.opp_settled_versions (venue, venue_symbol, version, max_funding_time)
SELECT venue, venue_symbol, nextval('analytics.opp_settled_version_seq'), max(funding_time)
FROM market.funding_rates WHERE kind = 'settled' GROUP BY venue, venue_symbol;

-- The latest predicted rate of a leg is one index probe: the primary key (venue, symbol, funding_time, kind) made
-- each probe step over the leg's whole week of settled rows to find the predicted one. Partial, so settled rows
-- (the bulk of every load) do not maintain it.
CREATE INDEX funding_rates_predicted_idx ON market.funding_rates (venue, venue_symbol, funding_time)
    WHERE kind = 'predicted';

-- The legs, now with the walk arrays (replaces 0051's; same columns first, so load_inputs is unchanged), and the
-- predicted-rate probe reads one index entry instead of sorting the leg's week of rows. A prediction for a
-- settlement more than lookback_hours ahead is ignored like one that far behind (a bogus far-future row would
-- otherwise hide the real one); the bound also lets the probe skip the empty future partitions.
DROP FUNCTION analytics.opp_legs(timestamptz, interval);
CREATE FUNCTION analytics.opp_legs(p_now timestamptz, p_lookback interval)
RETURNS TABLE (
    venue text, venue_symbol text, asset text, multiplier numeric, status text, interval_hours numeric,
    continuous_funding boolean, rate_per_hour numeric, funding_time timestamptz, funding_observed_at timestamptz,
    mark_price numeric, open_interest_usd numeric, volume_24h_usd numeric, snapshot_ts timestamptz,
    bids jsonb, asks jsonb, book_ts timestamptz, book_mid numeric, bid_walk numeric[], ask_walk numeric[]
)
LANGUAGE sql STABLE  -- no SET clause: the planner inlines it into the caller's query
AS $$
    SELECT i.venue, i.venue_symbol, i.asset, i.multiplier, i.status, i.funding_interval_hours,
           i.continuous_funding, f.rate_per_hour, f.funding_time, f.observed_at, s.mark_price,
           s.open_interest_usd, s.volume_24h_usd, s.ts, b.bids, b.asks, b.ts, b.book_mid, b.bid_walk, b.ask_walk
    FROM market.instruments i
    LEFT JOIN LATERAL (
        SELECT fr.rate_per_hour, fr.funding_time, fr.observed_at
        FROM market.funding_rates fr
        WHERE fr.venue = i.venue AND fr.venue_symbol = i.venue_symbol AND fr.kind = 'predicted'
          AND fr.funding_time > p_now - p_lookback AND fr.funding_time <= p_now + p_lookback
          AND fr.observed_at <= p_now
        ORDER BY fr.funding_time DESC  -- unique per (venue, symbol, kind): 0051's observed_at tie-break made
        LIMIT 1                        -- every probe sort the leg's whole week of rows
    ) f ON true
    LEFT JOIN LATERAL (
        SELECT ms.mark_price, ms.open_interest_usd, ms.volume_24h_usd, ms.ts
        FROM market.market_snapshots ms
        WHERE ms.venue = i.venue AND ms.venue_symbol = i.venue_symbol
          AND ms.ts <= p_now AND ms.ts > p_now - p_lookback
        ORDER BY ms.ts DESC
        LIMIT 1
    ) s ON true
    LEFT JOIN LATERAL (
        SELECT ob.bids, ob.asks, ob.ts, ob.book_mid, ob.bid_walk, ob.ask_walk
        FROM market.order_books ob
        WHERE ob.venue = i.venue AND ob.venue_symbol = i.venue_symbol
          AND ob.ts <= p_now AND ob.ts > p_now - p_lookback
        ORDER BY ob.ts DESC
        LIMIT 1
    ) b ON true
    WHERE i.asset IN (SELECT m.asset FROM market.instruments m GROUP BY m.asset HAVING count(DISTINCT m.venue) >= 2)
$$;
GRANT EXECUTE ON FUNCTION analytics.opp_legs(timestamptz, interval) TO perpdex_pipeline, perpdex_executor;
GRANT EXECUTE ON FUNCTION analytics.opp_book_mid(jsonb, jsonb), analytics.opp_side_walk(jsonb, numeric)
    TO perpdex_pipeline, perpdex_executor;
GRANT SELECT ON analytics.opp_settled_versions TO perpdex_pipeline, perpdex_executor;
