"""The streamed zip writer: readable by zipfile in every header variant."""
from __future__ import annotations

import io
import os
import zipfile
import zlib
from datetime import datetime

import pytest
import sqlalchemy as sa

from model_catalog_ext.catalog import zipstream


def _entries(files: dict, known_crc: bool):
    return [(name, len(data), zlib.crc32(data) if known_crc else None, (lambda d=data: iter([d[:7], d[7:]])))
            for name, data in files.items()]


@pytest.mark.parametrize("known_crc", [True, False])
@pytest.mark.parametrize("zip64", [False, True])
def test_round_trip(monkeypatch, known_crc, zip64):
    if zip64:
        monkeypatch.setattr(zipstream, "ZIP64_LIMIT", 100)  # force ZIP64 sizes, offsets and end records
    files = {"score.py": b"def load_model(): pass\n", "dir/model.bin": os.urandom(5000), "empty": b"",
             "ünïcode.txt": b"x" * 150}
    data = b"".join(zipstream.iter_zip(_entries(files, known_crc), datetime(2024, 5, 1, 12, 30, 10)))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        assert {n: zf.read(n) for n in zf.namelist()} == files
        assert zf.getinfo("score.py").date_time == (2024, 5, 1, 12, 30, 10)


def test_entry_error_stops_before_its_bytes():
    def bad():
        raise RuntimeError("damaged")
        yield b""  # pragma: no cover

    stream = zipstream.iter_zip([("ok", 2, None, lambda: iter([b"ok"])), ("bad", 3, None, bad)])
    out = []
    with pytest.raises(RuntimeError):
        for chunk in stream:
            out.append(chunk)
    assert b"ok" in out and all(b"bad" not in c or c.startswith(b"PK") for c in out)


def test_blobs_saved_before_crc_migration_still_zip(sqlite_catalog, make_artifact):
    e = sqlite_catalog.save(make_artifact(files={"m.bin": os.urandom(9 * 1024 * 1024)}), display_name="m")
    with sqlite_catalog.backend.engine.begin() as conn:
        conn.execute(sa.text("UPDATE blobs SET crc32 = NULL"))  # as if stored by revision 0002
    data = b"".join(sqlite_catalog.iter_zip(e.id))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None and len(zf.read("m.bin")) == 9 * 1024 * 1024


def test_upgrade_from_revision_0002(tmp_path):
    from alembic import command

    from model_catalog_ext.catalog import open_catalog
    from model_catalog_ext.catalog.engine import create_catalog_engine
    from model_catalog_ext.catalog.migrate import HEAD_REVISION, alembic_config, current_revision

    url = f"sqlite:///{tmp_path}/old.db"
    engine = create_catalog_engine(url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0002_text_search")
    assert current_revision(engine) == "0002_text_search"
    engine.dispose()
    svc = open_catalog(url, str(tmp_path / "blobs"))
    assert current_revision(svc.backend.engine) == HEAD_REVISION
    svc.close()


@pytest.mark.parametrize("known_crc", [True, False])
@pytest.mark.parametrize("zip64", [False, True])
def test_a_zip_from_any_byte_is_the_tail_of_the_whole(monkeypatch, known_crc, zip64):
    if zip64:
        monkeypatch.setattr(zipstream, "ZIP64_LIMIT", 100)
    files = {"score.py": b"def load_model(): pass\n", "dir/model.bin": os.urandom(5000), "empty": b"",
             "x.txt": b"x" * 150}
    when = datetime(2024, 5, 1, 12, 30, 10)
    whole = b"".join(zipstream.iter_zip(_entries(files, known_crc), when))
    for skip in range(len(whole) + 1):
        assert b"".join(zipstream.iter_zip(_entries(files, known_crc), when, skip)) == whole[skip:], skip


def test_a_zip_from_a_byte_reads_no_entry_before_it_and_the_one_it_falls_in_from_there():
    data = {"a.bin": os.urandom(1000), "b.bin": os.urandom(1000)}
    reads: list = []

    def entry(name):
        def chunks():
            reads.append((name, 0))
            return iter([data[name]])

        def chunks_from(offset):
            reads.append((name, offset))
            return iter([data[name][offset:]])
        return (name, 1000, zlib.crc32(data[name]), chunks, chunks_from)

    whole = b"".join(zipstream.iter_zip([entry("a.bin"), entry("b.bin")]))
    b_data = whole.index(data["b.bin"])
    reads.clear()
    tail = b"".join(zipstream.iter_zip([entry("a.bin"), entry("b.bin")], skip=b_data + 600))
    assert tail == whole[b_data + 600:]
    assert reads == [("b.bin", 600)]  # a.bin not read at all; b.bin from its 600th byte
