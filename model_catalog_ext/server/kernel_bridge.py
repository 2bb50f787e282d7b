"""Ask a notebook's running kernel something, without the user seeing any output.

The request is a *silent* execute whose answer comes back as a user expression: nothing is
printed, nothing enters the history, the execution counter does not move.
"""
from __future__ import annotations

import ast
import json
import time
import uuid

from ..errors import CatalogError
from .paths import normalize_api_path


class NoKernel(CatalogError):
    """The notebook has no running kernel (HTTP 409)."""

    code = "no_kernel"


class KernelError(CatalogError):
    """The kernel could not answer (HTTP 502)."""

    code = "kernel_error"


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


async def evaluate(kernel_manager, kernel_id: str, expression: str, timeout: float = 900) -> str:
    """Evaluate ``expression`` (which must return a str) in the kernel; return that str."""
    kernel = kernel_manager.get_kernel(kernel_id)
    # A session of its own: clones of the kernel manager's share its id, so two requests at
    # once (two saves from one notebook) had one socket identity and the same message ids,
    # and each could take the other's reply.
    session = kernel.session.clone()
    session.session = uuid.uuid4().hex
    client = kernel.client(session=session)
    client.start_channels()
    try:
        msg_id = client.execute("", silent=True, store_history=False, user_expressions={"answer": expression})
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise KernelError("The notebook's kernel did not answer in time; it may be busy running a cell.")
            try:
                reply = await client.get_shell_msg(timeout=remaining)
            except Exception as exc:  # queue.Empty from the client
                raise KernelError("The notebook's kernel did not answer in time; it may be busy running a cell.") from exc
            if reply["parent_header"].get("msg_id") == msg_id:
                break
    finally:
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


async def prepare_in_kernel(kernel_manager, kernel_id: str, request: dict) -> dict:
    expression = (
        "__import__('model_catalog_ext.kernel.save', fromlist=['prepare_variable'])"
        f".prepare_variable(get_ipython().user_ns, {json.dumps(request)!r})"
    )
    return json.loads(await evaluate(kernel_manager, kernel_id, expression))
