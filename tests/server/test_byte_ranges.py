"""Range headers read as RFC 9110 says, whatever a client sends: never an error but 416."""
from __future__ import annotations

import pytest

from model_catalog_ext.errors import RangeNotSatisfiable
from model_catalog_ext.server.byte_ranges import requested_range


@pytest.mark.parametrize("header, size, expected", [
    ("bytes=5-9", 100, (5, 9)),
    ("bytes=95-", 100, (95, 99)),
    ("bytes=-5", 100, (95, 99)),
    ("bytes=-500", 100, (0, 99)),
    ("bytes=0-" + "9" * 5000, 100, (0, 99)),  # an end past any size: to the end
    ("bytes=-" + "9" * 5000, 100, (0, 99)),  # a suffix longer than the file: all of it
    ("bytes=0-1,5-6", 100, None),  # several ranges: the whole file
    ("items=0-1", 100, None),
])
def test_a_range_is_read_as_the_rfc_says(header, size, expected):
    assert requested_range({"Range": header}, size, "etag") == expected


@pytest.mark.parametrize("header, size", [
    ("bytes=100-", 100),
    ("bytes=" + "9" * 5000 + "-", 100),  # int() alone would refuse the digits (a 500)
    ("bytes=-0", 100),
    ("bytes=-5", 0),  # an empty file has no byte to ask for
    ("bytes=0-", 0),
    ("bytes=9-5", 100),
])
def test_a_range_outside_the_file_is_416(header, size):
    with pytest.raises(RangeNotSatisfiable):
        requested_range({"Range": header}, size, "etag")
