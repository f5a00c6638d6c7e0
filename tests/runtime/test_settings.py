"""Settings come from TALENTMESH_* variables and refuse an unsafe production start."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.settings import (
    DEFAULT_SECRET_KEY,
    Environment,
    InsecureSettingsError,
    Settings,
)


def test_reads_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TALENTMESH_PORT", "9001")
    monkeypatch.setenv("TALENTMESH_HOST", "192.0.2.10")
    monkeypatch.setenv("TALENTMESH_DATA_DIR", "/srv/talentmesh")
    monkeypatch.setenv("TALENTMESH_DATABASE_URL", "postgresql+psycopg://db/tm")
    monkeypatch.setenv("TALENTMESH_BROKER_URL", "redis://broker:6379/0")
    monkeypatch.setenv("TALENTMESH_EMBEDDING_MODEL", "/models/e5")
    monkeypatch.setenv("TALENTMESH_LOG_LEVEL", "DEBUG")
    settings = Settings()
    assert settings.port == 9001
    assert settings.host == "192.0.2.10"
    assert settings.data_dir == Path("/srv/talentmesh")
    assert settings.database_url == "postgresql+psycopg://db/tm"
    assert settings.broker_url == "redis://broker:6379/0"
    assert settings.embedding_model == "/models/e5"
    assert settings.log_level == "DEBUG"


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PORT", "HOST", "DATA_DIR", "DATABASE_URL", "BROKER_URL", "ENV"):
        monkeypatch.delenv(f"TALENTMESH_{name}", raising=False)
    settings = Settings()
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.database_url is None
    assert settings.broker_url is None
    assert settings.data_dir == Path("./var")
    assert settings.embedding_model == "multilingual-e5-small-q4"
    assert settings.env is Environment.DEVELOPMENT


def test_development_may_use_the_default_secret() -> None:
    Settings(env="development").assert_safe_to_run()


@pytest.mark.parametrize("env", ["production", "test"])
def test_default_secret_is_refused_outside_development(env: str) -> None:
    with pytest.raises(InsecureSettingsError, match="TALENTMESH_SECRET_KEY"):
        Settings(env=env, secret_key=DEFAULT_SECRET_KEY).assert_safe_to_run()


def test_short_secret_is_refused() -> None:
    with pytest.raises(InsecureSettingsError, match="32 characters"):
        Settings(env="production", secret_key="short").assert_safe_to_run()
    Settings(env="production", secret_key="x" * 32).assert_safe_to_run()


def test_invalid_values_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TALENTMESH_PORT", "not-a-port")
    with pytest.raises(ValueError, match="port"):
        Settings()
