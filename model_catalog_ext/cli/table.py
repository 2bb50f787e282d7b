"""Readable plain-text tables and detail views for the command line."""
from __future__ import annotations

from datetime import datetime

from ..sizes import human_size


def short_time(value: datetime | None) -> str:
    """Local time to the minute, with its zone: what people scan a listing for."""
    return value.astimezone().strftime("%Y-%m-%d %H:%M %Z") if value else ""


def _clip(text: str, width: int) -> str:
    text = " ".join(str(text).split())  # newlines would break the grid
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(headers: list[str], rows: list[list], max_width: int = 40) -> str:
    """Left-aligned columns sized to their content (cells clipped at ``max_width``)."""
    cells = [[_clip("" if c is None else c, max_width) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def entry_rows(entries) -> tuple[list[str], list[list]]:
    headers = ["ID", "NAME", "VER", "STATE", "CREATED", "BY", "TAGS"]
    rows = [[e.id, e.display_name, e.version, e.lifecycle_state, short_time(e.time_created), e.created_by,
             " ".join(f"{k}:{v}" for k, v in sorted(e.freeform_tags.items()))] for e in entries]
    return headers, rows


def history_rows(records) -> tuple[list[str], list[list]]:
    """A model's history as table rows: when, which version, what happened, who, what changed."""
    from ..catalog.history import describe

    headers = ["WHEN", "VER", "ACTION", "BY", "CHANGES"]
    rows = [[short_time(datetime.fromisoformat(r["at"])), r["version"], r["action"], r["actor"], describe(r)]
            for r in records]
    return headers, rows


def format_entry(entry) -> str:
    """Every field of an entry, one per line, the manifest as a small table."""
    e = entry
    prov = e.provenance or {}
    lines = [
        f"id:               {e.id}",
        f"display_name:     {e.display_name}",
        f"description:      {e.description}",
        f"lifecycle_state:  {e.lifecycle_state}",
        f"version:          {e.version} (version set {e.version_set_id}"
        + (f", parent {e.parent_id})" if e.parent_id else ")"),
        f"created:          {short_time(e.time_created)} by {e.created_by}",
        f"updated:          {short_time(e.time_updated)}",
        f"compartment_id:   {e.compartment_id or ''}",
        f"project_id:       {e.project_id or ''}",
        f"freeform_tags:    {' '.join(f'{k}:{v}' for k, v in sorted(e.freeform_tags.items()))}",
        f"framework:        {e.framework or ''}",
        f"git:              {prov.get('repository_url') or ''} {prov.get('git_branch') or ''} "
        f"{(prov.get('git_commit') or '')[:12]}{' (dirty)' if prov.get('git_dirty') else ''}".rstrip(),
        f"training_script:  {prov.get('training_script') or ''}",
        f"etag:             {e.etag}",
        f"artifact:         {e.artifact_digest} ({human_size(e.artifact_size)}, {len(e.manifest)} files)",
    ]
    for item in e.custom_metadata:
        lines.append(f"custom:           {item['key']} = {item.get('value')} [{item.get('category')}]")
    lines.append("")
    lines.append(format_table(["PATH", "SIZE", "SHA256"],
                              [[m["path"], human_size(m["size"]), m["sha256"][:16]] for m in e.manifest], 60))
    return "\n".join(lines)
