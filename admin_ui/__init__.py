"""The CRM → Groups admin pages: server-rendered, behind the host's admin session."""
from __future__ import annotations

from flask import Blueprint

admin_blueprint = Blueprint(
    "customer_groups_admin", __name__,
    template_folder="templates", static_folder="static", static_url_path="/static",
)

from . import views  # noqa: E402,F401  (routes register on import)
from . import rule_views  # noqa: E402,F401  (CRM → Groups → Rules)
from . import customer_views, import_views, segment_views  # noqa: E402,F401  (customers, imports, segments)
