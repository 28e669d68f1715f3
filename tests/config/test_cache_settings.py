import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _caches(env_extra: dict) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", **env_extra}
    code = "import django, json; django.setup(); from django.conf import settings; print(json.dumps(settings.CACHES))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_cache_is_per_process_memory_by_default():
    assert _caches({"CACHE_URL": ""})["default"]["BACKEND"].endswith("LocMemCache")


def test_cache_url_selects_shared_redis():
    caches = _caches({"CACHE_URL": "redis://127.0.0.1:6379/3"})
    assert caches["default"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/3",
    }
