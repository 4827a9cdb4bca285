"""Errors that point at a place in an input file."""

from __future__ import annotations


class LocatedError(ValueError):
    """A problem at a place in a file. ``str()`` reads
    ``<file>, line <n>, field '<field>': <what was expected and found>``
    (line and field are left out when they do not apply)."""

    def __init__(self, path: str, line: int | None, field_name: str | None, message: str):
        self.path, self.line, self.field, self.message = path, line, field_name, message
        where = path
        if line is not None:
            where += f", line {line}"
        if field_name:
            where += f", field '{field_name}'"
        super().__init__(f"{where}: {message}")
