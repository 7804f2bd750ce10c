"""KR601: ``replicas`` written on an autoscaled worker group makes GitOps fight the autoscaler.

With ``enableInTreeAutoscaling: true`` the Ray autoscaler owns each worker group's
``replicas``: it writes the number of workers it wants into the RayCluster. If the
manifest in git also sets ``replicas``, Argo CD or Flux sees a difference after every
scaling decision and puts the old number back on the next sync, so the cluster is
scaled down under running jobs (kuberay#1120). Leave ``replicas`` out and let
``minReplicas`` set the starting size (the CRD default fills ``replicas`` in), or tell
the GitOps engine to ignore the field.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: autoscaled
spec:
  enableInTreeAutoscaling: true
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
        - {name: ray-head, image: rayproject/ray:2.46.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
  workerGroupSpecs:
  - groupName: small
    replicas: 2  # <- KR601
    minReplicas: 1
    maxReplicas: 5
    rayStartParams: {}
    template:
      spec:
        containers:
        - {name: ray-worker, image: rayproject/ray:2.46.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: autoscaled
spec:
  enableInTreeAutoscaling: true
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
        - {name: ray-head, image: rayproject/ray:2.46.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
  workerGroupSpecs:
  - groupName: small
    minReplicas: 1
    maxReplicas: 5
    rayStartParams: {}
    template:
      spec:
        containers:
        - {name: ray-worker, image: rayproject/ray:2.46.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation, worker_groups

ID = "KR601"
TITLE = "replicas set on an autoscaled worker group (GitOps and the autoscaler will fight)"
SEVERITY = "warning"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = None
UNTIL = None
GATES = ()


def check(resource: Resource) -> Iterator[Violation]:
    """Yield each user-written ``replicas`` of a group the autoscaler manages."""
    for spec_path, cluster_spec in resource.cluster_specs():
        if cluster_spec.get("enableInTreeAutoscaling") is not True:
            continue
        for index, group in worker_groups(cluster_spec):
            path = (*spec_path, "workerGroupSpecs", index, "replicas")
            if "replicas" in group and resource.written(path):
                yield Violation(
                    path,
                    f"worker group {group.get('groupName', index)} is autoscaled: replicas in git will undo "
                    "the autoscaler on every sync; remove it (minReplicas sets the starting size)",
                )
