"""Paradex wire facts: hosts, paths, rate limits as data, units and the continuous-funding conventions.

REST base ``https://api.prod.paradex.trade`` (paths carry ``/v1``; testnet ``api.testnet.paradex.trade``);
WS ``wss://ws.api.prod.paradex.trade/v1`` (JSON-RPC 2.0). Lists come as ``{"results": [...]}``, paginated
ones as ``{"next", "prev", "results"}`` with opaque cursors (``next`` is null on the last page). Decimals
are strings, timestamps are **epoch milliseconds as JSON ints**, ``seq_no``/``funding_period_hours`` ints.
Errors: 4xx with ``{"error": "VALIDATION_ERROR" | "NOT_FOUND" | ..., "message": str}``.

Public endpoints we use:

- ``GET /v1/system/config`` - chain and contract facts; the official SDK fetches it when it is constructed.
- ``GET /v1/markets`` -> every market (``asset_kind`` PERP, PERP_OPTION, OPTION...; we keep PERP) with
  ``price_tick_size``, ``order_size_increment`` (lot), ``min_notional`` (USD), ``funding_period_hours``
  and ``delta1_cross_margin_params.imf_base`` (max leverage = 1 / imf_base).
- ``GET /v1/markets/summary?market=ALL`` -> mark, oracle/underlying (index) price, bid/ask, 24 h USD volume,
  ``open_interest`` (one-sided, base units), ``funding_rate``, ``created_at`` (ms).
- ``GET /v1/funding/data?market&start_at&end_at&page_size&cursor`` -> funding observations, newest first.
- ``GET /v1/orderbook/{market}?depth=N`` -> ``asks``/``bids`` as ``[price, size]`` string pairs.

Funding: Paradex accrues **continuously** (through ``funding_index``); there are no discrete settlements.
``funding_rate`` is a **fraction per funding period** of ``funding_period_hours`` (8 h for perps; the SDK
warns it is not 8 h-normalised in general); ``funding_rate_8h`` (history only) is normalised to 8 h.
Instruments therefore carry ``continuous_funding=True`` and ``funding_interval_hours = funding_period_hours``
(the quoting period).

- Predicted rows: Paradex sends no next-funding time, so ``funding_time`` is **computed**: the end of the
  running funding period on the UTC grid of ``funding_period_hours`` (00:00, 08:00, 16:00 for 8 h) after the
  summary's ``created_at``. Every estimate seen during one period upserts the same row, as on the
  discretely settling venues.
- Settled rows: ``/funding/data`` publishes observations every few seconds, not settlements. For each
  period boundary T on that grid we keep the **last observation at or before T** (and after T - period) and
  record it with ``funding_time = T``; the observation's own ``funding_period_hours`` is the interval in
  force (rows without it fall back to ``funding_rate_8h``, a fraction per 8 h). Rather than scanning every
  observation (~17 000 a day, 17 pages of 1000), a history request asks for the short window
  ``[T - 5 min, T]`` of each boundary (one request per boundary, three a day, following ``next`` if a
  window spans pages), a few boundaries at a time.

Symbols: ``BTC-USD-PERP``; sub-cent assets are quoted per 1000 units with a ``k`` prefix (``kPEPE-USD-PERP``
= 1000 PEPE, multiplier 1000 via ``perpdex_lib.symbols``). Quote is USD, settlement USDC.

Rate limits (paradex-docs): public REST 1500 requests per minute per IP (one budget for everything we
call); auth/onboarding 600/min; private GET 600/min per account.
"""

from __future__ import annotations

from perpdex_lib.domain.enums import RateUnit
from perpdex_lib.venues.http import RateLimit

MAINNET_URL = "https://api.prod.paradex.trade"
TESTNET_URL = "https://api.testnet.paradex.trade"
WS_URL = "wss://ws.api.prod.paradex.trade/v1"

SYSTEM_CONFIG_PATH = "/v1/system/config"
SYSTEM_TIME_PATH = "/v1/system/time"
MARKETS_PATH = "/v1/markets"
MARKETS_SUMMARY_PATH = "/v1/markets/summary"
FUNDING_DATA_PATH = "/v1/funding/data"
ORDERBOOK_PATH = "/v1/orderbook/{market}"
BBO_PATH = "/v1/bbo/{market}"

SCOPE = "rest"
RATE_LIMITS: dict[str, RateLimit] = {SCOPE: RateLimit(SCOPE, 1500, 60.0)}

ALL_MARKETS = "ALL"
FUNDING_PAGE_SIZE = 100  # per /funding/data page: the venue's default, > one 5-minute window of observations
FUNDING_WINDOW_MS = 5 * 60_000  # observations fetched before each period boundary
FUNDING_WINDOW_MAX_PAGES = 20  # a window never needs more; stops a misbehaving cursor
HISTORY_CONCURRENCY = 4  # boundary windows in flight at once
PERP_KIND = "PERP"
MAX_FUNDING_PERIOD_HOURS = 168  # a longer funding period is not a unit we understand: reject, never guess
PERP_SUFFIX = "-PERP"

FUNDING_RATE_UNIT = RateUnit.FRACTION_PER_INTERVAL  # `funding_rate`, per `funding_period_hours`
FUNDING_RATE_8H_UNIT = RateUnit.FRACTION_PER_8H  # `funding_rate_8h` in /funding/data
