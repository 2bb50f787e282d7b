"""The %%catalog cell body: plain text is a description; '---' front matter is metadata."""
import pytest

from model_catalog_ext.magics.cell_body import parse_cell_body
from model_catalog_ext.magics.parser import SAVE_FRONT_MATTER_KEYS, UsageError


def test_plain_text_is_the_description_even_with_colons():
    meta = parse_cell_body("\nNote: trained on 2024 data.\nAUC: 0.91\n", SAVE_FRONT_MATTER_KEYS)
    assert meta.description == "Note: trained on 2024 data.\nAUC: 0.91"
    assert meta.values == {} and meta.tags == []


def test_front_matter_then_markdown_description():
    body = "---\nname: churn\ntags:\n  team: ml\n  version: 3\nproject: p1\n---\n# Churn\n\nRF model.\n"
    meta = parse_cell_body(body, SAVE_FRONT_MATTER_KEYS)
    assert meta.values == {"name": "churn", "project": "p1"}
    assert meta.tags == ["team:ml", "version:3"]
    assert meta.description == "# Churn\n\nRF model."


def test_yaml_numbers_booleans_and_dates_are_tag_text():
    meta = parse_cell_body("---\ntags: {version: 2, ok: yes, day: 2024-05-01, auc: 0.9}\n---\n", SAVE_FRONT_MATTER_KEYS)
    assert meta.tags == ["version:2", "ok:true", "day:2024-05-01", "auc:0.9"]


def test_description_may_live_in_the_front_matter():
    meta = parse_cell_body("---\ndescription: |\n  two\n  lines\ntags: [a:b]\n---\n", SAVE_FRONT_MATTER_KEYS)
    assert meta.description == "two\nlines\n" and meta.tags == ["a:b"]


@pytest.mark.parametrize("body, message", [
    ("---\nname: x\n", "no closing"),
    ("---\n- a\n- b\n---\n", "key: value"),
    ("---\ndescription: a\n---\nb\n", "given twice"),
    ("---\nowner: me\n---\n", "unknown front-matter key 'owner'"),
    ("---\ntags: 3\n---\n", "tags"),
    ("---\ntags: {a: [1]}\n---\n", "tag 'a' must have a plain value"),
    ("---\ntags: {c: {d: 1}}\n---\n", "tag 'c' must have a plain value"),
    ("---\ntags: {b: }\n---\n", "tag 'b' has no value"),
])
def test_front_matter_mistakes(body, message):
    with pytest.raises(UsageError, match=message):
        parse_cell_body(body, SAVE_FRONT_MATTER_KEYS)
