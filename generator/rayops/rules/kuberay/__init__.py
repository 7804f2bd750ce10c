"""Rules ported from the KubeRay operator: one module per rule, named after its ID."""
