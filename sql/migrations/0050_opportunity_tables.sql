-- Opportunity engine, part 1: fee schedules, runs, ranked opportunities and rejections.
-- A run is one evaluation of every pair at one instant with one parameter set; its rows are immutable
-- (versioned by run), so the dashboard and the executor can always say which inputs produced a number.
-- depends: 0003_market

CREATE TABLE analytics.fee_schedules (
    venue      text NOT NULL REFERENCES market.venues (venue),
    tier       text NOT NULL,
    maker_fee  numeric NOT NULL,  -- fraction of notional; negative = rebate
    taker_fee  numeric NOT NULL,
    source     text NOT NULL,     -- where the number comes from
    confidence text NOT NULL CHECK (confidence IN ('high', 'medium', 'low')),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (venue, tier)
);

-- The defaults of perpdex_lib/fees.py (DEFAULT_FEES); a test keeps the two identical.
INSERT INTO analytics.fee_schedules (venue, tier, maker_fee, taker_fee, source, confidence) VALUES
    ('lighter', 'default', 0, 0,
     'venues.md §1 fees (Lighter docs: Standard account 0 %/0 %); prior_art §1a 0/0; sample fee_tiers.json tier ''standard'' 0/0 ticks', 'high'),
    ('lighter', 'premium', 0.00004, 0.00028,
     'venues.md §1 fees (Lighter docs: Premium 0.004 %/0.028 % at 0 staked LIT); sample fee_tiers.json premium 40/280 ticks', 'high'),
    ('grvt', 'default', -0.0001, 0.00055,
     'prior_art §1a (maker rebate 1 bp, taker 5.5 bps); GRVT has no fee endpoint (venues.md §2)', 'low'),
    ('edgex', 'default', 0.00015, 0.00038,
     'prior_art §1a; matches getMetaData defaultMakerFeeRate/defaultTakerFeeRate in venues.md §3 and sample meta_data.json', 'medium'),
    ('backpack', 'default', 0.0002, 0.0005,
     'prior_art §1a; matches account futuresMakerFee/futuresTakerFee 2/5 bps in sample account.json', 'medium'),
    ('aster', 'default', 0.00005, 0.0004,
     'prior_art §1a (sample commission_rate.json shows 0.0001/0.00035 for one account: per-account rates differ; set yours in configs/fees.yml)', 'low'),
    ('paradex', 'default', 0.00003, 0.0002,
     'prior_art §1a; matches markets fee_config.api_fee maker/taker in sample markets.json', 'medium'),
    ('hyperliquid', 'default', 0.00015, 0.00045,
     'venues.md §7 (userFees base tier 0.045 % taker / 0.015 % maker); prior_art §1a same; sample user_fees.json userAddRate/userCrossRate', 'high');

CREATE TABLE analytics.opportunity_runs (
    run_id           text PRIMARY KEY,
    computed_at      timestamptz NOT NULL,  -- the "now" the run evaluated (ages are measured from it)
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    engine           text NOT NULL CHECK (engine IN ('sql', 'python')),
    parameters       jsonb NOT NULL,
    notional_usd     numeric NOT NULL,
    horizon_hours    numeric NOT NULL,
    execution_style  text NOT NULL CHECK (execution_style IN ('maker', 'taker')),
    legs             integer,
    opportunities    integer,
    rejections       integer,
    max_input_age_s  numeric,  -- oldest input behind any accepted opportunity
    duration_ms      numeric
);
CREATE INDEX opportunity_runs_computed_idx ON analytics.opportunity_runs (computed_at DESC);

CREATE TABLE analytics.opportunities (
    run_id                     text NOT NULL REFERENCES analytics.opportunity_runs (run_id) ON DELETE CASCADE,
    rank                       integer NOT NULL,
    asset                      text NOT NULL,
    long_venue                 text NOT NULL,
    long_symbol                text NOT NULL,
    short_venue                text NOT NULL,
    short_symbol               text NOT NULL,
    long_rate_per_hour         numeric NOT NULL,
    short_rate_per_hour        numeric NOT NULL,
    spread_per_hour            numeric NOT NULL,
    gross_apr                  numeric NOT NULL,
    notional_usd               numeric NOT NULL,
    horizon_hours              numeric NOT NULL,
    execution_style            text NOT NULL,
    fee_cost_usd               numeric NOT NULL,
    slippage_cost_usd          numeric NOT NULL,
    basis_bps                  numeric NOT NULL,
    basis_cost_usd             numeric NOT NULL,
    total_cost_usd             numeric NOT NULL,
    funding_income_usd         numeric NOT NULL,
    net_usd                    numeric NOT NULL,
    net_apr                    numeric NOT NULL,
    break_even_hours           numeric,
    liquidity_cap_usd          numeric NOT NULL,
    oi_share                   numeric NOT NULL,
    long_next_funding_s        numeric NOT NULL,
    short_next_funding_s       numeric NOT NULL,
    long_interval_hours        numeric NOT NULL,
    short_interval_hours       numeric NOT NULL,
    interval_mismatch          boolean NOT NULL,
    max_input_age_s            numeric NOT NULL,
    persistence_24h_hours      integer NOT NULL,
    persistence_24h_mean       numeric,
    persistence_24h_stdev      numeric,
    persistence_24h_share_pos  numeric,
    persistence_7d_hours       integer NOT NULL,
    persistence_7d_mean        numeric,
    persistence_7d_stdev       numeric,
    persistence_7d_share_pos   numeric,
    PRIMARY KEY (run_id, asset, long_venue, long_symbol, short_venue, short_symbol),
    UNIQUE (run_id, rank)
);

CREATE TABLE analytics.opportunity_rejections (
    run_id       text NOT NULL REFERENCES analytics.opportunity_runs (run_id) ON DELETE CASCADE,
    asset        text NOT NULL,
    long_venue   text NOT NULL,
    long_symbol  text NOT NULL,
    short_venue  text NOT NULL,
    short_symbol text NOT NULL,
    reason_code  text NOT NULL,
    detail       text NOT NULL,
    PRIMARY KEY (run_id, asset, long_venue, long_symbol, short_venue, short_symbol)
);
CREATE INDEX opportunity_rejections_reason_idx ON analytics.opportunity_rejections (run_id, reason_code);
