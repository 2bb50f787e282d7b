"""A loopback fake of OCI Data Science's model catalog REST API (``/20190101``), for tests.

A real HTTP server on 127.0.0.1 that the real ``oci`` SDK talks to through
``service_endpoint``.  It is strict where the service is:

- every request must carry a valid ``Signature`` (rsa-sha256 over ``date (request-target)
  host``, plus ``content-length content-type x-content-sha256`` for JSON bodies, whose
  sha256 must match), checked with the test's public key: else 401 NotAuthenticated;
- ``if-match`` is honoured on update, activate/deactivate, delete and provenance updates
  (412 on a stale etag);
- ``opc-retry-token``: a create or action repeated with the same token answers what the
  first answered and does nothing again;
- ``list`` pages with ``limit`` (1..1000) and ``opc-next-page``;
- a deleted model stays, as ``DELETED``;
- artifacts are kept on disk, uploaded once (409 for a second one), streamed back with
  ``content-length``, ``etag``, ``content-md5`` and one ``range``;
- every reply has ``opc-request-id`` and a ``content-length``; errors are
  ``{"code", "message"}``; JSON is camelCase.

And it can be told to fail: ``fail(method, path_regex, status)`` (429, 500...),
``drop(...)`` (closes the connection after reading part of the body) and ``slow(...)``.
It also fakes the few Object Storage calls the large-artifact path needs (PUT an object),
answers ``exportArtifact`` with a work request that copies the object in, and answers
Identity's GetUser for the test's user (ADS's ``ModelCatalog`` names each model's author).
"""
from __future__ import annotations

import base64
import email.utils
import hashlib
import json
import os
import queue
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

BASE = "/20190101"
_SIGNATURE_PARAM = re.compile(r'(\w+)="([^"]*)"')
_COPY_CHUNK = 256 * 1024


class _Reply(Exception):
    """An error answer: raised anywhere in a handler, written by the dispatcher."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class Fault:
    method: str
    path: re.Pattern
    kind: str  # "status", "drop", "slow"
    times: int
    status: int = 500
    code: str = "InternalServerError"
    after_bytes: int = 0
    seconds: float = 0.0
    after: bool = False  # do the work, then answer the failure (the answer was lost)


def _now_iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def _ocid(kind: str) -> str:
    return f"ocid1.{kind}.oc1.iad.{uuid.uuid4().hex}{uuid.uuid4().hex[:12]}"


class FakeDataScience:
    """The service's state and its HTTP server.  ``endpoint`` is what the SDK is pointed at."""

    def __init__(self, public_key, key_id: str, folder: str):
        self.public_key = public_key
        self.key_id = key_id
        self.user_id = key_id.split("/")[1]
        self.folder = folder
        self.models: dict[str, dict] = {}
        self.etags: dict[str, str] = {}
        self.artifacts: dict[str, dict] = {}  # model id -> {path, size, md5, etag, time}
        self.provenance: dict[str, dict] = {}
        self.version_sets: dict[str, dict] = {}
        self.projects: dict[str, dict] = {}
        self.work_requests: dict[str, dict] = {}
        self.objects: dict[tuple[str, str, str], str] = {}  # (namespace, bucket, name) -> file
        self.retry_tokens: dict[str, tuple] = {}
        self.sessions: dict[str, tuple] = {}  # security token -> (session public key, principal)
        self.faults: list[Fault] = []
        self.calls: list[tuple[str, str]] = []  # (method, path) of every request, for assertions
        self.retry_tokens_seen: list[str] = []
        self.namespace = "fakenamespace"
        self.fail_exports = False  # exportArtifact work requests end FAILED
        self.lock = threading.RLock()
        self._last_time = datetime.now(timezone.utc) - timedelta(days=1)
        # Listings of a compartment, kept until anything changes (so that a 10,000-model
        # benchmark measures the client, not this fake re-sorting every model per page).
        self._generation = 0
        self._listings: dict[tuple, list[dict]] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self.server.serve_forever, name="fake-oci", daemon=True)
        self._thread.start()

    def accept_session(self, token: str, public_key, principal: str) -> None:
        """Accept requests signed with ``public_key`` under ``keyId = ST$<token>`` (what the Auth
        service's federation issues to an instance principal) until the token expires."""
        self.sessions[token] = (public_key, principal)

    def public_key_of(self, key_id: str):
        """The key that signs for ``key_id``: the test user's API key, or a live session's."""
        if key_id == self.key_id:
            return self.public_key
        if key_id.startswith("ST$") and key_id[3:] in self.sessions:
            claims = jwt.decode(key_id[3:], options={"verify_signature": False})
            if claims["exp"] > time.time():
                return self.sessions[key_id[3:]][0]
        return None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- failure injection ------------------------------------------------------------------
    def fail(self, method: str, path: str, status: int = 500, times: int = 1, code: str | None = None,
             after: bool = False) -> None:
        """Answer the next ``times`` requests matching ``method`` and the regex ``path`` with ``status``;
        ``after``: do what the request asks first (as when the service's answer is lost on the way)."""
        default = {429: "TooManyRequests", 500: "InternalServerError", 503: "ServiceUnavailable"}
        self.faults.append(Fault(method, re.compile(path), "status", times, status,
                                 code or default.get(status, "Error"), after=after))

    def drop(self, method: str, path: str, after_bytes: int = 0, times: int = 1) -> None:
        """Close the connection after reading ``after_bytes`` of the next matching request's body."""
        self.faults.append(Fault(method, re.compile(path), "drop", times, after_bytes=after_bytes))

    def cut(self, method: str, path: str, after_bytes: int, times: int = 1) -> None:
        """Answer the next matching download normally but close the connection after
        ``after_bytes`` of its body (the client sees a short read)."""
        self.faults.append(Fault(method, re.compile(path), "cut", times, after_bytes=after_bytes))

    def slow(self, method: str, path: str, seconds: float, times: int = 1) -> None:
        """Wait ``seconds`` before answering the next matching requests."""
        self.faults.append(Fault(method, re.compile(path), "slow", times, seconds=seconds))

    def _fault_for(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.method == method and fault.path.search(path):
                    fault.times -= 1
                    return fault
        return None

    # --- test helpers -----------------------------------------------------------------------
    def tamper_artifact(self, model_id: str, offset: int, data: bytes) -> None:
        """Overwrite bytes of a stored artifact in place (its size, md5 and etag stay: a silent
        corruption, as a bad disk would make)."""
        with open(self.artifacts[model_id]["path"], "r+b") as f:
            f.seek(offset)
            f.write(data)

    def replace_artifact(self, model_id: str, data: bytes) -> None:
        """Swap the stored artifact for other bytes (or give a model its first), as an upload
        through the console would: OCI's content-md5 is of the new bytes."""
        path = os.path.join(self.folder, f"{model_id}.zip")
        with open(path, "wb") as f:
            f.write(data)
        with self.lock:
            self.artifacts[model_id] = {"path": path, "size": len(data),
                                        "md5": base64.b64encode(hashlib.md5(data).digest()).decode(),
                                        "etag": uuid.uuid4().hex, "time": email.utils.formatdate(usegmt=True),
                                        "disposition": _stored_disposition(None)}

    def add_models(self, count: int, compartment_id: str, project_id: str, prefix: str = "bulk",
                   tags=None) -> list[str]:
        """Create ``count`` bare models directly in the state (as other users would have);
        ``tags(i)``: the freeform tags of the i-th."""
        ids = []
        with self.lock:
            self._generation += 1
            for i in range(count):
                model = self._new_model({"compartmentId": compartment_id, "projectId": project_id,
                                         "displayName": f"{prefix}-{i:05d}",
                                         "freeformTags": tags(i) if tags else {}})
                ids.append(model["id"])
        return ids

    def models_in(self, state: str | None = None) -> list[dict]:
        with self.lock:
            return [m for m in self.models.values() if state is None or m["lifecycleState"] == state]

    # --- the dispatcher ---------------------------------------------------------------------
    def handle(self, req: _Handler, method: str) -> None:
        request_id = uuid.uuid4().hex.upper()
        # One handler object serves every request of a kept-alive connection.
        req.__dict__.pop("_body", None)
        req._swallow = None
        req._cut_after = None
        req._body_consumed = False
        split = urlsplit(req.path)
        path, query = unquote(split.path), parse_qs(split.query)
        with self.lock:
            self.calls.append((method, path))
            if method not in ("GET", "HEAD"):
                self._generation += 1
        fault = self._fault_for(method, path)
        try:
            if fault is not None and fault.kind == "drop":
                self._read_some(req, fault.after_bytes)
                req.close_connection = True
                try:
                    req.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            if fault is not None and fault.kind == "slow":
                time.sleep(fault.seconds)
            self._check_signature(req, method)
            if fault is not None and fault.kind == "cut":
                req._cut_after = fault.after_bytes
            if fault is not None and fault.kind == "status" and fault.after:
                req._swallow = fault
            if fault is not None and fault.kind == "status" and not fault.after:
                self._discard_body(req)
                raise _Reply(fault.status, fault.code, f"Injected {fault.status} by the test.")
            self._route(req, method, path, query, request_id)
        except _Reply as reply:
            self._discard_body(req)
            self._send_json(req, reply.status, {"code": reply.code, "message": reply.message}, request_id)

    def _route(self, req, method, path, query, request_id):
        if path == "/n" or path.startswith("/n/"):
            return self._object_storage(req, method, path, request_id)
        found = re.fullmatch(r"/20160918/users/([^/]+)", path)
        if found and method == "GET":  # Identity's GetUser: ADS's ModelCatalog names each model's author
            return self._user(req, found.group(1), request_id)
        if not path.startswith(BASE + "/"):
            raise _Reply(404, "NotAuthorizedOrNotFound", f"No route {path}.")
        parts = path[len(BASE) + 1:].split("/")
        head = parts[0]
        if head == "models":
            return self._models(req, method, parts[1:], query, request_id)
        if head == "modelVersionSets":
            return self._version_sets(req, method, parts[1:], query, request_id)
        if head == "projects":
            return self._projects(req, method, parts[1:], query, request_id)
        if head == "workRequests" and len(parts) == 2 and method == "GET":
            with self.lock:
                wr = self.work_requests.get(parts[1])
            if wr is None:
                raise _Reply(404, "NotAuthorizedOrNotFound", f"Work request {parts[1]} not found.")
            return self._send_json(req, 200, wr, request_id)
        raise _Reply(404, "NotAuthorizedOrNotFound", f"No route {method} {path}.")

    def _user(self, req, user_id: str, request_id: str) -> None:
        if user_id != self.user_id:
            raise _Reply(404, "NotAuthorizedOrNotFound", f"User {user_id} not found.")
        self._send_json(req, 200, {"id": user_id, "compartmentId": self.key_id.split("/")[0], "name": "fake-user",
                                   "description": "the test's API key user", "lifecycleState": "ACTIVE",
                                   "timeCreated": _now_iso(datetime(2024, 1, 1, tzinfo=timezone.utc))},
                        request_id, {"etag": "u1"})

    # --- signing ----------------------------------------------------------------------------
    def _check_signature(self, req, method: str) -> None:
        auth = req.headers.get("authorization", "")
        if not auth.startswith("Signature "):
            raise _Reply(401, "NotAuthenticated", "The required information to complete authentication was "
                                                  "not provided or was incorrect.")
        params = dict(_SIGNATURE_PARAM.findall(auth))
        public_key = self.public_key_of(params.get("keyId", ""))
        if public_key is None or params.get("algorithm") != "rsa-sha256":
            raise _Reply(401, "NotAuthenticated", f"Unknown key {params.get('keyId')!r}.")
        names = params.get("headers", "").split()
        required = {"date", "(request-target)", "host"}
        json_body = method in ("POST", "PUT") and req.headers.get("content-type", "").startswith("application/json")
        if json_body:
            required |= {"content-length", "content-type", "x-content-sha256"}
        if not required <= set(names):
            raise _Reply(401, "NotAuthenticated", f"The signature must cover {sorted(required)}; it covers {names}.")
        lines = []
        for name in names:
            if name == "(request-target)":
                lines.append(f"(request-target): {method.lower()} {req.path}")
            else:
                value = req.headers.get(name)
                if value is None:
                    raise _Reply(401, "NotAuthenticated", f"The signed header {name} is missing.")
                lines.append(f"{name}: {value}")
        try:
            public_key.verify(base64.b64decode(params.get("signature", "")), "\n".join(lines).encode(),
                                   padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            raise _Reply(401, "NotAuthenticated", "The signature does not verify.") from None
        sent = email.utils.parsedate_to_datetime(req.headers["date"])
        if abs((datetime.now(timezone.utc) - sent).total_seconds()) > 300:
            raise _Reply(401, "NotAuthenticated", "The date header is more than 5 minutes off.")
        if json_body:
            body = self._body(req)
            digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
            if digest != req.headers.get("x-content-sha256"):
                raise _Reply(401, "NotAuthenticated", "x-content-sha256 does not match the body.")

    # --- bodies -----------------------------------------------------------------------------
    def _body(self, req) -> bytes:
        if not hasattr(req, "_body"):
            length = req.headers.get("content-length")
            if length is None and req.command in ("POST", "PUT"):
                raise _Reply(411, "LengthRequired", "content-length is required.")
            req._body = req.rfile.read(int(length or 0))
        return req._body

    def _json(self, req) -> dict:
        try:
            data = json.loads(self._body(req) or b"{}")
        except ValueError:
            raise _Reply(400, "InvalidParameter", "The body is not JSON.") from None
        if not isinstance(data, dict):
            raise _Reply(400, "InvalidParameter", "The body must be a JSON object.")
        return data

    def _read_some(self, req, count: int) -> None:
        length = int(req.headers.get("content-length") or 0)
        left = min(count, length)
        while left > 0:
            got = req.rfile.read(min(left, _COPY_CHUNK))
            if not got:
                break
            left -= len(got)

    def _discard_body(self, req) -> None:
        if hasattr(req, "_body") or req._body_consumed:
            return
        length = int(req.headers.get("content-length") or 0)
        self._read_some(req, length)
        req._body_consumed = True

    # --- replies ----------------------------------------------------------------------------
    def _send_json(self, req, status: int, data, request_id: str, headers: dict | None = None) -> None:
        if req._swallow is not None and status < 400:
            fault, req._swallow = req._swallow, None
            data, headers, status = {"code": fault.code, "message": "Injected after the work."}, {}, fault.status
        body = json.dumps(data).encode() if data is not None else b""
        req.send_response(status)
        req.send_header("opc-request-id", request_id)
        if data is not None:
            req.send_header("content-type", "application/json")
        for key, value in (headers or {}).items():
            req.send_header(key, value)
        req.send_header("content-length", str(len(body)))
        req.end_headers()
        if req.command != "HEAD":
            req.wfile.write(body)

    def _retry_token(self, req, method: str, path: str):
        """The stored answer of an earlier request with this opc-retry-token, if any."""
        token = req.headers.get("opc-retry-token")
        if token is None:
            return None, None
        with self.lock:
            self.retry_tokens_seen.append(token)
            stored = self.retry_tokens.get(token)
        if stored is None:
            return token, None
        if stored[0] != (method, path):
            raise _Reply(409, "InvalidatedRetryToken", "The retry token was used for another request.")
        return token, stored[1]

    def _remember(self, token, method, path, answer) -> None:
        if token is not None:
            with self.lock:
                self.retry_tokens[token] = ((method, path), answer)

    def _check_if_match(self, req, current: str) -> None:
        given = req.headers.get("if-match")
        if given is not None and given != current:
            raise _Reply(412, "NoEtagMatch", "The resource's etag does not match if-match.")

    # --- models -----------------------------------------------------------------------------
    def _next_time(self) -> datetime:
        now = datetime.now(timezone.utc)
        self._last_time = max(now, self._last_time + timedelta(microseconds=1))
        return self._last_time

    @staticmethod
    def _check_metadata(data: dict) -> None:
        for key in ("customMetadataList", "definedMetadataList"):
            if len(json.dumps(data.get(key) or [], separators=(",", ":"))) > 32000:
                raise _Reply(400, "InvalidParameter", f"{key} is over 32000 characters.")

    def _new_model(self, data: dict) -> dict:
        self._check_metadata(data)
        for key in ("compartmentId", "projectId"):
            if not isinstance(data.get(key), str) or not data[key]:
                raise _Reply(400, "InvalidParameter", f"{key} is required.")
        version_set_id, version_set_name, version_id = data.get("modelVersionSetId"), None, None
        if version_set_id:
            vs = self.version_sets.get(version_set_id)
            if vs is None or vs["lifecycleState"] != "ACTIVE":
                raise _Reply(404, "NotAuthorizedOrNotFound", f"Model version set {version_set_id} not found.")
            vs["_last_version"] += 1
            version_set_name, version_id = vs["name"], vs["_last_version"]
        model = {
            "id": _ocid("datasciencemodel"), "compartmentId": data["compartmentId"], "projectId": data["projectId"],
            "displayName": data.get("displayName") or f"model{int(time.time())}",
            "description": data.get("description"), "lifecycleState": "ACTIVE", "lifecycleDetails": None,
            "timeCreated": _now_iso(self._next_time()), "createdBy": self.user_id,
            "freeformTags": data.get("freeformTags") or {}, "definedTags": data.get("definedTags") or {},
            "customMetadataList": data.get("customMetadataList") or [],
            "definedMetadataList": data.get("definedMetadataList") or [],
            "inputSchema": data.get("inputSchema"), "outputSchema": data.get("outputSchema"),
            "modelVersionSetId": version_set_id, "modelVersionSetName": version_set_name,
            "versionId": version_id, "versionLabel": data.get("versionLabel"), "category": "USER",
            "isModelByReference": False,
        }
        self.models[model["id"]] = model
        self.etags[model["id"]] = uuid.uuid4().hex
        return model

    def _model(self, model_id: str) -> dict:
        model = self.models.get(model_id)
        if model is None:
            raise _Reply(404, "NotAuthorizedOrNotFound", f"Authorization failed or requested resource not found "
                                                         f"(model {model_id}).")
        return model

    def _answer_model(self, req, status, model_id, request_id, extra=None):
        with self.lock:
            data, etag = json.loads(json.dumps(self.models[model_id])), self.etags[model_id]
        self._send_json(req, status, data, request_id, {"etag": etag, **(extra or {})})

    def _models(self, req, method, rest, query, request_id):
        path = "/models/" + "/".join(rest)
        if not rest:
            if method == "POST":
                token, answer = self._retry_token(req, method, path)
                data = self._json(req)
                if answer is None:
                    with self.lock:
                        answer = self._new_model(data)["id"]
                    self._remember(token, method, path, answer)
                return self._answer_model(req, 200, answer, request_id)
            if method == "GET":
                return self._list(req, query, request_id)
        model_id = rest[0]
        with self.lock:
            self._model(model_id)
        if len(rest) == 1:
            if method == "GET":
                return self._answer_model(req, 200, model_id, request_id)
            if method == "PUT":
                data = self._json(req)
                with self.lock:
                    model = self._model(model_id)
                    self._check_if_match(req, self.etags[model_id])
                    if model["lifecycleState"] == "DELETED":
                        raise _Reply(409, "IncorrectState", "The model is deleted.")
                    self._check_metadata(data)
                    for key in ("displayName", "description", "freeformTags", "definedTags", "customMetadataList",
                                "definedMetadataList", "versionLabel"):
                        if key in data and data[key] is not None:
                            model[key] = data[key]
                    self.etags[model_id] = uuid.uuid4().hex
                return self._answer_model(req, 200, model_id, request_id)
            if method == "DELETE":
                with self.lock:
                    model = self._model(model_id)
                    self._check_if_match(req, self.etags[model_id])
                    if model["lifecycleState"] == "DELETED":
                        raise _Reply(404, "NotAuthorizedOrNotFound", f"Model {model_id} is already deleted.")
                    model["lifecycleState"] = "DELETED"
                    self.etags[model_id] = uuid.uuid4().hex
                return self._send_json(req, 204, None, request_id)
        if len(rest) == 3 and rest[1] == "actions":
            return self._model_action(req, method, model_id, rest[2], path, request_id)
        if rest[1:] == ["artifact"] and method == "POST":
            return self._upload_artifact(req, model_id, path, request_id)
        if rest[1:] == ["artifact", "content"] and method in ("GET", "HEAD"):
            return self._download_artifact(req, model_id, request_id)
        if rest[1:] == ["provenance"]:
            return self._provenance(req, method, model_id, path, request_id)
        raise _Reply(404, "NotAuthorizedOrNotFound", f"No route {method} {path}.")

    def _model_action(self, req, method, model_id, action, path, request_id):
        if method != "POST":
            raise _Reply(405, "MethodNotAllowed", "Actions are POSTed.")
        token, answer = self._retry_token(req, method, path)
        data = self._json(req) if req.headers.get("content-type", "").startswith("application/json") else {}
        if answer is not None:
            if action == "exportArtifact":
                return self._send_json(req, 200, None, request_id, {"opc-work-request-id": answer})
            return self._answer_model(req, 200, model_id, request_id)
        with self.lock:
            model = self._model(model_id)
            self._check_if_match(req, self.etags[model_id])
            if action in ("activate", "deactivate"):
                wanted = "ACTIVE" if action == "activate" else "INACTIVE"
                if model["lifecycleState"] == wanted or model["lifecycleState"] not in ("ACTIVE", "INACTIVE"):
                    raise _Reply(409, "IncorrectState", f"The model is {model['lifecycleState']}.")
                model["lifecycleState"] = wanted
            elif action == "changeCompartment":
                if not data.get("compartmentId"):
                    raise _Reply(400, "InvalidParameter", "compartmentId is required.")
                model["compartmentId"] = data["compartmentId"]
            elif action == "exportArtifact":
                answer = self._start_export(model_id, data)
                self._remember(token, method, path, answer)
                return self._send_json(req, 200, None, request_id, {"opc-work-request-id": answer})
            else:
                raise _Reply(404, "NotAuthorizedOrNotFound", f"No action {action}.")
            self.etags[model_id] = uuid.uuid4().hex
        self._remember(token, method, path, model_id)
        if action == "changeCompartment":
            return self._send_json(req, 200, None, request_id)
        return self._answer_model(req, 200, model_id, request_id)

    def _list(self, req, query, request_id):
        def one(name):
            values = query.get(name)
            return values[0] if values else None

        compartment = one("compartmentId")
        if not compartment:
            raise _Reply(400, "MissingParameter", "compartmentId is required.")
        try:
            limit = int(one("limit") or 100)
        except ValueError:
            raise _Reply(400, "InvalidParameter", "limit must be a number.") from None
        if not 1 <= limit <= 1000:
            raise _Reply(400, "InvalidParameter", "limit must be between 1 and 1000.")
        sort_by = one("sortBy") or "timeCreated"
        if sort_by not in ("timeCreated", "displayName", "lifecycleState"):
            raise _Reply(400, "InvalidParameter", f"Unknown sortBy {sort_by}.")
        order = one("sortOrder") or ("DESC" if sort_by == "timeCreated" else "ASC")
        filters = {"compartmentId": compartment}
        for name in ("projectId", "id", "displayName", "lifecycleState", "createdBy", "modelVersionSetName",
                     "versionLabel"):
            if one(name) is not None:
                filters[name] = one(name)
        with self.lock:
            key = (self._generation, len(self.models), tuple(sorted(filters.items())), sort_by, order)
            rows = self._listings.get(key)
            if rows is None:
                rows = [m for m in self.models.values() if all(m.get(k) == v for k, v in filters.items())]
                rows.sort(key=lambda m: (m[sort_by], m["id"]), reverse=order == "DESC")
                if len(self._listings) > 16 or any(k[0] != self._generation for k in self._listings):
                    self._listings.clear()
                self._listings[key] = rows
            start = 0
            page = one("page")
            if page:
                try:
                    start = int(base64.urlsafe_b64decode(page.encode()).decode().removeprefix("offset:"))
                except ValueError:
                    raise _Reply(400, "InvalidParameter", "Invalid page token.") from None
            chunk = rows[start:start + limit]
            summaries = [{k: m[k] for k in _SUMMARY_KEYS} for m in chunk]
        headers = {}
        if start + limit < len(rows):
            headers["opc-next-page"] = base64.urlsafe_b64encode(f"offset:{start + limit}".encode()).decode()
        self._send_json(req, 200, summaries, request_id, headers)

    # --- artifacts --------------------------------------------------------------------------
    def _upload_artifact(self, req, model_id, path, request_id):
        token, answer = self._retry_token(req, "POST", path)
        length = req.headers.get("content-length")
        if length is None:
            raise _Reply(411, "LengthRequired", "content-length is required for an artifact upload.")
        if answer is not None:
            self._discard_body(req)
            return self._send_json(req, 200, None, request_id)
        with self.lock:
            if model_id in self.artifacts:
                raise _Reply(409, "Conflict", f"Model {model_id} already has an artifact.")
        target = os.path.join(self.folder, f"{model_id}.{uuid.uuid4().hex[:6]}.partial")
        md5, left = _BackgroundMd5(), int(length)
        try:
            with open(target, "wb") as out:
                while left > 0:
                    got = req.rfile.read(min(left, _COPY_CHUNK))
                    if not got:
                        break
                    out.write(got)
                    md5.update(got)
                    left -= len(got)
        finally:
            digest = md5.digest()
        req._body_consumed = True
        if left:
            os.unlink(target)
            req.close_connection = True
            return
        final = os.path.join(self.folder, f"{model_id}.zip")
        os.replace(target, final)
        with self.lock:
            self.artifacts[model_id] = {"path": final, "size": int(length),
                                        "md5": base64.b64encode(digest).decode(), "etag": uuid.uuid4().hex,
                                        "time": email.utils.formatdate(usegmt=True),
                                        "disposition": _stored_disposition(req.headers.get("content-disposition"))}
        self._remember(token, "POST", path, True)
        self._send_json(req, 200, None, request_id)

    def _download_artifact(self, req, model_id, request_id):
        with self.lock:
            art = self.artifacts.get(model_id)
            if self.models[model_id]["lifecycleState"] == "DELETED" or art is None:
                raise _Reply(404, "NotAuthorizedOrNotFound", f"Model {model_id} has no artifact.")
            art = dict(art)
        start, end, status = 0, art["size"] - 1, 200
        wanted = req.headers.get("range")
        if wanted:
            found = re.fullmatch(r"bytes=(\d+)-(\d*)", wanted.strip())
            if not found or int(found.group(1)) >= art["size"]:
                raise _Reply(416, "InvalidRange", f"Cannot serve range {wanted}.")
            start = int(found.group(1))
            end = min(int(found.group(2)), art["size"] - 1) if found.group(2) else art["size"] - 1
            status = 206
        req.send_response(status)
        req.send_header("opc-request-id", request_id)
        req.send_header("content-type", "application/octet-stream")
        req.send_header("etag", art["etag"])
        req.send_header("content-md5", art["md5"])
        req.send_header("content-disposition", art["disposition"])
        req.send_header("last-modified", art["time"])
        if status == 206:
            req.send_header("content-range", f"bytes {start}-{end}/{art['size']}")
        req.send_header("content-length", str(end - start + 1))
        req.end_headers()
        if req.command == "HEAD":
            return
        left = end - start + 1
        if req._cut_after is not None:
            left = min(left, req._cut_after)
        with open(art["path"], "rb") as f:
            f.seek(start)
            while left > 0:
                chunk = f.read(min(left, _COPY_CHUNK))
                if not chunk:
                    break
                req.wfile.write(chunk)
                left -= len(chunk)
        if req._cut_after is not None:
            req.wfile.flush()
            req.close_connection = True
            try:
                req.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _start_export(self, model_id, data) -> str:
        details = data.get("artifactExportDetails") or {}
        if details.get("artifactSourceType") != "ORACLE_OBJECT_STORAGE":
            raise _Reply(400, "InvalidParameter", "artifactSourceType must be ORACLE_OBJECT_STORAGE.")
        key = (details.get("namespace"), details.get("sourceBucket"), details.get("sourceObjectName"))
        if key not in self.objects:
            raise _Reply(404, "NotAuthorizedOrNotFound", f"No object {key}.")
        wr_id = _ocid("datascienceworkrequest")
        self.work_requests[wr_id] = {"id": wr_id, "operationType": "MODEL_EXPORT_ARTIFACT", "status": "ACCEPTED",
                                     "percentComplete": 0.0, "compartmentId": self.models[model_id]["compartmentId"],
                                     "resources": [{"entityType": "model", "actionType": "UPDATED",
                                                    "identifier": model_id}],
                                     "timeAccepted": _now_iso(datetime.now(timezone.utc))}
        threading.Thread(target=self._run_export, args=(wr_id, model_id, self.objects[key]), daemon=True).start()
        return wr_id

    def _run_export(self, wr_id, model_id, source) -> None:
        steps = 4
        for i in range(1, steps):
            time.sleep(0.05)
            with self.lock:
                self.work_requests[wr_id].update(status="IN_PROGRESS", percentComplete=100.0 * i / steps)
        if self.fail_exports:
            with self.lock:
                self.work_requests[wr_id].update(status="FAILED", timeFinished=_now_iso(datetime.now(timezone.utc)))
            return
        final = os.path.join(self.folder, f"{model_id}.zip")
        md5 = hashlib.md5()
        with open(source, "rb") as src, open(final, "wb") as out:
            while chunk := src.read(_COPY_CHUNK):
                md5.update(chunk)
                out.write(chunk)
        with self.lock:
            self.artifacts[model_id] = {"path": final, "size": os.path.getsize(final),
                                        "md5": base64.b64encode(md5.digest()).decode(), "etag": uuid.uuid4().hex,
                                        "time": email.utils.formatdate(usegmt=True),
                                        "disposition": _stored_disposition(None)}
            self.work_requests[wr_id].update(status="SUCCEEDED", percentComplete=100.0,
                                             timeFinished=_now_iso(datetime.now(timezone.utc)))

    def _object_storage(self, req, method, path, request_id):
        if path in ("/n", "/n/") and method == "GET":
            return self._send_json(req, 200, self.namespace, request_id)
        found = re.fullmatch(r"/n/([^/]+)/b/([^/]+)/o/(.+)", path)
        if not found or method not in ("PUT", "DELETE"):
            raise _Reply(404, "NotFound", f"No object storage route {method} {path}.")
        key = found.groups()
        if method == "DELETE":
            with self.lock:
                self.objects.pop(key, None)
            return self._send_json(req, 204, None, request_id)
        length = req.headers.get("content-length")
        if length is None:
            raise _Reply(411, "LengthRequired", "content-length is required.")
        target = os.path.join(self.folder, f"object-{uuid.uuid4().hex}")
        left = int(length)
        with open(target, "wb") as out:
            while left > 0:
                got = req.rfile.read(min(left, _COPY_CHUNK))
                if not got:
                    break
                out.write(got)
                left -= len(got)
        req._body_consumed = True
        with self.lock:
            self.objects[key] = target
        self._send_json(req, 200, None, request_id, {"etag": uuid.uuid4().hex})

    # --- provenance -------------------------------------------------------------------------
    def _provenance(self, req, method, model_id, path, request_id):
        keys = ("repositoryUrl", "gitBranch", "gitCommit", "scriptDir", "trainingScript", "trainingId")
        if method == "GET":
            with self.lock:
                stored = self.provenance.get(model_id)
            if stored is None:
                raise _Reply(404, "NotAuthorizedOrNotFound", f"Model {model_id} has no provenance.")
            return self._send_json(req, 200, stored["data"], request_id, {"etag": stored["etag"]})
        data = self._json(req)
        if method == "POST":
            token, answer = self._retry_token(req, method, path)
            with self.lock:
                if answer is None:
                    if model_id in self.provenance:
                        raise _Reply(409, "Conflict", f"Model {model_id} already has provenance.")
                    self.provenance[model_id] = {"data": {k: data.get(k) for k in keys}, "etag": uuid.uuid4().hex}
                    self._remember(token, method, path, True)
                stored = self.provenance[model_id]
            return self._send_json(req, 200, stored["data"], request_id, {"etag": stored["etag"]})
        if method == "PUT":
            with self.lock:
                stored = self.provenance.get(model_id)
                if stored is None:
                    raise _Reply(404, "NotAuthorizedOrNotFound", f"Model {model_id} has no provenance.")
                self._check_if_match(req, stored["etag"])
                stored["data"] = {k: data.get(k) for k in keys}
                stored["etag"] = uuid.uuid4().hex
            return self._send_json(req, 200, stored["data"], request_id, {"etag": stored["etag"]})
        raise _Reply(405, "MethodNotAllowed", f"{method} on provenance.")

    # --- version sets and projects ----------------------------------------------------------
    def _version_sets(self, req, method, rest, query, request_id):
        path = "/modelVersionSets/" + "/".join(rest)
        if not rest and method == "POST":
            token, answer = self._retry_token(req, method, path)
            data = self._json(req)
            with self.lock:
                if answer is None:
                    for key in ("compartmentId", "projectId", "name"):
                        if not data.get(key):
                            raise _Reply(400, "InvalidParameter", f"{key} is required.")
                    if any(v["name"] == data["name"] and v["compartmentId"] == data["compartmentId"]
                           and v["lifecycleState"] != "DELETED" for v in self.version_sets.values()):
                        raise _Reply(409, "Conflict", f"A model version set named {data['name']} exists.")
                    answer = _ocid("datasciencemodelversionset")
                    self.version_sets[answer] = {
                        "id": answer, "compartmentId": data["compartmentId"], "projectId": data["projectId"],
                        "name": data["name"], "description": data.get("description"), "lifecycleState": "ACTIVE",
                        "timeCreated": _now_iso(self._next_time()), "timeUpdated": None,
                        "createdBy": self.user_id, "freeformTags": data.get("freeformTags") or {},
                        "definedTags": {}, "_last_version": 0, "_etag": uuid.uuid4().hex}
                    self._remember(token, method, path, answer)
                vs = self.version_sets[answer]
            return self._send_json(req, 200, _public(vs), request_id, {"etag": vs["_etag"]})
        if not rest and method == "GET":
            with self.lock:
                rows = [_public(v) for v in self.version_sets.values()
                        if v["compartmentId"] == (query.get("compartmentId") or [None])[0]]
            return self._send_json(req, 200, rows, request_id)
        if len(rest) == 1:
            with self.lock:
                vs = self.version_sets.get(rest[0])
                if vs is None:
                    raise _Reply(404, "NotAuthorizedOrNotFound", f"Model version set {rest[0]} not found.")
                if method == "DELETE":
                    self._check_if_match(req, vs["_etag"])
                    vs["lifecycleState"] = "DELETED"
                    return self._send_json(req, 202, None, request_id)
                if method == "GET":
                    return self._send_json(req, 200, _public(vs), request_id, {"etag": vs["_etag"]})
        raise _Reply(404, "NotAuthorizedOrNotFound", f"No route {method} {path}.")

    def _projects(self, req, method, rest, query, request_id):
        if not rest and method == "POST":
            data = self._json(req)
            token, answer = self._retry_token(req, method, "/projects")
            with self.lock:
                if answer is None:
                    if not data.get("compartmentId"):
                        raise _Reply(400, "InvalidParameter", "compartmentId is required.")
                    answer = _ocid("datascienceproject")
                    self.projects[answer] = {"id": answer, "compartmentId": data["compartmentId"],
                                             "displayName": data.get("displayName") or answer[-8:],
                                             "description": data.get("description"), "lifecycleState": "ACTIVE",
                                             "timeCreated": _now_iso(self._next_time()), "createdBy": self.user_id,
                                             "freeformTags": data.get("freeformTags") or {}, "definedTags": {}}
                    self._remember(token, method, "/projects", answer)
                project = self.projects[answer]
            return self._send_json(req, 200, project, request_id, {"etag": "p" + answer[-8:]})
        if not rest and method == "GET":
            compartment = (query.get("compartmentId") or [None])[0]
            if not compartment:
                raise _Reply(400, "MissingParameter", "compartmentId is required.")
            with self.lock:
                rows = sorted((p for p in self.projects.values() if p["compartmentId"] == compartment),
                              key=lambda p: p["timeCreated"], reverse=True)
            return self._send_json(req, 200, rows, request_id)
        if len(rest) == 1 and method == "GET":
            with self.lock:
                project = self.projects.get(rest[0])
            if project is None:
                raise _Reply(404, "NotAuthorizedOrNotFound", f"Project {rest[0]} not found.")
            return self._send_json(req, 200, project, request_id, {"etag": "p" + rest[0][-8:]})
        raise _Reply(404, "NotAuthorizedOrNotFound", f"No route {method} /projects/{'/'.join(rest)}.")


_SUMMARY_KEYS = ("compartmentId", "projectId", "id", "displayName", "createdBy", "timeCreated", "lifecycleState",
                 "lifecycleDetails", "modelVersionSetId", "modelVersionSetName", "versionId", "versionLabel",
                 "category", "isModelByReference", "freeformTags", "definedTags")


class _BackgroundMd5:
    """MD5 on its own thread (hashlib lets go of the GIL): at ~330 MiB/s here, hashing in line
    with receiving made this fake, not the client, the pace of a 1 GiB upload."""

    def __init__(self):
        self._md5 = hashlib.md5()
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="fake-oci-md5", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (chunk := self._queue.get()) is not None:
            self._md5.update(chunk)

    def update(self, chunk: bytes) -> None:
        self._queue.put(chunk)

    def digest(self) -> bytes:
        self._queue.put(None)
        self._thread.join()
        return self._md5.digest()


def _stored_disposition(sent: str | None) -> str:
    """What the service answers for a stored artifact: its own name, unquoted, whatever the
    upload said (ADS documents ``attachment; filename=artifact.zip`` and parses it that way);
    only the extension (.zip, or .json for a model by reference) is kept."""
    found = re.search(r'filename="?[^";]*?(\.json|\.zip)"?\s*$', sent or "", re.IGNORECASE)
    return f"attachment; filename=artifact{found.group(1).lower() if found else '.zip'}"


def _public(row: dict) -> dict:
    return {k: v for k, v in row.items() if not k.startswith("_")}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out as separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK hold every small reply back ~40 ms (the fake, not the client,
        # would then set the pace of every listing).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self):
        self.server.fake.handle(self, "GET")

    def do_HEAD(self):
        self.server.fake.handle(self, "HEAD")

    def do_POST(self):
        self.server.fake.handle(self, "POST")

    def do_PUT(self):
        self.server.fake.handle(self, "PUT")

    def do_DELETE(self):
        self.server.fake.handle(self, "DELETE")

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass
