"""The Flask extension object a host app creates: ``CustomerGroups(app)`` or ``init_app``."""
from __future__ import annotations

from typing import Any, Callable

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from . import config

ShopLoader = Callable[[], "int | None"]
AdminLoader = Callable[[], "str | None"]


class CustomerGroups:
    """Adds the groups API, the CRM → Groups admin pages and the ``customer-groups`` commands.

    The host tells the plugin who is looking through two callbacks: ``@groups.admin_loader``
    returns the signed-in admin's name (or None) and ``@groups.shop_loader`` the id of the
    plugin shop that admin manages.
    """

    def __init__(self, app: Flask | None = None, *, db: SQLAlchemy | None = None):
        self.db = db
        self._shop_loader: ShopLoader | None = None
        self._admin_loader: AdminLoader | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        if "customer_groups" in app.extensions:
            raise RuntimeError(
                "CustomerGroups is already set up on this app; create one CustomerGroups "
                "object and call init_app once per app."
            )
        for key, value in config.DEFAULTS.items():
            app.config.setdefault(key, value)
        self.db = self.db or app.extensions.get("sqlalchemy") or self._own_database(app)
        app.extensions["customer_groups"] = self

        from admin_ui import admin_blueprint

        from .api import api_blueprint
        from .cli import customer_groups_cli

        app.register_blueprint(api_blueprint, url_prefix=app.config["CUSTOMER_GROUPS_API_PREFIX"])
        app.register_blueprint(admin_blueprint, url_prefix=app.config["CUSTOMER_GROUPS_ADMIN_PREFIX"])
        app.cli.add_command(customer_groups_cli)
        csrf = app.extensions.get("csrf")
        if csrf is not None:  # server-to-server calls carry an API key, not a form token
            csrf.exempt(api_blueprint)

    @staticmethod
    def _own_database(app: Flask) -> SQLAlchemy:
        app.config.setdefault(
            "SQLALCHEMY_DATABASE_URI",
            app.config.get("DATABASE_URL") or app.config["CUSTOMER_GROUPS_DATABASE_URL"],
        )
        db = SQLAlchemy()
        db.init_app(app)
        return db

    def shop_loader(self, callback: ShopLoader) -> ShopLoader:
        """Register the function returning the current admin's shop id."""
        self._shop_loader = callback
        return callback

    def admin_loader(self, callback: AdminLoader) -> AdminLoader:
        """Register the function returning the signed-in admin (a display name), or None."""
        self._admin_loader = callback
        return callback

    def current_admin(self) -> str | None:
        return self._admin_loader() if self._admin_loader else None

    def current_shop_id(self) -> int | None:
        return self._shop_loader() if self._shop_loader else None

    def register_customer(self, shop_id: int, **fields: Any):
        """The in-process registration hook: store the customer and join the default group."""
        from .hooks import customer_registered

        return customer_registered(shop_id, fields)
