"""Run code in a real IPython kernel through jupyter_client and collect what it printed."""
from __future__ import annotations

import queue
from dataclasses import dataclass, field

from jupyter_client.manager import KernelManager


@dataclass
class CellResult:
    stdout: str = ""
    stderr: str = ""
    data: list = field(default_factory=list)  # execute_result / display_data bundles
    error: dict | None = None
    status: str = "ok"


class RealKernel:
    """A real IPython kernel with a blocking client, for tests."""

    def __init__(self, cwd=None, env=None):
        self.manager = KernelManager(kernel_name="python3")
        self.manager.start_kernel(cwd=str(cwd) if cwd else None, env=env)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def run(self, code: str, timeout: float = 120) -> CellResult:
        msg_id = self.client.execute(code, store_history=True)
        result = CellResult()
        while True:
            try:
                msg = self.client.get_iopub_msg(timeout=timeout)
            except queue.Empty as exc:
                raise TimeoutError(f"kernel did not finish: {code!r}") from exc
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                if content["name"] == "stdout":
                    result.stdout += content["text"]
                else:
                    result.stderr += content["text"]
            elif kind in ("execute_result", "display_data"):
                result.data.append(content["data"])
            elif kind == "error":
                result.error = content
                result.status = "error"
            elif kind == "status" and content["execution_state"] == "idle":
                return result

    def shutdown(self):
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)
