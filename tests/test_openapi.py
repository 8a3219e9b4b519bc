"""The OpenAPI description covers every JSON API endpoint of the application."""

from __future__ import annotations

import re

from app.api.openapi import openapi_document


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule)


def test_openapi_describes_every_api_rule(app):
    documented = openapi_document()["paths"]
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = openapi_path(rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method.lower() not in documented.get(path, {}):
                missing.append(f"{method} {path}")
    assert missing == []


def test_openapi_served_as_json(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json["openapi"].startswith("3.")
    assert "/api/complaints" in response.json["paths"]


def test_openapi_error_schema_matches_errors(client):
    schema = client.get("/api/openapi.json").json["components"]["schemas"]["Error"]
    error = client.get("/api/locate?lat=x&lon=1").json["error"]
    assert set(schema["properties"]["error"]["required"]) <= set(error)
