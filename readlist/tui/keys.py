"""The keys of the triage screen: bindings, the help screen's table, the palette commands.

The verbs' bindings, their help lines and their palette entries come from the command
registry (`readlist.commands.SPECS`, each spec's `KeySpec`s): this module only places
them among the bindings that are not verbs — moving, the filter, sort, layout, marks and
the screens (help, statistics, triage...), which run no command and change nothing, so
they have no command object and stay declared here. A registry binding this module does
not place is appended after the others, so a new command is bound, listed on the help
screen and in the palette without an edit here (tests/test_registry.py checks).

Every binding has an `id`; the config file's `[keys]` table maps ids to the user's keys,
which the app hands to `App.set_keymap`, and the help table and the palette read the
keys through `Keys` (the keymap applied to `BINDINGS`), so they show the user's keys,
never a letter written here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from itertools import zip_longest

from textual.binding import Binding, BindingType
from textual.keys import format_key

from readlist.citations import FORMATS
from readlist.commands import SPECS, KeySpec
from readlist.config import Config, ConfigError, normalize_key
from readlist.library import CYCLED_SORTS

# The verbs' bindings, by binding id, in the registry's order.
VERB_KEYS: dict[str, KeySpec] = {k.id: k for spec in SPECS.values() for k in spec.keys}
_placed: set[str] = set()


def _binding(key: KeySpec) -> Binding:
    return Binding(
        key.keys,
        key.action,
        key.label or key.title,
        show=key.show,
        key_display=key.key_display,
        priority=True,
        id=key.id,
    )


def verb(*ids: str) -> list[Binding]:
    """The registry's bindings of these ids (each placed once; keyless ones have none)."""
    _placed.update(ids)
    return [_binding(VERB_KEYS[i]) for i in ids if VERB_KEYS[i].keys]


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
    # The verbs (the footer's "r Read", "0-5 Rate", "t Tags", "n Note", "c Cite").
    *verb("toggle_read", *(f"rate_{n}" for n in (1, 2, 3, 4, 5, 0))),
    *verb("edit_tags", "edit_note", "copy_citation", "pick_citation"),
    Binding("s", "cycle_sort", "Sort", priority=True, id="cycle_sort"),
    # Not in the footer: 80 columns hold the keys above and "q Quit"; help and palette list it.
    Binding("f", "saved_filters", "Saved filters", show=False, priority=True, id="saved_filters"),
    *verb("open_link", "import", "remove"),
    Binding(
        "J", "scroll_detail(3)", "Scroll details down", show=False, priority=True, id="scroll_down"
    ),
    Binding(
        "K", "scroll_detail(-3)", "Scroll details up", show=False, priority=True, id="scroll_up"
    ),
    *verb("undo", "redo"),
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
# A command added to the registry and not placed above is bound here, after the others.
BINDINGS += verb(*(i for i in VERB_KEYS if i not in _placed))
MARK_ACTIONS = frozenset({"toggle_mark", "mark_all", "clear_marks", "export_marked"})

# Actions on the paper list: off while a dialog is open (see ReadListApp.check_action).
# The verbs' actions (toggle_read, rate, edit_tags...) come from the registry.
LIST_ACTIONS = MARK_ACTIONS | frozenset(
    {
        "move", "focus_filter", "cycle_sort", "help", "leave", "scroll_detail", "saved_filters",
    }
) | {k.action.partition("(")[0] for k in VERB_KEYS.values()} | {
    "enrich", "triage", "similar", "statistics", "tag_browser",
}  # fmt: skip

_in_palette: set[str] = set()


def palette(*ids: str) -> tuple[tuple[str, str, str], ...]:
    """The registry's palette entries of these binding ids (title, help, action)."""
    _in_palette.update(ids)
    return tuple((VERB_KEYS[i].title, VERB_KEYS[i].palette, VERB_KEYS[i].action) for i in ids)


# The command palette (ctrl+p): title, help, action. `commands()` adds the current keys.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    *palette("toggle_read", *(f"rate_{n}" for n in (1, 2, 3, 4, 5, 0))),
    *palette("edit_tags", "edit_note", "copy_citation", "pick_citation"),
    ("Cycle sort", "Date, upvotes, rating, title, added, for you (s)", "cycle_sort"),
    *palette("open_link", "import", "remove", "undo", "redo"),
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
    *palette("export_marked"),
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
# Registry commands not placed above, last.
COMMANDS += palette(*(i for i in VERB_KEYS if i not in _in_palette))
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
    shown_in_help: set[str] = set()
    names = _HelpNames(k, citation_format)

    def verb_rows(*ids: str, keys: str | None = None) -> list[tuple[str, str]]:
        """The registry's help lines of these bindings (`keys`: how to show the first's)."""
        shown_in_help.update(ids)
        return [
            (keys if keys is not None and n == 0 else k(i), VERB_KEYS[i].help.format_map(names))
            for n, i in enumerate(ids)
            if VERB_KEYS[i].help
        ]

    rows = [
        (k("down", "up"), "move down / up"),
        (k("page_down", "page_up"), "page down / up"),
        (k("first", "last"), "first / last paper"),
        (k("scroll_down", "scroll_up"), "scroll the details down / up"),
        (k("filter"), "filter (Enter: back to the list, Esc: clear)"),
        (k("saved_filters"), "saved filters with counts; 1-9 picks one"),
        *verb_rows("toggle_read"),
        # The six rating keys share one line ("1 … 5  rate; 0 clears the rating").
        *verb_rows(*(f"rate_{n}" for n in (1, 2, 3, 4, 5, 0)), keys=rate),
        *verb_rows("edit_tags", "edit_note", "copy_citation", "pick_citation"),
        (k("cycle_sort"), "cycle the sort: " + ", ".join(CYCLED_SORTS)),
        *((k(name), text) for name, text in SMALLFIX_HELP),
        *verb_rows("open_link", "import", "remove", "undo", "redo"),
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
    ]
    # Registry commands not placed above, then the last lines.
    rows += verb_rows(*(i for i in VERB_KEYS if i not in shown_in_help))
    rows += [
        ("ctrl+p", "command palette"),
        (k("help"), "this help"),
        (k("quit"), "quit (everything is already saved)"),
    ]
    return rows


class _HelpNames(dict[str, str]):
    """What a registry help line may name: `{format}` (the citation format `c` copies
    now) and `{BINDING_ID}` (that binding's current keys: "{rate_0} clears the rating")."""

    def __init__(self, shown: Callable[..., str], citation_format: str) -> None:
        super().__init__(format=FORMATS[citation_format])
        self.shown = shown

    def __missing__(self, binding_id: str) -> str:
        return self.shown(binding_id)


def markdown_table() -> str:
    """The README's table of keys: the help screen's rows with the default keys, so the
    README cannot drift from the app (tests/test_readme_keys.py checks it)."""
    from readlist.citations import DEFAULT_FORMAT

    lines = ["| key | does |", "|---|---|"]
    for shown, text in key_help(DEFAULT_FORMAT):
        keys = " / ".join(f"`{part}`" for part in shown.split(" / "))
        lines.append(f"| {keys.replace('|', chr(92) + '|')} | {text.replace('|', chr(92) + '|')} |")
    return "\n".join(lines) + "\n"
