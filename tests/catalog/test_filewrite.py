"""Big writes: pieces and reserved blocks (catalog/filewrite.py)."""
import io
import os

from model_catalog_ext.catalog.filewrite import WRITE_PIECE, reserve, write_all


class ShortWrites(io.RawIOBase):
    """A raw stream that, like a pipe or socket, accepts at most ``limit`` bytes per call."""

    def __init__(self, limit):
        self.limit, self.calls, self.data = limit, [], bytearray()

    def writable(self):
        return True

    def write(self, b):
        n = min(len(b), self.limit)
        self.calls.append(len(b))
        self.data += bytes(b[:n])
        return n


def test_write_all_writes_every_byte_in_pieces():
    data = os.urandom(3 * WRITE_PIECE + 123)
    sink = ShortWrites(limit=10**9)
    write_all(sink, memoryview(data))
    assert bytes(sink.data) == data
    assert max(sink.calls) == WRITE_PIECE and len(sink.calls) == 4


def test_write_all_finishes_short_writes():
    data = os.urandom(WRITE_PIECE + 5000)
    sink = ShortWrites(limit=1000)
    write_all(sink, data)
    assert bytes(sink.data) == data


def test_write_all_takes_any_buffer(tmp_path):
    import array

    numbers = array.array("q", range(1000))
    with open(tmp_path / "n.bin", "wb", buffering=0) as f:
        write_all(f, numbers)
    assert (tmp_path / "n.bin").read_bytes() == numbers.tobytes()


def test_reserve_allocates_blocks_without_changing_the_size(tmp_path):
    path = tmp_path / "big.bin"
    with open(path, "wb") as f:
        reserve(f, 8 * 2**20)
        assert os.fstat(f.fileno()).st_size == 0  # nothing visible: no zeros if a write stops early
        f.write(b"abc")
    assert path.read_bytes() == b"abc"
    if os.uname().sysname == "Linux":
        assert os.stat(path).st_blocks * 512 >= 8 * 2**20  # the blocks are there


def test_reserve_ignores_what_cannot_be_reserved():
    read_end, write_end = os.pipe()
    try:
        reserve(write_end, 2**20)  # a pipe has no blocks: skipped, no error
        reserve(write_end, 0)
    finally:
        os.close(read_end)
        os.close(write_end)
