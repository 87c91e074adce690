"""A typer group that imports a sub-command's module only when that command is used.

So a light command (``netvigil mrt dump``) starts without loading pandas, DuckDB or FastAPI.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, ClassVar

import typer
import typer.main
from typer import _click  # typer 0.29 vendors click: its groups and commands are these classes
from typer.core import MarkupMode, TyperCommand, TyperGroup


@dataclass(frozen=True, slots=True)
class LazyCommand:
    """Where a command lives (``module:attribute``, a Typer or a command function) and its listed help."""

    target: str
    help: str


def load_command(
    name: str, target: str, *, rich_markup_mode: MarkupMode, suggest_commands: bool
) -> _click.Command:
    """Import ``target`` and build its command as ``add_typer`` or ``command`` under ``name`` would."""
    module, _, attribute = target.partition(":")
    obj = getattr(importlib.import_module(module), attribute)
    holder = typer.Typer(rich_markup_mode=rich_markup_mode, suggest_commands=suggest_commands)
    if isinstance(obj, typer.Typer):
        holder.add_typer(obj, name=name)
    else:
        holder.command(name)(obj)
    return typer.main.get_group(holder).commands[name]


class _Commands(MutableMapping[str, _click.Command]):
    """A group's commands by name, lazy ones first in declared order; each is built on first access."""

    def __init__(
        self,
        lazy: Mapping[str, LazyCommand],
        loaded: Mapping[str, _click.Command],
        load: Callable[[str, LazyCommand], _click.Command],
    ) -> None:
        self._lazy = dict(lazy)
        self._loaded = dict(loaded)
        self._load = load

    def __contains__(self, name: object) -> bool:
        return name in self._loaded or name in self._lazy

    def __getitem__(self, name: str) -> _click.Command:
        if name not in self._loaded:
            self._loaded[name] = self._load(name, self._lazy[name])
        return self._loaded[name]

    def __setitem__(self, name: str, command: _click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self._lazy and name not in self._loaded:
            raise KeyError(name)
        self._lazy.pop(name, None)
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._lazy, *self._loaded]))

    def __len__(self) -> int:
        return len(self._lazy.keys() | self._loaded.keys())

    def find(self, name: str) -> _click.Command | None:
        """The command, built now if need be; ``None`` for an unknown name."""
        if name not in self:
            return None
        return self[name]

    def listed(self, name: str) -> _click.Command | None:
        """The command if already built, else a stand-in with its declared help (for help listings)."""
        if name in self._loaded:
            return self._loaded[name]
        if name in self._lazy:
            return TyperCommand(name, help=self._lazy[name].help)
        return None


class LazyGroup(TyperGroup):
    """A TyperGroup whose commands in ``lazy`` are imported when run; its help lists their declared help."""

    lazy: ClassVar[Mapping[str, LazyCommand]] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = self._commands = _Commands(self.lazy, self.commands, self._build)
        self._listing = False

    def _build(self, name: str, command: LazyCommand) -> _click.Command:
        return load_command(
            name,
            command.target,
            rich_markup_mode=self.rich_markup_mode,
            suggest_commands=self.suggest_commands,
        )

    def list_commands(self, ctx: _click.Context) -> list[str]:
        """The command names in declared order, without importing any."""
        return list(self.commands)

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        """The command, imported now if need be; while help is written, a stand-in for unloaded ones."""
        if self._listing:
            return self._commands.listed(cmd_name)
        return self._commands.find(cmd_name)

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        """Write the help, listing commands not yet imported with their declared one-line help."""
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False
