"""``rayops diff``: what a change to the rendered manifests means for the Ray clusters.

Two revisions of a workspace are rendered (each in its own git worktree) or their
committed ``rendered/`` trees are read, resources are matched by apiVersion, kind,
namespace and name (renames found by similarity), compared field by field with list
items matched by key, and each change is labelled with what the KubeRay operator will
do about it. Secret values never leave :mod:`rayops.diff.secrets`.

Modules, one concern each: ``git`` (worktrees and blobs), ``sources`` (the files of each
revision), ``model`` (the values), ``match`` (pairing), ``compare`` (field diff),
``secrets`` (redaction), ``quantity`` and ``summary`` (Ray-level totals), ``scan`` (a fast
reader for the totals of unchanged files), ``impact`` (labels), ``engine`` (the whole
run), ``output/`` (text, markdown, json, mermaid) and ``report`` (format choice and the
final scrub of secret values).
"""
