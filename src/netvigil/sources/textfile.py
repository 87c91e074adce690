"""Opening user files by suffix (plain, .gz, .bz2) with a clear error for a wrong compression suffix."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
from pathlib import Path
from typing import IO, BinaryIO

from netvigil.model.errors import InputError, reading

_MAGIC = {b"\x1f\x8b": ".gz", b"BZ": ".bz2"}


def open_binary(path: Path) -> tuple[IO[bytes], BinaryIO]:
    """Open ``path`` decompressed by its suffix; returns (decompressed stream, raw file for progress)."""
    with reading(path):
        raw: BinaryIO = open(path, "rb")  # noqa: SIM115 - returned to the caller, who closes it
    head = raw.read(2)
    raw.seek(0)
    actual = _MAGIC.get(head)
    suffix = path.suffix.lower()
    expected = suffix if suffix in (".gz", ".bz2") else None
    if expected != actual:
        raw.close()
        if actual is None:
            raise InputError(
                f"the name ends in {suffix} but the content is not {suffix}-compressed; rename it",
                path=str(path),
            )
        raise InputError(
            f"the content is {actual}-compressed but the name does not end in {actual}; rename it",
            path=str(path),
        )
    if actual == ".gz":
        return gzip.GzipFile(fileobj=raw), raw  # type: ignore[return-value]
    if actual == ".bz2":
        return bz2.BZ2File(raw), raw
    return raw, raw


def open_text(path: Path) -> tuple[io.TextIOWrapper, BinaryIO]:
    """Open ``path`` as UTF-8 text, decompressed by suffix; returns (text stream, raw file)."""
    stream, raw = open_binary(path)
    return io.TextIOWrapper(stream, encoding="utf-8", newline=""), raw


def sha256_of(path: Path) -> str:
    """SHA-256 of the file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with reading(path), open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
