"""The fast reader gives the Ray summary the full loader gives, or refuses the text."""

from __future__ import annotations

from pathlib import Path

import pytest

from rayops.diff.engine import unchanged_clusters
from rayops.diff.scan import Unsupported, scan
from rayops.diff.summary import summarize
from rayops.loader import load_bytes

REPO_ROOT = Path(__file__).resolve().parents[2]
RENDERED = sorted((REPO_ROOT / "rendered").rglob("*.yaml"))


@pytest.mark.parametrize("path", RENDERED, ids=[str(p.relative_to(REPO_ROOT)) for p in RENDERED])
def test_same_summary_as_the_full_loader(path: Path) -> None:
    """On every rendered file of the example, fast and full readings agree."""
    data = path.read_bytes()
    (document,) = load_bytes(data, str(path)).documents
    assert summarize(scan(data.decode())) == summarize(document.value)


HAND_WRITTEN = """\
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: quoted   # a comment
  namespace: 'team-a'
spec:
  rayVersion: "2.46.0"
  enableInTreeAutoscaling: yes
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
          - name: ray-head
            image: rayproject/ray:2.46.0
            resources:
              limits:
                cpu: 2
  workerGroupSpecs:
  - groupName: gpu
    minReplicas: 0
    maxReplicas: 010
    template:
      spec:
        containers:
        - name: w
          resources:
            requests:
              nvidia.com/gpu: 1
              cpu: 500m
"""


def test_hand_written_block_yaml() -> None:
    """Comments, quotes, YAML 1.1 booleans, octal, indented lists: as the full loader reads them."""
    (document,) = load_bytes(HAND_WRITTEN.encode(), "x.yaml").documents
    try:
        fast = summarize(scan(HAND_WRITTEN))
    except Unsupported:
        pytest.fail("block YAML refused")
    assert fast == summarize(document.value)
    assert fast is not None and fast.autoscaling and fast.groups[0].max_replicas == 8


@pytest.mark.parametrize(
    "text",
    [
        "kind: RayCluster\nspec:\n  rayVersion: &v 2.46.0\n",
        "kind: RayCluster\nspec: {rayVersion: 2.46.0}\n",
        "kind: RayCluster\n---\nkind: RayJob\n",
        'kind: "Ray\\u0043luster"\n',
        "kind: RayCluster\nspec:\n  rayVersion: 2.46\n    .0\n",
        "kind: !!str RayCluster\n",
        "? kind\n: RayCluster\n",
        "kind: RayCluster\nmetadata:\n  name: |\n    x\n",
    ],
)
def test_outside_the_subset_is_refused(text: str) -> None:
    """Anchors, flow mappings, several documents, escapes, multi-line scalars, tags: refused."""
    with pytest.raises(Unsupported):
        scan(text)


def test_refused_files_fall_back_to_the_full_loader() -> None:
    """A flow-style file still counts, through the full loader."""
    flow = (
        b"apiVersion: ray.io/v1\nkind: RayCluster\nmetadata: {name: flow, namespace: ns}\n"
        b"spec: {headGroupSpec: {template: {spec: {containers: "
        b"[{name: h, resources: {requests: {cpu: 3}}}]}}}}\n"
    )
    clusters = unchanged_clusters([("flow.yaml", flow)])
    (cluster,) = clusters["flow.yaml"]
    assert cluster.name == "flow" and cluster.head.cpu == 3 * 10**9
