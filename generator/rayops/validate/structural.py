"""Schema validation in the API server's order: prune nulls, default, then check.

For custom resources the server reads a CRD's structural schema, not plain JSON
Schema (``apiextensions-apiserver/pkg/apiserver/schema``): it prunes ``null`` values of
non-nullable fields (or replaces them by the field's default), applies defaults to
absent fields, and only then checks ``required``, types, enums, patterns, formats,
bounds, unknown fields and ``x-kubernetes-list-type`` uniqueness. This module walks a
document and its compiled schema once, doing exactly that, and mutates the document
into the defaulted object the operator will see.

Core kinds use kubernetes-validate's schemas (``$ref`` into shared definitions, nulls
allowed by type), checked without pruning or defaulting, as the server decodes them
into Go structs.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import difflib
import ipaddress
import json
import re
from functools import cache
from typing import Any

from rayops.findings import Path, PathElement
from rayops.validate import objectmeta

RULE_UNKNOWN_FIELD = "S201"
RULE_REQUIRED = "S202"
RULE_TYPE = "S203"
RULE_ENUM = "S204"
RULE_PATTERN = "S205"
RULE_FORMAT = "S206"
RULE_BOUNDS = "S207"
RULE_DUPLICATE_ITEM = "S208"

SCHEMA_RULES: dict[str, str] = {
    RULE_UNKNOWN_FIELD: "field not declared in the schema (typo or wrong level)",
    RULE_REQUIRED: "required field missing",
    RULE_TYPE: "value of the wrong type",
    RULE_ENUM: "value not among the supported values",
    RULE_PATTERN: "string does not match the schema's pattern",
    RULE_FORMAT: "string does not match its format (date-time, byte, quantity...)",
    RULE_BOUNDS: "length, size or number out of the schema's bounds",
    RULE_DUPLICATE_ITEM: "duplicate item in a set or map list (x-kubernetes-list-type)",
    objectmeta.RULE_METADATA: "metadata invalid as ObjectMeta (name, labels, annotations...)",
}

Problem = tuple[Path, str, str, bool]
"""A schema problem: path, rule ID, message, and whether it points at the key."""

_TYPE_NAMES: dict[type, str] = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
}
_OBJECT_META_REF = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_QUANTITY_REF = "io.k8s.apimachinery.pkg.api.resource.Quantity"
_QUANTITY = re.compile(
    r"[+-]?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?\Z"
)
_TIME_OF_DAY = re.compile(r"(\d{2}):(\d{2}):(\d{2})(.\d+)?(z|[+-]\d{2}:\d{2})\Z")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z")
_UUID = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\Z")
_STRICT_BASE64 = re.compile(
    r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})\Z"
)
_GO_DOLLAR = re.compile(r"(\\.)|(\[(?:\\.|[^\]])*\])|\$")


@cache
def _pattern(text: str) -> re.Pattern[str] | None:
    """Compile a schema pattern with Go's meaning of ``$`` (end of text, not before a newline)."""

    def translate(match: re.Match[str]) -> str:
        return match.group(0) if match.group(1) or match.group(2) else r"\Z"

    try:
        return re.compile(_GO_DOLLAR.sub(translate, text))
    except re.error:
        return None


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _clone(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clone(v) for v in value]
    return value


def _is_date(text: str) -> bool:
    match = _DATE.match(text)
    if match is None:
        return False
    try:
        datetime.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return False
    return True


def _is_date_time(text: str) -> bool:
    """kube-openapi's strfmt ``IsDateTime``: a real date, ``T``, a valid time and zone."""
    date, separator, rest = text.lower().partition("t")
    if not separator or not _is_date(date):
        return False
    match = _TIME_OF_DAY.match(rest)
    return (
        match is not None
        and int(match.group(1)) < 24
        and int(match.group(2)) < 60
        and int(match.group(3)) < 60
    )


def _is_ip(text: str, version: int) -> bool:
    """Go's ``netutils.ParseIPSloppy``: IPv4 octets may carry leading zeros."""
    try:
        if version == 4:
            parts = text.split(".")
            if len(parts) != 4 or not all(p.isdigit() and len(p) <= 3 for p in parts):
                return False
            ipaddress.IPv4Address(".".join(str(int(p)) for p in parts))
        else:
            ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _is_cidr(text: str) -> bool:
    address, slash, prefix = text.partition("/")
    if not slash or not prefix.isdigit():
        return False
    if ":" in address:
        return _is_ip(address, 6) and int(prefix) <= 128
    return _is_ip(address, 4) and int(prefix) <= 32


def _format_problem(fmt: str, value: str, *, crd: bool) -> str | None:
    """Why ``value`` is not of string format ``fmt``, as the API server checks it.

    Custom resources use kube-openapi's strfmt checks (strict base64); core kinds are
    decoded by Go's JSON decoder, whose base64 skips line breaks and accepts "".
    """
    if fmt == "date-time":
        ok = _is_date_time(value)
    elif fmt == "date":
        ok = _is_date(value)
    elif fmt == "byte":
        ok = bool(_STRICT_BASE64.match(value)) if crd else _is_valid_base64(value)
    elif fmt == "uuid":
        ok = bool(_UUID.match(value))
    elif fmt == "ipv4":
        ok = _is_ip(value, 4)
    elif fmt == "ipv6":
        ok = _is_ip(value, 6)
    elif fmt == "cidr":
        ok = _is_cidr(value)
    else:
        return None
    if ok:
        return None
    return f"Invalid value: {_short(value)}: must be of format {fmt}"


def _is_valid_base64(text: str) -> bool:
    # Go's decoder, like the API server's, skips line breaks inside base64 text.
    try:
        base64.b64decode(text.replace("\r", "").replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _normalized(value: Any) -> Any:
    """What kubectl sends: an integral float is the integer it equals."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _normalized(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalized(v) for v in value]
    return value


_SIMPLE_KEYS = frozenset(
    ("type", "description", "format", "default", "nullable", "x-kubernetes-int-or-string")
)
_UNCHECKED_FORMATS = frozenset(("int32", "int64", "double", "float", "int-or-string"))
_SIMPLE_CACHE: dict[int, frozenset[str] | None] = {}


def simple_types(schema: dict[str, Any]) -> frozenset[str] | None:
    """The value types a schema accepts when a type check is all it does, else None.

    The walk uses this to check scalar leaves (most of a manifest) without recursing.
    Schemas are long-lived (cached per process), so the answer is cached by identity.
    """
    key = id(schema)
    if key in _SIMPLE_CACHE:
        return _SIMPLE_CACHE[key]
    types = schema.get("type")
    answer: frozenset[str] | None = None
    if (
        types is not None
        and schema.keys() <= _SIMPLE_KEYS
        and schema.get("format", "int32") in _UNCHECKED_FORMATS
    ):
        allowed = set(types if isinstance(types, list) else (types,))
        if not allowed & {"object", "array"}:
            if "number" in allowed:
                allowed.add("integer")
            answer = frozenset(allowed)
    _SIMPLE_CACHE[key] = answer
    return answer


def _item_key(value: Any) -> str:
    """A type-aware identity for set/map uniqueness (so ``true`` and ``1`` differ)."""
    return json.dumps(_normalized(value), sort_keys=True, default=str)


class StructuralValidator:
    """Walks one object and its schema; collects problems and applies defaults."""

    def __init__(
        self,
        kind: str,
        *,
        crd_semantics: bool,
        definitions: dict[str, Any] | None = None,
        namespaced: bool = True,
        status_subresource: bool = False,
    ) -> None:
        self.kind = kind
        self.crd = crd_semantics
        self.definitions = definitions or {}
        self.namespaced = namespaced
        self.status_subresource = status_subresource
        self.problems: list[Problem] = []
        self.path: list[PathElement] = []

    def validate(self, value: Any, schema: dict[str, Any]) -> list[Problem]:
        """Check ``value`` against ``schema`` (defaulting it in place for CRDs)."""
        self.problems = []
        self.path = []
        self._check(value, schema)
        return self.problems

    def _report(
        self, rule: str, message: str, *, extra: PathElement | None = None, key: bool = False
    ) -> None:
        path = tuple(self.path) if extra is None else (*self.path, extra)
        self.problems.append((path, rule, message, key))

    def _resolve(self, schema: dict[str, Any]) -> tuple[dict[str, Any], str]:
        ref = schema.get("$ref")
        if ref is None:
            return schema, ""
        name = ref.rsplit("/", 1)[-1]
        target = self.definitions.get(name)
        if target is None:
            return {}, name
        return target, name

    def _check(self, value: Any, schema: dict[str, Any]) -> None:
        if "$ref" in schema:
            schema, ref_name = self._resolve(schema)
        else:
            ref_name = ""
        if ref_name == _OBJECT_META_REF or schema.get("x-rayops-object-meta"):
            self._check_metadata(value)
            return
        actual = _TYPE_NAMES.get(type(value), "string")
        types = schema.get("type")
        if types is not None:
            allowed = types if isinstance(types, list) else (types,)
            if actual not in allowed and not self._numeric_match(actual, value, allowed):
                if value is None and self.crd and schema.get("nullable"):
                    return
                expected = " or ".join(t for t in allowed if t != "null")
                shown = "" if value is None or actual in ("object", "array") else " " + _short(value)
                self._report(RULE_TYPE, f"must be {expected or 'null'}, not {actual}{shown}")
                return
        if value is None:
            return
        for combinator in ("anyOf", "oneOf", "allOf"):
            if combinator in schema:
                self._check_combinator(value, schema[combinator], combinator)
        enum = schema.get("enum")
        if enum is not None and not any(type(e) is type(value) and e == value for e in enum):
            choices = ", ".join(_short(e) for e in enum if e is not None)
            self._report(RULE_ENUM, f"Unsupported value: {_short(value)}: supported values: {choices}")
        if actual == "object":
            self._check_object(value, schema)
        elif actual == "array":
            self._check_array(value, schema)
        elif actual == "string":
            self._check_string(value, schema, ref_name)
        elif actual in ("integer", "number"):
            self._check_number(value, schema)

    @staticmethod
    def _numeric_match(actual: str, value: Any, allowed: Any) -> bool:
        if actual == "integer":
            return "number" in allowed
        if actual == "number":
            # YAML 1.0 is the JSON number 1: an integral float is an integer.
            return "integer" in allowed and float(value).is_integer() and abs(value) < 2**53
        return False

    def _check_combinator(self, value: Any, branches: list[dict[str, Any]], combinator: str) -> None:
        saved_problems, saved_path = self.problems, self.path
        results = []
        for branch in branches:
            self.problems, self.path = [], list(saved_path)
            self._check(_clone(value), branch)
            results.append(self.problems)
        self.problems, self.path = saved_problems, saved_path
        if combinator == "allOf":
            for problems in results:
                self.problems.extend(problems)
        elif all(results):
            messages = "; ".join(sorted({problem[2] for problems in results for problem in problems}))
            self._report(RULE_TYPE, f"matches none of the allowed forms: {messages}")

    def _check_metadata(self, value: Any) -> None:
        nested = self.path != ["metadata"]
        problems = objectmeta.check_object_meta(value, self.kind, namespaced=self.namespaced, nested=nested)
        for path, message, key in problems:
            self.problems.append(((*self.path, *path), objectmeta.RULE_METADATA, message, key))

    def _check_object(self, value: dict[str, Any], schema: dict[str, Any]) -> None:
        properties: dict[str, Any] = schema.get("properties") or {}
        additional = schema.get("additionalProperties")
        if self.crd:
            self._prune_and_default(value, properties, additional)
        for name in schema.get("required") or ():
            if name not in value:
                self._report(RULE_REQUIRED, f"Required value: {name} is required", extra=name)
        bounds = (schema.get("minProperties"), schema.get("maxProperties"))
        if bounds[0] is not None and len(value) < bounds[0]:
            self._report(RULE_BOUNDS, f"must have at least {bounds[0]} properties")
        if bounds[1] is not None and len(value) > bounds[1]:
            self._report(RULE_BOUNDS, f"must have at most {bounds[1]} properties")
        open_object = (
            additional is None or additional is True or schema.get("x-kubernetes-preserve-unknown-fields")
        )
        path = self.path
        for key, child in value.items():
            child_schema = properties.get(key)
            if child_schema is None:
                if isinstance(additional, dict):
                    child_schema = additional
                elif open_object:
                    continue
                else:
                    self._unknown_field(key, properties)
                    continue
            if child.__class__ is not dict and child.__class__ is not list:
                simple = simple_types(child_schema)
                if simple is not None and _TYPE_NAMES.get(type(child)) in simple:
                    continue
            elif self.status_subresource and key == "status" and not path:
                # The server resets status on create and update: only unknown fields count.
                path.append(key)
                self._check_unknown_fields(child, child_schema)
                path.pop()
                continue
            path.append(key)
            self._check(child, child_schema)
            path.pop()

    def _check_unknown_fields(self, value: Any, schema: dict[str, Any]) -> None:
        """Report only fields the schema does not declare (for a reset ``status``)."""
        if isinstance(value, list) and isinstance(schema.get("items"), dict):
            for position, item in enumerate(value):
                self.path.append(position)
                self._check_unknown_fields(item, schema["items"])
                self.path.pop()
            return
        if not isinstance(value, dict):
            return
        properties: dict[str, Any] = schema.get("properties") or {}
        additional = schema.get("additionalProperties")
        for key, child in value.items():
            child_schema = properties.get(key)
            if child_schema is None and isinstance(additional, dict):
                child_schema = additional
            if child_schema is None:
                if additional is False and not schema.get("x-kubernetes-preserve-unknown-fields"):
                    self._unknown_field(key, properties)
                continue
            self.path.append(key)
            self._check_unknown_fields(child, child_schema)
            self.path.pop()

    def _unknown_field(self, key: str, properties: dict[str, Any]) -> None:
        message = f'unknown field "{key}"'
        close = difflib.get_close_matches(key, list(properties), n=1, cutoff=0.75)
        if close:
            message += f' (did you mean "{close[0]}"?)'
        elif properties:
            message += " (known fields: " + ", ".join(sorted(properties)[:8])
            message += ", ...)" if len(properties) > 8 else ")"
        self._report(RULE_UNKNOWN_FIELD, message, extra=key, key=True)

    @staticmethod
    def _prune_and_default(value: dict[str, Any], properties: dict[str, Any], additional: Any) -> None:
        nulls = [key for key, child in value.items() if child is None]
        for key in nulls:
            child_schema = properties.get(key)
            if child_schema is None and isinstance(additional, dict):
                child_schema = additional
            if child_schema is None or child_schema.get("nullable"):
                continue
            if "default" in child_schema:
                value[key] = _clone(child_schema["default"])
            else:
                del value[key]
        for key, child_schema in properties.items():
            if key not in value and "default" in child_schema:
                value[key] = _clone(child_schema["default"])

    def _check_array(self, value: list[Any], schema: dict[str, Any]) -> None:
        low, high = schema.get("minItems"), schema.get("maxItems")
        if low is not None and len(value) < low:
            self._report(RULE_BOUNDS, f"must have at least {low} items")
        if high is not None and len(value) > high:
            self._report(RULE_BOUNDS, f"must have at most {high} items")
        items = schema.get("items")
        if isinstance(items, dict):
            if self.crd and "default" in items and not items.get("nullable"):
                for position, item in enumerate(value):
                    if item is None:
                        value[position] = _clone(items["default"])
            path = self.path
            simple = simple_types(items)
            for position, item in enumerate(value):
                if simple and _TYPE_NAMES.get(type(item)) in simple:
                    continue
                path.append(position)
                self._check(item, items)
                path.pop()
        if self.crd or schema.get("uniqueItems"):
            self._check_list_type(value, schema)

    def _check_list_type(self, value: list[Any], schema: dict[str, Any]) -> None:
        list_type = schema.get("x-kubernetes-list-type")
        if list_type == "set" or (list_type is None and schema.get("uniqueItems")):
            seen: set[str] = set()
            for position, item in enumerate(value):
                identity = _item_key(item)
                if identity in seen:
                    self._report(RULE_DUPLICATE_ITEM, f"Duplicate value: {_short(item)}", extra=position)
                seen.add(identity)
        elif list_type == "map" and self.crd:
            keys = schema.get("x-kubernetes-list-map-keys") or []
            seen_keys: dict[str, int] = {}
            for position, item in enumerate(value):
                if not isinstance(item, dict):
                    continue
                key_values = {key: item.get(key) for key in keys}
                text = _item_key(key_values)
                if text in seen_keys:
                    self._report(
                        RULE_DUPLICATE_ITEM,
                        f"Duplicate value: {_short(key_values)} (same as item {seen_keys[text]})",
                        extra=position,
                    )
                else:
                    seen_keys[text] = position

    def _check_string(self, value: str, schema: dict[str, Any], ref_name: str) -> None:
        low, high = schema.get("minLength"), schema.get("maxLength")
        if low is not None and len(value) < low:
            self._report(RULE_BOUNDS, f'Invalid value: "{value}": must be at least {low} characters')
        if high is not None and len(value) > high:
            self._report(RULE_BOUNDS, f"Too long: may not be more than {high} characters")
        pattern = schema.get("pattern")
        if pattern is not None:
            compiled = _pattern(pattern)
            if compiled is not None and not compiled.search(value):
                self._report(
                    RULE_PATTERN, f"Invalid value: {_short(value)}: must match the pattern '{pattern}'"
                )
        fmt = schema.get("format")
        if fmt is not None:
            problem = _format_problem(fmt, value, crd=self.crd)
            if problem is not None:
                self._report(RULE_FORMAT, problem)
        if ref_name == _QUANTITY_REF and not _QUANTITY.match(value):
            self._report(
                RULE_FORMAT,
                f'Invalid value: "{value}": quantities must match the regular expression '
                "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
            )

    def _check_number(self, value: float, schema: dict[str, Any]) -> None:
        minimum, maximum = schema.get("minimum"), schema.get("maximum")
        if minimum is not None:
            exclusive = schema.get("exclusiveMinimum") is True
            if value < minimum or (exclusive and value == minimum):
                relation = "greater than" if exclusive else "greater than or equal to"
                self._report(RULE_BOUNDS, f"Invalid value: {_short(value)}: must be {relation} {minimum}")
        if maximum is not None:
            exclusive = schema.get("exclusiveMaximum") is True
            if value > maximum or (exclusive and value == maximum):
                relation = "less than" if exclusive else "less than or equal to"
                self._report(RULE_BOUNDS, f"Invalid value: {_short(value)}: must be {relation} {maximum}")
