"""``flask --app APP customer-groups …``: the plugin's commands that need the host app and database."""
from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup
from redis.exceptions import RedisError
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import OperationalError

from . import imports, jobs, migrate
from .db import session
from .errors import CustomerGroupsError
from .exports import FORMATS, export_customers, member_external_ids
from .exports.rows import resolve as resolve_export
from .imports.reading import open_text
from .models import Customer, Shop
from .models._columns import utcnow
from .models.shop import PLANS
from .years import FIRST_YEAR, LAST_YEAR, within_years
from .segments.refresh import RefreshFailed, refresh_shop
from .services import shops

RFM_TIERS = ("high_value", "regular", "potential", "lapsed", "prospect")


class CommandFailed(click.ClickException):
    """A command that could not finish its work: one line on stderr, exit code 1."""

    exit_code = 1

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class InputError(CommandFailed):
    """Bad input: one line on stderr and exit code 2, like the engine's own command."""

    exit_code = 2


class OneLineErrors(click.Command):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as error:
            raise InputError(error.format_message()) from None

    def invoke(self, ctx: click.Context):
        _require_database()
        if self.name != "init-db":
            _require_tables()
        try:
            return super().invoke(ctx)
        except CustomerGroupsError as error:
            session().rollback()
            raise InputError(error.description) from None
        except RefreshFailed as error:   # after an import: the rows are in, some groups are stale
            raise CommandFailed(_one_line(error)) from None


def _require_database() -> None:
    """A DATABASE_URL naming no database that opens would otherwise answer with a traceback."""
    try:
        with session().get_bind().connect():
            pass
    except OperationalError as error:
        raise CommandFailed(f"cannot open the database: {_one_line(error.orig)}") from None


def _require_tables() -> None:
    """A database never set up would otherwise answer with a missing table's traceback."""
    if not inspect(session().get_bind()).has_table(Shop.__tablename__):
        raise InputError("the database has no Customer Groups tables; run `flask customer-groups init-db` first")


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())


class OneLineGroup(AppGroup):
    def resolve_command(self, ctx: click.Context, args: list[str]):
        """A mistyped command is bad input too: one line, not click's usage block."""
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as error:
            raise InputError(error.format_message()) from None


customer_groups_cli = OneLineGroup("customer-groups", help="Customer Groups: database, shops and groups.")
customer_groups_cli.command_class = OneLineErrors


@customer_groups_cli.command("init-db")
def init_db() -> None:
    """Create or upgrade the plugin's tables (its own Alembic migrations)."""
    migrate.upgrade()
    click.echo("customer-groups: database is up to date", err=True)


@customer_groups_cli.command("create-shop")
@click.option("--name", required=True, help="The shop's name, unique on the platform.")
@click.option("--plan", default="pro", show_default=True, type=click.Choice(PLANS))
@click.option("--currency", default="EUR", show_default=True, help="ISO 4217 code.")
@click.option("--timezone", default="Europe/Bucharest", show_default=True,
              help="IANA time zone; SPEC §5's synopsis gives its default with the plan's and the currency's.")
def create_shop(name: str, plan: str, currency: str, timezone: str) -> None:
    """Create a shop with its Standard and guests groups; prints SPEC §5's JSON: id, name, API key."""
    shop, api_key = shops.create_shop(name, plan=plan, currency=currency, timezone=timezone)
    click.echo(json.dumps({"id": shop.id, "name": shop.name, "api_key": api_key}))


# Imports, refresh, members and exports (SPEC §5) ---------------------------------------------

shop_option = click.option("--shop", "shop_reference", metavar="ID|NAME",
                           help="The shop, by id or name; optional when there is only one.")


def _import_file(importer, path: Path, shop_reference: str | None, label: str, **options):
    shop = shops.find_shop(shop_reference)
    with path.open("rb") as binary:
        text, counter = open_text(binary)
        if not sys.stderr.isatty():  # a bar is for people; logs get the summary
            return importer(shop, text, actor="cli", **options)
        with click.progressbar(length=path.stat().st_size, label=label, file=sys.stderr,
                               show_percent=True, show_eta=True) as bar:
            report = importer(shop, text, lambda _rows: bar.update(counter.bytes_read - bar.pos),
                              actor="cli", **options)
            bar.update(bar.length - bar.pos)
            return report


no_refresh_option = click.option("--no-refresh", is_flag=True, help="Leave RFM and dynamic groups to the next refresh.")


@customer_groups_cli.command("import-customers")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@shop_option
@no_refresh_option
def import_customers_command(file: Path, shop_reference: str | None, no_refresh: bool) -> None:
    """Import customers from a CSV file (all of it, or nothing and the first bad row named), then
    refresh the shop once."""
    _print_import(_import_file(imports.import_customers, file, shop_reference, "importing customers",
                               refresh=not no_refresh))


@customer_groups_cli.command("import-activities")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@shop_option
@no_refresh_option
def import_activities_command(file: Path, shop_reference: str | None, no_refresh: bool) -> None:
    """Import orders or appointments from a CSV file (all or nothing), then refresh the shop once."""
    _print_import(_import_file(imports.import_activities, file, shop_reference, "importing activities",
                               refresh=not no_refresh))


def _print_import(report) -> None:
    click.echo(report.summary())
    for change in report.group_changes:
        click.echo(f"{change.key} +{change.added} -{change.removed}")


def _parse_now(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        now = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time") from None
    if not within_years(now):
        raise click.BadParameter(f"{value!r} is not between the years {FIRST_YEAR} and {LAST_YEAR}")
    return now


@customer_groups_cli.command("refresh")
@click.option("--now", callback=_parse_now, metavar="ISO",
              help="Compute as of this time (ISO 8601; without an offset, the shop's local time).")
@shop_option
def refresh_command(now: datetime | None, shop_reference: str | None) -> None:
    """Recompute RFM scores and every dynamic group; prints the tiers, then `key +added -removed`."""
    shop = shops.find_shop(shop_reference)
    if now is None:
        now = utcnow()
    elif now.tzinfo is None:
        now = now.replace(tzinfo=ZoneInfo(shop.timezone))
    try:
        changes, failed = refresh_shop(shop, now), None
    except RefreshFailed as error:   # the other groups were refreshed: say so, then name the failures
        changes, failed = error.changes, error
    tiers = dict(session().execute(
        select(Customer.rfm_tier, func.count()).where(Customer.shop_id == shop.id).group_by(Customer.rfm_tier)
    ).all())
    click.echo("rfm " + " ".join(f"{tier}={tiers.get(tier, 0)}" for tier in RFM_TIERS))
    for change in changes:
        click.echo(f"{change.key} +{change.added} -{change.removed}")
    if failed is not None:
        raise CommandFailed(_one_line(failed))


@customer_groups_cli.command("members")
@click.argument("group_key")
@shop_option
def members_command(group_key: str, shop_reference: str | None) -> None:
    """Print the group's members' external ids, one a line."""
    shop = shops.find_shop(shop_reference)
    group = resolve_export(shop, group_key)
    for external_id in member_external_ids(group):
        sys.stdout.write(external_id + "\n")


@customer_groups_cli.command("export")
@click.argument("group_key")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("--output", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="The file to write.")
@shop_option
def export_command(group_key: str, fmt: str, output: Path, shop_reference: str | None) -> None:
    """Write the group's members in the customers CSV format (or as Excel): an export imports again."""
    shop = shops.find_shop(shop_reference)
    if not output.parent.is_dir():   # refused before the writer starts
        raise InputError(f"cannot write {output}: no folder {output.parent}")
    try:
        count = export_customers(shop, group_key, fmt, output)
    except OSError as error:   # no such folder, no permission: the --output given is wrong
        raise InputError(f"cannot write {output}: {error.strerror or error}") from None
    click.echo(f"exported {count} customers to {output}", err=True)


@customer_groups_cli.command("schedule-refresh")
@click.option("--every", type=click.IntRange(min=1), required=True, metavar="SECONDS",
              help="Seconds between full refreshes of every shop.")
@click.option("--replace", is_flag=True, help="Cancel a scheduled refresh that is queued already.")
@click.option("--rounds", type=click.IntRange(min=1), hidden=True, help="In process only: stop after N rounds.")
def schedule_refresh_command(every: int, replace: bool, rounds: int | None) -> None:
    """Refresh every shop every SECONDS: on rq (a worker with --with-scheduler runs it) when
    Redis is configured, else here, in the foreground, until interrupted."""
    if current_app.config["CUSTOMER_GROUPS_REDIS_URL"]:
        try:
            job_id, cancelled = jobs.schedule_refresh(every, replace=replace)
        except jobs.FactoryMissing as error:   # the worker could not build the app: nothing queued
            raise InputError(str(error)) from None
        except RedisError as error:   # like a database that does not open: one line, not a traceback
            raise CommandFailed(f"cannot reach Redis: {_one_line(error)}") from None
        for old in cancelled:
            click.echo(f"cancelled scheduled refresh {old}", err=True)
        click.echo(f"scheduled: every {every}s on queue {jobs.QUEUE_NAME} (job {job_id})")
        return
    done = 0
    while True:
        for shop_id in list(session().scalars(select(Shop.id).order_by(Shop.id))):
            for key, added, removed in jobs.refresh_job(shop_id):
                click.echo(f"shop {shop_id} {key} +{added} -{removed}")
        session().commit()
        done += 1
        if rounds is not None and done >= rounds:
            return
        time.sleep(every)
