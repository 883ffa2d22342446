"""Lighter (zkLighter): hosts, paths, limits and unit facts.

Endpoints (REST, all GET, base ``https://mainnet.zklighter.elliot.ai``; testnet ``https://testnet.zklighter.elliot.ai``):

- ``/api/v1/orderBookDetails[?market_id=&filter=all|perp|spot]`` -> ``order_book_details[]`` (perps) and
  ``spot_order_book_details[]``: instrument rules and the 24 h / open-interest / mark / index figures.
  tick = 10^-price_decimals, lot = 10^-size_decimals, ``min_base_amount`` / ``min_quote_amount`` (strings),
  max leverage = 10000 / ``min_initial_margin_fraction``. ``open_interest`` is a JSON number in **base units,
  one side**; ``daily_quote_token_volume`` is the 24 h USD volume (number); ``mark_price``/``index_price`` strings.
- ``/api/v1/funding-rates`` -> ``funding_rates[]`` of ``{market_id, exchange, symbol, rate}``. ``rate`` is a JSON
  float, a **fraction per 8 h**; the list also carries binance/bybit/hyperliquid reference rows, which are not
  Lighter's and are skipped (``exchange == "lighter"`` only). No next-funding field: the settlement the estimate
  is for is the next full hour (Lighter settles every hour on the hour).
- ``/api/v1/fundings?market_id&resolution=1h&start_timestamp&end_timestamp&count_back`` -> settled history,
  ``fundings[]`` of ``{timestamp (s), value, rate, direction}``. ``rate`` is an **unsigned percent per hour**
  string; ``direction`` is the side that paid ("long" -> positive rate, "short" -> negative). At most 750 rows per
  call, so history is fetched in windows of 720 hours.
- ``/api/v1/orderBookOrders?market_id&limit<=250`` -> individual resting orders (L3) per side, best first;
  aggregated here into price levels.
- ``/`` (status), ``/api/v1/orderBooks``, ``/api/v1/exchangeStats``: served by the simulator for the SDK.

Quirks: market ids are ints (ETH 0, BTC 1, ...); the symbol is the bare base (``BTC``, ``1000PEPE``); every body
carries ``code`` (int, 200 = ok). Funding interval is a fixed 1 hour. Rate limits (docs): standard accounts 60
requests per rolling minute per IP, unweighted (premium accounts get 24 000 weighted; "others" weigh 300).
"""

from __future__ import annotations

from decimal import Decimal

from perpdex_lib.domain.enums import InstrumentStatus, RateUnit
from perpdex_lib.venues.http import RateLimit

MAINNET_URL = "https://mainnet.zklighter.elliot.ai"
TESTNET_URL = "https://testnet.zklighter.elliot.ai"

STATUS_PATH = "/"
ORDER_BOOK_DETAILS_PATH = "/api/v1/orderBookDetails"
ORDER_BOOKS_PATH = "/api/v1/orderBooks"
FUNDING_RATES_PATH = "/api/v1/funding-rates"
FUNDINGS_PATH = "/api/v1/fundings"
ORDER_BOOK_ORDERS_PATH = "/api/v1/orderBookOrders"
EXCHANGE_STATS_PATH = "/api/v1/exchangeStats"

OK_CODE = 200
LIGHTER_EXCHANGE = "lighter"  # the funding-rates rows that are Lighter's own
PERP_MARKET_TYPE = "perp"

# Metered scopes. Standard accounts: 60 requests per rolling minute per IP (unweighted).
RATE_LIMITS: dict[str, RateLimit] = {"rest": RateLimit("rest", 60, 60.0)}

FUNDING_INTERVAL_HOURS = Decimal(1)  # settles every hour on the hour
CURRENT_RATE_UNIT = RateUnit.FRACTION_PER_8H  # /api/v1/funding-rates `rate`
HISTORY_RATE_UNIT = RateUnit.PERCENT_PER_HOUR  # /api/v1/fundings `rate` (unsigned) and WS market_stats
HISTORY_RESOLUTION = "1h"
HISTORY_MAX_ROWS = 750  # per /fundings call
HISTORY_WINDOW_HOURS = 720  # window per call, safely under HISTORY_MAX_ROWS even if both ends are inclusive
BOOK_ORDERS_MAX = 250  # orderBookOrders limit

# direction = the side that paid: longs pay when the rate is positive.
DIRECTION_SIGN: dict[str, int] = {"long": 1, "short": -1}

STATUS_MAP: dict[str, InstrumentStatus] = {
    "active": InstrumentStatus.ACTIVE,
    "inactive": InstrumentStatus.HALTED,
}

QUOTE = "USDC"  # collateral and quote of every Lighter perp
MARGIN_FRACTION_ONE = Decimal(10_000)  # margin fractions are in 1/10000 (10000 = 100 %)
