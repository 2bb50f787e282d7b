"""File names of a model artifact directory (DESIGN.md §3), shared by every module here."""
from __future__ import annotations

SCORE_PY = "score.py"
RUNTIME_YAML = "runtime.yaml"
REQUIREMENTS_TXT = "requirements.txt"
INPUT_SCHEMA = "input_schema.json"
OUTPUT_SCHEMA = "output_schema.json"
LEGACY_SCHEMA = "schema.json"  # older ADS: {"input_schema": ..., "output_schema": ...}
DATA_SAMPLE = "data-sample.json"
MODEL_IGNORE = ".model-ignore"
FN_FOLDER = "fn-folder"
ONNX_MODEL = "model.onnx"
JOBLIB_MODEL = "model.joblib"
PICKLE_MODEL = "model.pkl"
# Our own record of what prepare() made and what verify() found; ADS ignores it.
METADATA_FILE = "model-metadata.json"

MODEL_ARTIFACT_VERSION = "3.0"
SCHEMA_VERSION = "1.1"
DATA_SAMPLE_MAX_ROWS = 100
