"""`cin generate` on two threads: a worker's error reaches the caller with its traceback,
an error (or Ctrl-C) in the generator's own thread stops the worker, and at most one census
year is built and one written at a time."""

from __future__ import annotations

import threading
import traceback
from pathlib import Path
from typing import Any

import pytest

from cin_warehouse.synth import generate as gen
from cin_warehouse.synth import npd_writer, truth
from cin_warehouse.synth.config import GeneratorSettings
from cin_warehouse.synth.recording import Recorder

YEARS = (2009, 2010, 2011, 2012)
SETTINGS = GeneratorSettings(scale=0.01, la_codes=("202",), census_years=YEARS, seed=3)


class PatchedError(Exception):
    """The error a patched step raises."""


def _workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("cin-generate")]


@pytest.mark.parametrize("year", [2009, 2011, 2012])
def test_an_error_writing_a_year_reaches_the_caller_with_its_traceback(
    year: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker writes the years; the error of the first, a middle and the last year
    (the last is collected after the loop) is raised in the caller's thread, with the
    frame that raised it, and no later year is written."""
    real = npd_writer.write_npd_year

    def write_npd_year(returns: Any, census_year: int, *args: Any) -> Any:
        if census_year == year:
            raise PatchedError(f"writing {census_year}")
        return real(returns, census_year, *args)

    monkeypatch.setattr(npd_writer, "write_npd_year", write_npd_year)
    with pytest.raises(PatchedError, match=f"writing {year}") as raised:
        gen.generate(SETTINGS, tmp_path, formats="npd")
    frames = [frame.name for frame in traceback.extract_tb(raised.value.__traceback__)]
    assert frames[-2:] == ["_write_year", "write_npd_year"]
    assert sorted(p.name for p in (tmp_path / "npd").glob("CIN_????.csv")) == [
        f"CIN_{y}.csv" for y in YEARS if y < year
    ]
    assert not _workers()


def test_an_error_writing_the_world_tables_reaches_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker writes the world's tables while this thread builds the recorder."""

    def write_world_tables(*args: Any) -> Any:
        raise PatchedError("world tables")

    monkeypatch.setattr(truth, "write_world_tables", write_world_tables)
    with pytest.raises(PatchedError, match="world tables") as raised:
        gen.generate(SETTINGS, tmp_path, formats="npd")
    frames = [frame.name for frame in traceback.extract_tb(raised.value.__traceback__)]
    assert frames[-2:] == ["_write_world_tables", "write_world_tables"]
    assert not (tmp_path / "npd").exists()  # stopped before any census year
    assert not _workers()


@pytest.mark.parametrize("error", [PatchedError, KeyboardInterrupt])
def test_an_error_building_a_year_stops_the_worker(
    error: type[BaseException], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error (or Ctrl-C) while this thread builds 2011's returns: 2009 was written, 2010
    is written if its writing had begun (dropped if still queued), nothing later; the
    error raised is this thread's, and the worker thread has ended."""
    real = Recorder.census_year_returns

    def census_year_returns(self: Recorder, census_year: int) -> Any:
        if census_year == 2011:
            raise error("building 2011")
        return real(self, census_year)

    monkeypatch.setattr(Recorder, "census_year_returns", census_year_returns)
    with pytest.raises(error, match="building 2011"):
        gen.generate(SETTINGS, tmp_path, formats="npd")
    written = sorted(p.name for p in (tmp_path / "npd").glob("CIN_????.csv"))
    assert written in (["CIN_2009.csv"], ["CIN_2009.csv", "CIN_2010.csv"])
    assert not _workers()


def test_one_year_built_and_one_written_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each year's returns are built in year order in the caller's thread, written in year
    order in the worker, and year N+2 is built only once year N is written (so at most two
    years' returns are held); progress is reported from the caller's thread only."""
    events: list[tuple[str, int, str]] = []
    real_build, real_write = Recorder.census_year_returns, gen._write_year

    def census_year_returns(self: Recorder, census_year: int) -> Any:
        events.append(("build", census_year, threading.current_thread().name))
        return real_build(self, census_year)

    def write_year(returns: Any, year: int, *args: Any) -> Any:
        events.append(("write", year, threading.current_thread().name))
        written = real_write(returns, year, *args)
        events.append(("written", year, threading.current_thread().name))
        return written

    messages: list[tuple[str, str]] = []
    monkeypatch.setattr(Recorder, "census_year_returns", census_year_returns)
    monkeypatch.setattr(gen, "_write_year", write_year)
    summary = gen.generate(
        SETTINGS,
        tmp_path,
        formats="npd",
        progress=lambda m: messages.append((m, threading.current_thread().name)),
    )
    main = threading.current_thread().name
    assert [m for m, _ in messages] == [
        "simulating the world",
        "computing the official measures from the truth",
        "preparing the returns (the world's tables written beside)",
        "writing the truth",
        *(f"census year {y}" for y in YEARS),
        "finishing the last year's files and the returns' truth",
    ]
    assert {thread for _, thread in messages} == {main}
    assert [(y, t == main) for e, y, t in events if e == "build"] == [(y, True) for y in YEARS]
    assert [(y, t != main) for e, y, t in events if e == "write"] == [(y, True) for y in YEARS]
    where = {(e, y): i for i, (e, y, _) in enumerate(events)}
    for year in YEARS:
        assert where["build", year] < where["write", year]
        if year + 2 in YEARS:
            assert where["written", year] < where["build", year + 2]
    assert summary.npd_rows > 0
    # the summary lists every file written, each once (the worker's years and truth included)
    assert sorted(summary.files) == sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert not _workers()
