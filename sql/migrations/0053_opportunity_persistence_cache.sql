-- Opportunity engine, part 4: reuse persistence statistics while the settled history is unchanged.
-- Persistence (mean, stdev, share of positive hours of the settled spread) is the costliest part of a run
-- and only changes when the hour rolls or late settlements arrive; the pipeline recomputes every few
-- minutes. compute_opportunities is replaced by the same rules (0051) plus this cache.
-- depends: 0052_opportunity_reporting

CREATE TABLE analytics.opportunity_persistence_cache (
    window_end   timestamptz NOT NULL,  -- hour(now): the windows are [window_end - 24 h / 168 h, window_end)
    long_venue   text NOT NULL,
    long_symbol  text NOT NULL,
    short_venue  text NOT NULL,
    short_symbol text NOT NULL,
    long_fp      text NOT NULL,  -- fingerprint of the long leg's settled rows in the window
    short_fp     text NOT NULL,
    n1           integer NOT NULL,
    mean1        numeric,
    sd1          numeric,
    share1       numeric,
    n7           integer NOT NULL,
    mean7        numeric,
    sd7          numeric,
    share7       numeric,
    computed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (window_end, long_venue, long_symbol, short_venue, short_symbol)
);

ALTER TABLE analytics.opportunity_runs ADD COLUMN persistence_pairs_cached integer;

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
        pg_temp.opp_pstat, pg_temp.opp_todo;
    CREATE TEMP TABLE opp_leg ON COMMIT DROP AS
    WITH leg0 AS (
        SELECT l.*,
               CASE WHEN v_style = 'maker' THEN fs.maker_fee ELSE fs.taker_fee END AS fee,
               extract(epoch FROM p_now - l.funding_observed_at) AS funding_age,
               extract(epoch FROM p_now - l.snapshot_ts) AS snapshot_age,
               extract(epoch FROM p_now - l.book_ts) AS book_age,
               CASE WHEN l.mark_price > 0 THEN analytics.opp_div18(l.mark_price, l.multiplier) END AS price,
               (l.book_ts IS NOT NULL AND jsonb_typeof(l.bids) = 'array' AND jsonb_typeof(l.asks) = 'array'
                AND jsonb_array_length(l.bids) > 0 AND jsonb_array_length(l.asks) > 0) AS has_book
        FROM analytics.opp_legs(p_now, make_interval(hours => v_lookback)) l
        LEFT JOIN analytics.fee_schedules fs
               ON fs.venue = l.venue AND fs.tier = coalesce(v_tiers ->> l.venue, 'default')
    ), leg1 AS (
        SELECT l.*, m.mid, analytics.opp_div18(v_n, m.mid) AS q, v_slip * 0.0001 * m.mid AS lpu
        FROM leg0 l
        CROSS JOIN LATERAL (
            SELECT CASE WHEN l.has_book THEN
                        analytics.opp_div18((l.bids -> 0 ->> 0)::numeric + (l.asks -> 0 ->> 0)::numeric, 2)
                   END AS mid
        ) m
    ), levels AS (
        SELECT l.venue, l.venue_symbol, s.side, e.ord, (e.lvl ->> 0)::numeric AS price,
               (e.lvl ->> 1)::numeric AS size, l.mid, l.q, l.lpu
        FROM leg1 l
        CROSS JOIN LATERAL (VALUES ('ask', l.asks), ('bid', l.bids)) s (side, book)
        CROSS JOIN LATERAL jsonb_array_elements(s.book) WITH ORDINALITY e (lvl, ord)
        WHERE l.has_book
    ), walk AS (
        SELECT lv.venue, lv.venue_symbol, lv.side, lv.ord, lv.price, lv.size, lv.q, lv.lpu,
               abs(lv.price - lv.mid) AS d,
               coalesce(sum(lv.size) OVER w, 0) AS cq,
               coalesce(sum(lv.size * abs(lv.price - lv.mid)) OVER w, 0) AS cs
        FROM levels lv
        WINDOW w AS (PARTITION BY lv.venue, lv.venue_symbol, lv.side ORDER BY lv.ord
                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
    ), sides AS (
        SELECT w.venue, w.venue_symbol, w.side,
               bool_and(w.price > 0 AND w.size >= 0) AS valid,
               sum(greatest(0, least(w.size, w.q - w.cq)) * w.d) AS slip,
               sum(w.size) AS depth,
               (array_agg(w.cq + least(w.size, greatest(0, analytics.opp_div18(w.lpu * w.cq - w.cs, w.d - w.lpu)))
                          ORDER BY w.ord) FILTER (WHERE w.d > w.lpu))[1] AS cap_q
        FROM walk w
        GROUP BY w.venue, w.venue_symbol, w.side
    ), leg2 AS (
        SELECT l.*,
               coalesce(l.has_book AND a.valid AND b.valid, false) AS book_ok,
               a.slip AS buy_slip, b.slip AS sell_slip, a.depth AS buy_depth, b.depth AS sell_depth,
               coalesce(a.cap_q, a.depth) * l.mid AS buy_cap, coalesce(b.cap_q, b.depth) * l.mid AS sell_cap,
               l.venue || ':' || l.venue_symbol AS name
        FROM leg1 l
        LEFT JOIN sides a ON a.venue = l.venue AND a.venue_symbol = l.venue_symbol AND a.side = 'ask'
        LEFT JOIN sides b ON b.venue = l.venue AND b.venue_symbol = l.venue_symbol AND b.side = 'bid'
    ), leg AS (
        SELECT l.*,
               CASE WHEN l.continuous_funding THEN 0
                    ELSE greatest(0, extract(epoch FROM l.funding_time - p_now)) END AS next_funding_s,
               greatest(l.funding_age, l.snapshot_age, l.book_age) AS max_age,
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
                   WHEN l.buy_depth < l.q OR l.sell_depth < l.q THEN 'insufficient_depth'
               END AS reason,
               CASE
                   WHEN l.status <> 'active' THEN format('%s status %s', l.name, l.status)
                   WHEN l.rate_per_hour IS NULL OR l.funding_observed_at IS NULL OR l.funding_time IS NULL
                       THEN format('%s has no predicted funding rate', l.name)
                   WHEN l.funding_age > v_fa THEN format('%s funding age %ss > %ss', l.name, l.funding_age, v_fa)
                   WHEN l.snapshot_ts IS NULL THEN format('%s has no market snapshot', l.name)
                   WHEN l.snapshot_age > v_sa THEN format('%s snapshot age %ss > %ss', l.name, l.snapshot_age, v_sa)
                   WHEN l.mark_price IS NULL OR l.mark_price <= 0 THEN format('%s has no mark price', l.name)
                   WHEN l.volume_24h_usd IS NULL THEN format('%s has no 24 h volume', l.name)
                   WHEN l.open_interest_usd IS NULL OR l.open_interest_usd <= 0
                       THEN format('%s has no open interest', l.name)
                   WHEN NOT l.book_ok THEN format('%s has no usable order book', l.name)
                   WHEN l.book_age > v_ba THEN format('%s book age %ss > %ss', l.name, l.book_age, v_ba)
                   WHEN l.fee IS NULL THEN format('%s has no %s fee', l.name, v_style)
                   WHEN l.buy_depth < l.q OR l.sell_depth < l.q
                       THEN format('%s book depth %s < %s units needed at mid %s', l.name,
                                   least(l.buy_depth, l.sell_depth), l.q, l.mid)
               END AS detail
        FROM leg2 l
    )
    SELECT row_number() OVER () AS leg_id, leg.asset, leg.venue, leg.venue_symbol, leg.rate_per_hour,
           leg.price, leg.buy_slip, leg.sell_slip, leg.buy_cap, leg.sell_cap, leg.volume_24h_usd,
           leg.open_interest_usd, leg.fee, leg.next_funding_s, leg.interval_hours, leg.continuous_funding,
           leg.max_age, leg.reason, leg.detail
    FROM leg;
    ANALYZE pg_temp.opp_leg (leg_id, asset, venue, reason);

    CREATE TEMP TABLE opp_pair ON COMMIT DROP AS
    WITH pair0 AS (
        SELECT a.asset, a.venue AS lv, a.venue_symbol AS ls, b.venue AS sv, b.venue_symbol AS ss,
               a.rate_per_hour AS lr, b.rate_per_hour AS sr, b.rate_per_hour - a.rate_per_hour AS spread,
               analytics.opp_div18(2 * (a.price - b.price), a.price + b.price) AS basis,
               greatest(a.buy_slip, a.sell_slip, b.buy_slip, b.sell_slip) AS worst_slip,
               a.buy_slip + a.sell_slip + b.buy_slip + b.sell_slip AS slippage_cost,
               least(a.buy_cap, a.sell_cap, b.buy_cap, b.sell_cap) AS cap,
               least(a.volume_24h_usd, b.volume_24h_usd) AS min_volume,
               CASE WHEN least(a.open_interest_usd, b.open_interest_usd) > 0
                    THEN analytics.opp_div18(v_n, least(a.open_interest_usd, b.open_interest_usd)) END AS oi_share,
               v_n * 2 * (a.fee + b.fee) AS fee_cost,
               a.next_funding_s AS lnf, b.next_funding_s AS snf,
               a.interval_hours AS li, b.interval_hours AS si,
               (a.interval_hours <> b.interval_hours OR a.continuous_funding <> b.continuous_funding) AS mismatch,
               greatest(a.max_age, b.max_age) AS max_age,
               coalesce(a.reason, b.reason) AS leg_reason,
               CASE WHEN a.reason IS NOT NULL THEN a.detail ELSE b.detail END AS leg_detail,
               a.leg_id AS long_id, b.leg_id AS short_id
        FROM pg_temp.opp_leg a
        JOIN pg_temp.opp_leg b ON b.asset = a.asset AND b.venue <> a.venue
    ), pair1 AS (
        SELECT p.*,
               v_n * CASE WHEN v_credit THEN p.basis ELSE greatest(p.basis, 0) END AS basis_cost,
               p.spread * v_n * v_h AS income
        FROM pair0 p
    ), pair2 AS (
        SELECT p.*,
               p.fee_cost + p.slippage_cost + p.basis_cost AS total_cost,
               p.income - (p.fee_cost + p.slippage_cost + p.basis_cost) AS net,
               analytics.opp_div18((p.income - (p.fee_cost + p.slippage_cost + p.basis_cost)) * 8760, v_n * v_h)
                   AS net_apr
        FROM pair1 p
    ), pair AS (
        SELECT p.*,
               CASE
                   WHEN p.leg_reason IS NOT NULL THEN p.leg_reason
                   WHEN p.spread <= v_min_spread THEN 'spread_below_min'
                   WHEN abs(p.basis * 10000) > v_basis THEN 'basis_above_max'
                   WHEN p.worst_slip > v_slip * 0.0001 * v_n THEN 'slippage_above_max'
                   WHEN p.min_volume < v_min_vol THEN 'volume_below_min'
                   WHEN p.oi_share > v_max_oi THEN 'oi_share_above_max'
                   WHEN p.net_apr < v_min_apr THEN 'net_apr_below_min'
               END AS reason,
               CASE
                   WHEN p.leg_reason IS NOT NULL THEN p.leg_detail
                   WHEN p.spread <= v_min_spread THEN format('spread %s/h <= %s/h', p.spread, v_min_spread)
                   WHEN abs(p.basis * 10000) > v_basis
                       THEN format('basis %s bps beyond %s bps', p.basis * 10000, v_basis)
                   WHEN p.worst_slip > v_slip * 0.0001 * v_n
                       THEN format('slippage %s USD on one walk > %s USD', p.worst_slip, v_slip * 0.0001 * v_n)
                   WHEN p.min_volume < v_min_vol
                       THEN format('24 h volume %s USD < %s USD', p.min_volume, v_min_vol)
                   WHEN p.oi_share > v_max_oi
                       THEN format('notional is %s of open interest > %s', p.oi_share, v_max_oi)
                   WHEN p.net_apr < v_min_apr THEN format('net APR %s < %s', p.net_apr, v_min_apr)
               END AS detail
        FROM pair2 p
    )
    SELECT * FROM pair;
    ANALYZE pg_temp.opp_pair (reason, long_id, short_id);

    -- Persistence depends only on the settled history visible at p_now, which changes when the hour rolls or
    -- late settlements arrive. A pair's statistics are reused from the cache while the window end and both
    -- legs' history fingerprints (count, sum of rates and of intervals, time range of the window's settled
    -- rows) are unchanged.
    CREATE TEMP TABLE opp_fp ON COMMIT DROP AS
    WITH live AS (  -- legs of the pairs that passed every other check: only they need persistence
        SELECT l.leg_id, l.venue, l.venue_symbol, l.continuous_funding
        FROM pg_temp.opp_leg l
        WHERE l.leg_id IN (SELECT long_id FROM pg_temp.opp_pair WHERE reason IS NULL
                           UNION SELECT short_id FROM pg_temp.opp_pair WHERE reason IS NULL)
    )
    SELECT l.leg_id, l.venue, l.venue_symbol, l.continuous_funding,
           format('%s|%s|%s|%s|%s|%s', count(s.rate_per_hour), sum(s.rate_per_hour), sum(s.interval_hours),
                  min(s.funding_time), max(s.funding_time), l.continuous_funding) AS fp
    FROM live l
    LEFT JOIN market.funding_rates s ON s.venue = l.venue AND s.venue_symbol = l.venue_symbol
     AND s.kind = 'settled' AND s.funding_time >= v_we - interval '168 hours' AND s.funding_time <= p_now
    GROUP BY l.leg_id, l.venue, l.venue_symbol, l.continuous_funding;

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
    DELETE FROM analytics.opportunity_persistence_cache WHERE window_end < v_we - interval '1 day';

    WITH final AS (
        SELECT p.*,
               coalesce(ps.n7, 0) AS n7, coalesce(ps.n1, 0) AS n1, ps.mean1, ps.sd1, ps.share1, ps.mean7, ps.sd7,
               ps.share7,
               CASE WHEN p.reason IS NULL AND coalesce(ps.n7, 0) < v_min_hist THEN 'history_too_short'
                    ELSE p.reason END AS final_reason,
               CASE WHEN p.reason IS NULL AND coalesce(ps.n7, 0) < v_min_hist
                    THEN format('%s common settled hours in 7 d < %s', coalesce(ps.n7, 0), v_min_hist)
                    ELSE p.detail END AS final_detail
        FROM pg_temp.opp_pair p
        LEFT JOIN pg_temp.opp_pstat ps ON ps.long_id = p.long_id AND ps.short_id = p.short_id
    ), ranked AS (
        SELECT f.*,
               row_number() OVER (ORDER BY f.net_apr DESC, f.spread DESC, f.asset COLLATE "C", f.lv COLLATE "C",
                                           f.ls COLLATE "C", f.sv COLLATE "C", f.ss COLLATE "C") AS rank
        FROM final f
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
        SELECT v_run, r.rank, r.asset, r.lv, r.ls, r.sv, r.ss, r.lr, r.sr, r.spread, r.spread * 8760, v_n, v_h,
               v_style, r.fee_cost, r.slippage_cost, r.basis * 10000, r.basis_cost, r.total_cost, r.income, r.net,
               r.net_apr,
               CASE WHEN r.spread <= 0 THEN NULL WHEN r.total_cost <= 0 THEN 0
                    ELSE analytics.opp_div18(r.total_cost, r.spread * v_n) END,
               r.cap, r.oi_share, r.lnf, r.snf, r.li, r.si, r.mismatch, r.max_age,
               r.n1, r.mean1, r.sd1, r.share1, r.n7, r.mean7, r.sd7, r.share7
        FROM ranked r
        RETURNING max_input_age_s
    ), ins_r AS (
        INSERT INTO analytics.opportunity_rejections (run_id, asset, long_venue, long_symbol, short_venue,
                                                      short_symbol, reason_code, detail)
        SELECT v_run, f.asset, f.lv, f.ls, f.sv, f.ss, f.final_reason, f.final_detail
        FROM final f
        WHERE f.final_reason IS NOT NULL
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM pg_temp.opp_leg), (SELECT count(*) FROM ins_o), (SELECT max(max_input_age_s) FROM ins_o),
           (SELECT count(*) FROM ins_r)
    INTO v_legs, v_opps, v_age, v_rejs;

    UPDATE analytics.opportunity_runs
    SET legs = v_legs, persistence_pairs_cached = v_cached, opportunities = v_opps, rejections = v_rejs, max_input_age_s = v_age,
        duration_ms = round(extract(epoch FROM clock_timestamp() - v_t0) * 1000, 3)
    WHERE run_id = v_run;
    DROP TABLE pg_temp.opp_leg, pg_temp.opp_pair, pg_temp.opp_hourly, pg_temp.opp_fp, pg_temp.opp_pstat,
        pg_temp.opp_todo;
    RETURN v_run;
END
$$;

