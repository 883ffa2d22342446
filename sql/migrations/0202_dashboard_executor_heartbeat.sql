-- Executor status with the daemon's heartbeat (execution.executor_heartbeat): mode, pid, version, last beat.
-- depends: 0201_dashboard_execution_views 0151_executor_heartbeat
--
-- An executor appears once it has either a trading-state row or a heartbeat; mode comes from the heartbeat (what
-- the daemon runs as now), else from its latest pair.

DROP VIEW IF EXISTS reporting.exec_status;
CREATE VIEW reporting.exec_status AS
WITH executors AS (
    SELECT executor_id FROM execution.trading_state
    UNION
    SELECT executor_id FROM execution.executor_heartbeat
)
SELECT x.executor_id,
       t.state AS trading_state,  -- NULL: the executor has not written its state yet (never assume ACTIVE)
       t.reason AS state_reason,
       t.updated_by AS state_updated_by,
       t.updated_at AS state_updated_at,
       coalesce(h.mode, (SELECT p.mode FROM execution.pairs p WHERE p.executor_id = x.executor_id
                         ORDER BY p.created_at DESC LIMIT 1)) AS mode,
       h.state AS daemon_state,
       h.heartbeat_at,
       h.started_at AS daemon_started_at,
       h.pid AS daemon_pid,
       h.version AS daemon_version,
       (SELECT count(*) FROM execution.pairs p WHERE p.executor_id = x.executor_id
          AND p.state NOT IN ('closed', 'abandoned')) AS live_pairs,
       (SELECT count(*) FROM execution.pairs p WHERE p.executor_id = x.executor_id
          AND p.state = 'broken') AS broken_pairs,
       (SELECT max(e.ts) FROM execution.events e WHERE e.executor_id = x.executor_id) AS last_event_at,
       rc.ts AS last_reconciliation_at,
       rc.status AS last_reconciliation_status
FROM executors x
LEFT JOIN execution.trading_state t ON t.executor_id = x.executor_id
LEFT JOIN execution.executor_heartbeat h ON h.executor_id = x.executor_id
LEFT JOIN LATERAL (
    SELECT r.ts, r.status FROM execution.reconciliations r WHERE r.executor_id = x.executor_id
    ORDER BY r.ts DESC LIMIT 1
) rc ON true;
