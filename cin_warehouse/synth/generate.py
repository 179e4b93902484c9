"""`cin generate`: simulate the world, write each census year's raw files, write the truth.

The world (truth) is simulated once, its official measures computed and the truth written;
then the world's tables are let go (the recorder keeps the columns it reads), and each
census year's returns are built, written (NPD and/or XML) and dropped before the next year,
so memory holds the recorder's copy of the world plus one year of returns. The returns'
counts and quirks are added to the truth at the end.

Output folder:
    npd/CIN_<year>.csv, npd/CIN_<year>_Disabilities.csv   the NPD research extract
    xml/<year>/CIN_<year>_<LA>.xml                         LA census returns, 2017-2026
    truth/*.parquet                                        what really happened (truth.py)
"""

from __future__ import annotations

from collections.abc import Callable
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
    # working memory for them never adds to the recorder's and a year's returns.
    progress("computing the official measures from the truth")
    expected = measures.expected_la_year(w, list(settings.census_years), settings)
    release_free_memory()
    recorder = Recorder(w, settings)
    progress("writing the truth")
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
    keys = truth.RecordKeysWriter(out_dir / "truth")
    counts: list[pa.Table] = []
    npd_logs: list[pa.Table] = []
    for year in settings.census_years:
        progress(f"census year {year}")
        returns = recorder.census_year_returns(year)
        returns["child"] = npd_writer.with_anonymised_keys(returns["child"], settings.seed)
        keys.write(truth.record_keys(returns))
        counts.append(truth.return_counts(returns, year))
        if formats in ("npd", "both"):
            lgr = recorder.la_after_2009(returns["child"]) if year == 2009 else None
            paths, log, rows = npd_writer.write_npd_year(
                returns, year, out_dir / "npd", settings, lgr, delimiter
            )
            summary.files.extend(paths)
            summary.npd_rows += rows
            npd_logs.append(log)
        if formats in ("xml", "both") and year >= FIRST_XML_YEAR:
            summary.files.extend(write_xml_returns(returns, out_dir, year))
            summary.xml_children += returns["child"].num_rows
        del returns
        release_free_memory()
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
