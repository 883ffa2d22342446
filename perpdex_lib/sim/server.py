"""The simulator process: one aiohttp app per venue (own port, so paths never collide) plus an admin app.

Venue route modules live in ``perpdex_lib.sim.venues.<venue>`` and expose:

- ``setup(app: web.Application, ctx: SimContext) -> None`` — add that venue's routes (REST, WebSocket);
- ``replay_name(method, path, query, body) -> str | None`` — the recorded file (without ``.json``) that
  answers a request in replay mode, named as in ``exchange_samples/<venue>/``.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from aiohttp import web

from perpdex_lib.domain.enums import Venue
from perpdex_lib.sim.context import SimContext, fmt
from perpdex_lib.sim.faults import FaultConfig, FaultInjector
from perpdex_lib.sim.model import MarketModel

log = logging.getLogger(__name__)

ADMIN_OFFSET = 0  # admin at base_port, venues at base_port + 1 + index in Venue order
CTX_KEY = web.AppKey("ctx", SimContext)  # app[CTX_KEY] gives a venue's routes their context


def venue_module(venue: Venue) -> Any:
    return importlib.import_module(f"perpdex_lib.sim.venues.{venue.value}")


class SimServer:
    def __init__(
        self,
        model: MarketModel | None = None,
        *,
        host: str = "127.0.0.1",
        base_port: int = 18100,
        venues: list[Venue] | None = None,
        replay_dir: Path | None = None,
        faults: dict[Venue, FaultConfig] | None = None,
    ) -> None:
        self.model = model or MarketModel()
        self.host = host
        self.base_port = base_port
        self.venues = venues or list(self.model.venues)
        self.replay_dir = replay_dir
        self.contexts: dict[Venue, SimContext] = {
            v: SimContext(v, self.model, FaultInjector(v.value, self.model.seed, (faults or {}).get(v)))
            for v in self.venues
        }
        self._runners: list[web.AppRunner] = []
        self.urls: dict[Venue, str] = {}
        self.admin_url = ""

    # ---- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        admin_port = self.base_port + ADMIN_OFFSET if self.base_port else 0
        self.admin_url = await self._serve(self._admin_app(), admin_port)
        for i, venue in enumerate(Venue):
            if venue not in self.contexts:
                continue
            port = self.base_port + 1 + i if self.base_port else 0
            self.urls[venue] = await self._serve(self._venue_app(venue), port)

    async def stop(self) -> None:
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()

    async def _serve(self, app: web.Application, port: int) -> str:
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await runner.setup()
        site = web.TCPSite(runner, self.host, port, reuse_address=True)
        await site.start()
        self._runners.append(runner)
        sock = site._server.sockets[0]  # type: ignore[union-attr]
        return f"http://{self.host}:{sock.getsockname()[1]}"

    @contextmanager
    @staticmethod
    def in_thread(**kwargs: Any) -> Iterator[SimServer]:
        """Run a simulator on its own event-loop thread (for synchronous tests and tools)."""
        server = SimServer(**kwargs)
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        failure: list[BaseException] = []

        def _run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(server.start())
            except BaseException as exc:  # surfaced to the caller below
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()

        thread = threading.Thread(target=_run, name="perpdex-sim", daemon=True)
        thread.start()
        if not ready.wait(30):
            raise RuntimeError("simulator did not start within 30 s")
        if failure:
            thread.join(5)
            loop.close()
            raise RuntimeError("simulator failed to start") from failure[0]
        try:
            yield server
        finally:
            asyncio.run_coroutine_threadsafe(server.stop(), loop).result(30)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)

    # ---- apps ---------------------------------------------------------------------------------
    def _venue_app(self, venue: Venue) -> web.Application:
        ctx = self.contexts[venue]
        app = web.Application(middlewares=[ctx.faults.middleware])
        app[CTX_KEY] = ctx
        if self.replay_dir is not None:
            app.router.add_route("*", "/{tail:.*}", self._replay_handler(venue))
        else:
            try:
                module = venue_module(venue)
            except ModuleNotFoundError:
                log.warning("no simulator routes for %s yet; it answers 404", venue)
            else:
                module.setup(app, ctx)
        return app

    def _replay_handler(self, venue: Venue) -> Any:
        module = venue_module(venue)
        folder = Path(self.replay_dir or ".") / venue.value

        async def handler(request: web.Request) -> web.Response:
            body: Any = None
            if request.can_read_body:
                try:
                    body = await request.json()
                except (json.JSONDecodeError, UnicodeDecodeError):
                    body = None
            name = module.replay_name(request.method, request.path, dict(request.query), body)
            path = folder / f"{name}.json" if name else None
            if path is None or not path.is_file():
                return web.json_response({"error": f"no recording for {request.method} {request.path}"}, status=404)
            return web.Response(text=path.read_text(), content_type="application/json")

        return handler

    def _admin_app(self) -> web.Application:
        app = web.Application()
        r = app.router
        r.add_get("/admin/health", self._health)
        r.add_get("/admin/urls", self._health)
        r.add_get("/admin/faults", self._get_faults)
        r.add_post("/admin/faults/{venue}", self._set_faults)
        r.add_post("/admin/faults/{venue}/reset", self._reset_faults)
        r.add_delete("/admin/faults", self._reset_all_faults)
        r.add_get("/admin/stats", self._stats)
        r.add_get("/admin/truth/instruments", self._truth_instruments)
        r.add_get("/admin/truth/funding", self._truth_funding)
        r.add_get("/admin/truth/settled", self._truth_settled)
        r.add_post("/admin/rates", self._set_rate)
        r.add_delete("/admin/rates", self._clear_rates)
        r.add_post("/admin/books", self._set_book)
        r.add_delete("/admin/books", self._clear_books)
        return app

    def _venue(self, request: web.Request, key: str = "venue") -> Venue:
        raw = request.match_info.get(key) or request.query.get(key, "")
        try:
            venue = Venue(raw)
        except ValueError:
            raise web.HTTPBadRequest(text=f"unknown venue {raw!r}") from None
        if venue not in self.contexts:
            raise web.HTTPNotFound(text=f"venue {venue} not simulated")
        return venue

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"ok": True, "seed": self.model.seed, "n_assets": self.model.n_assets,
             "replay": str(self.replay_dir) if self.replay_dir else None,
             "venues": {v.value: u for v, u in self.urls.items()}}
        )

    async def _get_faults(self, request: web.Request) -> web.Response:
        return web.json_response({v.value: c.faults.config.as_dict() for v, c in self.contexts.items()})

    async def _set_faults(self, request: web.Request) -> web.Response:
        venue = self._venue(request)
        try:
            self.contexts[venue].faults.config.update(await request.json())
        except (ValueError, TypeError) as exc:
            raise web.HTTPBadRequest(text=str(exc)) from None
        return web.json_response(self.contexts[venue].faults.config.as_dict())

    async def _reset_faults(self, request: web.Request) -> web.Response:
        venue = self._venue(request)
        self.contexts[venue].faults.reset()
        return web.json_response(self.contexts[venue].faults.config.as_dict())

    async def _reset_all_faults(self, request: web.Request) -> web.Response:
        for ctx in self.contexts.values():
            ctx.faults.reset()
        return web.json_response({"ok": True})

    async def _stats(self, request: web.Request) -> web.Response:
        return web.json_response({v.value: c.faults.stats for v, c in self.contexts.items()})

    async def _truth_instruments(self, request: web.Request) -> web.Response:
        venue = self._venue(request)
        now = datetime.now(UTC)
        out = []
        for a in self.model.listed(venue):
            spec = self.model.spec(venue, a)
            out.append({
                "asset": a.name, "multiplier": spec.multiplier, "interval_hours": spec.interval_h,
                "tick": fmt(spec.tick), "lot": fmt(spec.lot), "max_leverage": spec.max_leverage,
                "mark_price": fmt(self.model.mark_price(venue, a, now)),
            })
        return web.json_response(out)

    async def _truth_funding(self, request: web.Request) -> web.Response:
        venue = self._venue(request)
        at = _ts(request.query.get("at")) or datetime.now(UTC)
        names = [request.query["asset"]] if "asset" in request.query else [a.name for a in self.model.listed(venue)]
        out = []
        for name in names:
            a = self.model.asset(name)
            out.append({
                "asset": name,
                "predicted_rate_per_hour": fmt(self.model.predicted_rate_per_hour(venue, a, at)),
                "next_funding_time": self.model.next_settlement(venue, a, at).isoformat(),
                "interval_hours": self.model.interval_hours(venue, a),
                "multiplier": self.model.multiplier(venue, a),
            })
        return web.json_response(out)

    async def _truth_settled(self, request: web.Request) -> web.Response:
        venue = self._venue(request)
        a = self.model.asset(request.query["asset"])
        start, end = _ts(request.query.get("start")), _ts(request.query.get("end"))
        if start is None or end is None:
            raise web.HTTPBadRequest(text="start and end (ISO-8601) are required")
        rows = [
            {"funding_time": t.isoformat(), "rate_per_hour": fmt(self.model.settled_rate_per_hour(venue, a, t))}
            for t in self.model.settlement_times(venue, a, start, end)
        ]
        return web.json_response(rows)

    async def _set_rate(self, request: web.Request) -> web.Response:
        body = await request.json()
        venue = Venue(body["venue"])
        self.model.overrides[(venue, body["asset"])] = Decimal(str(body["rate_per_hour"]))
        return web.json_response({"ok": True})

    async def _set_book(self, request: web.Request) -> web.Response:
        """Force a venue/asset book's half spread (bps), e.g. to exercise wide-spread protection."""
        body = await request.json()
        self.model.half_spread_overrides[(Venue(body["venue"]), body["asset"])] = float(body["half_spread_bps"])
        return web.json_response({"ok": True})

    async def _clear_books(self, request: web.Request) -> web.Response:
        self.model.half_spread_overrides.clear()
        return web.json_response({"ok": True})

    async def _clear_rates(self, request: web.Request) -> web.Response:
        self.model.overrides.clear()
        return web.json_response({"ok": True})


def _ts(value: str | None) -> datetime | None:
    if not value:
        return None
    t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=UTC)


