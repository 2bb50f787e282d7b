"""The server clears away what killed saves left behind, once, after it opens the catalog."""
import asyncio
import hashlib
import json
import os
import time

API = ("model-catalog", "api")


async def test_leftovers_of_killed_saves_go_and_fresh_files_stay(jp_fetch, jp_serverapp, catalog_home):
    hours_ago = time.time() - 2 * 3600
    tmp = catalog_home / "blobs" / "tmp"
    tmp.mkdir(parents=True)
    dead = tmp / "killed-save.part"
    dead.write_bytes(b"half a model")
    stray_bytes = b"a blob whose save was killed before its entry was written"
    sha = hashlib.sha256(stray_bytes).hexdigest()
    stray = catalog_home / "blobs" / "sha256" / sha[:2] / sha
    stray.parent.mkdir(parents=True)
    stray.write_bytes(stray_bytes)
    for path in (dead, stray):
        os.utime(path, (hours_ago, hours_ago))
    running = tmp / "save-in-progress.part"
    running.write_bytes(b"still being written")

    listing = json.loads((await jp_fetch(*API, "models")).body)  # opens the catalog
    assert listing["items"] == []
    holder = jp_serverapp.web_app.settings["model_catalog"]
    assert await asyncio.to_thread(holder.leftovers_collected.wait, 30)
    assert not dead.exists() and not stray.exists()
    assert running.exists()
