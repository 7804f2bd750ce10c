"""rayops: a GitOps toolkit for Ray on Kubernetes.

The library API: :func:`validate_paths` checks files of KubeRay (and other
Kubernetes) manifests the way the API server would, and returns a report of
findings, each at a file, line and column.
"""

from rayops.findings import Finding, Location, Severity
from rayops.loader import load_bytes, read_file
from rayops.validate.engine import Report, ValidationOptions, validate_paths

__all__ = [
    "Finding",
    "Location",
    "Report",
    "Severity",
    "ValidationOptions",
    "load_bytes",
    "read_file",
    "validate_paths",
]
__version__ = "0.1.0"
