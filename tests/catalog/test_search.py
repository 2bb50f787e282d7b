"""The search-box grammar and tag syntax."""
from __future__ import annotations

from datetime import timezone

import pytest

from model_catalog_ext.catalog import TagFilter, parse_search, parse_tag, parse_tags
from model_catalog_ext.errors import InvalidInput


def test_issue_example():
    q = parse_search("churn tag:version=3 tag:team=ml* user:alice state:inactive framework:sklearn")
    assert q.text == "churn"
    assert q.tags == [TagFilter("version", "3"), TagFilter("team", "ml", prefix=True)]
    assert (q.created_by, q.state, q.framework) == ("alice", "INACTIVE", "sklearn")
    assert (q.sort, q.order, q.limit) == ("time_created", "desc", 50)


def test_tag_forms():
    assert parse_search("tag:model-run:1").tags == [TagFilter("model-run", "1")]
    assert parse_search("tag:env").tags == [TagFilter("env")]
    assert parse_search("tag:env=*").tags == [TagFilter("env")]
    assert parse_search("tag:v=").tags == [TagFilter("v", "")]


def test_quotes_fields_and_defaults():
    q = parse_search('name:"churn model" "a:b" it\'s sort:name', limit=10)
    assert (q.name, q.text, q.sort, q.order, q.limit) == ("churn model", "a:b it's", "name", "asc", 10)
    q = parse_search("after:2024-05-01 before:2024-06-01T12:00 project:p1 compartment:c1")
    assert q.created_after.tzinfo == timezone.utc and q.created_before.hour == 12
    assert (q.project_id, q.compartment_id) == ("p1", "c1")
    assert parse_search("").text is None and parse_search(None).tags == []
    assert parse_search("http://x").text == "http://x"  # not an identifier before ':'


@pytest.mark.parametrize("bad, message", [
    ("colour:red", "Unknown search field"),
    ("state:deleted", "Unknown state"),
    ("tag:bad*key=1", "tag key"),
    ("tag:k=a*b", "trailing"),
    ("after:yesterday", "ISO date"),
    ("sort:size", "Unknown sort"),
    ("user:a user:b", "twice"),
])
def test_bad_searches(bad, message):
    with pytest.raises(InvalidInput, match=message):
        parse_search(bad)


def test_parse_tag():
    assert parse_tag("version:3") == ("version", "3")
    assert parse_tag("model-run:1") == ("model-run", "1")
    assert parse_tag("url:http://x:8080") == ("url", "http://x:8080")
    assert parse_tags(["a:1", "b:2", "a:3"]) == {"a": "3", "b": "2"}
    with pytest.raises(InvalidInput, match="key:value"):
        parse_tag("version")


def test_one_tag_grammar_everywhere():
    """The editors, the CLI and the magics read tags as the search box writes them, too."""
    from model_catalog_ext.catalog import parse_tags

    for text in ("team:ml", "team=ml", "tag:team=ml", "tag:team:ml", " team = ml "):
        assert parse_tags([text]) == {"team": "ml"}, text
    assert parse_tags(["url:http://x?a=b"]) == {"url": "http://x?a=b"}
    assert parse_tags(["tag:x"]) == {"tag": "x"}
    with pytest.raises(InvalidInput, match="key=value"):
        parse_tags(["nocolon"])

