"""Export the marked papers: a one-line modal asking for a file path.

The format comes from the extension, as for `readlist export -o` (`.bib`, `.md`,
`.csv`, `.json`; anything else is JSON). The writing itself is the app's (a worker:
`outputs.write_output` streams to a FIFO, which waits for a reader).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

# The same rule as the CLI's `export -o` (cli._EXPORT_EXTENSIONS): the extension picks it.
EXTENSIONS = {
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".md": "markdown",
    ".markdown": "markdown",
    ".csv": "csv",
    ".json": "json",
}
NAMES = {"json": "JSON", "bibtex": "BibTeX", "markdown": "Markdown", "csv": "CSV"}


def format_for(target: str) -> str:
    return EXTENSIONS.get(Path(target).suffix.lower(), "json")


class ExportDialog(ModalScreen[str | None]):
    """Dismisses with the path typed (not empty), or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "save", "Export", priority=True),
        Binding("escape", "cancel", "Cancel", priority=True),
    ]

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    def compose(self) -> ComposeResult:
        papers = "paper" if self.count == 1 else "papers"
        with Vertical(classes="dialog"):
            yield Static(
                Content.assemble(("Export · ", "bold"), f"{self.count:,} marked {papers}"),
                classes="dialog-title",
            )
            yield Input(placeholder="refs.bib", select_on_focus=False, id="export-path")
            yield Static(
                Content(".bib BibTeX · .md Markdown · .csv CSV · else JSON · Enter · Esc cancels"),
                classes="dialog-hint",
            )

    def action_save(self) -> None:
        target = self.query_one(Input).value.strip()
        if not target:
            self.notify("Give a file name, e.g. refs.bib", severity="warning")
            return
        if target == "-":
            self.notify("- would write into this terminal: give a file name", severity="warning")
            return
        self.dismiss(target)

    def action_cancel(self) -> None:
        self.dismiss(None)
