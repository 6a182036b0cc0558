"""Only listings: everyday text that is not a paper listing is refused, pastes always accepted.

The corpus below was written for this test (none of it comes from the parser's own
examples): what a user might hand to `readlist import` by mistake. Each text is refused
with one line that names the input and says what it looks like; shuffling its paragraphs
does not make it a listing. Conversely the real samples and the fixtures, cut, concatenated
and re-spaced, are always accepted.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readlist.errors import ImportFileError
from readlist.importers import read_text

from .conftest import DAILY, SEARCH, TODAY

DATA = Path(__file__).resolve().parent / "data"

CORPUS: dict[str, str] = {
    "shopping list": """Groceries for Saturday

Milk
Eggs (a dozen)
Sourdough bread
Tomatoes
Parmesan
Olive oil
Coffee beans

Don't forget the bin bags.
""",
    "markdown readme": """# fastgrep

A tiny grep clone written in Rust, because we wanted to learn the borrow checker.

## Installation

```sh
cargo install fastgrep
```

## Usage

- `fastgrep PATTERN FILE` searches one file.
- `fastgrep -r PATTERN DIR` searches a directory tree.
- Colours are on by default; use `--no-color` to turn them off.

## Contributing

Pull requests are welcome. Please run `cargo fmt` and `cargo clippy` before sending one.

## License

MIT
""",
    "python file": '''"""Helpers for loading the experiment configuration."""

from __future__ import annotations

import json
from pathlib import Path


class Config:
    """The settings of one run."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.values = json.loads(path.read_text())

    def get(self, key: str, default: object = None) -> object:
        return self.values.get(key, default)


def load(name: str) -> Config:
    return Config(Path("configs") / f"{name}.json")
''',
    "javascript file": """// Debounce a function so it runs at most once per interval.
export function debounce(fn, wait = 200) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
}

const input = document.querySelector("#search");
input.addEventListener("input", debounce((event) => {
  console.log("searching for", event.target.value);
}));
""",
    "csv": """id,title,abstract,year
1,"Attention Is All You Need","The dominant sequence transduction models are based on complex recurrent or convolutional neural networks that include an encoder and a decoder. We propose a new simple network architecture, the Transformer.",2017
2,"BERT","We introduce a new language representation model called BERT, which stands for Bidirectional Encoder Representations from Transformers.",2018
3,"Deep Residual Learning","Deeper neural networks are more difficult to train. We present a residual learning framework to ease the training of networks.",2015
""",
    "e-mail": """From: Maria Keller <maria.keller@example.org>
To: nlp-group@example.org
Subject: Reading group moved to Thursday
Date: Mon, 23 Nov 2026 09:14:02 +0100

Hi all,

This week's reading group moves to Thursday at 3 pm, because the seminar room is booked on Wednesday. We will still discuss the paper on sparse retrieval that Tom suggested.

Please read at least the first two sections before we meet. If you cannot come, send me your questions and I will bring them up.

Best,
Maria

--
Maria Keller
PhD student, Language Technology Lab
""",
    "irc log": """[09:12] <alice> morning all
[09:13] <bob> morning! did the training run finish?
[09:13] <alice> it crashed at step 40k, out of memory again
[09:14] <carol> try gradient checkpointing, it fixed it for me
[09:15] <bob> or halve the batch size and double the accumulation steps
[09:16] <alice> ok, restarting with checkpointing now
""",
    "slack log": """Priya Natarajan  10:02 AM
has anyone got the slides from yesterday's talk?
Tomás García  10:04 AM
I think they are in the shared drive under talks/2026
Priya Natarajan  10:05 AM
found them, thanks!
Ingrid Olsen  10:21 AM
reminder: paper deadline is Friday at noon, please push your sections by Thursday evening
""",
    "blog post": """Why I Stopped Fine-Tuning Everything

For two years my default answer to any new task was to fine-tune a model. It worked, mostly, but it cost me weeks of compute and a growing pile of checkpoints that nobody could tell apart.

What changed my mind was a small project at work. We needed a classifier for support tickets, and a colleague got within two points of my fine-tuned model with a prompt and twenty examples, in an afternoon.

What Prompting Gets Right

Prompts are cheap to change. When the product team renamed three categories, the prompt was updated in minutes, while the fine-tuned model needed new labels and a new run.

Where Fine-Tuning Still Wins

Latency and cost at scale still favour a small tuned model. If you serve millions of requests a day, the arithmetic is different, and I still fine-tune for those cases.

Closing Thoughts

Try the cheap thing first. You can always fine-tune later, once you know what you need.
""",
    "titles only": """Attention Is All You Need
BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding
Deep Residual Learning for Image Recognition
Language Models are Few-Shot Learners
Denoising Diffusion Probabilistic Models
LoRA: Low-Rank Adaptation of Large Language Models
Chain-of-Thought Prompting Elicits Reasoning in Large Language Models
Scaling Laws for Neural Language Models
""",
    "titles with blank lines": """Attention Is All You Need

BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding

Deep Residual Learning for Image Recognition

Language Models are Few-Shot Learners

Denoising Diffusion Probabilistic Models

LoRA: Low-Rank Adaptation of Large Language Models
""",
    "to-do list": """TODO

- [ ] rerun the ablation with three seeds
- [x] fix the tokenizer bug
- [ ] write the related work section
- [ ] ask Wei for the cluster quota
- [ ] book travel for the workshop
""",
    "meeting notes": """Meeting notes, 24 Nov 2026

Attendees: Ana, Wei, Priya, Tomás

Agenda
1. Status of the evaluation harness
2. Compute budget for December
3. Workshop submission

Decisions
- Ana owns the harness refactor, due next Friday.
- We ask for 2,000 more GPU hours.
- The workshop paper goes in with the current results.

Action items
- Wei: send the budget request today.
- Priya: draft the abstract by Wednesday.
""",
    "poem": """The Road Not Taken

Two roads diverged in a yellow wood,
And sorry I could not travel both
And be one traveler, long I stood
And looked down one as far as I could
To where it bent in the undergrowth;

Then took the other, as just as fair,
And having perhaps the better claim,
Because it was grassy and wanted wear;
Though as for that the passing there
Had worn them really about the same,
""",
    "recipe": """Tomato Soup

Serves 4. Takes about 40 minutes.

Ingredients
2 tablespoons olive oil
1 onion, chopped
2 cloves garlic
800 g tinned tomatoes
500 ml vegetable stock
Salt and pepper

Method
1. Soften the onion in the oil over a low heat for ten minutes.
2. Add the garlic and cook for one more minute.
3. Add the tomatoes and the stock and simmer for twenty minutes.
4. Blend until smooth and season to taste.
""",
    "latex file": r"""\documentclass{article}
\usepackage{amsmath}
\title{Notes on Sparse Attention}
\author{Ana Lima}
\begin{document}
\maketitle

\section{Introduction}
Attention over long contexts is expensive. We review methods that make it sparse.

\section{Method}
Let $Q, K, V$ be the query, key and value matrices. Then
\begin{equation}
  \mathrm{Attn}(Q, K, V) = \mathrm{softmax}(QK^\top / \sqrt{d}) V.
\end{equation}

\end{document}
""",
    "log file": """2026-11-24 09:12:01,331 INFO  trainer: starting run sparse-routing-7b
2026-11-24 09:12:04,002 INFO  data: loaded 1,204,331 examples from /data/train
2026-11-24 09:15:40,918 WARNING trainer: loss spike at step 1200 (4.91 -> 7.33)
2026-11-24 09:31:12,550 ERROR trainer: CUDA out of memory. Tried to allocate 2.00 GiB.
2026-11-24 09:31:12,551 INFO  trainer: saving checkpoint to /ckpt/step-1500
""",
    "yaml config": """model:
  name: sparse-routing-7b
  layers: 32
  hidden_size: 4096
training:
  batch_size: 256
  learning_rate: 3.0e-4
  warmup_steps: 2000
data:
  train: /data/train
  eval: /data/eval
""",
    "toml config": """[project]
name = "fastgrep"
version = "0.3.1"
description = "A tiny grep clone"

[tool.ruff]
line-length = 100

[tool.pytest.ini_options]
addopts = "-q"
""",
    "essay": """On Reading Papers

Most of us read too many papers too quickly. We skim the abstract, glance at a figure and move on, and a week later we cannot say what the paper claimed.

A slower habit works better. Read the introduction and the conclusion first, then decide whether the method section deserves an hour. Write two sentences about what you learnt before you close the tab.

The point is not to read less but to remember more. A reading list is only useful if the papers on it change how you think.
""",
}


def refusal(text: str) -> str:
    with pytest.raises(ImportFileError) as caught:
        read_text(text, shown="notes.txt", source="notes.txt", today=TODAY)
    return str(caught.value)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_everyday_text_is_refused_with_one_line_saying_why(name: str) -> None:
    message = refusal(CORPUS[name])
    assert message.startswith("notes.txt: no paper listing found: ")
    assert "\n" not in message
    reason = message.removeprefix("notes.txt: no paper listing found: ")
    # The reason describes the text: what it holds (prose, short lines, code), not "error".
    assert any(word in reason for word in ("prose", "line", "document", "titles")), reason


def _paragraphs(text: str) -> list[str]:
    return [block for block in text.split("\n\n") if block.strip()]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,  # a shuffle can make a listing-shaped text (one paragraph per heading)
)
@given(st.sampled_from(sorted(CORPUS)), st.data())
def test_shuffled_everyday_text_is_still_refused(name: str, data: st.DataObject) -> None:
    blocks = data.draw(st.permutations(_paragraphs(CORPUS[name])))
    separator = data.draw(st.sampled_from(["\n\n", "\n\n\n", "\r\n\r\n", "\n \n"]))
    message = refusal(separator.join(blocks))
    assert message.startswith("notes.txt: no paper listing found: ")
    assert "\n" not in message


# -- the converse: real pastes are always accepted ------------------------------------------

REAL = {
    "daily": DAILY.read_text(encoding="utf-8"),
    "search": SEARCH.read_text(encoding="utf-8"),
    **{path.stem: path.read_text(encoding="utf-8") for path in sorted(DATA.glob("hf-*.txt"))},
}


def _cut_after_first_paper(text: str, at: int) -> str:
    """Cut at `at`, but never before the end of the text's first abstract (the first
    line longer than a title): a paste must hold one whole paper to be a listing."""
    first = next(
        (k + len(line) for k, line in _line_starts(text) if len(line) > 150),
        len(text),
    )
    return text[: max(at, first)]


def _line_starts(text: str) -> list[tuple[int, str]]:
    out, at = [], 0
    for line in text.split("\n"):
        out.append((at, line))
        at += len(line) + 1
    return out


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,  # a shuffle can make a listing-shaped text (one paragraph per heading)
)
@given(
    st.lists(st.sampled_from(sorted(REAL)), min_size=1, max_size=3),
    st.data(),
)
def test_real_pastes_cut_concatenated_and_respaced_are_accepted(
    names: list[str], data: st.DataObject
) -> None:
    parts = []
    for name in names:
        text = REAL[name]
        if data.draw(st.booleans()):
            text = _cut_after_first_paper(text, data.draw(st.integers(0, len(text))))
        parts.append(text)
    text = "\n\n".join(parts)
    gap = data.draw(st.sampled_from(["\n", "\n\n", "\n \n", "\n\t\n"]))
    lines = [line + data.draw(st.sampled_from(["", " ", "\t"])) for line in text.split("\n")]
    text = gap.join(lines).replace("\n", data.draw(st.sampled_from(["\n", "\r\n", "\r"])))
    listing = read_text(text, shown="page.txt", source="page.txt", today=TODAY)
    assert listing.papers
