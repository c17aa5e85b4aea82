"""The later half of test_offline_splits.py's notebooks (a file of its own, so that xdist's
``--dist loadfile`` can give it to the other worker; see the note there)."""

from __future__ import annotations

import pytest
from test_offline_splits import LATER_NOTEBOOKS, run_split_prefix_offline


@pytest.mark.slow
@pytest.mark.parametrize("path", LATER_NOTEBOOKS, ids=[path.stem for path in LATER_NOTEBOOKS])
def test_split_logic_runs_in_full_mode_on_the_offline_subset(path, tmp_path):
    run_split_prefix_offline(path, tmp_path)
