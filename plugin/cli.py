"""``flask --app APP customer-groups …``: the plugin's commands that need the host app and database."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from . import migrate
from .db import session
from .errors import CustomerGroupsError
from .models.shop import PLANS
from .services import shops


class InputError(click.ClickException):
    """Bad input: one line on stderr and exit code 2, like the engine's own command."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class OneLineErrors(click.Command):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as error:
            raise InputError(error.format_message()) from None

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CustomerGroupsError as error:
            session().rollback()
            raise InputError(error.description) from None


customer_groups_cli = AppGroup("customer-groups", help="Customer Groups: database, shops and groups.")
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
@click.option("--timezone", default="UTC", show_default=True, help="IANA time zone, e.g. Europe/Bucharest.")
def create_shop(name: str, plan: str, currency: str, timezone: str) -> None:
    """Create a shop with its Standard and guests groups; prints its id and API key as JSON."""
    shop, api_key = shops.create_shop(name, plan=plan, currency=currency, timezone=timezone)
    click.echo(json.dumps({"id": shop.id, "name": shop.name, "plan": shop.plan, "currency": shop.currency,
                           "timezone": shop.timezone, "api_key": api_key}))
