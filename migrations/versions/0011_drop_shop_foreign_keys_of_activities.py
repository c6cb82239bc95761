"""Drop the foreign keys from activities and their items to ``cg_shops``.

An activity reaches its shop through its customer, an item through its activity: their own
foreign keys already require the parent and cascade its deletion to them. The check of
``shop_id`` on every insert was a quarter of PostgreSQL's work in writing activities and their
items: the rows of 1,000,000 activities (2.8 million with the items) COPYed into copies of the
two tables took 65.5–74.7 s of PostgreSQL CPU with it, 51.5–55.2 s without (four runs of each,
alternating; ``bench/import_floor.py``).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""
import warnings
from contextlib import contextmanager
from typing import Sequence, Union

from alembic import op
from sqlalchemy.exc import SAWarning


# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLES = ("cg_activities", "cg_activity_items")


def upgrade() -> None:
    for table in TABLES:
        with _rebuilt_on_sqlite(table) as batch:
            batch.drop_constraint(f"fk_{table}_shop_id_cg_shops", type_="foreignkey")


def downgrade() -> None:
    for table in TABLES:
        with _rebuilt_on_sqlite(table) as batch:
            batch.create_foreign_key(f"fk_{table}_shop_id_cg_shops", "cg_shops", ["shop_id"], ["id"], ondelete="CASCADE")


@contextmanager
def _rebuilt_on_sqlite(table: str):
    """PostgreSQL alters the table; SQLite copies it into a new one, reflecting the tables it
    refers to, of which ``cg_customers`` has expression indexes SQLAlchemy cannot reflect (and
    the copy does not need)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index", SAWarning)
        with op.batch_alter_table(table) as batch:
            yield batch
