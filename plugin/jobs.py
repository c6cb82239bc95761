"""Background jobs: on rq when ``CUSTOMER_GROUPS_REDIS_URL`` is set, else at once, in process.

A job is a module-level function and plain arguments (ids, strings, dicts). rq workers run
outside any request, so every job is wrapped in ``run_job``, which builds the host app from
``CUSTOMER_GROUPS_APP_FACTORY`` (``module:callable``; once per process that runs jobs: rq's
default worker forks one for each job), opens an app context, runs the function, and commits
(or rolls back when it raises). A factory this process cannot import is refused when a job is
queued, since a worker running the same code could run none of them. In process, the same
happens in a fresh app context of the current app, so a job never shares the caller's session.

Production runs ``rq worker --with-scheduler customer-groups`` next to the web app (same code,
same environment), and ``flask customer-groups schedule-refresh --every 3600`` once.
"""
from __future__ import annotations

import importlib
import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import select

from .db import session
from .errors import Conflict, Unavailable
from .models import Shop
from .models._columns import utcnow

#: The rq queue the plugin's jobs go to (the worker listens on it).
QUEUE_NAME = "customer-groups"
#: Seconds to wait for Redis to accept a connection.
REDIS_CONNECT_TIMEOUT = 5
#: What rq says of a job that ended without finishing; nothing will run it again.
ENDED_UNFINISHED = frozenset({JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED})

log = logging.getLogger(__name__)


class FactoryMissing(RuntimeError):
    """``CUSTOMER_GROUPS_APP_FACTORY`` names no app this code can import (a host that kept the
    demo's default): every job queued would fail in the worker, and an export wait forever."""


def enqueue(function: Callable[..., Any], *args: Any, job_id: str | None = None) -> str:
    """Run ``function(*args)`` in the background; returns the job id (``job_id`` when given, so a
    caller can record it before the job starts).

    Without a Redis URL the job runs now, in process, before this returns; either way the
    caller never sees the job's exception (it is logged, and rq keeps failed jobs). A Redis that
    does not answer is an ``Unavailable`` (503).
    """
    path = function_path(function)
    url = current_app.config["CUSTOMER_GROUPS_REDIS_URL"]
    job_id = job_id or uuid.uuid4().hex
    if not url:
        try:
            _run_in_context(current_app._get_current_object(), path, args)
        except Exception:
            log.exception("customer-groups job %s (%s) failed", job_id, path)
        return job_id
    factory = app_factory()
    try:
        job = queue().enqueue(
            run_job, factory, path, *args,
            job_timeout=current_app.config["CUSTOMER_GROUPS_JOB_TIMEOUT"], description=f"customer-groups {path}",
            job_id=job_id,
        )
    except RedisError as error:  # an admin's export of a long list: a 503 in words, not a 500
        log.warning("customer-groups: cannot queue %s on Redis (%s)", path, error)
        raise Unavailable("Background jobs cannot be queued now (Redis does not answer); try again in a moment.") from error
    return job.id


def ended_unfinished(job_id: str) -> bool:
    """Whether rq says the job ended without finishing (failed, stopped, canceled) or holds it no
    more (expired, deleted, Redis emptied): a job killed mid-way (SIGKILL, out of memory, past its
    timeout) never reaches its own error handling, so only rq knows. False while Redis is away:
    nothing is known then."""
    try:
        with redis_connection() as connection:
            status = Job.fetch(job_id, connection=connection).get_status(refresh=False)
    except NoSuchJobError:
        return True
    except RedisError as error:
        log.warning("customer-groups: cannot ask Redis about job %s (%s)", job_id, error)
        return False
    return status in ENDED_UNFINISHED


def queue() -> Queue:
    """The rq queue on the configured Redis; inside a job, the queue that job came from."""
    job = get_current_job()
    name = job.origin if job is not None else QUEUE_NAME
    return Queue(name, connection=redis_connection())


def redis_connection() -> Redis:
    """The configured Redis, given up on after ``REDIS_CONNECT_TIMEOUT`` seconds: a host that
    stops answering (rather than refusing) would otherwise hold an admin's page for the
    system's TCP timeout, minutes."""
    return Redis.from_url(current_app.config["CUSTOMER_GROUPS_REDIS_URL"], socket_connect_timeout=REDIS_CONNECT_TIMEOUT)


def run_job(factory: str, path: str, *args: Any) -> Any:
    """What an rq worker runs: the job in an app context of the host app."""
    return _run_in_context(host_app(factory), path, args)


@lru_cache(maxsize=4)
def host_app(factory: str) -> Flask:
    """The app built by ``module:callable`` (or ``module:app`` naming an app), once per process."""
    target = _resolve(factory)
    app = target if isinstance(target, Flask) else target()
    app.config["CUSTOMER_GROUPS_APP_FACTORY"] = factory  # jobs this app queues are built the same way
    return app


def app_factory() -> str:
    """The configured ``module:callable`` the worker builds the app with, once this process imports it."""
    factory = current_app.config["CUSTOMER_GROUPS_APP_FACTORY"]
    try:
        _resolve(factory)
    except (ImportError, AttributeError, ValueError) as error:
        raise FactoryMissing(
            f"CUSTOMER_GROUPS_APP_FACTORY {factory!r} names no app this code can import ({error}); "
            "set it to the host's app factory, module:callable"
        ) from None
    return factory


def function_path(function: Callable[..., Any]) -> str:
    path = f"{function.__module__}:{function.__qualname__}"
    if "<" in path or _resolve(path) is not function:
        raise ValueError(f"{path} is not a module-level function; a job must be importable by name")
    return path


def _run_in_context(app: Flask, path: str, args: tuple) -> Any:
    with app.app_context():
        try:
            result = _resolve(path)(*args)
            session().commit()
            return result
        except BaseException:
            session().rollback()
            raise


def _resolve(path: str) -> Any:
    module, _, name = path.partition(":")
    target: Any = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


# The jobs the plugin runs ------------------------------------------------------------------

def refresh_job(shop_id: int, now: str | None = None) -> list[tuple[str, int, int]]:
    """A full refresh of one shop (RFM, then every dynamic group) as of ``now`` (ISO 8601; without
    an offset, the shop's local time) or as of the moment it runs."""
    from .segments.refresh import refresh_shop

    shop = session().get(Shop, shop_id)
    if shop is None:  # deleted since the job was queued
        return []
    at = datetime.fromisoformat(now) if now else utcnow()
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(shop.timezone))
    changes = refresh_shop(shop, at)
    return [(change.key, change.added, change.removed) for change in changes]


def scheduled_refresh(every: int) -> list[str]:
    """Come back in ``every`` seconds (rq ``enqueue_in``; the worker must run ``--with-scheduler``),
    then queue a refresh of every shop. The next turn is queued first, so a turn that fails (the
    database away for a moment) does not end the chain. Returns the refresh jobs' ids."""
    if current_app.config["CUSTOMER_GROUPS_REDIS_URL"]:
        queue().enqueue_in(
            timedelta(seconds=every), run_job, app_factory(), function_path(scheduled_refresh), every,
            job_timeout=current_app.config["CUSTOMER_GROUPS_JOB_TIMEOUT"],
            description=f"customer-groups refresh every {every}s",
        )
    return [enqueue(refresh_job, shop_id) for shop_id in session().scalars(select(Shop.id).order_by(Shop.id))]


def schedule_refresh(every: int, *, replace: bool = False) -> tuple[str, list[str]]:
    """Start the refresh-every-``every``-seconds chain on rq; returns its first job's id and the
    ids of the chain's jobs it cancelled (``replace``). Refuses a second chain."""
    factory, target = app_factory(), queue()
    existing = scheduled_refresh_jobs(target)
    if existing and not replace:
        raise Conflict(
            f"a scheduled refresh is queued already (job {existing[0].id}); pass --replace to start over"
        )
    for job in existing:
        job.cancel()
        job.delete()
    job = target.enqueue(
        run_job, factory, function_path(scheduled_refresh), every,
        job_timeout=current_app.config["CUSTOMER_GROUPS_JOB_TIMEOUT"],
        description=f"customer-groups refresh every {every}s",
    )
    return job.id, [job.id for job in existing]


def scheduled_refresh_jobs(target: Queue) -> list:
    """The chain's jobs waiting on ``target``: queued now, or scheduled for later."""
    wanted = function_path(scheduled_refresh)
    ids = list(target.get_job_ids()) + list(target.scheduled_job_registry.get_job_ids())
    jobs = [target.fetch_job(job_id) for job_id in ids]
    runner = f"{run_job.__module__}.{run_job.__qualname__}"  # how rq names the function it runs
    return [job for job in jobs
            if job is not None and job.func_name == runner and len(job.args) > 1 and job.args[1] == wanted]
