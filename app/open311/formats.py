"""Render Open311 GeoReport v2 documents and errors as JSON or XML responses."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree

from flask import Response

from app.errors import ApiError

FORMATS = ("json", "xml")
MIMETYPES = {"json": "application/json", "xml": "text/xml"}

# GeoReport v2 requires this declaration, with UTF-8 in capitals, before the root.
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

# The child element of each list in the XML form, as in the GeoReport v2 examples.
XML_LIST_ITEMS = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}

# Characters that XML 1.0 forbids even when escaped (most C0 controls, lone
# surrogates, U+FFFE and U+FFFF); they are dropped from text.
XML_FORBIDDEN = re.compile(
    "[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)

# Names that an Open311 client sends, for fields that intake calls otherwise.
OPEN311_FIELDS = {
    "category": "service_code",
    "lon": "long",
    "address_note": "address_string",
    "name": "first_name",
}


def _xml_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return XML_FORBIDDEN.sub("", str(value))


def _fill(element: ElementTree.Element, value: object) -> None:
    """Write value into element: dicts as children, lists as repeated items."""
    if isinstance(value, dict):
        for key, child_value in value.items():
            _fill(ElementTree.SubElement(element, key), child_value)
    elif isinstance(value, list):
        item_tag = XML_LIST_ITEMS.get(element.tag, "item")
        for item in value:
            _fill(ElementTree.SubElement(element, item_tag), item)
    else:
        element.text = _xml_text(value)


def xml_document(root_tag: str, item_tag: str | None, body: dict | list) -> bytes:
    """Serialise a GeoReport document: a list becomes <root><item/>...</root>."""
    root = ElementTree.Element(root_tag)
    if isinstance(body, list):
        for item in body:
            _fill(ElementTree.SubElement(root, item_tag or "item"), item)
    else:
        _fill(root, body)
    return XML_DECLARATION + ElementTree.tostring(root, encoding="unicode").encode(
        "utf-8"
    )


def render(
    fmt: str, root_tag: str, item_tag: str | None, body: dict | list, status: int = 200
) -> Response:
    """Build the response for one document in the requested format (json or xml)."""
    if fmt == "xml":
        payload = xml_document(root_tag, item_tag, body)
    else:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return Response(
        payload,
        status=status,
        mimetype=MIMETYPES[fmt],
        content_type=f"{MIMETYPES[fmt]}; charset=utf-8",
    )


def error_description(error: ApiError, language: str) -> str:
    """Return the message of an error, prefixed with the Open311 name of its field."""
    message = error.message(language)
    if error.field:
        field = OPEN311_FIELDS.get(error.field, error.field)
        return f"{field}: {message}"
    return message


def render_error(fmt: str, error: ApiError, language: str) -> Response:
    """Render an error in the GeoReport v2 shape: a list of {code, description}."""
    body = [{"code": error.status, "description": error_description(error, language)}]
    response = render(
        fmt if fmt in FORMATS else "json", "errors", "error", body, status=error.status
    )
    if error.status == 405 and error.details.get("allowed"):
        response.headers["Allow"] = ", ".join(error.details["allowed"])
    return response
