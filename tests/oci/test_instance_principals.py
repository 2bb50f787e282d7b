"""Instance principals (``auth=instance_principal``) through the real SDK's signer, against a
loopback instance metadata service and Auth federation endpoint: the SDK fetches the
instance's certificate, trades it for a security token, and signs every Data Science call
with the session key, which the fake service checks."""
from __future__ import annotations

import pytest
from oci_fake_identity import FakeInstanceIdentity
from oci_fixtures import COMPARTMENT, PROJECT, REGION, TENANCY

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.errors import CatalogUnavailable


@pytest.fixture
def identity(oci_fake, monkeypatch):
    fake = FakeInstanceIdentity(oci_fake, TENANCY, REGION)
    monkeypatch.setenv("OCI_METADATA_BASE_URL", fake.metadata_url)
    yield fake
    fake.close()


def _url(oci_fake, auth_endpoint: str, **more) -> str:
    options = {"project": PROJECT, "auth": "instance_principal", "endpoint": oci_fake.endpoint,
               "auth_endpoint": auth_endpoint, "retries": "2", "backoff": "0.01", **more}
    return f"oci:///{COMPARTMENT}?" + "&".join(f"{k}={v}" for k, v in options.items())


def test_an_instance_principal_saves_lists_and_reads_back(oci_fake, identity, tmp_path):
    folder = tmp_path / "artifact"
    folder.mkdir()
    (folder / "score.py").write_text("def load_model():\n    return 1\n\ndef predict(data, model=None):\n"
                                     "    return {'prediction': [1]}\n")
    # No region in the URL: the SDK reads it from the instance metadata.
    with open_catalog(_url(oci_fake, identity.federation_endpoint)) as catalog:
        entry = catalog.save(str(folder), display_name="from-an-instance")
        assert [e.id for e in catalog.list().items] == [entry.id]
        assert b"".join(catalog.iter_file(entry.id, "score.py")) == (folder / "score.py").read_bytes()
    assert identity.tokens_issued == 1
    # Every call after the token was signed with the session key (keyId ST$<token>).
    assert oci_fake.sessions and len(oci_fake.calls) >= 3


def test_instance_principals_off_an_instance_are_one_clear_error(oci_fake, identity, monkeypatch):
    # The federation refuses (a certificate it does not know): no token, one message saying where
    # instance principals work and what to use elsewhere.
    monkeypatch.setattr(identity, "tenancy", "ocid1.tenancy.oc1..someoneelse")
    with pytest.raises(CatalogUnavailable) as refused:
        open_catalog(_url(oci_fake, identity.federation_endpoint)).list()
    message = str(refused.value)
    assert "instance principals" in message and "auth=api_key" in message
    assert identity.tokens_issued == 0
