"""Is a request the client sent one the official documentation describes?

The documentation is vendored in `tests/contract/docs/` (excerpts of the official doc JSON, each naming
the repository, path and commit it was read from). `check()` compares one sent request with the
documented request for its method and path and returns the differences in words; `[]` means documented.

What is checked:
- the endpoint: method and path (path templates such as `/product/202309/products/{product_id}`);
- query: every required parameter present, no parameter the doc does not list, values of the documented
  type; Shopee's common parameters (partner_id, timestamp, access_token, shop_id, sign) come from the doc's
  `common_params`, TikTok's (app_key, timestamp, sign, shop_cipher) are in its query table;
- query lists: Shopee `string[]` as repeated keys ("please upload the url like this:
  item_status=NORMAL&item_status=BANNED", v2.product.get_item_list `item_status`), numeric lists (`int64[]`,
  `int[]`) as one comma-joined value, as the doc's samples send them (v2.product.get_item_extra_info
  `item_id_list=34001,34002`, v2.product.get_attribute_tree `category_ids=1234,5678`,
  v2.global_product.get_global_item_id `item_id_list=13233406680,17924576533`);
- JSON body: required fields, unknown fields and JSON types at every depth the doc lists fields for
  (objects and arrays of objects are followed down);
- multipart: the documented form fields (Shopee `image`; TikTok `data`, `use_case`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

DOCS = Path(__file__).parent / "docs"

# Where the doc contradicts itself, the reading used here and why.
ERRATA: dict[tuple[str, str], str] = {
    # update_item types `image.image_id_list` object[] (its sample sends [{}]), while add_item types the same
    # field string[] and get_item_base_info returns it as strings (congminh1254/shopee-sdk schemas,
    # v2.product.update_item.json / v2.product.add_item.json request_params `image`).
    ("v2.product.update_item", "image.image_id_list"): "string[]",
}
_INTEGER_TYPES = frozenset({"int", "int32", "int64", "uint32", "uint64", "timestamp"})
_NUMBER_TYPES = frozenset({"float", "double"})
_BOOLEAN_TYPES = frozenset({"boolean", "bool"})


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    required: bool
    children: tuple[Param, ...] = ()

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> Param:
        return cls(str(raw["name"]), str(raw["type"]), bool(raw["required"]),
                   tuple(cls.of(child) for child in raw.get("children") or ()))


@dataclass(frozen=True)
class Endpoint:
    platform: str
    api: str
    method: str
    path: str  # the documented path, with {placeholders}
    query: tuple[Param, ...]
    body: tuple[Param, ...]
    multipart: tuple[Param, ...]
    source: str  # repo/path@commit

    def matches(self, method: str, path: str) -> bool:
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(self.path))
        return method == self.method and re.fullmatch(pattern, path) is not None


@dataclass(frozen=True)
class SentRequest:
    """One request as it went on the wire (host left out: the docs describe paths)."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]  # in order, a repeated key once per value
    body: Any = None  # the parsed JSON body, None without one
    form_fields: tuple[str, ...] = ()  # multipart field names
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def _common_query(params: Iterable[str]) -> tuple[Param, ...]:
    integer = {"partner_id": "int", "timestamp": "timestamp", "shop_id": "int"}
    return tuple(Param(name, integer.get(name, "string"), True) for name in params)


def _corrected(api: str, params: Sequence[Mapping[str, Any]], prefix: str = "") -> list[dict[str, Any]]:
    fixed = []
    for raw in params:
        where = f"{prefix}{raw['name']}"
        entry = {**raw, "type": ERRATA.get((api, where), raw["type"])}
        if raw.get("children"):
            entry["children"] = _corrected(api, raw["children"], f"{where}.")
        fixed.append(entry)
    return fixed


def _load(path: Path) -> Endpoint:
    doc = json.loads(path.read_text(encoding="utf-8"))
    if "request_params" in doc:
        doc["request_params"] = _corrected(doc["api"], doc["request_params"])
    source = f"{doc['source']['repo']}/{doc['source']['path']}@{doc['source']['commit'][:10]}"
    if "request_params" in doc:  # Shopee
        params = tuple(Param.of(p) for p in doc["request_params"])
        where = doc["params_in"]
        return Endpoint("shopee", doc["api"], doc["method"], doc["path"],
                        _common_query(doc["common_params"]) + (params if where == "query" else ()),
                        params if where == "body" else (), params if where == "multipart" else (), source)
    files = tuple(Param.of(p) for p in doc["body_params"] if p["type"] == "file")
    body = tuple(Param.of(p) for p in doc["body_params"]) if not files else ()
    # A multipart API lists its form fields as body parameters; its other fields are form text too.
    multipart = tuple(Param.of(p) for p in doc["body_params"]) if files else ()
    return Endpoint("tiktok", doc["api"], doc["method"], doc["path"], tuple(Param.of(p) for p in doc["query_params"]),
                    body, multipart, source)


@cache
def endpoints(docs: Path = DOCS) -> tuple[Endpoint, ...]:
    return tuple(_load(path) for path in sorted(docs.glob("*/*.json")))


def endpoint_for(method: str, path: str, docs: Path = DOCS) -> Endpoint | None:
    return next((e for e in endpoints(docs) if e.matches(method, path)), None)


def check(request: SentRequest, docs: Path = DOCS) -> list[str]:
    """What in `request` the documentation does not describe; [] when everything is documented."""
    endpoint = endpoint_for(request.method, request.path, docs)
    if endpoint is None:
        known = [f"{e.method} {e.path}" for e in endpoints(docs) if e.matches(e.method, request.path)]
        if known:
            return [f"{request.label}: the doc has this path only as {', '.join(known)}"]
        return [f"{request.label}: no documented endpoint has this method and path"]
    where = f"{request.label} ({endpoint.api})"
    problems = [f"{where}: {p}" for p in _check_query(endpoint, request.query)]
    if endpoint.multipart:
        problems += [f"{where}: {p}" for p in _check_form(endpoint.multipart, request.form_fields)]
    elif endpoint.body:
        if request.body is None:
            if any(p.required for p in endpoint.body):
                problems.append(f"{where}: no JSON body, the doc requires "
                                + ", ".join(p.name for p in endpoint.body if p.required))
        else:
            problems += [f"{where}: {p}" for p in _check_object(endpoint.body, request.body, "body")]
    elif request.body not in (None, {}):
        # Search-style POSTs may send `{}`; anything more is a field the doc does not list.
        problems.append(f"{where}: a JSON body the doc does not describe: {json.dumps(request.body)[:200]}")
    return problems


def _check_query(endpoint: Endpoint, query: Sequence[tuple[str, str]]) -> list[str]:
    values: dict[str, list[str]] = {}
    for name, value in query:
        values.setdefault(name, []).append(value)
    documented = {p.name: p for p in endpoint.query}
    problems = [f"query parameter {name!r} is not in the doc" for name in values if name not in documented]
    for param in endpoint.query:
        sent = values.get(param.name)
        if sent is None:
            if param.required:
                problems.append(f"required query parameter {param.name!r} is missing")
            continue
        problems += [f"query {param.name}: {p}" for p in _query_value(param, sent)]
    return problems


def _query_value(param: Param, sent: list[str]) -> list[str]:
    kind = param.type
    if kind.endswith("[]") or kind.startswith("[]"):
        item = kind.removesuffix("[]").removeprefix("[]")
        if item in _INTEGER_TYPES:
            if len(sent) > 1:
                return [f"{kind} sent as {len(sent)} repeated keys; the doc's samples comma-join id lists"]
            return [f"{piece!r} is not an integer" for piece in sent[0].split(",") if not _is_integer(piece)]
        if item == "string" and any("," in value for value in sent):
            return [f"{kind} sent comma-joined ({sent}); the doc asks for repeated keys"]
        return []
    if len(sent) > 1:
        return [f"a single {kind} sent {len(sent)} times"]
    value = sent[0]
    if kind in _INTEGER_TYPES and not _is_integer(value):
        return [f"{value!r} is not an integer ({kind})"]
    if kind in _NUMBER_TYPES and not re.fullmatch(r"-?\d+(\.\d+)?", value):
        return [f"{value!r} is not a number ({kind})"]
    if kind in _BOOLEAN_TYPES and value not in ("true", "false"):
        return [f"{value!r} is not a boolean"]
    return []


def _is_integer(text: str) -> bool:
    return re.fullmatch(r"-?\d+", text) is not None


def _check_form(params: Sequence[Param], fields: Sequence[str]) -> list[str]:
    documented = {p.name for p in params}
    problems = [f"form field {name!r} is not in the doc" for name in fields if name not in documented]
    problems += [f"required form field {p.name!r} is missing" for p in params if p.required and p.name not in fields]
    return problems


def _check_object(params: Sequence[Param], value: Any, where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where} should be an object, got {_json_type(value)}"]
    documented = {p.name: p for p in params}
    problems = [f"{where}.{name} is not in the doc" for name in value if name not in documented]
    for param in params:
        if param.name not in value:
            if param.required:
                problems.append(f"{where}.{param.name} is required and missing")
            continue
        problems += _check_value(param, value[param.name], f"{where}.{param.name}")
    return problems


def _check_value(param: Param, value: Any, where: str) -> list[str]:
    kind = param.type
    if kind.endswith("[]") or kind.startswith("[]"):
        if not isinstance(value, list):
            return [f"{where} should be an array ({kind}), got {_json_type(value)}"]
        item = Param(param.name, kind.removesuffix("[]").removeprefix("[]"), param.required, param.children)
        return [problem for index, element in enumerate(value)
                for problem in _check_value(item, element, f"{where}[{index}]")]
    if kind == "object":
        return _check_object(param.children, value, where) if param.children else (
            [] if isinstance(value, dict) else [f"{where} should be an object, got {_json_type(value)}"])
    expected = _json_type_of(kind)
    if expected is None or _json_type(value) in expected:
        return []
    return [f"{where} should be {kind}, got {_json_type(value)} {json.dumps(value)[:60]}"]


def _json_type_of(kind: str) -> frozenset[str] | None:
    if kind in _INTEGER_TYPES:
        return frozenset({"integer"})
    if kind in _NUMBER_TYPES:
        return frozenset({"integer", "number"})
    if kind in _BOOLEAN_TYPES:
        return frozenset({"boolean"})
    if kind == "string":
        return frozenset({"string"})
    return None  # a type the checker does not know (e.g. `file` outside a form) is not judged


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


# -- building a SentRequest from what a recorder saw ------------------------------------------------------

def sent_request(method: str, url: str, headers: Mapping[str, str], body: bytes | str | None) -> SentRequest:
    """A request from its wire form: URL, headers and raw body (JSON, multipart or none)."""
    parts = urlsplit(url)
    raw = body.encode("utf-8") if isinstance(body, str) else (body or b"")
    lowered = {k.lower(): v for k, v in headers.items()}
    content_type = lowered.get("content-type", "")
    parsed: Any = None
    fields: tuple[str, ...] = ()
    if content_type.startswith("multipart/form-data"):
        fields = _form_fields(content_type, raw)
    elif raw:
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = raw.decode("utf-8", errors="replace")
    return SentRequest(method.upper(), parts.path, tuple(parse_qsl(parts.query, keep_blank_values=True)), parsed,
                       fields, lowered)


def _form_fields(content_type: str, raw: bytes) -> tuple[str, ...]:
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
    return tuple(str(part.get_param("name", header="content-disposition")) for part in message.iter_parts())
