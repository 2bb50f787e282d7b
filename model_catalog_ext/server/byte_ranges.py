"""``Range`` requests on downloads (RFC 9110 section 14): one byte range of a zip or a file,
so an interrupted download goes on where it stopped.

Only a single range is served (``bytes=a-b``, ``bytes=a-``, ``bytes=-n``); several ranges
get the whole representation (200), as the RFC allows.  ``If-Range`` with the download's
ETag (a file's sha256, an artifact's digest) guards a resumed download against bytes of
another artifact: when it does not match, the whole representation comes instead.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from ..errors import RangeNotSatisfiable

_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


def requested_range(headers, size: int, etag: str) -> tuple[int, int] | None:
    """``(first, last)`` byte (inclusive) the request asks for, or None for the whole;
    RangeNotSatisfiable (416) for a range that starts past the end."""
    header = headers.get("Range")
    if not header:
        return None
    if_range = headers.get("If-Range")
    if if_range is not None and if_range.strip() != f'"{etag}"':
        return None  # changed since (or a date, which a content address never needs): all of it
    match = _RANGE.match(header)
    if match is None:
        return None  # several ranges, or another unit: the whole representation
    first, last = match[1], match[2]
    if not first and not last:
        return None
    if size == 0:
        raise _unsatisfiable(header, size)  # no byte of an empty file can be asked for
    # Numbers past any file's size (int() refuses 4,300+ digits): a start there is past the
    # end; an end or a suffix length there means all the way.
    if len(first) > 19:
        raise _unsatisfiable(header, size)
    if len(last) > 19:
        last = "" if first else str(size)
    if not first:  # the last n bytes
        n = int(last)
        if n == 0:
            raise _unsatisfiable(header, size)
        return max(0, size - n), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        raise _unsatisfiable(header, size)
    return start, end


def _unsatisfiable(header: str, size: int) -> RangeNotSatisfiable:
    return RangeNotSatisfiable(f"The range '{header[:100]}' lies outside the {size} bytes there are.", size=size)


def sliced(chunks: Iterator, first: int, last: int) -> Iterator:
    """The bytes ``first``..``last`` (inclusive) of a stream of chunks; the chunks before are
    read (and checked) but not sent, those after are not read."""
    offset = 0
    try:
        for chunk in chunks:
            end = offset + len(chunk)
            if end > first:
                view = memoryview(chunk)[max(0, first - offset):min(len(chunk), last + 1 - offset)]
                if len(view):
                    yield bytes(view)
            offset = end
            if offset > last:
                break
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
