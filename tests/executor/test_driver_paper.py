"""Two-leg execution against paper venues that fill on the simulator's live books, with faults injected.

These are the executor rules in action: journal before send, unknown outcomes resolved by lookup (never treated
as rejections), the filled quantity hedged or unwound, and net exposure back to zero within tolerance.
"""

from __future__ import annotations

from decimal import Decimal

from executor.fsm import OrderState, PairState
from tests.executor.conftest import LONG, SHORT


async def net_exposure(rig, pair) -> Decimal:
    long_q = await rig.venue_qty(LONG, pair.long_symbol) * pair.long_multiplier
    short_q = await rig.venue_qty(SHORT, pair.short_symbol) * pair.short_multiplier
    return long_q + short_q


async def test_happy_path_open_then_exit_to_flat(rig):
    pair = await rig.plan()
    pair = await rig.run(pair, until={"open"})
    assert pair.state is PairState.OPEN
    assert await rig.venue_qty(LONG, pair.long_symbol) == pair.target_canonical_qty
    assert await rig.venue_qty(SHORT, pair.short_symbol) == -pair.target_canonical_qty
    orders = await rig.journal.orders(pair.pair_id)
    assert [o.state for o in orders] == [OrderState.FILLED, OrderState.FILLED]
    fills = await rig.conn.execute("SELECT count(*), sum(fee_usd) FROM execution.fills WHERE pair_id = %s",
                                   (pair.pair_id,))
    n, fees = await fills.fetchone()
    assert n >= 2 and fees > 0

    pair = await rig.driver.begin_exit(pair, "time_limit")
    pair = await rig.run(pair, until={"closed", "broken"})
    assert pair.state is PairState.CLOSED
    assert await rig.venue_qty(LONG, pair.long_symbol) == 0
    assert await rig.venue_qty(SHORT, pair.short_symbol) == 0


async def test_leg_b_rejected_after_leg_a_filled_is_unwound(rig):
    await rig.set_faults(SHORT, reject_rate=1.0)
    pair = await rig.plan()
    pair = await rig.run(pair, until={"closed", "open", "broken"})
    assert pair.state is PairState.CLOSED  # hedges were rejected too, so the filled long leg was unwound
    assert await net_exposure(rig, pair) == 0
    assert await rig.venue_qty(LONG, pair.long_symbol) == 0
    purposes = {o.purpose for o in await rig.journal.orders(pair.pair_id)}
    assert purposes == {"entry", "hedge", "unwind"}


async def test_leg_b_rejected_once_is_hedged(rig):
    await rig.set_faults(SHORT, reject_rate=1.0)
    pair = await rig.plan()
    pair = await rig.run(pair, until={"hedging"})
    assert pair.state is PairState.HEDGING
    await rig.set_faults(SHORT)  # the venue accepts the hedge
    pair = await rig.run(pair, until={"open", "closed", "broken"})
    assert pair.state is PairState.OPEN
    assert await net_exposure(rig, pair) == 0
    assert await rig.venue_qty(SHORT, pair.short_symbol) == -pair.target_canonical_qty


async def test_timeout_after_fill_is_found_by_lookup_and_never_sent_twice(rig):
    await rig.set_faults(LONG, timeout_after_fill_rate=1.0)
    pair = await rig.plan()
    pair = await rig.driver.step(pair)  # both legs sent; the long answer is lost
    orders = await rig.journal.orders(pair.pair_id)
    long_order = next(o for o in orders if o.leg == "long")
    assert long_order.state is OrderState.UNKNOWN  # not REJECTED
    pair = await rig.run(pair, until={"open", "broken"})
    assert pair.state is PairState.OPEN
    cur = await rig.conn.execute(
        "SELECT count(*) FROM execution.paper_orders WHERE venue = %s AND client_order_id LIKE %s",
        (LONG.value, f"{pair.pair_id}-l%"),
    )
    assert (await cur.fetchone())[0] == 1  # the venue saw exactly one long order
    long_order = next(o for o in await rig.journal.orders(pair.pair_id) if o.leg == "long")
    assert long_order.state is OrderState.FILLED and long_order.lookups == 0


async def test_partial_fills_end_balanced(rig):
    await rig.set_faults(SHORT, partial_fill_ratio=0.5)
    pair = await rig.plan()
    pair = await rig.run(pair, until={"open", "closed", "broken"}, max_steps=40)
    assert pair.state in (PairState.OPEN, PairState.CLOSED)
    assert abs(await net_exposure(rig, pair)) <= Decimal("0.0001")  # within one lot
    assert await rig.venue_qty(SHORT, pair.short_symbol) < 0  # the short leg holds what it could fill


async def test_429_on_submit_is_unknown_then_not_placed_by_lookup(rig):
    await rig.set_faults(SHORT, submit_429_rate=1.0)
    pair = await rig.plan()
    pair = await rig.driver.step(pair)
    short_order = next(o for o in await rig.journal.orders(pair.pair_id) if o.leg == "short")
    assert short_order.state is OrderState.UNKNOWN
    await rig.set_faults(SHORT)
    pair = await rig.run(pair, until={"open", "closed", "broken"})
    short_order = next(o for o in await rig.journal.orders(pair.pair_id) if o.client_order_id.endswith("se0"))
    assert short_order.state is OrderState.NOT_PLACED  # the venue confirmed it never saw it
    assert pair.state is PairState.OPEN  # and the short leg was then hedged to the long fill
    assert await net_exposure(rig, pair) == 0


async def test_venue_down_mid_entry_freezes_then_recovers(rig):
    await rig.set_faults(SHORT, down=True)
    pair = await rig.plan()
    pair = await rig.driver.step(pair)
    short_order = next(o for o in await rig.journal.orders(pair.pair_id) if o.leg == "short")
    assert short_order.state is OrderState.UNKNOWN
    for _ in range(3):  # lookups fail: nothing new is placed while the outcome is unknown
        pair = await rig.driver.step(pair)
    assert len(await rig.journal.orders(pair.pair_id)) == 2
    exposure = await rig.journal.exposure(reconciled=True)
    assert exposure.unknown_orders == 1
    await rig.set_faults(SHORT)
    pair = await rig.run(pair, until={"open", "closed", "broken"})
    assert pair.state is PairState.OPEN
    assert await net_exposure(rig, pair) == 0


async def test_maker_entry_rests_then_fills_or_falls_back_to_ioc(rig):
    """Post-only legs rest at the touch; after the timeout they are cancelled and the rest goes IOC."""
    from executor.config import ExecutorConfig

    rig.driver.cfg = ExecutorConfig.model_validate({"entry": {"style": "maker", "post_only_timeout_s": 0,
                                                              "fallback": "ioc"}})
    pair = await rig.plan()
    pair = await rig.run(pair, until={"open", "closed", "broken", "abandoned"})
    assert pair.state is PairState.OPEN
    orders = await rig.journal.orders(pair.pair_id)
    assert {o.order_type.value for o in orders} == {"post_only", "ioc"}
    assert await net_exposure(rig, pair) == 0
