"""Every relative link in docs/ and README.md points at something in the repository (issue 24)."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

REPO_ROOT = Path(__file__).resolve().parents[2]
# [text](target) and ![alt](target); the target ends at whitespace or ')'
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def relative_links(text: str) -> list[str]:
    """Link targets outside code blocks that are paths (no scheme, not a bare #anchor)."""
    text = _FENCE.sub("", text)
    found = []
    for target in _LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("#"):
            continue
        found.append(target)
    return found


def _pages() -> list[Path]:
    return [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").rglob("*.md"))]


def test_relative_links_resolve():
    broken = []
    for page in _pages():
        for target in relative_links(page.read_text(encoding="utf-8")):
            path = unquote(target.split("#", 1)[0])
            resolved = (page.parent / path).resolve()
            if not resolved.exists() or REPO_ROOT.resolve() not in (resolved, *resolved.parents):
                broken.append(f"{page.relative_to(REPO_ROOT)}: {target}")
    assert not broken, "links to nothing in the repository:\n" + "\n".join(broken)


def test_the_link_finder_sees_links_and_skips_urls_and_code():
    text = "[a](docs/x.md) ![i](images/p.png) [web](https://example.com) [top](#here)\n```\n[no](y.md)\n```\n"
    assert relative_links(text) == ["docs/x.md", "images/p.png"]
