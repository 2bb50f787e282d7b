"""``SummaryList``: ADS's base class of catalog listings (``ads.catalog.summary``).

ModelSummaryList and ProjectSummaryList both count as SummaryLists, so code written
against ADS's ``isinstance(x, SummaryList)`` works here.
"""
from __future__ import annotations

from abc import ABCMeta, abstractmethod


class SummaryList(list, metaclass=ABCMeta):
    """A list of catalog items with ``filter``, ``sort_by`` and a ``df`` DataFrame view."""

    @abstractmethod
    def filter(self, selection, instance=None):
        """A new list of the items ``selection`` keeps."""

    @abstractmethod
    def sort_by(self, columns, reverse: bool = False):
        """A new list sorted by ``columns``."""

    @abstractmethod
    def to_dataframe(self, datetime_format: str | None = None):
        """The items as a pandas DataFrame."""

    @property
    def df(self):
        """Same as :meth:`to_dataframe` (ADS's attribute name)."""
        return self.to_dataframe()


def _register_model_summary_list() -> None:
    from .summary import ModelSummaryList

    SummaryList.register(ModelSummaryList)


_register_model_summary_list()
