"""The deployment guide shows the example configuration that the hub tests run: every setting
its excerpt makes is in the example, with the scopes and service name the tests check."""
from __future__ import annotations

import re

from hub_process import EXAMPLE_CONFIG, ROOT, example_config

GUIDE = ROOT / "docs" / "deploy-jupyterhub.md"


def test_the_guides_settings_are_the_examples():
    guide = GUIDE.read_text()
    excerpt = re.search(r"```python\n(.*?)```", guide, re.S).group(1)
    example = EXAMPLE_CONFIG.read_text()
    settings = set(re.findall(r"\bc\.\w+\.\w+", excerpt))
    assert settings and all(name in example for name in settings), settings
    config = example_config("https://hub.example.com")
    service = config.JupyterHub.services[0]
    assert service["name"] == "model-catalog" and service["command"][:3] == ["jupyter", "model-catalog", "serve"]
    assert "access:services!service=model-catalog" in config.Spawner.server_token_scopes
    assert config.Spawner.environment == {"MODEL_CATALOG_URL": "https://hub.example.com/services/model-catalog"}
    for key in ("url", "command", "environment", "oauth_no_confirm"):
        assert f'"{key}"' in excerpt
