"""An incremental multipart/form-data parser, so an upload streams to disk as it arrives.

Tornado's own parser needs the whole body in memory; artifacts can be gigabytes.
"""
from __future__ import annotations

from collections.abc import Callable
from email.message import Message
from email.parser import HeaderParser
from typing import Protocol

from ..errors import InvalidInput

MAX_HEADER_BYTES = 16 * 1024


class PartSink(Protocol):
    def write(self, data: bytes) -> None: ...
    def close(self) -> None: ...


class MultipartStream:
    """Feed body chunks with :meth:`feed`; ``open_part(name, filename, headers)`` returns
    where each part's bytes go. Call :meth:`finish` after the last chunk."""

    _PREAMBLE, _AFTER_DELIMITER, _HEADERS, _BODY, _DONE = range(5)

    def __init__(self, boundary: bytes, open_part: Callable[[str, str | None, Message], PartSink]):
        if not boundary or len(boundary) > 200:
            raise InvalidInput("The multipart upload has no valid boundary in its Content-Type.")
        self._delimiter = b"--" + boundary
        self._open_part = open_part
        self._buffer = b""
        self._state = self._PREAMBLE
        self._sink: PartSink | None = None

    def feed(self, data: bytes) -> None:
        self._buffer += data
        while self._step():
            pass

    def finish(self) -> None:
        if self._state != self._DONE:
            raise InvalidInput("The multipart upload ended early: its closing boundary is missing.")

    def _step(self) -> bool:
        buf, delim = self._buffer, self._delimiter
        if self._state == self._PREAMBLE:
            index = buf.find(delim)
            if index < 0:
                self._buffer = buf[-len(delim):]
                return False
            self._buffer = buf[index + len(delim):]
            self._state = self._AFTER_DELIMITER
            return True
        if self._state == self._AFTER_DELIMITER:
            if len(buf) < 2:
                return False
            if buf[:2] == b"--":
                self._state, self._buffer = self._DONE, b""
                return False
            if buf[:2] != b"\r\n":
                raise InvalidInput("The multipart upload is malformed (bad boundary line).")
            self._buffer, self._state = buf[2:], self._HEADERS
            return True
        if self._state == self._HEADERS:
            index = buf.find(b"\r\n\r\n")
            if index < 0:
                if len(buf) > MAX_HEADER_BYTES:
                    raise InvalidInput("A multipart part has headers larger than 16 KiB.")
                return False
            headers = HeaderParser().parsestr(buf[:index].decode("utf-8", "replace"))
            disposition = headers.get("Content-Disposition", "")
            if not disposition.lower().startswith("form-data"):
                raise InvalidInput("Each multipart part needs 'Content-Disposition: form-data; name=...'.")
            name = headers.get_param("name", header="Content-Disposition")
            filename = headers.get_param("filename", header="Content-Disposition")
            if not name:
                raise InvalidInput("A multipart part has no name.")
            self._sink = self._open_part(str(name), str(filename) if filename else None, headers)
            self._buffer, self._state = buf[index + 4:], self._BODY
            return True
        if self._state == self._BODY:
            end = b"\r\n" + delim
            index = buf.find(end)
            if index >= 0:
                self._sink.write(buf[:index])
                self._sink.close()
                self._sink = None
                self._buffer, self._state = buf[index + len(end):], self._AFTER_DELIMITER
                return True
            safe = len(buf) - len(end)
            if safe > 0:
                self._sink.write(buf[:safe])
                self._buffer = buf[safe:]
            return False
        return False  # done: ignore any epilogue
