"""Signals a host can subscribe to, in the plugin's own blinker namespace."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent with ``shop_id`` and ``customer`` when a customer is stored for the first time.
customer_registered = _signals.signal("customer-registered")
#: Sent with ``shop_id``, ``group_key``, ``added`` and ``removed`` (lists of customer ids).
membership_changed = _signals.signal("membership-changed")
#: Sent with ``shop_id`` and ``priced`` after each checkout evaluation.
prices_evaluated = _signals.signal("prices-evaluated")
