"""Errors the loader raises: one line a user can act on (file, line or element, problem)."""

from __future__ import annotations

from pathlib import Path


class LoadError(Exception):
    """A file that cannot be landed. Nothing of it is in the database."""

    def __init__(self, path: Path | str, problem: str, where: str | None = None) -> None:
        self.path = Path(path)
        self.problem = problem
        self.where = where
        super().__init__(f"{path}: {where}: {problem}" if where else f"{path}: {problem}")

    def __reduce__(self) -> tuple[type[LoadError], tuple[Path, str, str | None]]:
        # Pickled whole (a worker process that reads a return sends its error back).
        return (LoadError, (self.path, self.problem, self.where))
