"""Two deletes at once of the last two models that share an artifact (on PostgreSQL, where
they really run at once): the artifact and its blobs go with the second, never stay behind
unreferenced by any model yet out of garbage collection's reach."""
from __future__ import annotations

import threading

from model_catalog_ext.catalog import open_catalog

ROUNDS = 20


def test_deleting_the_last_sharers_of_an_artifact_at_once_frees_it(pg_url, tmp_path):
    catalog = open_catalog(pg_url, str(tmp_path / "blobs"), upgrade=True)
    folder = tmp_path / "artifact"
    folder.mkdir()
    (folder / "score.py").write_text("def load_model():\n    return 1\n\ndef predict(data, model=None):\n"
                                     "    return {}\n")
    (folder / "model.bin").write_bytes(b"the same bytes in both versions")
    for _ in range(ROUNDS):
        first = catalog.save(folder, display_name="shared bytes")
        second = catalog.save(folder, display_name="shared bytes", as_new_version_of=first.id)
        assert first.artifact_digest == second.artifact_digest
        start = threading.Barrier(2)

        threads = [threading.Thread(target=_delete_at_once, args=(catalog, start, m)) for m in (first.id, second.id)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stats = catalog.stats()
        assert (stats["models"], stats["artifacts"], stats["blobs"]) == (0, 0, 0), stats
    catalog.close()


def _delete_at_once(catalog, start: threading.Barrier, model_id: str) -> None:
    start.wait()
    catalog.delete(model_id)
