"""The config file as plain Python: where it is found, what each setting does, and every
problem reported as one line naming the file and the line; `readlist config` and the
global options (`--db`, `--config`, `--no-config`) through the CLI."""

from __future__ import annotations

import os
import subprocess
import tomllib
from pathlib import Path

import pytest

from readlist.cli import main
from readlist.config import (
    EXAMPLE,
    TRIAGE_KEYS,
    Config,
    ConfigError,
    TriageConfig,
    load_config,
    parse_config,
)
from readlist.paths import default_config
from readlist.tui.keys import check_keymap, key_help
from readlist.tui.run import check_config
from tests.conftest import DAILY, RunCli, readlist_command


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def problem(text: str, tmp_path: Path) -> str:
    """The one-line message a config holding `text` is refused with."""
    path = write(tmp_path / "config.toml", text)
    with pytest.raises(ConfigError) as caught:
        config = load_config(str(path))
        check_config(config)  # binding ids and theme, as the TUI checks them
    message = str(caught.value)
    assert "\n" not in message
    return message


# -- where the file is found ---------------------------------------------------------------


def test_flag_beats_environment_beats_default(tmp_path: Path) -> None:
    default = default_config()
    default.parent.mkdir(parents=True)
    write(default, 'sort = "rating"\n')
    env_file = write(tmp_path / "env.toml", 'sort = "upvotes"\n')
    flag_file = write(tmp_path / "flag.toml", '\n\nsort = "title"\n')
    environ = {"READLIST_CONFIG": str(env_file)}

    assert load_config(environ={}).sort == "rating"
    assert load_config(environ=environ).sort == "upvotes"
    flagged = load_config(str(flag_file), environ=environ)
    assert flagged.sort == "title"
    assert flagged.source == "--config"
    assert flagged.origin["sort"] == f"{flag_file}:3"
    from_env = load_config(environ=environ)
    assert from_env.source == from_env.origin["file"] == "READLIST_CONFIG"


def test_a_missing_default_file_is_the_defaults() -> None:
    assert not default_config().exists()
    config = load_config(environ={})
    assert (config.sort, config.citation_format, config.theme) == ("date", "plain", None)
    assert config.keys == {}
    assert config.triage == TriageConfig(keep_tag="to-read", keys=TRIAGE_KEYS)
    assert config.enrich.after_import is False
    assert config.origin_of("sort") == "default"
    assert config.origin == {"file": "default"}


def test_a_missing_file_that_was_named_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match=f"^{missing}: no such config file .*--config"):
        load_config(str(missing), environ={})
    with pytest.raises(ConfigError, match=f"^{missing}: no such config file .*READLIST_CONFIG"):
        load_config(environ={"READLIST_CONFIG": str(missing)})
    with pytest.raises(ConfigError, match="READLIST_CONFIG is set but empty"):
        load_config(environ={"READLIST_CONFIG": ""})
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(str(tmp_path), environ={})


def test_no_config_ignores_even_a_broken_file(tmp_path: Path) -> None:
    broken = write(tmp_path / "broken.toml", "sort = [\n")
    config = load_config(no_config=True, environ={"READLIST_CONFIG": str(broken)})
    assert config.sort == "date" and config.source == "--no-config"
    with pytest.raises(ConfigError, match="cannot be used together"):
        load_config(str(broken), no_config=True)


# -- what it holds -------------------------------------------------------------------------


def test_every_setting_is_read_with_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "config.toml",
        """\
# mine
citation_format = "bibtex"
sort = "title"
theme = "nord"

[keys]
toggle_read = "z"
remove = ["delete", "X"]

[triage]
keep_tag = "Later"
keys.keep = "l"
order = "list"

[enrich]
after_import = true
""",
    )
    config = load_config(str(path))
    assert (config.citation_format, config.sort, config.theme) == ("bibtex", "title", "nord")
    assert config.keys == {"toggle_read": "z", "remove": "delete,X"}
    assert config.triage.keep_tag == "Later"
    assert config.triage.order == "list"
    assert config.triage.keys == {**TRIAGE_KEYS, "keep": "l"}
    assert config.enrich.after_import is True
    assert config.origin == {
        "file": "--config",
        "citation_format": f"{path}:2",
        "sort": f"{path}:3",
        "theme": f"{path}:4",
        "keys.toggle_read": f"{path}:7",
        "keys.remove": f"{path}:8",
        "triage.keep_tag": f"{path}:11",
        "triage.keys.keep": f"{path}:12",
        "triage.order": f"{path}:13",
        "enrich.after_import": f"{path}:16",
    }
    check_config(config)  # known ids, a known theme, no key taken twice


def test_the_example_file_parses_to_the_defaults() -> None:
    config = parse_config(EXAMPLE.encode(), Path("example.toml"))
    defaults = Config()
    for name in ("citation_format", "sort", "theme", "keys", "triage", "enrich"):
        assert getattr(config, name) == getattr(defaults, name), name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('sort = "date"\ncitation_format = \n', ":2: invalid value (column 19; TOML syntax)"),
        ('[keys]\ntoggle_read = "z', ":2: "),  # an unclosed string
        ("sort = [\n", ":1: "),  # ends inside an array
        ('\n\nsortt = "date"\n', ":3: unknown setting sortt (known: citation_format, sort"),
        ("[triage]\nkeep = 1\n", ":2: unknown setting triage.keep (known: keep_tag, order, keys)"),
        (
            '[triage.keys]\nkeep = "l"\nsnooze = "z"\n',
            ":3: unknown setting triage.keys.snooze (known: keep, dismiss, skip, back)",
        ),
        (
            "[enrich]\n\nafter = true\n",
            ":3: unknown setting enrich.after (known: after_import, arxiv_details)",
        ),
        ("sort = 1\n", ":1: sort must be a string, not the number 1"),
        ('\n[enrich]\nafter_import = "yes"\n', ":3: enrich.after_import must be true or false"),
        ("[keys]\n\ntoggle_read = 5\n", ":3: keys.toggle_read must be a key or a list of keys"),
        ('[keys]\ntoggle_read = "a b"\n', ":2: keys.toggle_read: a key holds a space"),
        ('[keys]\ntoggle_read = ""\n', ":2: keys.toggle_read: a key is empty"),
        ('[keys]\nredo = "Ctrl+r"\n', ":2: keys.redo: 'Ctrl+r' has an unknown modifier 'Ctrl'"),
        ("keys = 3\n", ":1: keys must be a table ([keys]), not the number 3"),
        ("[triage]\nkeep_tag = 3\n", ":2: triage.keep_tag must be a string, not the number 3"),
        ('[triage]\nkeep_tag = "a b"\n', ":2: triage.keep_tag must be one tag"),
        (
            '[triage]\n\norder = "random"\n',
            ":3: unknown triage.order 'random' (choose from for-you, list)",
        ),
        (
            'citation_format = "apa"\n',
            ":1: unknown citation_format 'apa' (choose from plain, bibtex, markdown, chat)",
        ),
        ('\nsort = "newest"\n', ":2: unknown sort 'newest' (choose from date, upvotes,"),
        (
            '[keys]\ntoggle_read = "z"\nremove = "v,z"\n',
            ":3: key 'z' is bound twice: to keys.remove and to keys.toggle_read;",
        ),
        (
            '[triage.keys]\n\nkeep = "d"\n',
            ":3: key 'd' of triage.keys.keep is the only key of dismiss; give dismiss "
            'another key too (dismiss = "...")',
        ),
        # A line inside a multi-line string is not a key: the error is on line 4.
        ('theme = """\nsort = 1\n"""\nsort = "nope"\n', ":4: unknown sort 'nope'"),
        # An inline table: reported at its line.
        ("\ntriage = { keep_tag = 3 }\n", ":2: triage.keep_tag must be a string"),
        # Known only to the TUI: binding ids, keys other bindings hold, themes.
        ('\n[keys]\ntoggle_reed = "z"\n', ":3: unknown binding id 'toggle_reed' in [keys] (ids:"),
        (
            '[keys]\ntoggle_read = "x"\n',
            ":2: key 'x' of keys.toggle_read is also the key of remove; give remove another",
        ),
        ('[keys]\ntoggle_read = "?"\n', ":2: key 'question_mark' of keys.toggle_read is also"),
        ('\ntheme = "solarised"\n', ":2: unknown theme 'solarised' (choose from ansi-dark,"),
    ],
)
def test_every_problem_is_one_line_naming_the_file_and_line(
    tmp_path: Path, text: str, expected: str
) -> None:
    message = problem(text, tmp_path)
    assert message.startswith(f"{tmp_path / 'config.toml'}{expected}"), message


def test_a_file_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'sort = "date"\n# caf\xe9\n')
    with pytest.raises(ConfigError, match=rf"^{path}:2: is not UTF-8 text"):
        load_config(str(path))


def test_rebinding_both_bindings_of_a_key_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", '[keys]\ntoggle_read = "x"\nremove = "delete"\n')
    config = load_config(str(path))
    check_keymap(config)
    rows = dict((text, key) for key, text in key_help("plain", config.keys))
    assert rows["toggle read"] == "x"
    assert rows["remove the paper (asks; u undoes)"] == "Delete"


# -- through the command line --------------------------------------------------------------


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "READLIST_DB"}
    return subprocess.run(
        [*readlist_command(), *args],
        capture_output=True,
        text=True,
        env={**environ, **(env or {})},
        timeout=120,
    )


def test_readlist_config_prints_each_setting_and_where_it_came_from(
    cli: RunCli, tmp_path: Path
) -> None:
    path = write(tmp_path / "c.toml", 'sort = "title"\n[keys]\ntoggle_read = "z"\n')
    done = cli("config", env={"READLIST_CONFIG": str(path)})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"# config file: {path} (from $READLIST_CONFIG)"
    spaced = [" ".join(line.split()) for line in lines]  # the comments' column may move
    assert f'sort = "title" # {path}:1' in spaced
    assert 'citation_format = "plain" # default' in spaced
    assert any(line.startswith('toggle_read = "z"') and f"# {path}:3" in line for line in lines)
    assert any(line.startswith('remove = "x,delete"') and "# default" in line for line in lines)
    # What it prints is itself a config file holding the same settings.
    printed = tomllib.loads(done.stdout)
    assert printed["sort"] == "title" and printed["keys"]["toggle_read"] == "z"

    assert cli("config", "--path", env={"READLIST_CONFIG": str(path)}).stdout == f"{path}\n"
    example = cli("config", "--example")
    assert tomllib.loads(example.stdout)["triage"]["keep_tag"] == "to-read"


def test_config_path_is_the_default_location_without_a_file(cli: RunCli) -> None:
    done = cli("config", "--path")
    assert done.stdout == f"{default_config()}\n"
    shown = cli("config")
    assert shown.stdout.startswith(f"# config file: {default_config()} (default location;")


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["config"],
        ["tags"],
        [],  # the TUI: the config is checked before it asks for a terminal
        ["--demo"],
    ],
)
def test_a_bad_config_stops_every_command(cli: RunCli, tmp_path: Path, args: list[str]) -> None:
    bad = write(tmp_path / "bad.toml", '\n\nsort = "newest"\n')
    done = cli(*args, env={"READLIST_CONFIG": str(bad)})
    assert done.returncode == 2
    assert done.stderr.startswith(f"readlist: {bad}:3: unknown sort 'newest'")
    assert done.stderr.count("\n") == 1
    # --no-config starts with the defaults (here: a command that needs no terminal).
    if args and args[0] != "--demo":
        ok = cli(*args, "--no-config", env={"READLIST_CONFIG": str(bad)})
        assert ok.returncode == 0, ok.stderr


def test_the_config_sort_is_the_default_of_list(cli: RunCli, tmp_path: Path) -> None:
    assert cli("import", str(DAILY)).returncode == 0
    by_title = write(tmp_path / "c.toml", 'sort = "title"\n')
    env = {"READLIST_CONFIG": str(by_title)}
    by_config = cli("list", env=env).stdout
    assert by_config == cli("list", "--sort", "title").stdout
    assert by_config.splitlines()[0].endswith(
        "A Comprehensive Evaluation of Large Language Models on Aspect-Based Sentiment Analysis"
    )
    by_date = cli("list", "--sort", "date", env=env).stdout
    assert by_date == cli("list").stdout != cli("list", env=env).stdout


def test_global_options_before_or_after_the_command(tmp_path: Path) -> None:
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    assert run("import", str(DAILY), "--db", str(one)).returncode == 0
    before = run("--db", str(one), "list")
    after = run("list", "--db", str(one))
    assert before.returncode == after.returncode == 0
    assert before.stdout == after.stdout and len(before.stdout.splitlines()) == 30
    # Given in both places, the one after the command is the one used.
    assert run("--db", str(two), "list", "--db", str(one)).stdout == before.stdout
    assert run("--db", str(one), "tags").returncode == 0
    assert run("filter", "save", "--db", str(one), "x", "hft").returncode == 0
    assert run("--db", str(one), "filters").stdout.startswith("@x")
    assert not two.exists()

    bad = write(tmp_path / "bad.toml", "sort = 1\n")
    for args in (["--config", str(bad), "list"], ["list", "--config", str(bad)]):
        done = run(*args, "--db", str(one))
        assert (done.returncode, done.stderr) == (
            2,
            f"readlist: {bad}:1: sort must be a string, not the number 1\n",
        )
    for args in (["--no-config", "list"], ["list", "--no-config"]):
        done = run(*args, "--db", str(one), env={"READLIST_CONFIG": str(bad)})
        assert done.returncode == 0 and done.stdout == before.stdout


def test_main_in_process_reads_the_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path / "bad.toml", "[keys]\nundo = 3\n")
    assert main(["--config", str(bad), "list", "--db", str(tmp_path / "l.json")]) == 2
    assert capsys.readouterr().err == (
        f"readlist: {bad}:2: keys.undo must be a key or a list of keys, not the number 3\n"
    )


def test_the_readme_shows_the_example_file() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert f"```toml\n{EXAMPLE}```" in readme
