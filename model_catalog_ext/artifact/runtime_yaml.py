"""``runtime.yaml`` in the ADS layout (MODEL_ARTIFACT_VERSION '3.0').

Where the artifact was prepared (full Python version, platform) is the top-level
``PREPARED_ON`` block. Not under MODEL_PROVENANCE: ADS validates that block with a schema
that refuses unknown keys (cerberus: "unknown field"), while its RuntimeInfo ignores an
unknown top-level key (with a logged warning).
"""
from __future__ import annotations

import os
import platform
import sys

from . import layout


def environment() -> dict:
    """Where this process runs: Python, platform and the environment's prefix."""
    conda = os.environ.get("CONDA_PREFIX")
    if conda:
        kind, path = "conda", conda
    elif sys.prefix != sys.base_prefix:
        kind, path = "venv", sys.prefix
    else:
        kind, path = "system", sys.prefix
    return {
        "python_version": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "env_type": kind,
        "env_path": path,
    }


def build(artifact_dir: str, inference_conda_env: str | None = None,
          inference_python_version: str | None = None, training_conda_env: str | None = None,
          training_python_version: str | None = None) -> dict:
    """The runtime.yaml document. Empty strings where ADS would fill OCI-only values."""
    env = environment()
    python_minor = ".".join(env["python_version"].split(".")[:2])

    def slug(path):
        return os.path.basename(path.rstrip("/")) if path else ""

    training_path = training_conda_env or env["env_path"]
    prepared_on = {
        "PYTHON_VERSION": env["python_version"],
        "PLATFORM": env["platform"],
        "MACHINE": env["machine"],
        "ENV_TYPE": env["env_type"],
        "ENV_PATH": env["env_path"],
    }
    return {
        "MODEL_ARTIFACT_VERSION": layout.MODEL_ARTIFACT_VERSION,
        "MODEL_DEPLOYMENT": {
            "INFERENCE_CONDA_ENV": {
                "INFERENCE_ENV_PATH": inference_conda_env or "",
                "INFERENCE_ENV_SLUG": slug(inference_conda_env),
                "INFERENCE_ENV_TYPE": ("published" if inference_conda_env and
                                       inference_conda_env.startswith("oci://") else ""),
                "INFERENCE_PYTHON_VERSION": inference_python_version or python_minor,
            }
        },
        "MODEL_PROVENANCE": {
            "PROJECT_OCID": os.environ.get("PROJECT_OCID", ""),
            "TENANCY_OCID": os.environ.get("TENANCY_OCID", ""),
            "TRAINING_CODE": {"ARTIFACT_DIRECTORY": str(artifact_dir)},
            "TRAINING_COMPARTMENT_OCID": os.environ.get("NB_SESSION_COMPARTMENT_OCID", ""),
            "TRAINING_CONDA_ENV": {
                "TRAINING_ENV_PATH": training_path,
                "TRAINING_ENV_SLUG": slug(training_path),
                "TRAINING_ENV_TYPE": env["env_type"] if not training_conda_env else "published",
                "TRAINING_PYTHON_VERSION": training_python_version or python_minor,
            },
            "TRAINING_REGION": os.environ.get("NB_REGION", ""),
            "TRAINING_RESOURCE_OCID": os.environ.get("NB_SESSION_OCID", ""),
            "USER_OCID": os.environ.get("USER_OCID", ""),
            "VM_IMAGE_INTERNAL_ID": os.environ.get("VM_ID", ""),
        },
        "PREPARED_ON": prepared_on,
    }


def render(doc: dict) -> str:
    """YAML text, with a comment header repeating PREPARED_ON for a person reading the file."""
    import yaml

    env = environment()
    header = (f"# Written by model-catalog-ext on {env['platform']} ({env['machine']}), "
              f"Python {env['python_version']}, {env['env_type']} environment {env['env_path']}\n")
    return header + yaml.safe_dump(doc, sort_keys=False, default_flow_style=False)
