"""Exports that run as background jobs: start one, poll its status, download the finished file.

Each export lives under the app's instance path, ``exports/<shop id>/``: ``<id>.json`` (its
status) and, once finished, ``<id>.csv`` or ``<id>.xlsx``. With rq, the worker and the web app
must share that directory (same host, or a shared volume). Starting an export deletes the
shop's exports older than ``CUSTOMER_GROUPS_EXPORT_KEEP_DAYS``, so the directory never grows
without bound.
"""
from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app

from ..db import session
from ..errors import Conflict, NotFound, ValidationFailed
from ..jobs import enqueue
from ..models import Shop
from ..models._columns import utcnow
from ..segments.clock import ShopClock
from .files import export_customers
from .rows import Source, resolve
from .writers import FORMATS

_EXPORT_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class ExportStatus:
    id: str
    shop_id: int
    format: str
    #: ``queued``, ``running``, ``finished`` or ``failed``.
    state: str
    #: The group key, or ``None`` for a condition or a ``Listed``.
    group: str | None
    #: A file name to offer the browser, e.g. ``vip-2026-11-23.xlsx`` (the shop's day).
    filename: str
    created_at: str
    rows: int | None = None
    error: str | None = None
    finished_at: str | None = None

    @property
    def ready(self) -> bool:
        return self.state == "finished"


def start_export(shop: Shop, source: Source, fmt: str) -> str:
    """Queue an export of a group (its key), a SPEC §3 condition or a ``Listed``; returns its id.

    A bad format, an unknown group or a bad condition is refused here, before anything is queued.
    Without Redis the export runs at once and is finished when this returns.
    """
    if fmt not in FORMATS:
        raise ValidationFailed.on("format", f"must be one of {', '.join(FORMATS)}")
    resolve(shop, source)
    export_id = uuid.uuid4().hex
    group = source if isinstance(source, str) else None
    now = utcnow()
    _forget_exports_before(shop.id, now - timedelta(days=current_app.config["CUSTOMER_GROUPS_EXPORT_KEEP_DAYS"]))
    _save(ExportStatus(
        id=export_id, shop_id=shop.id, format=fmt, state="queued", group=group,
        filename=f"{group or 'customers'}-{ShopClock.at(now, shop.timezone).today.isoformat()}.{fmt}",
        created_at=now.isoformat(),
    ))
    enqueue(build_export, shop.id, export_id, source, fmt)
    return export_id


def export_status(shop: Shop, export_id: str) -> ExportStatus:
    """The export's status; another shop's export, like an unknown one, is a 404."""
    path = _status_path(shop.id, export_id)
    if not path.is_file():
        raise NotFound(f"No export {export_id!r}.")
    return ExportStatus(**json.loads(path.read_text()))


def export_file(shop: Shop, export_id: str) -> Path:
    """The finished file, for ``send_file(path, download_name=status.filename)``."""
    status = export_status(shop, export_id)
    if not status.ready:
        raise Conflict(f"Export {export_id} is {status.state}, not finished.")
    return _file_path(shop.id, export_id, status.format)


def build_export(shop_id: int, export_id: str, source: Source, fmt: str) -> int:
    """The job: write the file beside its status, then mark it finished (or failed, with why)."""
    status = ExportStatus(**json.loads(_status_path(shop_id, export_id).read_text()))
    _save(_with(status, state="running"))
    target = _file_path(shop_id, export_id, fmt)
    partial = target.with_suffix(".part")
    try:
        shop = session().get(Shop, shop_id)
        if shop is None:
            raise NotFound(f"No shop {shop_id}.")
        rows = export_customers(shop, source, fmt, partial)
        os.replace(partial, target)
    except Exception as error:
        partial.unlink(missing_ok=True)
        message = getattr(error, "description", None) or str(error) or type(error).__name__
        _save(_with(status, state="failed", error=message, finished_at=utcnow().isoformat()))
        raise
    _save(_with(status, state="finished", rows=rows, finished_at=utcnow().isoformat()))
    return rows


def _forget_exports_before(shop_id: int, cutoff: datetime) -> None:
    """Delete the shop's exports created before ``cutoff``: their status, file and any leftover part."""
    for status_path in exports_directory(shop_id).glob("*.json"):
        status = ExportStatus(**json.loads(status_path.read_text()))
        if datetime.fromisoformat(status.created_at) < cutoff:
            for path in status_path.parent.glob(f"{status.id}.*"):
                path.unlink(missing_ok=True)


def exports_directory(shop_id: int) -> Path:
    return Path(current_app.instance_path) / "exports" / str(shop_id)


def _status_path(shop_id: int, export_id: str) -> Path:
    if not _EXPORT_ID.match(export_id or ""):
        raise NotFound(f"No export {export_id!r}.")
    return exports_directory(shop_id) / f"{export_id}.json"


def _file_path(shop_id: int, export_id: str, fmt: str) -> Path:
    return exports_directory(shop_id) / f"{export_id}.{fmt}"


def _with(status: ExportStatus, **changes: Any) -> ExportStatus:
    return ExportStatus(**{**asdict(status), **changes})


def _save(status: ExportStatus) -> None:
    """Written whole then renamed, so a poll never reads half a status."""
    path = _status_path(status.shop_id, status.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.part")
    partial.write_text(json.dumps(asdict(status)))
    os.replace(partial, path)
