"""One reading of image references for render, specs and rules."""

from __future__ import annotations

import pytest

from rayops.images import image_ray_version, image_tag, split_image


@pytest.mark.parametrize(
    ("image", "parts", "tag", "ray"),
    [
        ("rayproject/ray:2.46.0-py311", ("rayproject/ray", "2.46.0-py311", ""), "2.46.0-py311", "2.46.0"),
        ("localhost:5000/ray:2.9.3", ("localhost:5000/ray", "2.9.3", ""), "2.9.3", "2.9.3"),
        ("localhost:5000/ray", ("localhost:5000/ray", "", ""), None, None),
        ("rayproject/ray@sha256:ab", ("rayproject/ray", "", "sha256:ab"), "", None),
        ("mycorp/trainer:1.2.3", ("mycorp/trainer", "1.2.3", ""), "1.2.3", None),
        ("rayproject/ray:latest", ("rayproject/ray", "latest", ""), "latest", None),
    ],
)
def test_image_parts(image: str, parts: tuple[str, str, str], tag: str | None, ray: str | None) -> None:
    assert split_image(image) == parts
    assert image_tag(image) == tag
    assert image_ray_version(image) == ray
