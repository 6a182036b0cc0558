"""Pathological inputs finish (no hang) and end in the one clear error or a result.

Each case runs in a subprocess with a generous timeout: this guards against a hang or
catastrophic regex backtracking, not against slowness (benchmarks measure speed).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CASES = {
    "one 10 MB line": "'x' * 10_000_000",
    "10 MB of one word and spaces": "('abc ' * 2_500_000)",
    "blank-looking lines": "('\\n' + ' ' * 1000 + '\\t') * 10_000",
    "a million bullets and dots": "('• 1 authors\\n·\\n' * 500_000)",
    "escape sequence soup": "('\\x1b[' + '1;' * 1000 + '\\x1b]0;' + 'x' * 1000) * 1000",
    "unterminated OSC": "'\\x1b]52;c;' + 'A' * 5_000_000",
    "deep URL punctuation": "'T\\n\\nhttps://a.b/' + ')' * 2_000_000 + '.'",
    "many short papers": "''.join(f'T{i}\\n\\nA{i}.\\n\\n' for i in range(200_000))",
}


@pytest.mark.parametrize("expression", CASES.values(), ids=list(CASES))
def test_import_of_pathological_text_finishes(tmp_path: Path, expression: str) -> None:
    path = tmp_path / "input.txt"
    code = (
        "import sys\n"
        "from datetime import date\n"
        "from readlist.importers import read_listing\n"
        "from readlist.errors import ImportFileError\n"
        f"open(sys.argv[1], 'w', encoding='utf-8', newline='').write({expression})\n"
        "try:\n"
        "    listing = read_listing(sys.argv[1], today=date(2026, 1, 1))\n"
        "    print('papers', len(listing.papers))\n"
        "except ImportFileError as error:\n"
        "    print('error', error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(("papers", "error"))


@pytest.mark.parametrize(
    "expression",
    [
        "'a' * 1_000_000",
        "'\"' * 1_000_001",
        "'-x ' * 300_000",
        "'rating:>=' + '9' * 100_000",
        "'tag:' + 'x' * 1_000_000",
    ],
)
def test_query_parser_on_huge_queries_finishes(expression: str) -> None:
    code = (
        "from readlist.query import parse\n"
        "from readlist.errors import QueryError\n"
        "try:\n"
        f"    print(len(parse({expression}).terms))\n"
        "except QueryError as error:\n"
        "    print('error', str(error)[:80])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
