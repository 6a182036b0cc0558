"""The import dialog: paste a page (or type a file path), see what it holds, import it.

The text is parsed off the UI thread after each pause in typing or pasting (a pasted page
of 50 papers parses in milliseconds, a 100k-paper file in seconds), and the preview
says what an import would do against the library on screen ("30 papers: 12 new, 18
already in the library"). Confirming hands the parsed listing back to the app, which
writes it in a worker: nothing here blocks the UI or touches the store. The checkbox
"Enrich new papers" (`enrich`) asks the app to enrich what the import added, after it.

What is typed may instead name papers to fetch, as `readlist add` and `readlist fetch
daily` do: arXiv ids or paper URLs, or `daily [DATE | --week YYYY-Www | --month YYYY-MM]`
(`readlist.enrich.request.parse_request`). The preview says what would be fetched, and
confirming hands the `FetchRequest` back: the app fetches it in its import worker and
imports the result like a paste. Nothing is fetched while typing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Checkbox, Static, TextArea
from textual.worker import get_current_worker

from readlist.enrich.request import FetchRequest, parse_request
from readlist.errors import ReadlistError
from readlist.importers import PASTED, ListingFile, read_listing, read_text

PREVIEW_DELAY = 0.3  # seconds of quiet before the text is parsed again
Classify = Callable[[ListingFile], tuple[int, int]]
"""(new, already in the library) for a parsed listing."""


@dataclass(frozen=True, slots=True)
class Preview:
    listing: ListingFile | FetchRequest | None
    message: str


def describe(listing: ListingFile, new: int, known: int) -> str:
    n = len(listing.papers)
    parts = [f"{n} paper{'s' if n != 1 else ''} ({listing.format})", f"{new} new"]
    if known:
        parts.append(f"{known} already in the library")
    if listing.skipped:
        parts.append(f"{listing.skipped} incomplete block{'s' if listing.skipped != 1 else ''}")
    return ": ".join(parts[:1]) + ": " + ", ".join(parts[1:])


class ImportDialog(ModalScreen[ListingFile | FetchRequest | None]):
    """Dismisses with the listing to import, the papers to fetch and import, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: keys typed right after ctrl+s must not land in the text area.
        Binding("ctrl+s", "confirm", "Import", priority=True),
        Binding("escape", "cancel", "Cancel", priority=True),
    ]

    def __init__(self, classify: Classify, enrich: bool = False) -> None:
        super().__init__()
        self.classify = classify
        self.enrich = enrich
        """Enrich the papers the import adds (the checkbox; Tab reaches it)."""
        self.preview: Preview = Preview(None, "Paste a page, or type the path of a file.")
        self._timer: Timer | None = None
        self._pending = False  # text changed, not parsed yet
        self._done = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="import-dialog"):
            yield Static(Content.assemble(("Import", "bold")), classes="dialog-title")
            yield TextArea(
                "", id="import-text", soft_wrap=True, show_line_numbers=False, tab_behavior="focus"
            )
            yield Static(Content(self.preview.message), id="import-preview")
            yield Checkbox(
                "Enrich new papers (authors, arXiv ids from Hugging Face and arXiv)",
                self.enrich,
                id="import-enrich",
            )
            yield Static(
                Content(
                    "Paste a Hugging Face, arXiv or BibTeX page, a file path, arXiv ids or "
                    "URLs, or daily [YYYY-MM-DD] · "
                    "Tab: options · ctrl+s imports · Esc cancels"
                ),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    @on(TextArea.Changed)
    def _changed(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._pending = True
        self._timer = self.set_timer(PREVIEW_DELAY, self._parse)

    def _parse(self) -> None:
        self._pending = False
        self._show(Preview(None, "Reading…"))
        self.parse(self.query_one(TextArea).text)

    def _parse_now(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._pending = False
        self.workers.cancel_group(self, "import-preview")
        self._show(self.read(self.query_one(TextArea).text))

    @work(thread=True, exclusive=True, group="import-preview")
    def parse(self, text: str) -> None:
        preview = self.read(text)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, preview)

    def read(self, text: str) -> Preview:
        """Parse `text` as a page, as a file path if it is one line naming a file, or as
        papers to fetch (arXiv ids / URLs, `daily ...`)."""
        stripped = text.strip()
        try:
            if stripped and "\n" not in stripped and Path(stripped).expanduser().is_file():
                listing = read_listing(Path(stripped).expanduser())
            elif (request := parse_request(text)) is not None:
                return Preview(request, f"{request.describe()} · ctrl+s fetches and imports")
            else:
                listing = read_text(text, shown=PASTED, source="pasted")
        except ReadlistError as error:
            return Preview(None, str(error))
        except OSError as error:  # a path that cannot be checked (too long, no access)
            return Preview(None, f"{stripped[:60]}: {error.strerror or error}")
        new, known = self.classify(listing)
        return Preview(listing, describe(listing, new, known) + " · ctrl+s imports")

    def _show(self, preview: Preview) -> None:
        self.preview = preview
        self.query_one("#import-preview", Static).update(Content(preview.message))
        self.query_one("#import-preview").set_class(preview.listing is None, "-error")

    @on(Checkbox.Changed)
    def _enrich_changed(self, event: Checkbox.Changed) -> None:
        self.enrich = event.value

    def action_confirm(self) -> None:
        if self._done:
            return
        if self._pending:
            # Confirmed before the pause that triggers a preview: pasted text is small,
            # so parse it now rather than make the user wait and press again.
            self._parse_now()
        if self.preview.listing is None:
            self.notify(self.preview.message, title="Nothing to import", markup=False)
            return
        self._done = True  # keys typed after ctrl+s go to the list, not here
        self.dismiss(self.preview.listing)

    def action_cancel(self) -> None:
        if not self._done:
            self._done = True
            self.dismiss(None)
