"""ADS arguments we do not support yet: refuse them loudly instead of ignoring them."""
from __future__ import annotations

_SENTINEL = object()


def refuse_unsupported(where: str, given: dict, defaults: dict | None = None) -> None:
    """Raise NotImplementedError naming every ADS argument passed with a non-default value.

    ``given`` maps argument names to the values passed; ``defaults`` gives values that are
    harmless to pass explicitly (ADS's own defaults).  None always counts as not passed.
    """
    defaults = defaults or {}
    used = [name for name, value in given.items()
            if value is not None and (name not in defaults or value != defaults[name])]
    if used:
        raise NotImplementedError(
            f"{where}: the ADS argument{'s' if len(used) > 1 else ''} {', '.join(sorted(used))} "
            f"{'are' if len(used) > 1 else 'is'} not supported by model-catalog-ext yet. "
            "Leave it out; see the function's docstring for what is supported."
        )
