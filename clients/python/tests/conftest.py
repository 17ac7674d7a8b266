import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))  # the package, when not installed

GOLDEN = os.path.join(ROOT, "protocol", "golden")
EXAMPLES = os.path.join(ROOT, "protocol", "examples")


@pytest.fixture(scope="session")
def binary() -> str:
    path = os.environ.get("CUSTOMER_SYNC_BIN") or os.path.join(ROOT, ".build", "debug", "customer-sync")
    if not os.access(path, os.X_OK):
        pytest.fail(f"no customer-sync binary at {path}: run `swift build` or set CUSTOMER_SYNC_BIN")
    return path
