"""The error a load stops on: one file that cannot be used at all."""

from __future__ import annotations

from pathlib import Path


class LoadError(Exception):
    """A file that cannot be used at all; the whole load stops and the database is untouched.

    Parameters
    ----------
    path : Path
        The file at fault.
    problem : str
        What is wrong, in words a data owner can act on.
    line, column : int, optional
        Where, when known (1-based).
    """

    def __init__(self, path: Path | str, problem: str, *, line: int | None = None,
                 column: int | None = None) -> None:
        self.path = Path(path)
        self.problem = problem
        self.line = line
        self.column = column
        where = str(self.path)
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {problem}")
