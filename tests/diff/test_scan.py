"""The fast reader gives the Ray summary the full loader gives, or refuses the text."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from rayops.diff import engine
from rayops.diff.engine import unchanged_clusters
from rayops.diff.scan import Unsupported, scan
from rayops.diff.summary import SUMMARY_FIELDS, ClusterSummary, summarize
from rayops.errors import UsageError
from rayops.loader import load_bytes

REPO_ROOT = Path(__file__).resolve().parents[2]
RENDERED = sorted((REPO_ROOT / "rendered").rglob("*.yaml"))
RAY_FILES = [path for path in RENDERED if path.parent.name in ("dev", "prod") and path.name.startswith("ray")]


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


def _summary_of(text: str) -> ClusterSummary | None:
    """The summary the full loader gives for ``text``."""
    (document,) = load_bytes(text.encode(), "x.yaml").documents
    return summarize(document.value)


def _with_comments_and_blank_lines(text: str) -> str:
    """Blank lines, comment lines (indented as the next line) and trailing blanks between the lines."""
    lines = text.split("\n")
    edited = []
    for number, line in enumerate(lines):
        indent = len(line) - len(line.lstrip(" "))
        if number % 4 == 1:
            edited.append(" " * indent + "# a comment: with a colon")
        if number % 5 == 2:
            edited.append(" " * (number % 3))
        edited.append(line + ("  " if number % 3 == 0 and line else ""))
    return "\n".join(edited)


@pytest.mark.parametrize(
    "edit",
    [_with_comments_and_blank_lines, lambda text: text.replace("\n", "\r\n"), lambda text: "---\n" + text],
    ids=["comments-and-blank-lines", "crlf", "document-start"],
)
@pytest.mark.parametrize("path", RAY_FILES, ids=[str(p.relative_to(REPO_ROOT)) for p in RAY_FILES])
def test_same_summary_as_the_full_loader_around_the_lines(path: Path, edit: Callable[[str], str]) -> None:
    """Blank and comment lines, trailing blanks, CRLF and ``---`` change nothing the reader reads."""
    text = edit(path.read_text(encoding="utf-8"))
    assert summarize(scan(text, SUMMARY_FIELDS)) == _summary_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "kind: RayCluster\nspec:\n\trayVersion: 2.46.0\n",
        "kind: RayCluster\rspec: {}\n",
        "kind : RayCluster\n",
        "kind: RayCluster\nspec:\n  rayVersion: # a comment\n",
        "kind: RayCluster\nspec:\n  rayVersion: 2.46.0\n   x: 1\n",
        "kind: RayCluster\nspec:\n  workerGroupSpecs:\n  - groupName: a\n    replicas: 1\n      more\n",
        "kind: RayCluster\nspec:\n  headGroupSpec:\n    template:\n      spec: {}\n   x: 1\n",
    ],
    ids=[
        "tab",
        "lone-cr",
        "blank-before-colon",
        "comment-as-value",
        "deeper-after-scalar",
        "item-scalar",
        "between",
    ],
)
def test_unusual_lines_are_refused(text: str) -> None:
    """Tabs, other line breaks, odd keys, comments where a value is, lines at odd indentation: refused."""
    with pytest.raises(Unsupported):
        scan(text, SUMMARY_FIELDS)


def test_skipped_values_are_not_read() -> None:
    """What is not wanted may be anything, deeper than its key: a block scalar, flow, anchors."""
    text = (
        "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata:\n  name: skip\n  annotations:\n"
        "    note: |\n      kind: RayJob\n    other: {a: [1, 2]}\n    anchored: &a x\n"
        "spec:\n  rayVersion: 2.46.0\n  ports:\n  - containerPort: 1\n    name: a\n"
        "  workerGroupSpecs:\n  - groupName: g\n    replicas: 2\n"
    )
    assert scan(text) == {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": {"name": "skip"},
        "spec": {"rayVersion": "2.46.0", "workerGroupSpecs": [{"groupName": "g", "replicas": 2}]},
    }
    assert summarize(scan(text, SUMMARY_FIELDS)) == _summary_of(text)


def test_whole_values_read_again_are_copies() -> None:
    """A block read before (the same resources in many files) comes back as its own copy."""
    first = scan(HAND_WRITTEN)
    second = scan(HAND_WRITTEN)
    containers = first["spec"]["headGroupSpec"]["template"]["spec"]["containers"]
    again = second["spec"]["headGroupSpec"]["template"]["spec"]["containers"]
    assert containers[0]["resources"] == again[0]["resources"] == {"limits": {"cpu": 2}}
    containers[0]["resources"]["limits"]["cpu"] = 3
    assert again[0]["resources"] == {"limits": {"cpu": 2}}
    assert scan(HAND_WRITTEN) == second


def _many_files() -> list[tuple[str, bytes]]:
    """Every rendered Ray file of the example, under many names."""
    return [
        (f"{copy}/{path.relative_to(REPO_ROOT)}", path.read_bytes())
        for copy in range(40)
        for path in RAY_FILES
    ]


def test_worker_and_this_process_give_the_serial_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """Split between the forked worker and this process, the summaries are those of a serial run."""
    files = _many_files()
    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 10**9)
    serial = unchanged_clusters(files)
    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 2)
    parallel = unchanged_clusters(files)
    assert parallel == serial
    assert len(serial) == len(files) and all(len(clusters) == 1 for clusters in serial.values())


def test_a_failed_worker_leaves_the_work_to_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that dies before delivering anything changes nothing but the time taken."""
    files = _many_files()
    expected = unchanged_clusters(files[:4])
    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(engine.UnchangedClusters, "_summarise_back", lambda *_: os._exit(1))
    found = unchanged_clusters(files)
    assert len(found) == len(files)
    assert [found[file] for file, _ in files[:4]] == [expected[file] for file, _ in files[:4]]


def test_an_unreadable_file_raises_its_error_with_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file the full loader cannot read stops the diff, as without a worker."""
    files = [*_many_files(), ("broken.yaml", b"kind: RayCluster\nspec: {a: [\n")]
    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 2)
    with pytest.raises(UsageError, match=r"broken\.yaml"):
        unchanged_clusters(files)
