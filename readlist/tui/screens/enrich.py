"""The enrichment dialog: a progress bar while Hugging Face and arXiv are asked, Esc cancels.

The asking happens in a thread worker with a `Store` of its own on the same library
(TinyDB is not thread-safe), through `enrich.enrich_library`: every request first,
then one write. Esc before the write leaves the library exactly as it was: the worker
notices at its next step or wait (a request in flight finishes or times out first, but
nothing it brings is written). Once the write has begun, Esc is refused with a word,
since it takes a moment and never stops half-way. The dialog dismisses with what
happened, for the app to say in one notification and reload what changed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import ProgressBar, Static

from readlist.enrich import Cancelled, Fetcher, Outcome, enrich_library
from readlist.enrich.fetch import default_fetcher
from readlist.errors import ReadlistError
from readlist.models import Paper
from readlist.store import Store

FetcherFactory = Callable[[Callable[[float], None]], Fetcher]
"""Builds the fetcher, given the (cancellable) sleep it must use."""


@dataclass(frozen=True, slots=True)
class EnrichResult:
    """What the dialog ends with: an outcome, an error message, or a cancellation."""

    outcome: Outcome | None = None
    error: str | None = None
    cancelled: bool = False


class EnrichDialog(ModalScreen[EnrichResult]):
    DEFAULT_CSS = """
    #enrich-dialog { max-width: 72; }
    #enrich-dialog ProgressBar { margin: 1 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", priority=True),
    ]

    def __init__(
        self,
        db: Path,
        papers: list[Paper],
        fetcher: FetcherFactory = lambda sleep: default_fetcher(sleep=sleep),
        *,
        details: bool = False,
    ) -> None:
        super().__init__()
        self.db = db
        self.papers = papers
        self.details = details
        """Ask arXiv about the papers Hugging Face found too (`enrich.enrich`)."""
        self.make_fetcher = fetcher
        self._cancel = threading.Event()
        self._state = threading.Lock()  # guards the step from "asking" to "writing"
        self._writing = False
        self._done = False

    def compose(self) -> ComposeResult:
        n = len(self.papers)
        what = f"{n} papers" if n != 1 else "1 paper"
        with Vertical(classes="dialog", id="enrich-dialog"):
            yield Static(Content.assemble(("Enrich ", "bold"), what), classes="dialog-title")
            yield Static(Content("Asking Hugging Face…"), id="enrich-phase")
            yield ProgressBar(total=2 * n, show_eta=False, id="enrich-progress")
            yield Static(
                Content(
                    "Only titles, listing days and arXiv ids are sent"
                    " · Esc cancels (nothing is changed)"
                ),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self.run_enrichment()

    # -- the worker ------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="enrich")
    def run_enrichment(self) -> None:
        def sleep(seconds: float) -> None:
            if self._cancel.wait(seconds):
                raise Cancelled

        def progress(phase: str, done: int, total: int) -> None:
            if self._cancel.is_set():
                raise Cancelled
            self.app.call_from_thread(self._progress, phase, done, total)

        def may_write() -> bool:
            with self._state:
                if self._cancel.is_set():
                    return False
                self._writing = True
            self.app.call_from_thread(self._progress, "Writing", None, None)
            return True

        try:
            with Store.open(self.db) as store:
                outcome = enrich_library(
                    store,
                    self.papers,
                    self.make_fetcher(sleep),
                    progress,
                    may_write,
                    details=self.details,
                )
        except Cancelled:
            return  # the dialog was dismissed when Esc was pressed
        except ReadlistError as error:
            self.app.call_from_thread(self._finish, EnrichResult(error=str(error)))
            return
        self.app.call_from_thread(self._finish, EnrichResult(outcome=outcome))

    def _progress(self, phase: str, done: int | None, total: int | None) -> None:
        if self._done:
            return
        self.query_one("#enrich-phase", Static).update(Content(f"{phase}…"))
        bar = self.query_one(ProgressBar)
        if done is None:
            bar.update(progress=bar.total or 0)
        else:
            bar.update(total=total, progress=done)

    def _finish(self, result: EnrichResult) -> None:
        if not self._done:
            self._done = True
            self.dismiss(result)

    # -- cancelling ------------------------------------------------------------------------

    def action_cancel(self) -> None:
        if self._done:
            return
        with self._state:
            if not self._writing:
                self._cancel.set()
        if self._cancel.is_set():
            self._finish(EnrichResult(cancelled=True))
        else:
            self.notify("Writing what was found; this cannot be stopped half-way.")
