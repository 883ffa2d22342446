"""The executor's journal in PostgreSQL: the single source of truth the daemon rebuilds itself from.

Rule 1: an order row (state ``pending_submit``, deterministic client order id) is committed before its request
leaves the process. Every state change goes through the transition tables in :mod:`executor.fsm`.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.rows import dict_row

from executor.fsm import ORDER_TERMINAL, OrderState, PairState, check_order, check_pair
from executor.risk import Exposure, TradingState
from perpdex_lib.domain.trading import Fill, OrderRequest, OrderType, Side, VenueOrder, VenueOrderStatus

ZERO = Decimal(0)

_VENUE_TO_ORDER_STATE = {
    VenueOrderStatus.OPEN: OrderState.OPEN,
    VenueOrderStatus.PARTIALLY_FILLED: OrderState.PARTIALLY_FILLED,
    VenueOrderStatus.FILLED: OrderState.FILLED,
    VenueOrderStatus.CANCELED: OrderState.CANCELED,
    VenueOrderStatus.REJECTED: OrderState.REJECTED,
}


@dataclass(frozen=True, slots=True)
class PairRow:
    pair_id: str
    asset: str
    long_venue: str
    long_symbol: str
    long_multiplier: Decimal
    short_venue: str
    short_symbol: str
    short_multiplier: Decimal
    state: PairState
    target_canonical_qty: Decimal
    target_notional_usd: Decimal
    entry_spread_per_hour: Decimal
    attempts: int
    state_since: datetime
    opened_at: datetime | None
    created_at: datetime
    exit_reason: str | None

    def leg(self, leg: str) -> tuple[str, str, Decimal]:
        return (
            (self.long_venue, self.long_symbol, self.long_multiplier)
            if leg == "long"
            else (self.short_venue, self.short_symbol, self.short_multiplier)
        )


@dataclass(frozen=True, slots=True)
class OrderRow:
    client_order_id: str
    pair_id: str
    leg: str
    purpose: str
    venue: str
    venue_symbol: str
    side: Side
    qty: Decimal
    order_type: OrderType
    limit_price: Decimal | None
    reduce_only: bool
    state: OrderState
    filled_qty: Decimal
    avg_price: Decimal | None
    fee_usd: Decimal
    lookups: int
    created_at: datetime
    submitted_at: datetime | None


def _pair(row: dict[str, Any]) -> PairRow:
    return PairRow(**{k: row[k] for k in PairRow.__slots__ if k != "state"}, state=PairState(row["state"]))


def _order(row: dict[str, Any]) -> OrderRow:
    fields = {k: row[k] for k in OrderRow.__slots__ if k not in ("side", "order_type", "state")}
    return OrderRow(**fields, side=Side(row["side"]), order_type=OrderType(row["order_type"]),
                    state=OrderState(row["state"]))


class Journal:
    def __init__(self, conn: psycopg.AsyncConnection[Any], executor_id: str, mode: str) -> None:
        self.conn = conn
        self.executor_id = executor_id
        self.mode = mode
        self._lock = asyncio.Lock()  # one connection, many coroutines: keep transactions from interleaving

    async def _fetch(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        async with self._lock, self.conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(sql, params)
            rows = await cur.fetchall()
        await self.conn.commit()
        return rows

    async def _exec(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        async with self._lock, self.conn.transaction(), self.conn.cursor() as cur:
            await cur.execute(sql, params)

    # ---- trading state ------------------------------------------------------------------------
    async def trading_state(self) -> TradingState:
        rows = await self._fetch(
            "INSERT INTO execution.trading_state (executor_id, state, reason) VALUES (%s, 'ACTIVE', 'initial') "
            "ON CONFLICT (executor_id) DO UPDATE SET executor_id = EXCLUDED.executor_id RETURNING state",
            (self.executor_id,),
        )
        return TradingState(rows[0]["state"])

    async def set_trading_state(self, state: TradingState, reason: str, by: str = "executor") -> bool:
        """Set the state; returns True when it changed. Never loosens HALTED/REDUCE_ONLY automatically."""
        current = await self.trading_state()
        if current == state:
            return False
        await self._exec(
            "UPDATE execution.trading_state SET state = %s, reason = %s, updated_by = %s, updated_at = now() "
            "WHERE executor_id = %s",
            (state.value, reason, by, self.executor_id),
        )
        await self.event("trading_state", None, {"from": current.value, "to": state.value, "reason": reason,
                                                 "by": by}, level="warning" if state != TradingState.ACTIVE else "info")
        return True

    async def tighten_trading_state(self, state: TradingState, reason: str) -> bool:
        """Move towards HALTED only (ACTIVE → REDUCE_ONLY → HALTED); the operator loosens it."""
        order = [TradingState.ACTIVE, TradingState.REDUCE_ONLY, TradingState.HALTED]
        current = await self.trading_state()
        if order.index(state) <= order.index(current):
            return False
        return await self.set_trading_state(state, reason, by="executor")

    # ---- events, heartbeat, reconciliation -----------------------------------------------------
    async def event(self, kind: str, pair_id: str | None, detail: dict[str, Any], level: str = "info") -> None:
        await self._exec(
            "INSERT INTO execution.events (executor_id, level, kind, pair_id, detail) VALUES (%s,%s,%s,%s,%s)",
            (self.executor_id, level, kind, pair_id, json.dumps(detail, default=str)),
        )

    async def record_reconciliation(self, status: str, detail: dict[str, Any]) -> None:
        await self._exec(
            "INSERT INTO execution.reconciliations (executor_id, status, detail) VALUES (%s,%s,%s)",
            (self.executor_id, status, json.dumps(detail, default=str)),
        )

    # ---- pairs --------------------------------------------------------------------------------
    async def create_pair(
        self, *, asset: str, long: tuple[str, str, Decimal], short: tuple[str, str, Decimal],
        canonical_qty: Decimal, notional_usd: Decimal, spread_per_hour: Decimal, apr: Decimal | None,
        opportunity_ref: str | None,
    ) -> PairRow:
        pair_id = f"{asset[:8]}-{secrets.token_hex(4)}"
        rows = await self._fetch(
            "INSERT INTO execution.pairs (pair_id, executor_id, mode, asset, long_venue, long_symbol, long_multiplier, "
            "short_venue, short_symbol, short_multiplier, state, target_canonical_qty, target_notional_usd, "
            "entry_spread_per_hour, entry_apr, opportunity_ref) "
            "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,'planned',%s,%s,%s,%s,%s) RETURNING *",
            (pair_id, self.executor_id, self.mode, asset, *long, *short, canonical_qty, notional_usd, spread_per_hour,
             apr, opportunity_ref),
        )
        await self.event("pair_planned", pair_id, {"asset": asset, "long": long[0], "short": short[0],
                                                   "qty": canonical_qty, "notional_usd": notional_usd})
        return _pair(rows[0])

    async def set_pair_state(self, pair: PairRow, new: PairState, *, exit_reason: str | None = None,
                             bump_attempts: bool = False) -> PairRow:
        check_pair(pair.state, new)
        rows = await self._fetch(
            "UPDATE execution.pairs SET state = %s, "
            "state_since = CASE WHEN state = %s THEN state_since ELSE now() END, "
            "exit_reason = COALESCE(%s, exit_reason), attempts = CASE WHEN %s THEN attempts + 1 "
            "WHEN state = %s THEN attempts ELSE 0 END, "
            "opened_at = CASE WHEN %s = 'open' AND opened_at IS NULL THEN now() ELSE opened_at END, "
            "closed_at = CASE WHEN %s IN ('closed', 'abandoned') THEN now() ELSE closed_at END, updated_at = now() "
            "WHERE pair_id = %s RETURNING *",
            (new.value, new.value, exit_reason, bump_attempts, new.value, new.value, new.value, pair.pair_id),
        )
        if new != pair.state:
            await self.event("pair_state", pair.pair_id, {"from": pair.state.value, "to": new.value,
                                                          "exit_reason": exit_reason},
                             level="error" if new is PairState.BROKEN else "info")
        return _pair(rows[0])

    async def live_pairs(self) -> list[PairRow]:
        rows = await self._fetch(
            "SELECT * FROM execution.pairs WHERE executor_id = %s AND state NOT IN ('closed', 'abandoned') "
            "ORDER BY created_at",
            (self.executor_id,),
        )
        return [_pair(r) for r in rows]

    async def pair(self, pair_id: str) -> PairRow:
        return _pair((await self._fetch("SELECT * FROM execution.pairs WHERE pair_id = %s", (pair_id,)))[0])

    # ---- orders -------------------------------------------------------------------------------
    async def new_order(
        self, pair: PairRow, leg: str, purpose: str, side: Side, qty: Decimal, order_type: OrderType,
        limit_price: Decimal | None, reduce_only: bool,
    ) -> OrderRow:
        """Journal an order intent (committed) and return it; its id is deterministic from the journal."""
        venue, symbol, _ = pair.leg(leg)
        async with self._lock, self.conn.transaction(), self.conn.cursor(row_factory=dict_row) as cur:
            await cur.execute("SELECT pair_id FROM execution.pairs WHERE pair_id = %s FOR UPDATE", (pair.pair_id,))
            await cur.execute(
                "SELECT count(*) AS n FROM execution.orders WHERE pair_id = %s AND leg = %s", (pair.pair_id, leg)
            )
            n = (await cur.fetchone())["n"]
            cloid = f"{pair.pair_id}-{leg[0]}{purpose[0]}{n}"
            await cur.execute(
                "INSERT INTO execution.orders (client_order_id, pair_id, leg, purpose, venue, venue_symbol, side, qty, "
                "order_type, limit_price, reduce_only, state) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,'pending_submit') RETURNING *",
                (cloid, pair.pair_id, leg, purpose, venue, symbol, side.value, qty, order_type.value, limit_price,
                 reduce_only),
            )
            row = await cur.fetchone()
        return _order(row)

    async def mark_submitted(self, order: OrderRow) -> OrderRow:
        return await self._set_order(order, OrderState.SUBMITTED, submitted=True)

    async def mark_unknown(self, order: OrderRow, error: str) -> OrderRow:
        return await self._set_order(order, OrderState.UNKNOWN, error=error)

    async def mark_not_placed(self, order: OrderRow, error: str) -> OrderRow:
        return await self._set_order(order, OrderState.NOT_PLACED, error=error)

    async def mark_rejected(self, order: OrderRow, reason: str) -> OrderRow:
        return await self._set_order(order, OrderState.REJECTED, error=reason)

    async def apply_venue_view(self, order: OrderRow, view: VenueOrder) -> OrderRow:
        new = _VENUE_TO_ORDER_STATE[view.status]
        return await self._set_order(order, new, filled=view.filled_qty, avg=view.avg_price, fee=view.fee_usd,
                                     venue_order_id=view.venue_order_id, error=view.reject_reason)

    async def count_lookup(self, order: OrderRow) -> None:
        await self._exec("UPDATE execution.orders SET lookups = lookups + 1 WHERE client_order_id = %s",
                         (order.client_order_id,))

    async def _set_order(
        self, order: OrderRow, new: OrderState, *, filled: Decimal | None = None, avg: Decimal | None = None,
        fee: Decimal | None = None, venue_order_id: str | None = None, error: str | None = None,
        submitted: bool = False,
    ) -> OrderRow:
        if order.state in ORDER_TERMINAL and new == order.state:
            return order
        check_order(order.state, new)
        rows = await self._fetch(
            "UPDATE execution.orders SET state = %s, filled_qty = COALESCE(%s, filled_qty), "
            "avg_price = COALESCE(%s, avg_price), fee_usd = COALESCE(%s, fee_usd), "
            "venue_order_id = COALESCE(%s, venue_order_id), last_error = COALESCE(%s, last_error), "
            "submitted_at = CASE WHEN %s THEN now() ELSE submitted_at END, updated_at = now() "
            "WHERE client_order_id = %s RETURNING *",
            (new.value, filled, avg, fee, venue_order_id, error, submitted, order.client_order_id),
        )
        return _order(rows[0])

    async def record_fills(self, pair_id: str, fills: list[Fill]) -> None:
        if not fills:
            return
        async with self._lock, self.conn.transaction(), self.conn.cursor() as cur:
            for f in fills:
                await cur.execute(
                    "INSERT INTO execution.fills (venue, trade_id, client_order_id, pair_id, venue_symbol, side, qty, "
                    "price, fee_usd, is_maker, ts) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT DO NOTHING",
                    (f.venue.value, f.trade_id, f.client_order_id, pair_id, f.venue_symbol, f.side.value, f.qty,
                     f.price, f.fee_usd, f.is_maker, f.ts),
                )

    async def orders(self, pair_id: str) -> list[OrderRow]:
        rows = await self._fetch("SELECT * FROM execution.orders WHERE pair_id = %s ORDER BY created_at, "
                                 "client_order_id", (pair_id,))
        return [_order(r) for r in rows]

    async def unresolved_orders(self) -> list[OrderRow]:
        rows = await self._fetch(
            "SELECT o.* FROM execution.orders o JOIN execution.pairs p USING (pair_id) WHERE p.executor_id = %s "
            "AND o.state IN ('pending_submit', 'submitted', 'unknown') ORDER BY o.created_at",
            (self.executor_id,),
        )
        return [_order(r) for r in rows]

    async def leg_positions(self, pair_id: str) -> dict[str, Decimal]:
        """Signed filled quantity per leg (venue units), from the journal's orders."""
        rows = await self._fetch(
            "SELECT leg, coalesce(sum(CASE WHEN side = 'buy' THEN filled_qty ELSE -filled_qty END), 0) AS qty "
            "FROM execution.orders WHERE pair_id = %s GROUP BY leg",
            (pair_id,),
        )
        out = {"long": ZERO, "short": ZERO}
        out.update({r["leg"]: r["qty"] for r in rows})
        return out

    async def expected_venue_positions(self) -> dict[tuple[str, str], Decimal]:
        """What the journal says every venue should hold, per (venue, symbol), over all of this executor's pairs."""
        rows = await self._fetch(
            "SELECT o.venue, o.venue_symbol, "
            "sum(CASE WHEN o.side = 'buy' THEN o.filled_qty ELSE -o.filled_qty END) AS qty "
            "FROM execution.orders o JOIN execution.pairs p USING (pair_id) WHERE p.executor_id = %s "
            "GROUP BY o.venue, o.venue_symbol",
            (self.executor_id,),
        )
        return {(r["venue"], r["venue_symbol"]): r["qty"] for r in rows if r["qty"] != 0}

    async def exposure(self, reconciled: bool) -> Exposure:
        pairs = await self.live_pairs()
        gross: dict[str, Decimal] = {}
        for p in pairs:
            for venue in (p.long_venue, p.short_venue):
                gross[venue] = gross.get(venue, ZERO) + p.target_notional_usd
        unknown = await self._fetch(
            "SELECT count(*) AS n FROM execution.orders o JOIN execution.pairs p USING (pair_id) "
            "WHERE p.executor_id = %s AND o.state IN ('pending_submit', 'submitted', 'unknown')",
            (self.executor_id,),
        )
        return Exposure(
            open_pairs=len(pairs),
            gross_usd_by_venue=gross,
            assets_in_use=frozenset(p.asset for p in pairs),
            unknown_orders=unknown[0]["n"],
            broken_pairs=sum(1 for p in pairs if p.state is PairState.BROKEN),
            reconciled=reconciled,
        )

    async def fees_and_funding(self, pair_id: str) -> tuple[Decimal, Decimal]:
        rows = await self._fetch(
            "SELECT (SELECT coalesce(sum(fee_usd), 0) FROM execution.orders WHERE pair_id = %s) AS fees, "
            "(SELECT coalesce(sum(amount_usd), 0) FROM execution.funding_payments WHERE pair_id = %s) AS funding",
            (pair_id, pair_id),
        )
        return rows[0]["fees"], rows[0]["funding"]

    async def record_funding(self, pair_id: str, venue: str, symbol: str, funding_time: datetime,
                             position_qty: Decimal, rate: Decimal, amount_usd: Decimal) -> None:
        await self._exec(
            "INSERT INTO execution.funding_payments (pair_id, venue, venue_symbol, funding_time, position_qty, rate, "
            "amount_usd) VALUES (%s,%s,%s,%s,%s,%s,%s) ON CONFLICT DO NOTHING",
            (pair_id, venue, symbol, funding_time, position_qty, rate, amount_usd),
        )

    async def record_mark(self, pair_id: str, values: dict[str, Any]) -> None:
        await self._exec(
            "INSERT INTO execution.pair_marks (pair_id, ts, long_qty, short_qty, long_mark, short_mark, "
            "current_spread_per_hour, unrealised_pnl_usd, funding_usd, fees_usd) "
            "VALUES (%s, now(), %s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT DO NOTHING",
            (pair_id, values["long_qty"], values["short_qty"], values.get("long_mark"), values.get("short_mark"),
             values.get("spread_per_hour"), values.get("upnl"), values.get("funding"), values.get("fees")),
        )


def as_request(order: OrderRow) -> OrderRequest:
    from perpdex_lib.domain.enums import Venue

    return OrderRequest(
        client_order_id=order.client_order_id, venue=Venue(order.venue), venue_symbol=order.venue_symbol,
        side=order.side, qty=order.qty, order_type=order.order_type, limit_price=order.limit_price,
        reduce_only=order.reduce_only,
    )
