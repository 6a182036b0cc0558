"""`remove`, `restore` and undoing an import keep the identity index current
(store/identity.py, `IdentityIndex.with_removed`): the next lookup by id or import reads
only the documents it needs, not the whole papers file, and what the index says is what
an index built afresh from the file says."""

from __future__ import annotations

from pathlib import Path

import orjson

from readlist.store import Store
from readlist.store.identity import identity_index_path, read_identity_index
from readlist.store.storage import signature
from tests.conftest import DAILY, SEARCH, RunCli


def without_fingerprint(blob: bytes) -> bytes:
    """The index's bytes, less the papers file's fingerprint in its header: recorded when
    known (a rebuild computes it; a remove does not: the TUI's background stage adds it)."""
    head, rest = blob.split(b"\n", 1)
    header = orjson.loads(head)
    header.pop("papers_sha256", None)
    return orjson.dumps(header) + b"\n" + rest


def current_index(db: Path) -> bytes | None:
    """The identity index's bytes if it is the index of the papers file on disk."""
    paths = Store.open(db).paths
    version = signature(paths.papers)
    path = identity_index_path(paths)
    if version is None or read_identity_index(path, version) is None:
        return None
    return without_fingerprint(path.read_bytes())


def rebuilt_index(db: Path) -> bytes:
    """The index that an index built afresh from the papers file as it is would be."""
    store = Store.open(db)
    assert store.rebuild_identity_index()
    return without_fingerprint(identity_index_path(store.paths).read_bytes())


def ids_of(cli: RunCli, *query: str) -> list[str]:
    listed = cli("list", *query, "--limit", "500")
    assert listed.returncode == 0, listed.stderr
    return [line.split()[0] for line in listed.stdout.splitlines() if line.strip()]


def test_remove_and_restore_keep_the_identity_index_current_and_right(
    cli: RunCli, db: Path
) -> None:
    assert cli("import", str(DAILY), str(SEARCH)).returncode == 0
    assert current_index(db) is not None
    first, *_, last = ids_of(cli)
    done = cli("remove", f"id:{first}", "--yes")
    assert done.returncode == 0, done.stderr
    after_remove = current_index(db)
    assert after_remove is not None, "remove left the identity index stale"
    assert after_remove == rebuilt_index(db)
    assert first not in ids_of(cli)
    # A one-paper command by id goes through the index, which stays current.
    assert cli("rate", f"id:{last}", "4").returncode == 0
    assert current_index(db) == after_remove
    assert cli("restore", f"id:{first}").returncode == 0
    after_restore = current_index(db)
    assert after_restore is not None, "restore left the identity index stale"
    assert after_restore == rebuilt_index(db)
    assert first in ids_of(cli)


def test_undoing_and_redoing_an_import_keep_the_identity_index_current_and_right(
    cli: RunCli, db: Path
) -> None:
    assert cli("import", str(DAILY)).returncode == 0
    assert cli("import", str(SEARCH)).returncode == 0
    assert cli("undo").returncode == 0  # the second import's papers are removed again
    undone = current_index(db)
    assert undone is not None, "undo left the identity index stale"
    assert undone == rebuilt_index(db)
    assert cli("redo").returncode == 0
    redone = current_index(db)
    assert redone is not None and redone == rebuilt_index(db)
    # The next import meets the papers through the index: nothing added twice.
    again = cli("import", str(SEARCH))
    assert again.returncode == 0 and ": 0 added" in again.stdout, again.stdout


def test_a_stale_index_stays_stale_and_the_remove_still_happens(cli: RunCli, db: Path) -> None:
    """An index not current before the write is not patched into a current one."""
    assert cli("import", str(DAILY)).returncode == 0
    paths = Store.open(db).paths
    identity_index_path(paths).write_bytes(b"not an index\n")
    first = ids_of(cli)[0]
    assert cli("remove", f"id:{first}", "--yes").returncode == 0
    assert current_index(db) is None
    assert first not in ids_of(cli)
