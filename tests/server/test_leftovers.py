"""The server clears away what killed saves left behind, once, after it opens the catalog."""
import asyncio
import json

from tests.leftovers import make_leftovers

API = ("model-catalog", "api")


async def test_leftovers_of_killed_saves_go_and_fresh_files_stay(jp_fetch, jp_serverapp, catalog_home):
    dead, stray, running = make_leftovers(catalog_home / "blobs")

    listing = json.loads((await jp_fetch(*API, "models")).body)  # opens the catalog
    assert listing["items"] == []
    holder = jp_serverapp.web_app.settings["model_catalog"]
    assert await asyncio.to_thread(holder.leftovers_collected.wait, 30)
    assert not dead.exists() and not stray.exists()
    assert running.exists()
