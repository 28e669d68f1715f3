"""`make run`: start the site (and a Celery worker with beat, once configured) and print how to use it."""

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8000")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    python = sys.executable
    processes: list[subprocess.Popen] = []
    worker_cmd = [
        python,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--beat",
        "--loglevel=INFO",
        "--pool=solo",
    ]
    if (BASE_DIR / "config" / "celery.py").exists():
        processes.append(subprocess.Popen(worker_cmd, cwd=BASE_DIR))  # noqa: S603
    server = subprocess.Popen(  # noqa: S603
        [python, "manage.py", "runserver", f"{args.host}:{args.port}", "--noreload"], cwd=BASE_DIR
    )
    processes.append(server)
    from django.conf import settings  # noqa: F401  (after env is set)

    print("\n" + "=" * 72)
    print(f"  Site:   http://{args.host}:{args.port}/")
    print(f"  Admin:  http://{args.host}:{args.port}/cms-admin/  (bureau staff only)")
    print("  Demo logins: see `manage.py seed_demo` output above and README.md")
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
