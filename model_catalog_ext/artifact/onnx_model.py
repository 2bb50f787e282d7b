"""``ModelArtifact.model`` of an ONNX artifact: the ONNX Runtime session, with a ``predict``.

ADS's guide loads an artifact and calls ``artifact.model.predict(X)``; an
``InferenceSession`` has no ``predict``.  This wrapper predicts through the artifact's own
``score.py`` (so its input and output handling applies) and passes everything else on to
the session, which stays reachable as ``.session``.
"""
from __future__ import annotations


def is_onnx_session(model) -> bool:
    """Whether ``model`` is an onnxruntime InferenceSession (checked by name: no import)."""
    cls = type(model)
    return cls.__name__ == "InferenceSession" and (cls.__module__ or "").startswith("onnxruntime")


class OnnxModel:
    """An ONNX Runtime session that predicts as the artifact's score.py does."""

    def __init__(self, session, score_module):
        self.session = session
        self._score = score_module

    def predict(self, X):
        """The predictions for ``X`` (rows of features) as a numpy array, like the
        original model's ``predict``: score.predict()'s ``"prediction"``."""
        import numpy as np

        result = self._score.predict(X, model=self.session)
        if isinstance(result, dict) and "prediction" in result:
            result = result["prediction"]
        return np.asarray(result)

    def __getattr__(self, name):
        # Only reached for names this class lacks: run(), get_inputs() ... of the session.
        return getattr(self.__dict__["session"], name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(dir(self.session)))

    def __repr__(self) -> str:
        inputs = ", ".join(i.name for i in self.session.get_inputs())
        return f"OnnxModel(inputs=[{inputs}]; predict(X) runs score.py, .session is the InferenceSession)"
