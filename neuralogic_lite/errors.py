"""One exception family for every mistake the library reports on purpose.

Library code raises these and never prints; the CLI prints ``str(error)`` and exits 1.
"""
from __future__ import annotations

import linecache
from dataclasses import dataclass

#: The most characters of a source line an error quotes: a statement may be megabytes long on
#: one line, and only the part around the mistake helps.
QUOTE_WIDTH = 160


def clip(text: str, column: int = 1, width: int = QUOTE_WIDTH) -> tuple[str, int]:
    """At most ``width`` characters of ``text`` around ``column`` (1-based), with '...' where
    it was cut, and the column's place in what is kept."""
    if len(text) <= width:
        return text, column
    start = max(0, min(column - 1 - width // 2, len(text) - width))
    head = "..." if start else ""
    tail = "..." if start + width < len(text) else ""
    return head + text[start:start + width] + tail, column - start + len(head)


@dataclass(frozen=True)
class Location:
    """Where something is in a source file (1-based line and column)."""

    file: str | None
    line: int
    column: int
    line_text: str | None = None

    def __str__(self) -> str:
        return f"{self.file or '<text>'}:{self.line}:{self.column}"

    def source_line(self) -> str | None:
        """The text of the line, given or read back from the file."""
        if self.line_text is not None:
            return self.line_text
        if self.file:
            return linecache.getline(self.file, self.line).rstrip("\r\n") or None
        return None

    def excerpt(self) -> str:
        """The source line around the column, with a caret under it ("" when the line is unknown)."""
        line = self.source_line()
        if line is None:
            return ""
        text, column = clip(line.expandtabs(1).rstrip(), self.column)
        return f"    {text}\n    {' ' * (column - 1)}^"


class NeuraLogicLiteWarning(UserWarning):
    """Something legal but probably unintended (the CLI prints these as 'warning: ...')."""


class NeuraLogicLiteError(Exception):
    """Base class: a clear message, optionally a source location and the offending rule."""

    def __init__(self, message: str, location: Location | None = None, rule: str | None = None):
        super().__init__(message)
        self.message = message
        self.location = location
        self.rule = rule

    def __str__(self) -> str:
        parts = [f"{self.location}: {self.message}" if self.location else self.message]
        if self.location is not None and self.location.excerpt():
            parts.append(self.location.excerpt())
        if self.rule:
            parts.append(f"    in: {self.rule}")
        return "\n".join(parts)


class SettingError(NeuraLogicLiteError):
    """A setting outside what it accepts; ``setting`` names it, ``problem`` says what it accepts."""

    def __init__(self, setting: str, value, problem: str):
        super().__init__(f"setting {setting}: {value!r} {problem}")
        self.setting, self.value, self.problem = setting, value, problem


class ParseError(NeuraLogicLiteError):
    """The text is not valid NeuraLogic syntax (always carries a location)."""


class InputError(NeuraLogicLiteError):
    """Files that cannot be read or paired: missing files, import cycles, sample layouts."""


class OutputError(NeuraLogicLiteError):
    """Results or models that could not be written (the message says where they went instead)."""


class TemplateError(NeuraLogicLiteError):
    """A well-formed template that means nothing: arity clashes, shapes, unknown functions."""


class GroundingError(NeuraLogicLiteError):
    """Grounding failed: an underivable query, an unstratifiable negation."""


class MemoryLimitError(NeuraLogicLiteError):
    """A template would make more than the memory limit allows: a huge weight, an exploding grounding."""


class NetworkError(NeuraLogicLiteError):
    """The neural network cannot be built or run: a cycle, a shape mismatch at run time."""


class TrainingError(NeuraLogicLiteError):
    """Learning went wrong: a NaN loss, an empty training set."""


class ClusterError(NeuraLogicLiteError):
    """The cluster could not be reached, or a shard failed on a worker (named in the message)."""


class ReferenceEngineError(NeuraLogicLiteError):
    """The reference engine could not be run: not installed, or its worker process crashed,
    timed out or answered garbage (a case it refuses is a result, not this)."""
