"""GitOps glue for Ray resources: Argo CD and Flux objects, health checks and resource actions."""
