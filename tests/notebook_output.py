"""What a notebook cell run by nbclient showed: its printed and displayed text."""
from __future__ import annotations


def printed(cell) -> str:
    """The text of a cell's streams and of its results' and displays' text/plain."""
    out = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream":
            out.append(o.get("text", ""))
        elif o.get("output_type") in ("execute_result", "display_data"):
            out.append(o.get("data", {}).get("text/plain", ""))
    return "".join(out)


def add_iopub_output(out: list[str], msg: dict) -> bool:
    """Add what an iopub message of a running cell shows to ``out``; True once the kernel is
    idle again (the cell is done)."""
    content = msg["content"]
    if msg["msg_type"] == "stream":
        out.append(content["text"])
    elif msg["msg_type"] in ("display_data", "execute_result"):
        out.append(content["data"].get("text/plain", ""))
    elif msg["msg_type"] == "error":
        out.append("\n".join(content["traceback"]))
    return msg["msg_type"] == "status" and content["execution_state"] == "idle"
