"""Rendering helpers: Rich on a terminal, plain text in pipes, JSON for scripts."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


def is_terminal() -> bool:
    return sys.stdout.isatty()


def console() -> Console:
    from rich.console import Console

    if is_terminal():
        return Console(highlight=False)
    # In a pipe nothing should be cut to an imagined 80 columns.
    return Console(highlight=False, soft_wrap=True, width=1_000)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def rupiah(amount: int | None) -> str:
    return "-" if amount is None else f"{amount:,}"
