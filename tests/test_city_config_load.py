"""`aduan config load` applies the city's OPDs and categories idempotently."""

from __future__ import annotations

import shutil

from sqlalchemy import text

from app.cli import cli
from app.config import PROJECT_ROOT


def counts(engine):
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT (SELECT count(*) FROM opd), (SELECT count(*) FROM category WHERE active)"
        )).one()


def test_config_load_is_idempotent(runner, engine, loaded_city):
    before = counts(engine)
    result = runner.invoke(cli, ["config", "load"])
    assert result.exit_code == 0, result.output
    assert counts(engine) == before
    assert before[1] >= 16


def test_config_load_rejects_unknown_opd(runner, engine, tmp_path, loaded_city):
    shutil.copy(PROJECT_ROOT / "data" / "opd.csv", tmp_path / "opd.csv")
    source = (PROJECT_ROOT / "data" / "categories.csv").read_text(encoding="utf-8")
    (tmp_path / "categories.csv").write_text(source.replace(",DISHUB,", ",NOWHERE,", 1),
                                             encoding="utf-8")
    before = counts(engine)
    result = runner.invoke(cli, ["config", "load", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "opd_code 'NOWHERE' is not in opd.csv" in result.output
    assert "line 2" in result.output
    assert counts(engine) == before


def test_config_load_rejects_bad_boolean(runner, tmp_path, loaded_city):
    shutil.copy(PROJECT_ROOT / "data" / "opd.csv", tmp_path / "opd.csv")
    source = (PROJECT_ROOT / "data" / "categories.csv").read_text(encoding="utf-8")
    (tmp_path / "categories.csv").write_text(source.replace(",false,3,true,", ",nope,3,true,",
                                                            1), encoding="utf-8")
    result = runner.invoke(cli, ["config", "load", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "route_to_kecamatan='nope' is invalid" in result.output


def test_config_load_missing_file(runner, tmp_path, loaded_city):
    result = runner.invoke(cli, ["config", "load", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "opd.csv not found" in result.output
