"""Background jobs: in process without Redis; on a real Redis, queued and run by rq's SimpleWorker."""
from __future__ import annotations

import json
import os
import signal
import uuid

import pytest
from sqlalchemy import select

from plugin import jobs
from plugin.db import session
from plugin.errors import Conflict, Unavailable
from plugin.exports import background, export_file, export_status, start_export
from plugin.models import Group, Shop

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def rename_shop(shop_id: int, name: str) -> str:
    """A job: changes something the test can see, and returns a value."""
    session().get(Shop, shop_id).name = name
    return name


def rename_then_fail(shop_id: int) -> None:
    session().get(Shop, shop_id).name = "half done"
    session().flush()
    raise RuntimeError("boom")


def job_app():
    """The host app a worker builds in these tests: the demo shop on the test's database."""
    from examples.demo_shop import create_app

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": os.environ["CG_JOBS_TEST_DATABASE_URL"], "TESTING": True,
        "CUSTOMER_GROUPS_REDIS_URL": REDIS_URL,
    })
    app.instance_path = os.environ["CG_JOBS_TEST_INSTANCE_PATH"]
    return app


def shop_name(shop_id: int) -> str:
    session().expire_all()
    return session().get(Shop, shop_id).name


# in process --------------------------------------------------------------------------------

def test_without_redis_a_job_runs_at_once_in_its_own_transaction(app, shop):
    assert app.config["CUSTOMER_GROUPS_REDIS_URL"] == ""
    job_id = jobs.enqueue(rename_shop, shop.shop.id, "Renamed")
    assert len(job_id) == 32
    session().rollback()  # the job committed on its own; the caller's transaction has nothing of it
    assert shop_name(shop.shop.id) == "Renamed"


def test_a_failing_job_is_rolled_back_and_never_reaches_the_caller(app, shop, caplog):
    jobs.enqueue(rename_then_fail, shop.shop.id)
    assert shop_name(shop.shop.id) == "Shop A"
    assert "boom" in caplog.text


def test_a_job_must_be_importable_by_name(app):
    def local():
        return None

    with pytest.raises(ValueError, match="module-level"):
        jobs.enqueue(local)
    with pytest.raises(ValueError, match="module-level"):
        jobs.enqueue(lambda: None)


def test_the_refresh_job_refreshes_one_shop(app, shop):
    changes = jobs.refresh_job(shop.shop.id, "2025-01-01T00:00:00+00:00")
    assert [key for key, _, _ in changes] == sorted(
        session().scalars(select(Group.key).where(Group.shop_id == shop.shop.id, Group.kind == "dynamic")))
    assert jobs.refresh_job(shop.shop.id, "2025-01-01T00:00") == changes  # local time, nothing new
    assert jobs.refresh_job(10_000) == []


# on Redis ----------------------------------------------------------------------------------

@pytest.fixture
def redis_connection():
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    connection = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except RedisDown:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but Redis at {REDIS_URL} is not reachable")
        pytest.skip(f"Redis at {REDIS_URL} is not reachable")
    yield connection
    connection.close()


@pytest.fixture
def on_redis(app, database_url, redis_connection, monkeypatch, tmp_path):
    """Jobs go to a queue of this test's own on the real Redis; the worker builds ``job_app``."""
    from rq import Queue

    name = f"customer-groups-test-{uuid.uuid4().hex[:12]}"
    monkeypatch.setattr(jobs, "QUEUE_NAME", name)
    monkeypatch.setenv("CG_JOBS_TEST_DATABASE_URL", database_url)
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setenv("CG_JOBS_TEST_INSTANCE_PATH", str(tmp_path))
    app.config.update(CUSTOMER_GROUPS_REDIS_URL=REDIS_URL, CUSTOMER_GROUPS_APP_FACTORY=f"{__name__}:job_app")
    jobs.host_app.cache_clear()
    queue = Queue(name, connection=redis_connection)
    yield queue
    for job_id in queue.scheduled_job_registry.get_job_ids():
        queue.scheduled_job_registry.remove(job_id, delete_job=True)
    queue.delete(delete_jobs=True)
    if jobs.host_app.cache_info().currsize:  # the app the worker built: close its connections
        worker_app = jobs.host_app(f"{__name__}:job_app")
        with worker_app.app_context():  # the engine is looked up through the current app
            worker_app.extensions["sqlalchemy"].engine.dispose()
    jobs.host_app.cache_clear()


def work(queue, redis_connection) -> None:
    from rq import SimpleWorker

    SimpleWorker([queue], connection=redis_connection).work(burst=True)


def test_with_redis_a_job_waits_for_a_worker_which_runs_it_in_an_app_context(app, shop, on_redis, redis_connection, tmp_path):
    # given
    job_id = jobs.enqueue(rename_shop, shop.shop.id, "Renamed by rq")
    job = on_redis.fetch_job(job_id)
    assert job.get_status() == "queued" and job.args[1] == f"{__name__}:rename_shop"
    assert shop_name(shop.shop.id) == "Shop A"
    # when
    session().commit()
    work(on_redis, redis_connection)
    # then
    assert on_redis.fetch_job(job_id).get_status() == "finished"
    assert on_redis.fetch_job(job_id).return_value() == "Renamed by rq"
    assert shop_name(shop.shop.id) == "Renamed by rq"


def test_with_redis_an_export_is_queued_then_finished_by_the_worker(app, shop, on_redis, redis_connection, make_customer):
    make_customer(shop.shop, "c-1")
    export_id = start_export(shop.shop, "standard", "csv")
    assert export_status(shop.shop, export_id).state == "queued"
    session().commit()
    work(on_redis, redis_connection)
    status = export_status(shop.shop, export_id)
    assert (status.state, status.rows) == ("finished", 1)
    assert export_file(shop.shop, export_id).read_text().splitlines()[1].startswith("c-1,")


def saved_state(shop_id: int, export_id: str) -> str:
    """What the status file itself says, before ``export_status`` asks rq."""
    return json.loads((background.exports_directory(shop_id) / f"{export_id}.json").read_text())["state"]


def test_an_export_whose_worker_is_killed_mid_way_is_failed_not_preparing_for_ever(
        app, shop, on_redis, redis_connection, monkeypatch):
    from rq import Worker

    # given: the job's work horse dies from SIGKILL while writing (out of memory, killed by hand)
    def killed(*_args):
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(background, "export_customers", killed)  # the forked horse inherits it
    export_id = start_export(shop.shop, "standard", "csv")
    session().commit()
    # when: rq's forking worker runs it
    Worker([on_redis], connection=redis_connection).work(burst=True)
    # then: the status file still says running (no Python ran to update it), but rq says failed
    assert saved_state(shop.shop.id, export_id) == "running"
    status = export_status(shop.shop, export_id)
    assert (status.state, status.error) == ("failed", background.STOPPED)
    assert not status.ready


@pytest.mark.parametrize("end", [
    pytest.param(lambda job: job.cancel(), id="canceled"),
    pytest.param(lambda job: job.delete(), id="lost from Redis"),
])
def test_an_export_whose_job_rq_ended_or_lost_is_failed(app, shop, on_redis, end):
    export_id = start_export(shop.shop, "standard", "csv")
    assert export_status(shop.shop, export_id).state == "queued"
    # when
    end(on_redis.fetch_job(export_status(shop.shop, export_id).job_id))
    # then
    status = export_status(shop.shop, export_id)
    assert (status.state, status.error) == ("failed", background.STOPPED)
    with pytest.raises(Conflict):
        export_file(shop.shop, export_id)


def test_an_export_waiting_for_a_worker_stays_queued_even_while_redis_is_away(app, shop, on_redis):
    export_id = start_export(shop.shop, "standard", "csv")
    job_id = export_status(shop.shop, export_id).job_id
    assert on_redis.job_ids == [job_id]
    app.config["CUSTOMER_GROUPS_REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    assert export_status(shop.shop, export_id).state == "queued"  # not known to have failed


def test_an_export_redis_refuses_leaves_nothing_behind(app, shop, on_redis, monkeypatch):
    from redis.exceptions import ConnectionError as RedisDown

    def refused(*_args, **_kwargs):
        raise RedisDown("Connection refused")

    monkeypatch.setattr(jobs.Queue, "enqueue", refused)
    with pytest.raises(Unavailable) as refusal:  # a 503 saying to try again, not Redis's 500
        start_export(shop.shop, "standard", "csv")
    assert refusal.value.code == 503 and isinstance(refusal.value.__cause__, RedisDown)
    assert list(background.exports_directory(shop.shop.id).iterdir()) == []


def test_the_scheduled_refresh_queues_every_shop_and_comes_back_later(app, make_shop, on_redis, redis_connection):
    first, second = make_shop("A").shop, make_shop("B").shop
    # when
    job_id, cancelled = jobs.schedule_refresh(3600)
    # then: the chain is queued once; a second one is refused
    assert cancelled == [] and on_redis.job_ids == [job_id]
    with pytest.raises(Conflict, match="queued already"):
        jobs.schedule_refresh(3600)
    # when: the worker runs it
    session().commit()
    work(on_redis, redis_connection)
    # then: each shop's refresh ran, and the chain waits in the scheduled registry for its next turn
    finished = [on_redis.fetch_job(i) for i in on_redis.finished_job_registry.get_job_ids()]
    refreshed = sorted(job.args[2] for job in finished if job.args[1] == "plugin.jobs:refresh_job")
    assert refreshed == sorted([first.id, second.id])
    scheduled = on_redis.scheduled_job_registry.get_job_ids()
    assert len(scheduled) == 1 and on_redis.fetch_job(scheduled[0]).args[1:] == ("plugin.jobs:scheduled_refresh", 3600)
    # and --replace starts over
    new_id, cancelled = jobs.schedule_refresh(60, replace=True)
    assert cancelled == scheduled and on_redis.scheduled_job_registry.get_job_ids() == []
    assert on_redis.job_ids == [new_id]


def test_schedule_refresh_command_with_redis(app, shop, on_redis):
    result = app.test_cli_runner().invoke(args=["customer-groups", "schedule-refresh", "--every", "600"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("scheduled: every 600s on queue")
    again = app.test_cli_runner().invoke(args=["customer-groups", "schedule-refresh", "--every", "600"])
    assert again.exit_code == 2 and "--replace" in again.stderr


def test_a_failed_turn_of_the_scheduled_refresh_still_comes_back(app, shop, on_redis, redis_connection, monkeypatch):
    # given: the chain is queued, and queuing a shop's refresh fails on its turn (Redis or the database away)
    jobs.schedule_refresh(3600)
    session().commit()

    def away(*args):
        raise RuntimeError("away for a moment")

    monkeypatch.setattr(jobs, "enqueue", away)
    # when
    work(on_redis, redis_connection)
    # then: that turn failed, and the next one is scheduled all the same
    assert len(on_redis.failed_job_registry.get_job_ids()) == 1
    scheduled = on_redis.scheduled_job_registry.get_job_ids()
    assert [on_redis.fetch_job(job_id).args[1:] for job_id in scheduled] == [("plugin.jobs:scheduled_refresh", 3600)]


@pytest.mark.parametrize("factory", ["no_such_host.app:create_app", "examples.demo_shop:no_such_factory", ""])
def test_a_factory_this_code_cannot_import_is_refused_before_anything_is_queued(app, shop, on_redis, factory):
    app.config["CUSTOMER_GROUPS_APP_FACTORY"] = factory
    with pytest.raises(jobs.FactoryMissing, match="CUSTOMER_GROUPS_APP_FACTORY"):
        jobs.enqueue(rename_shop, shop.shop.id, "never")
    with pytest.raises(jobs.FactoryMissing):
        start_export(shop.shop, "standard", "csv")
    assert list(background.exports_directory(shop.shop.id).glob("*")) == []  # no export left queued
    result = app.test_cli_runner().invoke(args=["customer-groups", "schedule-refresh", "--every", "600"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: CUSTOMER_GROUPS_APP_FACTORY {factory!r} names no app")
    assert len(result.stderr.splitlines()) == 1
    assert on_redis.job_ids == [] and on_redis.scheduled_job_registry.get_job_ids() == []


def test_schedule_refresh_command_with_redis_away_says_so_in_one_line(app, monkeypatch):
    monkeypatch.setitem(app.config, "CUSTOMER_GROUPS_REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    result = app.test_cli_runner().invoke(args=["customer-groups", "schedule-refresh", "--every", "600"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot reach Redis: ") and len(result.stderr.splitlines()) == 1


def test_the_plugins_redis_connections_give_up_on_a_host_that_does_not_answer(app, monkeypatch):
    """A Redis host that drops packets (rather than refusing) must not hold an admin's page for
    the system's TCP timeout: every connection the plugin opens has a connect timeout."""
    monkeypatch.setitem(app.config, "CUSTOMER_GROUPS_REDIS_URL", "redis://192.0.2.1:6379/0")  # TEST-NET-1
    with app.app_context():
        for connection in (jobs.queue().connection, jobs.redis_connection()):
            assert connection.connection_pool.connection_kwargs["socket_connect_timeout"] == jobs.REDIS_CONNECT_TIMEOUT
