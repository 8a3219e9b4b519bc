"""The feature catalogues parse, and agree where they translate the same message id.

Flask-Babel merges every feature's catalogue into one, so a message id translated
two ways would show whichever catalogue loads last.
"""

from __future__ import annotations

from collections import defaultdict

from babel.messages.pofile import read_po

from app.i18n import TRANSLATIONS_DIR


def catalogues():
    for path in sorted(TRANSLATIONS_DIR.glob("*/*/LC_MESSAGES/messages.po")):
        with path.open("rb") as handle:
            yield path, read_po(handle)


def test_catalogues_exist_for_indonesian():
    paths = [path for path, _ in catalogues() if path.parts[-3] == "id"]
    assert paths


def test_catalogues_agree_on_shared_ids():
    translations = defaultdict(dict)
    for path, catalogue in catalogues():
        locale = path.parts[-3]
        for message in catalogue:
            if message.id and message.string:
                translations[(locale, str(message.id))][path.parts[-4]] = str(message.string)
    conflicts = {key: found for key, found in translations.items()
                 if len(set(found.values())) > 1}
    assert conflicts == {}


def test_catalogues_have_no_fuzzy_entries():
    fuzzy = [f"{path.parts[-4]}: {message.id}" for path, catalogue in catalogues()
             for message in catalogue if message.id and message.fuzzy]
    assert fuzzy == []


def test_error_page_in_indonesian(client):
    page = client.get("/nothing-here", headers={"Accept": "text/html"}).get_data(
        as_text=True)
    assert "Kesalahan 404" in page
    assert "Kembali ke halaman utama" in page


def test_language_link_keeps_parameters(client):
    page = client.get("/peta?category=pju").get_data(as_text=True)
    assert "/peta?category=pju&amp;lang=en" in page
