"""Settings from environment variables, and the city records from data/cities.toml."""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]

DEFAULT_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_TILE_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
    "contributors"
)


class ConfigError(Exception):
    """A setting or a configuration file is invalid; the message names it and the fault."""


@dataclass(frozen=True)
class AreaLevel:
    """One level of a city's areas, such as kecamatan or kelurahan."""

    key: str
    name_id: str
    name_en: str
    code_parts: int | None = None


@dataclass(frozen=True)
class City:
    """A city served by the installation, with its time zone and area levels."""

    code: str
    name: str
    timezone: str
    holiday_country: str
    holiday_subdivision: str | None
    levels: tuple[AreaLevel, ...]

    @property
    def leaf_level(self) -> AreaLevel:
        """The smallest area level, to which every located point belongs."""
        return self.levels[-1]

    @property
    def parent_level(self) -> AreaLevel | None:
        """The level above the leaf level, or None for a city with one level."""
        return self.levels[0] if len(self.levels) == 2 else None

    def level_rank(self, key: str) -> int:
        """Return 1 for the first level and 2 for the second; raise on an unknown key."""
        for rank, level in enumerate(self.levels, start=1):
            if level.key == key:
                return rank
        known = ", ".join(level.key for level in self.levels)
        raise ConfigError(f"City {self.code} has no area level {key!r}; known: {known}.")


def load_cities(path: Path) -> dict[str, City]:
    """Read city records from a TOML file and check them.

    Raises:
        ConfigError: the file is missing, unreadable or a record is incomplete.
    """
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ConfigError(f"City file {path} not found; set ADUAN_CITIES_FILE.") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"City file {path} is not valid TOML: {error}") from error

    cities: dict[str, City] = {}
    for number, record in enumerate(document.get("city", []), start=1):
        city = _parse_city(record, number, path)
        if city.code in cities:
            raise ConfigError(f"City code {city.code} appears twice in {path}.")
        cities[city.code] = city
    if not cities:
        raise ConfigError(f"City file {path} defines no [[city]] record.")
    return cities


def _parse_city(record: dict, number: int, path: Path) -> City:
    where = f"[[city]] number {number} in {path}"
    missing = [key for key in ("code", "name", "timezone", "levels") if key not in record]
    if missing:
        raise ConfigError(f"{where} lacks {', '.join(missing)}.")

    levels = tuple(
        AreaLevel(
            key=level["key"],
            name_id=level.get("name_id", level["key"]),
            name_en=level.get("name_en", level["key"]),
            code_parts=level.get("code_parts"),
        )
        for level in record["levels"]
    )
    if len(levels) not in (1, 2):
        raise ConfigError(f"{where} must have one or two levels, not {len(levels)}.")
    if levels[0].key == levels[-1].key and len(levels) == 2:
        raise ConfigError(f"{where} names the level {levels[0].key!r} twice.")

    holidays = record.get("holidays", {})
    return City(
        code=str(record["code"]),
        name=record["name"],
        timezone=record["timezone"],
        holiday_country=holidays.get("country", "ID"),
        holiday_subdivision=holidays.get("subdivision"),
        levels=levels,
    )


@dataclass(frozen=True)
class Settings:
    """Every setting of the service, read once from the environment."""

    database_url: str | None
    secret_key: str
    default_city: str
    cities_file: Path
    data_dir: Path
    var_dir: Path
    tile_url: str
    tile_attribution: str
    log_level: str
    photo_max_bytes: int

    @property
    def upload_dir(self) -> Path:
        """Folder for stored photos, outside the web root."""
        return self.var_dir / "uploads"


def settings_from_env(environ: os._Environ | dict | None = None) -> Settings:
    """Build settings from environment variables, with defaults for local use.

    Variables: DATABASE_URL (libpq URL; found or created locally when unset),
    SECRET_KEY (kept in var/secret_key when unset), ADUAN_CITY, ADUAN_CITIES_FILE,
    ADUAN_DATA_DIR, ADUAN_VAR_DIR, ADUAN_TILE_URL, ADUAN_TILE_ATTRIBUTION,
    ADUAN_LOG_LEVEL and ADUAN_PHOTO_MAX_BYTES.
    """
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("ADUAN_DATA_DIR", PROJECT_ROOT / "data"))
    var_dir = Path(env.get("ADUAN_VAR_DIR", PROJECT_ROOT / "var"))
    return Settings(
        database_url=env.get("DATABASE_URL") or None,
        secret_key=env.get("SECRET_KEY") or _local_secret_key(var_dir),
        default_city=env.get("ADUAN_CITY", "36.71"),
        cities_file=Path(env.get("ADUAN_CITIES_FILE", data_dir / "cities.toml")),
        data_dir=data_dir,
        var_dir=var_dir,
        tile_url=env.get("ADUAN_TILE_URL", DEFAULT_TILE_URL),
        tile_attribution=env.get("ADUAN_TILE_ATTRIBUTION", DEFAULT_TILE_ATTRIBUTION),
        log_level=env.get("ADUAN_LOG_LEVEL", "INFO").upper(),
        photo_max_bytes=_positive_int(env, "ADUAN_PHOTO_MAX_BYTES", 8 * 1024 * 1024),
    )


def _positive_int(env, name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise ConfigError(f"{name}={raw!r} is invalid; give a positive whole number.")
    return value


def _local_secret_key(var_dir: Path) -> str:
    """Keep one random key in var/secret_key so sessions survive a restart."""
    path = var_dir / "secret_key"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process wrote the key first.
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key)
    return key
