"""Bad input gets a typed error with a readable message, and nothing is written."""
from __future__ import annotations

import os
import zipfile

import pytest

from model_catalog_ext.catalog import parse_tag
from model_catalog_ext.errors import (
    Conflict,
    ImmutableArtifact,
    InvalidArtifact,
    InvalidInput,
    ModelNotFound,
)


@pytest.fixture
def base(sqlite_catalog, make_artifact, snap):
    """A catalog holding one entry, and a snapshot of it to compare against."""
    entry = sqlite_catalog.save(make_artifact(), display_name="existing", freeform_tags={"v": "1"})
    return sqlite_catalog, entry, snap(sqlite_catalog)


def _unchanged(svc, before, snap):
    assert snap(svc) == before


def test_unknown_id(base, snap, make_artifact):
    svc, _, before = base
    with pytest.raises(ModelNotFound) as err:
        svc.get("mdl-doesnotexist")
    assert "jupyter model-catalog list" in err.value.message and err.value.code == "not_found"
    with pytest.raises(ModelNotFound):
        svc.save(make_artifact(), display_name="x", as_new_version_of="mdl-doesnotexist")
    _unchanged(svc, before, snap)


@pytest.mark.parametrize("tag", ["noseparator", ":value", "bad key:1", "key\x00:v", "", "ke*y:1"])
def test_bad_tag_syntax(tag):
    with pytest.raises(InvalidInput) as err:
        parse_tag(tag)
    assert "tag" in err.value.message.lower()


@pytest.mark.parametrize("tags", [{"bad key": "1"}, {"": "x"}, {"k": "v\n"}, {"k": ["list"]}, "version:3"])
def test_bad_tags_on_save_and_update(base, snap, make_artifact, tags):
    svc, entry, before = base
    with pytest.raises(InvalidInput):
        svc.save(make_artifact(), display_name="x", freeform_tags=tags)
    with pytest.raises(InvalidInput):
        svc.update(entry.id, freeform_tags=tags)
    _unchanged(svc, before, snap)
    assert svc.get(entry.id) == entry


@pytest.mark.parametrize("name", ["", "   ", None, "x" * 256, "two\nlines"])
def test_empty_or_bad_name(base, snap, make_artifact, name):
    svc, entry, before = base
    with pytest.raises(InvalidInput) as err:
        svc.save(make_artifact(), display_name=name)
    assert "name" in err.value.message
    with pytest.raises(InvalidInput):
        svc.update(entry.id, display_name=name)
    _unchanged(svc, before, snap)


def test_missing_artifact_path(base, snap, tmp_path):
    svc, _, before = base
    with pytest.raises(InvalidArtifact, match="does not exist"):
        svc.save(tmp_path / "nowhere", display_name="x")
    not_zip = tmp_path / "notes.txt"
    not_zip.write_text("hi")
    with pytest.raises(InvalidArtifact, match="neither a folder nor a .zip"):
        svc.save(not_zip, display_name="x")
    _unchanged(svc, before, snap)


def test_no_score_py(base, snap, make_artifact):
    svc, _, before = base
    art = make_artifact(files={"model.pkl": os.urandom(5 * 1024 * 1024)}, score=False)
    with pytest.raises(InvalidArtifact, match="no score.py") as err:
        svc.save(art, display_name="x")
    assert err.value.code == "invalid_artifact" and "prepare" in err.value.message
    (art / "sub").mkdir()
    (art / "sub" / "score.py").write_text("# not at the top")
    with pytest.raises(InvalidArtifact, match="no score.py"):
        svc.save(art, display_name="x")
    _unchanged(svc, before, snap)


def test_symlink_escaping_the_artifact(base, snap, make_artifact, tmp_path):
    svc, _, before = base
    secret = tmp_path / "secret.txt"
    secret.write_text("password")
    art = make_artifact(files={"model.pkl": os.urandom(3 * 1024 * 1024)})
    os.symlink(secret, art / "innocent.txt")
    with pytest.raises(InvalidArtifact, match="outside the artifact") as err:
        svc.save(art, display_name="x")
    assert err.value.details["path"] == "innocent.txt"
    os.unlink(art / "innocent.txt")
    os.symlink(tmp_path, art / "dirlink")  # a folder link escaping too
    with pytest.raises(InvalidArtifact, match="outside the artifact"):
        svc.save(art, display_name="x")
    _unchanged(svc, before, snap)


def test_symlink_inside_the_artifact_is_stored_as_a_file(sqlite_catalog, make_artifact):
    art = make_artifact(files={"model.pkl": b"abc"})
    os.symlink(art / "model.pkl", art / "alias.pkl")
    entry = sqlite_catalog.save(art, display_name="x")
    assert b"".join(sqlite_catalog.iter_file(entry.id, "alias.pkl")) == b"abc"


@pytest.mark.parametrize("evil", ["../escape.py", "a/../../escape.py", "/etc/passwd", "C:/windows/x", "\\abs"])
def test_zip_slip_and_absolute_paths(base, snap, tmp_path, evil):
    svc, _, before = base
    zpath = tmp_path / "evil.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("score.py", "def load_model(): pass")
        zf.writestr("model.pkl", os.urandom(2 * 1024 * 1024))
        zf.writestr(zipfile.ZipInfo(evil), b"pwned")
    with pytest.raises(InvalidArtifact) as err:
        svc.save(zpath, display_name="x")
    assert "zip" in err.value.message and evil in err.value.message
    _unchanged(svc, before, snap)


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_a_damaged_zip_member(base, snap, tmp_path, compression):
    svc, _, before = base
    zpath = tmp_path / "damaged.zip"
    payload = os.urandom(64 * 1024)
    with zipfile.ZipFile(zpath, "w", compression=compression) as zf:
        zf.writestr("score.py", "def load_model(): pass")
        zf.writestr("model.pkl", payload)
    data = bytearray(zpath.read_bytes())
    at = data.find(payload[:64]) if compression == zipfile.ZIP_STORED else len(data) // 2
    data[at + 100] ^= 0xFF  # inside model.pkl's bytes: its CRC (or deflate stream) no longer checks out
    zpath.write_bytes(bytes(data))
    with pytest.raises(InvalidArtifact, match="is damaged.*nothing was stored"):
        svc.save(zpath, display_name="x")
    _unchanged(svc, before, snap)


def test_zip_symlink_entry(base, snap, tmp_path):
    svc, _, before = base
    zpath = tmp_path / "link.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("score.py", "def load_model(): pass")
        info = zipfile.ZipInfo("link")
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(InvalidArtifact, match="symbolic link"):
        svc.save(zpath, display_name="x")
    _unchanged(svc, before, snap)


def test_stale_etag(base, snap):
    svc, entry, _ = base
    updated = svc.update(entry.id, description="first")
    before = snap(svc)
    with pytest.raises(Conflict) as err:
        svc.update(entry.id, etag=entry.etag, description="second")
    assert err.value.details["current_etag"] == updated.etag
    _unchanged(svc, before, snap)
    assert svc.get(entry.id) == updated


def test_trying_to_change_the_artifact(base, snap):
    svc, entry, before = base
    with pytest.raises(ImmutableArtifact) as err:
        svc.update(entry.id, artifact="/some/other/dir", description="sneaky")
    assert "new version" in err.value.message and err.value.code == "immutable_artifact"
    with pytest.raises(InvalidInput, match="cannot be changed"):
        svc.update(entry.id, version=7)
    with pytest.raises(InvalidInput, match="deactivate"):
        svc.update(entry.id, lifecycle_state="INACTIVE")
    with pytest.raises(InvalidInput, match="Unknown field"):
        svc.update(entry.id, colour="blue")
    _unchanged(svc, before, snap)
    assert svc.get(entry.id) == entry


@pytest.mark.parametrize("kwargs", [
    {"custom_metadata": [{"value": "no key"}]},
    {"custom_metadata": [{"key": "a"}, {"key": "a"}]},
    {"defined_metadata": ["not", "a", "dict"]},
    {"provenance": {"branch": "main"}},
    {"provenance": {"git_dirty": "no"}},  # was stored as True
    {"input_schema": "not a dict"},
    {"description": 42},
])
def test_bad_metadata(base, snap, make_artifact, kwargs):
    svc, _, before = base
    with pytest.raises(InvalidInput):
        svc.save(make_artifact(), display_name="x", **kwargs)
    _unchanged(svc, before, snap)


def test_invalid_schema_json_in_artifact(base, snap, make_artifact):
    svc, _, before = base
    with pytest.raises(InvalidArtifact, match="not valid JSON"):
        svc.save(make_artifact(files={"input_schema.json": "{oops"}), display_name="x")
    _unchanged(svc, before, snap)


def test_git_folders_are_left_out_of_saves(sqlite_catalog, make_artifact, tmp_path):
    art = make_artifact(files={"model.pkl": b"abc", ".git/config": "[core]\n\tfsmonitor = touch pwned\n",
                               "sub/.GIT/HEAD": "ref: refs/heads/main\n", ".model-ignore": "*.tmp\n"})
    zpath = tmp_path / "with-git.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("score.py", "def load_model(): pass")
        zf.writestr(".git/config", "[core]\n\tfsmonitor = touch pwned\n")
        zf.writestr("a/.git", "gitdir: /somewhere/else\n")
    for source in (art, zpath):
        entry = sqlite_catalog.save(source, display_name="x")
        assert not [m["path"] for m in entry.manifest if ".git" in m["path"].lower().split("/")]
        assert "score.py" in [m["path"] for m in entry.manifest]


def test_a_download_never_writes_into_git_or_through_a_link(sqlite_catalog, make_artifact, tmp_path, monkeypatch):
    from model_catalog_ext.catalog import source

    with monkeypatch.context() as m:  # an entry stored before saves left .git out
        m.setattr(source._Ignore, "__call__", lambda self, rel, is_dir: False)
        old = sqlite_catalog.save(make_artifact(files={".git/hooks/pre-commit": "#!/bin/sh\n"}), display_name="old")
    with pytest.raises(InvalidArtifact, match=r"\.git folder, which a download never writes"):
        sqlite_catalog.download(old.id, tmp_path / "fresh")
    assert not (tmp_path / "fresh").exists()

    outside = tmp_path / "outside"
    outside.mkdir()
    target = tmp_path / "target"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    os.symlink(outside, target / "sub")
    entry = sqlite_catalog.save(make_artifact(files={"model.pkl": b"abc", "sub/evil.txt": b"x"}), display_name="x")
    with pytest.raises(InvalidInput, match="symbolic link"):
        sqlite_catalog.download(entry.id, target, force_overwrite=True)
    assert list(outside.iterdir()) == []
    assert sorted(p.name for p in target.iterdir()) == ["keep.txt", "sub"]  # nothing written at all


def test_a_file_name_as_long_as_the_filesystem_allows_downloads(sqlite_catalog, make_artifact, tmp_path):
    name = "m" * 250 + ".bin"
    entry = sqlite_catalog.save(make_artifact(files={name: b"abc"}), display_name="x")
    out = sqlite_catalog.download(entry.id, tmp_path / "out")
    assert (out / name).read_bytes() == b"abc"


def test_zip_with_a_name_that_is_a_file_and_a_folder(base, snap, tmp_path):
    svc, _, before = base
    zpath = tmp_path / "clash.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("score.py", "def load_model(): pass")
        zf.writestr("model", b"a file")
        zf.writestr("model/x.bin", b"in a folder")
    with pytest.raises(InvalidArtifact, match="both as a file and as the folder"):
        svc.save(zpath, display_name="x")
    _unchanged(svc, before, snap)


def test_an_oversized_model_ignore_is_refused_before_it_is_read(base, snap, tmp_path):
    svc, _, before = base
    zpath = tmp_path / "ignore-bomb.zip"
    with zipfile.ZipFile(zpath, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("score.py", "def load_model(): pass")
        zf.writestr(".model-ignore", b"\n" * (64 * 1024 * 1024))  # 64 MiB of newlines, a few KiB zipped
    assert zpath.stat().st_size < 1024 * 1024
    with pytest.raises(InvalidArtifact, match=r"\.model-ignore .* is over 1024 KiB"):
        svc.save(zpath, display_name="x")
    _unchanged(svc, before, snap)


def test_a_download_where_nothing_can_be_written_names_the_target(sqlite_catalog, make_artifact):
    """Not the hidden staging folder the user never chose; and no folder is left behind."""
    entry = sqlite_catalog.save(make_artifact(), display_name="m")
    for target in ("/proc/forbidden", "/proc/forbidden/deeper/out"):
        with pytest.raises(InvalidInput) as err:
            sqlite_catalog.download(entry.id, target)
        assert f"Cannot write the download into '{target}'" in err.value.message
        assert ".partial" not in err.value.message
    assert not os.path.exists("/proc/forbidden")
