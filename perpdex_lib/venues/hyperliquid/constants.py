"""Hyperliquid wire facts: hosts, the /info request types, rate limits as data, units and intervals.

Endpoints (all POST ``/info`` with a JSON body ``{"type": ...}``):

- ``metaAndAssetCtxs`` -> ``[meta, [ctx...]]``: instruments + mark/oracle/OI (base)/24 h USD volume/current
  ``funding`` (fraction per hour), ctx list aligned with ``meta.universe``.
- ``predictedFundings`` -> ``[[coin, [[venue, {fundingRate, nextFundingTime, fundingIntervalHours} | null]...]]...]``:
  the live estimate with the venue's own next settlement time and interval (we read the ``HlPerp`` entry).
- ``fundingHistory`` ``{coin, startTime, endTime}`` -> ``[{coin, fundingRate, premium, time}]``, at most 500
  rows per call, ascending; we page by ``startTime = last time + 1``.
- ``l2Book`` ``{coin}`` -> ``{coin, time, levels: [bids, asks]}`` with ``{px, sz, n}``, 20 levels per side.
- ``meta`` / ``spotMeta`` / ``allMids``: used by the official SDK at start-up, served by the simulator.

Units: funding is a **fraction per hour** and settles hourly. Until the settlement of 2023-06-08 00:00 UTC
it settled every 8 h with 8 h-sized rates (the SDK's 2023 cassette shows the last 8-hourly print at
00:00 and the first hourly one at 01:00), so history rows before :data:`HOURLY_FUNDING_SINCE` carry an 8 h
interval. Times are epoch milliseconds (history prints carry a few ms of jitter after the hour; the
settlement time is the print rounded to the hour). Decimals are JSON strings; ``szDecimals``,
``maxLeverage`` and ``n`` are JSON ints.

Symbols: the coin name is the base (``BTC``); sub-cent assets are quoted per 1000 units with a lower-case
``k`` prefix (``kPEPE`` = 1000 PEPE -> multiplier 1000 via ``perpdex_lib.symbols``). Quote/margin is USDC.

Sizing: lot = 10^-szDecimals; there is no tick field: prices have at most 5 significant figures and at
most ``6 - szDecimals`` decimals, so the tick depends on the price (computed from the mark price);
minimum order value is 10 USDC.

Rate limits: 1200 weight per minute per IP, one budget for every info request. ``l2Book``/``allMids``
weigh 2, other info requests 20, ``fundingHistory`` 20 plus 1 per 20 rows returned (we charge the full-page
45 up front, since the row count is only known afterwards).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from perpdex_lib.venues.http import RateLimit

MAINNET_URL = "https://api.hyperliquid.xyz"
TESTNET_URL = "https://api.hyperliquid-testnet.xyz"
INFO_PATH = "/info"
WS_PATH = "/ws"

# /info request types
META = "meta"
SPOT_META = "spotMeta"
META_AND_ASSET_CTXS = "metaAndAssetCtxs"
PREDICTED_FUNDINGS = "predictedFundings"
FUNDING_HISTORY = "fundingHistory"
L2_BOOK = "l2Book"
ALL_MIDS = "allMids"

HL_PERP_VENUE = "HlPerp"  # our own entry in predictedFundings (the others are Binance/Bybit)

SCOPE_INFO = "info"
WEIGHT_PER_MINUTE = 1200
RATE_LIMITS: dict[str, RateLimit] = {SCOPE_INFO: RateLimit(SCOPE_INFO, WEIGHT_PER_MINUTE, 60.0)}
REQUEST_WEIGHT: dict[str, int] = {
    L2_BOOK: 2,
    ALL_MIDS: 2,
    META: 20,
    SPOT_META: 20,
    META_AND_ASSET_CTXS: 20,
    PREDICTED_FUNDINGS: 20,
    FUNDING_HISTORY: 20 + 500 // 20,
}

HISTORY_PAGE_ROWS = 500  # the venue returns at most this many fundingHistory rows per call
BOOK_LEVELS = 20  # l2Book levels per side

QUOTE = "USDC"
FUNDING_INTERVAL_HOURS = Decimal(1)
LEGACY_FUNDING_INTERVAL_HOURS = Decimal(8)
# First hourly settlement; prints before it settled every 8 h (see module docstring).
HOURLY_FUNDING_SINCE = datetime(2023, 6, 8, 1, tzinfo=UTC)

MIN_NOTIONAL_USD = Decimal(10)
PRICE_SIG_FIGS = 5
MAX_PRICE_DECIMALS_PERP = 6  # price decimals <= 6 - szDecimals for perps
