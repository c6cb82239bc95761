"""Exports that run as background jobs: start one, poll its status, download the finished file.

Each export lives under the app's instance path, ``exports/<shop id>/``: ``<id>.json`` (its
status) and, once finished, ``<id>.csv`` or ``<id>.xlsx``. With rq, the worker and the web app
must share that directory (same host, or a shared volume). Starting an export deletes the
shop's exports older than ``CUSTOMER_GROUPS_EXPORT_KEEP_DAYS``, so the directory never grows
without bound.

The job keeps the status up to date, but a job killed mid-way (SIGKILL, out of memory, past its
rq timeout) or lost from Redis never writes again: ``export_status`` then asks rq about the job
whose id the status keeps, and reports such an export failed rather than queued or running for ever.
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
from ..jobs import ended_unfinished, enqueue
from ..models import Shop
from ..models._columns import utcnow
from ..segments.clock import ShopClock
from .files import export_customers
from .rows import Source, resolve
from .writers import FORMATS

_EXPORT_ID = re.compile(r"^[0-9a-f]{32}$")
#: Why an export failed when its job ended without saying so (killed, timed out, lost from Redis).
STOPPED = "The export stopped before it finished; start it again."


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
    #: The background job writing it: what rq is asked about an export that is not done yet.
    job_id: str | None = None

    @property
    def ready(self) -> bool:
        return self.state == "finished"

    @property
    def created(self) -> datetime:
        return datetime.fromisoformat(self.created_at)


def start_export(shop: Shop, source: Source, fmt: str) -> str:
    """Queue an export of a group (its key), a SPEC §3 condition or a ``Listed``; returns its id.

    A bad format, an unknown group or a bad condition is refused here, before anything is queued;
    an export that cannot be queued (Redis away, a factory the worker could not import) leaves
    nothing behind. Without Redis the export runs at once and is finished when this returns.
    """
    if fmt not in FORMATS:
        raise ValidationFailed.on("format", f"must be one of {', '.join(FORMATS)}")
    resolve(shop, source)
    export_id, job_id = uuid.uuid4().hex, uuid.uuid4().hex
    group = source if isinstance(source, str) else None
    now = utcnow()
    _forget_exports_before(shop.id, now - timedelta(days=current_app.config["CUSTOMER_GROUPS_EXPORT_KEEP_DAYS"]))
    _save(ExportStatus(
        id=export_id, shop_id=shop.id, format=fmt, state="queued", group=group,
        filename=f"{group or 'customers'}-{ShopClock.at(now, shop.timezone).today.isoformat()}.{fmt}",
        created_at=now.isoformat(), job_id=job_id,
    ))
    try:
        enqueue(build_export, shop.id, export_id, source, fmt, job_id=job_id)
    except Exception:
        _delete(shop.id, export_id)
        raise
    return export_id


def export_status(shop: Shop, export_id: str) -> ExportStatus:
    """The export's status; another shop's export, like an unknown one, is a 404. One not done
    whose rq job ended without finishing, or is gone, is failed."""
    path = _status_path(shop.id, export_id)
    if not path.is_file():
        raise NotFound(f"No export {export_id!r}.")
    status = _read(path)
    if status.state in ("queued", "running") and _job_ended(status):
        return _with(status, state="failed", error=STOPPED)
    return status


def _job_ended(status: ExportStatus) -> bool:
    if not (status.job_id and current_app.config["CUSTOMER_GROUPS_REDIS_URL"]):
        return False  # in process the job ran before ``start_export`` returned: its status is all there is
    return ended_unfinished(status.job_id)


def export_file(shop: Shop, export_id: str) -> Path:
    """The finished file, for ``send_file(path, download_name=status.filename)``."""
    status = export_status(shop, export_id)
    if not status.ready:
        raise Conflict(f"Export {export_id} is {status.state}, not finished.")
    return _file_path(shop.id, export_id, status.format)


def build_export(shop_id: int, export_id: str, source: Source, fmt: str) -> int:
    """The job: write the file beside its status, then mark it finished (or failed, with why)."""
    status = _read(_status_path(shop_id, export_id))
    _save(_with(status, state="running"))
    target = _file_path(shop_id, export_id, fmt)
    partial = target.with_suffix(".part")
    try:
        shop = session().get(Shop, shop_id)
        if shop is None:
            raise NotFound(f"No shop {shop_id}.")
        rows = export_customers(shop, source, fmt, partial)
        os.replace(partial, target)
    except BaseException as error:  # in process, a request cut short (SystemExit) stops it too
        partial.unlink(missing_ok=True)
        _save(_with(status, state="failed", error=_failure(error), finished_at=utcnow().isoformat()))
        raise
    _save(_with(status, state="finished", rows=rows, finished_at=utcnow().isoformat()))
    return rows


def _failure(error: BaseException) -> str:
    if not isinstance(error, Exception):
        return STOPPED
    return getattr(error, "description", None) or str(error) or type(error).__name__


def _forget_exports_before(shop_id: int, cutoff: datetime) -> None:
    """Delete the shop's exports created before ``cutoff``."""
    for status_path in exports_directory(shop_id).glob("*.json"):
        status = _read(status_path)
        if status.created < cutoff:
            _delete(shop_id, status.id)


def _delete(shop_id: int, export_id: str) -> None:
    """An export's status, file and any leftover part."""
    for path in exports_directory(shop_id).glob(f"{export_id}.*"):
        path.unlink(missing_ok=True)


def exports_directory(shop_id: int) -> Path:
    return Path(current_app.instance_path) / "exports" / str(shop_id)


def _status_path(shop_id: int, export_id: str) -> Path:
    if not _EXPORT_ID.match(export_id or ""):
        raise NotFound(f"No export {export_id!r}.")
    return exports_directory(shop_id) / f"{export_id}.json"


def _file_path(shop_id: int, export_id: str, fmt: str) -> Path:
    return exports_directory(shop_id) / f"{export_id}.{fmt}"


def _read(path: Path) -> ExportStatus:
    return ExportStatus(**json.loads(path.read_text()))


def _with(status: ExportStatus, **changes: Any) -> ExportStatus:
    return ExportStatus(**{**asdict(status), **changes})


def _save(status: ExportStatus) -> None:
    """Written whole then renamed, so a poll never reads half a status."""
    path = _status_path(status.shop_id, status.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.part")
    partial.write_text(json.dumps(asdict(status)))
    os.replace(partial, path)
