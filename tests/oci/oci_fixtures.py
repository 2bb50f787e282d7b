"""Fixtures putting the real ``oci`` SDK in front of the loopback fake service.

``oci_fake`` is a running :class:`FakeDataScience` that knows the test's public key;
``oci_catalog_url`` an ``oci://`` URL whose ``~/.oci/config``-style file holds the matching
private key, with ``endpoint=`` pointing at the fake and quick retries (the SDK's default
backoff would make a failure test wait minutes).
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

sys.path.insert(0, str(Path(__file__).parent))
from oci_fake_service import FakeDataScience  # noqa: E402

TENANCY = "ocid1.tenancy.oc1..aaaafaketenancy"
USER = "ocid1.user.oc1..aaaafakeuser"
COMPARTMENT = "ocid1.compartment.oc1..aaaafakecompartment"
PROJECT = "ocid1.datascienceproject.oc1.iad.aaaafakeproject"
REGION = "us-ashburn-1"


@pytest.fixture(scope="session")
def oci_key():
    """A throw-away RSA key: (private key, PEM text, fingerprint)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashlib.md5(der).hexdigest()
    fingerprint = ":".join(digest[i:i + 2] for i in range(0, 32, 2))
    return key, pem, fingerprint


@pytest.fixture
def oci_fake(oci_key, tmp_path):
    key, _, fingerprint = oci_key
    folder = tmp_path / "oci-fake-store"
    folder.mkdir()
    fake = FakeDataScience(key.public_key(), f"{TENANCY}/{USER}/{fingerprint}", str(folder))
    yield fake
    fake.close()


@pytest.fixture
def oci_config_file(oci_key, tmp_path) -> Path:
    _, pem, fingerprint = oci_key
    key_file = tmp_path / "oci_api_key.pem"
    key_file.write_bytes(pem)
    key_file.chmod(0o600)
    config = tmp_path / "oci_config"
    config.write_text(f"[DEFAULT]\nuser={USER}\nfingerprint={fingerprint}\ntenancy={TENANCY}\nregion={REGION}\n"
                      f"key_file={key_file}\n")
    return config


def fake_url(fake: FakeDataScience, config: Path, **options) -> str:
    """The catalog URL of the fake's compartment and project."""
    settings = {"project": PROJECT, "config": str(config), "endpoint": fake.endpoint, "retries": "4",
                "backoff": "0.01", **{k: str(v) for k, v in options.items()}}
    return f"oci://{REGION}/{COMPARTMENT}?" + "&".join(f"{k}={v}" for k, v in settings.items())


@pytest.fixture
def oci_catalog_url(oci_fake, oci_config_file) -> str:
    return fake_url(oci_fake, oci_config_file)
