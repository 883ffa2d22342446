-- Dashboard views over the executor's journal: pairs with PnL, legs, PnL marks, events, reconciliations, state.
-- depends: 0150_execution_journal 0200_dashboard_rollups
--
-- Why views and not direct reads: perpdex_dashboard sees only `reporting`. These views expose what an operator
-- needs and nothing that could carry a secret (order errors and event details are venue messages the executor
-- journals; credentials never reach the journal by the executor's rule 7).

-- One row per pair. trading_pnl_usd: for closed pairs the realised cash flow of every fill (sells minus buys in
-- USD, venue units × venue price), for live pairs the executor's latest unrealised mark.
CREATE OR REPLACE VIEW reporting.exec_pairs AS
SELECT p.pair_id,
       p.executor_id,
       p.mode,
       p.asset,
       p.long_venue,
       p.long_symbol,
       p.short_venue,
       p.short_symbol,
       p.state,
       p.state IN ('closed', 'abandoned') AS is_closed,
       p.target_notional_usd,
       p.entry_spread_per_hour,
       p.entry_apr,
       p.exit_reason,
       p.attempts,
       p.created_at,
       p.opened_at,
       p.closed_at,
       p.updated_at,
       coalesce(fu.funding_usd, 0) AS funding_usd,
       coalesce(fl.fees_usd, 0) AS fees_usd,
       CASE WHEN p.state IN ('closed', 'abandoned') THEN coalesce(fl.cash_usd, 0)
            ELSE coalesce(mk.unrealised_pnl_usd, 0) END AS trading_pnl_usd,
       CASE WHEN p.state IN ('closed', 'abandoned') THEN coalesce(fl.cash_usd, 0)
            ELSE coalesce(mk.unrealised_pnl_usd, 0) END
           + coalesce(fu.funding_usd, 0) - coalesce(fl.fees_usd, 0) AS net_pnl_usd,
       mk.current_spread_per_hour,
       mk.ts AS marked_at
FROM execution.pairs p
LEFT JOIN LATERAL (
    SELECT sum(fp.amount_usd) AS funding_usd FROM execution.funding_payments fp WHERE fp.pair_id = p.pair_id
) fu ON true
LEFT JOIN LATERAL (
    SELECT sum(f.fee_usd) AS fees_usd,
           sum(CASE WHEN f.side = 'sell' THEN f.qty * f.price ELSE -f.qty * f.price END) AS cash_usd
    FROM execution.fills f WHERE f.pair_id = p.pair_id
) fl ON true
LEFT JOIN LATERAL (
    SELECT m.ts, m.unrealised_pnl_usd, m.current_spread_per_hour
    FROM execution.pair_marks m WHERE m.pair_id = p.pair_id ORDER BY m.ts DESC LIMIT 1
) mk ON true;

-- Per pair and leg: entry (entry + hedge orders) and exit (exit + unwind orders) quantities and average prices.
CREATE OR REPLACE VIEW reporting.exec_legs AS
SELECT o.pair_id,
       o.leg,
       o.venue,
       o.venue_symbol,
       sum(f.qty) FILTER (WHERE o.purpose IN ('entry', 'hedge')) AS entry_qty,
       sum(f.qty * f.price) FILTER (WHERE o.purpose IN ('entry', 'hedge'))
           / nullif(sum(f.qty) FILTER (WHERE o.purpose IN ('entry', 'hedge')), 0) AS entry_avg_price,
       sum(f.qty) FILTER (WHERE o.purpose IN ('exit', 'unwind')) AS exit_qty,
       sum(f.qty * f.price) FILTER (WHERE o.purpose IN ('exit', 'unwind'))
           / nullif(sum(f.qty) FILTER (WHERE o.purpose IN ('exit', 'unwind')), 0) AS exit_avg_price,
       sum(f.fee_usd) AS fees_usd,
       count(*) AS fills,
       min(f.ts) AS first_fill_at,
       max(f.ts) AS last_fill_at
FROM execution.orders o
JOIN execution.fills f ON f.client_order_id = o.client_order_id
GROUP BY o.pair_id, o.leg, o.venue, o.venue_symbol;

-- The executor's periodic marks: PnL over time per pair.
CREATE OR REPLACE VIEW reporting.exec_pnl_marks AS
SELECT m.pair_id,
       p.asset,
       m.ts,
       coalesce(m.unrealised_pnl_usd, 0) AS unrealised_pnl_usd,
       coalesce(m.funding_usd, 0) AS funding_usd,
       coalesce(m.fees_usd, 0) AS fees_usd,
       coalesce(m.unrealised_pnl_usd, 0) + coalesce(m.funding_usd, 0) - coalesce(m.fees_usd, 0) AS net_pnl_usd
FROM execution.pair_marks m
JOIN execution.pairs p ON p.pair_id = m.pair_id;

CREATE OR REPLACE VIEW reporting.exec_events AS
SELECT e.id, e.ts, e.executor_id, e.level, e.kind, e.pair_id, e.detail::text AS detail
FROM execution.events e;

CREATE OR REPLACE VIEW reporting.exec_reconciliations AS
SELECT r.id, r.ts, r.executor_id, r.status, r.detail::text AS detail
FROM execution.reconciliations r;

-- Per executor: trading state, mode of its latest pair, live pair count, latest event and reconciliation.
CREATE OR REPLACE VIEW reporting.exec_status AS
SELECT t.executor_id,
       t.state AS trading_state,
       t.reason AS state_reason,
       t.updated_by AS state_updated_by,
       t.updated_at AS state_updated_at,
       (SELECT p.mode FROM execution.pairs p WHERE p.executor_id = t.executor_id
        ORDER BY p.created_at DESC LIMIT 1) AS mode,
       (SELECT count(*) FROM execution.pairs p WHERE p.executor_id = t.executor_id
          AND p.state NOT IN ('closed', 'abandoned')) AS live_pairs,
       (SELECT count(*) FROM execution.pairs p WHERE p.executor_id = t.executor_id
          AND p.state = 'broken') AS broken_pairs,
       (SELECT max(e.ts) FROM execution.events e WHERE e.executor_id = t.executor_id) AS last_event_at,
       rc.ts AS last_reconciliation_at,
       rc.status AS last_reconciliation_status
FROM execution.trading_state t
LEFT JOIN LATERAL (
    SELECT r.ts, r.status FROM execution.reconciliations r WHERE r.executor_id = t.executor_id
    ORDER BY r.ts DESC LIMIT 1
) rc ON true;
