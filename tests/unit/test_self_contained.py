"""The repository speaks of itself alone: what ships cites the law, a standard or its own docs.

Every text file of the installed package (src/fairdebt: code, YAML, templates, schemas), every
page of docs/, README.md and bench/README.md is scanned for references to documents the
repository does not contain — the planning documents, a `contracts/` folder, a `../shared`
folder, numbered issues, the "seed" articles rules were first drawn from, "the lead" — and for
mentions of docs pages that do not exist. A hit fails with file:line and the text.

"seed" in the random-number sense (`--seed`, `seed=7`, "deterministic per seed", "seed 0") is
legitimate and not matched: only the source-article forms are ("seed 001", "seed article",
"seed claim", "the seed's", "seeds").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = [
    ROOT / "src" / "fairdebt",
    ROOT / "docs",
    ROOT / "README.md",
    ROOT / "bench" / "README.md",
]

FORBIDDEN = {
    "a planning document": re.compile(r"\b(RULES|PRODUCT|ARCHITECTURE|STYLE)\.md\b"),
    "a contracts/ folder": re.compile(r"\bcontracts/"),
    "a ../shared folder": re.compile(r"\.\./shared\b|/work/shared\b"),
    "an issue number": re.compile(r"\bissues? #?\d", re.IGNORECASE),
    "a source article called a seed": re.compile(
        r"\bseeds\b|\bseed[- ](articles?|claims?)\b|\bseed 0\d+\b|\bseed's\b", re.IGNORECASE
    ),
    "the lead": re.compile(r"\bthe lead\b", re.IGNORECASE),
}
PACKAGE_FILE = re.compile(
    r"(?:^|[\s`(])(?:src/)?(fairdebt/[\w/.-]+\.(?:py|yaml|json|csv|md|html|j2))"
)
DOCS_PAGE = re.compile(r"(?<![\w/.-])docs/[\w./-]+\.md\b")


def _files() -> Iterator[Path]:
    for entry in SCANNED:
        paths = [entry] if entry.is_file() else sorted(entry.rglob("*"))
        for path in paths:
            if path.is_file() and "__pycache__" not in path.parts:
                yield path


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError:  # images and other binary files
        return
    yield from enumerate(text.splitlines(), start=1)


def _hits(rules: dict[str, re.Pattern[str]]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{number}: {what}: {line.strip()[:120]}"
        for path in _files()
        for number, line in _lines(path)
        for what, pattern in rules.items()
        if pattern.search(line)
    ]


def test_shipped_files_cite_nothing_outside_the_repository() -> None:
    hits = _hits(FORBIDDEN)
    assert not hits, "references to documents the repository does not hold:\n" + "\n".join(hits)


def test_every_docs_page_a_shipped_file_names_exists() -> None:
    missing = [
        f"{path.relative_to(ROOT)}:{number}: {page}"
        for path in _files()
        for number, line in _lines(path)
        for page in DOCS_PAGE.findall(line)
        if not (ROOT / page).is_file()
    ]
    assert not missing, "docs pages that do not exist:\n" + "\n".join(missing)


def test_every_package_file_a_shipped_file_names_exists() -> None:
    """A hint or a doc that points at a file of the package names one the package holds."""
    missing = [
        f"{path.relative_to(ROOT)}:{number}: {name}"
        for path in _files()
        for number, line in _lines(path)
        for name in PACKAGE_FILE.findall(line)
        if not (ROOT / "src" / name).is_file()
    ]
    assert not missing, "package files that do not exist:\n" + "\n".join(missing)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("see RULES.md CN-RATE-29", True),
        ("(PRODUCT.md §6)", True),
        ("see contracts/gate-request.schema.json", True),
        ("`../shared/contracts/legal.md`", True),
        ("strategy runs and plans (issue 4)", True),
        ("“at least two” per seed 001", True),
        ("seed claim, unverified", True),
        ("the seed articles' advice", True),
        ("the lead linearises the two", True),
        ("fairdebt generate --seed 7", False),
        ("deterministic per seed", False),
        ("5,000 generated accounts (seed 0)", False),
        ("rng = np.random.default_rng([seed, 0x9001])", False),
        ("block i draws from its own random stream seeded from (seed, i)", False),
        ("docs/packs/cn-sources.md", False),
    ],
)
def test_the_scanner_tells_outside_references_from_legitimate_words(text: str, found: bool) -> None:
    assert any(p.search(text) for p in FORBIDDEN.values()) is found
