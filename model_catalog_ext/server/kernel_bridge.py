"""Ask a notebook's running kernel something, without the user seeing any output.

The request is a *silent* execute whose answer comes back as a user expression: nothing is
printed, nothing enters the history, the execution counter does not move.
"""
from __future__ import annotations

import ast
import asyncio
import json
import queue
import time
import uuid
from collections.abc import Callable

from ..errors import KernelError, NoKernel
from .paths import normalize_api_path


async def find_kernel_id(session_manager, notebook_path: str) -> str:
    # Sessions keep the path their client sent: compare spellings of the same file as one.
    wanted = normalize_api_path(notebook_path)
    for session in await session_manager.list_sessions():
        path = session.get("path")
        if isinstance(path, str) and normalize_api_path(path) == wanted and session.get("kernel"):
            return session["kernel"]["id"]
    raise NoKernel(
        f"The notebook '{notebook_path}' has no running kernel. Open it, run the cells that train "
        "the model, then try again.",
        path=notebook_path,
    )


# How long an answer that came too late is still waited for, so that what the kernel wrote
# for it can be removed once it is done writing (see evaluate's ``after_late_answer``).
LATE_ANSWER_WAIT = 24 * 3600
_late_watchers: set[asyncio.Task] = set()  # keeps the background waits alive


async def _reply(client, msg_id: str, timeout: float) -> dict | None:
    """The kernel's reply to ``msg_id``, or None when none came within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        try:
            reply = await client.get_shell_msg(timeout=remaining)
        except queue.Empty:  # what the client raises when nothing came in time
            return None
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply


async def _wait_for_late_answer(kernel_manager, kernel_id: str, client, msg_id: str, then) -> None:
    try:
        deadline = time.monotonic() + LATE_ANSWER_WAIT
        while time.monotonic() < deadline and kernel_id in kernel_manager:
            if await _reply(client, msg_id, 5) is not None:
                break
    finally:
        client.stop_channels()
        then()


async def evaluate(kernel_manager, kernel_id: str, expression: str, timeout: float = 900,
                   after_late_answer: Callable[[], None] | None = None) -> str:
    """Evaluate ``expression`` (which must return a str) in the kernel; return that str.

    When no answer comes within ``timeout`` the caller gets a KernelError at once, but the
    kernel may still run the request later (it was busy with a cell): ``after_late_answer``,
    if given, is called once it has answered after all, or has gone, so that the caller can
    remove what the request wrote by then.
    """
    kernel = kernel_manager.get_kernel(kernel_id)
    # A session of its own: clones of the kernel manager's share its id, so two requests at
    # once (two saves from one notebook) had one socket identity and the same message ids,
    # and each could take the other's reply.
    session = kernel.session.clone()
    session.session = uuid.uuid4().hex
    client = kernel.client(session=session)
    client.start_channels()
    handed_over = False
    try:
        msg_id = client.execute("", silent=True, store_history=False, user_expressions={"answer": expression})
        reply = await _reply(client, msg_id, timeout)
        if reply is None:
            if after_late_answer is not None:
                watcher = asyncio.ensure_future(
                    _wait_for_late_answer(kernel_manager, kernel_id, client, msg_id, after_late_answer))
                _late_watchers.add(watcher)
                watcher.add_done_callback(_late_watchers.discard)
                handed_over = True
            raise KernelError(f"The notebook's kernel did not answer within {timeout:g} s; it may be busy running "
                              "a cell. Let the cell finish (or interrupt it), then try again.")
    finally:
        if not handed_over:
            client.stop_channels()
    content = reply["content"]
    if content.get("status") != "ok":
        raise KernelError(f"The notebook's kernel failed: {content.get('ename')}: {content.get('evalue')}")
    answer = content.get("user_expressions", {}).get("answer", {})
    if answer.get("status") != "ok":
        name, value = answer.get("ename", "Error"), answer.get("evalue", "")
        if name == "ModuleNotFoundError" and "model_catalog_ext" in value:
            raise KernelError(
                "The notebook's kernel cannot import model_catalog_ext: install model-catalog-ext in "
                "the kernel's environment (pip install model-catalog-ext), restart the kernel and "
                "run the notebook again."
            )
        raise KernelError(f"The notebook's kernel could not answer: {name}: {value}")
    return ast.literal_eval(answer["data"]["text/plain"])


async def describe_namespace(kernel_manager, kernel_id: str) -> dict:
    expression = "__import__('model_catalog_ext.kernel.namespace', fromlist=['describe']).describe(get_ipython().user_ns)"
    return json.loads(await evaluate(kernel_manager, kernel_id, expression, timeout=60))


async def prepare_in_kernel(kernel_manager, kernel_id: str, request: dict, timeout: float = 900,
                            after_late_answer: Callable[[], None] | None = None) -> dict:
    expression = (
        "__import__('model_catalog_ext.kernel.save', fromlist=['prepare_variable'])"
        f".prepare_variable(get_ipython().user_ns, {json.dumps(request)!r})"
    )
    return json.loads(await evaluate(kernel_manager, kernel_id, expression, timeout, after_late_answer))
