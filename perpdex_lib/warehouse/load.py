"""Bulk loads: COPY into a temporary staging table, then ``INSERT … ON CONFLICT`` into the target.

Why this shape: COPY is the fastest way into PostgreSQL, and the merge step makes every load idempotent on
the table's natural key (re-running an interval changes nothing: rows are only rewritten when a value
differs). Rows are streamed with ``copy.write_row`` from any iterable, so a million rows never sit in
Python memory. Everything happens inside the caller's transaction (as a savepoint; the caller commits), or in a
transaction of its own on an autocommit connection, so a failed load leaves nothing behind. For a
range-partitioned target the loader creates the monthly partitions that the batch's time span needs
before merging, so a load never fails for a missing partition.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import operator
import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

import psycopg
from psycopg import errors, sql
from psycopg.types.json import Jsonb

from perpdex_lib.domain.market import FundingRate, Instrument, MarketSnapshot, OrderBook, OrderBookLevel
from perpdex_lib.venues.batch import Reject

CopyFormat = Literal["binary", "text"]
_stage_counter = itertools.count()
# Rows staged and merged at a time: bounds memory (the next chunk is built while this one merges).
CHUNK_ROWS = 100_000
MERGE_WORK_MEM = "256MB"  # per hash join of the merge, only while merging


# -------------------------------------------------------------------------------------------- generic


def _split(table: str) -> sql.Identifier:
    schema, _, name = table.rpartition(".")
    return sql.Identifier(schema, name) if schema else sql.Identifier(name)


def _idents(names: Sequence[str], prefix: str | None = None) -> sql.Composed:
    if prefix:
        return sql.SQL(", ").join(sql.Identifier(prefix, n) for n in names)
    return sql.SQL(", ").join(sql.Identifier(n) for n in names)


def _partition_column(cur: psycopg.Cursor, table: str) -> str | None:
    """The column of a single-column RANGE partition key, else None (not partitioned)."""
    row = cur.execute(
        """
        SELECT a.attname
        FROM pg_catalog.pg_partitioned_table p
        JOIN pg_catalog.pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
        WHERE p.partrelid = %s::regclass AND p.partstrat = 'r' AND p.partnatts = 1
        """,
        (table,),
    ).fetchone()
    return row[0] if row else None


def ensure_partitions(cur: psycopg.Cursor, table: str, start: datetime, end: datetime) -> int:
    """Create the monthly partitions of ``table`` covering [start, end]; returns how many were new."""
    row = cur.execute(
        "SELECT market.ensure_monthly_partitions(%s::regclass, %s, %s)", (table, start, end)
    ).fetchone()
    return int(row[0]) if row else 0


def _atomic(conn: psycopg.Connection):
    """A savepoint inside the caller's transaction; its own transaction only on an autocommit connection.

    psycopg's ``conn.transaction()`` on an idle non-autocommit connection would BEGIN and COMMIT by itself;
    we open the caller's implicit transaction first so the caller decides when the load commits.
    """
    if not conn.autocommit and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
        conn.execute("SELECT 1")
    return conn.transaction()


def bulk_upsert(
    conn: psycopg.Connection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    key_columns: Sequence[str],
    update_columns: Sequence[str] | None = None,
    *,
    where: str | None = None,
    copy_format: CopyFormat = "binary",
    chunk_rows: int | None = None,
) -> int:
    """Stream ``rows`` (tuples in ``columns`` order) into ``table``, merging on ``key_columns``.

    ``update_columns``: columns overwritten on a key conflict (default: every non-key column; ``[]`` means
    DO NOTHING). ``where``: SQL condition for the update, with the target aliased ``t`` and the incoming
    row ``excluded`` (default: any update column differs, so identical re-loads write nothing).
    ``copy_format="binary"`` needs values of the column's Python type (Decimal for numeric, aware datetime
    for timestamptz, dict/list for jsonb); ``"text"`` also accepts strings. Duplicate keys inside one
    batch are allowed: the last occurrence wins. Returns the number of row writes (inserts + updates).

    Large inputs are staged and merged in chunks of ``chunk_rows`` (default :data:`CHUNK_ROWS`), all in
    the same transaction; a helper thread builds the next chunk from ``rows`` while the server merges the
    current one, so Python and PostgreSQL work at the same time. ``rows`` must not use ``conn`` itself.
    """
    columns = list(columns)
    key_columns = list(key_columns)
    if not set(key_columns) <= set(columns):
        raise ValueError(f"key columns {key_columns} must be among the loaded columns {columns}")
    if update_columns is None:
        update_columns = [c for c in columns if c not in key_columns]
    update_columns = list(update_columns)
    chunk_rows = chunk_rows or CHUNK_ROWS
    target = _split(table)
    stage = sql.Identifier(f"_stage_{next(_stage_counter)}")

    with _atomic(conn), conn.cursor() as cur:
        cur.execute(
            sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
                stage, _idents(columns), target
            )
        )
        copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(stage, _idents(columns))
        types: list[str] = []
        if copy_format == "binary":
            copy_sql = sql.SQL("{} (FORMAT BINARY)").format(copy_sql)
            types = [
                t
                for (t,) in cur.execute(
                    """
                    SELECT t.typname FROM pg_catalog.pg_attribute a
                    JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
                    WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
                    """,
                    (stage.as_string(cur),),
                ).fetchall()
            ]
        part_col = _partition_column(cur, table)
        plan = _MergePlan(target, stage, columns, key_columns, update_columns, where)
        key_of = operator.itemgetter(*[columns.index(k) for k in key_columns])
        # Joins of a big chunk against its target hash in memory instead of sorting on disk. set_config(…, true)
        # lasts until the end of the caller's transaction, so the previous value is put back afterwards.
        previous_work_mem = cur.execute(
            "SELECT current_setting('work_mem'), set_config('work_mem', %s, true)", (MERGE_WORK_MEM,)
        ).fetchone()[0]

        count = 0
        chunks = _Prefetch(rows, chunk_rows)
        try:
            for number, chunk in enumerate(chunks):
                if number:
                    cur.execute(sql.SQL("TRUNCATE {}").format(stage))
                repeats = _copy_chunk(cur, copy_sql, types, chunk, key_of)
                span = None
                if part_col is not None:
                    lo, hi = cur.execute(
                        sql.SQL("SELECT min({c}), max({c}) FROM {s}").format(c=sql.Identifier(part_col), s=stage)
                    ).fetchone()
                    if lo is not None:
                        ensure_partitions(cur, table, lo, hi)
                        span = (part_col, lo, hi)
                count += _merge_chunk(conn, cur, plan, repeats, span)
        finally:
            chunks.close()
        cur.execute("SELECT set_config('work_mem', %s, true)", (previous_work_mem,))
        cur.execute(sql.SQL("DROP TABLE {}").format(stage))
    return count


def _copy_chunk(
    cur: psycopg.Cursor, copy_sql: sql.Composed, types: list[str], chunk: Sequence[Sequence[Any]], key_of: Any
) -> bool:
    """COPY one chunk into the staging table; True when it may repeat a key (hashes seen twice)."""
    seen: set[int] = set()
    maybe_repeats = False
    with cur.copy(copy_sql) as copy:
        if types:
            copy.set_types(types)
        for row in chunk:
            copy.write_row(row)
            if not maybe_repeats:
                try:
                    digest = hash(key_of(row))
                except TypeError:
                    maybe_repeats = True
                    continue
                if digest in seen:
                    maybe_repeats = True
                else:
                    seen.add(digest)
    return maybe_repeats


def _merge_chunk(
    conn: psycopg.Connection,
    cur: psycopg.Cursor,
    plan: _MergePlan,
    maybe_repeats: bool,
    span: tuple[str, Any, Any] | None,
) -> int:
    if not maybe_repeats:
        try:
            with conn.transaction():  # savepoint: a concurrent writer may insert one of our new keys
                return plan.update_changed(cur, span) + plan.insert_new(cur, span)
        except errors.UniqueViolation:
            pass
    # repeated keys in the chunk (maybe spelled differently), or a race: the general upsert
    cur.execute(plan.upsert(dedupe=True))
    return cur.rowcount


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class _Prefetch:
    """Lists of up to ``size`` rows from ``rows``, built on a helper thread one chunk ahead of the consumer.

    A short sequence is passed through without a thread. The producer stops at the next chunk boundary
    when the consumer closes it (e.g. after a database error); its exceptions re-raise in the consumer.
    """

    _END = object()

    def __init__(self, rows: Iterable[Sequence[Any]], size: int) -> None:
        self._small: Sequence[Sequence[Any]] | None = None
        self._thread: threading.Thread | None = None
        if isinstance(rows, list | tuple) and len(rows) <= size:
            self._small = rows
            return
        self._queue: queue.Queue = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._produce, args=(iter(rows), size), name="bulk-upsert-prefetch", daemon=True
        )
        self._thread.start()

    def _produce(self, rows: Iterator[Sequence[Any]], size: int) -> None:
        try:
            while not self._stop.is_set():
                chunk = list(itertools.islice(rows, size))
                if not chunk:
                    break
                self._put(chunk)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            self._put(_Failure(exc))
        self._put(self._END)

    def _put(self, item: object) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def __iter__(self) -> Iterator[Sequence[Sequence[Any]]]:
        if self._thread is None:
            if self._small:
                yield self._small
            return
        while True:
            item = self._queue.get()
            if item is self._END:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item  # type: ignore[misc]

    def close(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        self._thread.join(timeout=10)


class _MergePlan:
    """The SQL that moves a staging table into its target.

    Fast path (no key repeats inside the batch): first rewrite the existing rows whose values changed
    (rows identical to what is stored are filtered out before they can take row locks or write WAL), then
    insert the new keys with a plain INSERT (no speculative insertion). General path: one
    ``INSERT … ON CONFLICT DO UPDATE``, keeping the last row per key when the batch repeats keys.
    """

    def __init__(
        self,
        target: sql.Identifier,
        stage: sql.Identifier,
        columns: list[str],
        key_columns: list[str],
        update_columns: list[str],
        where: str | None,
    ) -> None:
        self.target, self.stage, self.columns = target, stage, columns
        self.key_columns, self.update_columns = key_columns, update_columns
        if where is None:
            self.condition = sql.SQL("({}) IS DISTINCT FROM ({})").format(
                _idents(update_columns, "t"), _idents(update_columns, "excluded")
            )
        else:
            self.condition = sql.SQL(where)
        self.key_match = sql.SQL(" AND ").join(
            sql.SQL("t.{k} = excluded.{k}").format(k=sql.Identifier(k)) for k in key_columns
        )

    def _on_conflict(self) -> sql.Composable:
        if not self.update_columns:
            return sql.SQL("ON CONFLICT ({}) DO NOTHING").format(_idents(self.key_columns))
        sets = sql.SQL(", ").join(
            sql.SQL("{c} = excluded.{c}").format(c=sql.Identifier(c)) for c in self.update_columns
        )
        return sql.SQL("ON CONFLICT ({}) DO UPDATE SET {} WHERE {}").format(
            _idents(self.key_columns), sets, self.condition
        )

    @staticmethod
    def _within(span: tuple[str, Any, Any] | None) -> sql.Composable:
        """The chunk's time range as literals, so the planner prunes the target to the months it touches."""
        if span is None:
            return sql.SQL("")
        column, lo, hi = span
        return sql.SQL(" AND t.{c} BETWEEN {lo} AND {hi}").format(
            c=sql.Identifier(column), lo=sql.Literal(lo), hi=sql.Literal(hi)
        )

    def update_changed(self, cur: psycopg.Cursor, span: tuple[str, Any, Any] | None = None) -> int:
        if not self.update_columns:
            return 0
        cur.execute(
            sql.SQL(
                "INSERT INTO {t} AS t ({c}) SELECT {c} FROM {s} AS excluded "
                "WHERE EXISTS (SELECT 1 FROM {t} AS t WHERE {match}{within} AND ({cond})) {conflict}"
            ).format(
                t=self.target, c=_idents(self.columns), s=self.stage, match=self.key_match, cond=self.condition,
                within=self._within(span), conflict=self._on_conflict(),
            )
        )
        return cur.rowcount

    def insert_new(self, cur: psycopg.Cursor, span: tuple[str, Any, Any] | None = None) -> int:
        cur.execute(
            sql.SQL(
                "INSERT INTO {t} ({c}) SELECT {c} FROM {s} AS excluded "
                "WHERE NOT EXISTS (SELECT 1 FROM {t} AS t WHERE {match}{within})"
            ).format(
                t=self.target, c=_idents(self.columns), s=self.stage, match=self.key_match, within=self._within(span)
            )
        )
        return cur.rowcount

    def upsert(self, *, dedupe: bool) -> sql.Composed:
        if dedupe:  # ctid order is COPY order in a fresh temp table: keep the last row per key
            source = sql.SQL("SELECT DISTINCT ON ({k}) {c} FROM {s} ORDER BY {k}, ctid DESC").format(
                k=_idents(self.key_columns), c=_idents(self.columns), s=self.stage
            )
        else:
            source = sql.SQL("SELECT {c} FROM {s}").format(c=_idents(self.columns), s=self.stage)
        return sql.SQL("INSERT INTO {t} AS t ({c}) {src} {conflict}").format(
            t=self.target, c=_idents(self.columns), src=source, conflict=self._on_conflict()
        )


# ------------------------------------------------------------------------------------- JSON (exact)


def dumps_exact(obj: Any) -> str:
    """JSON with Decimals written as the numbers they are (json.dumps would refuse or round them)."""
    return "".join(_encode(obj))


def _encode(obj: Any) -> Iterator[str]:
    if isinstance(obj, Decimal):
        if obj.is_finite():
            yield str(obj)  # "1.25E-5" is valid JSON number syntax
        else:
            yield json.dumps(str(obj))  # NaN/Infinity are not JSON numbers: keep them visible as strings
    elif isinstance(obj, float) and not math.isfinite(obj):
        yield json.dumps(str(obj))
    elif isinstance(obj, dict):
        yield "{"
        for i, (key, value) in enumerate(obj.items()):
            if i:
                yield ","
            yield json.dumps(str(key))
            yield ":"
            yield from _encode(value)
        yield "}"
    elif isinstance(obj, list | tuple):
        yield "["
        for i, value in enumerate(obj):
            if i:
                yield ","
            yield from _encode(value)
        yield "]"
    elif isinstance(obj, bytes):
        yield json.dumps(obj.decode("utf-8", errors="replace"))
    elif obj is None or isinstance(obj, str | int | float | bool):
        yield json.dumps(obj)
    else:
        yield json.dumps(str(obj))


# ------------------------------------------------------------------------------------- typed loaders

FUNDING_COLUMNS = (
    "venue", "venue_symbol", "asset", "kind", "funding_time", "raw_rate", "raw_unit", "interval_hours",
    "rate_per_hour", "venue_ts", "observed_at", "run_id",
)  # fmt: skip
_FUNDING_VALUES = ("asset", "raw_rate", "raw_unit", "interval_hours", "rate_per_hour", "venue_ts")
# A value change rewrites the row; a newer sighting of an unchanged prediction refreshes observed_at (the
# executor judges the prediction's age by it); a re-run of the same batch writes nothing.
_FUNDING_WHERE = (
    "(t.asset, t.raw_rate, t.raw_unit, t.interval_hours, t.rate_per_hour, t.venue_ts) IS DISTINCT FROM "
    "(excluded.asset, excluded.raw_rate, excluded.raw_unit, excluded.interval_hours, excluded.rate_per_hour, "
    "excluded.venue_ts) OR (t.kind = 'predicted' AND excluded.observed_at > t.observed_at)"
)


def _funding_row(rate: FundingRate, run_id: str | None) -> tuple:
    return (
        rate.venue.value, rate.venue_symbol, rate.asset, rate.kind.value, rate.funding_time, rate.raw_rate,
        rate.raw_unit.value, rate.interval_hours, rate.rate_per_hour, rate.venue_ts, rate.observed_at, run_id,
    )  # fmt: skip


def load_funding_rates(conn: psycopg.Connection, rates: Iterable[FundingRate], run_id: str | None = None) -> int:
    """Upsert funding observations on (venue, venue_symbol, funding_time, kind)."""
    return bulk_upsert(
        conn,
        "market.funding_rates",
        FUNDING_COLUMNS,
        (_funding_row(r, run_id) for r in rates),
        ("venue", "venue_symbol", "funding_time", "kind"),
        (*_FUNDING_VALUES, "observed_at", "run_id"),
        where=_FUNDING_WHERE,
    )


SNAPSHOT_COLUMNS = (
    "venue", "venue_symbol", "asset", "ts", "mark_price", "index_price", "open_interest_base",
    "open_interest_usd", "volume_24h_usd", "best_bid", "best_ask", "bid_depth_usd", "ask_depth_usd",
    "next_funding_time", "run_id",
)  # fmt: skip
_SNAPSHOT_VALUES = SNAPSHOT_COLUMNS[2:-1]


def load_snapshots(conn: psycopg.Connection, snapshots: Iterable[MarketSnapshot], run_id: str | None = None) -> int:
    """Upsert market snapshots on (venue, venue_symbol, ts)."""
    rows = (
        (
            s.venue.value, s.venue_symbol, s.asset, s.ts, s.mark_price, s.index_price, s.open_interest_base,
            s.open_interest_usd, s.volume_24h_usd, s.best_bid, s.best_ask, s.bid_depth_usd, s.ask_depth_usd,
            s.next_funding_time, run_id,
        )
        for s in snapshots
    )
    where = "({}) IS DISTINCT FROM ({})".format(
        ", ".join(f"t.{c}" for c in _SNAPSHOT_VALUES), ", ".join(f"excluded.{c}" for c in _SNAPSHOT_VALUES)
    )
    return bulk_upsert(
        conn, "market.market_snapshots", SNAPSHOT_COLUMNS, rows, ("venue", "venue_symbol", "ts"),
        (*_SNAPSHOT_VALUES, "run_id"), where=where,
    )  # fmt: skip


INSTRUMENT_COLUMNS = (
    "venue", "venue_symbol", "asset", "quote", "multiplier", "tick_size", "lot_size", "min_size",
    "min_notional_usd", "max_leverage", "funding_interval_hours", "continuous_funding", "status",
    "venue_market_id", "first_seen_at", "updated_at",
)  # fmt: skip
_INSTRUMENT_VALUES = INSTRUMENT_COLUMNS[2:-2]


def load_instruments(
    conn: psycopg.Connection, instruments: Iterable[Instrument], observed_at: datetime | None = None
) -> int:
    """Upsert instruments on (venue, venue_symbol); ``updated_at`` moves only when a field changed."""
    seen = observed_at or datetime.now(UTC)
    rows = (
        (
            i.venue.value, i.venue_symbol, i.asset, i.quote, i.multiplier, i.tick_size, i.lot_size, i.min_size,
            i.min_notional_usd, i.max_leverage, i.funding_interval_hours, i.continuous_funding, i.status.value,
            i.venue_market_id, seen, seen,
        )
        for i in instruments
    )
    where = "({}) IS DISTINCT FROM ({})".format(
        ", ".join(f"t.{c}" for c in _INSTRUMENT_VALUES), ", ".join(f"excluded.{c}" for c in _INSTRUMENT_VALUES)
    )
    return bulk_upsert(
        conn, "market.instruments", INSTRUMENT_COLUMNS, rows, ("venue", "venue_symbol"),
        (*_INSTRUMENT_VALUES, "updated_at"), where=where,
    )  # fmt: skip


def _levels(levels: Sequence[OrderBookLevel]) -> list[list[str]]:
    return [[format(level.price, "f"), format(level.size, "f")] for level in levels]


def load_order_books(conn: psycopg.Connection, books: Iterable[OrderBook], run_id: str | None = None) -> int:
    """Upsert order books on (venue, venue_symbol, ts); levels as JSON ``[[price, size], ...]`` strings."""
    rows = (
        (b.venue.value, b.venue_symbol, b.ts, Jsonb(_levels(b.bids)), Jsonb(_levels(b.asks)), run_id)
        for b in books
    )
    return bulk_upsert(
        conn, "market.order_books", ("venue", "venue_symbol", "ts", "bids", "asks", "run_id"), rows,
        ("venue", "venue_symbol", "ts"), ("bids", "asks", "run_id"), where="(t.bids, t.asks) IS DISTINCT FROM "
        "(excluded.bids, excluded.asks)",
    )  # fmt: skip


def quarantine(conn: psycopg.Connection, rejects: Iterable[Reject], run_id: str | None = None) -> int:
    """Append rejected rows to ``dq.quarantine`` (append-only: every refusal is evidence)."""
    columns = ("venue", "endpoint", "reason_code", "detail", "payload", "run_id")
    count = 0
    with _atomic(conn), conn.cursor() as cur:
        copy_sql = sql.SQL("COPY dq.quarantine ({}) FROM STDIN (FORMAT BINARY)").format(_idents(columns))
        with cur.copy(copy_sql) as copy:
            copy.set_types(["text", "text", "text", "text", "jsonb", "text"])
            for r in rejects:
                copy.write_row(
                    (str(r.venue), r.endpoint, r.reason_code, r.detail, Jsonb(r.payload, dumps=dumps_exact), run_id)
                )
                count += 1
    return count
