"""`python -m cin_warehouse.codegen [--check]`: see the package docstring."""

from __future__ import annotations

import argparse
import sys

from cin_warehouse.codegen import REPO_DIR, generated_files, npd_staging, out_of_date


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cin_warehouse.codegen",
        description="Regenerate the files written from the seeds (staging models, YAML, docs).",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; list the files that differ and exit 1 if there are any",
    )
    args = parser.parse_args(argv)
    if args.check:
        stale = out_of_date()
        for path in stale:
            print(f"out of date: {path.relative_to(REPO_DIR)}")
        if stale:
            print("run: python -m cin_warehouse.codegen", file=sys.stderr)
        return 1 if stale else 0
    written = 0
    for path, text in generated_files().items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(REPO_DIR)}")
            written += 1
    for path in npd_staging.stale_files():
        path.unlink()
        print(f"deleted {path.relative_to(REPO_DIR)} (not a census year)")
        written += 1
    print(f"{written} file(s) changed" if written else "every generated file is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
