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
