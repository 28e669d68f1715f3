"""config/collector.py: the garbage collector's settings in gunicorn's and Celery's processes."""

import gc
import os
import subprocess
import sys

import pytest

from config import collector


@pytest.fixture
def restored_collector():
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_the_loaded_objects_are_frozen_and_the_first_threshold_raised_by_default(
    restored_collector, monkeypatch
):
    monkeypatch.delenv("GC_TUNING", raising=False)
    monkeypatch.delenv("GC_THRESHOLD_GEN0", raising=False)
    gc.unfreeze()
    _, second, third = gc.get_threshold()
    assert collector.tune() is True
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (collector.DEFAULT_GEN0_THRESHOLD, second, third) == (10_000, second, third)


def test_the_threshold_is_configurable_and_the_tuning_can_be_turned_off(restored_collector, monkeypatch):
    monkeypatch.setenv("GC_THRESHOLD_GEN0", "5000")
    collector.tune()
    assert gc.get_threshold()[0] == 5000
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    monkeypatch.setenv("GC_TUNING", "0")
    assert collector.tune() is False
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == (700, 10, 10)


def test_gunicorn_and_celery_workers_tune_the_collector_once_loaded():
    from celery.signals import worker_init

    import config.celery

    assert any(receiver() is config.celery._tune_collector for _, receiver in worker_init.receivers)
    # gunicorn loads config.wsgi in each worker: in a process of its own, as a worker would
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import gc, config.wsgi; print(gc.get_freeze_count() > 1000, gc.get_threshold()[0])",
        ],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.split() == ["True", "10000"]
