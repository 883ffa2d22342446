"""Fault injection per venue, settable at start (CLI) and at runtime (admin API).

The middleware draws from a seeded RNG, so a fault schedule is reproducible for a given seed and request
order. "down" drops the connection without an answer, which clients see as a disconnect.
"""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import asdict, dataclass, fields
from typing import Any

from aiohttp import web


@dataclass
class FaultConfig:
    latency_ms: float = 0.0  # added to every answer
    error_5xx_rate: float = 0.0  # share of requests answered 503
    rate_limit_rate: float = 0.0  # share answered 429 with Retry-After
    retry_after_s: float = 0.05
    timeout_rate: float = 0.0  # share that hang for ``timeout_hang_s`` before answering
    timeout_hang_s: float = 30.0
    malformed_rate: float = 0.0  # share of JSON bodies corrupted
    malformed_mode: str = "row"  # row: one list item loses a field / gets a bad value; body: truncated JSON
    stale_s: float = 0.0  # venue timestamps shifted this far into the past
    down: bool = False  # every request: connection dropped

    def update(self, values: dict[str, Any]) -> None:
        names = {f.name for f in fields(self)}
        unknown = set(values) - names
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        for key, value in values.items():
            setattr(self, key, type(getattr(self, key))(value))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class FaultInjector:
    """Holds the fault config of one venue and applies it as aiohttp middleware."""

    def __init__(self, venue: str, seed: int, config: FaultConfig | None = None) -> None:
        self.venue = venue
        self.config = config or FaultConfig()
        self._rng = random.Random(f"{seed}:{venue}:faults")
        self.stats = {"requests": 0, "5xx": 0, "429": 0, "timeouts": 0, "malformed": 0, "dropped": 0}

    def reset(self) -> None:
        self.config = FaultConfig()

    @web.middleware
    async def middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        cfg = self.config
        self.stats["requests"] += 1
        if cfg.down:
            self.stats["dropped"] += 1
            if request.transport is not None:
                request.transport.close()
            raise web.HTTPServiceUnavailable(text="venue down")
        if cfg.latency_ms:
            await asyncio.sleep(cfg.latency_ms / 1000)
        roll = self._rng.random()
        if roll < cfg.error_5xx_rate:
            self.stats["5xx"] += 1
            return web.json_response({"error": "simulated upstream failure"}, status=503)
        roll -= cfg.error_5xx_rate
        if roll < cfg.rate_limit_rate:
            self.stats["429"] += 1
            return web.json_response(
                {"error": "rate limited"}, status=429, headers={"Retry-After": str(cfg.retry_after_s)}
            )
        roll -= cfg.rate_limit_rate
        if roll < cfg.timeout_rate:
            self.stats["timeouts"] += 1
            await asyncio.sleep(cfg.timeout_hang_s)
        response = await handler(request)
        is_json = isinstance(response, web.Response) and response.content_type == "application/json"
        if cfg.malformed_rate and is_json and self._rng.random() < cfg.malformed_rate:
            self.stats["malformed"] += 1
            response = self._corrupt(response)
        return response

    def _corrupt(self, response: web.Response) -> web.Response:
        body = response.body.decode() if isinstance(response.body, bytes) else str(response.body)
        if self.config.malformed_mode == "body":
            return web.Response(text=body[: max(1, len(body) // 2)], content_type="application/json")
        data = json.loads(body)
        if not corrupt_one_row(data, self._rng):
            return web.Response(text=body[: max(1, len(body) // 2)], content_type="application/json")
        return web.json_response(data, status=response.status)


def corrupt_one_row(data: Any, rng: random.Random) -> bool:
    """Damage one dict inside the first non-empty list of dicts: drop a key or make a number garbage."""
    stack = [data]
    while stack:
        node = stack.pop(0)
        if isinstance(node, list) and node and all(isinstance(x, dict) for x in node):
            row = node[rng.randrange(len(node))]
            keys = [k for k, v in row.items() if isinstance(v, str | int | float) and not isinstance(v, bool)]
            if not keys:
                return False
            key = rng.choice(keys)
            if rng.random() < 0.5:
                del row[key]
            else:
                row[key] = "garbage" if not isinstance(row[key], str) else {"not": "a scalar"}
            return True
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False
