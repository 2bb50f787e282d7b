"""How ``ModelCatalog.list_models()``'s keyword arguments, ours and ADS's (the OCI list
filters), become one catalog query plus the exact checks the query cannot make."""
from __future__ import annotations

import dataclasses
import operator
from datetime import timedelta

from ..catalog.query import ModelQuery
from ..errors import InvalidInput, ModelNotFound
from .unsupported import refuse_unsupported

# ADS's sort_by values (OCI camelCase) and ours -> our sort.
_SORTS = {"timecreated": "time_created", "time_created": "time_created", "displayname": "name",
          "display_name": "name", "name": "name", "version": "version"}
# OCI states no entry of this catalog can be in, and why.
_NEVER_STATES = {
    "DELETED": "this catalog deletes models outright (delete_model() removes them at once), "
               "so no model is ever DELETED",
    "DELETING": "this catalog deletes models outright (delete_model() removes them at once), "
                "so no model is ever DELETING",
    "FAILED": "a save here either completes or leaves nothing behind, so no model is ever FAILED",
    "CREATING": "a model appears only once its save is complete, so no model is ever CREATING",
}


@dataclasses.dataclass
class Listing:
    """A query to page through, and the exact filters applied to what it returns."""

    query: ModelQuery | None  # None: nothing can match (e.g. an id that does not exist)
    display_name: str | None = None
    model_id: str | None = None
    limit: int | None = None

    def keep(self, entry) -> bool:
        return ((self.display_name is None or entry.display_name == self.display_name)
                and (self.model_id is None or entry.id == self.model_id))


def plan_listing(service, kwargs: dict, *, project_id, include_deleted: bool, compartment_id,
                 page_size: int) -> Listing:
    """Turn list_models()'s arguments into a Listing; bad values raise InvalidInput and
    ADS filters with no counterpart here raise NotImplementedError."""
    kwargs = dict(kwargs)
    refuse_unsupported("list_models()", {name: kwargs.pop(name, None)
                                          for name in ("page", "model_version_set_name", "version_label")})
    search = kwargs.pop("search", None)
    text = kwargs.pop("text", None)
    display_name = kwargs.pop("display_name", None)
    model_id = kwargs.pop("id", None)
    limit = _check_limit(kwargs.pop("limit", None))
    _take_alias(kwargs, "lifecycle_state", "state")
    _take_alias(kwargs, "sort_by", "sort")
    _take_alias(kwargs, "sort_order", "order")
    state = kwargs.get("state")
    if isinstance(state, str) and state.upper() in _NEVER_STATES:
        raise InvalidInput(f"No model is in state {state.upper()}: {_NEVER_STATES[state.upper()]}. "
                           "List with lifecycle_state='ACTIVE', 'INACTIVE' or 'ALL' instead.")
    if not isinstance(include_deleted, (bool, int)) or isinstance(include_deleted, str):
        raise InvalidInput(f"include_deleted must be True or False, not {include_deleted!r}.")
    kwargs.setdefault("state", "ALL" if include_deleted else "ACTIVE")
    if "sort" in kwargs:
        kwargs["sort"] = _sort(kwargs["sort"])
    if project_id is not None:
        kwargs["project_id"] = project_id
    if compartment_id and "compartment_id" not in kwargs:
        kwargs["compartment_id"] = compartment_id
    if display_name is not None:
        if not isinstance(display_name, str):
            raise InvalidInput(f"display_name must be text, not {type(display_name).__name__}.")
        # The query matches names containing it (indexed); keep() then keeps exact matches.
        kwargs.setdefault("name", display_name)
    kwargs["limit"] = min(page_size, limit or page_size)

    from ..catalog import parse_search

    # text goes in afterwards: parse_search's own first argument is called text.
    query = parse_search(search, **kwargs)
    if text is not None:
        if not isinstance(text, str):
            raise InvalidInput(f"The text filter must be text, not {type(text).__name__}.")
        query = dataclasses.replace(query, text=" ".join(w for w in (query.text, text) if w)).normalized()
    if model_id is not None:
        query = _narrow_to_model(service, query, model_id)
    return Listing(query, display_name=display_name, model_id=model_id, limit=limit)


def _take_alias(kwargs: dict, ads_name: str, name: str) -> None:
    """Move ADS's ``ads_name`` to our ``name``; both at once must agree."""
    if ads_name not in kwargs:
        return
    value = kwargs.pop(ads_name)
    if name in kwargs and kwargs[name] != value:
        raise InvalidInput(f"Pass either {ads_name} or {name}, not both (got {ads_name}={value!r} and "
                           f"{name}={kwargs[name]!r}).")
    kwargs[name] = value


def _sort(value) -> str:
    sort = _SORTS.get(value.lower()) if isinstance(value, str) else None
    if sort is None:
        raise InvalidInput(f"Cannot sort models by {value!r}: sort_by takes 'timeCreated' or 'displayName' "
                           "(as in ADS), or 'time_created', 'name' or 'version'.")
    return sort


def _check_limit(limit):
    if limit is None:
        return None
    try:
        count = None if isinstance(limit, bool) else operator.index(limit)  # numpy integers too
    except TypeError:
        count = None
    if count is None or count < 1:
        raise InvalidInput(f"limit is the most models to return, a whole number of 1 or more; got {limit!r}. "
                           "Leave it out to list every matching model.")
    return count


def _narrow_to_model(service, query: ModelQuery, model_id):
    """The query, also narrowed to the creation time of ``model_id`` (None when there is no
    such model): the core has no id filter, and this keeps the scan to a moment's models
    instead of the whole catalog.  Listing.keep() then keeps only that id."""
    if not isinstance(model_id, str) or not model_id:
        raise InvalidInput(f"id must be a model id such as 'mdl-3f2a...', not {model_id!r}.")
    try:
        created = service.get(model_id).time_created
    except ModelNotFound:
        return None
    after = max(t for t in (query.created_after, created) if t is not None)
    just_after = created + timedelta(microseconds=1)
    before = min(t for t in (query.created_before, just_after) if t is not None)
    return dataclasses.replace(query, created_after=after, created_before=before)
