"""The config file: keys, default citation format and sort, theme, triage and enrich options.

One TOML file (stdlib `tomllib`), found as `--config PATH`, else `$READLIST_CONFIG`, else
`config.toml` in the user config directory; a missing default file means the defaults,
a missing file that was named is an error. `--no-config` uses the defaults whatever exists.

    citation_format = "bibtex"     # what `c` copies: plain, bibtex, markdown
    sort = "title"                 # the first sort of the TUI and of list/export
    theme = "nord"                 # a Textual theme (checked by the TUI, not here)

    [keys]                         # binding id = keys (comma-separated, or a list)
    toggle_read = "x"
    remove = "delete"

    [triage]
    keep_tag = "to-read"
    order = "for-you"              # or "list": walk the list's own order

    [triage.keys]                  # the triage mode's decision keys
    keep = "l"

    [enrich]
    after_import = false
    arxiv_details = false          # also ask arXiv for categories, DOI, journal reference

A bad file is one `ReadlistError`, "PATH:LINE: problem": tomllib's syntax errors carry a
line; for a value that parses but is wrong the line of its key is found in the text
(`_KeyLines`), so the user is sent to the very line to fix. No Textual here: binding ids
and theme names are only known to the TUI, which checks them with `Config.line_of` for
the message (see tui/keys.py `check_keymap`).

`Config.origin` says where each setting came from ("default", or "PATH:LINE"), which is
what `readlist config` prints beside each value.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

from readlist.errors import ReadlistError
from readlist.models import normalize_tags
from readlist.paths import CONFIG_ENV_VAR, default_config

if TYPE_CHECKING:
    import tomllib

# Every command reads the config: what only a config file's settings need (tomllib, the
# citation formats, the sort keys: the whole library module) is imported when one is
# read, not by every `readlist rate`.
DEFAULT_CITATION_FORMAT = "plain"
"""readlist.citations.DEFAULT_FORMAT (tests/test_cli_parser_alone.py checks it)."""

DEFAULT = "default"

# The triage mode's decisions and their keys. Rate (1-5), tag (t), note (n), open (o)
# and undo (u) keep their usual keys in triage, so none of these takes one of those.
TRIAGE_KEYS: Mapping[str, str] = MappingProxyType(
    {"keep": "l", "dismiss": "d", "skip": "s,j,right", "back": "b,k,left"}
)

_MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")

Source = Literal["--config", "READLIST_CONFIG", "default", "--no-config"]


class ConfigError(ReadlistError):
    """The config file cannot be used: `str()` is "PATH:LINE: problem"."""


TRIAGE_ORDERS = ("for-you", "list")
"""How triage walks the filter's papers: "for you" when the list is in its default sort
and there is enough signal (else the list's order), or always the list's order."""


@dataclass(frozen=True, slots=True)
class TriageConfig:
    keep_tag: str = "to-read"
    """The tag "keep for later" adds."""
    order: str = "for-you"
    """One of `TRIAGE_ORDERS`."""
    keys: Mapping[str, str] = field(default_factory=lambda: TRIAGE_KEYS)
    """Decision (keep, dismiss, skip, back) -> keys, as Textual names them ("k", "space")."""


@dataclass(frozen=True, slots=True)
class EnrichConfig:
    after_import: bool = False
    """Enrich newly imported papers right after an import."""
    arxiv_details: bool = False
    """Ask arXiv by id about the papers Hugging Face found too (categories, DOI, journal
    reference: one more request per 50 papers), as `readlist enrich --details` does."""


@dataclass(frozen=True, slots=True)
class Config:
    citation_format: str = DEFAULT_CITATION_FORMAT
    sort: str = "date"
    theme: str | None = None
    """A Textual theme name; None keeps Textual's default."""
    keys: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Binding id -> keys ("x", "ctrl+r,U"): only the bindings the user changed."""
    triage: TriageConfig = field(default_factory=TriageConfig)
    enrich: EnrichConfig = field(default_factory=EnrichConfig)
    path: Path | None = None
    """The file read (or that would be read: a missing default file)."""
    source: Source = "default"
    """How the file was chosen."""
    origin: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Setting ("sort", "keys.toggle_read", "triage.keys.keep") -> "default" or "PATH:LINE";
    "file" -> how the file was chosen (`source`: "--config", "READLIST_CONFIG"...).

    Settings not listed are defaults."""

    def origin_of(self, setting: str) -> str:
        return self.origin.get(setting, DEFAULT)

    def line_of(self, setting: str) -> str:
        """ "PATH:LINE" of a setting read from the file, else the file's path (for errors)."""
        where = self.origin.get(setting)
        return where if where is not None else str(self.path)


def config_path(flag: str | None, environ: Mapping[str, str] = os.environ) -> tuple[Path, Source]:
    """The config file to read, and why: `--config`, else `$READLIST_CONFIG`, else the default."""
    if flag is not None:
        if not flag.strip():
            raise ConfigError("--config: the path is empty")
        return Path(flag).expanduser(), "--config"
    env = environ.get(CONFIG_ENV_VAR)
    if env is not None:
        if not env.strip():
            raise ConfigError(
                f"{CONFIG_ENV_VAR} is set but empty; unset it to use the default config "
                f"({default_config()})"
            )
        return Path(env).expanduser(), "READLIST_CONFIG"
    return default_config(), "default"


def load_config(
    flag: str | None = None,
    *,
    no_config: bool = False,
    environ: Mapping[str, str] = os.environ,
) -> Config:
    """The effective config. Raises `ConfigError` ("PATH:LINE: problem")."""
    if no_config:
        if flag is not None:
            raise ConfigError("--config and --no-config cannot be used together")
        return Config(path=None, source="--no-config", origin=_chosen("--no-config"))
    path, source = config_path(flag, environ)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if source == "default":
            return Config(path=path, source=source, origin=_chosen(source))
        named = f"--config {path}" if source == "--config" else f"{CONFIG_ENV_VAR}={path}"
        raise ConfigError(f"{path}: no such config file (named by {named})") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a config file") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror or error})") from None
    return parse_config(data, path, source)


def parse_config(data: bytes, path: Path, source: Source = "--config") -> Config:
    """The config held in `data` (the bytes of the file `path`). Raises `ConfigError`."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: is not UTF-8 text (TOML files are UTF-8)") from None
    import tomllib

    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(_syntax_error(path, text, error)) from None
    return _Reader(path, text).config(table, source)


def _chosen(source: Source) -> Mapping[str, str]:
    return MappingProxyType({"file": source})


def _syntax_error(path: Path, text: str, error: tomllib.TOMLDecodeError) -> str:
    message = str(error)
    found = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if found is not None:
        problem = message[: found.start()]
        return f"{path}:{found.group(1)}: {_lower(problem)} (column {found.group(2)}; TOML syntax)"
    found = re.search(r"\s*\(at end of document\)$", message)
    problem = message[: found.start()] if found is not None else message
    last = text.count("\n") + (0 if text.endswith("\n") else 1)
    return f"{path}:{max(last, 1)}: {_lower(problem)} (at the end of the file; TOML syntax)"


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


class _Reader:
    """Checks a parsed table and builds the `Config`, naming the line of each problem."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = _KeyLines(text)
        self.origin: dict[str, str] = {}

    def fail(self, setting: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}:{self.lines.line(setting)}: {problem}")

    def found(self, setting: str) -> None:
        self.origin[setting] = f"{self.path}:{self.lines.line(setting)}"

    def string(self, setting: str, value: object) -> str:
        if not isinstance(value, str):
            raise self.fail(setting, f"{setting} must be a string, not {_kind(value)}")
        self.found(setting)
        return value

    def choice(
        self, setting: str, value: object, choices: Mapping[str, str] | tuple[str, ...]
    ) -> str:
        text = self.string(setting, value)
        if text not in choices:
            raise self.fail(
                setting, f"unknown {setting} {text!r} (choose from {', '.join(choices)})"
            )
        return text

    def section(self, name: str, value: object) -> dict[str, object]:
        if not isinstance(value, dict):
            raise self.fail(name, f"{name} must be a table ([{name}]), not {_kind(value)}")
        return value

    def unknown(self, setting: str, known: tuple[str, ...]) -> ConfigError:
        return self.fail(setting, f"unknown setting {setting} (known: {', '.join(known)})")

    def key_list(self, setting: str, value: object) -> str:
        """Keys as Textual's keymap takes them: "x" or ["x", "delete"] -> "x,delete"."""
        if isinstance(value, str):
            keys = [k.strip() for k in value.split(",")]
        elif isinstance(value, list) and all(isinstance(k, str) for k in value):
            keys = [k.strip() for k in value]
        else:
            raise self.fail(
                setting, f"{setting} must be a key or a list of keys, not {_kind(value)}"
            )
        if not keys or not all(keys):
            raise self.fail(setting, f"{setting}: a key is empty ({value!r})")
        for key in keys:
            *modifiers, _name = key.split("+") if len(key) > 1 else [key]
            if unknown := [m for m in modifiers if m not in _MODIFIERS]:
                raise self.fail(
                    setting,
                    f"{setting}: {key!r} has an unknown modifier {unknown[0]!r} "
                    f'(modifiers: {", ".join(_MODIFIERS)}, in lower case: "ctrl+r")',
                )
        if any(char.isspace() for key in keys for char in key):
            raise self.fail(
                setting, f'{setting}: a key holds a space ({value!r}); name it: "space"'
            )
        self.found(setting)
        return ",".join(keys)

    def config(self, table: dict[str, object], source: Source) -> Config:
        from readlist.citations import FORMATS
        from readlist.library import SORT_KEYS

        known = ("citation_format", "sort", "theme", "keys", "triage", "enrich")
        settings: dict[str, object] = {}
        for name, value in table.items():
            if name == "citation_format":
                settings[name] = self.choice(name, value, FORMATS)
            elif name == "sort":
                settings[name] = self.choice(name, value, SORT_KEYS)
            elif name == "theme":
                settings[name] = self.string(name, value)
            elif name == "keys":
                settings[name] = self.keys(self.section(name, value))
            elif name == "triage":
                settings[name] = self.triage(self.section(name, value))
            elif name == "enrich":
                settings[name] = self.enrich(self.section(name, value))
            else:
                raise self.unknown(name, known)
        return Config(
            **settings,  # type: ignore[arg-type]
            path=self.path,
            source=source,
            origin=MappingProxyType({"file": source, **self.origin}),
        )

    def keys(self, table: dict[str, object]) -> Mapping[str, str]:
        keymap = {
            binding: self.key_list(f"keys.{binding}", value) for binding, value in table.items()
        }
        self.bound_once("keys", keymap)
        return MappingProxyType(keymap)

    def bound_once(self, section: str, keymap: Mapping[str, str]) -> None:
        """Refuse a key given to two bindings of one table (which would win is a guess).

        The line named is that of a binding set in the file (the other may be a default).
        """
        owner: dict[str, str] = {}
        for name, keys in keymap.items():
            for key in keys.split(","):
                normal = normalize_key(key)
                if (other := owner.get(normal)) is not None and other != name:
                    first, second = f"{section}.{other}", f"{section}.{name}"
                    given = second if second in self.origin else first
                    default = "" if {first, second} <= self.origin.keys() else " (a default)"
                    shown = second if given == first else first
                    raise self.fail(
                        given,
                        f"key {key!r} is bound twice: to {given} and to {shown}{default}; "
                        f"give one of them another key",
                    )
                owner[normal] = name

    def triage(self, table: dict[str, object]) -> TriageConfig:
        keep_tag, order = TriageConfig().keep_tag, TriageConfig().order
        keys = dict(TRIAGE_KEYS)
        for name, value in table.items():
            setting = f"triage.{name}"
            if name == "keep_tag":
                typed = self.string(setting, value)
                tags = normalize_tags([typed])
                if len(tags) != 1:
                    raise self.fail(setting, f"{setting} must be one tag, not {typed!r}")
                keep_tag = tags[0]
            elif name == "order":
                order = self.choice(setting, value, TRIAGE_ORDERS)
            elif name == "keys":
                given: dict[str, str] = {}
                for action, keys_value in self.section(setting, value).items():
                    if action not in TRIAGE_KEYS:
                        raise self.unknown(f"{setting}.{action}", tuple(TRIAGE_KEYS))
                    given[action] = self.key_list(f"{setting}.{action}", keys_value)
                # A key given one decision is taken from the others' defaults
                # (`keep = "k"` leaves back on b and left).
                taken = {k for typed in given.values() for k in typed.split(",")}
                for action, default in TRIAGE_KEYS.items():
                    if action not in given:
                        left = [k for k in default.split(",") if k not in taken]
                        if not left:
                            mine = next(a for a, k in given.items() if default in k.split(","))
                            raise self.fail(
                                f"{setting}.{mine}",
                                f"key {default!r} of {setting}.{mine} is the only key of "
                                f"{action}; give {action} another key too "
                                f'({action} = "...")',
                            )
                        keys[action] = ",".join(left)
                keys.update(given)
                self.bound_once(setting, {a: k for a, k in keys.items() if k})
            else:
                raise self.unknown(setting, ("keep_tag", "order", "keys"))
        return TriageConfig(keep_tag=keep_tag, order=order, keys=MappingProxyType(keys))

    def enrich(self, table: dict[str, object]) -> EnrichConfig:
        known = ("after_import", "arxiv_details")
        settings: dict[str, bool] = {}
        for name, value in table.items():
            setting = f"enrich.{name}"
            if name not in known:
                raise self.unknown(setting, known)
            if not isinstance(value, bool):
                raise self.fail(setting, f"{setting} must be true or false, not {_kind(value)}")
            self.found(setting)
            settings[name] = value
        return EnrichConfig(**settings)


def normalize_key(key: str) -> str:
    """A key as Textual names it: "?" -> "question_mark", "x" -> "x" (as Textual's keymap)."""
    if len(key) != 1 or key.isalnum():
        return key
    try:
        return unicodedata.name(key).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        return key


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"  # dates and times


_HEADER = re.compile(r"\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(
    r"""\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)


class _KeyLines:
    """The line each dotted key ("triage.keys.keep") is set on, read from the TOML text.

    tomllib gives values without positions; the TOML grammar a config uses (tables,
    dotted keys, one key per line) is simple enough to find them again. A setting not
    found (inside an inline table, say) is reported at its table's line, else line 1.
    """

    def __init__(self, text: str) -> None:
        self.where: dict[str, int] = {}
        table: tuple[str, ...] = ()
        in_string: str | None = None
        for number, line in enumerate(text.splitlines(), 1):
            if in_string is not None:  # inside a multi-line string: no keys here
                if line.count(in_string) % 2 == 1:
                    in_string = None
                continue
            if (header := _HEADER.match(line)) is not None:
                table = _dotted(header.group(1))
                self.where.setdefault(".".join(table), number)
                continue
            if (key := _KEY.match(line)) is not None:
                path = (*table, *_dotted(key.group(1)))
                for end in range(len(table) + 1, len(path) + 1):
                    self.where.setdefault(".".join(path[:end]), number)
                rest = line[key.end() :]
                for quotes in ('"""', "'''"):
                    if rest.count(quotes) % 2 == 1:
                        in_string = quotes

    def line(self, setting: str) -> int:
        parts = setting.split(".")
        for end in range(len(parts), 0, -1):
            if (number := self.where.get(".".join(parts[:end]))) is not None:
                return number
        return 1


def _dotted(key: str) -> tuple[str, ...]:
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", key)
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in parts)


EXAMPLE = """\
# readlist's config file (TOML). `readlist config --path` says where it goes;
# `readlist config` shows what is in effect and where each setting came from.
# Every setting is optional: leave out what you do not want to change.

# What `c` copies: plain, bibtex or markdown.
citation_format = "plain"

# The first sort of the TUI, and of `readlist list` and `readlist export` without
# --sort: date, upvotes, rating or title.
sort = "date"

# A Textual theme: textual-dark, textual-light, nord, gruvbox, dracula,
# tokyo-night, solarized-light, ... (the TUI lists them if the name is unknown).
# theme = "nord"

# Keys: binding id = keys, as the help screen (?) names them. Several keys:
# "x,delete" or ["x", "delete"]. A key may serve one binding only: give the binding
# that had it another key too. `readlist config` lists every id with its keys.
[keys]
# toggle_read = "x"
# remove = "delete"
# undo = "u"

[triage]
# The tag that "keep for later" adds.
keep_tag = "to-read"
# The order triage (T) walks the filter's papers in: "for-you" (the papers most like
# those you rated, tagged or kept first, when the list is in its default sort and you
# have said enough; else the list's order) or "list" (always the list's order).
order = "for-you"

# The triage mode's decision keys (rate 1-5, t, n, o and u work there as usual).
[triage.keys]
keep = "l"
dismiss = "d"
skip = ["s", "j", "right"]
back = ["b", "k", "left"]

[enrich]
# Fetch authors and arXiv ids for newly imported papers right after an import.
after_import = false
# Also ask arXiv for the categories, DOI and journal reference of the papers Hugging
# Face's Daily Papers found (one more request per 50 papers; `readlist enrich
# --details` does it once).
arxiv_details = false
"""
