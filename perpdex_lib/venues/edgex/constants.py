"""EdgeX: hosts, paths, limits and unit facts.

Two API generations share endpoint names and body shapes: v1 (StarkEx) at ``https://pro.edgex.exchange`` with
paths ``/api/v1/...`` (documented by the OpenAPI spec, what third-party collectors use), and v2 at
``https://edgex-prod-v2.edgex.exchange`` with ``/api/v2/...`` (the edgex-python-sdk 2.x, which marks v1
deprecated). We read the public v1 paths from the v1 host by default; ``API_PREFIX``/``V2_URL`` name the other.
The simulator serves both prefixes.

Endpoints (all GET, public):

- ``/public/meta/getMetaData`` -> ``data.contractList[]`` (``contractId`` "10000001" <-> ``contractName`` "BTCUSD",
  ``baseCoinId``/``quoteCoinId`` into ``data.coinList[]``, ``tickSize``, ``stepSize``, ``minOrderSize``,
  ``displayMaxLeverage``, ``riskTierList[].maxLeverage``, ``enableTrade``/``enableOpenPosition``,
  ``fundingRateIntervalMin`` per contract, e.g. "240" = 4 h).
- ``/public/funding/getLatestFundingRate?contractId=a,b`` -> ``data[]``: the running estimate ``fundingRate``
  (fraction **per settlement interval**), ``fundingTime`` (start of the running interval = last settlement, ms),
  ``fundingTimestamp`` (when it was computed, ms), ``fundingRateIntervalMin``. The estimate is for the next
  settlement, which the venue does not state here: ``fundingTime + interval``.
- ``/public/funding/getFundingRatePage?contractId&size&offsetData&filterSettlementFundingRate=true&
  filterBeginTimeInclusive&filterEndTimeExclusive`` -> ``data{dataList[], nextPageOffsetData}`` newest first;
  settled rows (``isSettlement`` true) carry ``fundingTime`` = settlement time and their own interval.
- ``/public/quote/getTicker[?contractId]`` -> ``data[]``: ``oraclePrice`` (EdgeX marks to the oracle price),
  ``indexPrice``, ``lastPrice``, ``openInterest`` (**base units**, one side), ``value`` (24 h quote volume),
  ``fundingRate``, ``fundingTime``, ``nextFundingTime``.
- ``/public/quote/getDepth?contractId&level=15|200`` -> ``data[0]{asks[], bids[]}`` of ``{price, size}``.
- ``/public/meta/getServerTime`` -> ``data.timeMillis``.

Quirks: envelope ``{"code": "SUCCESS", "data", "msg", "errorParam", "requestTime", "responseTime", "traceId"}``;
any other ``code`` is an error even inside HTTP 200. **Every number is a string**, including ids and ms
timestamps (only ``level``, ``tier`` and booleans are native). Rate limits are not published; Cloudflare throttles
bursts (perp-dex-tools self-throttled to ~10 requests/s and still saw 429s), so we stay at 5 requests/s.
"""

from __future__ import annotations

from decimal import Decimal

from perpdex_lib.domain.enums import RateUnit
from perpdex_lib.venues.http import RateLimit

MAINNET_URL = "https://pro.edgex.exchange"  # v1 host
V2_URL = "https://edgex-prod-v2.edgex.exchange"  # v2 host used by edgex-python-sdk 2.x
API_PREFIX = "/api/v1"
API_PREFIXES = ("/api/v1", "/api/v2")  # the simulator serves both

META_PATH = f"{API_PREFIX}/public/meta/getMetaData"
SERVER_TIME_PATH = f"{API_PREFIX}/public/meta/getServerTime"
TICKER_PATH = f"{API_PREFIX}/public/quote/getTicker"
DEPTH_PATH = f"{API_PREFIX}/public/quote/getDepth"
LATEST_FUNDING_PATH = f"{API_PREFIX}/public/funding/getLatestFundingRate"
FUNDING_PAGE_PATH = f"{API_PREFIX}/public/funding/getFundingRatePage"

OK_CODE = "SUCCESS"

# Not published; a conservative self-throttle (see the module docstring).
RATE_LIMITS: dict[str, RateLimit] = {"rest": RateLimit("rest", 5, 1.0)}

RATE_UNIT = RateUnit.FRACTION_PER_INTERVAL  # fundingRate everywhere
MINUTES_PER_HOUR = Decimal(60)
HISTORY_PAGE_SIZE = 100  # getFundingRatePage `size` maximum
LATEST_FUNDING_BATCH = 50  # contract ids per getLatestFundingRate call
DEPTH_LEVELS = (15, 200)  # the only `level` values getDepth accepts

QUOTE_SUFFIXES = ("USDT", "USD")  # contractName = base + quote when the coin list does not say
CONTRACT_CACHE_S = 600.0  # contract id -> name map, refreshed at most this often
