"""CRD-to-JSON-Schema compiler and the registry of bundled schema sets."""
