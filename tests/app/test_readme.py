"""README.md and the catalogue agree: the command table lists every command the CLI
registers (and nothing else), and the indicator counts it states are the declared ones
(``features/schemes.py`` SCHEMES, as ``xinping features catalog`` prints them).

Other streams add and rename commands and indicators: the failure messages say which
README line to change, and to what.
"""

from __future__ import annotations

import re
from pathlib import Path

import typer.main
from typer.testing import CliRunner

from app.cli import cli
from features.schemes import SCHEMES

README = Path(__file__).resolve().parents[2] / "README.md"


def _section(text: str, heading: str) -> str:
    """The lines of README under ``heading`` up to the next heading of its level or above."""
    level = len(heading) - len(heading.lstrip("#"))
    lines = text.splitlines()
    start = lines.index(heading) + 1
    out = []
    for line in lines[start:]:
        m = re.match(r"(#+) ", line)
        if m and len(m.group(1)) <= level:
            break
        out.append(line)
    return "\n".join(out)


def registered() -> set[tuple[str, ...]]:
    """Every command path ``xinping --help`` leads to (groups are walked to their leaves)."""
    paths: set[tuple[str, ...]] = set()

    def walk(command, path: tuple[str, ...]) -> None:  # typer's click: no public Group type
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in subs.items():
                if not getattr(sub, "hidden", False):
                    walk(sub, (*path, name))
        else:
            paths.add(path)

    walk(typer.main.get_command(cli), ())
    return paths


def documented() -> dict[tuple[str, ...], str]:
    """Command path → the README's spelling, for every command in the command table."""
    section = _section(README.read_text(encoding="utf-8"), "## What works today")
    # the first table of the section is the command table
    rows = re.search(r"^\| Command \|.*?(?=^\s*$)", section, re.M | re.S)
    assert rows, "README.md '## What works today' has no '| Command | … |' table"
    found: dict[tuple[str, ...], str] = {}
    for row in rows.group(0).splitlines():
        if not row.startswith("| `"):
            continue
        first = row.split(" | ")[0]
        for code in re.findall(r"`([^`]+)`", first):
            words = code.removeprefix("xinping ").split()
            path = []
            for word in words:  # the command's words end at its first argument or option
                if not re.fullmatch(r"[a-z][a-z-]*", word):
                    break
                path.append(word)
            found[tuple(path)] = code
    return found


def test_the_command_table_lists_every_registered_command() -> None:
    shown = documented()
    missing = sorted(" ".join(p) for p in registered() - set(shown))
    assert not missing, (
        "README.md '## What works today' has no row for: "
        + ", ".join(f"xinping {m}" for m in missing)
        + ". Add a row `| `xinping <command> …` | what it does |` for each."
    )


def test_the_command_table_lists_no_command_that_does_not_exist() -> None:
    shown = documented()
    extra = sorted(shown[p] for p in set(shown) - registered())
    assert shown and not extra, (
        "README.md '## What works today' lists commands the CLI does not register: "
        + "; ".join(f"`{e}`" for e in extra)
        + ". Rename or remove those rows."
    )


def stated_counts() -> dict[str, int]:
    """Scheme → indicators, from the README's indicator table (``| `key` | n | … |``)."""
    section = _section(README.read_text(encoding="utf-8"), "### Indicators (`features/`)")
    return {
        m.group(1): int(m.group(2))
        for m in re.finditer(r"^\| `([a-z_]+)` \| (\d+) \|", section, re.M)
    }


def catalogue_counts() -> dict[str, int]:
    """Scheme → indicators, as ``xinping features catalog`` prints them."""
    out = CliRunner().invoke(cli, ["features", "catalog"])
    assert out.exit_code == 0, out.output
    counts: dict[str, int] = {}
    scheme = None
    for line in out.output.splitlines():
        head = re.match(r"## `([a-z_]+)`", line)
        if head:
            scheme = head.group(1)
            counts[scheme] = 0
        elif scheme and re.match(r"\| \d+ \| `", line):
            counts[scheme] += 1
    return counts


def test_the_catalogue_prints_every_declared_indicator() -> None:
    declared = {k: len(s.indicators) for k, s in SCHEMES.items()}
    assert catalogue_counts() == declared


def test_the_readme_states_the_declared_indicator_counts() -> None:
    declared = {k: len(s.indicators) for k, s in SCHEMES.items()}
    stated = stated_counts()
    wrong = [
        f"`{k}`: README says {stated.get(k, 'nothing')}, the declarations have {n}"
        for k, n in declared.items()
        if stated.get(k) != n
    ]
    wrong += [
        f"`{k}`: README lists a scheme that is not declared" for k in stated if k not in declared
    ]
    assert not wrong, (
        "README.md '### Indicators (`features/`)' table disagrees with "
        "features/schemes.py (xinping features catalog): "
        + "; ".join(wrong)
        + ". Change the row '| `<scheme>` | <n> | …' to the declared count."
    )


def test_adding_a_scheme_names_the_files_the_registry_reads() -> None:
    """The "Adding a scheme" section names every file of a scheme folder the registry reads."""
    from features import registry

    section = _section(README.read_text(encoding="utf-8"), "### Adding a scheme (a scheme folder)")
    for name in (registry.DECLARATION_FILE, "scale.toml", "spec.toml", "generator.toml"):
        assert f"`{name}`" in section, f"README 'Adding a scheme' does not name {name}"
    assert "[schemes]" in section and "folders" in section
