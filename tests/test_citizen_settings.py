"""The reopen window setting of the citizen pages."""

from __future__ import annotations

import pytest
from flask import Flask

from app.citizen.settings import REOPEN_DAYS_CONFIG
from app.citizen.settings import configure
from app.config import ConfigError


def configured_days(environ: dict) -> int:
    app = Flask(__name__)
    configure(app, environ)
    return app.config[REOPEN_DAYS_CONFIG]


def test_reopen_days_default():
    assert configured_days({}) == 14


def test_reopen_days_from_environment():
    assert configured_days({"ADUAN_REOPEN_DAYS": "30"}) == 30


@pytest.mark.parametrize("raw", ["0", "abc", "-3", "400"])
def test_reopen_days_invalid(raw):
    with pytest.raises(ConfigError, match="ADUAN_REOPEN_DAYS"):
        configured_days({"ADUAN_REOPEN_DAYS": raw})
