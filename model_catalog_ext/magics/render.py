"""Tables and detail views for the magics: HTML for notebooks, plain text for terminals.

Pure functions of plain data (``entry.to_dict()`` shapes), no IPython or catalog imports, so
the Python API may reuse them for its own ``_repr_html_``.
"""
from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from html import escape

from ..sizes import human_size

_TABLE_STYLE = (
    "<style>"
    ".mc-table{border-collapse:collapse;font-size:12px}"
    ".mc-table th{text-align:left;padding:2px 8px;border-bottom:1px solid #999}"
    ".mc-table td{text-align:left;padding:2px 8px;vertical-align:top}"
    ".mc-table td.mc-num{text-align:right}"
    ".mc-table code{font-size:11px}"
    ".mc-tag{display:inline-block;padding:0 4px;margin:1px;border-radius:3px;"
    "background:rgba(127,127,127,.15)}"
    ".mc-inactive{opacity:.6}"
    "</style>"
)

LIST_COLUMNS = ("Name", "Version", "Framework", "Algorithm", "Tags", "Created by", "Created", "State", "Id")


def entry_dict(obj) -> dict:
    """Plain data of a catalog entry, whatever wraps it (ModelEntry, Model, summary, dict)."""
    if isinstance(obj, dict):
        return obj
    to_dict = getattr(obj, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if dataclasses.is_dataclass(obj):
        return dataclasses.asdict(obj)
    return {k: v for k, v in vars(obj).items() if not k.startswith("_")}


def when(value) -> str:
    """An ISO time (or datetime) as ``2024-05-01 12:03 UTC``."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return value.strftime("%Y-%m-%d %H:%M") + (" UTC" if value.utcoffset() is not None else "")


def tags_text(tags) -> str:
    return " ".join(f"{k}:{v}" for k, v in sorted((tags or {}).items()))


def _row(d: dict) -> list[str]:
    meta = d.get("defined_metadata") or {}
    return [
        str(d.get("display_name") or ""),
        str(d.get("version") or ""),
        str(meta.get("Framework") or ""),
        str(meta.get("Algorithm") or ""),
        tags_text(d.get("freeform_tags")),
        str(d.get("created_by") or ""),
        when(d.get("time_created")),
        str(d.get("lifecycle_state") or ""),
        str(d.get("id") or ""),
    ]


# --- tables of models --------------------------------------------------------------------

def models_table_html(items, caption: str | None = None) -> str:
    """An HTML table of models (list or versions)."""
    rows = [entry_dict(i) for i in items]
    if not rows:
        return f"<p><em>{escape(caption or 'No models match.')}</em></p>"
    out = [_TABLE_STYLE, '<table class="mc-table">']
    if caption:
        out.append(f"<caption style='text-align:left'>{escape(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{c}</th>" for c in LIST_COLUMNS) + "</tr></thead><tbody>")
    for d in rows:
        cells = _row(d)
        tags = "".join(f"<span class='mc-tag'>{escape(k)}:{escape(str(v))}</span>"
                       for k, v in sorted((d.get("freeform_tags") or {}).items()))
        klass = " class='mc-inactive'" if cells[7] == "INACTIVE" else ""
        out.append(
            f"<tr{klass}><td><b>{escape(cells[0])}</b></td><td class='mc-num'>{escape(cells[1])}</td>"
            f"<td>{escape(cells[2])}</td><td>{escape(cells[3])}</td><td>{tags}</td>"
            f"<td>{escape(cells[5])}</td><td>{escape(cells[6])}</td><td>{escape(cells[7])}</td>"
            f"<td><code>{escape(cells[8])}</code></td></tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)


def models_table_text(items, caption: str | None = None) -> str:
    """The same table in fixed-width text, for terminals and text/plain."""
    rows = [_row(entry_dict(i)) for i in items]
    if not rows:
        return caption or "No models match."
    return _text_table(LIST_COLUMNS, rows, caption)


def _text_table(header, rows, caption=None, max_width: int = 40) -> str:
    def clip(s: str) -> str:
        s = " ".join(str(s).split())
        return s if len(s) <= max_width else s[: max_width - 1] + "…"

    rows = [[clip(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    out = [caption] if caption else []
    out += [line(header), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    return "\n".join(out)


# --- a model's history ------------------------------------------------------------------------

HISTORY_COLUMNS = ["When", "Version", "Action", "By", "Changes"]


def _history_row(change: dict) -> list[str]:
    from ..catalog.history import describe

    return [when(change.get("at")), str(change.get("version", "")), str(change.get("action", "")),
            str(change.get("actor", "")), describe(change)]


def history_table_html(records, caption: str) -> str:
    """A model's history (``CatalogService.history``) as an HTML table, oldest first."""
    if not records:
        return f"<p><em>{escape(caption)}</em></p>"
    out = [_TABLE_STYLE, '<table class="mc-table">', f"<caption style='text-align:left'>{escape(caption)}</caption>",
           "<thead><tr>" + "".join(f"<th>{c}</th>" for c in HISTORY_COLUMNS) + "</tr></thead><tbody>"]
    for change in records:
        out.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in _history_row(change)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def history_table_text(records, caption: str) -> str:
    """The same table in fixed-width text."""
    if not records:
        return caption
    return _text_table(HISTORY_COLUMNS, [_history_row(r) for r in records], caption, max_width=80)


# --- one model ----------------------------------------------------------------------------

def _overview(d: dict) -> list[tuple[str, str]]:
    meta = d.get("defined_metadata") or {}
    pairs = [
        ("Id", d.get("id")),
        ("Name", d.get("display_name")),
        ("Version", d.get("version")),
        ("State", d.get("lifecycle_state")),
        ("Description", d.get("description")),
        ("Project", d.get("project_id")),
        ("Compartment", d.get("compartment_id")),
        ("Created by", d.get("created_by")),
        ("Created", when(d.get("time_created"))),
        ("Updated", when(d.get("time_updated"))),
        ("Tags", tags_text(d.get("freeform_tags"))),
        ("Framework", " ".join(str(x) for x in (meta.get("Framework"), meta.get("FrameworkVersion")) if x)),
        ("Algorithm", meta.get("Algorithm")),
        ("Use case", meta.get("UseCaseType")),
        ("Artifact", f"{human_size(d.get('artifact_size'))}, digest {d.get('artifact_digest') or ''}"),
        ("Parent", d.get("parent_id")),
    ]
    return [(k, str(v)) for k, v in pairs if v not in (None, "", [])]


def _provenance(d: dict) -> list[tuple[str, str]]:
    prov = d.get("provenance") or {}
    if not prov.get("git_commit") and not prov.get("repository_url"):
        return [("Git", "none recorded (saved outside a git repository, or with no training script known)")]
    labels = [("repository_url", "Repository"), ("git_branch", "Branch"), ("git_commit", "Commit"),
              ("training_script", "Training script"), ("script_dir", "Script dir")]
    pairs = [(label, str(prov[key])) for key, label in labels if prov.get(key) not in (None, "")]
    pairs.append(("Uncommitted changes", "yes" if prov.get("git_dirty") else "no"))
    return pairs


def _schema_rows(schema) -> list[list[str]]:
    if not schema:
        return []
    features = schema.get("schema", schema) if isinstance(schema, dict) else schema
    if not isinstance(features, list):
        return [["", json.dumps(features)[:80], "", ""]]
    rows = []
    for f in features:
        if isinstance(f, dict):
            rows.append([str(f.get("name", "")), str(f.get("dtype", "")),
                         str(f.get("feature_type", "")), str(f.get("required", ""))])
    return rows


def _other_metadata(d: dict) -> list[tuple[str, str]]:
    meta = d.get("defined_metadata") or {}
    pairs = []
    for key in ("Hyperparameters", "ArtifactTestResults"):
        if meta.get(key):
            pairs.append((key, json.dumps(meta[key], default=str)))
    for item in d.get("custom_metadata") or []:
        pairs.append((str(item.get("key")), str(item.get("value"))))
    return pairs


SCHEMA_COLUMNS = ("Feature", "dtype", "Feature type", "Required")
FILE_COLUMNS = ("Path", "Size", "sha256")


def model_detail_text(entry, versions=()) -> str:
    """Everything about one model, as plain text."""
    d = entry_dict(entry)
    out = [f"{d.get('display_name')} v{d.get('version')}  ({d.get('id')})", ""]
    out += _pairs_text(_overview(d)[1:])
    sections = [("Provenance", _provenance(d)), ("Metadata", _other_metadata(d))]
    for title, pairs in sections:
        if pairs:
            out += ["", title] + _pairs_text(pairs, indent="  ")
    for title, key in (("Input schema", "input_schema"), ("Output schema", "output_schema")):
        rows = _schema_rows(d.get(key))
        if rows:
            out += ["", _text_table(SCHEMA_COLUMNS, rows, caption=title)]
    if versions:
        out += ["", models_table_text(versions, caption="Versions")]
    files = _file_rows(d)
    if files:
        out += ["", _text_table(FILE_COLUMNS, files, caption="Files", max_width=64)]
    return "\n".join(out)


def model_detail_html(entry, versions=()) -> str:
    """Everything about one model, as HTML."""
    d = entry_dict(entry)
    out = [_TABLE_STYLE,
           f"<h4 style='margin:4px 0'>{escape(str(d.get('display_name')))} "
           f"v{escape(str(d.get('version')))}</h4>",
           _pairs_html(_overview(d))]
    for title, pairs in (("Provenance", _provenance(d)), ("Metadata", _other_metadata(d))):
        if pairs:
            out += [f"<h5 style='margin:6px 0 2px'>{title}</h5>", _pairs_html(pairs)]
    for title, key in (("Input schema", "input_schema"), ("Output schema", "output_schema")):
        rows = _schema_rows(d.get(key))
        if rows:
            out += [f"<h5 style='margin:6px 0 2px'>{title}</h5>", _grid_html(SCHEMA_COLUMNS, rows)]
    if versions:
        out += ["<h5 style='margin:6px 0 2px'>Versions</h5>", models_table_html(versions)]
    files = _file_rows(d)
    if files:
        out += ["<h5 style='margin:6px 0 2px'>Files</h5>", _grid_html(FILE_COLUMNS, files)]
    return "".join(out)


def _file_rows(d: dict) -> list[list[str]]:
    return [[str(m.get("path")), human_size(m.get("size")), str(m.get("sha256", ""))[:16]]
            for m in d.get("manifest") or []]


def _pairs_text(pairs, indent: str = "") -> list[str]:
    if not pairs:
        return []
    width = max(len(k) for k, _ in pairs)
    return [f"{indent}{k.ljust(width)}  {' '.join(v.split()) if k != 'Description' else v}"
            for k, v in pairs]


def _pairs_html(pairs) -> str:
    body = "".join(f"<tr><th>{escape(k)}</th><td style='white-space:pre-wrap'>{escape(v)}</td></tr>"
                   for k, v in pairs)
    return f"<table class='mc-table'>{body}</table>"


def _grid_html(header, rows) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table class='mc-table'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# --- one-line summaries ---------------------------------------------------------------------

def save_summary(entry, verified_checks: tuple[int, int] | None = None) -> str:
    """The short summary printed after a save."""
    d = entry_dict(entry)
    meta = d.get("defined_metadata") or {}
    prov = d.get("provenance") or {}
    files = d.get("manifest") or []
    parts = [" ".join(str(x) for x in (meta.get("Framework"), meta.get("Algorithm")) if x)]
    if any(str(f.get("path", "")).endswith(".onnx") for f in files):
        parts.append("ONNX")
    parts.append(f"{len(files)} files, {human_size(d.get('artifact_size'))}")
    if verified_checks:
        parts.append(f"verified ({verified_checks[0]}/{verified_checks[1]} checks)")
    if prov.get("git_commit"):
        git = f"git {prov.get('git_branch') or '?'}@{str(prov['git_commit'])[:8]}"
        if prov.get("training_script"):
            git += f" {prov['training_script']}"
        if prov.get("git_dirty"):
            git += " (uncommitted changes)"
        parts.append(git)
    if d.get("freeform_tags"):
        parts.append("tags " + tags_text(d["freeform_tags"]))
    return " · ".join(p for p in parts if p)


# --- IPython display hook-up --------------------------------------------------------------

def register_list_formatters(shell, cls) -> None:
    """Show ``cls`` (the ModelSummaryList type) as our table, HTML or text, wherever it is
    displayed once the extension is loaded, not only as the value of ``%catalog list``."""
    formatters = shell.display_formatter.formatters
    formatters["text/html"].for_type(cls, models_table_html)
    formatters["text/plain"].for_type(cls, lambda obj, p, cycle: p.text(models_table_text(obj)))
