"""The ADS guide's flow: ``prepare...(...)`` then ``.save(...)`` on what it returned."""
from __future__ import annotations

import numpy as np


def test_prepared_artifacts_can_be_saved_directly(tmp_path, mc):
    from sklearn.linear_model import LogisticRegression

    import model_catalog_ext as mce

    X = np.arange(40, dtype=float).reshape(20, 2)
    y = (X[:, 0] > 20).astype(int)
    model = LogisticRegression().fit(X, y)
    for made in (mce.prepare(model, tmp_path / "a", X_sample=X[:5], as_onnx=False),
                 mce.prepare_generic_model(tmp_path / "g", model=model, data_sample=X[:5])):
        assert made.verify().ok
        saved = made.save(display_name=made.artifact_dir.name, catalog=mc, ignore_pending_changes=True)
        assert saved.defined_metadata["ArtifactTestResults"]["ok"] is True
        assert mc.get_model(saved.id).display_name == made.artifact_dir.name
