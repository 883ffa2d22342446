-- Opportunity engine, part 3: reporting views (the dashboard role reads only these).
-- depends: 0051_opportunity_engine 0005_reporting_views

CREATE VIEW reporting.opportunity_runs AS
SELECT r.run_id, r.computed_at, r.created_at, r.engine, r.notional_usd, r.horizon_hours, r.execution_style,
       r.legs, r.opportunities, r.rejections, r.max_input_age_s, r.duration_ms, r.parameters
FROM analytics.opportunity_runs r;

-- The newest run of each parameter set (notional, horizon, style) among runs within a day of the newest run,
-- so several horizons computed by the pipeline show side by side and an old ad-hoc run does not linger.
CREATE VIEW reporting.latest_opportunity_runs AS
WITH newest AS (SELECT max(computed_at) AS at FROM analytics.opportunity_runs)
SELECT DISTINCT ON (r.notional_usd, r.horizon_hours, r.execution_style)
       r.run_id, r.computed_at, r.notional_usd, r.horizon_hours, r.execution_style, r.legs, r.opportunities,
       r.rejections, r.max_input_age_s
FROM analytics.opportunity_runs r, newest
WHERE r.computed_at >= newest.at - interval '24 hours'
ORDER BY r.notional_usd, r.horizon_hours, r.execution_style, r.computed_at DESC, r.created_at DESC;

CREATE VIEW reporting.opportunities_latest AS
SELECT lr.computed_at, o.*,
       extract(epoch FROM now() - lr.computed_at) AS run_age_s
FROM reporting.latest_opportunity_runs lr
JOIN analytics.opportunities o ON o.run_id = lr.run_id;

CREATE VIEW reporting.opportunity_rejections_latest AS
SELECT lr.computed_at, lr.horizon_hours, lr.execution_style, j.*
FROM reporting.latest_opportunity_runs lr
JOIN analytics.opportunity_rejections j ON j.run_id = lr.run_id;

CREATE VIEW reporting.opportunity_rejection_reasons_latest AS
SELECT lr.run_id, lr.computed_at, lr.horizon_hours, lr.execution_style, j.reason_code, count(*) AS pairs
FROM reporting.latest_opportunity_runs lr
JOIN analytics.opportunity_rejections j ON j.run_id = lr.run_id
GROUP BY lr.run_id, lr.computed_at, lr.horizon_hours, lr.execution_style, j.reason_code;

-- Every run's opportunities, for "how did this pair rank over time".
CREATE VIEW reporting.opportunities_history AS
SELECT r.computed_at, o.*
FROM analytics.opportunities o
JOIN analytics.opportunity_runs r ON r.run_id = o.run_id;

CREATE VIEW reporting.fee_schedules AS
SELECT venue, tier, maker_fee, taker_fee, source, confidence, updated_at
FROM analytics.fee_schedules;
