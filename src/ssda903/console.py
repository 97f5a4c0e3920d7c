"""The console every command prints with: fits a terminal, never cuts what goes to a pipe or a file."""

from __future__ import annotations

from typing import Any

from rich.console import Console, ConsoleDimensions

#: the width of output sent to a pipe or a file: wide enough that nothing is cut or shortened with "…"
PIPE_WIDTH = 10_000


class Output(Console):
    """A Rich console that fits a terminal, and never cuts lines written to a pipe or a file
    (whatever COLUMNS says: a width given here is the only one that counts then)."""

    def __init__(self, *args: Any, width: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, width=width, **kwargs)
        self._given_width = width

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        if self._given_width is not None or self.is_terminal:
            return size
        return ConsoleDimensions(PIPE_WIDTH, size.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size
