"""Field names once: the REST validation, the magics' front matter, openapi.yaml and the
TypeScript client all agree with the field registry (catalog/fields.py)."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from model_catalog_ext.catalog import fields

ROOT = Path(__file__).parents[2]
SPEC = yaml.safe_load((ROOT / "model_catalog_ext" / "server" / "openapi.yaml").read_text())
SCHEMAS = SPEC["components"]["schemas"]
# TypeScript interface in src/api.ts -> the openapi schema it mirrors.
MIRRORS = {"IModelEntry": "Model", "IModelPage": "ModelPage", "IModelChanges": "ModelChanges",
           "IProvenance": "Provenance", "IManifestFile": "ManifestFile"}


def ts_interface_fields(name: str) -> set[str]:
    source = (ROOT / "src" / "api.ts").read_text()
    match = re.search(r"export interface " + name + r"(?: extends [\w, ]+)? \{(.*?)\n\}", source, re.S)
    assert match, f"no interface {name} in src/api.ts"
    body = re.sub(r"/\*.*?\*/|//[^\n]*", "", match.group(1), flags=re.S)
    return set(re.findall(r"^\s*(\w+)\??:", body, re.M))


def test_the_model_schema_has_every_field_of_the_registry():
    assert {f.name for f in fields.FIELDS} <= set(SCHEMAS["Model"]["properties"])


def test_a_patch_takes_exactly_the_editable_fields_and_an_upload_what_a_save_accepts():
    assert set(SCHEMAS["ModelChanges"]["properties"]) == set(fields.EDITABLE)
    assert set(SCHEMAS["SaveMetadata"]["properties"]) == set(fields.SAVE_METADATA) | {"as_new_version_of"}


def test_the_rest_handlers_take_their_lists_from_the_registry():
    from model_catalog_ext.server.handlers import models, saving

    assert models.EDITABLE_FIELDS == set(fields.EDITABLE)
    assert models.SAVE_FIELDS == set(fields.SAVE_METADATA) | {"as_new_version_of"}
    # A notebook or file save takes a subset of what a save accepts, plus its own flags.
    assert saving.SAVE_METADATA_FIELDS - {"as_new_version_of", "ignore_pending_changes"} <= set(fields.SAVE_METADATA)


def test_the_magics_front_matter_names_registry_fields():
    from model_catalog_ext.magics import parser

    for key, field in parser.FRONT_MATTER_FIELDS.items():
        assert field in fields.SAVE_METADATA, key
    assert set(parser.FRONT_MATTER_FIELDS) == set(parser.SAVE_FRONT_MATTER_KEYS)


def test_the_typescript_client_mirrors_the_openapi_schemas():
    for interface, schema in MIRRORS.items():
        ts = ts_interface_fields(interface)
        spec = set(SCHEMAS[schema]["properties"])
        assert ts == spec, f"src/api.ts {interface} vs openapi {schema}: only in TS {sorted(ts - spec)}, " \
                           f"only in openapi {sorted(spec - ts)}"
