"""Secret values stay hidden however they reach an output: unchanged Secrets, copies in
other resources, escaped by a writer, split into lines, cut by the comment limit."""

from __future__ import annotations

import base64
import json

import pytest

from rayops.diff.output.markdown import GITHUB_COMMENT_LIMIT
from rayops.diff.report import produce
from rayops.diff.secrets import HIDDEN_TEXT, Redactor, scrub
from tests.diff.revisions import diff, dump, impacts


def _secret(value: str, *, encoded: bool = True, secret_type: str | None = None) -> str:
    body: dict[str, object] = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s", "namespace": "n"},
    }
    if secret_type is not None:
        body["type"] = secret_type
    if encoded:
        body["data"] = {"k": base64.b64encode(value.encode()).decode()}
    else:
        body["stringData"] = {"k": value}
    return dump(body)


def _configmap(value: str, name: str = "c") -> str:
    return dump(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": "n"},
            "data": {"k": value},
        }
    )


def _pod_args(value: str) -> str:
    return dump(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p", "namespace": "n"},
            "spec": {"containers": [{"name": "c", "image": "busybox", "args": ["--password", value]}]},
        }
    )


def _escapes(value: str) -> list[str]:
    """The forms a writer could print ``value`` in."""
    return [
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        value.replace("|", "\\|"),
    ]


def _assert_hidden(texts: dict[str, str], *values: str) -> None:
    for output, text in texts.items():
        for value in values:
            for form in _escapes(value):
                assert form not in text, f"{form!r} printed in {output}"


def test_unchanged_secret_value_copied_into_a_changed_configmap() -> None:
    """A Secret equal in both revisions still has its value scrubbed from a changed ConfigMap."""
    value = "sup3r-s3cret-token-XYZ"
    result, secrets, texts = diff(
        {"s.yaml": _secret(value), "c.yaml": _configmap("old")},
        {"s.yaml": _secret(value), "c.yaml": _configmap(f"token={value}")},
    )
    assert value in secrets
    assert [d.key.kind for env in result.environments for d in env.resources] == ["ConfigMap"]
    _assert_hidden(texts, value)
    assert f"token={HIDDEN_TEXT}" in texts["text"]


@pytest.mark.parametrize(
    "value",
    [
        'pässwörd"1234|x',
        "grüße-geheim<&>",
        "-----BEGIN KEY-----\nMIIabcdefghijk\nQQQQrrrrssss\n-----END KEY-----",
    ],
    ids=["non-ascii-quote-pipe", "non-ascii-html", "multi-line-pem"],
)
@pytest.mark.parametrize("where", ["args", "configmap", "added"])
def test_values_hidden_in_every_writer_escape(value: str, where: str) -> None:
    """Non-ASCII, quotes, ``|``, HTML characters and PEM lines never reach any output."""
    if where == "args":
        base = {"s.yaml": _secret("aaaa1111"), "p.yaml": _pod_args("old")}
        head = {"s.yaml": _secret(value), "p.yaml": _pod_args(value)}
    elif where == "configmap":
        base = {"s.yaml": _secret("aaaa1111"), "c.yaml": _configmap("cfg:\n  x: 1\n")}
        head = {"s.yaml": _secret(value), "c.yaml": _configmap(f"cfg:\n  {value}\n")}
    else:
        base = {"s.yaml": _secret("aaaa1111", encoded=False)}
        head = {"s.yaml": _secret(value, encoded=False), "c.yaml": _configmap(value)}
    result, _, texts = diff(base, head)
    lines = [line.strip() for line in value.splitlines() if len(line.strip()) >= 4]
    _assert_hidden(texts, value, *lines)
    assert any(d.key.kind != "Secret" for env in result.environments for d in env.resources)


def test_redaction_before_formatting_without_the_final_scrub() -> None:
    """The values are replaced in the diff itself: even an unscrubbed writer never sees them."""
    from rayops.diff.output.text import write_text
    from rayops.diff.report import redacted

    value = "grüße-geheim-value"
    result, secrets, _ = diff(
        {"s.yaml": _secret("aaaa1111"), "p.yaml": _pod_args("old")},
        {"s.yaml": _secret(value), "p.yaml": _pod_args(value)},
    )
    text = write_text(redacted(result, Redactor(secrets)))
    assert value not in text and "gr\\xFC\\xDFe" not in text
    assert HIDDEN_TEXT in text


def test_scrub_knows_the_writers_escapes() -> None:
    """The final pass replaces YAML-, JSON- (both ways), markdown- and HTML-escaped values."""
    value = 'pä|ss<wö>rd"'
    for form in (
        'p\\xE4|ss<w\\xF6>rd\\"',
        'pä|ss<wö>rd\\"',
        'p\\u00e4|ss<w\\u00f6>rd\\"',
        'pä\\|ss<wö>rd"',
        'pä|ss&lt;wö&gt;rd"',
    ):
        assert scrub(f"before {form} after", {value}) == f"before {HIDDEN_TEXT} after", form


def test_truncated_comment_is_scrubbed_before_it_is_cut() -> None:
    """A value near the cut is scrubbed whole, and the scrubbed comment fits GitHub's limit."""
    value = "CANARY-cut-" + "q" * 40
    short = "zq9!"  # a 4-character value: the marker makes the text longer
    base = {"s.yaml": _secret(value), "t.yaml": _secret(short).replace("name: s", "name: t")}
    head = dict(base)
    for index in range(220):
        base[f"c{index:03d}.yaml"] = _configmap("old", f"c{index:03d}")
        head[f"c{index:03d}.yaml"] = _configmap(f"{short} {value} " + short * 60, f"c{index:03d}")
    result, secrets, _ = diff(base, head)
    produced = produce(result, secrets, "markdown", full_diff_name="full.md")
    assert produced.omitted > 0
    assert len(produced.text) <= GITHUB_COMMENT_LIMIT
    assert produced.full_markdown is not None
    for text in (produced.text, produced.full_markdown):
        assert value[:12] not in text and short not in text


def test_secret_type_change_is_immutable() -> None:
    """Kubernetes refuses to change a Secret's type: the sync fails."""
    result, _, _ = diff(
        {"s.yaml": _secret("bbbbbb", encoded=False, secret_type="Opaque")},
        {"s.yaml": _secret("bbbbbb", encoded=False, secret_type="kubernetes.io/basic-auth")},
    )
    (found,) = impacts(result).values()
    immutable = [(i.severity, i.path) for i in found if i.label == "immutable-field"]
    assert immutable == [("error", "type")]
    unchanged, _, _ = diff(
        {"s.yaml": _secret("bbbbbb", encoded=False)},
        {"s.yaml": _secret("cccccc", encoded=False, secret_type="Opaque")},
    )
    assert all(i.label != "immutable-field" for found in impacts(unchanged).values() for i in found)
