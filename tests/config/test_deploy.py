"""Production settings: `check --deploy` is clean with the required environment, and the process
refuses to start when a key is missing."""

import os
import runpy
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.keys import KEYS

REQUIRED = [*KEYS, "DJANGO_ALLOWED_HOSTS"]


def production_env(**overrides) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in REQUIRED and not key.startswith(("DJANGO_", "PYTEST_", "SQLITE_"))
    }
    env.update({name: make() for name, make in KEYS.items()})
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        DJANGO_ALLOWED_HOSTS="mzj.example.gov.cn",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://mzj.example.gov.cn",
    )
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_with_the_required_environment():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output


def test_production_refuses_to_start_without_a_key():
    result = manage("check", env=production_env(BID_MASTER_KEY=None))
    assert result.returncode != 0
    assert "BID_MASTER_KEY must be set in the environment for production" in result.stderr


@pytest.mark.parametrize("name", REQUIRED)
def test_production_settings_require(name, monkeypatch):
    for key, value in production_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv(name)
    with pytest.raises(ImproperlyConfigured, match=name):
        runpy.run_module("config.settings.prod")


def test_production_settings_refuse_a_placeholder_key(monkeypatch):
    for key, value in production_env(PII_HMAC_KEY="changeme").items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ImproperlyConfigured, match="PII_HMAC_KEY is too short"):
        runpy.run_module("config.settings.prod")


def test_production_settings_are_hardened(monkeypatch):
    for key, value in production_env(DJANGO_CSRF_TRUSTED_ORIGINS=None).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("DJANGO_CSRF_TRUSTED_ORIGINS", raising=False)
    prod = runpy.run_module("config.settings.prod")
    assert prod["DEBUG"] is False
    assert prod["SESSION_COOKIE_SECURE"] and prod["CSRF_COOKIE_SECURE"]
    assert prod["SECURE_HSTS_SECONDS"] >= 31536000
    assert prod["CSRF_TRUSTED_ORIGINS"] == ["https://mzj.example.gov.cn"]
    assert prod["PASSWORD_HASHERS"][0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
