"""EdgeX wire -> domain. Pure functions; the client in market_data.py does the I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from perpdex_lib.domain import (
    FundingKind,
    FundingRate,
    Instrument,
    InstrumentStatus,
    MarketSnapshot,
    OrderBook,
    Venue,
)
from perpdex_lib.domain.units import UnknownUnitError
from perpdex_lib.symbols import canonical_asset, split_suffix
from perpdex_lib.venues.batch import Batch
from perpdex_lib.venues.common import book_side, map_body_rows, notional_usd, price_size, utc_from_epoch
from perpdex_lib.venues.edgex import constants as c
from perpdex_lib.venues.edgex import schemas as s
from perpdex_lib.venues.errors import VenueHttpError, VenueParseError
from perpdex_lib.venues.wire import parse_wire

VENUE = Venue.EDGEX
E = TypeVar("E", bound=s.Envelope)

@dataclass(frozen=True, slots=True)
class ContractInfo:
    """What funding and ticker rows need from the metadata: the contract's name and canonical asset."""

    contract_id: str
    name: str
    asset: str
    multiplier: Decimal
    quote: str


def envelope(model: type[E], payload: Any, endpoint: str) -> E:
    """Validate a whole body; a ``code`` other than SUCCESS is a venue error even inside an HTTP 200."""
    if isinstance(payload, dict) and payload.get("code") != c.OK_CODE and isinstance(payload.get("code"), str):
        raise VenueHttpError(VENUE.value, endpoint, 200, f"{payload['code']}: {payload.get('msg') or ''}"[:200])
    body = parse_wire(model, payload, VENUE.value, endpoint)
    if body.code != c.OK_CODE:
        raise VenueHttpError(VENUE.value, endpoint, 200, f"{body.code}: {body.msg or ''}"[:200])
    return body


def utc_from_ms(value: int) -> datetime:
    return utc_from_epoch(value, "ms")


def interval_hours(minutes: int) -> Decimal:
    """``fundingRateIntervalMin`` -> hours. Zero or negative is an unknown interval, never a default."""
    if minutes <= 0:
        raise UnknownUnitError(f"unknown funding interval: fundingRateIntervalMin={minutes}")
    return Decimal(minutes) / c.MINUTES_PER_HOUR


def coin_names(coin_list: list[Any]) -> dict[str, str]:
    """coinId -> coinName; coins that do not parse are left out (contracts then fall back to the name)."""
    out: dict[str, str] = {}
    for raw in coin_list:
        try:
            coin = parse_wire(s.Coin, raw, VENUE.value, "coinList")
        except VenueParseError:
            continue
        out[coin.coinId] = coin.coinName
    return out


def _base_and_quote(row: s.Contract, coins: dict[str, str]) -> tuple[str, str]:
    base = coins.get(row.baseCoinId or "")
    quote = coins.get(row.quoteCoinId or "")
    if base and quote and row.contractName == base + quote:
        return base, quote
    stripped = split_suffix(row.contractName, c.QUOTE_SUFFIXES)
    return stripped, row.contractName[len(stripped) :]


def contract_info(payload: Any, coins: dict[str, str], endpoint: str) -> ContractInfo:
    row = parse_wire(s.Contract, payload, VENUE.value, endpoint)
    base, quote = _base_and_quote(row, coins)
    asset, multiplier = canonical_asset(base)
    return ContractInfo(row.contractId, row.contractName, asset, multiplier, quote)


def _status(row: s.Contract) -> InstrumentStatus:
    if not row.enableTrade:
        return InstrumentStatus.HALTED
    if not row.enableOpenPosition:
        return InstrumentStatus.REDUCE_ONLY
    return InstrumentStatus.ACTIVE


def _max_leverage(row: s.Contract) -> Decimal | None:
    if row.displayMaxLeverage is not None and row.displayMaxLeverage > 0:
        return row.displayMaxLeverage
    tiers = [t.maxLeverage for t in row.riskTierList if t.maxLeverage > 0]
    return max(tiers) if tiers else None


def instrument(payload: Any, coins: dict[str, str], endpoint: str) -> Instrument:
    row = parse_wire(s.Contract, payload, VENUE.value, endpoint)
    base, quote = _base_and_quote(row, coins)
    asset, multiplier = canonical_asset(base)
    for name in ("tickSize", "stepSize"):
        if getattr(row, name) <= 0:
            raise ValueError(f"{name} must be positive")
    return Instrument(
        venue=VENUE,
        venue_symbol=row.contractName,
        asset=asset,
        multiplier=multiplier,
        quote=quote,
        tick_size=row.tickSize,
        lot_size=row.stepSize,
        min_size=row.minOrderSize,
        min_notional_usd=None,  # EdgeX has no minimum notional, only a minimum size
        max_leverage=_max_leverage(row),
        funding_interval_hours=interval_hours(row.fundingRateIntervalMin),
        status=_status(row),
        venue_market_id=row.contractId,
    )


def _contract(contracts: dict[str, ContractInfo], contract_id: str) -> ContractInfo:
    try:
        return contracts[contract_id]
    except KeyError:
        raise ValueError(f"unknown contractId {contract_id!r}") from None


def current_funding(
    payload: Any, contracts: dict[str, ContractInfo], observed_at: datetime, endpoint: str
) -> FundingRate:
    """getLatestFundingRate row -> prediction for the next settlement.

    ``fundingTime`` is the start of the running interval (the last settlement); the venue gives no next-funding
    field here, so the estimate's settlement is ``fundingTime + fundingRateIntervalMin`` on the venue's own grid.
    """
    row = parse_wire(s.FundingRow, payload, VENUE.value, endpoint)
    info = _contract(contracts, row.contractId)
    hours = interval_hours(row.fundingRateIntervalMin)
    return FundingRate(
        venue=VENUE,
        venue_symbol=info.name,
        asset=info.asset,
        kind=FundingKind.PREDICTED,
        funding_time=utc_from_ms(row.fundingTime) + timedelta(minutes=row.fundingRateIntervalMin),
        raw_rate=row.fundingRate,
        raw_unit=c.RATE_UNIT,
        interval_hours=hours,
        venue_ts=utc_from_ms(row.fundingTimestamp),
        observed_at=observed_at,
    )


def settled_funding(
    payload: Any, venue_symbol: str, asset: str, observed_at: datetime, endpoint: str
) -> FundingRate | None:
    """getFundingRatePage row -> a settlement (``fundingTime``), with the interval in force for that row.

    Non-settlement rows (the minute-by-minute estimates) are skipped on purpose.
    """
    row = parse_wire(s.FundingRow, payload, VENUE.value, endpoint)
    if not row.isSettlement:
        return None
    return FundingRate(
        venue=VENUE,
        venue_symbol=venue_symbol,
        asset=asset,
        kind=FundingKind.SETTLED,
        funding_time=utc_from_ms(row.fundingTime),
        raw_rate=row.fundingRate,
        raw_unit=c.RATE_UNIT,
        interval_hours=interval_hours(row.fundingRateIntervalMin),
        venue_ts=utc_from_ms(row.fundingTimestamp),
        observed_at=observed_at,
    )


def snapshot(payload: Any, contracts: dict[str, ContractInfo], observed_at: datetime, endpoint: str) -> MarketSnapshot:
    """getTicker row. EdgeX marks to the oracle price; ``openInterest`` is base units (one side)."""
    row = parse_wire(s.Ticker, payload, VENUE.value, endpoint)
    info = contracts.get(row.contractId)
    if info is not None:
        asset = info.asset
    else:
        asset, _ = canonical_asset(split_suffix(row.contractName, c.QUOTE_SUFFIXES))
    mark = row.oraclePrice
    oi_base = row.openInterest
    return MarketSnapshot(
        venue=VENUE,
        venue_symbol=row.contractName,
        asset=asset,
        ts=observed_at,
        mark_price=mark,
        index_price=row.indexPrice,
        open_interest_base=oi_base,
        open_interest_usd=notional_usd(oi_base, mark),
        volume_24h_usd=row.value,
        next_funding_time=utc_from_ms(row.nextFundingTime) if row.nextFundingTime is not None else None,
    )


def order_book(payload: Any, venue_symbol: str, ts: datetime, depth: int, endpoint: str) -> OrderBook:
    """getDepth -> top ``depth`` levels, sorted best first. A bad level fails the whole book."""
    body = envelope(s.ListBody, payload, endpoint)
    if not body.data:
        raise VenueParseError(VENUE.value, endpoint, "data", "empty depth list")
    book = parse_wire(s.Depth, body.data[0], VENUE.value, endpoint)
    for side, levels in (("bids", book.bids), ("asks", book.asks)):
        for i, lvl in enumerate(levels):
            if lvl.price <= 0 or lvl.size < 0:
                raise VenueParseError(VENUE.value, endpoint, f"data.0.{side}.{i}", "non-positive price or size")
    bids = book_side(book.bids, best_high=True, depth=depth, level=price_size, drop_empty=True)
    asks = book_side(book.asks, best_high=False, depth=depth, level=price_size, drop_empty=True)
    return OrderBook(VENUE, venue_symbol, ts, bids, asks)


# ---- whole bodies -> batches (what the client calls; one bad row is a reject, a bad envelope an error) ---------
def _rows(rows: list[Any], convert: Any, endpoint: str) -> Batch[Any]:
    return map_body_rows(rows, convert, VENUE.value, endpoint)


def meta_body(payload: Any, endpoint: str = c.META_PATH) -> tuple[list[Any], dict[str, str]]:
    """getMetaData -> (raw contract rows, coinId -> coinName)."""
    body = envelope(s.MetaBody, payload, endpoint)
    return body.data.contractList, coin_names(body.data.coinList)


def instruments_body(payload: Any, endpoint: str = c.META_PATH) -> Batch[Instrument]:
    rows, coins = meta_body(payload, endpoint)
    return _rows(rows, lambda r: instrument(r, coins, endpoint), endpoint)


def contracts_body(payload: Any, endpoint: str = c.META_PATH) -> dict[str, ContractInfo]:
    """contractId -> name/asset for the endpoints that carry only the id (bad contracts are left out)."""
    rows, coins = meta_body(payload, endpoint)
    return {ci.contract_id: ci for ci in _rows(rows, lambda r: contract_info(r, coins, endpoint), endpoint).items}


def current_funding_body(
    payload: Any, contracts: dict[str, ContractInfo], observed_at: datetime, endpoint: str = c.LATEST_FUNDING_PATH
) -> Batch[FundingRate]:
    body = envelope(s.ListBody, payload, endpoint)
    return _rows(body.data, lambda r: current_funding(r, contracts, observed_at, endpoint), endpoint)


def history_body(
    payload: Any, venue_symbol: str, asset: str, observed_at: datetime, endpoint: str = c.FUNDING_PAGE_PATH
) -> tuple[Batch[FundingRate], str, int]:
    """One getFundingRatePage page -> (settlements, next page cursor or "", rows on the page)."""
    body = envelope(s.FundingPageBody, payload, endpoint)
    rows = body.data.dataList
    batch = _rows(rows, lambda r: settled_funding(r, venue_symbol, asset, observed_at, endpoint), endpoint)
    return batch, body.data.nextPageOffsetData or "", len(rows)


def snapshots_body(
    payload: Any, contracts: dict[str, ContractInfo], observed_at: datetime, endpoint: str = c.TICKER_PATH
) -> Batch[MarketSnapshot]:
    body = envelope(s.ListBody, payload, endpoint)
    return _rows(body.data, lambda r: snapshot(r, contracts, observed_at, endpoint), endpoint)
