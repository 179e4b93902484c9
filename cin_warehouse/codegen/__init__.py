"""Files written from the seeds, never by hand: one command regenerates them all.

    python -m cin_warehouse.codegen           # rewrite every generated file
    python -m cin_warehouse.codegen --check   # exit 1 and list the files that differ

Owned files: the NPD per-year staging models and their YAML, the NPD variable doc blocks and
the census-year macro (`npd_staging`), the raw-layer source YAMLs
(`cin_warehouse.ingest.sources_yaml`), and DATA_QUALITY.md's table of DfE rules
(`cin_warehouse.dfe_rules_doc`, from the ref_dfe_rules seed). tests/python/codegen fails
when a committed file differs from what this writes.
"""

from __future__ import annotations

from pathlib import Path

from cin_warehouse import dfe_rules_doc
from cin_warehouse.codegen import npd_staging
from cin_warehouse.codegen.npd_staging import REPO_DIR
from cin_warehouse.ingest import sources_yaml

__all__ = ["REPO_DIR", "generated_files", "out_of_date"]


def generated_files() -> dict[Path, str]:
    """Every generated file of the repository, with the text it must have."""
    files = npd_staging.generated_files()
    files[sources_yaml.NPD_SOURCES] = sources_yaml.npd_sources()
    files[sources_yaml.XML_SOURCES] = sources_yaml.xml_sources()
    files[dfe_rules_doc.DOC] = dfe_rules_doc.rewrite(dfe_rules_doc.DOC.read_text(encoding="utf-8"))
    return files


def out_of_date() -> list[Path]:
    """Generated files whose committed text differs, and per-year models of no census year."""
    differing = [
        path
        for path, text in generated_files().items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    return sorted(differing + npd_staging.stale_files())
