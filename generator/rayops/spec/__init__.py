"""rayops specs: short documents that expand into the KubeRay resources an expert would write.

A spec has ``apiVersion: rayops.dev/v1alpha1`` and one of the kinds ``RayCluster``,
``RayJob``, ``RayService``, ``RayCronJob``; :func:`expand` turns it into the ``ray.io/v1``
resource of the same kind, plus a ConfigMap when it ships code. The JSON schemas of the
four kinds are in ``schemas/rayops/v1alpha1/`` (for editors: add
``# yaml-language-server: $schema=<path>/rayjob.json`` to a spec), and :func:`expand`
checks a spec against the same schema first.

A RayJob spec (the KubeRay guide's ``ray-job.sample.yaml`` in one screen)::

    apiVersion: rayops.dev/v1alpha1
    kind: RayJob
    metadata:
      name: rayjob-sample
      namespace: ray-dev                   # optional; also labels, annotations (of the resource)
    spec:
      rayVersion: "2.46.0"                 # required
      image: rayproject/ray:2.46.0-py311   # optional (default rayproject/ray:<rayVersion>);
                                           # the version in its tag must be rayVersion
      entrypoint: python /home/ray/samples/sample_code.py
      runtimeEnv:                          # written as runtimeEnvYAML
        pip: [requests==2.26.0, pendulum==2.1.2]
        env_vars: {counter_name: test_counter}
      code:                                # files of the spec's folder -> ConfigMap
        files: [sample_code.py]            #   <name>-code-<hash>, mounted in every Ray container
        mountPath: /home/ray/samples       #   (default /home/ray/code)
      shutdownAfterJobFinishes: true
      ttlSecondsAfterFinished: 60
      head:
        resources: {cpu: {request: 200m, limit: "1"}, memory: 2Gi}
      workers:
        - name: small-group
          replicas: 1
          minReplicas: 1
          maxReplicas: 5
          resources: {cpu: {request: 200m, limit: "1"}}

Fields of every kind (the cluster fields; a RayCronJob has them under ``spec.job``):

* ``rayVersion`` (required), ``image``, ``imagePullPolicy``, ``serviceAccountName``.
* ``head`` and each item of ``workers`` (``name`` required and unique, ``replicas``,
  ``minReplicas`` <= ``maxReplicas``, ``numOfHosts``) take ``image``, ``resources``,
  ``rayStartParams``, ``env``, ``nodeSelector``, ``tolerations``, ``labels``,
  ``annotations`` and ``podTemplatePatch``, over the spec-wide values; ``head`` also
  ``serviceType``. ``resources`` has ``cpu``, ``memory``, ``ephemeralStorage`` (a quantity
  used as request and limit, or ``{request, limit}``) and ``gpu`` (the ``nvidia.com/gpu`` limit).
* ``autoscaling: {enabled, version, idleTimeoutSeconds, upscalingMode}`` gives
  ``enableInTreeAutoscaling: true`` and ``autoscalerOptions`` (``enabled`` defaults to true).
* ``gcsFaultTolerance: {redisAddress, redisPasswordSecret: {name, key}, externalStorageNamespace}``
  gives ``gcsFaultToleranceOptions``.
* ``env``, ``nodeSelector``, ``tolerations``, ``labels``, ``annotations``: for every Ray Pod
  (labels and annotations of the Pod templates, not of the resource).
* ``volumes``, ``volumeMounts`` (plain Kubernetes ones) and ``persistentVolumeClaims: [{name,
  claimName, mountPath, readOnly}]``: added to every Ray Pod and container.
* ``scheduler: {name: volcano|yunikorn|kueue, queue, gangScheduling}``: labels of the resource:
  ``ray.io/scheduler-name`` and ``volcano.sh/queue-name``; or ``ray.io/scheduler-name``,
  ``yunikorn.apache.org/app-id``, ``yunikorn.apache.org/queue`` (and
  ``ray.io/gang-scheduling-enabled``); or ``kueue.x-k8s.io/queue-name`` (queue required).
* ``prometheus: true``: container port 8080 named ``metrics`` and ``prometheus.io/scrape``,
  ``prometheus.io/port`` annotations on the Pods. ``ingress: {enabled: true}``:
  ``headGroupSpec.enableIngress``.
* ``podTemplatePatch: {head, workers}``: strategic-merged into the generated Pod templates
  (:func:`rayops.overlay.strategic_merge`, list keys from the RayCluster CRD), before a
  group's own ``podTemplatePatch``.

RayJob (and ``spec.job`` of a RayCronJob) adds ``entrypoint``, ``runtimeEnv``,
``shutdownAfterJobFinishes``, ``ttlSecondsAfterFinished``, ``submissionMode``,
``activeDeadlineSeconds``, ``backoffLimit``, ``suspend``, ``entrypointNumCpus``,
``entrypointNumGpus``. RayService adds ``serveConfig`` (a mapping) or ``serveConfigFile``
(a file of the spec's folder), either written as ``serveConfigV2``, and ``upgradeStrategy``.
RayCronJob has ``schedule``, ``timeZone``, ``suspend`` and ``job``.

The output: head container ``ray-head`` with ports 6379 ``gcs-server``, 8265 ``dashboard``,
10001 ``client`` (and 8000 ``serve`` for a RayService), worker containers ``ray-worker``,
``rayStartParams: {}`` unless given, and the labels ``app.kubernetes.io/name`` (the kind,
lowercased), ``app.kubernetes.io/instance`` (the name) and ``app.kubernetes.io/managed-by:
rayops`` on the resource. The code ConfigMap is named ``<name>-code-<first 10 hex digits of
a SHA-256 over the files sorted by name>`` (see :func:`code_hash`) and labelled
``rayops.dev/code-of: <name>``, so changing a file renames it and rolls the Pods.
"""

from rayops.spec.errors import SpecError
from rayops.spec.expand import check_relative_path, code_hash, expand, is_spec
from rayops.spec.schema import SPEC_API_VERSION, SPEC_KINDS, schema_text, spec_schema

__all__ = [
    "SPEC_API_VERSION",
    "SPEC_KINDS",
    "SpecError",
    "check_relative_path",
    "code_hash",
    "expand",
    "is_spec",
    "schema_text",
    "spec_schema",
]
