"""Container image references: their parts, and the Ray version a Ray image's tag names.

One reading of ``registry/repository:tag@digest`` shared by the render step (kustomize's
``images``), the spec expansion and the rules that look at images.
"""

from __future__ import annotations

import re

_RAY_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)(?![\d.])")


def split_image(image: str) -> tuple[str, str, str]:
    """(name, tag, digest) of an image reference; missing parts are ""."""
    reference, _, digest = image.partition("@")
    if ":" in reference.rsplit("/", 1)[-1]:
        name, _, tag = reference.rpartition(":")
        return name, tag, digest
    return reference, "", digest


def image_tag(image: str) -> str | None:
    """The tag of an image reference, "" when pinned by digest, None when it has no tag."""
    _, tag, digest = split_image(image)
    if digest:
        return ""
    return tag or None


def image_ray_version(image: str) -> str | None:
    """The Ray version in a Ray image's tag (``rayproject/ray:2.46.0-py311`` is 2.46.0), or None.

    Only images whose repository name contains ``ray`` are read; a digest names no version.
    """
    name, tag, digest = split_image(image)
    if digest or not tag or "ray" not in name.rsplit("/", 1)[-1]:
        return None
    match = _RAY_VERSION.match(tag)
    return match.group(0) if match else None
