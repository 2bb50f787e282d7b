"""One client process of benchmarks/team_service.py (run by our venv's Python for the catalog
service, by MLflow's venv's Python for MLflow).

    python team_clients.py '<json config>'

It sets up (imports, a connection, one untimed save and listing each), prints ``ready`` and
then obeys lines on stdin: ``run <phase> <seconds>`` runs the phase's operation in a loop
until the time is up and prints one JSON line of latencies (ms); ``quit`` ends it.  Phases:
``save`` (every client saves), ``list`` (every client lists, tag and name filter in turn),
``mixed`` (even clients save, odd ones list) and ``solo`` (client 0 lists alone, the others
wait: the latency without the other clients' load).  Only operations that finish within the
phase's time are counted.

A save is one new small model with its metadata and three tags:
- ours: ``CatalogService.save(folder, ...)`` through the http backend (one multipart POST);
- MLflow: what a user does to register a model whose files are not an MLflow flavor: a run,
  its files logged through the tracking server's artifact proxy, the run ended, a registered
  model with the tags, and its version 1 pointing at the run's files.
A listing is the first page (50) of one row per model: ours with ``latest_only`` (what the
side panel asks for), MLflow's ``search_registered_models``.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path


def _artifact_folder(root: Path) -> Path:
    folder = root / "artifact"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "score.py").write_text("import pickle\n\ndef load_model():\n    with open('model.pkl', 'rb') as f:\n"
                                     "        return pickle.load(f)\n\ndef predict(data, model=load_model()):\n"
                                     "    return {'prediction': model.predict(data).tolist()}\n")
    return folder


def _fresh_bytes(folder: Path, client: int, i: int) -> None:
    # Every save stores new bytes (4 KiB), as a newly trained model would: no deduplication.
    (folder / "model.pkl").write_bytes(f"{client}:{i}:".encode() + os.urandom(4096))


class OurClient:
    def __init__(self, cfg: dict, folder: Path):
        from model_catalog_ext.catalog import open_catalog, parse_search

        os.environ["MODEL_CATALOG_TOKEN"] = cfg["token"]
        self.catalog = open_catalog(cfg["url"])
        key, value = cfg["tag"]
        self.queries = {"list_tag": parse_search(f"tag:{key}={value}", latest_only=True, limit=50),
                        "list_name": parse_search(f"name:{cfg['name']}", latest_only=True, limit=50)}
        self.folder, self.client = folder, cfg["client"]

    def save(self, i: int) -> None:
        _fresh_bytes(self.folder, self.client, i)
        self.catalog.save(self.folder, display_name=f"bench-c{self.client}-{i}-{os.getpid()}",
                          description=f"benchmark save {i} of client {self.client}",
                          freeform_tags={"team": f"ml-team-{i % 50}", "stage": "dev", "dataset": f"ds-{i % 1000}"})

    def list(self, kind: str) -> int:
        return len(self.catalog.list(self.queries[kind]).items)


class MlflowClientOps:
    def __init__(self, cfg: dict, folder: Path):
        from mlflow.tracking import MlflowClient

        self.client = MlflowClient(tracking_uri=cfg["url"], registry_uri=cfg["url"])
        name = f"bench-client-{cfg['client']}-{os.getpid()}"
        # Created through the server, so its artifact location is the proxy (mlflow-artifacts:/).
        self.experiment = self.client.create_experiment(name)
        key, value = cfg["tag"]
        self.filters = {"list_tag": f"tags.{key} = '{value}'", "list_name": f"name LIKE '%{cfg['name']}%'"}
        self.folder, self.index = folder, cfg["client"]

    def save(self, i: int) -> None:
        _fresh_bytes(self.folder, self.index, i)
        run = self.client.create_run(self.experiment)
        run_id = run.info.run_id
        self.client.log_artifacts(run_id, str(self.folder), artifact_path="model")
        self.client.set_terminated(run_id)
        name = f"bench-c{self.index}-{i}-{os.getpid()}"
        description = f"benchmark save {i} of client {self.index}"
        self.client.create_registered_model(
            name, tags={"team": f"ml-team-{i % 50}", "stage": "dev", "dataset": f"ds-{i % 1000}"},
            description=description)
        self.client.create_model_version(name, source=f"{run.info.artifact_uri}/model", run_id=run_id,
                                         description=description)

    def list(self, kind: str) -> int:
        return len(self.client.search_registered_models(filter_string=self.filters[kind], max_results=50))


def run_phase(ops, phase: str, seconds: float, client: int, counter: list[int]) -> dict:
    saving = phase == "save" or (phase == "mixed" and client % 2 == 0)
    out: dict = {"save": [], "list_tag": [], "list_name": [], "rows": {}, "errors": 0, "error": None}
    deadline = time.monotonic() + seconds
    if phase == "solo" and client != 0:
        time.sleep(seconds)
        return out
    turn = client  # listers start on different filters
    while time.monotonic() < deadline:
        kind = "save" if saving else ("list_tag", "list_name")[turn % 2]
        turn += 1
        t0 = time.perf_counter()
        try:
            if saving:
                counter[0] += 1
                ops.save(counter[0])
            else:
                out["rows"][kind] = ops.list(kind)
        except Exception as exc:  # noqa: BLE001  (counted and reported, the run goes on)
            out["errors"] += 1
            out["error"] = out["error"] or f"{type(exc).__name__}: {exc}"[:500]
            continue
        if time.monotonic() <= deadline:
            out[kind].append((time.perf_counter() - t0) * 1000)
    return out


def main() -> int:
    cfg = json.loads(sys.argv[1])
    # The protocol owns stdout; whatever the libraries print (MLflow prints a line per run) goes
    # to stderr.
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    with tempfile.TemporaryDirectory(prefix=f"team-client-{cfg['client']}-") as tmp:
        folder = _artifact_folder(Path(tmp))
        try:
            ops = (OurClient if cfg["system"] == "ours" else MlflowClientOps)(cfg, folder)
            counter = [0]
            # Warm-up, untimed: connections open, first-use imports done.
            counter[0] += 1
            ops.save(counter[0])
            ops.list("list_tag")
            ops.list("list_name")
        except Exception:  # noqa: BLE001
            print("failed " + json.dumps(traceback.format_exc()[-2000:]), file=proto)
            return 1
        print("ready", file=proto)
        for line in sys.stdin:
            words = line.split()
            if not words or words[0] == "quit":
                break
            _, phase, seconds = words
            print(json.dumps(run_phase(ops, phase, float(seconds), cfg["client"], counter)), file=proto)
    return 0


if __name__ == "__main__":
    sys.exit(main())
