"""The benchmark suite runs the commands users type, and reads growth honestly.

``bench/commands.py`` runs each ``xinping`` command as a process: if a command's
name or one of its options changed, the suite would time an error. Each argument
list is parsed here by the real command-line parser (nothing runs).
"""

from __future__ import annotations

import pytest
import typer

from app.cli import cli
from bench.commands import commands
from bench.suite import growth_exponent


def _parse(argv: tuple[str, ...]):
    """Parse ``argv`` as ``xinping`` would, down to the command it names; return that
    command (nothing runs). Typer ships its own Click, so groups are told by their
    ``get_command``."""
    cmd = typer.main.get_command(cli)
    ctx = cmd.make_context("xinping", [], resilient_parsing=True)
    args = list(argv)
    while hasattr(cmd, "get_command"):
        name, args = args[0], args[1:]
        sub = cmd.get_command(ctx, name)
        assert sub is not None, f"no command {name!r} in {argv}"
        cmd = sub
        if hasattr(cmd, "get_command"):
            ctx = cmd.make_context(name, [], parent=ctx, resilient_parsing=True)
    cmd.make_context(name, args, parent=ctx)  # strict: an unknown option raises
    return cmd


@pytest.mark.parametrize(
    ("name", "argv"), commands("2026-10-31", ("enterprise", "household")), ids=lambda x: str(x)
)
def test_every_benchmarked_command_parses_as_the_cli_reads_it(name: str, argv) -> None:
    cmd = _parse(argv)
    assert cmd.name == name.split()[-1] or name.startswith("train ")


def test_a_renamed_option_would_fail_the_parse() -> None:
    with pytest.raises(Exception, match="as_of"):
        _parse(("score", "--subject", "all", "--as_of", "2026-10-31"))


def test_growth_exponent_reads_linear_quadratic_and_flat() -> None:
    sizes = [1e6, 4e7, 1.2e8]
    assert growth_exponent(sizes, [2.0 * s for s in sizes]) == pytest.approx(1.0)
    assert growth_exponent(sizes, [3e-9 * s * s for s in sizes]) == pytest.approx(2.0)
    assert growth_exponent(sizes, [5.0, 5.0, 5.0]) == pytest.approx(0.0, abs=1e-12)
