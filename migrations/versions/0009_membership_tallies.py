"""Each group's entries and exits per 15-minute UTC slot, kept by triggers on cg_membership_events.

The group page's chart of the last 90 local days read every event in the window: 86,000 rows in
a group of a million, all of them after a shop imported its customers last week. It now reads at
most 96 rows a day. A slot is 900 s because every timezone's midnight is a whole number of
quarter hours from UTC today (Kathmandu +5:45, Chatham +12:45), so no slot straddles two local
days. As for the customer count (0004): triggers, not Python, keep it, on every path that writes,
deletes or backdates events (registration, members, imports, a customer's or a group's
deletion, plain SQL); per statement over its transition tables on PostgreSQL, per row on
SQLite. A slot whose events are all gone loses its row, so the tallies are exactly a GROUP BY
over the events.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


#: The slot of an event's instant ``at`` (UTC): whole 900-second steps since the Unix epoch.
POSTGRESQL_SLOT = "floor(extract(epoch FROM {at}) / 900)::bigint"
# SQLite keeps UTC as text: its whole seconds, the fraction cut off (strftime would round it to
# milliseconds first, putting 14:59:59.9999 in the slot of 15:00).
SQLITE_SLOT = "CAST(strftime('%s', substr({at}, 1, 19)) AS INTEGER) / 900"


def _tallied(events: str, slot: str) -> str:
    """Entries and exits per (group, slot) of the rows of ``events``, in key order (so every
    statement locks the rows it updates in one order)."""
    return (f"SELECT group_id, {slot.format(at='at')} AS slot,"
            " sum(CASE WHEN change = 'entered' THEN 1 ELSE 0 END) AS entered,"
            " sum(CASE WHEN change = 'left' THEN 1 ELSE 0 END) AS \"left\""
            f" FROM {events} GROUP BY 1, 2 ORDER BY 1, 2")


_POSTGRESQL_ADD = f"""
            INSERT INTO cg_membership_tallies AS kept (group_id, slot, entered, "left")
            {_tallied('added_events', POSTGRESQL_SLOT)}
            ON CONFLICT (group_id, slot) DO UPDATE
            SET entered = kept.entered + excluded.entered, "left" = kept."left" + excluded."left";"""
_POSTGRESQL_TAKE = f"""
            UPDATE cg_membership_tallies AS kept
            SET entered = kept.entered - gone.entered, "left" = kept."left" - gone."left"
            FROM ({_tallied('removed_events', POSTGRESQL_SLOT)}) AS gone
            WHERE kept.group_id = gone.group_id AND kept.slot = gone.slot;
            DELETE FROM cg_membership_tallies AS kept
            USING (SELECT DISTINCT group_id, {POSTGRESQL_SLOT.format(at='at')} AS slot FROM removed_events) AS gone
            WHERE kept.group_id = gone.group_id AND kept.slot = gone.slot AND kept.entered = 0 AND kept."left" = 0;"""
#: An update (history backdated by hand or by a seed) takes the old rows out and adds the new.
POSTGRESQL_TRIGGERS = (
    f"""
    CREATE FUNCTION cg_tally_membership_events() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'DELETE' THEN{_POSTGRESQL_ADD}
        END IF;
        IF TG_OP <> 'INSERT' THEN{_POSTGRESQL_TAKE}
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER cg_membership_events_tally_added AFTER INSERT ON cg_membership_events
    REFERENCING NEW TABLE AS added_events FOR EACH STATEMENT EXECUTE FUNCTION cg_tally_membership_events()
    """,
    """
    CREATE TRIGGER cg_membership_events_tally_removed AFTER DELETE ON cg_membership_events
    REFERENCING OLD TABLE AS removed_events FOR EACH STATEMENT EXECUTE FUNCTION cg_tally_membership_events()
    """,
    """
    CREATE TRIGGER cg_membership_events_tally_changed AFTER UPDATE ON cg_membership_events
    REFERENCING OLD TABLE AS removed_events NEW TABLE AS added_events
    FOR EACH STATEMENT EXECUTE FUNCTION cg_tally_membership_events()
    """,
)
_SQLITE_ADD = f"""
        INSERT INTO cg_membership_tallies (group_id, slot, entered, "left")
        VALUES (NEW.group_id, {SQLITE_SLOT.format(at='NEW.at')}, NEW.change = 'entered', NEW.change = 'left')
        ON CONFLICT (group_id, slot) DO UPDATE
        SET entered = entered + excluded.entered, "left" = "left" + excluded."left";"""
_SQLITE_TAKE = f"""
        UPDATE cg_membership_tallies SET entered = entered - (OLD.change = 'entered'), "left" = "left" - (OLD.change = 'left')
        WHERE group_id = OLD.group_id AND slot = {SQLITE_SLOT.format(at='OLD.at')};
        DELETE FROM cg_membership_tallies
        WHERE group_id = OLD.group_id AND slot = {SQLITE_SLOT.format(at='OLD.at')} AND entered = 0 AND "left" = 0;"""
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER cg_membership_events_tally_added AFTER INSERT ON cg_membership_events BEGIN{_SQLITE_ADD}\nEND",
    f"CREATE TRIGGER cg_membership_events_tally_removed AFTER DELETE ON cg_membership_events BEGIN{_SQLITE_TAKE}\nEND",
    "CREATE TRIGGER cg_membership_events_tally_changed AFTER UPDATE OF group_id, change, at ON cg_membership_events"
    f" BEGIN{_SQLITE_ADD}{_SQLITE_TAKE}\nEND",
)
TRIGGERS = ('cg_membership_events_tally_changed', 'cg_membership_events_tally_removed', 'cg_membership_events_tally_added')


def upgrade() -> None:
    op.create_table('cg_membership_tallies',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.BigInteger(), nullable=False),
    sa.Column('entered', sa.Integer(), nullable=False),
    sa.Column('left', sa.Integer(), nullable=False),
    sa.CheckConstraint('entered >= 0', name=op.f('ck_cg_membership_tallies_entered')),
    sa.CheckConstraint('"left" >= 0', name=op.f('ck_cg_membership_tallies_left')),
    sa.ForeignKeyConstraint(['group_id'], ['cg_groups.id'], name=op.f('fk_cg_membership_tallies_group_id_cg_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'slot', name=op.f('pk_cg_membership_tallies'))
    )
    postgresql = op.get_bind().dialect.name == 'postgresql'
    if postgresql:
        # No event is written or deleted between the backfill and the triggers.
        op.execute("LOCK TABLE cg_membership_events IN SHARE MODE")
    op.execute('INSERT INTO cg_membership_tallies (group_id, slot, entered, "left") '
               + _tallied('cg_membership_events', POSTGRESQL_SLOT if postgresql else SQLITE_SLOT))
    for statement in POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS:
        op.execute(statement)
    if postgresql:
        op.execute("ANALYZE cg_membership_tallies")  # the planner's statistics for the rows just written


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER {trigger} ON cg_membership_events" if postgresql else f"DROP TRIGGER {trigger}")
    if postgresql:
        op.execute("DROP FUNCTION cg_tally_membership_events()")
    op.drop_table('cg_membership_tallies')
