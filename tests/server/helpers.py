"""Building real artifacts and requests for the REST tests."""
from __future__ import annotations

import io
import json
import uuid
import zipfile
from pathlib import Path

SCORE_PY = '''import json, os

def load_model():
    with open(os.path.join(os.path.dirname(__file__), "weights.json")) as f:
        return json.load(f)

def predict(data, model=load_model()):
    return {"prediction": [sum(w * x for w, x in zip(model["w"], row)) for row in data]}
'''


def artifact_files(seed: int = 1) -> dict[str, bytes]:
    return {
        "score.py": SCORE_PY.encode(),
        "weights.json": json.dumps({"w": [seed, 2, 3]}).encode(),
        "requirements.txt": b"",
        "runtime.yaml": b"MODEL_ARTIFACT_VERSION: '3.0'\n",
    }


def write_artifact(directory: Path, seed: int = 1) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in artifact_files(seed).items():
        (directory / name).write_bytes(data)
    return directory


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def multipart(metadata: dict | str | None, artifact: bytes | None) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    if metadata is not None:
        text = metadata if isinstance(metadata, str) else json.dumps(metadata)
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n'
            f"Content-Type: application/json\r\n\r\n{text}\r\n".encode()
        )
    if artifact is not None:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="artifact"; filename="a.zip"\r\n'
            f"Content-Type: application/zip\r\n\r\n".encode() + artifact + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
