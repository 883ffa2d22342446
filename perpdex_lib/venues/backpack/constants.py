"""Backpack Exchange: public market-data facts as data.

Endpoints (REST, base ``https://api.backpack.exchange``, all GET, no envelope - bodies are bare lists/objects):

- ``/api/v1/markets[?marketType=PERP]`` - every market (SPOT and PERP mixed); perps are ``marketType == "PERP"``,
  symbols ``BTC_USDC_PERP``. ``fundingInterval`` is the settlement interval in **milliseconds** per market;
  tick ``filters.price.tickSize``, lot ``filters.quantity.stepSize``, min size ``filters.quantity.minQuantity``;
  max leverage = 1 / ``imfFunction.base`` (initial margin fraction at zero size); status ``orderBookState``.
- ``/api/v1/markPrices`` - ``fundingRate`` (**fraction per interval**, string), ``markPrice``, ``indexPrice``,
  ``nextFundingTimestamp`` (ms int): the predicted rows' ``funding_time``. Spot rows carry only ``markPrice``.
- ``/api/v1/fundingRates?symbol&limit&offset`` - settled history, **newest first**, ``limit`` <= 1000, offset
  pagination, no time filter; ``intervalEndTimestamp`` is an ISO-8601 string in **naive UTC**.
- ``/api/v1/openInterest[?symbol]`` - one-sided open interest in **base units** (string) + ``timestamp`` ms.
- ``/api/v1/tickers`` / ``/api/v1/ticker?symbol`` - 24 h stats; ``quoteVolume`` is USDC volume.
- ``/api/v1/depth?symbol[&limit]`` - ``[price, qty]`` string pairs, ``lastUpdateId`` string, ``timestamp`` in
  **microseconds**. Real Backpack has listed bids worst-first; the parser sorts both sides, never trusts order.
- ``/api/v1/status``, ``/api/v1/ping`` ("pong"), ``/api/v1/time`` (ms, plain text) - what the bpx SDK calls.

Units and intervals: the funding interval is **1 h since 2025-08-20** (announcement; ``fundingInterval``
3 600 000) and was 8 h before. The history endpoint does not say which interval a row settled, so a settled
row at or before the switch uses 8 h, later rows use the market's current ``fundingInterval``.

Quirks: sub-cent assets are quoted per thousand with a ``k`` prefix (``kPEPE_USDC_PERP``, base ``kPEPE`` =
1000 PEPE). No documented rate limits; ccxt spaces requests 50 ms apart, so we allow 20 requests/s.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from perpdex_lib.domain.enums import InstrumentStatus
from perpdex_lib.venues.http import RateLimit

DEFAULT_HOST = "https://api.backpack.exchange"

MARKETS_PATH = "/api/v1/markets"
MARKET_PATH = "/api/v1/market"
MARK_PRICES_PATH = "/api/v1/markPrices"
FUNDING_RATES_PATH = "/api/v1/fundingRates"
OPEN_INTEREST_PATH = "/api/v1/openInterest"
TICKERS_PATH = "/api/v1/tickers"
TICKER_PATH = "/api/v1/ticker"
DEPTH_PATH = "/api/v1/depth"
TRADES_PATH = "/api/v1/trades"
STATUS_PATH = "/api/v1/status"
PING_PATH = "/api/v1/ping"
TIME_PATH = "/api/v1/time"

RATE_LIMITS: dict[str, RateLimit] = {"rest": RateLimit("rest", 20, 1.0)}

PERP_MARKET_TYPE = "PERP"
PERP_SUFFIX = "_PERP"

# fundingRates: limit 1..1000 (default 100), offset from the newest row.
HISTORY_PAGE_LIMIT = 1000
# depth accepts these limits; we ask for the smallest that covers the requested depth.
DEPTH_LIMITS = (5, 10, 20, 50, 100, 500, 1000)

MS_PER_HOUR = Decimal(3_600_000)

# The switch from 8 h to 1 h settlements. Rows settled at or before this instant used 8 h intervals.
INTERVAL_SWITCH_AT = datetime(2025, 8, 20, tzinfo=UTC)
INTERVAL_BEFORE_SWITCH_H = Decimal(8)

# orderBookState -> status. CancelOnly accepts no new orders at all, hence halted; Closed is halted, not
# delisted, because Backpack reopens closed books. Anything else is a parse error.
STATUS_MAP: dict[str, InstrumentStatus] = {
    "Open": InstrumentStatus.ACTIVE,
    "LimitOnly": InstrumentStatus.ACTIVE,
    "PostOnly": InstrumentStatus.ACTIVE,
    "CancelOnly": InstrumentStatus.HALTED,
    "Closed": InstrumentStatus.HALTED,
}
