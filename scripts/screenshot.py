"""Regenerate docs/screenshot.svg: the main screen on the demo library.

    python scripts/screenshot.py

Dates without a year in the samples are resolved against a fixed day, and a few papers
are annotated, so the picture shows what triage looks like and does not drift.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import date
from importlib import resources
from pathlib import Path

from readlist.importers import read_listing
from readlist.models import paper_id
from readlist.store import Store
from readlist.tui.app import ReadListApp

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshot.svg"
TODAY = date(2026, 11, 22)


def demo(folder: Path) -> Store:
    store = Store.open(folder / "library.json")
    samples = resources.files("readlist") / "samples"
    listings = []
    for name in ("daily-papers-with-metadata.txt", "papers-search-titles-abstracts.txt"):
        with resources.as_file(samples / name) as path:
            listings.append(read_listing(path, today=TODAY).papers)
    store.import_listings(listings)
    hft = paper_id("HFT: Half Fine-Tuning for Large Language Models")
    promptflow = paper_id("PromptFlow: Training Prompts Like Neural Networks")
    masakha = paper_id("MasakhaNEWS: News Topic Classification for African languages")
    store.update(
        [hft],
        lambda a: (
            a.with_tags(["continual", "to-read"])
            .with_rating(4)
            .with_note(
                "**Idea:** freeze half the parameters each round.\n\n- cheap to try on our setup"
            )
        ),
    )
    store.update([promptflow], lambda a: a.with_rating(5).with_read(True).with_tags(["prompting"]))
    store.update([masakha], lambda a: a.with_read(True).with_tags(["datasets"]))
    return store


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = ReadListApp(demo(Path(folder)), copy=lambda text, _t: "", watch_interval=3600)
        async with app.run_test(size=(140, 36)) as pilot:
            await pilot.press("slash", *"tuning", "enter")
            for _ in range(10):
                await pilot.press("j")
            await pilot.pause()
            OUT.parent.mkdir(exist_ok=True)
            app.save_screenshot(str(OUT.name), path=str(OUT.parent))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    asyncio.run(main())
