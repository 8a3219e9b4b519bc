"""`aduan complaints import`: load historical service requests from CSV files."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import click

from app.cli import operator_errors
from app.cli.intake import complaints_group
from app.config import ConfigError
from app.importer import ImportMapping
from app.importer import ImportResult
from app.importer import RowFailure
from app.importer import import_file
from app.importer import load_mapping
from app.importer import merge_mapping
from app.importer import parse_point
from app.services import services

log = logging.getLogger(__name__)

REPORT_COLUMNS = ("file", "line", "external_id", "reason", "message")


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    """Parse repeated VALUE=TARGET options."""
    pairs = {}
    for value in values:
        source, separator, target = value.rpartition("=")
        if not separator or not source.strip() or not target.strip():
            raise ConfigError(
                f"{option} {value!r} is invalid; write VALUE=TARGET, for "
                'example "Closed=selesai".'
            )
        pairs[source.strip()] = target.strip()
    return pairs


# Column options: the field they set and what that column contains.
COLUMN_OPTIONS = {
    "id": "the source's unique id of each request",
    "opened": "the time the request was opened",
    "closed": "the time the request was closed",
    "status": "the status",
    "category": "the request type",
    "lat": "the latitude",
    "lon": "the longitude",
    "address": "the address, kept as the address note",
    "closing-note": "the closing note, kept in the history",
}


def _column_options(command):
    """Add one --<field>-column option per mapped field."""
    for name, contents in reversed(COLUMN_OPTIONS.items()):
        command = click.option(
            f"--{name}-column",
            help=f"Column with {contents} (overrides the mapping file).",
        )(command)
    return command


@complaints_group.command("import")
@click.argument(
    "files",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--mapping",
    "mapping_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML file with [columns], [status], [category] and other settings.",
)
@_column_options
@click.option(
    "--description", help='Description template, e.g. "{TYPE}: {CASE_TITLE}".'
)
@click.option(
    "--status-map",
    multiple=True,
    metavar="VALUE=STATUS",
    help="File status value to menunggu, proses, selesai or ditolak; repeatable.",
)
@click.option(
    "--category-map",
    multiple=True,
    metavar="VALUE=CODE",
    help="File category value to our category code; repeatable.",
)
@click.option(
    "--default-category",
    help="Category code for unmapped values (default: skip those rows).",
)
@click.option(
    "--timezone", help="IANA zone of times without an offset (default: the city's)."
)
@click.option("--time-format", help="strptime format of the times (default: ISO 8601).")
@click.option(
    "--default-point",
    metavar="LAT,LON",
    help="Point the source writes for an unknown location; treated as none.",
)
@click.option("--id-prefix", help="Text put before every id, e.g. boston:.")
@click.option(
    "--encoding",
    default="utf-8-sig",
    show_default=True,
    help="Text encoding of the files.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 100_000),
    default=500,
    show_default=True,
    help="Rows per transaction.",
)
@click.option(
    "--limit",
    type=click.IntRange(1),
    help="Import at most this many rows of each file.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write rejected rows to this CSV file (default: standard error).",
)
@click.option(
    "--dry-run", is_flag=True, help="Check and count every row, keep nothing."
)
@operator_errors
def import_command(
    files,
    mapping_path,
    description,
    status_map,
    category_map,
    default_category,
    timezone,
    time_format,
    default_point,
    id_prefix,
    encoding,
    batch_size,
    limit,
    report_path,
    dry_run,
    **columns,
):
    """Import service requests from CSV files (.csv or .csv.gz) into the current city.

    Each row is placed and routed like a new complaint, at its original time;
    closed rows get their closing in the history. Rows that fail are reported
    with the reason and skipped. Rows imported before (same id) are skipped.
    """
    base = load_mapping(mapping_path) if mapping_path else ImportMapping()
    mapping = merge_mapping(
        base,
        columns={key.removesuffix("_column"): value for key, value in columns.items()},
        status_map=_pairs(status_map, "--status-map"),
        category_map=_pairs(category_map, "--category-map"),
        description=description,
        default_category=default_category,
        timezone=timezone,
        time_format=time_format,
        id_prefix=id_prefix,
        default_point=parse_point(default_point, "--default-point")
        if default_point
        else None,
    )
    city = services().city
    with _FailureSink(report_path) as sink:
        for path in files:
            sink.file = path.name
            with services().new_session() as session:
                result = import_file(
                    session,
                    city,
                    path,
                    mapping,
                    batch_size=batch_size,
                    limit=limit,
                    dry_run=dry_run,
                    encoding=encoding,
                    on_failure=sink.write,
                )
            click.echo(summary(path, result, dry_run))


class _FailureSink:
    """Writes rejected rows to a CSV report, or as lines on standard error."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.file = ""
        self._handle = None
        self._writer = None

    def __enter__(self) -> _FailureSink:
        if self.path is not None:
            self._handle = self.path.open("w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._handle)
            self._writer.writerow(REPORT_COLUMNS)
        return self

    def __exit__(self, *exc_info) -> None:
        if self._handle is not None:
            self._handle.close()

    def write(self, failure: RowFailure) -> None:
        if self._writer is not None:
            self._writer.writerow(
                (
                    self.file,
                    failure.line,
                    failure.external_id or "",
                    failure.reason,
                    failure.message,
                )
            )
        else:
            click.echo(
                f"{self.file}:{failure.line}: id {failure.external_id or '-'}: "
                f"{failure.reason}: {failure.message}",
                err=True,
            )


def summary(path: Path, result: ImportResult, dry_run: bool) -> str:
    """Format the summary of one file: counts, speed, reasons, unmapped values."""
    verb = "would import" if dry_run else "imported"
    lines = [
        f"{path.name}: {result.rows} rows read, {verb} {result.imported} "
        f"({result.closed} closed, {result.without_location} without location), "
        f"{result.existing} already stored, {result.failed} rejected; "
        f"{result.default_point} rows at the default point; "
        f"{result.seconds:.1f} s, {result.rows_per_second:.0f} rows/s.",
    ]
    for reason, count in result.reasons.most_common():
        lines.append(f"  rejected, {reason}: {count}")
    for value, count in result.unmapped_categories.most_common(20):
        lines.append(f"  unmapped category {value!r}: {count} rows")
    return "\n".join(lines)
