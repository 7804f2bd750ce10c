"""KubeRay's sample corpus in ../shared: which feature gate each sample needs.

Shared by `make demo` and the tests that validate the corpus.
"""

from __future__ import annotations

import re
from pathlib import Path

_NEEDS_GATE = re.compile(r"needs feature gate (\w+)")


def gates_from_index(samples: Path) -> dict[str, dict[str, bool]]:
    """Sample path (as listed) to the gates it needs, from the notes column of index.tsv."""
    needed: dict[str, dict[str, bool]] = {}
    for line in (samples / "index.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        columns = line.split("\t")
        match = _NEEDS_GATE.search(columns[-1])
        if match:
            needed[columns[1]] = {match.group(1): True}
    return needed
