-- Curated read-only views: the only thing the dashboard role can see.
-- depends: 0004_dq

CREATE VIEW reporting.funding_rates AS
SELECT f.venue,
       f.venue_symbol,
       f.asset,
       f.kind,
       f.funding_time,
       f.raw_rate,
       f.raw_unit,
       f.interval_hours,
       f.rate_per_hour,
       f.rate_per_hour * 8760 AS apr,
       f.venue_ts,
       f.observed_at,
       f.ingested_at
FROM market.funding_rates f;

-- One row per venue/symbol: the latest predicted rate (next settlement) next to the latest settled one.
CREATE VIEW reporting.latest_funding AS
WITH predicted AS (
    SELECT DISTINCT ON (venue, venue_symbol)
           venue, venue_symbol, asset, funding_time, rate_per_hour, interval_hours, observed_at
    FROM market.funding_rates
    WHERE kind = 'predicted'
    ORDER BY venue, venue_symbol, funding_time DESC, observed_at DESC
), settled AS (
    SELECT DISTINCT ON (venue, venue_symbol)
           venue, venue_symbol, asset, funding_time, rate_per_hour, interval_hours, observed_at
    FROM market.funding_rates
    WHERE kind = 'settled'
    ORDER BY venue, venue_symbol, funding_time DESC
)
SELECT coalesce(p.venue, s.venue)               AS venue,
       coalesce(p.venue_symbol, s.venue_symbol) AS venue_symbol,
       coalesce(p.asset, s.asset)               AS asset,
       p.funding_time                           AS predicted_funding_time,
       p.rate_per_hour                          AS predicted_rate_per_hour,
       p.rate_per_hour * 8760                   AS predicted_apr,
       p.observed_at                            AS predicted_observed_at,
       s.funding_time                           AS settled_funding_time,
       s.rate_per_hour                          AS settled_rate_per_hour,
       s.rate_per_hour * 8760                   AS settled_apr,
       coalesce(p.interval_hours, s.interval_hours) AS interval_hours
FROM predicted p
FULL JOIN settled s ON s.venue = p.venue AND s.venue_symbol = p.venue_symbol;

CREATE VIEW reporting.instruments AS
SELECT i.venue,
       v.display_name AS venue_name,
       i.venue_symbol,
       i.asset,
       i.quote,
       i.multiplier,
       i.tick_size,
       i.lot_size,
       i.min_size,
       i.min_notional_usd,
       i.max_leverage,
       i.funding_interval_hours,
       i.continuous_funding,
       i.status,
       i.venue_market_id,
       i.first_seen_at,
       i.updated_at
FROM market.instruments i
JOIN market.venues v ON v.venue = i.venue;

CREATE VIEW reporting.market_latest AS
SELECT DISTINCT ON (venue, venue_symbol)
       venue, venue_symbol, asset, ts, mark_price, index_price, open_interest_base, open_interest_usd,
       volume_24h_usd, best_bid, best_ask,
       CASE WHEN best_bid > 0 AND best_ask > 0
            THEN (best_ask - best_bid) / ((best_ask + best_bid) / 2) * 10000 END AS spread_bps,
       bid_depth_usd, ask_depth_usd, next_funding_time
FROM market.market_snapshots
ORDER BY venue, venue_symbol, ts DESC;

CREATE VIEW reporting.quarantine_summary AS
SELECT venue,
       endpoint,
       reason_code,
       count(*)                                                           AS rows_total,
       count(*) FILTER (WHERE quarantined_at > now() - interval '24 hours') AS rows_24h,
       min(quarantined_at)                                                AS first_at,
       max(quarantined_at)                                                AS last_at
FROM dq.quarantine
GROUP BY venue, endpoint, reason_code;
