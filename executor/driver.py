"""Drives one pair through its state machine, one idempotent step at a time.

Each call to :meth:`PairDriver.step` looks at the pair's journal (orders and their fills) and the venues' answers,
and does the next thing: place entry legs, resolve unknown outcomes by lookup, hedge the filled quantity, unwind,
exit, or declare the pair broken. Because every decision is recomputed from the journal, a crash at any point is
recovered by simply stepping again after restart ("crash-only" design).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from executor.config import ExecutorConfig
from executor.fsm import ORDER_TERMINAL, ORDER_UNRESOLVED, OrderState, PairState
from executor.journal import Journal, OrderRow, PairRow, as_request
from executor.sizing import round_price
from perpdex_lib.domain import Instrument, OrderBook, Venue
from perpdex_lib.domain.trading import OrderType, Side
from perpdex_lib.venues.base import MarketDataClient
from perpdex_lib.venues.errors import VenueError, VenueUnavailable
from perpdex_lib.venues.trading_base import OrderRejected, TradingClient

log = logging.getLogger(__name__)
ZERO = Decimal(0)
NOT_FOUND_GRACE = timedelta(seconds=3)  # an order younger than this may still be in flight: don't call it absent
LEG_SIDE = {"long": Side.BUY, "short": Side.SELL}


@dataclass
class Venues:
    """Everything the driver needs per venue: trading, public data, and instrument rules."""

    trading: dict[Venue, TradingClient]
    market: dict[Venue, MarketDataClient]
    instruments: dict[tuple[Venue, str], Instrument]

    async def instrument(self, venue: Venue, symbol: str) -> Instrument:
        key = (venue, symbol)
        if key not in self.instruments:
            batch = await self.market[venue].instruments()
            for inst in batch.items:
                self.instruments[(venue, inst.venue_symbol)] = inst
        return self.instruments[key]

    async def book(self, venue: Venue, symbol: str) -> OrderBook:
        return await self.market[venue].order_book(await self.instrument(venue, symbol), depth=20)


class PairDriver:
    def __init__(self, journal: Journal, venues: Venues, cfg: ExecutorConfig) -> None:
        self.journal = journal
        self.venues = venues
        self.cfg = cfg

    # ---- orders -------------------------------------------------------------------------------
    async def _submit_all(self, orders: list[OrderRow], pair: PairRow) -> list[OrderRow]:
        """Send journaled orders concurrently; each answer is evidence, a rejection, or an unknown outcome."""
        orders = [await self.journal.mark_submitted(o) for o in orders]
        results = await asyncio.gather(*(self._send(o) for o in orders))
        for o in results:
            if o.filled_qty > 0:
                await self._record_fills(o, pair)
        return list(results)

    async def _send(self, order: OrderRow) -> OrderRow:
        client = self.venues.trading[Venue(order.venue)]
        try:
            view = await client.submit(as_request(order))
        except OrderRejected as exc:
            return await self.journal.mark_rejected(order, exc.reason)
        except VenueUnavailable as exc:  # timeout / 5xx / 429 / disconnect: outcome unknown (rule 2)
            log.warning("unknown outcome for %s: %s", order.client_order_id, exc)
            return await self.journal.mark_unknown(order, str(exc))
        return await self.journal.apply_venue_view(order, view)

    async def _record_fills(self, order: OrderRow, pair: PairRow) -> None:
        try:
            fills = await self.venues.trading[Venue(order.venue)].fills(order.client_order_id)
        except VenueError as exc:
            log.info("fills of %s not available yet: %s", order.client_order_id, exc)
            return
        await self.journal.record_fills(pair.pair_id, fills)

    async def resolve(self, order: OrderRow, pair: PairRow, now: datetime) -> OrderRow:
        """Bring a non-terminal order up to date from the venue (looking it up by our client order id)."""
        if order.state in ORDER_TERMINAL:
            return order
        client = self.venues.trading[Venue(order.venue)]
        try:
            view = await client.get_order(order.client_order_id)
        except VenueError as exc:  # a failed lookup proves nothing (rule 3)
            await self.journal.count_lookup(order)
            log.warning("lookup of %s failed: %s", order.client_order_id, exc)
            return order
        if view is None:
            if order.state in ORDER_UNRESOLVED and now - order.created_at > NOT_FOUND_GRACE:
                return await self.journal.mark_not_placed(order, "venue has no such order")
            return order
        updated = await self.journal.apply_venue_view(order, view)
        if updated.filled_qty > 0:
            await self._record_fills(updated, pair)
        return updated

    async def _cancel(self, order: OrderRow, pair: PairRow) -> OrderRow:
        try:
            view = await self.venues.trading[Venue(order.venue)].cancel(order.client_order_id)
        except VenueError as exc:
            log.warning("cancel of %s failed: %s", order.client_order_id, exc)
            return order
        if view is None:
            return order
        updated = await self.journal.apply_venue_view(order, view)
        if updated.filled_qty > 0:
            await self._record_fills(updated, pair)
        return updated

    async def _limit_price(self, venue: Venue, symbol: str, side: Side, style: str) -> Decimal | None:
        inst = await self.venues.instrument(venue, symbol)
        book = await self.venues.book(venue, symbol)
        if style == "maker":
            touch = book.best_bid if side is Side.BUY else book.best_ask
            return None if touch is None else round_price(touch, inst.tick_size, side=side.value)
        touch = book.best_ask if side is Side.BUY else book.best_bid
        if touch is None:
            return None
        slip = self.cfg.entry.ioc_slippage_bps / Decimal(10_000)
        capped = touch * (1 + slip) if side is Side.BUY else touch * (1 - slip)
        return round_price(capped, inst.tick_size, side=side.value)

    async def _leg_order(
        self, pair: PairRow, leg: str, purpose: str, side: Side, qty: Decimal, *, style: str, reduce_only: bool
    ) -> OrderRow | None:
        venue, symbol, _ = pair.leg(leg)
        v = Venue(venue)
        inst = await self.venues.instrument(v, symbol)
        qty = (qty / inst.lot_size).to_integral_value(ROUND_DOWN) * inst.lot_size
        if qty <= 0:
            return None
        price = await self._limit_price(v, symbol, side, style)
        if price is None:
            raise VenueUnavailable(venue, "book", "empty order book")
        order_type = OrderType.POST_ONLY if style == "maker" else OrderType.IOC
        return await self.journal.new_order(pair, leg, purpose, side, qty.normalize(), order_type, price, reduce_only)

    # ---- quantities ---------------------------------------------------------------------------
    async def canonical_positions(self, pair: PairRow) -> tuple[Decimal, Decimal]:
        """Signed canonical quantities (long leg, short leg) from the journal."""
        legs = await self.journal.leg_positions(pair.pair_id)
        return legs["long"] * pair.long_multiplier, legs["short"] * pair.short_multiplier

    async def _min_lot(self, pair: PairRow) -> Decimal:
        lots = []
        for leg in ("long", "short"):
            venue, symbol, mult = pair.leg(leg)
            inst = await self.venues.instrument(Venue(venue), symbol)
            lots.append(inst.lot_size * mult)
        return min(lots)

    # ---- the step -----------------------------------------------------------------------------
    async def step(self, pair: PairRow, now: datetime | None = None) -> PairRow:
        now = now or datetime.now(UTC)
        orders = [await self.resolve(o, pair, now) for o in await self.journal.orders(pair.pair_id)]
        stuck = [o for o in orders if o.state in ORDER_UNRESOLVED]
        if stuck:
            if any(o.lookups >= self.cfg.entry.lookup_attempts for o in stuck) and pair.state is not PairState.BROKEN:
                pair = await self.journal.set_pair_state(pair, PairState.BROKEN)
            return pair  # rule 5: nothing new while an outcome is unknown
        working = [o for o in orders if o.state in (OrderState.OPEN, OrderState.PARTIALLY_FILLED)]
        if working:
            timeout = timedelta(seconds=self.cfg.entry.post_only_timeout_s)
            for o in working:
                if now - (o.submitted_at or o.created_at) > timeout:
                    await self._cancel(o, pair)
            return pair
        handler = {
            PairState.PLANNED: self._planned,
            PairState.ENTERING: self._entering,
            PairState.HEDGING: self._hedging,
            PairState.UNWINDING: self._unwinding,
            PairState.EXITING: self._exiting,
            PairState.BROKEN: self._broken,
        }.get(pair.state)
        if handler is None:
            return pair
        try:
            return await handler(pair, orders, now)
        except VenueError as exc:
            log.warning("pair %s step deferred: %s", pair.pair_id, exc)
            return pair

    async def _planned(self, pair: PairRow, orders: list[OrderRow], now: datetime) -> PairRow:
        style = self.cfg.entry.style
        legs = []
        for leg in ("long", "short"):
            _, _, mult = pair.leg(leg)
            legs.append(await self._leg_order(pair, leg, "entry", LEG_SIDE[leg], pair.target_canonical_qty / mult,
                                              style=style, reduce_only=False))
        pair = await self.journal.set_pair_state(pair, PairState.ENTERING)
        await self._submit_all([o for o in legs if o is not None], pair)
        return pair

    async def _entering(self, pair: PairRow, orders: list[OrderRow], now: datetime) -> PairRow:
        long_q, short_q = await self.canonical_positions(pair)
        target = pair.target_canonical_qty
        tried_taker = any(o.order_type is not OrderType.POST_ONLY for o in orders)
        if self.cfg.entry.style == "maker" and self.cfg.entry.fallback == "ioc" and not tried_taker:
            topups = []
            for leg, have in (("long", long_q), ("short", -short_q)):
                _, _, mult = pair.leg(leg)
                if target - have > 0:
                    o = await self._leg_order(pair, leg, "entry", LEG_SIDE[leg], (target - have) / mult,
                                              style="taker", reduce_only=False)
                    if o is not None:
                        topups.append(o)
            if topups:
                await self._submit_all(topups, pair)
                return pair
        return await self._settle_entry(pair, long_q, short_q)

    async def _settle_entry(self, pair: PairRow, long_q: Decimal, short_q: Decimal) -> PairRow:
        held_long, held_short = long_q, -short_q
        tol = max(self.cfg.entry.leg_tolerance, await self._min_lot(pair) / 2)
        if held_long <= tol and held_short <= tol:
            return await self.journal.set_pair_state(pair, PairState.ABANDONED)
        if abs(held_long - held_short) <= tol:
            return await self.journal.set_pair_state(pair, PairState.OPEN)
        return await self.journal.set_pair_state(pair, PairState.HEDGING)

    async def _hedging(self, pair: PairRow, orders: list[OrderRow], now: datetime) -> PairRow:
        long_q, short_q = await self.canonical_positions(pair)
        held_long, held_short = long_q, -short_q
        tol = max(self.cfg.entry.leg_tolerance, await self._min_lot(pair) / 2)
        diff = held_long - held_short
        if abs(diff) <= tol:
            return await self.journal.set_pair_state(pair, PairState.OPEN if held_long > tol else PairState.CLOSED)
        if pair.attempts >= self.cfg.entry.hedge_attempts:
            return await self.journal.set_pair_state(pair, PairState.UNWINDING)
        lagging = "short" if diff > 0 else "long"
        _, _, mult = pair.leg(lagging)
        order = await self._leg_order(pair, lagging, "hedge", LEG_SIDE[lagging], abs(diff) / mult, style="taker",
                                      reduce_only=False)
        pair = await self.journal.set_pair_state(pair, PairState.HEDGING, bump_attempts=True)
        if order is None:  # the difference is below the lagging venue's lot: unwind the remainder instead
            return await self.journal.set_pair_state(pair, PairState.UNWINDING)
        await self._submit_all([order], pair)
        return pair

    async def _reduce_to(self, pair: PairRow, target_long: Decimal, target_short: Decimal, purpose: str) -> bool:
        """Place reduce-only taker orders bringing held quantities down to the targets; False if nothing to do."""
        long_q, short_q = await self.canonical_positions(pair)
        placed = []
        for leg, held, target in (("long", long_q, target_long), ("short", -short_q, target_short)):
            excess = held - target
            if excess <= 0:
                continue
            _, _, mult = pair.leg(leg)
            o = await self._leg_order(pair, leg, purpose, LEG_SIDE[leg].opposite(), excess / mult, style="taker",
                                      reduce_only=True)
            if o is not None:
                placed.append(o)
        if placed:
            await self._submit_all(placed, pair)
        return bool(placed)

    async def _unwinding(self, pair: PairRow, orders: list[OrderRow], now: datetime) -> PairRow:
        long_q, short_q = await self.canonical_positions(pair)
        held_long, held_short = long_q, -short_q
        tol = max(self.cfg.entry.leg_tolerance, await self._min_lot(pair) / 2)
        keep = max(min(held_long, held_short), ZERO)
        if abs(held_long - held_short) <= tol:
            if keep <= tol:
                return await self.journal.set_pair_state(pair, PairState.CLOSED)
            return await self.journal.set_pair_state(pair, PairState.OPEN)
        if pair.attempts >= self.cfg.entry.unwind_attempts:
            return await self.journal.set_pair_state(pair, PairState.BROKEN)
        pair = await self.journal.set_pair_state(pair, PairState.UNWINDING, bump_attempts=True)
        if not await self._reduce_to(pair, keep, keep, "unwind"):
            return await self.journal.set_pair_state(pair, PairState.BROKEN)
        return pair

    async def _exiting(self, pair: PairRow, orders: list[OrderRow], now: datetime) -> PairRow:
        long_q, short_q = await self.canonical_positions(pair)
        tol = max(self.cfg.entry.leg_tolerance, await self._min_lot(pair) / 2)
        if abs(long_q) <= tol and abs(short_q) <= tol:
            return await self.journal.set_pair_state(pair, PairState.CLOSED)
        if pair.attempts >= self.cfg.entry.exit_attempts:
            return await self.journal.set_pair_state(pair, PairState.BROKEN)
        pair = await self.journal.set_pair_state(pair, PairState.EXITING, bump_attempts=True)
        await self._reduce_to(pair, ZERO, ZERO, "exit")
        return pair

    async def _broken(self, pair: PairRow, orders: list[OrderRow], now: datetime) -> PairRow:
        """Automatic repair ran out: keep trying to flatten, slowly; the daemon has moved to REDUCE_ONLY."""
        if now - pair.state_since < timedelta(seconds=10):
            return pair
        long_q, short_q = await self.canonical_positions(pair)
        tol = max(self.cfg.entry.leg_tolerance, await self._min_lot(pair) / 2)
        if abs(long_q) <= tol and abs(short_q) <= tol:
            return await self.journal.set_pair_state(pair, PairState.CLOSED)
        return await self.journal.set_pair_state(pair, PairState.UNWINDING)

    async def begin_exit(self, pair: PairRow, reason: str) -> PairRow:
        if pair.state is not PairState.OPEN:
            return pair
        return await self.journal.set_pair_state(pair, PairState.EXITING, exit_reason=reason)
