"""What a load did, file by file: the figures `calmline etl` prints and `load_batches` stores."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path


@dataclass
class FileResult:
    """One file of one load. ``rows_read == rows_loaded + rows_rejected`` always."""

    entity: str
    file: str
    format: str
    sha256: str
    size_bytes: int
    status: str = "loaded"
    rows_read: int = 0
    rows_rejected: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    extra_columns: list[str] = field(default_factory=list)
    note: str | None = None

    @property
    def rows_loaded(self) -> int:
        return self.rows_inserted + self.rows_updated + self.rows_unchanged


class FileTotals:
    """Rows read, loaded and rejected summed over a report's ``files`` (FileResult list)."""

    files: list[FileResult]

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)


@dataclass
class LoadReport(FileTotals):
    """The outcome of one ``calmline etl`` run."""

    db: Path
    batch_id: int
    as_of: date
    as_of_source: str
    files: list[FileResult]
    seconds: float = 0.0
    examples: list[tuple[str, int, str | None, str]] = field(default_factory=list)
    """The first rejected rows of this batch: (file, line, column, problems)."""
    notes: list[str] = field(default_factory=list)
    """What the load left out or changed besides the files' rows: files ignored, stored rows
    removed because an earlier ``--as-of`` date no longer covers them."""
