"""A loopback fake of what instance principals need: the instance metadata service (IMDS v2)
and the Auth service's x509 federation endpoint.

The real SDK's ``InstancePrincipalsSecurityTokenSigner`` reads the region, the instance's
leaf certificate, its key and the intermediate certificate from IMDS
(``$OCI_METADATA_BASE_URL``, ``Authorization: Bearer Oracle`` required), then posts the
certificate and a fresh session public key to the federation endpoint, signed with the leaf
key (``keyId = <tenancy>/fed-x509/<SHA-1 fingerprint>``).  The fake checks all of that, issues
a JWT security token, and tells the fake Data Science service (``FakeDataScience``) to accept
requests signed by the session key under ``keyId = ST$<token>``, as the real services do.
"""
from __future__ import annotations

import base64
import email.utils
import json
import re
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

_SIGNATURE_PARAM = re.compile(r'(\w+)="([^"]*)"')


def _certificate(subject: list[x509.NameAttribute], key, issuer_name: x509.Name, issuer_key, ca: bool):
    now = datetime.now(timezone.utc)
    return (x509.CertificateBuilder().subject_name(x509.Name(subject)).issuer_name(issuer_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(issuer_key, hashes.SHA256()))


def _pem(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


class FakeInstanceIdentity:
    """IMDS + federation for one instance of ``tenancy`` in ``region``; ``data_science`` is the
    FakeDataScience that will accept the tokens issued here."""

    def __init__(self, data_science, tenancy: str, region: str, token_seconds: int = 3600):
        self.data_science = data_science
        self.tenancy = tenancy
        self.region = region
        self.token_seconds = token_seconds
        self.instance_id = f"ocid1.instance.oc1.iad.{uuid.uuid4().hex}"
        self.secret = uuid.uuid4().hex  # signs the tokens this fake issues
        ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Fake OCI Intermediate CA")])
        self.intermediate = _certificate(list(ca_name), ca_key, ca_name, ca_key, ca=True)
        self.leaf = _certificate([x509.NameAttribute(NameOID.COMMON_NAME, self.instance_id),
                                  x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"opc-tenant:{tenancy}"),
                                  x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "opc-instance:" +
                                                     self.instance_id)],
                                 self.leaf_key, ca_name, ca_key, ca=False)
        self.tokens_issued = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.identity = self  # type: ignore[attr-defined]
        threading.Thread(target=self.server.serve_forever, name="fake-oci-identity", daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def metadata_url(self) -> str:
        """What ``$OCI_METADATA_BASE_URL`` is set to."""
        return f"{self.base}/opc/v2"

    @property
    def federation_endpoint(self) -> str:
        return f"{self.base}/v1/x509"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- the federation endpoint ---------------------------------------------------------
    def issue_token(self, body: dict, headers, request_target: str) -> str:
        """Check a federation request (signature by the leaf key, the leaf certificate it
        carries) and return a security token for its session key."""
        fingerprint = ":".join(f"{b:02X}" for b in self.leaf.fingerprint(hashes.SHA1()))  # noqa: S303 (OCI's)
        params = dict(_SIGNATURE_PARAM.findall(headers.get("authorization", "")))
        if params.get("keyId") != f"{self.tenancy}/fed-x509/{fingerprint}":
            raise PermissionError(f"Unknown key {params.get('keyId')!r}.")
        lines = []
        for name in params.get("headers", "").split():
            lines.append(f"(request-target): {request_target}" if name == "(request-target)"
                         else f"{name}: {headers.get(name, '')}")
        if not {"date", "(request-target)"} <= set(params.get("headers", "").split()):
            raise PermissionError("The signature must cover date and (request-target).")
        try:
            self.leaf_key.public_key().verify(base64.b64decode(params.get("signature", "")), "\n".join(lines).encode(),
                                              padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            raise PermissionError("The signature does not verify.") from None
        sent = email.utils.parsedate_to_datetime(headers["date"])
        if abs((datetime.now(timezone.utc) - sent).total_seconds()) > 300:
            raise PermissionError("The date header is more than 5 minutes off.")
        leaf_body = "".join(_pem(self.leaf).decode().splitlines()[1:-1])
        if body.get("certificate") != leaf_body:
            raise PermissionError("The certificate is not this instance's.")
        session_key = serialization.load_pem_public_key(
            ("-----BEGIN PUBLIC KEY-----\n" + body["publicKey"] + "\n-----END PUBLIC KEY-----\n").encode())
        now = int(time.time())
        token = jwt.encode({"sub": self.instance_id, "tenant": self.tenancy, "iat": now,
                            "exp": now + self.token_seconds, "ptype": "instance"}, self.secret, algorithm="HS256")
        self.data_science.accept_session(token, session_key, self.instance_id)
        self.tokens_issued += 1
        return token


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet tests
        pass

    def _send(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        identity: FakeInstanceIdentity = self.server.identity  # type: ignore[attr-defined]
        if self.headers.get("Authorization") != "Bearer Oracle":
            return self._send(401, b"IMDS v2 requires Authorization: Bearer Oracle")
        answers = {
            "/opc/v2/instance/region": identity.region.encode(),
            "/opc/v2/identity/cert.pem": _pem(identity.leaf),
            "/opc/v2/identity/intermediate.pem": _pem(identity.intermediate),
            "/opc/v2/identity/key.pem": identity.leaf_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption()),
        }
        if self.path not in answers:
            return self._send(404, b"Not found")
        self._send(200, answers[self.path])

    def do_POST(self) -> None:  # noqa: N802
        identity: FakeInstanceIdentity = self.server.identity  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path != "/v1/x509":
            return self._send(404, b"Not found")
        try:
            token = identity.issue_token(json.loads(body), self.headers, f"post {self.path}")
        except (PermissionError, KeyError, ValueError) as exc:
            return self._send(401, json.dumps({"code": "NotAuthenticated", "message": str(exc)}).encode(),
                              "application/json")
        self._send(200, json.dumps({"token": token}).encode(), "application/json")
