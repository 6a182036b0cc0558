"""The TUI's writer compacts the undo history between jobs, best effort: whatever the
compaction raises, the writer goes on, and every later change is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from readlist.models import Paper, paper_id
from readlist.session.writer import Writer
from readlist.store import Store


def test_a_compaction_that_raises_leaves_the_writer_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "lib" / "library.json"
    Store.open(db).import_listings([[Paper(paper_id(f"T {i}"), f"T {i}", "a") for i in range(3)]])
    store = Store.open(db)
    pid = store.papers()[0].id
    calls: list[int] = []
    real = Store.compact_history

    def flaky(self: Store) -> bool:
        calls.append(1)
        if len(calls) == 1:  # e.g. os.stat of the history file refused, once
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Store, "compact_history", flaky)
    writer = Writer(store, lambda job: None)
    try:
        first = writer.submit(
            lambda s: s.update([pid], lambda a: a.with_rating(3), label="rated 3"),
            lambda result: None,
            lambda error: None,
        )
        assert first.finished.wait(5)
        second = writer.submit(
            lambda s: s.update([pid], lambda a: a.with_rating(5), label="rated 5"),
            lambda result: None,
            lambda error: None,
        )
        assert second.finished.wait(5)  # the writer outlived the failed compaction
    finally:
        writer.stop()
    assert calls  # the compaction was tried (and failed) between the jobs
    assert Store.open(db).annotations()[pid].rating == 5
