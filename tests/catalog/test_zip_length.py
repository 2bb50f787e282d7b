"""zip_length predicts iter_zip's exact length, with and without known CRCs and in ZIP64."""
import io
import zipfile
import zlib

import pytest

from model_catalog_ext.catalog import zipstream


def entries(files, crc_known):
    for name, data in files.items():
        crc = zlib.crc32(data) if crc_known else None
        yield name, len(data), crc, (lambda data=data: iter([data[:3], data[3:]]))


FILES = {"score.py": b"def predict(d): return d\n", "dir/ü-weights.bin": bytes(range(256)) * 40, "empty": b""}


@pytest.mark.parametrize("crc_known", [True, False])
@pytest.mark.parametrize("zip64_limit", [zipstream.ZIP64_LIMIT, 100])
def test_length_matches_the_stream(monkeypatch, crc_known, zip64_limit):
    monkeypatch.setattr(zipstream, "ZIP64_LIMIT", zip64_limit)
    data = b"".join(zipstream.iter_zip(entries(FILES, crc_known)))
    predicted = zipstream.zip_length((n, len(d), crc_known) for n, d in FILES.items())
    assert predicted == len(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {n: archive.read(n) for n in archive.namelist()} == FILES


def test_service_zip_size_matches_iter_zip(tmp_path):
    from model_catalog_ext.catalog import open_catalog

    artifact = tmp_path / "a"
    artifact.mkdir()
    for name, data in {"score.py": b"def predict(d):\n    return d\n", "w.bin": b"x" * 5000}.items():
        (artifact / name).write_bytes(data)
    with open_catalog(url=f"sqlite:///{tmp_path / 'c.db'}", artifact_root=str(tmp_path / "blobs")) as svc:
        entry = svc.save(artifact, display_name="sized")
        assert svc.zip_size(entry.id) == len(b"".join(svc.iter_zip(entry.id)))
