"""``https://``: the service with a certificate (Jupyter's --certfile/--keyfile), the client
verifying it against the system's trusted certificates ($SSL_CERT_FILE here), and refusing
a service whose certificate it cannot verify."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from service_process import start_service, stop_service

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.errors import CatalogUnavailable

from .conftest import ALICE_TOKEN


@pytest.fixture
def certificate(tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


@pytest.fixture
def tls_service(tmp_path, certificate):
    cert, key = certificate
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps({ALICE_TOKEN: "alice"}))
    service = start_service(tmp_path / "tls", identity={"tokens_file": str(tokens)},
                            extra=(f"--certfile={cert}", f"--keyfile={key}"), scheme="https", ca_file=cert)
    yield service
    stop_service(service)


def test_https_with_a_trusted_certificate(tls_service, certificate, artifact, monkeypatch):
    monkeypatch.setenv("MODEL_CATALOG_TOKEN", ALICE_TOKEN)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    catalog = open_catalog(tls_service.url)
    assert tls_service.url.startswith("https://")
    entry = catalog.save(artifact, display_name="over tls")
    assert entry.created_by == "alice"
    assert b"".join(catalog.iter_file(entry.id, "model.pkl")) == b"weights"


def test_a_certificate_that_cannot_be_verified_is_refused(tls_service, monkeypatch):
    monkeypatch.setenv("MODEL_CATALOG_TOKEN", ALICE_TOKEN)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with pytest.raises(CatalogUnavailable, match="certificate") as err:
        open_catalog(tls_service.url).list()
    assert ALICE_TOKEN not in err.value.message
