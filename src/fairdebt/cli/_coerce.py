"""Typer's parameter coercion without pydantic, for the commands whose start-up is their cost.

Typer coerces every parameter value with a pydantic TypeAdapter it builds on first use — even
the `--help` flag of every command on the way (its value is None when not given, so the
"already a bool" shortcut does not apply). Importing pydantic and building the adapter costs
a `fairdebt gate` about as much CPU as the rest of the command (bench/results.md, startup).
The command classes here give the `--help` flag and path options a plain coercion instead.

How: a Typer parameter keeps the coercion it built in `_runtime_param` and asks it to
`coerce(value, param=, ctx=)`. If a Typer release renames either, these classes change
nothing and the parameters fall back to Typer's own coercion: only start-up slows, and
tests/unit/test_gate_cli.py (which checks that `fairdebt gate` loads no pydantic) fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

from typer._click import Context, Parameter
from typer.core import TyperCommand, TyperGroup


class _Flag:
    """A boolean flag: True when given (Typer does not coerce a bool), None when not."""

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        return value


class _Paths:
    """`list[Path] | None`: each value as a Path, none given as an empty list."""

    def coerce(self, value: Any, param: Any, ctx: Any) -> list[Path]:
        return [Path(v) for v in value or ()]


def _lighten(param: Parameter | None) -> None:
    """Install a plain coercion on `param` if it is a flag or a list of paths."""
    if param is None or getattr(param, "_runtime_param", 0) is not None:
        return  # not a Typer parameter, a Typer that works otherwise, or already set
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    if annotation is bool:
        param._runtime_param = _Flag()  # type: ignore[attr-defined]
    elif annotation == list[Path] or (
        annotation is not None and list[Path] in get_args(annotation)
    ):
        param._runtime_param = _Paths()  # type: ignore[attr-defined]


class LightCommand(TyperCommand):
    """A command whose flags and path options are coerced without pydantic."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            _lighten(param)

    def get_help_option(self, ctx: Context) -> Any:
        option = super().get_help_option(ctx)
        _lighten(option)
        return option


class LightGroup(TyperGroup):
    """A group whose own `--help` is coerced without pydantic (its commands keep their class)."""

    def get_help_option(self, ctx: Context) -> Any:
        option = super().get_help_option(ctx)
        _lighten(option)
        return option
