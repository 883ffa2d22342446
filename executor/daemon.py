"""The executor daemon: monitor open pairs → evaluate exits → open new pairs, woken by NOTIFY or a poll timer.

Start-up is the recovery path: resolve every unknown order by lookup, resume every unfinished pair from the
journal, reconcile positions with every venue; entries stay blocked until that succeeds (rule 6).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import psycopg

from executor.alerts import alert
from executor.candidates import Candidate, LiveMarket, live_candidates, warehouse_candidates
from executor.config import ExecutorConfig
from executor.driver import PairDriver, Venues
from executor.exits import PairView, evaluate_exit, liquidation_distance, should_defer_exit, spread_fraction
from executor.fsm import PairState
from executor.journal import Journal, PairRow
from executor.paper import PaperFees, PaperVenue
from executor.reconcile import reconcile
from executor.risk import EntryRequest, TradingState, check_entry
from executor.sizing import SizingError, size_pair
from perpdex_lib import __version__
from perpdex_lib.config import Settings, get_settings
from perpdex_lib.domain import Venue
from perpdex_lib.fees import ExecutionStyle, load_fee_table
from perpdex_lib.opportunities.models import Rejection
from perpdex_lib.opportunities.params import OpportunityParams
from perpdex_lib.venues.base import open_market_data
from perpdex_lib.venues.errors import VenueError
from perpdex_lib.warehouse.engine import database_url, redact

log = logging.getLogger("perpdex.executor")

NOTIFY_CHANNEL = "perpdex_opportunities"
TRANSITIONAL = frozenset({PairState.PLANNED, PairState.ENTERING, PairState.HEDGING, PairState.UNWINDING,
                          PairState.EXITING, PairState.BROKEN})
SHUTDOWN_GRACE_S = 20.0
LOCK_WAIT_S = 10.0  # how long a starting executor waits for the single-instance lock


class Daemon:
    def __init__(self, cfg: ExecutorConfig, settings: Settings | None = None, *, candidate_source: str = "auto",
                 url: str | None = None) -> None:
        self.cfg = cfg
        self.settings = settings or get_settings()
        self.url = url or database_url(self.settings)
        self.candidate_source = candidate_source
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self._conns: list[psycopg.AsyncConnection[Any]] = []
        self.reconciled = False
        self.started_at = datetime.now(UTC)
        fees = load_fee_table()
        style = ExecutionStyle.MAKER if cfg.entry.style == "maker" else ExecutionStyle.TAKER
        self.params = OpportunityParams(
            notional_usd=cfg.strategy.notional_usd, horizon_hours=cfg.strategy.horizon_hours,
            execution_style=style, min_net_apr=cfg.strategy.min_net_apr,
            max_funding_age_s=Decimal(cfg.risk.max_input_age_s) * 10,
        )
        self.fees = fees

    # ---- lifecycle ----------------------------------------------------------------------------
    def request_stop(self) -> None:
        self._stop.set()
        self._wake.set()

    async def _connect(self, autocommit: bool = False) -> psycopg.AsyncConnection[Any]:
        conn = await psycopg.AsyncConnection.connect(self.url, autocommit=autocommit)
        self._conns.append(conn)
        return conn

    async def _build_venues(self) -> Venues:
        if self.cfg.mode != "paper":
            raise SystemExit("live mode needs the venues' trading clients, which this build does not have yet; "
                             "run with --mode paper")
        trading, market = {}, {}
        for venue in self.cfg.venues:
            md = open_market_data(venue, self.settings)
            market[venue] = md
            override = self.cfg.paper.fees.get(venue)
            sched = self.fees.get(venue)
            if override is not None:
                fees = PaperFees(override.maker, override.taker)
            elif sched is not None:
                fees = PaperFees(sched.maker, sched.taker)
            else:
                raise SystemExit(f"no fee schedule for {venue}: set paper.fees.{venue.value} in the config")
            trading[venue] = PaperVenue(venue, md, await self._connect(), fees, leverage=self.cfg.paper.leverage,
                                        seed=self.cfg.paper.seed)
        return Venues(trading=trading, market=market, instruments={})

    async def start(self) -> bool:
        """Connect, take the single-instance lock and build the venues; False if another instance runs."""
        self.journal = Journal(await self._connect(), self.cfg.executor_id, self.cfg.mode)
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:  # a crashed predecessor's session may take a moment to be reaped by the server
            locked = await self.journal._fetch("SELECT pg_try_advisory_lock(hashtext(%s)) AS ok",
                                               (f"perpdex-executor:{self.cfg.executor_id}",))
            if locked[0]["ok"] or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        if not locked[0]["ok"]:
            log.error("another executor with id %s is running", self.cfg.executor_id)
            await self._close()
            return False
        log.info("executor %s starting: mode=%s venues=%s warehouse=%s", self.cfg.executor_id, self.cfg.mode,
                 ",".join(v.value for v in self.cfg.venues), redact(self.url))
        self.venues = await self._build_venues()
        self.driver = PairDriver(self.journal, self.venues, self.cfg)
        self.market = LiveMarket(self.venues, self.fees, self.params)
        return True

    async def run(self) -> int:
        if not await self.start():
            return 3
        listen = await self._connect(autocommit=True)
        await listen.execute(f"LISTEN {NOTIFY_CHANNEL}")
        listener = asyncio.create_task(self._listen(listen))
        await self._heartbeat("starting")
        await self.journal.event("executor_started", None, {"mode": self.cfg.mode, "pid": os.getpid(),
                                                            "version": __version__})
        try:
            await self._loop()
        finally:
            listener.cancel()
            await self._shutdown()
        return 0

    async def _listen(self, conn: psycopg.AsyncConnection[Any]) -> None:
        async for note in conn.notifies():
            log.info("woken by %s: %s", note.channel, note.payload[:80])
            self._wake.set()

    async def _shutdown(self) -> None:
        """Finish what is mid-flight (bounded) so no half-open pair is left unattended, then stop."""
        deadline = time.monotonic() + SHUTDOWN_GRACE_S
        while time.monotonic() < deadline:
            busy = [p for p in await self.journal.live_pairs()
                    if p.state in (PairState.PLANNED, PairState.ENTERING, PairState.HEDGING, PairState.UNWINDING)]
            if not busy:
                break
            for p in busy:
                await self._safe_step(p)
            await asyncio.sleep(self.cfg.loop.active_interval_s)
        await self._heartbeat("stopped")
        await self.journal.event("executor_stopped", None, {})
        await self._close()

    async def close(self) -> None:
        await self._close()

    async def _close(self) -> None:
        for md in getattr(self, "venues", Venues({}, {}, {})).market.values():
            await md.http.close()
        for conn in self._conns:
            await conn.close()

    async def _heartbeat(self, state: str) -> None:
        await self.journal._exec(
            "INSERT INTO execution.executor_heartbeat (executor_id, mode, state, pid, started_at, heartbeat_at, "
            "version) VALUES (%s,%s,%s,%s,%s, now(), %s) ON CONFLICT (executor_id) DO UPDATE SET mode = "
            "EXCLUDED.mode, state = EXCLUDED.state, pid = EXCLUDED.pid, started_at = EXCLUDED.started_at, "
            "heartbeat_at = now(), version = EXCLUDED.version",
            (self.cfg.executor_id, self.cfg.mode, state, os.getpid(), self.started_at, __version__),
        )

    # ---- the loop -----------------------------------------------------------------------------
    async def _loop(self) -> None:
        last = {"heartbeat": 0.0, "reconcile": 0.0, "monitor": 0.0}
        seen_state: TradingState | None = None
        while not self._stop.is_set():
            self._wake.clear()  # before the pass: a NOTIFY that lands during it wakes the next pass at once
            now_m = time.monotonic()
            state = await self.journal.trading_state()
            if state is not seen_state:
                if seen_state is not None:  # switched by the operator (CLI) or by the executor itself
                    await alert(f"trading state {state.value}", f"executor {self.cfg.executor_id}: "
                                f"{seen_state.value} -> {state.value}",
                                level="warning" if state is not TradingState.ACTIVE else "info")
                seen_state = state
            if now_m - last["heartbeat"] >= self.cfg.loop.heartbeat_interval_s:
                await self._heartbeat(state.value)
                last["heartbeat"] = now_m
            await self._drive_pairs(state)
            if not self.reconciled or now_m - last["reconcile"] >= self.cfg.loop.reconcile_interval_s:
                await self._reconcile()
                last["reconcile"] = now_m
            if now_m - last["monitor"] >= self.cfg.loop.monitor_interval_s:
                await self._monitor(state)
                last["monitor"] = now_m
            pairs = await self.journal.live_pairs()
            busy = any(p.state in TRANSITIONAL for p in pairs)
            if not busy and state is TradingState.ACTIVE and self.reconciled:
                await self._enter(state)
                busy = any(p.state in TRANSITIONAL for p in await self.journal.live_pairs())
            timeout = self.cfg.loop.active_interval_s if busy else self.cfg.loop.poll_interval_s
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=timeout)

    async def _drive_pairs(self, state: TradingState) -> None:
        """Step every live pair; HALTED only resolves outcomes and cancels working orders."""
        for pair in await self.journal.live_pairs():
            if state is TradingState.HALTED:
                await self._freeze(pair)
            else:
                await self._safe_step(pair)

    async def _safe_step(self, pair: PairRow) -> PairRow:
        before = pair.state
        try:
            pair = await self.driver.step(pair)
        except VenueError as exc:
            log.warning("pair %s: %s", pair.pair_id, exc)
            return pair
        if pair.state != before:
            await self._on_transition(pair, before)
        return pair

    async def _freeze(self, pair: PairRow) -> None:
        """HALTED: resolve outcomes and cancel working orders; submit nothing."""
        for order in await self.journal.orders(pair.pair_id):
            order = await self.driver.resolve(order, pair, datetime.now(UTC))
            if order.state.value in ("open", "partially_filled"):
                await self.driver._cancel(order, pair)

    async def _on_transition(self, pair: PairRow, before: PairState) -> None:
        if pair.state is PairState.OPEN and before is not PairState.OPEN:
            await alert("pair opened", f"{pair.pair_id} {pair.asset} long {pair.long_venue} / short "
                        f"{pair.short_venue} qty {pair.target_canonical_qty}")
        elif pair.state is PairState.CLOSED:
            fees, funding = await self.journal.fees_and_funding(pair.pair_id)
            await alert("pair closed", f"{pair.pair_id} {pair.asset} reason={pair.exit_reason} fees={fees:.4f} "
                        f"funding={funding:.4f}")
        elif pair.state is PairState.BROKEN:
            await alert("pair BROKEN", f"{pair.pair_id} {pair.asset}: legs do not net to zero; trading is "
                        "REDUCE_ONLY until repaired", level="error")
            await self.journal.tighten_trading_state(TradingState.REDUCE_ONLY, f"pair {pair.pair_id} broken")

    async def _reconcile(self) -> None:
        result = await reconcile(self.journal, self.venues.trading, self.cfg.risk.reconcile_tolerance)
        if result.status == "deferred":
            return
        was = self.reconciled
        self.reconciled = result.ok
        if result.status == "mismatch":
            await alert("reconciliation mismatch", str(result.mismatches), level="error")
            await self.journal.tighten_trading_state(TradingState.REDUCE_ONLY, "reconciliation mismatch")
        elif result.status == "error" and was:
            await alert("reconciliation incomplete", str(result.errors), level="warning")

    # ---- monitor and exits --------------------------------------------------------------------
    async def _monitor(self, state: TradingState) -> None:
        now = datetime.now(UTC)
        for pair in await self.journal.live_pairs():
            if pair.state is not PairState.OPEN:
                continue
            try:
                await self._monitor_pair(pair, now, state)
            except VenueError as exc:
                log.warning("monitor %s: %s", pair.pair_id, exc)

    async def _monitor_pair(self, pair: PairRow, now: datetime, state: TradingState) -> None:
        long_v, short_v = Venue(pair.long_venue), Venue(pair.short_venue)
        long_q, short_q = await self.driver.canonical_positions(pair)
        await self._collect_funding(pair)
        long_pos = (await self.venues.trading[long_v].positions()).get(pair.long_symbol)
        short_pos = (await self.venues.trading[short_v].positions()).get(pair.short_symbol)
        long_book = await self.venues.book(long_v, pair.long_symbol)
        short_book = await self.venues.book(short_v, pair.short_symbol)
        rates_l = (await self.market.funding(long_v)).get(pair.long_symbol)
        rates_s = (await self.market.funding(short_v)).get(pair.short_symbol)
        spread = rates_s.rate_per_hour - rates_l.rate_per_hour if rates_l and rates_s else None
        upnl = Decimal(0)
        for pos, book in ((long_pos, long_book), (short_pos, short_book)):
            if pos is not None and pos.avg_entry_price is not None and book.mid is not None:
                upnl += (book.mid - pos.avg_entry_price) * pos.qty
        fees, funding = await self.journal.fees_and_funding(pair.pair_id)
        await self.journal.record_mark(pair.pair_id, {
            "long_qty": long_q, "short_qty": short_q, "long_mark": long_book.mid, "short_mark": short_book.mid,
            "spread_per_hour": spread, "upnl": upnl, "funding": funding, "fees": fees,
        })
        view = PairView(
            opened_at=pair.opened_at or pair.created_at,
            entry_divergence=pair.entry_spread_per_hour,
            current_divergence=spread,
            long_canonical_qty=long_q,
            short_canonical_qty=short_q,
            long_liq_distance=liquidation_distance("long", long_book.mid, long_pos.liquidation_price)
            if long_pos and long_book.mid else None,
            short_liq_distance=liquidation_distance("short", short_book.mid, short_pos.liquidation_price)
            if short_pos and short_book.mid else None,
        )
        reason = evaluate_exit(view, self.cfg.exits.rules(), now)
        if reason is None:
            return
        spreads = [spread_fraction(long_book.best_bid, long_book.best_ask),
                   spread_fraction(short_book.best_bid, short_book.best_ask)]
        if should_defer_exit(reason, spreads, self.cfg.exits.rules()):
            await self.journal.event("exit_deferred", pair.pair_id, {"reason": reason.value,
                                                                     "spreads": [str(s) for s in spreads]})
            return
        await self.driver.begin_exit(pair, reason.value)
        self._wake.set()

    async def _collect_funding(self, pair: PairRow) -> None:
        since = pair.opened_at or pair.created_at
        for venue, symbol in ((pair.long_venue, pair.long_symbol), (pair.short_venue, pair.short_symbol)):
            for p in await self.venues.trading[Venue(venue)].funding_payments(since):
                if p.venue_symbol == symbol:
                    await self.journal.record_funding(pair.pair_id, venue, symbol, p.funding_time, p.position_qty,
                                                      p.rate, p.amount_usd)

    # ---- entries ------------------------------------------------------------------------------
    async def _candidates(self, now: datetime) -> list[Candidate]:
        source = self.candidate_source
        if source in ("auto", "warehouse"):
            def _read() -> list[Candidate]:
                with psycopg.connect(self.url) as conn:
                    return warehouse_candidates(conn, self.cfg.strategy.max_candidate_age_s, self.cfg.venues)

            try:
                found = await asyncio.to_thread(_read)  # a sync read must not stall the event loop
                if found or source == "warehouse":
                    return found
            except psycopg.Error as exc:
                if source == "warehouse":
                    log.warning("no warehouse candidates: %s", exc)
                    return []
        strategy = self.cfg.strategy
        return await live_candidates(self.market, self.cfg.venues, set(strategy.assets) if strategy.assets else None,
                                     set(strategy.exclude_assets), now)

    async def _enter(self, state: TradingState) -> None:
        now = datetime.now(UTC)
        exposure = await self.journal.exposure(self.reconciled)
        allowed = set(self.cfg.strategy.assets or []) - set(self.cfg.strategy.exclude_assets)
        if exposure.open_pairs >= self.cfg.risk.max_open_pairs or (allowed and allowed <= exposure.assets_in_use):
            return  # no room for another pair: don't spend venue requests on a candidate scan
        try:
            candidates = await self._candidates(now)
        except VenueError as exc:
            log.warning("no candidates this cycle: %s", exc)
            return
        opened = 0
        strategy = self.cfg.strategy
        for c in candidates:
            if opened >= strategy.max_new_pairs_per_cycle or self._stop.is_set():
                break
            if (strategy.assets and c.asset not in strategy.assets) or c.asset in strategy.exclude_assets:
                continue
            exposure = await self.journal.exposure(self.reconciled)
            if c.asset in exposure.assets_in_use:
                continue
            try:
                checked = await self.market.recheck(c, now)
            except VenueError as exc:
                log.info("recheck %s failed: %s", c.asset, exc)
                continue
            if isinstance(checked, Rejection):
                await self.journal.event("candidate_rejected", None, {"asset": c.asset, "long": c.long_venue.value,
                                         "short": c.short_venue.value, "reason": checked.reason_code.value,
                                         "detail": checked.detail})
                continue
            li = await self.venues.instrument(c.long_venue, c.long_symbol)
            si = await self.venues.instrument(c.short_venue, c.short_symbol)
            lb, sb = await self.venues.book(c.long_venue, c.long_symbol), await self.venues.book(c.short_venue,
                                                                                                  c.short_symbol)
            try:
                size = size_pair(li, si, lb.best_ask or Decimal(0), sb.best_bid or Decimal(0), strategy.notional_usd)
            except SizingError as exc:
                await self.journal.event("entry_unsizable", None, {"asset": c.asset, "code": exc.code})
                continue
            decision = check_entry(
                EntryRequest(c.asset, c.long_venue.value, c.short_venue.value, strategy.notional_usd,
                             strategy.leverage, float(checked.max_input_age_s)),
                state, exposure, self.cfg.risk.limits(),
            )
            if not decision.allowed:
                await self.journal.event("entry_denied", None, {"asset": c.asset, "code": decision.code,
                                                                "detail": decision.detail})
                continue
            pair = await self.journal.create_pair(
                asset=c.asset, long=(c.long_venue.value, li.venue_symbol, li.multiplier),
                short=(c.short_venue.value, si.venue_symbol, si.multiplier), canonical_qty=size.canonical_qty,
                notional_usd=strategy.notional_usd, spread_per_hour=checked.spread_per_hour, apr=checked.net_apr,
                opportunity_ref=c.ref,
            )
            await self._safe_step(pair)
            opened += 1


def install_signal_handlers(daemon: Daemon) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, daemon.request_stop)


async def run_daemon(cfg: ExecutorConfig, candidate_source: str = "auto") -> int:
    daemon = Daemon(cfg, candidate_source=candidate_source)
    install_signal_handlers(daemon)
    return await daemon.run()
