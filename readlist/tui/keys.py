"""The keys of the triage screen: bindings, the help screen's table, the palette commands.

One table of keys, apart from the app's behaviour, so that the footer, the help screen
and the command palette say the same thing. Every binding has an `id`; the config file's
`[keys]` table maps ids to the user's keys, which the app hands to `App.set_keymap`, and
the help table and the palette read the keys through `Keys` (the keymap applied to
`BINDINGS`), so they show the user's keys, never a letter written here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import zip_longest

from textual.binding import Binding, BindingType
from textual.keys import format_key

from readlist.citations import FORMATS
from readlist.config import Config, ConfigError, normalize_key
from readlist.library import CYCLED_SORTS

# All priority bindings: Textual checks them as each key arrives, in order, so keys
# typed in a burst ("r3jj/model") act on what had focus when they were typed,
# before "/" moves focus to the filter. A text field with focus consumes printable
# keys, and Textual then leaves these bindings out, so typing is never captured.
BINDINGS: list[BindingType] = [
    # Moving is here too, not on the list widget: a key that waits in the list's
    # queue would run after a priority key typed later ("G3" rated the first paper).
    Binding("j,down", "move('cursor_down')", "Down", show=False, priority=True, id="down"),
    Binding("k,up", "move('cursor_up')", "Up", show=False, priority=True, id="up"),
    Binding(
        "pagedown", "move('page_down')", "Page down", show=False, priority=True, id="page_down"
    ),
    Binding("pageup", "move('page_up')", "Page up", show=False, priority=True, id="page_up"),
    Binding("g,home", "move('first')", "First", show=False, priority=True, id="first"),
    Binding("G,end", "move('last')", "Last", show=False, priority=True, id="last"),
    Binding("slash", "focus_filter", "Filter", key_display="/", priority=True, id="filter"),
    # Leaving the filter moves focus at once too, for keys typed right after it.
    Binding("enter", "leave_filter", show=False, priority=True, id="leave_filter"),
    Binding("escape", "leave_filter(True)", show=False, priority=True, id="clear_filter"),
    Binding("r", "toggle_read", "Read", priority=True, id="toggle_read"),
    # One footer entry for six keys: "0-5 Rate".
    Binding("1", "rate(1)", "Rate", key_display="0-5", priority=True, id="rate_1"),
    *(
        Binding(str(n), f"rate({n})", f"Rate {n}", show=False, priority=True, id=f"rate_{n}")
        for n in (2, 3, 4, 5, 0)
    ),
    Binding("t", "edit_tags", "Tags", priority=True, id="edit_tags"),
    Binding("n", "edit_note", "Note", priority=True, id="edit_note"),
    Binding("c", "copy_citation", "Cite", priority=True, id="copy_citation"),
    Binding(
        "C",
        "pick_citation",
        "Cite as",
        key_display="C",
        show=False,
        priority=True,
        id="pick_citation",
    ),
    Binding("s", "cycle_sort", "Sort", priority=True, id="cycle_sort"),
    # Not in the footer: 80 columns hold the keys above and "q Quit"; help and palette list it.
    Binding("f", "saved_filters", "Saved filters", show=False, priority=True, id="saved_filters"),
    Binding("o", "open_link", "Open", priority=True, id="open_link"),
    # "Add" rather than "Import": the footer must fit in 80 columns with "q Quit" last.
    Binding("i", "import", "Add", priority=True, id="import"),
    Binding(
        "x,delete", "remove", "Remove", key_display="x", show=False, priority=True, id="remove"
    ),
    Binding(
        "J", "scroll_detail(3)", "Scroll details down", show=False, priority=True, id="scroll_down"
    ),
    Binding(
        "K", "scroll_detail(-3)", "Scroll details up", show=False, priority=True, id="scroll_up"
    ),
    Binding("u", "undo", "Undo", show=False, priority=True, id="undo"),
    Binding("U,ctrl+r", "redo", "Redo", key_display="U", show=False, priority=True, id="redo"),
    # -- enrichment and links (issue 14) --
    Binding("e", "enrich", "Enrich", show=False, priority=True, id="enrich"),
    Binding("question_mark", "help", "Help", key_display="?", priority=True, id="help"),
    # "q" quits from the list; ctrl+q (Textual's) quits from anywhere, saving drafts.
    Binding("q", "leave", "Quit", priority=True, id="quit"),
    # -- ranking and statistics (issue 12) ---------------------------------------------
    Binding("m", "similar", "More like this", show=False, priority=True, id="similar"),
    Binding("S", "statistics", "Statistics", show=False, priority=True, id="statistics"),
    Binding("b", "tag_browser", "Tag browser", show=False, priority=True, id="tag_browser"),
]

# -- triage mode (screens/triage.py; its own keys are triage.TriageKeys) --
BINDINGS.append(Binding("T", "triage", "Triage", show=False, priority=True, id="triage"))
# -- issue 13, the smaller things and room to read: not in the footer (80 columns are
# full); help and the palette list them.
BINDINGS += [
    Binding("R", "reverse_sort", "Reverse sort", show=False, priority=True, id="reverse_sort"),
    Binding("w", "cycle_split", "Split", show=False, priority=True, id="cycle_split"),
    # Tab in the list does nothing (it used to move focus into the filter, where the next
    # j, r or 5 was typed); "/" is the way into the filter, Tab there comes back.
    Binding("tab,shift+tab", "list_tab", show=False, priority=True, id="list_tab"),
]

# -- marking and bulk actions (issue 13): while papers are marked, r, 0-5, t, x and c
# act on all of them (see ReadListApp.targets). Not in the footer (it is full at 80).
BINDINGS += [
    Binding("space", "toggle_mark", "Mark", show=False, priority=True, id="toggle_mark"),
    Binding(
        "asterisk",
        "mark_all",
        "Mark all shown",
        key_display="*",
        show=False,
        priority=True,
        id="mark_all",
    ),
    Binding("M", "clear_marks", "Clear marks", show=False, priority=True, id="clear_marks"),
]
MARK_ACTIONS = frozenset({"toggle_mark", "mark_all", "clear_marks", "export_marked"})

# Actions on the paper list: off while a dialog is open (see ReadListApp.check_action).
LIST_ACTIONS = MARK_ACTIONS | frozenset(
    {
        "move", "focus_filter", "toggle_read", "rate", "edit_tags", "edit_note", "copy_citation",
        "pick_citation", "cycle_sort", "open_link", "help", "leave", "scroll_detail", "import",
        "remove", "saved_filters", "undo", "redo",
    }
) | {"enrich", "triage", "similar", "statistics", "tag_browser"}  # fmt: skip

# The command palette (ctrl+p): title, help, action.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Toggle read", "Mark the highlighted paper read / unread (r)", "toggle_read"),
    *((f"Rate {n}", f"Rate the highlighted paper {n}/5 ({n})", f"rate({n})") for n in range(1, 6)),
    ("Clear rating", "Remove the rating (0)", "rate(0)"),
    ("Edit tags", "Edit the highlighted paper's tags (t)", "edit_tags"),
    ("Edit note", "Write a Markdown note (n)", "edit_note"),
    ("Copy citation", "Copy a citation to the clipboard (c)", "copy_citation"),
    ("Copy citation as…", "Choose plain, BibTeX or Markdown (C)", "pick_citation"),
    ("Cycle sort", "Date, upvotes, rating, title, added, for you (s)", "cycle_sort"),
    ("Open link", "Open the paper's page, or pick one of its links (o)", "open_link"),
    ("Import", "Paste a page or give a file to import (i)", "import"),
    ("Remove paper", "Remove the highlighted paper; u brings it back (x)", "remove"),
    ("Undo", "Undo the last change, from this or any readlist (u)", "undo"),
    ("Redo", "Redo the last undone change (U or ctrl+r)", "redo"),
    ("Filter", "Focus the filter (/)", "focus_filter"),
    ("Saved filters", "Pick a saved filter, with its counts (f)", "saved_filters"),
    ("Keys and filter help", "Show the help screen (?)", "help"),
    # -- enrichment and links (issue 14) --
    (
        "Enrich",
        "Fetch authors, arXiv id and categories from Hugging Face and arXiv (e)",
        "enrich",
    ),
    # -- ranking and statistics (issue 12) --
    ("Similar papers", "Papers like the highlighted one, with the words they share (m)", "similar"),
    ("Statistics", "Added and read per week, backlog, ratings, tags, authors (S)", "statistics"),
    ("Tag browser", "Tags with counts; Enter filters by one, r renames it (b)", "tag_browser"),
    # -- marking and bulk actions
    ("Mark / unmark", "Mark the highlighted paper for a bulk action (space)", "toggle_mark"),
    ("Mark all shown", "Mark every paper the filter shows (*)", "mark_all"),
    ("Clear marks", "Unmark every paper (M)", "clear_marks"),
    (
        "Export marked…",
        "Write the marked papers to a file: .bib, .md, .csv or .json",
        "export_marked",
    ),
)
COMMANDS += (  # triage mode
    ("Triage", "One paper at a time: keep, dismiss, rate, skip, back (T)", "triage"),
)
# -- issue 13, the smaller things and room to read.
LIST_ACTIONS |= {"reverse_sort", "cycle_split", "list_tab"}
COMMANDS += (
    ("Reverse sort", "Show the current sort back to front (R)", "reverse_sort"),
    (
        "Cycle the split",
        "Give the list or the details the width, or hide the details (w)",
        "cycle_split",
    ),
)
# (binding id, description): the key shown is the binding's, so a keymap shows its own.
SMALLFIX_HELP: tuple[tuple[str, str], ...] = (
    ("reverse_sort", "reverse the sort (the status line says ↑)"),
    (
        "cycle_split",
        "cycle the split: details wide, details hidden (the whole title shows "
        "under the list), list wide, standard",
    ),
)


class Keys:
    """The keys of each binding id once a keymap (binding id -> "x,delete") is applied.

    What Textual's keymap does to the app's bindings (`BindingsMap.apply_keymap`): a
    binding named in the keymap has the keymap's keys instead of its own.
    """

    def __init__(self, keymap: Mapping[str, str] | None = None) -> None:
        keymap = keymap or {}
        self.by_id: dict[str, tuple[str, ...]] = {}
        self.by_action: dict[str, str] = {}
        for binding in _bindings():
            assert binding.id is not None  # every binding has one (tests/test_tui checks)
            given = keymap.get(binding.id)
            # make_bindings gives one Binding per key: "j,down" is two with one id.
            keys = given.split(",") if given is not None else binding.key.split(",")
            known = self.by_id.get(binding.id, ())
            fresh = tuple(normalize_key(k.strip()) for k in keys)
            self.by_id[binding.id] = (*known, *(k for k in fresh if k not in known))
            self.by_action.setdefault(binding.action, binding.id)

    def keys(self, binding_id: str) -> tuple[str, ...]:
        return self.by_id.get(binding_id, ())

    def shown(self, *binding_ids: str) -> str:
        """How the help screen names keys: "j / k / ↓ / ↑" for down and up (each
        binding's first key, then each one's second key...)."""
        rows = zip_longest(*(self.keys(i) for i in binding_ids))
        return " / ".join(display(key) for row in rows for key in row if key is not None)

    def of_action(self, action: str) -> str | None:
        binding_id = self.by_action.get(action)
        return self.shown(binding_id) if binding_id is not None else None


_DISPLAY = {
    "pagedown": "PgDn", "pageup": "PgUp", "home": "Home", "end": "End", "delete": "Delete",
    "escape": "Esc", "enter": "Enter", "space": "Space", "tab": "Tab", "backspace": "Backspace",
}  # fmt: skip


def display(key: str) -> str:
    """A key as a person reads it: "question_mark" -> "?", "pagedown" -> "PgDn"."""
    return _DISPLAY.get(key) or format_key(key)


def _bindings() -> list[Binding]:
    return [b for item in BINDINGS for b in Binding.make_bindings([item])]


def binding_ids() -> list[str]:
    """Every binding id, in the table's order, once."""
    return list(dict.fromkeys(b.id for b in _bindings() if b.id is not None))


def check_keymap(config: Config) -> None:
    """Refuse a `[keys]` table naming an unknown binding id, or taking a key that another
    binding (not rebound) still has. Raises `ConfigError` naming the line."""
    known = binding_ids()
    for binding_id in config.keys:
        if binding_id not in known:
            raise ConfigError(
                f"{config.line_of(f'keys.{binding_id}')}: unknown binding id "
                f"{binding_id!r} in [keys] (ids: {', '.join(known)})"
            )
    current = Keys(config.keys)
    owner: dict[str, str] = {}
    for binding_id in known:
        for key in current.keys(binding_id):
            other = owner.setdefault(key, binding_id)
            if other == binding_id:
                continue
            mine, theirs = (binding_id, other) if binding_id in config.keys else (other, binding_id)
            raise ConfigError(
                f"{config.line_of(f'keys.{mine}')}: key {key!r} of keys.{mine} is also the key "
                f'of {theirs}; give {theirs} another key too ({theirs} = "...")'
            )


_KEYS_NAMED = re.compile(r"\s*\([^()]*\)$")


def commands(keymap: Mapping[str, str] | None = None) -> list[tuple[str, str, str]]:
    """The palette's commands, each help ending with the command's current keys."""
    current = Keys(keymap)
    out = []
    for title, help, action in COMMANDS:
        shown = current.of_action(action)
        if shown:
            help = f"{_KEYS_NAMED.sub('', help)} ({shown})"
        out.append((title, help, action))
    return out


def key_help(
    citation_format: str, keymap: Mapping[str, str] | None = None
) -> list[tuple[str, str]]:
    """The help screen's table of keys (the keymap's); `c` names the format it copies now."""
    k = Keys(keymap).shown
    ratings = [f"rate_{n}" for n in range(1, 6)]
    default_ratings = all(Keys().keys(r) == Keys(keymap).keys(r) for r in ratings)
    rate = "1 … 5" if default_ratings else k(*ratings)
    first = Keys(keymap).keys
    acting = ("toggle_read", "rate", "edit_tags", "remove", "copy_citation")
    marked_keys = " ".join(
        ("0-5" if default_ratings else k(*ratings, "rate_0"))
        if i == "rate"
        else display(first(i)[0])
        for i in acting
        if i == "rate" or first(i)
    )
    return [
        (k("down", "up"), "move down / up"),
        (k("page_down", "page_up"), "page down / up"),
        (k("first", "last"), "first / last paper"),
        (k("scroll_down", "scroll_up"), "scroll the details down / up"),
        (k("filter"), "filter (Enter: back to the list, Esc: clear)"),
        (k("saved_filters"), "saved filters with counts; 1-9 picks one"),
        (k("toggle_read"), "toggle read"),
        (rate, f"rate; {k('rate_0')} clears the rating"),
        (k("edit_tags"), "edit tags (Tab cycles through completions)"),
        (k("edit_note"), "edit the note (Markdown; ctrl+s saves)"),
        (k("copy_citation"), f"copy a citation ({FORMATS[citation_format]})"),
        (k("pick_citation"), "choose the citation format, then copy"),
        (k("cycle_sort"), "cycle the sort: " + ", ".join(CYCLED_SORTS)),
        *((k(name), text) for name, text in SMALLFIX_HELP),
        (k("open_link"), "open the paper's page (several links: a picker, 1-9 or Enter)"),
        (k("import"), "import: paste a page or give a file path"),
        (k("remove"), "remove the paper (asks; u undoes)"),
        (k("undo"), "undo the last change (this or any readlist process)"),
        (k("redo"), "redo"),
        # -- marking and bulk actions
        (k("toggle_mark"), "mark / unmark the paper (and move down)"),
        (k("mark_all"), "mark every paper shown"),
        (k("clear_marks"), "clear the marks"),
        (marked_keys, "with papers marked: act on all of them"),
        # -- enrichment and links (issue 14) --
        (k("enrich"), "enrich: authors and arXiv id from Hugging Face and arXiv (Esc cancels)"),
        # triage mode
        (k("triage"), "triage: one paper at a time, one key decides (Esc returns)"),
        # -- ranking and statistics (issue 12) --
        (k("similar"), "similar papers (more like this); Enter jumps to one"),
        (k("statistics"), "statistics: added and read per week, backlog, ratings, tags"),
        (k("tag_browser"), "tag browser: type to filter, Enter filters the list, r renames"),
        ("ctrl+p", "command palette"),
        (k("help"), "this help"),
        (k("quit"), "quit (everything is already saved)"),
    ]


def markdown_table() -> str:
    """The README's table of keys: the help screen's rows with the default keys, so the
    README cannot drift from the app (tests/test_readme_keys.py checks it)."""
    from readlist.citations import DEFAULT_FORMAT

    lines = ["| key | does |", "|---|---|"]
    for shown, text in key_help(DEFAULT_FORMAT):
        keys = " / ".join(f"`{part}`" for part in shown.split(" / "))
        lines.append(f"| {keys.replace('|', chr(92) + '|')} | {text.replace('|', chr(92) + '|')} |")
    return "\n".join(lines) + "\n"
