"""Fixtures of the team catalog tests: a real catalog service process and its clients."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "catalog"))
from catalog_backends import moto_endpoint, pg_url, postgres_server, s3_root  # noqa: E402,F401
from service_process import SERVICE_TOKEN, SERVICE_USER, start_service, stop_service  # noqa: E402

ALICE_TOKEN = "alice-personal-token"
MALLORY = "mallory"

__all__ = ["ALICE_TOKEN", "MALLORY", "SERVICE_TOKEN", "SERVICE_USER"]


@pytest.fixture
def team_service(tmp_path):
    """A service whose own token stands for SERVICE_USER (who may not name other authors) and
    where alice has a personal token (from a tokens file)."""
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps({ALICE_TOKEN: "alice"}))
    service = start_service(tmp_path / "service", identity={"service_user": SERVICE_USER, "tokens_file": str(tokens)})
    yield service
    stop_service(service)


@pytest.fixture
def artifact(tmp_path):
    folder = tmp_path / "artifact"
    folder.mkdir()
    (folder / "score.py").write_text("def load_model():\n    return 1\n\ndef predict(data, model=load_model()):\n"
                                     "    return {'prediction': [model]}\n")
    (folder / "model.pkl").write_bytes(b"weights")
    return folder
