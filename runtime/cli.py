"""The ``talentmesh`` command line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Annotated
from uuid import UUID

import typer

from runtime.cli_distribution import employees_app
from runtime.cli_import import import_file
from runtime.cli_matching import prepare_matching, reindex, taxonomy_app
from runtime.cli_privacy import privacy_app
from runtime.cli_support import fail, open_session, settings_for_cli
from runtime.embedded import (
    DataDirInUseError,
    DataDirLock,
    start_embedded_broker,
    start_embedded_postgres,
)
from runtime.resources import BrokerUnavailableError, resolve_broker_url, resolve_database_url
from runtime.settings import InsecureSettingsError, Settings, get_settings

app = typer.Typer(
    help="TalentMesh: recruitment matching and vacancy distribution.", no_args_is_help=True
)
apikey_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)
app.add_typer(apikey_app, name="apikey")
app.add_typer(taxonomy_app, name="taxonomy")
app.add_typer(employees_app, name="employees")
app.add_typer(privacy_app, name="privacy")
app.command()(reindex)
app.command(name="import")(import_file)


def _broker_url_for_process(settings: Settings) -> str:
    """Settings checks shared by the worker and beat, and the broker they attach to."""
    try:
        settings.assert_safe_to_run()
        return resolve_broker_url(settings)
    except (InsecureSettingsError, BrokerUnavailableError) as exc:
        raise fail(str(exc)) from exc


@app.command()
def migrate() -> None:
    """Bring the database schema to the newest migration."""
    from models.db import make_engine
    from runtime.migrate import upgrade_to_head

    settings = settings_for_cli()
    engine = make_engine(resolve_database_url(settings), pool_size=1)
    try:
        upgrade_to_head(engine)
    finally:
        engine.dispose()
    typer.echo("database schema is up to date", err=True)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: TALENTMESH_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: TALENTMESH_PORT.")] = None,
    worker: Annotated[bool, typer.Option(help="Also run a Celery worker.")] = True,
) -> None:
    """Run the whole service: embedded database and broker when none is configured,
    migrations, a Celery worker and the HTTP API."""
    import uvicorn

    from api.app import create_app
    from models.db import make_engine
    from runtime.migrate import upgrade_to_head

    settings = settings_for_cli()
    try:
        settings.assert_safe_to_run()
    except InsecureSettingsError as exc:
        raise fail(str(exc)) from exc
    embedded = not (settings.database_url and settings.broker_url)
    with ExitStack() as stack:
        if embedded:
            try:
                stack.enter_context(DataDirLock(settings.resolved_data_dir))
            except DataDirInUseError as exc:
                raise fail(str(exc)) from exc
        database_url = settings.database_url
        if not database_url:
            postgres = start_embedded_postgres(settings.resolved_data_dir)
            stack.callback(postgres.release)
            database_url = postgres.url
        broker_url = settings.broker_url
        if not broker_url:
            broker = start_embedded_broker(settings.resolved_data_dir)
            stack.callback(broker.stop)
            broker_url = broker.url
        resolved = settings.model_copy(
            update={"database_url": database_url, "broker_url": broker_url}
        )
        setup = make_engine(database_url)
        upgrade_to_head(setup)
        prepare_matching(setup, resolved)
        setup.dispose()
        if worker:
            stack.enter_context(_worker_process(database_url, broker_url))
        # Requests get a statement timeout; migrations and index builds above do not.
        engine = make_engine(database_url, statement_timeout_ms=settings.statement_timeout_ms)
        stack.callback(engine.dispose)
        # uvicorn re-raises SIGINT/SIGTERM once it has shut down; turning that into an
        # exception lets the worker, the broker and the database stop cleanly after it.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, _raise_shutdown)
        try:
            uvicorn.run(
                create_app(resolved, engine=engine),
                host=host or settings.host,
                port=port or settings.port,
                log_level=settings.log_level.lower(),
            )
        except _ShutdownError:
            typer.echo("stopping", err=True)


class _ShutdownError(Exception):
    pass


def _raise_shutdown(signum: int, _frame: object) -> None:
    raise _ShutdownError(signum)


@contextmanager
def _worker_process(database_url: str, broker_url: str) -> Iterator[None]:
    env = dict(os.environ)
    env["TALENTMESH_DATABASE_URL"] = database_url
    env["TALENTMESH_BROKER_URL"] = broker_url
    # The service's own worker also runs the periodic jobs (one process, one scheduler).
    process = subprocess.Popen([sys.executable, "-m", "runtime.cli", "worker", "--beat"], env=env)
    try:
        yield
    finally:
        # SIGTERM is Celery's warm shutdown: running tasks finish, unstarted ones stay queued.
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@app.command()
def worker(
    concurrency: Annotated[
        int | None, typer.Option(help="Default: TALENTMESH_WORKER_CONCURRENCY.")
    ] = None,
    beat: Annotated[
        bool, typer.Option(help="Also run the periodic jobs (only one process may).")
    ] = False,
    queues: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated queues to take work from: celery (default), embedding, "
            "fanout, webhooks, posting. Default: all of them."
        ),
    ] = None,
) -> None:
    """Run a Celery worker against the configured broker, or the embedded broker of the
    service running on TALENTMESH_DATA_DIR."""
    from runtime.celery_app import QUEUES, make_celery

    chosen = [q.strip() for q in (queues or ",".join(QUEUES)).split(",") if q.strip()]
    unknown = sorted(set(chosen) - set(QUEUES))
    if unknown or not chosen:
        named = f"unknown queues {', '.join(unknown)}" if unknown else "no queue named"
        raise fail(f"{named}; known: {', '.join(QUEUES)}")

    settings = settings_for_cli()
    broker_url = _broker_url_for_process(settings)
    # Tasks open their own sessions from the settings: pin the database the worker found.
    os.environ["TALENTMESH_DATABASE_URL"] = resolve_database_url(settings)
    os.environ["TALENTMESH_BROKER_URL"] = broker_url
    get_settings.cache_clear()
    celery = make_celery(broker_url, visibility_timeout=settings.task_visibility_timeout)
    argv = [
        "worker",
        f"--loglevel={settings.log_level.upper()}",
        f"--concurrency={concurrency or settings.worker_concurrency}",
        "--without-gossip",
        "--without-mingle",
        f"--queues={','.join(chosen)}",
    ]
    if beat:
        schedule_file = settings.resolved_data_dir / "celerybeat-schedule"
        schedule_file.parent.mkdir(parents=True, exist_ok=True)
        argv += ["--beat", f"--schedule={schedule_file}"]
    celery.worker_main(argv)


@app.command()
def beat() -> None:
    """Run the Celery beat scheduler (periodic jobs); run exactly one per deployment."""
    from runtime.celery_app import make_celery

    settings = settings_for_cli()
    broker_url = _broker_url_for_process(settings)
    schedule_file = settings.resolved_data_dir / "celerybeat-schedule"
    schedule_file.parent.mkdir(parents=True, exist_ok=True)
    make_celery(broker_url, visibility_timeout=settings.task_visibility_timeout).start(
        ["beat", f"--loglevel={settings.log_level.upper()}", f"--schedule={schedule_file}"]
    )


@apikey_app.command("create")
def apikey_create(
    org: Annotated[str, typer.Option(help="Organisation name; created if it does not exist.")],
    scopes: Annotated[str, typer.Option(help="Comma-separated, e.g. vacancies:write,search.")],
    name: Annotated[str, typer.Option(help="A label for the key.")] = "",
) -> None:
    """Create an API key and print it (only the key, on stdout). It is shown only once."""
    from api.auth.service import create_api_key

    settings = settings_for_cli()
    try:
        with open_session(settings) as session:
            api_key, plaintext = create_api_key(
                session, organisation_name=org, scopes=scopes, name=name
            )
    except ValueError as exc:
        raise fail(str(exc)) from exc
    typer.echo(f"created key {api_key.id} for {org!r} with scopes {scopes}", err=True)
    typer.echo(plaintext)


@apikey_app.command("list")
def apikey_list(org: Annotated[str, typer.Option(help="Organisation name.")]) -> None:
    """List an organisation's keys (id, prefix, scopes, state, last use to the minute);
    never the keys themselves."""
    from api.auth import repository

    settings = settings_for_cli()
    with open_session(settings) as session:
        organisation = repository.get_organisation_by_name(session, org)
        if organisation is None:
            raise fail(f"no organisation named {org!r}")
        for key in repository.list_keys(session, organisation.id):
            state = "revoked" if key.revoked_at else "active"
            used = key.last_used_at.isoformat(timespec="minutes") if key.last_used_at else "never"
            scopes = ",".join(key.scopes)
            typer.echo(f"{key.id}\ttm_{key.prefix}_...\t{scopes}\t{state}\tlast used {used}")


@apikey_app.command("revoke")
def apikey_revoke(key_id: Annotated[UUID, typer.Argument(help="The key's id.")]) -> None:
    """Revoke a key; requests with it answer 401 from then on."""
    from api.auth.service import revoke_api_key
    from runtime.errors import NotFoundError

    settings = settings_for_cli()
    try:
        with open_session(settings) as session:
            revoke_api_key(session, key_id)
    except NotFoundError as exc:
        raise fail(exc.detail) from exc
    typer.echo(f"revoked {key_id}", err=True)


if __name__ == "__main__":
    app()
