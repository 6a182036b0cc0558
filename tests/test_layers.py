"""The layering contracts of pyproject.toml's [tool.importlinter], run as a test.

Textual and Rich only under readlist.tui; TinyDB only in the store; commands never import
the CLI or the TUI. The run-time check (test_cli.test_domain_never_imports_textual) covers
what imports do when run; this one covers every import line, even those in functions.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
         "lint_imports_command()", "--no-cache"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "3 kept, 0 broken" in done.stdout
