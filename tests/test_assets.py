"""Tests for serving map assets locally and rewriting folium's CDN links."""

from __future__ import annotations

import re
from urllib.parse import urljoin
from urllib.parse import urlsplit

import folium
import pytest
from branca.element import JavascriptLink
from flask import Flask
from flask.testing import FlaskClient
from folium import plugins

from app.assets import CACHE_MAX_AGE_SECONDS
from app.assets import VENDOR_LIBRARIES
from app.assets import ExternalAssetError
from app.assets import assets_bp
from app.assets import external_urls
from app.assets import localize_map
from app.assets import vendor_url

TILE_URL = "https://tiles.example.test/{z}/{x}/{y}.png"

KECAMATAN_GEOJSON = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"kecamatan": "Tangerang"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [106.62, -6.19],
                        [106.65, -6.19],
                        [106.65, -6.16],
                        [106.62, -6.16],
                        [106.62, -6.19],
                    ]
                ],
            },
        }
    ],
}

COMPLAINT_POINTS = [[-6.178, 106.630], [-6.180, 106.634], [-6.172, 106.641]]

LOCAL_ASSET = re.compile(r'<(?:script|link)\b[^>]*?(?:src|href)="(/vendor/[^"]+)"')


@pytest.fixture()
def client() -> FlaskClient:
    app = Flask(__name__)
    app.register_blueprint(assets_bp)
    app.testing = True
    return app.test_client()


def build_map() -> folium.Map:
    complaint_map = folium.Map(location=[-6.178, 106.630], zoom_start=13, tiles=None)
    folium.TileLayer(TILE_URL, attr="Test tiles").add_to(complaint_map)

    cluster = plugins.MarkerCluster().add_to(complaint_map)
    for point in COMPLAINT_POINTS:
        folium.CircleMarker(point, radius=6).add_to(cluster)

    plugins.HeatMap([[lat, lon, 1.0] for lat, lon in COMPLAINT_POINTS]).add_to(
        complaint_map
    )
    folium.GeoJson(KECAMATAN_GEOJSON, name="Kecamatan").add_to(complaint_map)
    return complaint_map


def render_localized_map() -> str:
    complaint_map = localize_map(build_map())
    return complaint_map.get_root().render()


def local_asset_urls(html: str) -> list[str]:
    return LOCAL_ASSET.findall(html)


def css_references(css: str) -> list[str]:
    references = re.findall(r"url\(\s*[\"']?([^\"')]+)", css)
    return [ref for ref in references if not ref.startswith(("data:", "#"))]


def test_external_urls_finds_cdn_links_of_plain_map() -> None:
    html = build_map().get_root().render()

    found = external_urls(html, TILE_URL)

    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in found


def test_localize_map_leaves_no_external_asset() -> None:
    html = render_localized_map()

    assert external_urls(html, TILE_URL) == []


def test_localize_map_keeps_tile_url() -> None:
    html = render_localized_map()

    assert TILE_URL in html


def test_localize_map_links_every_needed_library() -> None:
    libraries = {url.split("/")[2] for url in local_asset_urls(render_localized_map())}

    assert libraries == {
        "leaflet",
        "leaflet-markercluster",
        "folium",
        "jquery",
        "font-awesome",
    }


def test_localize_map_drops_awesome_markers() -> None:
    html = render_localized_map()

    assert "awesome-markers" not in html
    assert "awesome.rotate" not in html
    assert "glyphicons" not in html


def test_localize_map_keeps_folium_class_defaults() -> None:
    localize_map(build_map())

    assert folium.Map.default_js[0][1].startswith("https://")
    assert plugins.MarkerCluster.default_css[0][1].startswith("https://")


def test_localize_map_rewrites_links_from_earlier_render() -> None:
    complaint_map = build_map()
    complaint_map.get_root().render()

    localize_map(complaint_map)
    html = complaint_map.get_root().render()

    assert external_urls(html, TILE_URL) == []


def test_localize_map_rejects_unknown_plugin_url() -> None:
    complaint_map = folium.Map(tiles=None)
    plugins.Fullscreen().add_to(complaint_map)

    with pytest.raises(ExternalAssetError, match="leaflet.fullscreen@3.0.0"):
        localize_map(complaint_map)


def test_localize_map_rejects_unknown_header_link() -> None:
    complaint_map = folium.Map(tiles=None)
    url = "https://cdn.example.test/widget.js"
    complaint_map.get_root().header.add_child(JavascriptLink(url), name="widget")

    with pytest.raises(ExternalAssetError, match="cdn.example.test/widget.js"):
        localize_map(complaint_map)


def test_vendor_file_serves_every_map_asset(client: FlaskClient) -> None:
    urls = local_asset_urls(render_localized_map())
    assert urls

    for url in urls:
        response = client.get(url)
        path = urlsplit(url).path
        expected_type = "text/javascript" if path.endswith(".js") else "text/css"
        assert response.status_code == 200, url
        assert response.mimetype == expected_type, url


def test_vendor_file_serves_files_referenced_by_css(client: FlaskClient) -> None:
    urls = local_asset_urls(render_localized_map())
    css_urls = [url for url in urls if ".css" in url]
    references = []
    for css_url in css_urls:
        css = client.get(css_url).get_data(as_text=True)
        references += [urljoin(css_url, ref) for ref in css_references(css)]
    assert any("/webfonts/" in ref for ref in references)

    for reference in references:
        assert client.get(reference).status_code == 200, reference


@pytest.mark.parametrize(
    "image", ["marker-icon.png", "marker-icon-2x.png", "marker-shadow.png"]
)
def test_vendor_file_serves_leaflet_marker_images(
    client: FlaskClient, image: str
) -> None:
    # Leaflet's L.Icon.Default finds its images relative to leaflet.css.
    urls = local_asset_urls(render_localized_map())
    css_url = next(url for url in urls if "/leaflet/leaflet.css" in url)

    response = client.get(urljoin(css_url, f"images/{image}"))

    assert response.status_code == 200
    assert response.mimetype == "image/png"


@pytest.mark.parametrize(
    "path",
    [
        "/vendor/leaflet/../../etc/passwd",
        "/vendor/leaflet/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        # These targets exist and have a served extension, so only the
        # directory check stops them.
        "/vendor/leaflet/..%2F..%2Fjquery%2Fdata%2Fjquery.min.js",
        "/vendor/leaflet/%2e%2e/%2e%2e/jquery/data/jquery.min.js",
        "/vendor/folium/..%2F..%2Ffolium%2Ftemplates%2Fleaflet_heat.min.js",
    ],
)
def test_vendor_file_rejects_path_traversal(client: FlaskClient, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 404


def test_vendor_file_unknown_library_is_404(client: FlaskClient) -> None:
    response = client.get("/vendor/d3/d3.min.js")

    assert response.status_code == 404


def test_vendor_file_unlisted_extension_is_404(client: FlaskClient) -> None:
    response = client.get("/vendor/font-awesome/metadata/icons.json")

    assert response.status_code == 404


def test_vendor_file_sets_long_cache(client: FlaskClient) -> None:
    response = client.get("/vendor/leaflet/leaflet.js")

    assert response.cache_control.max_age == CACHE_MAX_AGE_SECONDS
    assert response.cache_control.public


def test_vendor_file_sets_nosniff(client: FlaskClient) -> None:
    response = client.get("/vendor/leaflet/leaflet.css")

    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_vendor_url_adds_package_version() -> None:
    app = Flask(__name__)
    app.register_blueprint(assets_bp)

    with app.test_request_context():
        url = vendor_url("font-awesome", "css/all.min.css")

    version = VENDOR_LIBRARIES["font-awesome"].version
    assert url == f"/vendor/font-awesome/css/all.min.css?v={version}"


def test_external_urls_reads_styles_and_images() -> None:
    html = (
        "<style>@import url('https://fonts.example.test/a.css');</style>"
        '<div style="background: url(//img.example.test/b.png)"></div>'
        '<img src="https://img.example.test/c.png">'
        '<script src="/vendor/leaflet/leaflet.js"></script>'
    )

    assert external_urls(html) == [
        "https://fonts.example.test/a.css",
        "//img.example.test/b.png",
        "https://img.example.test/c.png",
    ]


def test_external_urls_skips_allowed_tile_url() -> None:
    html = f'<link rel="preconnect" href="{TILE_URL}">'

    assert external_urls(html, TILE_URL) == []

