"""Tests for the city's OPD and category CSV files in data/."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
OPD_COLUMNS = ["code", "name", "short_name", "kind", "kecamatan_code"]
CATEGORY_COLUMNS = [
    "code",
    "group",
    "name_id",
    "name_en",
    "opd_code",
    "route_to_kecamatan",
    "sla_working_days",
    "location_required",
    "private_by_nature",
    "source_note",
]
BOOLEAN_COLUMNS = ["route_to_kecamatan", "location_required", "private_by_nature"]
OPD_KINDS = {"dinas", "badan", "satuan", "bumd", "kecamatan"}
KECAMATAN_NAMES = {
    "36.71.01": "Tangerang",
    "36.71.02": "Jatiuwung",
    "36.71.03": "Batuceper",
    "36.71.04": "Benda",
    "36.71.05": "Cipondoh",
    "36.71.06": "Ciledug",
    "36.71.07": "Karawaci",
    "36.71.08": "Periuk",
    "36.71.09": "Cibodas",
    "36.71.10": "Neglasari",
    "36.71.11": "Pinang",
    "36.71.12": "Karang Tengah",
    "36.71.13": "Larangan",
}
REQUIRED_OPDS = {
    "DPUPR",
    "DISHUB",
    "DLH",
    "DISPERKIMTAN",
    "SATPOLPP",
    "DISDUKCAPIL",
    "DISKOMINFO",
    "DINDIK",
    "DINKES",
    "PERUMDA-TB",
    "BPBD",
}
REQUIRED_CATEGORIES = {
    "pju",
    "jalan-rusak",
    "saluran-tersumbat",
    "banjir",
    "sampah",
    "pohon-tumbang",
    "lampu-lalu-lintas",
    "trotoar-rusak",
    "parkir-liar",
    "ketertiban-umum",
    "air-bersih",
    "taman",
    "adminduk",
    "aplikasi-kota",
    "sekolah",
    "kesehatan",
}
NON_SPATIAL_CATEGORIES = {"adminduk", "aplikasi-kota", "sekolah", "kesehatan"}
PRIVATE_CATEGORIES = {"adminduk", "kesehatan"}


def read_rows(name: str) -> tuple[list[str], list[dict[str, str]]]:
    with (DATA_DIR / name).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def parse_bool(value: str) -> bool:
    if value == "true":
        return True
    if value == "false":
        return False
    raise ValueError(f"invalid boolean {value!r}; write true or false")


@pytest.fixture(scope="module")
def opds() -> list[dict[str, str]]:
    return read_rows("opd.csv")[1]


@pytest.fixture(scope="module")
def categories() -> list[dict[str, str]]:
    return read_rows("categories.csv")[1]


@pytest.fixture(scope="module")
def categories_by_code(categories) -> dict[str, dict[str, str]]:
    return {row["code"]: row for row in categories}


# opd.csv


def test_opd_file_columns():
    assert read_rows("opd.csv")[0] == OPD_COLUMNS


def test_opd_codes_unique(opds):
    codes = [row["code"] for row in opds]
    assert len(codes) == len(set(codes))


def test_opd_rows_have_name_and_short_name(opds):
    incomplete = [r["code"] for r in opds if not r["name"] or not r["short_name"]]
    assert incomplete == []


def test_opd_kinds_known(opds):
    unknown = {row["kind"] for row in opds} - OPD_KINDS
    assert unknown == set()


def test_opd_required_agencies_present(opds):
    missing = REQUIRED_OPDS - {row["code"] for row in opds}
    assert missing == set()


def test_opd_every_kecamatan_has_office(opds):
    offices = {r["kecamatan_code"] for r in opds if r["kind"] == "kecamatan"}
    assert offices == set(KECAMATAN_NAMES)


@pytest.mark.parametrize("kecamatan_code", sorted(KECAMATAN_NAMES))
def test_opd_kecamatan_office_code_and_name(opds, kecamatan_code):
    row = next(r for r in opds if r["kecamatan_code"] == kecamatan_code)
    expected_name = f"Kecamatan {KECAMATAN_NAMES[kecamatan_code]}"
    assert (row["code"], row["name"]) == (f"KEC-{kecamatan_code}", expected_name)


def test_opd_kecamatan_code_only_on_kecamatan_rows(opds):
    misplaced = [
        r["code"] for r in opds if r["kind"] != "kecamatan" and r["kecamatan_code"]
    ]
    assert misplaced == []


# categories.csv


def test_category_file_columns():
    assert read_rows("categories.csv")[0] == CATEGORY_COLUMNS


def test_category_count_at_least_16(categories):
    assert len(categories) >= 16


def test_category_codes_unique(categories):
    codes = [row["code"] for row in categories]
    assert len(codes) == len(set(codes))


def test_category_codes_are_slugs(categories):
    invalid = [
        row["code"]
        for row in categories
        if not row["code"].replace("-", "").isalnum()
        or row["code"] != row["code"].lower()
    ]
    assert invalid == []


def test_category_required_topics_present(categories_by_code):
    missing = REQUIRED_CATEGORIES - set(categories_by_code)
    assert missing == set()


def test_category_opd_codes_exist(categories, opds):
    opd_codes = {row["code"] for row in opds}
    unknown = [
        (r["code"], r["opd_code"])
        for r in categories
        if r["opd_code"] not in opd_codes
    ]
    assert unknown == []


@pytest.mark.parametrize("column", BOOLEAN_COLUMNS)
def test_category_booleans_parse(categories, column):
    invalid = [
        (r["code"], r[column])
        for r in categories
        if r[column] not in ("true", "false")
    ]
    assert invalid == []


def test_category_sla_positive_int(categories):
    invalid = [
        (row["code"], row["sla_working_days"])
        for row in categories
        if not row["sla_working_days"].isdigit() or int(row["sla_working_days"]) < 1
    ]
    assert invalid == []


def test_category_names_and_note_filled(categories):
    columns = ("group", "name_id", "name_en", "source_note")
    incomplete = [r["code"] for r in categories if not all(r[c] for c in columns)]
    assert incomplete == []


def test_category_source_note_asks_for_review(categories):
    silent = [r["code"] for r in categories if "review" not in r["source_note"]]
    assert silent == []


@pytest.mark.parametrize("code", sorted(NON_SPATIAL_CATEGORIES))
def test_category_service_needs_no_location(categories_by_code, code):
    assert parse_bool(categories_by_code[code]["location_required"]) is False


@pytest.mark.parametrize("code", sorted(PRIVATE_CATEGORIES))
def test_category_personal_service_private(categories_by_code, code):
    assert parse_bool(categories_by_code[code]["private_by_nature"]) is True


def test_category_street_light_is_public_and_located(categories_by_code):
    row = categories_by_code["pju"]
    flags = (parse_bool(row["location_required"]), parse_bool(row["private_by_nature"]))
    assert flags == (True, False)


def test_category_kecamatan_routing_needs_location(categories):
    routed = [r for r in categories if parse_bool(r["route_to_kecamatan"])]
    unlocated = [r["code"] for r in routed if not parse_bool(r["location_required"])]
    assert unlocated == []


def test_category_fallback_opd_is_city_wide(categories, opds):
    kind_by_code = {row["code"]: row["kind"] for row in opds}
    kecamatan_owned = [
        r["code"] for r in categories if kind_by_code.get(r["opd_code"]) == "kecamatan"
    ]
    assert kecamatan_owned == []


# data/README.md


@pytest.mark.parametrize(
    "name", ["opd.csv", "categories.csv", "holidays/cuti_bersama.csv"]
)
def test_data_readme_describes_file(name):
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    assert f"`{name}`" in readme
