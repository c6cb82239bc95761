"""What a change would do, told before the admin confirms it."""
from __future__ import annotations

from plugin.models import Group
from plugin.services import members


def customers_moving_to_default(group: Group) -> int:
    """How many of the group's members have no other static group, so deleting it moves them to the default.

    Asks the same question ``groups.delete_group`` asks (through the members service's helper),
    so the number promised on the confirmation page is the number moved.
    """
    return len(members._without_other_static_group(group, None))  # noqa: SLF001  (no public count yet)
