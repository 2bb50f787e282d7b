"""Run a cell in a kernel of a remote Jupyter server, as JupyterLab does: the kernels REST API
and the kernel's websocket."""
from __future__ import annotations

import asyncio
import json
import urllib.request
import uuid
from datetime import datetime, timezone

from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from tests.notebook_output import add_iopub_output


def _rest(method: str, url: str, token: str, body: dict | None = None) -> dict | None:
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        data = response.read()
    return json.loads(data) if data else None


async def _execute(server: str, kernel_id: str, token: str, code: str, timeout: float) -> str:
    ws_url = f"{server.replace('http', 'ws', 1)}/api/kernels/{kernel_id}/channels"
    connection = await websocket_connect(HTTPRequest(ws_url, headers={"Authorization": f"token {token}"}))
    session, msg_id = uuid.uuid4().hex, uuid.uuid4().hex
    connection.write_message(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "", "session": session,
                   "date": datetime.now(timezone.utc).isoformat(), "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True}}))
    out: list[str] = []
    try:
        while True:
            raw = await asyncio.wait_for(connection.read_message(), timeout)
            if raw is None:
                raise RuntimeError("the kernel's websocket closed")
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id or msg.get("channel") != "iopub":
                continue
            if add_iopub_output(out, msg):
                return "".join(out)
    finally:
        connection.close()


def run_cell(server: str, token: str, code: str, timeout: float = 120) -> str:
    """Start a kernel in the server at ``server``, run ``code`` as a cell, stop the kernel; the
    text the cell printed or displayed."""
    kernel = _rest("POST", f"{server}/api/kernels", token, {"name": "python3"})
    assert kernel is not None
    try:
        return asyncio.run(_execute(server, kernel["id"], token, code, timeout))
    finally:
        _rest("DELETE", f"{server}/api/kernels/{kernel['id']}", token)
