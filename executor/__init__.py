"""The executor daemon: turns opportunities into delta-neutral two-leg positions and keeps them safe.

Invariants (docs/EXECUTOR.md, from shared/docs/anchors.md §B5): orders are journaled before they are sent with a
deterministic client order id; timeouts/5xx/429/disconnects are *unknown* outcomes resolved by lookup, never
rejections; a failed venue query never means flat; a pair's legs net to zero or the pair is repaired within a bounded
time; no new entry while anything is unknown, the trading state is not ACTIVE, or inputs are stale; after a restart it
trades only when the DB and every venue agree.
"""
