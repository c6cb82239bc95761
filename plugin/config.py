"""Configuration defaults; every key is read as ``CUSTOMER_GROUPS_<NAME>`` from the app config."""
from __future__ import annotations

#: URL prefix of the JSON API.
API_PREFIX = "/api/customer-groups/v1"
#: URL prefix of the admin pages (the host's CRM menu links here).
ADMIN_PREFIX = "/admin/crm/groups"
#: Database used only when the host app has no Flask-SQLAlchemy of its own; else ``DATABASE_URL``.
DATABASE_URL = "sqlite:///customer_groups.db"
#: Redis for background jobs in production; empty runs jobs in-process.
REDIS_URL = ""
#: ``module:callable`` that builds the host app, for background jobs (rq workers run outside any app).
APP_FACTORY = "examples.demo_shop:create_app"
#: Seconds a background job may run on rq before the worker stops it (a full refresh of a big shop is slow).
JOB_TIMEOUT = 3600
#: Days a background export's file is kept; older ones are deleted when the shop starts another.
EXPORT_KEEP_DAYS = 7
#: Plans whose shops get the plugin.
PLANS_WITH_ACCESS = ("pro", "enterprise")
#: Rows per page of the admin's member lists and Customers page (the API's own ``limit`` and
#: ``per_page`` default to 50, at most 500, and do not read these two).
PAGE_SIZE = 50
#: Largest page the admin's Customers page may be asked for.
MAX_PAGE_SIZE = 500
#: Where the admin pages send a visitor who has no admin session.
LOGIN_URL = "/login"
#: Name of the Alembic version table, kept apart from the host's.
VERSION_TABLE = "customer_groups_alembic_version"

DEFAULTS = {
    f"CUSTOMER_GROUPS_{name}": value
    for name, value in dict(globals()).items()
    if name.isupper() and name != "DEFAULTS"
}
