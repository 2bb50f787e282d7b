"""The search-box grammar shared by the UI, the magics and the CLI.

``parse_search("churn tag:version=3 tag:team=ml* user:alice state:inactive framework:sklearn")``

- plain words are free text, matched as substrings of the name or description (all words);
- ``field:value`` narrows the query; quote values with spaces: ``name:"churn model"``;
- ``tag:key=value`` (or ``tag:key:value``) matches a tag exactly, ``tag:key=prefix*`` by
  prefix, ``tag:key`` any model that has the key.

Freeform tags themselves are written ``key:value`` everywhere (``parse_tag``).
"""
from __future__ import annotations

from ..errors import InvalidInput
from .query import ModelQuery, TagFilter, as_tag_filters
from .validation import check_tag_key, check_tag_value

# field name in the search box -> ModelQuery attribute
_FIELDS = {
    "tag": "tags",
    "tags": "tags",
    "user": "created_by",
    "by": "created_by",
    "created_by": "created_by",
    "state": "state",
    "framework": "framework",
    "name": "name",
    "compartment": "compartment_id",
    "compartment_id": "compartment_id",
    "project": "project_id",
    "project_id": "project_id",
    "after": "created_after",
    "created_after": "created_after",
    "before": "created_before",
    "created_before": "created_before",
    "sort": "sort",
    "order": "order",
}


def parse_tag(text: str) -> tuple[str, str]:
    """``"version:3"``, ``"version=3"`` or the search box's ``"tag:version=3"`` ->
    ``("version", "3")`` (the first ``:`` or ``=`` splits); raises InvalidInput on bad syntax."""
    rest = text.strip() if isinstance(text, str) else ""
    if rest[:4].lower() == "tag:" and ("=" in rest[4:] or ":" in rest[4:]):
        rest = rest[4:]  # written as in the search box
    cut = min((i for i in (rest.find(":"), rest.find("=")) if i >= 0), default=-1)
    if cut < 0:
        raise InvalidInput(
            f"Cannot read the tag {text!r}: write tags as key=value (or key:value), for example version=3 "
            "or model-run=1."
        )
    key = rest[:cut].strip()
    return check_tag_key(key), check_tag_value(key, rest[cut + 1:].strip())


def parse_tags(texts) -> dict[str, str]:
    """Several ``key=value`` / ``key:value`` strings -> a freeform tags dict (later keys win)."""
    return dict(parse_tag(t) for t in texts or [])


def parse_tag_filter(text: str) -> TagFilter:
    """``key=value`` / ``key:value`` (exact), ``key=pre*`` (prefix), ``key`` (has key)."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("An empty tag filter: write tag:key=value, tag:key=prefix* or tag:key.")
    text = text.strip()
    cut = min((i for i in (text.find("="), text.find(":")) if i >= 0), default=-1)
    if cut < 0:
        return TagFilter(check_tag_key(text))
    key, value = text[:cut].strip(), text[cut + 1:].strip()
    check_tag_key(key)
    if value.endswith("*"):
        value = value[:-1]
        if "*" in value:
            raise InvalidInput(f"Only a trailing * is supported in tag filters: '{text}'.")
        return TagFilter(key, value or None, prefix=bool(value))
    if "*" in value:
        raise InvalidInput(f"Only a trailing * is supported in tag filters: '{text}'.")
    return TagFilter(key, check_tag_value(key, value))


def parse_search(text: str | None, **defaults) -> ModelQuery:
    """Turn a search-box string into a validated :class:`ModelQuery`.

    Keyword arguments give defaults for fields the string does not set (e.g. ``limit=``).
    Unknown ``field:`` prefixes raise InvalidInput naming the known ones; quote a word that
    contains a colon to search for it as text.
    """
    if text is not None and not isinstance(text, str):
        raise InvalidInput(f"The search must be text, not {type(text).__name__}.")
    fields: dict = {}
    tags = as_tag_filters(defaults.pop("tags", None))
    words: list[str] = []
    for token, quoted in _tokenize(text or ""):
        field, sep, value = token.partition(":")
        # URLs (http://...) and quoted words are text, not fields.
        if not sep or quoted or not field.isidentifier() or value.startswith("//"):
            words.append(token)
            continue
        attr = _FIELDS.get(field.lower())
        if attr is None:
            raise InvalidInput(
                f"Unknown search field '{field}:'; use one of {', '.join(sorted(set(_FIELDS)))} "
                "or quote the word to search for it as text."
            )
        if attr == "tags":
            tags.append(parse_tag_filter(value))
        elif attr in fields and attr not in ("sort", "order"):
            raise InvalidInput(f"'{field}:' appears twice in the search; keep one.")
        else:
            fields[attr] = value
    if words:
        fields["text"] = " ".join(words)
    merged = {**defaults, **fields, "tags": tags}
    return ModelQuery.from_filters(**merged)


def _tokenize(text: str) -> list[tuple[str, bool]]:
    """Split on whitespace; quotes group words (``name:"churn model"``).

    Returns ``(token, started_with_quote)`` pairs.  An unmatched quote is kept literally,
    so a search for ``it's`` still works.
    """
    tokens, i, n = [], 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        quoted, parts = text[i] in "\"'", []
        while i < n and not text[i].isspace():
            char = text[i]
            close = text.find(char, i + 1) if char in "\"'" else -1
            if close >= 0:
                parts.append(text[i + 1:close])
                i = close + 1
            else:
                parts.append(char)
                i += 1
        tokens.append(("".join(parts), quoted))
    return tokens
