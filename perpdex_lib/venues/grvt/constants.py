"""GRVT wire facts: hosts, paths, rate limits as data, units and intervals.

Every endpoint is **POST with a JSON body** under ``/full/v1/<name>`` (the "full" API spells field names
out; ``/lite/v1`` abbreviates them and is not used). Three hosts serve disjoint paths: market data
(``market-data.grvt.io``: instruments, ticker, book, funding), trading (``trades.grvt.io``: orders,
positions, fills) and auth (``edge.grvt.io``: ``/auth/api_key/login``). The simulator serves all paths
on one port, which works because the paths never collide.

Envelope: ``{"result": ...}`` plus ``"next"`` (an opaque cursor, empty when done) on paginated lists.
Errors: ``{"code": <int>, "message": str, "status": <http status>}``.

Public endpoints we use:

- ``all_instruments`` ``{"is_active": true}`` -> ``result[]`` of instruments (every kind; we keep
  ``kind == "PERPETUAL"``) with ``funding_interval_hours`` per instrument (8 for majors, 4 or 1 for some).
  ``instruments`` (filtered, used by the SDK's ``fetch_markets``) answers the same shape.
- ``ticker`` ``{"instrument"}`` -> one instrument per call; **there is no bulk ticker**, so a full refresh
  is one request per instrument, sent with bounded concurrency (:data:`TICKER_CONCURRENCY`).
- ``funding`` ``{"instrument", "start_time", "end_time", "limit" (<= 1000), "cursor"}`` -> settled
  funding, newest first, paginated by ``next``.
- ``book`` ``{"instrument", "depth"}`` with depth one of 10/50/100/500 -> ``{bids, asks}`` levels
  ``{price, size, num_orders}``.

JSON typing (protobuf style): int64 values (timestamps, ids) are **strings**, int32 values
(``base_decimals``, ``num_orders``, ``funding_interval_hours``) are numbers, decimals are strings, enums
are upper-case strings. Timestamps are **unix nanoseconds** (as strings).

Funding units: **percentage points** ("0.0037" = 0.0037 %). ``funding_rate`` (ticker and history) is
quoted per the instrument's own ``funding_interval_hours``; ``funding_rate_8h_curr``/``_8h_avg`` are the
same estimate normalised to 8 h. We keep ``funding_rate`` as the raw value (unit: percent per interval,
interval from the instrument, or from the history row itself, which carries the interval in force at
that settlement). The ticker's ``next_funding_time`` is the settlement the live estimate is for.

Open interest is one-sided, in base units; 24 h volume is given per taker side in base (``_b``) and
quote (``_q``, USDT) units, so the USD volume is ``buy_volume_24h_q + sell_volume_24h_q``.

Sizing: ``tick_size`` is the price tick; ``min_size`` is both the minimum and the size increment
(``base_decimals`` only scales sizes for order signing); ``min_notional`` is in USDT. There is no
max-leverage field on instruments.

Rate limits: GRVT publishes no table (tiered; error code 1006 "surpassed the allocated rate limit for
your tier"). ccxt throttles at one request per 10 ms; we stay at half of that and bound ticker
concurrency.
"""

from __future__ import annotations

from perpdex_lib.domain.enums import RateUnit
from perpdex_lib.venues.http import RateLimit

MARKET_DATA_URL = "https://market-data.grvt.io"
TRADES_URL = "https://trades.grvt.io"
EDGE_URL = "https://edge.grvt.io"
TESTNET_MARKET_DATA_URL = "https://market-data.testnet.grvt.io"
WS_MARKET_DATA_URL = "wss://market-data.grvt.io/ws/full"
CHAIN_ID = 325

ALL_INSTRUMENTS_PATH = "/full/v1/all_instruments"
INSTRUMENTS_PATH = "/full/v1/instruments"
INSTRUMENT_PATH = "/full/v1/instrument"
TICKER_PATH = "/full/v1/ticker"
MINI_TICKER_PATH = "/full/v1/mini"
FUNDING_PATH = "/full/v1/funding"
BOOK_PATH = "/full/v1/book"
AUTH_LOGIN_PATH = "/auth/api_key/login"

SCOPE = "rest"
RATE_LIMITS: dict[str, RateLimit] = {SCOPE: RateLimit(SCOPE, 50, 1.0)}
TICKER_CONCURRENCY = 8
# One ticker round serves one funding_current() and one snapshots() started within this many seconds of it.
TICKER_ROUND_TTL_S = 5.0

FUNDING_PAGE_LIMIT = 1000  # the venue's maximum rows per funding page
BOOK_DEPTHS = (10, 50, 100, 500)  # the only depths /book accepts

PERPETUAL_KIND = "PERPETUAL"
SYMBOL_SUFFIX = "_Perp"  # BTC_USDT_Perp

FUNDING_RATE_UNIT = RateUnit.PERCENT_PER_INTERVAL  # ticker and history `funding_rate`
FUNDING_RATE_8H_UNIT = RateUnit.PERCENT_PER_8H  # `funding_rate_8h_curr`, fallback when `funding_rate` is absent

# Error codes inside a JSON error body.
ERROR_MALFORMED = 1003
ERROR_NOT_FOUND = 1004
ERROR_RATE_LIMITED = 1006
