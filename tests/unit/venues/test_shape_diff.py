"""The wire-shape comparison the simulator/SDK tests rely on must itself catch type and key changes."""

from __future__ import annotations

from tests.venues_support import shape_diff


def test_same_shape_is_clean_and_a_type_change_is_caught() -> None:
    assert shape_diff({"a": "0", "b": [2]}, {"a": "1", "b": [1]}) == []
    assert shape_diff({"a": "0"}, {"a": 1}) == ["$.a: sample has string, body has number"]
    assert shape_diff({"a": "0"}, {"a": "1", "c": 2}) == ["$: keys missing [], extra ['c']"]


def test_list_items_may_match_any_sample_item() -> None:
    assert shape_diff([{"t": "Y", "m": 2}, {"t": "Z", "n": 3}], [{"t": "X", "n": 1}]) == []
    assert shape_diff([{"x": 1}], [{"y": 3}])[0].startswith("$[0]: keys missing ['x']")


def test_null_in_the_sample_accepts_anything_only_when_asked() -> None:
    assert shape_diff({"a": None}, {"a": "1"}, null_accepts_any=True) == []
    assert shape_diff({"a": None}, {"a": "1"}) == ["$.a: sample has null, body has string"]


def test_exact_numbers_and_nullable_cursor_keys() -> None:
    sample = {"a": "1", "b": [{"x": 1}], "next": "c"}
    opts = {"exact_numbers": True, "nullable_keys": frozenset({"next"})}
    assert shape_diff(sample, {"a": "2", "b": [{"x": 3}], "next": None}, **opts) == []
    changed_type = {"a": 1, "b": [{"x": 3}], "next": "c"}
    assert shape_diff(sample, changed_type, **opts) == ["$.a: sample has string, body has int"]
    renamed_key = {"a": "1", "b": [{"y": 3}], "next": "c"}
    assert shape_diff(sample, renamed_key, **opts)[0].startswith("$.b[0]: keys missing ['x']")
    assert shape_diff({"n": 1}, {"n": 1.5}, exact_numbers=True) == ["$.n: sample has int, body has float"]
    assert shape_diff({"n": 1}, {"n": 1.5}) == []
