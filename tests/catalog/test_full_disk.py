"""A full disk, for real (an 8 MiB tmpfs): a clear StorageFull, and nothing half-written kept."""
import os

import pytest

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.errors import StorageFull

BIG = 12 * 2**20  # more than the tiny disk holds


def make_artifact(folder, size=BIG):
    folder.mkdir()
    (folder / "score.py").write_text("def load_model():\n    return None\n\n\ndef predict(data, model=None):\n    return data\n")
    (folder / "config.json").write_text('{"threshold": 0.5}')  # stored before model.bin
    (folder / "model.bin").write_bytes(os.urandom(size))
    return folder


def files_under(path):
    return sorted(os.path.relpath(os.path.join(d, f), path) for d, _, fs in os.walk(path) for f in fs)


def test_a_save_into_a_full_store_says_so_and_stores_nothing(tiny_disk, tmp_path):
    svc = open_catalog(f"sqlite:///{tmp_path / 'catalog.db'}", str(tiny_disk / "blobs"))
    with pytest.raises(StorageFull) as excinfo:
        svc.save(make_artifact(tmp_path / "big"), display_name="too big")
    message = str(excinfo.value)
    assert "no room" in message and "'model.bin'" in message and "12,582,912 bytes" in message
    assert "Nothing was stored" in message
    assert svc.list(state="ALL").items == []
    assert files_under(tiny_disk / "blobs") == []  # not even config.json's blob, no temporary file
    # the store still works for what fits
    small = svc.save(make_artifact(tmp_path / "small", size=1000), display_name="fits")
    assert svc.verify(small.id) == []


def test_a_zip_download_onto_a_full_disk_leaves_no_partial_file(tiny_disk, tmp_path):
    svc = open_catalog(f"sqlite:///{tmp_path / 'catalog.db'}", str(tmp_path / "blobs"))
    entry = svc.save(make_artifact(tmp_path / "big"), display_name="big")
    with pytest.raises(StorageFull, match="no room in '.*tiny-disk' for 'big.zip'"):
        svc.write_zip(entry.id, tiny_disk / "big.zip")
    assert files_under(tiny_disk) == []


def test_a_folder_download_onto_a_full_disk_leaves_no_half_artifact(tiny_disk, tmp_path):
    svc = open_catalog(f"sqlite:///{tmp_path / 'catalog.db'}", str(tmp_path / "blobs"))
    entry = svc.save(make_artifact(tmp_path / "big"), display_name="big")
    with pytest.raises(StorageFull, match="no room in '.*out' for 'model.bin'"):
        svc.download(entry.id, tiny_disk / "out")
    # config.json had landed before the disk filled up: it went with the rest
    assert not (tiny_disk / "out").exists() and files_under(tiny_disk) == []
    (tiny_disk / "empty").mkdir()
    with pytest.raises(StorageFull):
        svc.download(entry.id, tiny_disk / "empty")
    assert (tiny_disk / "empty").is_dir() and files_under(tiny_disk) == []
    (tiny_disk / "empty").rmdir()
    with pytest.raises(StorageFull):
        svc.download(entry.id, tiny_disk)  # the mount point itself, empty
    assert list(tiny_disk.iterdir()) == []


def test_a_download_into_an_empty_mount_point_fills_it(tiny_disk, tmp_path):
    svc = open_catalog(f"sqlite:///{tmp_path / 'catalog.db'}", str(tmp_path / "blobs"))
    entry = svc.save(make_artifact(tmp_path / "small", size=5000), display_name="small")
    assert svc.download(entry.id, tiny_disk) == tiny_disk
    assert files_under(tiny_disk) == ["config.json", "model.bin", "score.py"]
    assert (tiny_disk / "model.bin").read_bytes() == (tmp_path / "small" / "model.bin").read_bytes()


def test_a_forced_download_onto_a_full_disk_replaces_nothing(tiny_disk, tmp_path):
    """Issue 19, item 16: a forced download that runs out of room left score.py and config.json
    new beside the old model file. Every file is now staged first; the old ones stay whole."""
    svc = open_catalog(f"sqlite:///{tmp_path / 'catalog.db'}", str(tmp_path / "blobs"))
    old = svc.save(make_artifact(tmp_path / "old", size=1000), display_name="old")
    newer = make_artifact(tmp_path / "new")
    (newer / "config.json").write_text('{"threshold": 0.7}')  # written before model.bin fills the disk
    new = svc.save(newer, display_name="new")
    target = tiny_disk / "model"
    svc.download(old.id, target)
    (target / "notes.txt").write_text("mine")
    before = {p: (target / p).read_bytes() for p in files_under(target)}
    with pytest.raises(StorageFull):
        svc.download(new.id, target, force_overwrite=True)
    assert {p: (target / p).read_bytes() for p in files_under(target)} == before
    # and with room, the forced download replaces the artifact's files and keeps the user's
    svc.download(svc.save(make_artifact(tmp_path / "next", size=2000), display_name="next").id, target,
                 force_overwrite=True)
    assert (target / "notes.txt").read_text() == "mine" and (target / "model.bin").stat().st_size == 2000
