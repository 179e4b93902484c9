"""`cin generate`: simulate the world, write each census year's raw files, write the truth.

The world (truth) is simulated once, its official measures computed and the truth written;
then the world's tables are let go (the recorder keeps the columns it reads), and each
census year's returns are built, written (NPD and/or XML) and dropped, so memory holds the
recorder's copy of the world plus two years of returns (one being built, one being
written). The returns' counts and quirks are added to the truth at the end.

Two threads, for the machine's two cores: a worker thread writes the world's tables to
the truth while this thread builds the recorder, then writes each census year's NPD and
XML files while this thread builds the next year's returns (and their anonymised keys, and
the truth's record keys and return counts).
The writing is mostly DuckDB, Arrow and file writes, which release Python's GIL. The
output is the same as with one thread: every random draw is made as it was (the
recorder's stream in this thread, year by year; the NPD damage from its own per-year
stream), and the worker takes the years one at a time, in order.

Output folder:
    npd/CIN_<year>.csv, npd/CIN_<year>_Disabilities.csv   the NPD research extract
    xml/<year>/CIN_<year>_<LA>.xml                         LA census returns, 2017-2026
    truth/*.parquet                                        what really happened (truth.py)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from cin_warehouse.synth import measures, npd_writer, truth, world
from cin_warehouse.synth.config import GeneratorSettings
from cin_warehouse.synth.memory import release_free_memory
from cin_warehouse.synth.recording import Recorder
from cin_warehouse.synth.xml_writer import FIRST_XML_YEAR, write_xml_returns

FORMATS = ("npd", "xml", "both")


@dataclass
class GenerationSummary:
    out_dir: Path
    files: list[Path] = field(default_factory=list)
    npd_rows: int = 0
    xml_children: int = 0
    episodes: int = 0


@dataclass
class _YearWritten:
    """What writing one census year's returns gives back to the generator."""

    files: list[Path]
    npd_log: pa.Table | None = None
    npd_rows: int = 0
    xml_children: int = 0


def generate(
    settings: GeneratorSettings,
    out_dir: Path,
    formats: str = "both",
    delimiter: str = ",",
    progress: Callable[[str], None] = lambda _: None,
) -> GenerationSummary:
    if formats not in FORMATS:
        raise ValueError(f"--format must be one of {', '.join(FORMATS)}, not {formats!r}")
    out_dir = Path(out_dir)
    summary = GenerationSummary(out_dir=out_dir)
    progress("simulating the world")
    w = world.simulate(settings)
    summary.episodes = w.episodes.num_rows
    release_free_memory()
    # The measures come from the truth alone; computed before the recorder exists, DuckDB's
    # working memory for them never adds to the recorder's and a year's returns (so not on
    # the second core beside the recorder: at scale 0.25 that raised the peak from 2.83 to
    # 3.28 GiB, and the recorder's part of it grows with the scale, DuckDB's is capped).
    progress("computing the official measures from the truth")
    expected = measures.expected_la_year(w, list(settings.census_years), settings)
    release_free_memory()
    with _worker() as worker:
        # The world's tables but the identities (Parquet: the GIL released) are written by
        # the worker while this thread builds the recorder (scale 0.25: +0.03 GiB there).
        progress("preparing the returns (the world's tables written beside)")
        world_tables = worker.submit(_write_world_tables, out_dir / "truth", w)
        recorder = Recorder(w, settings)
        progress("writing the truth")
        summary.files.extend(world_tables.result())
        summary.files.extend(
            truth.write_world(
                out_dir / "truth",
                w,
                recorder,
                expected=expected["official"],
                expected_hindsight=expected["hindsight"],
                settings=settings,
            )
        )
        # From here on the recorder's copies of the world's columns are all that is read.
        recorder.release_world()
        del w, expected
        release_free_memory()
        # Each year's returns are built here, in year order (the recorder draws from one
        # random stream across years), and written by the worker while the next year's
        # are built: one year being built and one being written at a time. Scale 0.25:
        # building 19.1 CPU s, writing 36.7 (beside it on an idle core); the census years'
        # peak 1.49 -> 1.64-1.68 GiB (two years held), under the run's 2.8 GiB.
        keys = truth.RecordKeysWriter(out_dir / "truth")
        counts: list[pa.Table] = []
        npd_logs: list[pa.Table] = []
        writing: Future[_YearWritten] | None = None

        def collect(written: _YearWritten) -> None:
            summary.files.extend(written.files)
            if written.npd_log is not None:
                npd_logs.append(written.npd_log)
            summary.npd_rows += written.npd_rows
            summary.xml_children += written.xml_children

        for year in settings.census_years:
            progress(f"census year {year}")
            returns = recorder.census_year_returns(year)
            # The truth's record keys and return counts (and the anonymised keys they
            # read) are made here, not by the worker, which took twice this thread's CPU
            # while this thread waited for it. Scale 0.25, NPD, census years, CPU s of
            # each thread: this thread 20.9, 19.3 -> 30.5, 32.7; the worker 40.2, 38.0 ->
            # 24.7, 26.1 (the longer of the two, the census years' wall on two idle cores:
            # means 39.1 -> 31.6, -19%). The keys' Parquet write releases the GIL.
            returns["child"] = npd_writer.with_anonymised_keys(returns["child"], settings.seed)
            keys.write(truth.record_keys(returns))
            counts.append(truth.return_counts(returns, year))
            npd = formats in ("npd", "both")
            lgr = recorder.la_after_2009(returns["child"]) if npd and year == 2009 else None
            if writing is not None:
                collect(writing.result())
            writing = worker.submit(
                _write_year, returns, year, lgr, out_dir, settings, formats, delimiter
            )
            del returns
            # The previous year's returns, freed by the worker, were allocated here.
            release_free_memory()
        progress("finishing the last year's files and the returns' truth")
        if writing is not None:
            collect(writing.result())
    summary.files.append(keys.close())
    summary.files.extend(
        truth.write_returns_truth(
            out_dir / "truth",
            recorder,
            return_counts=pa.concat_tables(counts),
            npd_quirks=npd_logs,
        )
    )
    return summary


def _write_world_tables(out_dir: Path, w: world.World) -> list[Path]:
    written = truth.write_world_tables(out_dir, w)
    release_free_memory()  # (Arrow's free pages are per thread: this thread's)
    return written


def _write_year(
    returns: dict[str, pa.Table],
    year: int,
    lgr: pa.Table | None,
    out_dir: Path,
    settings: GeneratorSettings,
    formats: str,
    delimiter: str,
) -> _YearWritten:
    """Write one census year's returns (anonymised keys already appended): the NPD files
    and/or the XML returns."""
    written = _YearWritten(files=[])
    if formats in ("npd", "both"):
        paths, written.npd_log, written.npd_rows = npd_writer.write_npd_year(
            returns, year, out_dir / "npd", settings, lgr, delimiter
        )
        written.files.extend(paths)
    if formats in ("xml", "both") and year >= FIRST_XML_YEAR:
        written.files.extend(write_xml_returns(returns, out_dir, year))
        written.xml_children = returns["child"].num_rows
    release_free_memory()  # (Arrow's free pages are per thread: this thread's)
    return written


@contextmanager
def _worker() -> Iterator[ThreadPoolExecutor]:
    """One worker thread for the block. If the block raises (an error, or Ctrl-C), the
    worker's queued task is dropped and its running task (a census year's writing: seconds
    at scale 1) waited for: no thread outlives the block, and the block's own error is the
    one raised. A worker's error reaches this thread, with its traceback, through
    `Future.result()`."""
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cin-generate")
    try:
        yield worker
    except BaseException:
        worker.shutdown(wait=True, cancel_futures=True)
        raise
    worker.shutdown(wait=True)
