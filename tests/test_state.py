"""The remembered-state file as plain Python: one entry per library, bounded, atomic, and
a damaged file ignored (with a one-line reason), never raised."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from readlist import state as state_module
from readlist.state import MAX_LIBRARIES, StateFile


def test_each_library_has_its_own_entry(tmp_path: Path) -> None:
    path = tmp_path / "state" / "state.json"
    one = StateFile.for_library(path, tmp_path / "one.json")
    two = StateFile.for_library(path, tmp_path / "two.json")
    assert one.save({"filter": "rlhf", "sort": "title", "paper": "0123456789abcdef"}) is None
    assert two.save({"filter": "", "reverse": True, "paper": None}) is None
    assert one.load() == ({"filter": "rlhf", "sort": "title", "paper": "0123456789abcdef"}, None)
    assert two.load() == ({"filter": "", "reverse": True, "paper": None}, None)
    assert one.save({"filter": "dpo"}) is None  # replaces that library's entry only
    assert one.load()[0] == {"filter": "dpo"}
    assert two.load()[0]["reverse"] is True
    assert sorted(p.name for p in path.parent.iterdir()) == ["state.json", "state.json.lock"]


def test_a_library_reached_through_a_link_shares_its_entry(tmp_path: Path) -> None:
    real = tmp_path / "real" / "library.json"
    real.parent.mkdir()
    link = tmp_path / "link.json"
    os.symlink(real, link)
    path = tmp_path / "state.json"
    StateFile.for_library(path, link).save({"filter": "x"})
    assert StateFile.for_library(path, real).load()[0] == {"filter": "x"}


def test_a_missing_file_is_nothing_remembered(tmp_path: Path) -> None:
    assert StateFile.for_library(tmp_path / "state.json", tmp_path / "l.json").load() == ({}, None)


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"",
        b"[]",
        b'{"version": 2, "libraries": {}}',
        b'{"version": 1, "libraries": []}',
        b'{"version": 1, "libraries": {"/x": {"values": [1]}}}',
        b'{"version": 1, "libraries": {"/x": {"values": {"filter": {"a": 1}}}}}',
        b"\xff\xfe\x00",
    ],
)
def test_a_damaged_file_is_ignored_with_one_line_and_replaced(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    state = StateFile.for_library(path, tmp_path / "l.json")
    values, problem = state.load()
    assert values == {}
    assert problem is not None and problem.startswith(f"{path}: is damaged")
    assert "\n" not in problem
    assert state.save({"filter": "kept"}) is None
    assert state.load() == ({"filter": "kept"}, None)


def test_only_the_most_recent_libraries_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.json"
    clock = iter(range(1, 1000))
    monkeypatch.setattr(state_module.time, "time", lambda: float(next(clock)))
    for n in range(MAX_LIBRARIES + 5):
        StateFile.for_library(path, tmp_path / f"lib{n}.json").save({"filter": str(n)})
    libraries = json.loads(path.read_bytes())["libraries"]
    assert len(libraries) == MAX_LIBRARIES
    assert StateFile.for_library(path, tmp_path / "lib4.json").load()[0] == {}
    assert StateFile.for_library(path, tmp_path / "lib5.json").load()[0] == {"filter": "5"}
    last = MAX_LIBRARIES + 4
    assert StateFile.for_library(path, tmp_path / f"lib{last}.json").load()[0] == {
        "filter": str(last)
    }


def test_a_save_that_cannot_be_written_is_reported_not_raised(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    state = StateFile.for_library(blocker / "state.json", tmp_path / "l.json")
    problem = state.save({"filter": "x"})
    assert problem is not None and problem.startswith(f"{blocker / 'state.json'}: cannot be")


def test_config_and_state_never_import_textual() -> None:
    code = (
        "import sys, readlist.config, readlist.state, readlist.cli\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')], 'ui'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
