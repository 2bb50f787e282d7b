import os

import pytest

from tests.kernel_helpers import RealKernel


@pytest.fixture
def kernel(tmp_path, _isolated_catalog):
    """A real IPython kernel whose catalog is this test's own embedded catalog."""
    env = dict(os.environ)
    k = RealKernel(cwd=tmp_path, env=env)
    yield k
    k.shutdown()
