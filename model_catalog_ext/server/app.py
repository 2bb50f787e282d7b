"""Wire the catalog into a running Jupyter Server.

The server owns exactly one CatalogService, built lazily from the traitlets below (so a
broken catalog URL is reported on the first request, with its reason, instead of
stopping the whole Jupyter Server from starting).
"""
from __future__ import annotations

import logging
import threading

from traitlets import Float, Integer, Unicode, default
from traitlets.config import Configurable

from ..configuration import export_for_kernels
from .jobs import JobRegistry
from .routes import setup_routes

SETTINGS_KEY = "model_catalog"
JOBS_KEY = "model_catalog_jobs"


class ModelCatalogConfig(Configurable):
    """Configuration of the model catalog server extension (``c.ModelCatalogConfig.*``)."""

    backend_url = Unicode(
        None,
        allow_none=True,
        config=True,
        help="The catalog's URL: sqlite:///path/catalog.db (default: under the Jupyter data dir), "
        "postgresql+psycopg://user@host/db, or a scheme an installed backend registers. Kernels this "
        "server starts, and `jupyter model-catalog`, use the same catalog. Env: MODEL_CATALOG_URL.",
    )
    artifact_root = Unicode(
        None,
        allow_none=True,
        config=True,
        help="Where artifact bytes live: a path or an fsspec URL such as s3://bucket/prefix. "
        "Env: MODEL_CATALOG_ARTIFACT_ROOT.",
    )
    max_upload_size = Integer(
        10 * 1024**3,
        config=True,
        help="Largest artifact upload accepted over HTTP, in bytes.",
    )
    max_upload_unpacked_size = Integer(
        config=True,
        help="Largest total size, in bytes, that an uploaded zip may unpack to: a small zip can "
        "hold gigabytes of zeros (a zip bomb). Default: 4 x max_upload_size.",
    )
    kernel_save_timeout = Float(
        900.0,
        config=True,
        help="Seconds a save from a notebook waits for the notebook's kernel to prepare and verify "
        "the model; the kernel may first have to finish a running cell.",
    )

    listing_cache_pages = Integer(
        64,
        config=True,
        help="Pages of listings kept in memory and served again while still right: every write, "
        "from any process, logs what it touched, and a kept page is checked against the changes "
        "since it was read before it is served again (never a page older than the caller's last "
        "save). 0 turns this off.",
    )

    @default("max_upload_unpacked_size")
    def _default_max_upload_unpacked_size(self):
        # Model files compress little; 4x leaves room for text and sparse weights.
        return 4 * self.max_upload_size


class ServiceHolder:
    """Opens the CatalogService on first use, once, from any thread; then clears away, on a
    side thread, what interrupted saves left behind (only leftovers older than an hour, so
    a save still running elsewhere keeps its files)."""

    def __init__(self, config: ModelCatalogConfig, log=None):
        self.config = config
        self.log = log or logging.getLogger(__name__)
        self._service = None
        self._lock = threading.Lock()
        self.leftovers_collected = threading.Event()

    @property
    def service(self):
        if self._service is None:
            with self._lock:
                if self._service is None:
                    from ..catalog import open_catalog

                    service = open_catalog(url=self.config.backend_url, artifact_root=self.config.artifact_root)
                    # The handlers only serialize listings: they may share pages.
                    service.share_listings(self.config.listing_cache_pages)
                    self._service = service
                    threading.Thread(target=self._collect_leftovers, args=(self._service,),
                                     name="model-catalog-gc", daemon=True).start()
        return self._service

    def _collect_leftovers(self, service) -> None:
        try:
            if service.spool_folder() is None:  # uploads wait in the shared temp folder: sweep it
                from .upload import default_spool_folder, remove_stale_uploads

                remove_stale_uploads(default_spool_folder())
            result = service.collect_garbage()
        except Exception:  # the catalog works without it; say why it did not run
            self.log.warning("model-catalog-ext: could not remove leftovers of interrupted saves",
                             exc_info=True)
        else:
            if result["removed_blobs"] or result["removed_tmp_files"]:
                self.log.info("model-catalog-ext: removed %d unused blob(s) and %d temporary file(s) "
                              "left by interrupted saves (%d bytes)", len(result["removed_blobs"]),
                              result["removed_tmp_files"], result["freed_bytes"])
        finally:
            self.leftovers_collected.set()


def load_server_extension(server_app) -> None:
    config = ModelCatalogConfig(parent=server_app)
    # Kernels this server starts inherit its environment: they then open this catalog too.
    export_for_kernels(config.backend_url, config.artifact_root)
    web_app = server_app.web_app
    web_app.settings[SETTINGS_KEY] = ServiceHolder(config, server_app.log)
    web_app.settings[JOBS_KEY] = JobRegistry(log=server_app.log)
    setup_routes(web_app)
    server_app.log.info("model-catalog-ext: REST API registered under /model-catalog/api/")
