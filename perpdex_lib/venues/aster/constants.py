"""Aster (asterdex): public market-data facts as data.

Aster speaks the Binance USD-M futures API. Endpoints (REST, base ``https://fapi.asterdex.com``, all GET; the
V3 ``/fapi/v3/*`` paths answer the same public bodies; errors are ``{"code": -1121, "msg": "..."}`` with a 4xx):

- ``/fapi/v1/exchangeInfo`` - ``symbols[]`` with ``contractType`` (PERPETUAL only for us), ``status``,
  ``baseAsset``/``quoteAsset`` (``1000PEPE``/``USDT``), ``filters[]`` keyed by ``filterType``: PRICE_FILTER
  ``tickSize``, LOT_SIZE ``stepSize``/``minQty``, MIN_NOTIONAL ``notional``; ``requiredMarginPercent``
  (initial margin %, so max leverage = 100 / it).
- ``/fapi/v1/premiumIndex[?symbol]`` - ``markPrice``, ``indexPrice``, ``lastFundingRate`` (despite its name, the
  **current estimate** for the next settlement, **fraction per interval**), ``nextFundingTime`` (ms: the
  predicted rows' ``funding_time``), ``time`` (ms). An object with ``symbol``, a list without.
- ``/fapi/v1/fundingInfo[?symbol]`` - ``fundingIntervalHours`` per symbol (8, 4 or 1); ``fundingFeeCap/Floor``
  are JSON numbers (null when uncapped). A symbol missing here has an **unknown** interval: its rows are
  quarantined (Binance's "absent means 8 h" convention is not assumed).
- ``/fapi/v1/fundingRate?symbol&startTime&endTime&limit`` - settled history, ascending, ``limit`` <= 1000 (default
  100), start/end inclusive in ms; more rows than ``limit`` -> the first ``limit`` from ``startTime``. Rows do not
  say their interval, and a symbol's interval can change: a row's interval is the gap to the previous
  settlement when that gap is a known interval (1/2/4/8 h), else the current fundingInfo interval.
- ``/fapi/v1/ticker/24hr[?symbol]`` - ``volume`` (base), ``quoteVolume`` (USDT), ``lastPrice``.
- ``/fapi/v1/openInterest?symbol`` - one symbol per call (no bulk form); ``openInterest`` is **one-sided, base
  units** (Binance semantics; the old system doubled it by mistake). USD = base x mark.
- ``/fapi/v1/depth?symbol&limit`` - ``bids``/``asks`` ``[price, qty]`` strings, best first; ``E``/``T`` ms.
- ``/fapi/v1/time``, ``/fapi/v1/ping`` - server time and liveness.

Rate limits are **weights**: 2400 REQUEST_WEIGHT per minute per IP (429, then 418 bans from 2 min to 3 days).
Weights per call are in ``WEIGHTS``; ticker/24hr without a symbol costs 40, depth costs by ``limit``.
Aster has no official Python SDK.
"""

from __future__ import annotations

from decimal import Decimal

from perpdex_lib.domain.enums import InstrumentStatus
from perpdex_lib.venues.http import RateLimit

DEFAULT_HOST = "https://fapi.asterdex.com"

EXCHANGE_INFO_PATH = "/fapi/v1/exchangeInfo"
PREMIUM_INDEX_PATH = "/fapi/v1/premiumIndex"
FUNDING_INFO_PATH = "/fapi/v1/fundingInfo"
FUNDING_RATE_PATH = "/fapi/v1/fundingRate"
TICKER_24HR_PATH = "/fapi/v1/ticker/24hr"
OPEN_INTEREST_PATH = "/fapi/v1/openInterest"
DEPTH_PATH = "/fapi/v1/depth"
TRADES_PATH = "/fapi/v1/trades"
TIME_PATH = "/fapi/v1/time"
PING_PATH = "/fapi/v1/ping"

WEIGHT_SCOPE = "weight"
REQUEST_WEIGHT_PER_MINUTE = 2400
RATE_LIMITS: dict[str, RateLimit] = {
    WEIGHT_SCOPE: RateLimit(WEIGHT_SCOPE, REQUEST_WEIGHT_PER_MINUTE, 60.0),
}

# Request weight per call (Aster futures API docs, "Weight:" of each endpoint).
WEIGHTS: dict[str, int] = {
    EXCHANGE_INFO_PATH: 1,
    PREMIUM_INDEX_PATH: 1,
    FUNDING_INFO_PATH: 1,
    FUNDING_RATE_PATH: 1,
    OPEN_INTEREST_PATH: 1,
    TIME_PATH: 1,
    PING_PATH: 1,
}
TICKER_24HR_WEIGHT_ONE = 1
TICKER_24HR_WEIGHT_ALL = 40
# depth: valid limits and their weights
DEPTH_WEIGHTS: dict[int, int] = {5: 2, 10: 2, 20: 2, 50: 2, 100: 5, 500: 10, 1000: 20}

HISTORY_PAGE_LIMIT = 1000
OPEN_INTEREST_CONCURRENCY = 10  # per-symbol OI calls in flight at once

# Settlement intervals Aster uses; a history gap of one of these is the interval that row settled.
KNOWN_INTERVALS_H = frozenset({Decimal(1), Decimal(2), Decimal(4), Decimal(8)})
# History queries start this much before the window so its first row has a predecessor to measure from.
HISTORY_LOOKBACK_H = 8

PERPETUAL = "PERPETUAL"
# Quote suffixes, longest first, for symbols seen outside exchangeInfo.
QUOTE_SUFFIXES = ("USDT", "USDC", "USD1", "USDF", "USD")

# exchangeInfo ``status`` -> our status. Anything else is a parse error (the row is quarantined).
STATUS_MAP: dict[str, InstrumentStatus] = {
    "TRADING": InstrumentStatus.ACTIVE,
    "PENDING_TRADING": InstrumentStatus.HALTED,
    "PRE_DELIVERING": InstrumentStatus.REDUCE_ONLY,
    "DELIVERING": InstrumentStatus.HALTED,
    "PRE_SETTLE": InstrumentStatus.HALTED,
    "SETTLING": InstrumentStatus.HALTED,
    "DELIVERED": InstrumentStatus.DELISTED,
    "CLOSE": InstrumentStatus.DELISTED,
}

HUNDRED = Decimal(100)
