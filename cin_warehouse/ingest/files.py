"""Finding raw files, telling what they are, and one streaming pass over their bytes.

The pass computes what every later step needs without holding the file in memory: the
sha256 of the bytes as delivered, the size, whether the text is UTF-8 (or else
Windows-1252, which DfE and LA systems often export), the number of physical lines and
whether the last line ends with a line break (a missing one on a broken last line means a
truncated file).
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

from cin_warehouse.ingest.errors import LoadError

CHUNK = 8 * 1024 * 1024
# NPD yearly files: CIN_2017.csv, CIN_2017_Disabilities.txt, optionally gzipped.
NPD_NAME = re.compile(
    r"^CIN_(?P<year>\d{4})(?P<disabilities>_Disabilities)?\.(?P<ext>csv|txt)(\.gz)?$",
    re.IGNORECASE,
)
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
XML_SUFFIXES = (".xml",)

Progress = Callable[[int], None]


@dataclass(frozen=True)
class RawFile:
    """A file to land: its path and what kind of extract it is (from its name)."""

    path: Path
    format: str  # "npd" (flat text) or "xml" (LA census return)
    is_gzip: bool

    @property
    def inner_name(self) -> str:
        """The file name without a trailing `.gz`."""
        return self.path.name[:-3] if self.is_gzip else self.path.name


@dataclass
class Scan:
    """What one pass over the (decompressed) bytes found."""

    sha256: str
    size_bytes: int
    encoding: str  # "utf-8" or "windows-1252"
    first_non_utf8_line: int | None
    line_count: int  # physical lines; a last line without a line break counts
    ends_with_newline: bool = True
    empty: bool = False


def classify(path: Path, kind: str | None = None) -> RawFile:
    """Tell an NPD text file from an XML return by its name (or by `kind`, when the user
    says what the file is); anything else is an error."""
    is_gzip = path.name.lower().endswith(".gz")
    inner = path.name[:-3] if is_gzip else path.name
    suffix = Path(inner).suffix.lower()
    if kind is not None:
        return RawFile(path, kind, is_gzip)
    if suffix in TEXT_SUFFIXES:
        return RawFile(path, "npd", is_gzip)
    if suffix in XML_SUFFIXES:
        return RawFile(path, "xml", is_gzip)
    raise LoadError(path, NOT_AN_EXTRACT)


NOT_AN_EXTRACT = "not a CIN extract (expected .csv, .txt, .tsv or .xml, optionally .gz)"
NOT_A_CIN_NAME = "name does not look like a CIN file: use `--kind npd` or name it CIN_<year>.csv"


@dataclass(frozen=True)
class Skipped:
    """A file in a folder that `cin load` leaves alone, and why (always reported)."""

    path: Path
    reason: str


def _skip_reason(path: Path) -> str | None:
    """Why a file found in a folder is not landed: only NPD `CIN_<year>…` names and XML
    returns are taken from folders (a folder also holds notes, code lists, other extracts)."""
    name = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    if NPD_NAME.match(path.name) or name.lower().endswith(XML_SUFFIXES):
        return None
    if name.lower().endswith(TEXT_SUFFIXES):
        return NOT_A_CIN_NAME
    return NOT_AN_EXTRACT


def find_files(paths: list[Path], kind: str | None = None) -> tuple[list[RawFile], list[Skipped]]:
    """Files named directly, plus every file found recursively in folders, in a stable
    order: those to land and those skipped (with the reason). With `kind` every file is
    landed as that kind, whatever its name."""
    found: list[RawFile] = []
    skipped: list[Skipped] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            candidates = sorted(p for p in path.rglob("*") if p.is_file())
        elif path.exists():
            candidates = [path]
        else:
            raise LoadError(path, "no such file or folder")
        for candidate in candidates:
            resolved = candidate.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            reason = _skip_reason(candidate) if path.is_dir() and kind is None else None
            if reason is not None:
                skipped.append(Skipped(candidate, reason))
            else:
                found.append(classify(candidate, kind))
    return found, skipped


class CountingReader:
    """Wraps a binary stream and reports the bytes read (drives the progress bar)."""

    def __init__(self, raw: BinaryIO, progress: Progress | None) -> None:
        self._raw = raw
        self._progress = progress

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        if self._progress is not None and data:
            self._progress(len(data))
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        """The raw stream's seek: gzip.GzipFile asks its file object for one (it reads
        forward only, so the byte count stays that of the file)."""
        return self._raw.seek(offset, whence)


def open_binary(raw_file: RawFile) -> BinaryIO:
    """The decompressed bytes of the file."""
    handle: BinaryIO = open(raw_file.path, "rb")  # noqa: SIM115 - returned to the caller
    if raw_file.is_gzip:
        # A GzipFile reads and closes like any binary file; typeshed does not declare it one.
        return cast(BinaryIO, gzip.GzipFile(fileobj=handle, mode="rb"))
    return handle


def _chunks(raw_file: RawFile) -> Iterator[bytes]:
    try:
        with open_binary(raw_file) as handle:
            while chunk := handle.read(CHUNK):
                yield chunk
    except EOFError as error:
        raise LoadError(
            raw_file.path, "truncated gzip file (compressed stream ends early)"
        ) from error
    except (gzip.BadGzipFile, zlib.error) as error:
        raise LoadError(raw_file.path, f"unreadable gzip file ({error})") from error
    except OSError as error:
        raise LoadError(raw_file.path, f"unreadable file ({error.strerror or error})") from error


def sha256_and_size(path: Path) -> tuple[str, int]:
    """Hash of the bytes as delivered (compressed if gzipped): what makes a file 'the same'."""
    digest = hashlib.sha256()
    size = 0
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except OSError as error:
        raise LoadError(path, f"unreadable file ({error.strerror or error})") from error
    return digest.hexdigest(), size


def scan(raw_file: RawFile, *, text: bool) -> Scan:
    """One pass over the decompressed bytes (see the module docstring).

    `text=True` (NPD): a file that is not UTF-8 is called Windows-1252 here; the NPD
    landing rejects the lines that are neither (one bad byte should not cost the file).
    An XML return is refused whole if it is neither.
    """
    sha256, size = sha256_and_size(raw_file.path)
    utf8 = codecs.getincrementaldecoder("utf-8")()
    is_utf8 = True
    first_bad_line: int | None = None
    lines_before = 0  # line breaks seen before the current chunk
    total = 0
    last_byte = b""
    first_bytes = b""
    for chunk in _chunks(raw_file):
        total += len(chunk)
        if not first_bytes:
            first_bytes = chunk[:4096]
        if is_utf8:
            try:
                utf8.decode(chunk)
            except UnicodeDecodeError as error:
                is_utf8 = False
                first_bad_line = lines_before + chunk.count(b"\n", 0, error.start) + 1
        lines_before += chunk.count(b"\n")
        last_byte = chunk[-1:]
    if is_utf8:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
            first_bad_line = lines_before + 1
    encoding = "utf-8"
    if not is_utf8:
        if not text:
            _check_windows_1252(raw_file)
        encoding = "windows-1252"
    ends_with_newline = last_byte == b"\n"
    line_count = lines_before + (0 if ends_with_newline or total == 0 else 1)
    empty = total == 0 or not first_bytes.strip(b" \t\r\n\xef\xbb\xbf")
    return Scan(
        sha256=sha256,
        size_bytes=size,
        encoding=encoding,
        first_non_utf8_line=first_bad_line,
        line_count=line_count,
        ends_with_newline=ends_with_newline,
        empty=empty,
    )


def _check_windows_1252(raw_file: RawFile) -> None:
    """Windows-1252 leaves five bytes undefined; a file with one of them is neither encoding."""
    decoder = codecs.getincrementaldecoder("cp1252")()
    lines_before = 0
    for chunk in _chunks(raw_file):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as error:
            line = lines_before + chunk.count(b"\n", 0, error.start) + 1
            byte = chunk[error.start : error.start + 1].hex()
            raise LoadError(
                raw_file.path,
                f"text is neither UTF-8 nor Windows-1252 (byte 0x{byte})",
                where=f"line {line}",
            ) from error
        lines_before += chunk.count(b"\n")
