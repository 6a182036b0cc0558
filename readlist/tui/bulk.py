"""What r, 0-5, t, x, c and "Export marked…" do while papers are marked, apart from the app.

Each change is one command for all the marked papers (one atomic write, one undo step),
run by the app's writer like any other (`ReadListApp.run_command`). Only the dialogs and
messages differ from the one-paper versions, so they live here, not in app.py; r and 0-5
need nothing of their own (`ReadListApp.targets` gives them the marked ids).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readlist import commands
from readlist.citations import FORMATS
from readlist.errors import ReadlistError
from readlist.store import Store
from readlist.tui.marks import citations_of, common_tags, tags_edit_many

if TYPE_CHECKING:
    from readlist.tui.app import ReadListApp


def tag_label(common: tuple[str, ...], tags: tuple[str, ...]) -> str | None:
    """The history label of a bulk tag edit ("tagged thesis, removed todo on"), or None
    when the editor changed nothing."""
    opened, saved = {t.casefold() for t in common}, {t.casefold() for t in tags}
    added = [t for t in tags if t.casefold() not in opened]
    removed = [t for t in common if t.casefold() not in saved]
    respelled = sorted(set(tags) - set(common) - set(added))
    if not (added or removed or respelled):
        return None
    parts = [f"tagged {' '.join(added)}"] if added else []
    parts += [f"removed {' '.join(removed)}"] if removed else []
    parts += [f"respelled {' '.join(respelled)}"] if respelled else []
    return ", ".join(parts) + (" on" if removed or respelled else ":")


def edit_tags(app: ReadListApp) -> None:
    """The tag editor for many papers: it shows the tags they all have; what is added
    is added to each, what is removed is removed from each (`marks.tags_edit_many`)."""
    app.check_disk()
    ids = app.marked_ids()
    common = common_tags(app.library.annotation(pid) for pid in ids)
    known = [tag for tag, _ in app.library.tag_counts().most_common()]
    count = commands.phrase(len(ids), "marked paper")

    def save(tags: tuple[str, ...]) -> str | None:
        # The writer reports a failed write itself (a notification): nothing to return.
        if (label := tag_label(common, tags)) is not None:
            app.run_command(commands.Annotate(ids, tags_edit_many(common, tags), label=label))
        return None

    hint = (
        f"Tags all {count} have. Added tags are added to each, removed ones removed "
        "from each; their other tags stay."
    )
    from readlist.tui.screens.tags import TagEditor  # (dialogs: imported when opened)

    app.push_screen(TagEditor(count, common, known, on_save=save, hint=hint))


def remove(app: ReadListApp) -> None:
    """One question naming the count, then one removal of them all."""
    ids = app.marked_ids()
    count = commands.phrase(len(ids), "marked paper")
    question = (
        f"Remove the {count} from the library? Their tags, ratings and notes are kept "
        "with them. u undoes it (or `readlist restore`)."
    )

    def answered(yes: bool | None) -> None:
        if yes:
            app.run_remove(ids, count)

    from readlist.tui.screens.confirm import Confirm

    app.push_screen(Confirm(question, yes=f"Remove {len(ids)}"), answered)


def copy_citations(app: ReadListApp) -> None:
    library = app.library
    papers = [library.papers[library.position[pid]] for pid in app.marked_ids()]
    fmt = app.citation_format
    try:
        how = app.copy_text(citations_of(papers, fmt))
    except ReadlistError as error:
        app.notify(str(error), title="Not copied", severity="error", markup=False)
        return
    count = commands.phrase(len(papers), "marked paper")
    app.notify(f"Copied {FORMATS[fmt]} citations of {count} to {how}.", markup=False)


def export(app: ReadListApp) -> None:
    """Ask for a path, then write the marked papers there (the format from its
    extension) in a worker: `outputs.write_output` streams to a FIFO, which waits."""
    if not app.marks:
        app.notify("No paper is marked: space marks one, * every paper shown.")
        return
    ids = app.marked_ids()

    def chosen(target: str | None) -> None:
        if target is not None:
            app.run_worker(
                lambda: _export(app, ids, target), thread=True, group="export", exit_on_error=True
            )

    from readlist.tui.screens.export import ExportDialog

    app.push_screen(ExportDialog(len(ids)), chosen)


def _export(app: ReadListApp, ids: list[str], target: str) -> None:
    """The Export command, in this worker thread with a Store of its own (the app's is
    the event loop's): it writes the file and pins BibTeX keys, as `readlist export`."""
    from readlist.tui.screens.export import format_for

    library, fmt = app.library, format_for(target)
    papers = [library.papers[library.position[pid]] for pid in ids if pid in library.position]
    try:
        with Store.open(app.store.paths.annotations, catalogue=app.search_ready) as store:
            if not app.search_ready:  # a large library's abstracts may not be loaded yet
                abstracts = store.abstracts()
                papers = [p.with_abstract(abstracts.get(p.id, "")) for p in papers]
            rows = [(p, library.annotation(p.id)) for p in papers]
            outcome = commands.Export(rows, fmt, target).run(store)
    except ReadlistError as error:
        app.call_from_thread(
            app.notify, str(error), title="Not exported", severity="error", markup=False
        )
        return
    if outcome.warning:
        app.call_from_thread(
            app.notify, outcome.warning, title="Keys not pinned", severity="warning", markup=False
        )
    message = outcome.message[:1].upper() + outcome.message[1:]
    app.call_from_thread(app.notify, message, markup=False)
