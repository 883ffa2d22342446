-- Opportunity engine, part 6: compute_opportunities on the inputs prepared at load time (0054).
-- Same rules, reason codes and digits as 0053 and perpdex_lib/opportunities/engine.py (docs/OPPORTUNITIES.md);
-- what changed is how much each run re-derives:
-- * book walks: two binary searches per side over the stored walk arrays, no jsonb expansion;
-- * the persistence cache is keyed on the settled-history versions, no scan of the week's settlements;
-- * every pair computes only what its first failing check needs; costs, details and persistence are computed
--   for the pairs that need them (half the pairs stop at the spread);
-- * a SQL run's rejections are written as one row of parallel arrays (analytics.opportunity_rejection_sets)
--   instead of ~15k indexed rows with a foreign key each; analytics.opportunity_rejections becomes a view over
--   those and the per-row table (renamed opportunity_rejection_rows; the Python engine and other writers still
--   insert into the view, one row per pair), so every reader sees one row per rejected pair as before.
-- depends: 0054_opportunity_engine_precomputed_inputs

-- Rejections: compact per-run storage for the SQL engine, one row per pair for everyone else.
ALTER TABLE analytics.opportunity_rejections RENAME TO opportunity_rejection_rows;

CREATE TABLE analytics.opportunity_rejection_sets (
    run_id       text PRIMARY KEY REFERENCES analytics.opportunity_runs (run_id) ON DELETE CASCADE,
    asset        text[] NOT NULL,  -- element i of every array describes one rejected pair
    long_venue   text[] NOT NULL,
    long_symbol  text[] NOT NULL,
    short_venue  text[] NOT NULL,
    short_symbol text[] NOT NULL,
    reason_code  text[] NOT NULL,
    detail       text[] NOT NULL
);
-- ~1 MB of text per run: lz4 compresses it several times faster than the default pglz (where the server has it).
DO $$
BEGIN
    ALTER TABLE analytics.opportunity_rejection_sets
        ALTER COLUMN asset SET COMPRESSION lz4, ALTER COLUMN long_venue SET COMPRESSION lz4,
        ALTER COLUMN long_symbol SET COMPRESSION lz4, ALTER COLUMN short_venue SET COMPRESSION lz4,
        ALTER COLUMN short_symbol SET COMPRESSION lz4, ALTER COLUMN reason_code SET COMPRESSION lz4,
        ALTER COLUMN detail SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    NULL;  -- built without lz4: pglz
END
$$;

CREATE VIEW analytics.opportunity_rejections AS
SELECT r.run_id, r.asset, r.long_venue, r.long_symbol, r.short_venue, r.short_symbol, r.reason_code, r.detail
FROM analytics.opportunity_rejection_rows r
UNION ALL
SELECT s.run_id, u.asset, u.long_venue, u.long_symbol, u.short_venue, u.short_symbol, u.reason_code, u.detail
FROM analytics.opportunity_rejection_sets s
CROSS JOIN LATERAL unnest(s.asset, s.long_venue, s.long_symbol, s.short_venue, s.short_symbol, s.reason_code,
                          s.detail)
    AS u (asset, long_venue, long_symbol, short_venue, short_symbol, reason_code, detail);

-- Writers keep inserting one row per pair into analytics.opportunity_rejections.
CREATE FUNCTION analytics.opp_rejection_row_insert() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    INSERT INTO analytics.opportunity_rejection_rows (run_id, asset, long_venue, long_symbol, short_venue,
                                                      short_symbol, reason_code, detail)
    VALUES (NEW.run_id, NEW.asset, NEW.long_venue, NEW.long_symbol, NEW.short_venue, NEW.short_symbol,
            NEW.reason_code, NEW.detail);
    RETURN NEW;
END
$$;
CREATE TRIGGER opportunity_rejections_insert INSTEAD OF INSERT ON analytics.opportunity_rejections
    FOR EACH ROW EXECUTE FUNCTION analytics.opp_rejection_row_insert();

GRANT SELECT ON analytics.opportunity_rejections, analytics.opportunity_rejection_sets
    TO perpdex_pipeline, perpdex_executor;
GRANT INSERT ON analytics.opportunity_rejections, analytics.opportunity_rejection_sets TO perpdex_pipeline;

-- A run writes ~2k opportunities at once: one set-based check per statement instead of a foreign-key lookup
-- per row. Orphans are still refused, and deleting a run (retention) still removes its rows.
ALTER TABLE analytics.opportunities DROP CONSTRAINT opportunities_run_id_fkey;
ALTER TABLE analytics.opportunity_rejection_sets DROP CONSTRAINT opportunity_rejection_sets_run_id_fkey;

CREATE FUNCTION analytics.opp_refuse_orphan_rows() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_orphan text;
BEGIN
    SELECT n.run_id INTO v_orphan FROM opp_new_rows n
    WHERE NOT EXISTS (SELECT 1 FROM analytics.opportunity_runs r WHERE r.run_id = n.run_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = format('%s: run %s is not in analytics.opportunity_runs', TG_TABLE_NAME, v_orphan);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER opportunities_need_a_run AFTER INSERT ON analytics.opportunities
    REFERENCING NEW TABLE AS opp_new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics.opp_refuse_orphan_rows();
CREATE TRIGGER opportunities_keep_a_run AFTER UPDATE ON analytics.opportunities
    REFERENCING NEW TABLE AS opp_new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics.opp_refuse_orphan_rows();
CREATE TRIGGER rejection_sets_need_a_run AFTER INSERT ON analytics.opportunity_rejection_sets
    REFERENCING NEW TABLE AS opp_new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics.opp_refuse_orphan_rows();
CREATE TRIGGER rejection_sets_keep_a_run AFTER UPDATE ON analytics.opportunity_rejection_sets
    REFERENCING NEW TABLE AS opp_new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics.opp_refuse_orphan_rows();

CREATE FUNCTION analytics.opp_delete_run_rows() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM analytics.opportunities o USING opp_old_runs g WHERE o.run_id = g.run_id;
    DELETE FROM analytics.opportunity_rejection_sets s USING opp_old_runs g WHERE s.run_id = g.run_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER opportunity_runs_cascade AFTER DELETE ON analytics.opportunity_runs
    REFERENCING OLD TABLE AS opp_old_runs FOR EACH STATEMENT EXECUTE FUNCTION analytics.opp_delete_run_rows();

CREATE OR REPLACE VIEW reporting.opportunity_rejections_latest AS
SELECT lr.computed_at, lr.horizon_hours, lr.execution_style, j.*
FROM reporting.latest_opportunity_runs lr
JOIN analytics.opportunity_rejections j ON j.run_id = lr.run_id;

CREATE OR REPLACE VIEW reporting.opportunity_rejection_reasons_latest AS
SELECT lr.run_id, lr.computed_at, lr.horizon_hours, lr.execution_style, j.reason_code, count(*) AS pairs
FROM reporting.latest_opportunity_runs lr
JOIN analytics.opportunity_rejections j ON j.run_id = lr.run_id
GROUP BY lr.run_id, lr.computed_at, lr.horizon_hours, lr.execution_style, j.reason_code;

CREATE OR REPLACE FUNCTION analytics.compute_opportunities(p_params jsonb, p_now timestamptz DEFAULT now(),
                                                p_run_id text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET timezone = 'UTC'
AS $$
DECLARE
    k            text;
    v_run        text := coalesce(p_run_id, gen_random_uuid()::text);
    v_t0         timestamptz := clock_timestamp();
    v_n          numeric;
    v_h          numeric;
    v_style      text;
    v_fa         numeric;
    v_sa         numeric;
    v_ba         numeric;
    v_slip       numeric;
    v_basis      numeric;
    v_min_spread numeric;
    v_min_apr    numeric;
    v_min_vol    numeric;
    v_max_oi     numeric;
    v_min_hist   integer;
    v_credit     boolean;
    v_lookback   integer;
    v_tiers      jsonb;
    v_we         timestamptz := date_trunc('hour', p_now, 'UTC');
    v_legs       integer;
    v_opps       integer;
    v_rejs       integer;
    v_age        numeric;
    v_cached     integer;
    v_todo       integer;
BEGIN
    FOREACH k IN ARRAY ARRAY['notional_usd', 'horizon_hours', 'execution_style', 'max_funding_age_s',
                             'max_snapshot_age_s', 'max_book_age_s', 'max_slippage_bps', 'max_basis_bps',
                             'min_spread_per_hour', 'min_net_apr', 'min_volume_24h_usd', 'max_oi_share',
                             'min_history_hours', 'credit_basis_gain', 'lookback_hours', 'fee_tiers'] LOOP
        IF NOT p_params ? k THEN
            RAISE EXCEPTION 'compute_opportunities: parameter % is missing', k;
        END IF;
    END LOOP;
    v_n := (p_params ->> 'notional_usd')::numeric;
    v_h := (p_params ->> 'horizon_hours')::numeric;
    v_style := p_params ->> 'execution_style';
    v_fa := (p_params ->> 'max_funding_age_s')::numeric;
    v_sa := (p_params ->> 'max_snapshot_age_s')::numeric;
    v_ba := (p_params ->> 'max_book_age_s')::numeric;
    v_slip := (p_params ->> 'max_slippage_bps')::numeric;
    v_basis := (p_params ->> 'max_basis_bps')::numeric;
    v_min_spread := (p_params ->> 'min_spread_per_hour')::numeric;
    v_min_apr := (p_params ->> 'min_net_apr')::numeric;
    v_min_vol := (p_params ->> 'min_volume_24h_usd')::numeric;
    v_max_oi := (p_params ->> 'max_oi_share')::numeric;
    v_min_hist := (p_params ->> 'min_history_hours')::integer;
    v_credit := (p_params ->> 'credit_basis_gain')::boolean;
    v_lookback := (p_params ->> 'lookback_hours')::integer;
    v_tiers := p_params -> 'fee_tiers';
    IF v_style NOT IN ('maker', 'taker') THEN
        RAISE EXCEPTION 'compute_opportunities: execution_style must be maker or taker, got %', v_style;
    END IF;
    IF v_n <= 0 OR v_h <= 0 THEN
        RAISE EXCEPTION 'compute_opportunities: notional_usd and horizon_hours must be positive';
    END IF;

    INSERT INTO analytics.opportunity_runs (run_id, computed_at, engine, parameters, notional_usd, horizon_hours,
                                            execution_style)
    VALUES (v_run, p_now, 'sql', p_params, v_n, v_h, v_style);

    -- Intermediate results go to temporary tables with fresh statistics: the planner then hash-joins the
    -- hourly series instead of nesting loops over CTEs it cannot estimate.
    DROP TABLE IF EXISTS pg_temp.opp_leg, pg_temp.opp_pair, pg_temp.opp_hourly, pg_temp.opp_fp,
        pg_temp.opp_pstat, pg_temp.opp_todo, pg_temp.opp_final;
    CREATE TEMP TABLE opp_leg ON COMMIT DROP AS
    WITH leg0 AS MATERIALIZED (
        SELECT l.venue, l.venue_symbol, l.asset, l.status, l.interval_hours, l.continuous_funding, l.rate_per_hour,
               l.funding_time, l.funding_observed_at, l.mark_price, l.open_interest_usd, l.volume_24h_usd,
               l.snapshot_ts, l.book_mid,
               -- [1:] copies the stored (usually compressed) arrays once; every later subscript then reads memory
               l.bid_walk[1:] AS bid_walk, l.ask_walk[1:] AS ask_walk,
               CASE WHEN v_style = 'maker' THEN fs.maker_fee ELSE fs.taker_fee END AS fee,
               extract(epoch FROM p_now - l.funding_observed_at) AS funding_age,
               extract(epoch FROM p_now - l.snapshot_ts) AS snapshot_age,
               extract(epoch FROM p_now - l.book_ts) AS book_age,
               CASE WHEN l.mark_price > 0 THEN analytics.opp_div18(l.mark_price, l.multiplier) END AS price,
               (l.book_ts IS NOT NULL AND l.bid_walk IS NOT NULL AND l.ask_walk IS NOT NULL) AS book_ok,
               -- q units at mid per walk and the allowed cost per unit (the mid of a usable book is > 0)
               CASE WHEN l.bid_walk IS NOT NULL AND l.ask_walk IS NOT NULL
                    THEN analytics.opp_div18(v_n, l.book_mid) END AS q,
               v_slip * 0.0001 * l.book_mid AS lpu,
               (array_length(l.ask_walk, 1) - 2) / 4 AS n_buy, (array_length(l.bid_walk, 1) - 2) / 4 AS n_sell,
               l.venue || ':' || l.venue_symbol AS name
        FROM analytics.opp_legs(p_now, make_interval(hours => v_lookback)) l
        LEFT JOIN analytics.fee_schedules fs
               ON fs.venue = l.venue AND fs.tier = coalesce(v_tiers ->> l.venue, 'default')
    ), leg1 AS MATERIALIZED (
        -- the first failing check before the walks, in the documented order; where q runs out on each side
        -- (j: levels before it are taken whole) and the first level beyond the limit (i), by binary search
        SELECT l.*,
               CASE
                   WHEN l.status <> 'active' THEN 'instrument_inactive'
                   WHEN l.rate_per_hour IS NULL OR l.funding_observed_at IS NULL OR l.funding_time IS NULL
                       THEN 'missing_funding'
                   WHEN l.funding_age > v_fa THEN 'stale_funding'
                   WHEN l.snapshot_ts IS NULL THEN 'missing_snapshot'
                   WHEN l.snapshot_age > v_sa THEN 'stale_snapshot'
                   WHEN l.mark_price IS NULL OR l.mark_price <= 0 THEN 'missing_mark'
                   WHEN l.volume_24h_usd IS NULL THEN 'missing_volume'
                   WHEN l.open_interest_usd IS NULL OR l.open_interest_usd <= 0 THEN 'missing_open_interest'
                   WHEN NOT l.book_ok THEN 'missing_book'
                   WHEN l.book_age > v_ba THEN 'stale_book'
                   WHEN l.fee IS NULL THEN 'missing_fee'
               END AS pre_reason,
               width_bucket(l.q, l.ask_walk[1:l.n_buy + 1]) AS j_buy,
               width_bucket(l.lpu, l.ask_walk[3 * l.n_buy + 3:4 * l.n_buy + 2]) + 1 AS i_buy,
               width_bucket(l.q, l.bid_walk[1:l.n_sell + 1]) AS j_sell,
               width_bucket(l.lpu, l.bid_walk[3 * l.n_sell + 3:4 * l.n_sell + 2]) + 1 AS i_sell
        FROM leg0 l
    ), leg2 AS MATERIALIZED (
        -- the walks (0054 has the array layout): the asks are bought (long entry, short exit), the bids sold
        SELECT l.venue, l.venue_symbol, l.asset, l.status, l.rate_per_hour, l.price, l.volume_24h_usd,
               l.open_interest_usd, l.fee, l.interval_hours, l.continuous_funding, l.funding_time, l.funding_age,
               l.snapshot_age, l.book_age, l.book_mid, l.q, l.pre_reason, l.name,
               -- slippage: CS[j] + (q - CQ[j]) x D[j], or the whole side's cost when q exceeds the depth
               CASE WHEN l.j_buy <= l.n_buy
                    THEN l.ask_walk[l.n_buy + 1 + l.j_buy]
                         + (l.q - l.ask_walk[l.j_buy]) * l.ask_walk[2 * l.n_buy + 2 + l.j_buy]
                    ELSE l.ask_walk[2 * l.n_buy + 2] END AS buy_slip,
               l.ask_walk[l.n_buy + 1] AS buy_depth,
               -- capacity: CQ[i] + min(size_i, (lpu x CQ[i] - CS[i]) / (D[i] - lpu)), or the depth
               CASE WHEN l.i_buy > l.n_buy THEN l.ask_walk[l.n_buy + 1]
                    ELSE l.ask_walk[l.i_buy] + least(l.ask_walk[l.i_buy + 1] - l.ask_walk[l.i_buy],
                                            greatest(0, analytics.opp_div18(
                             l.lpu * l.ask_walk[l.i_buy] - l.ask_walk[l.n_buy + 1 + l.i_buy],
                             l.ask_walk[2 * l.n_buy + 2 + l.i_buy] - l.lpu)))
               END * l.book_mid AS buy_cap,
               -- slippage: CS[j] + (q - CQ[j]) x D[j], or the whole side's cost when q exceeds the depth
               CASE WHEN l.j_sell <= l.n_sell
                    THEN l.bid_walk[l.n_sell + 1 + l.j_sell]
                         + (l.q - l.bid_walk[l.j_sell]) * l.bid_walk[2 * l.n_sell + 2 + l.j_sell]
                    ELSE l.bid_walk[2 * l.n_sell + 2] END AS sell_slip,
               l.bid_walk[l.n_sell + 1] AS sell_depth,
               -- capacity: CQ[i] + min(size_i, (lpu x CQ[i] - CS[i]) / (D[i] - lpu)), or the depth
               CASE WHEN l.i_sell > l.n_sell THEN l.bid_walk[l.n_sell + 1]
                    ELSE l.bid_walk[l.i_sell] + least(l.bid_walk[l.i_sell + 1] - l.bid_walk[l.i_sell],
                                            greatest(0, analytics.opp_div18(
                             l.lpu * l.bid_walk[l.i_sell] - l.bid_walk[l.n_sell + 1 + l.i_sell],
                             l.bid_walk[2 * l.n_sell + 2 + l.i_sell] - l.lpu)))
               END * l.book_mid AS sell_cap
        FROM leg1 l
    )
    SELECT row_number() OVER () AS leg_id, l.venue, l.venue_symbol, l.asset, l.rate_per_hour, l.price,
           l.volume_24h_usd, l.open_interest_usd, l.fee, l.interval_hours, l.continuous_funding, l.book_mid AS mid,
           l.q, l.buy_slip, l.sell_slip, l.buy_cap, l.sell_cap,
           CASE WHEN l.continuous_funding THEN 0
                ELSE greatest(0, extract(epoch FROM l.funding_time - p_now)) END AS next_funding_s,
           greatest(l.funding_age, l.snapshot_age, l.book_age) AS max_age,
           r.reason,
           CASE r.reason
               WHEN 'instrument_inactive' THEN format('%s status %s', l.name, l.status)
               WHEN 'missing_funding' THEN format('%s has no predicted funding rate', l.name)
               WHEN 'stale_funding' THEN format('%s funding age %ss > %ss', l.name, l.funding_age, v_fa)
               WHEN 'missing_snapshot' THEN format('%s has no market snapshot', l.name)
               WHEN 'stale_snapshot' THEN format('%s snapshot age %ss > %ss', l.name, l.snapshot_age, v_sa)
               WHEN 'missing_mark' THEN format('%s has no mark price', l.name)
               WHEN 'missing_volume' THEN format('%s has no 24 h volume', l.name)
               WHEN 'missing_open_interest' THEN format('%s has no open interest', l.name)
               WHEN 'missing_book' THEN format('%s has no usable order book', l.name)
               WHEN 'stale_book' THEN format('%s book age %ss > %ss', l.name, l.book_age, v_ba)
               WHEN 'missing_fee' THEN format('%s has no %s fee', l.name, v_style)
               WHEN 'insufficient_depth' THEN format('%s book depth %s < %s units needed at mid %s', l.name,
                                                     least(l.buy_depth, l.sell_depth), l.q, l.book_mid)
           END AS detail
    FROM leg2 l
    CROSS JOIN LATERAL (
        SELECT coalesce(l.pre_reason, CASE WHEN l.buy_depth < l.q OR l.sell_depth < l.q
                                          THEN 'insufficient_depth' END) AS reason
    ) r;
    ANALYZE pg_temp.opp_leg (leg_id, asset, venue, reason);

    -- Pairs: only what decides the reason is computed for every pair, each value only when the checks before it
    -- passed (half the pairs stop at the spread); costs, details and persistence come later for the survivors.
    CREATE TEMP TABLE opp_pair ON COMMIT DROP AS
    WITH ok AS MATERIALIZED (  -- both legs passed and the spread clears the minimum: the pairs that need arithmetic
        SELECT a.leg_id AS long_id, b.leg_id AS short_id, b.rate_per_hour - a.rate_per_hour AS spread,
               analytics.opp_div18(2 * (a.price - b.price), a.price + b.price) AS basis,
               greatest(a.buy_slip, a.sell_slip, b.buy_slip, b.sell_slip) AS worst_slip,
               a.buy_slip + a.sell_slip + b.buy_slip + b.sell_slip AS slippage_cost,
               least(a.volume_24h_usd, b.volume_24h_usd) AS min_volume,
               least(a.open_interest_usd, b.open_interest_usd) AS min_oi,
               v_n * 2 * (a.fee + b.fee) AS fee_cost
        FROM pg_temp.opp_leg a
        JOIN pg_temp.opp_leg b ON b.asset = a.asset AND b.venue <> a.venue
        WHERE a.reason IS NULL AND b.reason IS NULL AND b.rate_per_hour - a.rate_per_hour > v_min_spread
    ), chk AS MATERIALIZED (
        SELECT k.*,
               CASE
                   WHEN abs(k.basis * 10000) > v_basis THEN 'basis_above_max'
                   WHEN k.worst_slip > v_slip * 0.0001 * v_n THEN 'slippage_above_max'
                   WHEN k.min_volume < v_min_vol THEN 'volume_below_min'
                   WHEN analytics.opp_div18(v_n, k.min_oi) > v_max_oi THEN 'oi_share_above_max'
               END AS pre_reason
        FROM ok k
    ), cost AS MATERIALIZED (
        SELECT c.*, t.total_cost,
               analytics.opp_div18((c.spread * v_n * v_h - t.total_cost) * 8760, v_n * v_h) AS net_apr
        FROM chk c
        CROSS JOIN LATERAL (
            SELECT c.fee_cost + c.slippage_cost + v_n * CASE WHEN v_credit THEN c.basis ELSE greatest(c.basis, 0) END
                       AS total_cost
        ) t
        WHERE c.pre_reason IS NULL
    )
    SELECT a.asset, a.venue AS lv, a.venue_symbol AS ls, b.venue AS sv, b.venue_symbol AS ss,
           a.leg_id AS long_id, b.leg_id AS short_id, b.rate_per_hour - a.rate_per_hour AS spread,
           k.basis, k.worst_slip, k.slippage_cost, k.min_volume, k.min_oi, k.fee_cost, c.total_cost, c.net_apr,
           CASE
               WHEN k.long_id IS NULL THEN 'spread_below_min'
               WHEN k.pre_reason IS NOT NULL THEN k.pre_reason
               WHEN c.net_apr < v_min_apr THEN 'net_apr_below_min'
           END AS reason
    FROM pg_temp.opp_leg a
    JOIN pg_temp.opp_leg b ON b.asset = a.asset AND b.venue <> a.venue
    LEFT JOIN chk k ON k.long_id = a.leg_id AND k.short_id = b.leg_id
    LEFT JOIN cost c ON c.long_id = a.leg_id AND c.short_id = b.leg_id
    WHERE a.reason IS NULL AND b.reason IS NULL;  -- a pair with a failed leg is rejected by that leg's reason
    -- (not analysed: the planner's size estimate from the pages is enough for the joins below)

    -- Persistence depends only on the settled history visible at p_now, which changes when the hour rolls or
    -- settlements arrive or are corrected. A pair's statistics are reused from the cache while the window end
    -- and both legs' fingerprints are unchanged: the settled-history version (bumped by triggers on every
    -- change), the newest settlement at or before p_now (which rows of the current hour count when a past
    -- instant is replayed; read from the versions table unless it lies after p_now) and the funding mode.
    CREATE TEMP TABLE opp_fp ON COMMIT DROP AS
    SELECT l.leg_id, l.venue, l.venue_symbol, l.continuous_funding,
           format('%s|%s|%s', v.version,
                  CASE WHEN v.max_funding_time <= p_now THEN v.max_funding_time
                       WHEN v.max_funding_time > p_now THEN
                           (SELECT max(s.funding_time) FROM market.funding_rates s
                            WHERE s.venue = l.venue AND s.venue_symbol = l.venue_symbol AND s.kind = 'settled'
                              AND s.funding_time >= v_we - interval '168 hours' AND s.funding_time <= p_now)
                  END, l.continuous_funding) AS fp
    FROM pg_temp.opp_leg l
    LEFT JOIN analytics.opp_settled_versions v ON v.venue = l.venue AND v.venue_symbol = l.venue_symbol
    WHERE l.reason IS NULL;  -- a superset of the survivors' legs, without scanning the pairs

    CREATE TEMP TABLE opp_pstat ON COMMIT DROP AS
    SELECT c.long_id, c.short_id, false AS fresh, pc.n1, pc.mean1, pc.sd1, pc.share1, pc.n7, pc.mean7, pc.sd7,
           pc.share7
    FROM pg_temp.opp_pair c
    JOIN pg_temp.opp_fp fl ON fl.leg_id = c.long_id
    JOIN pg_temp.opp_fp fs ON fs.leg_id = c.short_id
    JOIN analytics.opportunity_persistence_cache pc
      ON pc.window_end = v_we AND pc.long_venue = c.lv AND pc.long_symbol = c.ls AND pc.short_venue = c.sv
     AND pc.short_symbol = c.ss AND pc.long_fp = fl.fp AND pc.short_fp = fs.fp
    WHERE c.reason IS NULL;
    GET DIAGNOSTICS v_cached = ROW_COUNT;

    CREATE TEMP TABLE opp_todo ON COMMIT DROP AS
    SELECT c.long_id, c.short_id
    FROM pg_temp.opp_pair c
    WHERE c.reason IS NULL
      AND NOT EXISTS (SELECT 1 FROM pg_temp.opp_pstat s WHERE s.long_id = c.long_id AND s.short_id = c.short_id);
    GET DIAGNOSTICS v_todo = ROW_COUNT;

    IF v_todo > 0 THEN  -- a warm run (everything reused) skips the series altogether
    CREATE TEMP TABLE opp_hourly ON COMMIT DROP AS
    WITH live AS (
        SELECT f.leg_id, f.venue, f.venue_symbol, f.continuous_funding
        FROM pg_temp.opp_fp f
        WHERE f.leg_id IN (SELECT long_id FROM pg_temp.opp_todo UNION SELECT short_id FROM pg_temp.opp_todo)
    ), hourly AS (
        -- a settlement at t for h hours paid its rate in each hour floor(t) - k, k = 1..ceil(h);
        -- continuous venues' observations belong to their own hour (k = 0)
        -- (one-hour and continuous legs, the common case, skip the series expansion)
        SELECT c.leg_id, c.bucket,
               CASE WHEN count(*) = 1 THEN round(sum(c.rate_per_hour), 18)
                    ELSE analytics.opp_div18(sum(c.rate_per_hour), count(*)) END AS r
        FROM (
            SELECT l.leg_id, s.rate_per_hour,
                   date_trunc('hour', s.funding_time)
                       - CASE WHEN l.continuous_funding THEN interval '0 hours' ELSE interval '1 hour' END AS bucket
            FROM market.funding_rates s
            JOIN live l ON l.venue = s.venue AND l.venue_symbol = s.venue_symbol AND s.kind = 'settled'
             AND s.funding_time >= v_we - interval '168 hours' AND s.funding_time <= p_now
            WHERE l.continuous_funding OR s.interval_hours <= 1
            UNION ALL
            SELECT l.leg_id, s.rate_per_hour, date_trunc('hour', s.funding_time) - make_interval(hours => g.k)
            FROM market.funding_rates s
            JOIN live l ON l.venue = s.venue AND l.venue_symbol = s.venue_symbol AND s.kind = 'settled'
             AND s.funding_time >= v_we - interval '168 hours' AND s.funding_time <= p_now
            CROSS JOIN LATERAL generate_series(1, ceil(s.interval_hours)::integer) AS g (k)
            WHERE NOT l.continuous_funding AND s.interval_hours > 1
        ) c
        WHERE c.bucket >= v_we - interval '168 hours' AND c.bucket < v_we
        GROUP BY c.leg_id, c.bucket
    )
    SELECT * FROM hourly;
    ANALYZE pg_temp.opp_hourly (leg_id, bucket);


    INSERT INTO pg_temp.opp_pstat
    WITH agg AS (
        SELECT c.long_id, c.short_id,
               count(*) AS n7, sum(x.d) AS s7, sum(x.d * x.d) AS q7, count(*) FILTER (WHERE x.d > 0) AS p7,
               count(*) FILTER (WHERE hl.bucket >= v_we - interval '24 hours') AS n1,
               sum(x.d) FILTER (WHERE hl.bucket >= v_we - interval '24 hours') AS s1,
               sum(x.d * x.d) FILTER (WHERE hl.bucket >= v_we - interval '24 hours') AS q1,
               count(*) FILTER (WHERE hl.bucket >= v_we - interval '24 hours' AND x.d > 0) AS p1
        FROM pg_temp.opp_todo c
        JOIN pg_temp.opp_hourly hl ON hl.leg_id = c.long_id
        JOIN pg_temp.opp_hourly hs ON hs.leg_id = c.short_id AND hs.bucket = hl.bucket
        CROSS JOIN LATERAL (SELECT hs.r - hl.r AS d) x
        GROUP BY c.long_id, c.short_id
    )
    SELECT t.long_id, t.short_id, true,
           coalesce(ps.n1, 0),
           CASE WHEN ps.n1 > 0 THEN analytics.opp_div18(ps.s1, ps.n1) END,
           CASE WHEN ps.n1 > 1 THEN analytics.opp_sqrt18(analytics.opp_div36(ps.n1 * ps.q1 - ps.s1 * ps.s1,
                                                                             ps.n1 * (ps.n1 - 1))) END,
           CASE WHEN ps.n1 > 0 THEN analytics.opp_div18(ps.p1, ps.n1) END,
           coalesce(ps.n7, 0),
           CASE WHEN ps.n7 > 0 THEN analytics.opp_div18(ps.s7, ps.n7) END,
           CASE WHEN ps.n7 > 1 THEN analytics.opp_sqrt18(analytics.opp_div36(ps.n7 * ps.q7 - ps.s7 * ps.s7,
                                                                             ps.n7 * (ps.n7 - 1))) END,
           CASE WHEN ps.n7 > 0 THEN analytics.opp_div18(ps.p7, ps.n7) END
    FROM pg_temp.opp_todo t
    LEFT JOIN agg ps ON ps.long_id = t.long_id AND ps.short_id = t.short_id;

    INSERT INTO analytics.opportunity_persistence_cache (window_end, long_venue, long_symbol, short_venue,
        short_symbol, long_fp, short_fp, n1, mean1, sd1, share1, n7, mean7, sd7, share7)
    SELECT v_we, c.lv, c.ls, c.sv, c.ss, fl.fp, fs.fp, s.n1, s.mean1, s.sd1, s.share1, s.n7, s.mean7, s.sd7,
           s.share7
    FROM pg_temp.opp_pstat s
    JOIN pg_temp.opp_pair c ON c.long_id = s.long_id AND c.short_id = s.short_id
    JOIN pg_temp.opp_fp fl ON fl.leg_id = s.long_id
    JOIN pg_temp.opp_fp fs ON fs.leg_id = s.short_id
    WHERE s.fresh
    ON CONFLICT (window_end, long_venue, long_symbol, short_venue, short_symbol) DO UPDATE
    SET long_fp = EXCLUDED.long_fp, short_fp = EXCLUDED.short_fp, n1 = EXCLUDED.n1, mean1 = EXCLUDED.mean1,
        sd1 = EXCLUDED.sd1, share1 = EXCLUDED.share1, n7 = EXCLUDED.n7, mean7 = EXCLUDED.mean7,
        sd7 = EXCLUDED.sd7, share7 = EXCLUDED.share7, computed_at = now();
    DROP TABLE pg_temp.opp_hourly;
    END IF;
    DELETE FROM analytics.opportunity_persistence_cache WHERE window_end < v_we - interval '1 day';

    -- The survivors (and the pairs whose history is too short) need the persistence statistics; everything else
    -- was decided in opp_pair.
    CREATE TEMP TABLE opp_final ON COMMIT DROP AS
    SELECT p.*, coalesce(ps.n7, 0) AS n7, coalesce(ps.n1, 0) AS n1, ps.mean1, ps.sd1, ps.share1, ps.mean7, ps.sd7,
           ps.share7,
           CASE WHEN coalesce(ps.n7, 0) < v_min_hist THEN 'history_too_short' END AS final_reason
    FROM pg_temp.opp_pair p
    LEFT JOIN pg_temp.opp_pstat ps ON ps.long_id = p.long_id AND ps.short_id = p.short_id
    WHERE p.reason IS NULL;

    WITH ranked AS (
        SELECT f.*,
               row_number() OVER (ORDER BY f.net_apr DESC, f.spread DESC, f.asset COLLATE "C", f.lv COLLATE "C",
                                           f.ls COLLATE "C", f.sv COLLATE "C", f.ss COLLATE "C") AS rank
        FROM pg_temp.opp_final f
        WHERE f.final_reason IS NULL
    ), ins_o AS (
        INSERT INTO analytics.opportunities (
            run_id, rank, asset, long_venue, long_symbol, short_venue, short_symbol, long_rate_per_hour,
            short_rate_per_hour, spread_per_hour, gross_apr, notional_usd, horizon_hours, execution_style,
            fee_cost_usd, slippage_cost_usd, basis_bps, basis_cost_usd, total_cost_usd, funding_income_usd, net_usd,
            net_apr, break_even_hours, liquidity_cap_usd, oi_share, long_next_funding_s, short_next_funding_s,
            long_interval_hours, short_interval_hours, interval_mismatch, max_input_age_s,
            persistence_24h_hours, persistence_24h_mean, persistence_24h_stdev, persistence_24h_share_pos,
            persistence_7d_hours, persistence_7d_mean, persistence_7d_stdev, persistence_7d_share_pos)
        SELECT v_run, r.rank, r.asset, r.lv, r.ls, r.sv, r.ss, a.rate_per_hour, b.rate_per_hour, r.spread,
               r.spread * 8760, v_n, v_h, v_style, r.fee_cost, r.slippage_cost, r.basis * 10000,
               v_n * CASE WHEN v_credit THEN r.basis ELSE greatest(r.basis, 0) END, r.total_cost,
               r.spread * v_n * v_h, r.spread * v_n * v_h - r.total_cost, r.net_apr,
               CASE WHEN r.spread <= 0 THEN NULL WHEN r.total_cost <= 0 THEN 0
                    ELSE analytics.opp_div18(r.total_cost, r.spread * v_n) END,
               least(a.buy_cap, a.sell_cap, b.buy_cap, b.sell_cap), analytics.opp_div18(v_n, r.min_oi),
               a.next_funding_s, b.next_funding_s, a.interval_hours, b.interval_hours,
               (a.interval_hours <> b.interval_hours OR a.continuous_funding <> b.continuous_funding),
               greatest(a.max_age, b.max_age),
               r.n1, r.mean1, r.sd1, r.share1, r.n7, r.mean7, r.sd7, r.share7
        FROM ranked r
        JOIN pg_temp.opp_leg a ON a.leg_id = r.long_id
        JOIN pg_temp.opp_leg b ON b.leg_id = r.short_id
        RETURNING max_input_age_s
    )
    SELECT count(*), max(max_input_age_s) FROM ins_o INTO v_opps, v_age;

    -- The rejections as one row of arrays; the detail text is only built here, for the rejected pairs.
    WITH rej AS (
        SELECT p.asset, p.lv, p.ls, p.sv, p.ss, p.reason,
               CASE p.reason
                   WHEN 'spread_below_min' THEN 'spread ' || p.spread || '/h <= ' || v_min_spread || '/h'
                   WHEN 'basis_above_max' THEN format('basis %s bps beyond %s bps', p.basis * 10000, v_basis)
                   WHEN 'slippage_above_max'
                       THEN format('slippage %s USD on one walk > %s USD', p.worst_slip, v_slip * 0.0001 * v_n)
                   WHEN 'volume_below_min' THEN format('24 h volume %s USD < %s USD', p.min_volume, v_min_vol)
                   WHEN 'oi_share_above_max' THEN format('notional is %s of open interest > %s',
                                                         analytics.opp_div18(v_n, p.min_oi), v_max_oi)
                   WHEN 'net_apr_below_min' THEN format('net APR %s < %s', p.net_apr, v_min_apr)
               END AS detail
        FROM pg_temp.opp_pair p
        WHERE p.reason IS NOT NULL
        UNION ALL  -- the pairs of the legs that failed a check (the long leg's reason first)
        SELECT a.asset, a.venue, a.venue_symbol, b.venue, b.venue_symbol, coalesce(a.reason, b.reason),
               CASE WHEN a.reason IS NOT NULL THEN a.detail ELSE b.detail END
        FROM pg_temp.opp_leg a
        JOIN pg_temp.opp_leg b ON b.asset = a.asset AND b.venue <> a.venue
        WHERE a.reason IS NOT NULL OR b.reason IS NOT NULL
        UNION ALL
        SELECT f.asset, f.lv, f.ls, f.sv, f.ss, f.final_reason,
               format('%s common settled hours in 7 d < %s', f.n7, v_min_hist)
        FROM pg_temp.opp_final f
        WHERE f.final_reason IS NOT NULL
    ), ins_r AS (
        INSERT INTO analytics.opportunity_rejection_sets (run_id, asset, long_venue, long_symbol, short_venue,
                                                          short_symbol, reason_code, detail)
        SELECT v_run, coalesce(array_agg(r.asset), '{}'), coalesce(array_agg(r.lv), '{}'),
               coalesce(array_agg(r.ls), '{}'), coalesce(array_agg(r.sv), '{}'), coalesce(array_agg(r.ss), '{}'),
               coalesce(array_agg(r.reason), '{}'), coalesce(array_agg(r.detail), '{}')
        FROM rej r
        RETURNING cardinality(reason_code) AS n
    )
    SELECT n FROM ins_r INTO v_rejs;
    SELECT count(*) FROM pg_temp.opp_leg INTO v_legs;

    UPDATE analytics.opportunity_runs
    SET legs = v_legs, persistence_pairs_cached = v_cached, opportunities = v_opps, rejections = v_rejs,
        max_input_age_s = v_age,
        duration_ms = round(extract(epoch FROM clock_timestamp() - v_t0) * 1000, 3)
    WHERE run_id = v_run;
    DROP TABLE pg_temp.opp_leg, pg_temp.opp_pair, pg_temp.opp_fp, pg_temp.opp_pstat, pg_temp.opp_todo,
        pg_temp.opp_final;
    RETURN v_run;
END
$$;

