"""`make run`: start the site and a Celery worker with beat (on the embedded SQLite broker unless
CELERY_BROKER_URL says otherwise), and print how to use them. The worker logs to var/log/worker.log."""

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
WORKER_LOG = BASE_DIR / "var" / "log" / "worker.log"
WORKER_READY_SECONDS = 30


def worker_command(python: str) -> list[str]:
    """One worker with beat. No `-Q`: it consumes every queue of CELERY_TASK_QUEUES (the default,
    sweeps and e-mail; config/celery.py), which production splits over several workers (Procfile)."""
    return [
        python,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--beat",
        "--pool=solo",
        "--concurrency=1",
        "--loglevel=INFO",
    ]


def start_worker(python: str) -> tuple[subprocess.Popen, int]:
    """Start `celery worker --beat` with its output appended to WORKER_LOG; return it and the log
    offset where this run starts."""
    command = worker_command(python)
    WORKER_LOG.parent.mkdir(parents=True, exist_ok=True)
    offset = WORKER_LOG.stat().st_size if WORKER_LOG.exists() else 0
    with WORKER_LOG.open("ab") as log:
        worker = subprocess.Popen(command, cwd=BASE_DIR, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    return worker, offset


def worker_status(worker: subprocess.Popen, offset: int) -> str:
    """Wait (up to WORKER_READY_SECONDS) until the worker says it is ready or exits."""
    deadline = time.monotonic() + WORKER_READY_SECONDS
    pause = threading.Event()
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            return f"FAILED (exit {worker.returncode}); see {WORKER_LOG.relative_to(BASE_DIR)}"
        with WORKER_LOG.open("rb") as log:
            log.seek(offset)
            if b" ready." in log.read():
                return f"running with beat (pid {worker.pid}); log {WORKER_LOG.relative_to(BASE_DIR)}"
        pause.wait(0.25)
    return f"starting (pid {worker.pid}), not ready yet; see {WORKER_LOG.relative_to(BASE_DIR)}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8000")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    # Links in e-mails (core.site_url) follow the address this site really runs on.
    os.environ.setdefault("SITE_URL", f"http://{args.host}:{args.port}")
    python = sys.executable
    processes: list[subprocess.Popen] = []
    worker, offset = start_worker(python)
    processes.append(worker)
    server = subprocess.Popen(  # noqa: S603
        [python, "manage.py", "runserver", f"{args.host}:{args.port}", "--noreload"], cwd=BASE_DIR
    )
    processes.append(server)
    from django.conf import settings
    from kombu.utils.url import maybe_sanitize_url

    broker = maybe_sanitize_url(settings.CELERY_BROKER_URL)  # password masked
    status = worker_status(worker, offset)

    print("\n" + "=" * 72)
    print(f"  Site:   http://{args.host}:{args.port}/")
    print(f"  Admin:  http://{args.host}:{args.port}/cms-admin/  (bureau staff only)")
    print("  Demo logins: see `manage.py seed_demo` output above and README.md")
    print(f"  Worker: {status}")
    queues = ", ".join(queue.name for queue in settings.CELERY_TASK_QUEUES)
    print(f"          broker {broker}; queues {queues}")
    print(f"  Health: http://{args.host}:{args.port}/health/")
    print("  Stop with Ctrl+C")
    print("=" * 72 + "\n", flush=True)

    def stop(*_):
        for proc in processes:
            if proc.poll() is None:
                proc.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop()
        for proc in processes:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    sys.exit(main())
