"""Choosing server binaries: an existing cluster needs its own major version; nothing usable is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from perpdex_lib.warehouse.localpg import LocalPgError, candidate_bindirs, find_binaries


def _wheel() -> Path:
    return Path(pytest.importorskip("pgserver._commands").POSTGRES_BIN_PATH)


def test_the_wheel_is_always_a_candidate_and_last() -> None:
    assert candidate_bindirs()[-1] == _wheel()


def test_existing_cluster_version_picks_matching_binaries(tmp_path: Path) -> None:
    wheel = find_binaries([_wheel()])
    others = [p for p in candidate_bindirs() if p != wheel.bindir]
    chosen = find_binaries([tmp_path, *others, wheel.bindir], want_major=wheel.major)
    assert chosen.major == wheel.major
    with pytest.raises(LocalPgError, match=f"cluster needs {wheel.major + 1}"):
        find_binaries([wheel.bindir], want_major=wheel.major + 1)


def test_incomplete_directories_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "initdb").write_text("#!/bin/sh\n")
    (tmp_path / "initdb").chmod(0o755)
    with pytest.raises(LocalPgError, match="incomplete"):
        find_binaries([tmp_path])
    assert find_binaries([tmp_path, _wheel()]).bindir == _wheel()
