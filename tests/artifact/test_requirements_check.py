"""verify()'s requirements check reads what an edited score.py imports, not only what
prepare() wrote: a module requirements.txt does not cover would be missing where the model
is deployed, although it imports fine here."""
from __future__ import annotations

import importlib.metadata

import pytest

from model_catalog_ext.artifact import prepare


@pytest.fixture
def art(tmp_path, iris, iris_rf):
    X, y = iris
    return prepare(iris_rf, tmp_path / "art", X_sample=X[:10], y_sample=y[:10])


def _append(art, text):
    score = art.artifact_dir / "score.py"
    score.write_text(score.read_text() + "\n" + text)


def _failed(report):
    return {c["name"]: c["message"] for c in report.failures}


def test_imports_added_to_score_py_must_be_listed(art):
    # one at module level, one inside a function (only run at predict time, if ever)
    _append(art, "import yaml\n\n\ndef _snapshot(obj):\n    import cloudpickle\n\n"
                 "    return cloudpickle.dumps(obj)\n")
    report = art.verify()
    assert not report.ok
    message = _failed(report)["requirements"]
    cloudpickle = importlib.metadata.version("cloudpickle")
    assert (f"score.py imports 'cloudpickle' but requirements.txt does not list it: "
            f"add cloudpickle=={cloudpickle}.") in message
    # the module is yaml, the distribution to list is PyYAML
    assert f"score.py imports 'yaml' but requirements.txt does not list it: " \
           f"add PyYAML=={importlib.metadata.version('PyYAML')}." in message
    assert set(_failed(report)) == {"requirements"}  # everything else works here

    req = art.artifact_dir / "requirements.txt"
    req.write_text(req.read_text() + f"cloudpickle=={cloudpickle}\npyyaml\n")  # any spelling
    report = art.verify()
    assert report.ok, report.summary()
    assert "they cover what score.py imports" in {c["name"]: c["message"] for c in report.checks}[
        "requirements"]


def test_a_local_helper_module_must_be_copied_into_the_artifact(art, tmp_path):
    # features.py sits next to the notebook: importable there, not where the model runs
    (tmp_path / "features.py").write_text("def ratio(a, b):\n    return a / b\n")
    _append(art, "from features import ratio  # noqa: E402\n")
    report = art.verify()
    message = _failed(report)["requirements"]
    assert "score.py imports 'features'" in message
    assert f"copy that file into {art.artifact_dir}: it cannot be pip-installed" in message
    assert "'features'" in _failed(report)["import"]

    (art.artifact_dir / "features.py").write_text((tmp_path / "features.py").read_text())
    report = art.verify()
    assert report.ok, report.summary()


def test_stdlib_optional_and_bundled_imports_need_no_requirement(art):
    helpers = art.artifact_dir / "helpers"
    helpers.mkdir()
    (helpers / "__init__.py").write_text("SCALE = 1\n")
    _append(art, "import collections, json  # noqa: E401,E402\n"
                 "import helpers  # noqa: E402  (a package shipped in the artifact)\n"
                 "try:\n    import surely_not_installed_accelerator\n"
                 "except ImportError:  # optional: score.py copes without it\n"
                 "    surely_not_installed_accelerator = None\n")
    report = art.verify()
    assert report.ok, report.summary()


def test_installed_versions_read_from_dist_info_folders_match_importlib_metadata():
    """The clean process reads versions from the .dist-info folder names (importing
    importlib.metadata would slow every start-up): it must agree for every distribution."""
    import importlib.util

    from model_catalog_ext.artifact import clean_process

    spec = importlib.util.spec_from_file_location("worker_under_test", clean_process.WORKER)
    worker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(worker)
    distributions = list(importlib.metadata.distributions())
    assert len(distributions) > 50
    for dist in distributions:
        assert worker.installed_version(dist.metadata["Name"]) == dist.version, dist.metadata["Name"]
    assert worker.installed_version("no-such-distribution-anywhere") is None


def test_imports_are_found_in_every_kind_of_nested_statement():
    from model_catalog_ext.artifact.requirements import imports_of_source

    source = (
        "import a\nfrom b.c import d\nfrom . import local\n"
        "def f():\n    import e\n    class K:\n        import g\n"
        "for x in y:\n    import h\nelse:\n    import i\n"
        "while z:\n    pass\nelse:\n    import j\n"
        "with w:\n    if q:\n        import k\n    elif r:\n        import l\n    else:\n        import m\n"
        "try:\n    import n\nexcept ImportError:\n    import o\nelse:\n    import p\nfinally:\n    import q2\n"
        "match v:\n    case 1:\n        import r2\n"
        "async def s():\n    async with t:\n        import u\n    async for _ in t:\n        import v2\n"
        "x = lambda: __import__('not_a_statement')\n"
    )
    everything = {"a", "b", "e", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q2", "r2", "u", "v2"}
    assert imports_of_source(source) == everything
    assert imports_of_source(source, skip_optional=True) == everything - {"n", "o"}
