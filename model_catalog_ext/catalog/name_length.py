"""File and folder names too long for any common filesystem.

ext4, XFS, btrfs, APFS and NTFS all stop at 255 bytes (or characters) per name.  An artifact
holding a longer one could be stored and zipped, but never downloaded into a folder: a save
refuses it, and a download of an entry stored before this rule refuses it up front, before
anything is written.
"""
from __future__ import annotations

from ..errors import InvalidArtifact

MAX_NAME_BYTES = 255


def _name_bytes(part: str) -> int:
    # surrogatepass: a name that is not valid UTF-8 is counted, not a crash (its own check refuses it)
    return len(part.encode("utf-8", "surrogatepass"))


def overlong_part(path: str) -> str | None:
    """The first part of the posix ``path`` (a file or folder name) over ``MAX_NAME_BYTES``."""
    return next((part for part in path.split("/") if _name_bytes(part) > MAX_NAME_BYTES), None)


def _shown(part: str) -> str:
    return part if len(part) <= 60 else part[:40] + "..." + part[-12:]


def refuse_overlong_name(path: str, where: str) -> None:
    """At save time: InvalidArtifact naming ``path`` (of the artifact ``where``) when a part
    of it is too long a name."""
    part = overlong_part(path)
    if part is not None:
        raise InvalidArtifact(
            f"{where} holds '{_shown(path)}', whose name '{_shown(part)}' is {_name_bytes(part)} bytes long "
            f"(UTF-8); no common filesystem allows more than {MAX_NAME_BYTES} bytes in a file or folder "
            "name, so it could never be downloaded into a folder. Shorten it and save again.",
            path=path)


def refuse_overlong_download(model_id: str, path: str) -> None:
    """Before a download into a folder: InvalidArtifact (a 4xx, not the filesystem's
    ENAMETOOLONG) for an entry stored before saves refused such names."""
    part = overlong_part(path)
    if part is not None:
        raise InvalidArtifact(
            f"Model {model_id} holds '{_shown(path)}', whose name '{_shown(part)}' is {_name_bytes(part)} "
            f"bytes long (UTF-8): no folder can hold it (filesystems stop at {MAX_NAME_BYTES}), so nothing "
            "was written. Download the artifact as a zip instead, which keeps the name.",
            model_id=model_id, path=path)
