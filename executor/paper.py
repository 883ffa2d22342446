"""The paper venue: a real implementation of ``TradingClient`` that fills against a venue's live order book.

Books, marks and funding come from the venue's public connector (the simulator offline, the real venue online).
Its state — orders, fills, positions, funding — lives in ``execution.paper_*`` and every action commits in one
transaction, so paper trading survives restarts and a ``kill -9`` leaves the "venue" consistent, exactly like a
real venue would be. Faults (``execution.paper_faults``) let drills and tests make it reject, time out *after*
filling, answer 429 or go down, so the executor's unknown-outcome handling is exercised for real.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.rows import dict_row

from perpdex_lib.domain import FundingRate, Instrument, OrderBook, OrderBookLevel, Venue
from perpdex_lib.domain.trading import (
    Fill,
    FundingPayment,
    OrderRequest,
    OrderType,
    Position,
    Side,
    VenueOrder,
    VenueOrderStatus,
)
from perpdex_lib.venues.base import MarketDataClient
from perpdex_lib.venues.errors import VenueRateLimited, VenueUnavailable
from perpdex_lib.venues.trading_base import OrderRejected, TradingClient

log = logging.getLogger(__name__)
ZERO = Decimal(0)


@dataclass
class PaperFaults:
    down: bool = False
    reject_rate: float = 0.0  # definitive rejections
    submit_429_rate: float = 0.0  # 429 before anything happens
    timeout_after_fill_rate: float = 0.0  # the order is placed and filled, then the answer is lost
    partial_fill_ratio: float = 1.0  # share of an IOC/market order that can fill
    latency_ms: float = 0.0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PaperFaults:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True, slots=True)
class PaperFees:
    maker: Decimal
    taker: Decimal


@dataclass(frozen=True, slots=True)
class _Match:
    qty: Decimal
    notional: Decimal
    levels: tuple[tuple[Decimal, Decimal], ...]


def walk_book(levels: Sequence[OrderBookLevel], qty: Decimal, limit: Decimal | None, side: Side) -> _Match:
    """Take liquidity from ``levels`` (best first) up to ``qty``, never beyond ``limit``."""
    left, notional, used = qty, ZERO, []
    for lvl in levels:
        if left <= 0:
            break
        if limit is not None and (
            (side is Side.BUY and lvl.price > limit) or (side is Side.SELL and lvl.price < limit)
        ):
            break
        take = min(left, lvl.size)
        used.append((lvl.price, take))
        notional += take * lvl.price
        left -= take
    return _Match(qty - left, notional, tuple(used))


class PaperVenue(TradingClient):
    def __init__(
        self,
        venue: Venue,
        market_data: MarketDataClient,
        conn: psycopg.AsyncConnection[Any],
        fees: PaperFees,
        *,
        leverage: Decimal = Decimal(3),
        seed: int | None = None,
    ) -> None:
        self.venue = venue
        self.md = market_data
        self.conn = conn
        self.fees = fees
        self.leverage = leverage
        self._rng = random.Random(seed)
        self._instruments: dict[str, Instrument] = {}
        self._faults = PaperFaults()
        self._faults_read = 0.0
        self._lock = asyncio.Lock()
        self._funding: dict[str, FundingRate] = {}
        self._funding_read = 0.0

    # ---- helpers ------------------------------------------------------------------------------
    async def instrument(self, venue_symbol: str) -> Instrument:
        if venue_symbol not in self._instruments:
            batch = await self.md.instruments()
            self._instruments = {i.venue_symbol: i for i in batch.items}
        try:
            return self._instruments[venue_symbol]
        except KeyError:
            raise OrderRejected("-", f"unknown symbol {venue_symbol}") from None

    async def faults(self) -> PaperFaults:
        if time.monotonic() - self._faults_read > 0.5:
            async with self._lock, self.conn.cursor() as cur:
                await cur.execute("SELECT config FROM execution.paper_faults WHERE venue = %s", (self.venue.value,))
                row = await cur.fetchone()
            await self.conn.commit()
            self._faults = PaperFaults.from_json(row[0] if row else {})
            self._faults_read = time.monotonic()
        return self._faults

    async def _gate(self, endpoint: str) -> PaperFaults:
        faults = await self.faults()
        if faults.down:
            raise VenueUnavailable(self.venue.value, endpoint, "connection failed: paper venue down")
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        return faults

    async def _book(self, inst: Instrument) -> OrderBook:
        return await self.md.order_book(inst, depth=50)

    def _liq_price(self, qty: Decimal, entry: Decimal | None) -> Decimal | None:
        if entry is None or qty == 0:
            return None
        mm = Decimal("0.005")
        inv = 1 / self.leverage
        return entry * (1 - inv + mm) if qty > 0 else entry * (1 + inv - mm)

    # ---- TradingClient ------------------------------------------------------------------------
    async def submit(self, request: OrderRequest) -> VenueOrder:
        faults = await self._gate("submit")
        if self._rng.random() < faults.submit_429_rate:
            raise VenueRateLimited(self.venue.value, "submit", "rate limited (429)", 0.1)
        async with self._lock:
            existing = await self._order_row(request.client_order_id)
            if existing is not None:
                return self._to_order(existing)
            inst = await self.instrument(request.venue_symbol)
            book = await self._book(inst)  # a failure here places nothing; the caller sees an unknown outcome
            if self._rng.random() < faults.reject_rate:
                await self._insert_rejected(request, "simulated venue rejection")
                raise OrderRejected(request.client_order_id, "simulated venue rejection")
            order = await self._match_and_store(request, book, faults)
        if self._rng.random() < faults.timeout_after_fill_rate:
            raise VenueUnavailable(self.venue.value, "submit", "timeout")
        if order.status is VenueOrderStatus.REJECTED:
            raise OrderRejected(request.client_order_id, order.reject_reason or "rejected")
        return order

    async def get_order(self, client_order_id: str) -> VenueOrder | None:
        await self._gate("get_order")
        async with self._lock:
            row = await self._order_row(client_order_id)
            if row is None:
                return None
            if row["status"] in ("open", "partially_filled"):
                row = await self._try_maker_fill(row)
        return self._to_order(row)

    async def cancel(self, client_order_id: str) -> VenueOrder | None:
        await self._gate("cancel")
        async with self._lock:
            row = await self._order_row(client_order_id)
            if row is None:
                return None
            if row["status"] in ("open", "partially_filled"):
                async with self.conn.transaction(), self.conn.cursor(row_factory=dict_row) as cur:
                    await cur.execute(
                        "UPDATE execution.paper_orders SET status = 'canceled', updated_at = now() "
                        "WHERE venue = %s AND client_order_id = %s RETURNING *",
                        (self.venue.value, client_order_id),
                    )
                    row = await cur.fetchone()
            return self._to_order(row)

    async def positions(self) -> dict[str, Position]:
        await self._gate("positions")
        await self.accrue_funding()
        async with self._lock, self.conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                "SELECT venue_symbol, qty, avg_entry_price FROM execution.paper_positions "
                "WHERE venue = %s AND qty <> 0",
                (self.venue.value,),
            )
            rows = await cur.fetchall()
        await self.conn.commit()
        return {
            r["venue_symbol"]: Position(
                self.venue, r["venue_symbol"], r["qty"], r["avg_entry_price"],
                liquidation_price=self._liq_price(r["qty"], r["avg_entry_price"]),
            )
            for r in rows
        }

    async def fills(self, client_order_id: str) -> list[Fill]:
        await self._gate("fills")
        async with self._lock, self.conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                "SELECT * FROM execution.paper_fills WHERE venue = %s AND client_order_id = %s ORDER BY ts, trade_id",
                (self.venue.value, client_order_id),
            )
            rows = await cur.fetchall()
        await self.conn.commit()
        return [
            Fill(self.venue, r["trade_id"], r["client_order_id"], r["venue_symbol"], Side(r["side"]), r["qty"],
                 r["price"], r["fee_usd"], r["is_maker"], r["ts"])
            for r in rows
        ]

    async def funding_payments(self, since: datetime) -> list[FundingPayment]:
        await self._gate("funding_payments")
        await self.accrue_funding()
        async with self._lock, self.conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                "SELECT * FROM execution.paper_funding WHERE venue = %s AND funding_time > %s ORDER BY funding_time",
                (self.venue.value, since),
            )
            rows = await cur.fetchall()
        await self.conn.commit()
        return [
            FundingPayment(self.venue, r["venue_symbol"], r["funding_time"], r["position_qty"], r["rate"],
                           r["amount_usd"])
            for r in rows
        ]

    # ---- matching -----------------------------------------------------------------------------
    async def _order_row(self, client_order_id: str) -> dict[str, Any] | None:
        async with self.conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                "SELECT * FROM execution.paper_orders WHERE venue = %s AND client_order_id = %s",
                (self.venue.value, client_order_id),
            )
            row = await cur.fetchone()
        await self.conn.commit()
        return row

    async def _position_qty(self, cur: psycopg.AsyncCursor[Any], symbol: str) -> Decimal:
        await cur.execute(
            "SELECT qty FROM execution.paper_positions WHERE venue = %s AND venue_symbol = %s FOR UPDATE",
            (self.venue.value, symbol),
        )
        row = await cur.fetchone()
        return row["qty"] if row else ZERO

    async def _insert_rejected(self, req: OrderRequest, reason: str) -> None:
        async with self.conn.transaction(), self.conn.cursor() as cur:
            await cur.execute(
                "INSERT INTO execution.paper_orders (venue, client_order_id, venue_order_id, venue_symbol, side, qty, "
                "order_type, limit_price, reduce_only, status, reject_reason) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,'rejected',%s) ON CONFLICT DO NOTHING",
                (self.venue.value, req.client_order_id, f"P{req.client_order_id}", req.venue_symbol, req.side.value,
                 req.qty, req.order_type.value, req.limit_price, req.reduce_only, reason),
            )

    async def _match_and_store(self, req: OrderRequest, book: OrderBook, faults: PaperFaults) -> VenueOrder:
        async with self.conn.transaction(), self.conn.cursor(row_factory=dict_row) as cur:
            position = await self._position_qty(cur, req.venue_symbol)
            qty = req.qty
            reason = None
            if req.reduce_only:
                reducible = -position if req.side is Side.BUY else position
                qty = min(qty, max(reducible, ZERO))
                if qty <= 0:
                    reason = "reduce-only order would increase the position"
            status, match, is_maker = VenueOrderStatus.OPEN, _Match(ZERO, ZERO, ()), False
            if reason is None and req.order_type is OrderType.POST_ONLY:
                crosses = (req.side is Side.BUY and book.best_ask is not None and req.limit_price >= book.best_ask) or (
                    req.side is Side.SELL and book.best_bid is not None and req.limit_price <= book.best_bid
                )
                if req.limit_price is None or crosses:
                    reason = "post-only order would cross"
            elif reason is None:
                levels = book.asks if req.side is Side.BUY else book.bids
                cap = qty * Decimal(str(faults.partial_fill_ratio))
                limit = req.limit_price if req.order_type is OrderType.IOC else None
                match = walk_book(levels, cap, limit, req.side)
                status = VenueOrderStatus.FILLED if match.qty == req.qty else VenueOrderStatus.CANCELED
                if match.qty == 0 and not levels:
                    reason = "no liquidity"
            if reason is not None:
                status = VenueOrderStatus.REJECTED
            fee_rate = self.fees.maker if is_maker else self.fees.taker
            fee = (match.notional * fee_rate).quantize(Decimal("1e-8"))
            avg = (match.notional / match.qty) if match.qty else None
            await cur.execute(
                "INSERT INTO execution.paper_orders (venue, client_order_id, venue_order_id, venue_symbol, side, qty, "
                "order_type, limit_price, reduce_only, status, filled_qty, avg_price, fee_usd, reject_reason) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) RETURNING *",
                (self.venue.value, req.client_order_id, f"P{req.client_order_id}", req.venue_symbol, req.side.value,
                 req.qty, req.order_type.value, req.limit_price, req.reduce_only, status.value, match.qty, avg, fee,
                 reason),
            )
            row = await cur.fetchone()
            for i, (price, size) in enumerate(match.levels):
                await self._store_fill(cur, req.client_order_id, req.venue_symbol, req.side, size, price,
                                       (size * price * fee_rate).quantize(Decimal("1e-8")), is_maker, i)
        return self._to_order(row)

    async def _try_maker_fill(self, row: dict[str, Any]) -> dict[str, Any]:
        """A resting order fills (at its own price, as maker) once the book trades through it."""
        inst = await self.instrument(row["venue_symbol"])
        book = await self._book(inst)
        side = Side(row["side"])
        price = row["limit_price"]
        touched = (side is Side.BUY and book.best_ask is not None and book.best_ask <= price) or (
            side is Side.SELL and book.best_bid is not None and book.best_bid >= price
        )
        if not touched:
            return row
        async with self.conn.transaction(), self.conn.cursor(row_factory=dict_row) as cur:
            position = await self._position_qty(cur, row["venue_symbol"])
            remaining = row["qty"] - row["filled_qty"]
            if row["reduce_only"]:
                reducible = -position if side is Side.BUY else position
                remaining = min(remaining, max(reducible, ZERO))
            if remaining <= 0:
                return row
            fee = (remaining * price * self.fees.maker).quantize(Decimal("1e-8"))
            await cur.execute(
                "SELECT count(*) AS n FROM execution.paper_fills WHERE venue = %s AND client_order_id = %s",
                (self.venue.value, row["client_order_id"]),
            )
            seq = 100 + (await cur.fetchone())["n"]  # trade ids stay unique however many maker fills an order gets
            await self._store_fill(cur, row["client_order_id"], row["venue_symbol"], side, remaining, price, fee,
                                   True, seq)
            filled = row["filled_qty"] + remaining
            avg = ((row["avg_price"] or ZERO) * row["filled_qty"] + price * remaining) / filled
            await cur.execute(
                "UPDATE execution.paper_orders SET filled_qty = %s, avg_price = %s, fee_usd = fee_usd + %s, "
                "status = %s, updated_at = now() WHERE venue = %s AND client_order_id = %s RETURNING *",
                (filled, avg, fee, "filled" if filled >= row["qty"] else "partially_filled", self.venue.value,
                 row["client_order_id"]),
            )
            return await cur.fetchone()

    async def _store_fill(
        self, cur: psycopg.AsyncCursor[Any], cloid: str, symbol: str, side: Side, qty: Decimal, price: Decimal,
        fee: Decimal, is_maker: bool, seq: int,
    ) -> None:
        await cur.execute(
            "INSERT INTO execution.paper_fills (venue, trade_id, client_order_id, venue_symbol, side, qty, price, "
            "fee_usd, is_maker) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            (self.venue.value, f"{cloid}#{seq}", cloid, symbol, side.value, qty, price, fee, is_maker),
        )
        await cur.execute(
            "SELECT qty, avg_entry_price, realised_pnl_usd FROM execution.paper_positions "
            "WHERE venue = %s AND venue_symbol = %s",
            (self.venue.value, symbol),
        )
        pos = await cur.fetchone()
        old_qty = pos["qty"] if pos else ZERO
        old_avg = pos["avg_entry_price"] if pos else None
        realised = pos["realised_pnl_usd"] if pos else ZERO
        delta = qty * side.sign
        new_qty = old_qty + delta
        if old_qty == 0 or (old_qty > 0) == (delta > 0):  # opening or adding
            new_avg = ((old_avg or ZERO) * abs(old_qty) + price * qty) / abs(new_qty)
        else:  # reducing (and maybe flipping)
            closed = min(abs(delta), abs(old_qty))
            realised += (price - old_avg) * closed * (1 if old_qty > 0 else -1)
            new_avg = old_avg if new_qty != 0 and (new_qty > 0) == (old_qty > 0) else (price if new_qty else None)
        await cur.execute(
            "INSERT INTO execution.paper_positions (venue, venue_symbol, qty, avg_entry_price, realised_pnl_usd, "
            "funding_accrued_until) VALUES (%s,%s,%s,%s,%s, now()) "
            "ON CONFLICT (venue, venue_symbol) DO UPDATE SET qty = EXCLUDED.qty, "
            "avg_entry_price = EXCLUDED.avg_entry_price, realised_pnl_usd = EXCLUDED.realised_pnl_usd, "
            "funding_accrued_until = COALESCE(execution.paper_positions.funding_accrued_until, now()), "
            "updated_at = now()",
            (self.venue.value, symbol, new_qty, new_avg, realised),
        )

    def _to_order(self, row: dict[str, Any]) -> VenueOrder:
        return VenueOrder(
            client_order_id=row["client_order_id"],
            venue_order_id=row["venue_order_id"],
            status=VenueOrderStatus(row["status"]),
            qty=row["qty"],
            filled_qty=row["filled_qty"],
            avg_price=row["avg_price"],
            fee_usd=row["fee_usd"],
            reject_reason=row["reject_reason"],
        )

    # ---- funding ------------------------------------------------------------------------------
    async def accrue_funding(self, now: datetime | None = None) -> int:
        """Settle funding on open paper positions at each settlement the venue's interval grid passed."""
        now = now or datetime.now(UTC)
        async with self._lock, self.conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                "SELECT venue_symbol, qty, avg_entry_price, funding_accrued_until FROM execution.paper_positions "
                "WHERE venue = %s AND qty <> 0",
                (self.venue.value,),
            )
            rows = await cur.fetchall()
        await self.conn.commit()
        if not rows:
            return 0
        rates = await self._current_funding()
        settled = 0
        for r in rows:
            inst = await self.instrument(r["venue_symbol"])
            rate = rates.get(r["venue_symbol"])
            if rate is None:
                continue
            hours = 1.0 if inst.continuous_funding else float(inst.funding_interval_hours)
            step = timedelta(hours=hours)
            since = r["funding_accrued_until"] or now
            times = _grid(since, now, step)
            if not times:
                continue
            mark = r["avg_entry_price"] or ZERO
            async with self._lock, self.conn.transaction(), self.conn.cursor() as cur:
                for t in times:
                    period_rate = rate.rate_per_hour * Decimal(step.total_seconds() / 3600)
                    amount = (-r["qty"] * mark * period_rate).quantize(Decimal("1e-8"))
                    await cur.execute(
                        "INSERT INTO execution.paper_funding (venue, venue_symbol, funding_time, position_qty, rate, "
                        "mark_price, amount_usd) VALUES (%s,%s,%s,%s,%s,%s,%s) ON CONFLICT DO NOTHING",
                        (self.venue.value, r["venue_symbol"], t, r["qty"], period_rate, mark, amount),
                    )
                    await cur.execute(
                        "UPDATE execution.paper_positions SET funding_usd = funding_usd + %s, "
                        "funding_accrued_until = %s WHERE venue = %s AND venue_symbol = %s",
                        (amount, t, self.venue.value, r["venue_symbol"]),
                    )
                    settled += 1
        return settled

    async def _current_funding(self) -> dict[str, FundingRate]:
        if time.monotonic() - self._funding_read > 30:
            batch = await self.md.funding_current()
            self._funding = {f.venue_symbol: f for f in batch.items}
            self._funding_read = time.monotonic()
        return self._funding


def _grid(since: datetime, until: datetime, step: timedelta) -> list[datetime]:
    """Settlement times in (since, until] on the UTC grid of ``step``."""
    step_s = int(step.total_seconds())
    first = (int(since.timestamp()) // step_s + 1) * step_s
    out = []
    t = first
    while t <= until.timestamp():
        out.append(datetime.fromtimestamp(t, UTC))
        t += step_s
    return out


def faults_json(faults: PaperFaults) -> str:
    return json.dumps({f.name: getattr(faults, f.name) for f in fields(faults)})
