"""Write a zip as a stream of byte chunks, never holding a whole file in memory.

Entries are STORED (model files, pickles and ONNX barely compress, and deflate would cut
download throughput several times over).  When an entry's CRC-32 is known (recorded at
save time) its sizes and CRC go in the local header and the bytes pass straight through;
otherwise the CRC is computed on the way and written in a data descriptor after the data.
ZIP64 records are used as soon as a size or offset needs them, so multi-GiB artifacts work.
"""
from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from .hashing import crc32

ZIP64_LIMIT = 0xFFFFFFFF  # sizes/offsets at or above this need ZIP64 fields (a test lowers it)
_MAX_ENTRIES = 0xFFFF
_UTF8 = 0x0800
_DESCRIPTOR = 0x0008
_MADE_BY_UNIX = (3 << 8) | 45
_FILE_MODE = 0o100644 << 16

# (archive name, size, crc32 or None, chunks() -> Iterator[bytes]), and optionally
# chunks_from(offset) -> Iterator[bytes]: the bytes from there on, read from there.
Entry = tuple


def _dos_time(when: datetime | None) -> tuple[int, int]:
    when = when or datetime(1980, 1, 1)
    if when.year < 1980:
        when = datetime(1980, 1, 1)
    date = ((when.year - 1980) << 9) | (when.month << 5) | when.day
    time = (when.hour << 11) | (when.minute << 5) | (when.second // 2)
    return time, date


def iter_zip(entries: Iterable[Entry], date_time: datetime | None = None, skip: int = 0) -> Iterator[bytes]:
    """Yield a zip of ``entries``: ``(name, size, crc32 or None, chunks()[, chunks_from(n)])``.

    ``chunks()`` is called when the entry's turn comes, so an error it raises (a damaged
    blob) stops the stream before any byte of that entry is yielded.

    ``skip``: yield the zip from that byte on (a ranged download).  The headers before it are
    made but not yielded; an entry whose CRC is known is not read at all when its data lies
    wholly before ``skip``, and read from the byte ``skip`` falls on with ``chunks_from``
    when it has one.  An entry without a known CRC is read whole (its CRC is written after it).
    """
    dos_time, dos_date = _dos_time(date_time)
    central: list[bytes] = []
    offset = 0
    for name, size, crc, chunks, *more in entries:
        chunks_from = more[0] if more else None
        name_bytes = name.encode("utf-8")
        flags = _UTF8 | (_DESCRIPTOR if crc is None else 0)
        zip64 = size >= ZIP64_LIMIT
        version = 45 if zip64 or offset >= ZIP64_LIMIT else 20
        header_crc = crc if crc is not None else 0
        header_size = size if crc is not None else 0
        if zip64:
            extra = struct.pack("<HHQQ", 0x0001, 16, header_size, header_size)
            small = 0xFFFFFFFF
        else:
            extra, small = b"", header_size
        local = struct.pack("<IHHHHHIIIHH", 0x04034B50, version, flags, 0, dos_time, dos_date,
                            header_crc, small, small, len(name_bytes), len(extra)) + name_bytes + extra
        if offset + len(local) > skip:
            yield local[max(0, skip - offset):]
        start = offset
        offset += len(local)
        # Bytes of this entry's data before ``skip``: not read when the CRC is known.
        ahead = min(size, max(0, skip - offset)) if crc is not None else 0
        written, running = ahead, 0
        stream: Iterator[bytes]
        if ahead == size and size:
            stream = iter(())
        elif ahead and chunks_from is not None:
            stream = chunks_from(ahead)
        else:
            stream, written = chunks(), 0
        try:
            for chunk in stream:
                if crc is None:
                    running = crc32(chunk, running)
                written += len(chunk)
                if offset + written > skip:
                    cut = skip - (offset + written - len(chunk))  # of its bytes, those before ``skip``
                    yield chunk[cut:] if cut > 0 else chunk
        finally:
            # Closing the zip (a client that left) closes the entry's reader now, so its
            # blob file and threads go at once, not whenever the collector gets to them.
            close = getattr(stream, "close", None)
            if close is not None:
                close()
        if written != size:
            raise RuntimeError(f"zip entry {name!r}: {written} bytes instead of {size}")
        offset += written
        if crc is None:
            crc = running
            descriptor = (struct.pack("<IIQQ", 0x08074B50, crc, size, size) if zip64
                          else struct.pack("<IIII", 0x08074B50, crc, size, size))
            if offset + len(descriptor) > skip:
                yield descriptor[max(0, skip - offset):]
            offset += len(descriptor)
        central.append(_central_record(name_bytes, flags, version, dos_time, dos_date, crc, size, start))
    cd_start = offset
    for record in [*central, None]:
        piece = record if record is not None else _end_records(len(central), cd_start, offset - cd_start)
        if offset + len(piece) > skip:
            yield piece[max(0, skip - offset):]
        offset += len(piece)


def _central_record(name: bytes, flags: int, version: int, dos_time: int, dos_date: int, crc: int,
                    size: int, start: int) -> bytes:
    fields = []
    if size >= ZIP64_LIMIT:
        fields += [size, size]
    if start >= ZIP64_LIMIT:
        fields.append(start)
    extra = struct.pack(f"<HH{len(fields)}Q", 0x0001, 8 * len(fields), *fields) if fields else b""
    small_size = 0xFFFFFFFF if size >= ZIP64_LIMIT else size
    small_start = 0xFFFFFFFF if start >= ZIP64_LIMIT else start
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, _MADE_BY_UNIX, version, flags, 0, dos_time, dos_date,
                       crc, small_size, small_size, len(name), len(extra), 0, 0, 0, _FILE_MODE,
                       small_start) + name + extra


def _end_records(count: int, cd_start: int, cd_size: int) -> bytes:
    out = b""
    if count >= _MAX_ENTRIES or cd_start >= ZIP64_LIMIT or cd_size >= ZIP64_LIMIT:
        zip64_end = cd_start + cd_size
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, _MADE_BY_UNIX, 45, 0, 0, count, count, cd_size, cd_start)
        out += struct.pack("<IIQI", 0x07064B50, 0, zip64_end, 1)
        count16, size32, start32 = 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF
    else:
        count16, size32, start32 = count, cd_size, cd_start
    return out + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count16, count16, size32, start32, 0)


def collect(chunks: Callable[[], Iterator[bytes]]) -> bytes:
    """Join a chunk stream (tests and small artifacts)."""
    return b"".join(chunks())


def zip_length(entries: Iterable[tuple[str, int, bool]]) -> int:
    """The exact byte length :func:`iter_zip` will produce for ``(name, size, crc_known)``
    entries, without reading any data: lets a server send Content-Length (no chunked
    encoding, and a browser shows real download progress)."""
    offset = central = count = 0
    for name, size, crc_known in entries:
        name_len = len(name.encode("utf-8"))
        zip64 = size >= ZIP64_LIMIT
        start = offset
        offset += 30 + name_len + (20 if zip64 else 0) + size
        if not crc_known:
            offset += 24 if zip64 else 16
        fields = (2 if zip64 else 0) + (1 if start >= ZIP64_LIMIT else 0)
        central += 46 + name_len + (4 + 8 * fields if fields else 0)
        count += 1
    end = 22
    if count >= _MAX_ENTRIES or offset >= ZIP64_LIMIT or central >= ZIP64_LIMIT:
        end += 56 + 20
    return offset + central + end
