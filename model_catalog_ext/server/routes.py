"""The route table: every URL of the REST API, in one place (openapi.yaml says the same)."""
from __future__ import annotations

from jupyter_server.utils import url_path_join

from .handlers.artifacts import ArtifactFileHandler, ArtifactZipHandler, DownloadToFolderHandler
from .handlers.files import FileSaveHandler
from .handlers.jobs import JobHandler
from .handlers.models import HistoryHandler, ModelHandler, ModelsHandler, ModelStateHandler, VersionsHandler
from .handlers.not_found import NotFoundHandler
from .handlers.notebooks import NotebookModelsHandler, NotebookSaveHandler
from .handlers.projects import ProjectsHandler
from .handlers.uploads import UploadCompleteHandler, UploadHandler, UploadPartHandler, UploadsHandler
from .handlers.version import CapabilitiesHandler, StatsHandler, VersionHandler

API_PREFIX = ("model-catalog", "api")
MODEL_ID = r"(?P<model_id>[^/]+)"


def api_routes():
    """(pattern relative to /model-catalog/api/, handler) pairs."""
    return [
        (r"version", VersionHandler),
        (r"capabilities", CapabilitiesHandler),
        (r"stats", StatsHandler),
        (r"models", ModelsHandler),
        (rf"models/{MODEL_ID}", ModelHandler),
        (rf"models/{MODEL_ID}/(?P<action>activate|deactivate)", ModelStateHandler),
        (rf"models/{MODEL_ID}/versions", VersionsHandler),
        (rf"models/{MODEL_ID}/history", HistoryHandler),
        (rf"models/{MODEL_ID}/artifact", ArtifactZipHandler),
        (rf"models/{MODEL_ID}/artifact/files/(?P<path>.+)", ArtifactFileHandler),
        (rf"models/{MODEL_ID}/download", DownloadToFolderHandler),
        (r"uploads", UploadsHandler),
        (r"uploads/(?P<upload_id>[^/]+)", UploadHandler),
        (r"uploads/(?P<upload_id>[^/]+)/files/(?P<file>[0-9]{1,9})/parts/(?P<part>[0-9]{1,9})", UploadPartHandler),
        (r"uploads/(?P<upload_id>[^/]+)/complete", UploadCompleteHandler),
        (r"projects", ProjectsHandler),
        (r"notebooks/models", NotebookModelsHandler),
        (r"notebooks/save", NotebookSaveHandler),
        (r"files/save", FileSaveHandler),
        (r"jobs/(?P<job_id>[0-9a-f]+)", JobHandler),
    ]


# Routes that touch the server's own files or kernels: a shared catalog service serves none
# of them (its file tree and kernels are the service's, not its clients').
SERVER_SIDE_ROUTES = frozenset({DownloadToFolderHandler, NotebookModelsHandler, NotebookSaveHandler, FileSaveHandler,
                                JobHandler})


def catalog_routes():
    """The routes that only read and write the catalog (what ``jupyter model-catalog serve`` serves)."""
    return [(pattern, handler) for pattern, handler in api_routes() if handler not in SERVER_SIDE_ROUTES]


def setup_routes(web_app, routes=None) -> None:
    """Register ``routes`` (default: every route of the API) under the server's base URL."""
    base_url = web_app.settings["base_url"]
    handlers = [
        (url_path_join(base_url, *API_PREFIX, pattern) + "$", handler)
        for pattern, handler in (api_routes() if routes is None else routes)
    ]
    # Last: whatever else is under the prefix gets a JSON 404, not Jupyter's HTML page.
    handlers.append((url_path_join(base_url, *API_PREFIX) + "(?:/.*)?$", NotFoundHandler))
    web_app.add_handlers(".*$", handlers)
