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
    import ipaddress  # rare: only ip and cidr formats need it

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
_STRING_KEYS = ("minLength", "maxLength", "pattern", "format")
_NUMBER_KEYS = ("minimum", "maximum")


class _Plan:
    """What one schema node asks for, read once: the walk's per-node work is lookups.

    Schemas live for the whole process (cached by :mod:`rayops.schemas.registry`), so
    plans are cached by the identity of their schema dict.
    """

    __slots__ = (
        "additional",
        "combinators",
        "defaults",
        "enum",
        "meta",
        "nullable",
        "number_checks",
        "open_object",
        "properties",
        "property_bounds",
        "ref_name",
        "required",
        "schema",
        "simple",
        "string_checks",
        "type_list",
        "types",
    )

    def __init__(self, original: dict[str, Any], schema: dict[str, Any], ref_name: str) -> None:
        self.schema = schema
        self.ref_name = ref_name
        self.meta = ref_name == _OBJECT_META_REF or bool(schema.get("x-rayops-object-meta"))
        types = schema.get("type")
        self.type_list: tuple[str, ...] = (
            () if types is None else tuple(types) if isinstance(types, list) else (types,)
        )
        self.types: frozenset[str] | None = None if types is None else frozenset(self.type_list)
        self.nullable = bool(schema.get("nullable"))
        self.combinators = tuple(
            (name, schema[name]) for name in ("anyOf", "oneOf", "allOf") if name in schema
        )
        self.enum = schema.get("enum")
        self.properties: dict[str, Any] = schema.get("properties") or {}
        self.additional = schema.get("additionalProperties")
        unenforced = _REQUIRED_NOT_ENFORCED.get(ref_name, ())
        self.required: tuple[str, ...] = tuple(n for n in schema.get("required") or () if n not in unenforced)
        bounds = (schema.get("minProperties"), schema.get("maxProperties"))
        self.property_bounds = bounds if bounds != (None, None) else None
        self.open_object = (
            self.additional is None
            or self.additional is True
            or bool(schema.get("x-kubernetes-preserve-unknown-fields"))
        )
        self.defaults = tuple(
            (name, child["default"]) for name, child in self.properties.items() if "default" in child
        )
        self.string_checks = ref_name == _QUANTITY_REF or any(key in schema for key in _STRING_KEYS)
        self.number_checks = any(key in schema for key in _NUMBER_KEYS)
        self.simple: frozenset[str] | None = None
        if (
            original is schema
            and self.types is not None
            and schema.keys() <= _SIMPLE_KEYS
            and schema.get("format", "int32") in _UNCHECKED_FORMATS
            and not self.types & {"object", "array"}
        ):
            self.simple = self.types | {"integer"} if "number" in self.types else self.types


_PLANS: dict[int, _Plan] = {}

_REQUIRED_NOT_ENFORCED: dict[str, tuple[str, ...]] = {
    # Built-in kinds are validated by Go code, not by their OpenAPI schema. Up to
    # Kubernetes 1.32 the schema marks StatefulSet's serviceName required, but the API
    # server accepts a StatefulSet without one (the schema was corrected in 1.33).
    "io.k8s.api.apps.v1.StatefulSetSpec": ("serviceName",),
}


_SCALAR_TYPES = (str, bool, int, type(None))
_EMPTY_SCHEMA: dict[str, Any] = {}


def _item_key(value: Any) -> Any:
    """A hashable, type-aware identity for set/map uniqueness (``true`` and ``1`` differ).

    An integral float is the integer kubectl sends.
    """
    if value.__class__ in _SCALAR_TYPES:
        return (value.__class__, value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return (int, int(value))
    return (str, json.dumps(_normalized(value), sort_keys=True, default=str))


def schema_has_path(schema: dict[str, Any], path: Path) -> bool:
    """Whether a compiled schema declares ``path`` (through properties, maps and items)."""
    node: Any = schema
    for element in path:
        if not isinstance(node, dict):
            return False
        if isinstance(element, int):
            node = node.get("items")
        elif element in (node.get("properties") or {}):
            node = node["properties"][element]
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        else:
            return bool(node.get("x-kubernetes-preserve-unknown-fields"))
    return isinstance(node, dict)


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
        self.defaulted: set[Path] = set()

    def validate(self, value: Any, schema: dict[str, Any]) -> list[Problem]:
        """Check ``value`` against ``schema`` (defaulting it in place for CRDs)."""
        self.problems = []
        self.path = []
        self.defaulted = set()
        self._check(value, schema)
        return self.problems

    def _report(
        self, rule: str, message: str, *, extra: PathElement | None = None, key: bool = False
    ) -> None:
        path = tuple(self.path) if extra is None else (*self.path, extra)
        self.problems.append((path, rule, message, key))

    def _plan(self, schema: dict[str, Any]) -> _Plan:
        """The cached plan of ``schema``, resolving a ``$ref`` into this validator's definitions."""
        plan = _PLANS.get(id(schema))
        if plan is None:
            ref_name = ""
            target = schema
            ref = schema.get("$ref")
            if ref is not None:
                ref_name = ref.rsplit("/", 1)[-1]
                target = self.definitions.get(ref_name, _EMPTY_SCHEMA)
            plan = _Plan(schema, target, ref_name)
            _PLANS[id(schema)] = plan
        return plan

    def _check(self, value: Any, schema: dict[str, Any]) -> None:
        self._check_plan(value, self._plan(schema))

    def _check_plan(self, value: Any, plan: _Plan) -> None:
        if plan.meta:
            self._check_metadata(value)
            return
        cls = value.__class__
        actual = _TYPE_NAMES.get(cls, "string")
        allowed = plan.types
        if allowed is not None and actual not in allowed and not self._numeric_match(actual, value, allowed):
            if value is None and self.crd and plan.nullable:
                return
            expected = " or ".join(t for t in plan.type_list if t != "null")
            shown = "" if value is None or actual in ("object", "array") else " " + _short(value)
            self._report(RULE_TYPE, f"must be {expected or 'null'}, not {actual}{shown}")
            return
        if value is None:
            return
        for combinator, branches in plan.combinators:
            self._check_combinator(value, branches, combinator)
        enum = plan.enum
        if enum is not None and not any(type(e) is type(value) and e == value for e in enum):
            choices = ", ".join(_short(e) for e in enum if e is not None)
            self._report(RULE_ENUM, f"Unsupported value: {_short(value)}: supported values: {choices}")
        if cls is dict:
            self._check_object(value, plan)
        elif cls is list:
            self._check_array(value, plan.schema)
        elif actual == "string":
            if plan.string_checks:
                self._check_string(value, plan.schema, plan.ref_name)
        elif actual in ("integer", "number") and plan.number_checks:
            self._check_number(value, plan.schema)

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

    def _check_object(self, value: dict[str, Any], plan: _Plan) -> None:
        properties = plan.properties
        additional = plan.additional
        if self.crd:
            for key in self._prune_and_default(value, properties, additional, plan.defaults):
                self.defaulted.add((*self.path, key))
        for name in plan.required:
            if name not in value:
                self._report(RULE_REQUIRED, f"Required value: {name} is required", extra=name)
        if plan.property_bounds:
            low, high = plan.property_bounds
            if low is not None and len(value) < low:
                self._report(RULE_BOUNDS, f"must have at least {low} properties")
            if high is not None and len(value) > high:
                self._report(RULE_BOUNDS, f"must have at most {high} properties")
        open_object = plan.open_object
        path = self.path
        plans = _PLANS
        for key, child in value.items():
            child_schema = properties.get(key)
            if child_schema is None:
                if additional.__class__ is dict:
                    child_schema = additional
                elif open_object:
                    continue
                else:
                    self._unknown_field(key, properties)
                    continue
            child_plan = plans.get(id(child_schema)) or self._plan(child_schema)
            simple = child_plan.simple
            if simple is not None and _TYPE_NAMES.get(child.__class__) in simple:
                continue
            if self.status_subresource and key == "status" and not path:
                # The server resets status on create and update: only unknown fields count.
                path.append(key)
                self._check_unknown_fields(child, child_schema)
                path.pop()
                continue
            path.append(key)
            self._check_plan(child, child_plan)
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
        import difflib  # imported on the first unknown field only

        message = f'unknown field "{key}"'
        close = difflib.get_close_matches(key, list(properties), n=1, cutoff=0.75)
        if close:
            message += f' (did you mean "{close[0]}"?)'
        elif properties:
            message += " (known fields: " + ", ".join(sorted(properties)[:8])
            message += ", ...)" if len(properties) > 8 else ")"
        self._report(RULE_UNKNOWN_FIELD, message, extra=key, key=True)

    @staticmethod
    def _prune_and_default(
        value: dict[str, Any],
        properties: dict[str, Any],
        additional: Any,
        defaults: tuple[tuple[str, Any], ...],
    ) -> list[str]:
        """Prune non-nullable nulls and apply defaults; return the keys that got a default."""
        applied: list[str] = []
        if None in value.values():
            for key in [key for key, child in value.items() if child is None]:
                child_schema = properties.get(key)
                if child_schema is None and isinstance(additional, dict):
                    child_schema = additional
                if child_schema is None or child_schema.get("nullable"):
                    continue
                if "default" in child_schema:
                    value[key] = _clone(child_schema["default"])
                    applied.append(key)
                else:
                    del value[key]
        for key, default in defaults:
            if key not in value:
                value[key] = _clone(default)
                applied.append(key)
        return applied

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
            simple = self._plan(items).simple
            for position, item in enumerate(value):
                if simple is not None and _TYPE_NAMES.get(type(item)) in simple:
                    continue
                path.append(position)
                self._check(item, items)
                path.pop()
        if self.crd or schema.get("uniqueItems"):
            self._check_list_type(value, schema)

    def _check_list_type(self, value: list[Any], schema: dict[str, Any]) -> None:
        list_type = schema.get("x-kubernetes-list-type")
        if list_type == "set" or (list_type is None and schema.get("uniqueItems")):
            seen: set[Any] = set()
            for position, item in enumerate(value):
                identity = _item_key(item)
                if identity in seen:
                    self._report(RULE_DUPLICATE_ITEM, f"Duplicate value: {_short(item)}", extra=position)
                seen.add(identity)
        elif list_type == "map" and self.crd:
            keys = schema.get("x-kubernetes-list-map-keys") or []
            seen_keys: dict[Any, int] = {}
            for position, item in enumerate(value):
                if not isinstance(item, dict):
                    continue
                identity = tuple(_item_key(item.get(key)) for key in keys)
                if identity in seen_keys:
                    key_values = {key: item.get(key) for key in keys}
                    self._report(
                        RULE_DUPLICATE_ITEM,
                        f"Duplicate value: {_short(key_values)} (same as item {seen_keys[identity]})",
                        extra=position,
                    )
                else:
                    seen_keys[identity] = position

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
