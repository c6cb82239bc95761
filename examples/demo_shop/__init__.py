"""A small host shop that installs the plugin: admin login, a storefront with registration."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, current_app
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import select

from plugin import CustomerGroups
from plugin.migrate import MIGRATIONS_DIR
from plugin.models import Shop

db = SQLAlchemy()
csrf = CSRFProtect()
groups = CustomerGroups()
migrate = Migrate()


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(Path(__file__).resolve().parents[2] / "instance"))
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SECRET_KEY", "demo-shop-not-secret"),
        SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL", f"sqlite:///{app.instance_path}/demo.db"),
        CUSTOMER_GROUPS_REDIS_URL=os.environ.get("REDIS_URL", ""),
        DEMO_ADMIN_EMAIL="admin@demo.shop",
        DEMO_ADMIN_PASSWORD="demo",
        DEMO_SHOP_NAME="Demo Shop",
    )
    if test_config:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(exist_ok=True)

    db.init_app(app)
    csrf.init_app(app)
    groups.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))

    from . import admin, checkout, storefront

    app.register_blueprint(admin.blueprint)
    app.register_blueprint(storefront.blueprint)
    app.register_blueprint(checkout.blueprint)
    return app


def demo_shop() -> Shop | None:
    """The shop the storefront and the checkout sell for; None until ``seed`` has made it."""
    return db.session.scalar(select(Shop).where(Shop.name == current_app.config["DEMO_SHOP_NAME"]))
