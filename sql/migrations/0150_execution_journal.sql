-- Executor journal: trading state, pairs, orders (written before they are sent), fills, funding, events,
-- reconciliations; and the paper venue's own book of record (paper_*), which plays the venue in paper mode.
-- depends: 0002_schemas_and_grants

CREATE SCHEMA IF NOT EXISTS execution;

CREATE TABLE IF NOT EXISTS execution.trading_state (
    executor_id text PRIMARY KEY,
    state text NOT NULL CHECK (state IN ('ACTIVE', 'REDUCE_ONLY', 'HALTED')),
    reason text NOT NULL DEFAULT '',
    updated_by text NOT NULL DEFAULT 'system',
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS execution.pairs (
    pair_id text PRIMARY KEY,
    executor_id text NOT NULL,
    mode text NOT NULL CHECK (mode IN ('paper', 'live')),
    asset text NOT NULL,
    long_venue text NOT NULL,
    long_symbol text NOT NULL,
    long_multiplier numeric NOT NULL,
    short_venue text NOT NULL,
    short_symbol text NOT NULL,
    short_multiplier numeric NOT NULL,
    state text NOT NULL,
    target_canonical_qty numeric NOT NULL,
    target_notional_usd numeric NOT NULL,
    entry_spread_per_hour numeric NOT NULL,
    entry_apr numeric,
    opportunity_ref text,
    exit_reason text,
    attempts int NOT NULL DEFAULT 0,
    state_since timestamptz NOT NULL DEFAULT now(),
    opened_at timestamptz,
    closed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS pairs_live_idx ON execution.pairs (executor_id, state)
    WHERE state NOT IN ('closed', 'abandoned');

CREATE TABLE IF NOT EXISTS execution.orders (
    client_order_id text PRIMARY KEY,
    pair_id text NOT NULL REFERENCES execution.pairs (pair_id),
    leg text NOT NULL CHECK (leg IN ('long', 'short')),
    purpose text NOT NULL CHECK (purpose IN ('entry', 'hedge', 'unwind', 'exit')),
    venue text NOT NULL,
    venue_symbol text NOT NULL,
    side text NOT NULL CHECK (side IN ('buy', 'sell')),
    qty numeric NOT NULL CHECK (qty > 0),
    order_type text NOT NULL,
    limit_price numeric,
    reduce_only boolean NOT NULL DEFAULT false,
    state text NOT NULL,
    venue_order_id text,
    filled_qty numeric NOT NULL DEFAULT 0,
    avg_price numeric,
    fee_usd numeric NOT NULL DEFAULT 0,
    last_error text,
    lookups int NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    submitted_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS orders_pair_idx ON execution.orders (pair_id, leg);
CREATE INDEX IF NOT EXISTS orders_unresolved_idx ON execution.orders (state)
    WHERE state IN ('pending_submit', 'submitted', 'unknown', 'open', 'partially_filled');

CREATE TABLE IF NOT EXISTS execution.fills (
    venue text NOT NULL,
    trade_id text NOT NULL,
    client_order_id text NOT NULL REFERENCES execution.orders (client_order_id),
    pair_id text NOT NULL,
    venue_symbol text NOT NULL,
    side text NOT NULL,
    qty numeric NOT NULL,
    price numeric NOT NULL,
    fee_usd numeric NOT NULL,
    is_maker boolean NOT NULL,
    ts timestamptz NOT NULL,
    PRIMARY KEY (venue, trade_id)
);
CREATE INDEX IF NOT EXISTS fills_pair_idx ON execution.fills (pair_id);

CREATE TABLE IF NOT EXISTS execution.funding_payments (
    pair_id text NOT NULL REFERENCES execution.pairs (pair_id),
    venue text NOT NULL,
    venue_symbol text NOT NULL,
    funding_time timestamptz NOT NULL,
    position_qty numeric NOT NULL,
    rate numeric NOT NULL,
    amount_usd numeric NOT NULL,
    PRIMARY KEY (pair_id, venue, venue_symbol, funding_time)
);

CREATE TABLE IF NOT EXISTS execution.pair_marks (
    pair_id text NOT NULL REFERENCES execution.pairs (pair_id),
    ts timestamptz NOT NULL,
    long_qty numeric NOT NULL,
    short_qty numeric NOT NULL,
    long_mark numeric,
    short_mark numeric,
    current_spread_per_hour numeric,
    unrealised_pnl_usd numeric,
    funding_usd numeric,
    fees_usd numeric,
    PRIMARY KEY (pair_id, ts)
);

CREATE TABLE IF NOT EXISTS execution.events (
    id bigserial PRIMARY KEY,
    executor_id text NOT NULL,
    ts timestamptz NOT NULL DEFAULT now(),
    level text NOT NULL DEFAULT 'info',
    kind text NOT NULL,
    pair_id text,
    detail jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX IF NOT EXISTS events_ts_idx ON execution.events (ts DESC);

CREATE TABLE IF NOT EXISTS execution.reconciliations (
    id bigserial PRIMARY KEY,
    executor_id text NOT NULL,
    ts timestamptz NOT NULL DEFAULT now(),
    status text NOT NULL CHECK (status IN ('ok', 'mismatch', 'error')),
    detail jsonb NOT NULL DEFAULT '{}'::jsonb
);

-- The paper venue's state: what a real venue would hold. Written in one transaction per venue action.
CREATE TABLE IF NOT EXISTS execution.paper_orders (
    venue text NOT NULL,
    client_order_id text NOT NULL,
    venue_order_id text NOT NULL,
    venue_symbol text NOT NULL,
    side text NOT NULL,
    qty numeric NOT NULL,
    order_type text NOT NULL,
    limit_price numeric,
    reduce_only boolean NOT NULL,
    status text NOT NULL,
    filled_qty numeric NOT NULL DEFAULT 0,
    avg_price numeric,
    fee_usd numeric NOT NULL DEFAULT 0,
    reject_reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (venue, client_order_id)
);

CREATE TABLE IF NOT EXISTS execution.paper_fills (
    venue text NOT NULL,
    trade_id text NOT NULL,
    client_order_id text NOT NULL,
    venue_symbol text NOT NULL,
    side text NOT NULL,
    qty numeric NOT NULL,
    price numeric NOT NULL,
    fee_usd numeric NOT NULL,
    is_maker boolean NOT NULL,
    ts timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (venue, trade_id)
);

CREATE TABLE IF NOT EXISTS execution.paper_positions (
    venue text NOT NULL,
    venue_symbol text NOT NULL,
    qty numeric NOT NULL DEFAULT 0,
    avg_entry_price numeric,
    realised_pnl_usd numeric NOT NULL DEFAULT 0,
    funding_usd numeric NOT NULL DEFAULT 0,
    funding_accrued_until timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (venue, venue_symbol)
);

CREATE TABLE IF NOT EXISTS execution.paper_funding (
    venue text NOT NULL,
    venue_symbol text NOT NULL,
    funding_time timestamptz NOT NULL,
    position_qty numeric NOT NULL,
    rate numeric NOT NULL,
    mark_price numeric NOT NULL,
    amount_usd numeric NOT NULL,
    PRIMARY KEY (venue, venue_symbol, funding_time)
);

-- Faults a test (or a drill) can inject into a running paper venue.
CREATE TABLE IF NOT EXISTS execution.paper_faults (
    venue text PRIMARY KEY,
    config jsonb NOT NULL DEFAULT '{}'::jsonb,
    updated_at timestamptz NOT NULL DEFAULT now()
);
