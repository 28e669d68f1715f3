"""Backup and restore of everything the platform keeps (see docs/operations.md):

- the database: PostgreSQL with `pg_dump --format=custom` (restored with `pg_restore --clean`),
  SQLite with its online backup API (a consistent copy while the site runs);
- public media (MEDIA_ROOT) and private documents (PRIVATE_MEDIA_ROOT: sealed bid files stay
  encrypted as they are stored; opening them after a restore needs the same BID_MASTER_KEY);
- the audit anchors (AUDIT_ANCHOR_FILE and its mirrors).

The keys (SECRET_KEY, AUDIT_MAC_KEY, PII_*, BID_MASTER_KEY) are never in a backup: they are backed
up separately (docs/operations.md). The archive's manifest records the row count of every table and
the audit chain's last seq and MAC: the restore point. A restore appends that point to every anchor
place, so `verify_audit` checks the chain up to it and the anchors newer than the backup (of rows
the restore legitimately took back) are not reported as truncation."""

from __future__ import annotations

import datetime
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from audit.models import Event
from audit.services import anchor_paths

FORMAT = 1
MANIFEST = "manifest.json"


@dataclass
class RestoreReport:
    manifest: dict
    counts: dict[str, int]

    @property
    def mismatches(self) -> dict[str, tuple[int, int]]:
        expected = self.manifest["counts"]
        return {
            label: (expected.get(label, 0), self.counts.get(label, 0))
            for label in sorted(set(expected) | set(self.counts))
            if expected.get(label, 0) != self.counts.get(label, 0)
        }


def table_counts() -> dict[str, int]:
    """Rows of every concrete model's table, by "app_label.model_name"."""
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        counts[model._meta.label_lower] = model._base_manager.using("default").count()
    return counts


def restore_point() -> dict | None:
    last = Event.objects.order_by("-seq").values_list("seq", "mac").first()
    return None if last is None else {"seq": last[0], "mac": last[1]}


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} is not installed (Debian: postgresql-client)")
    return path


def _pg_env() -> tuple[list[str], dict]:
    db = connection.settings_dict
    args = [
        "-h",
        db["HOST"] or "127.0.0.1",
        "-p",
        str(db["PORT"] or 5432),
        "-U",
        db["USER"],
        "-d",
        db["NAME"],
    ]
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"] or ""}
    return args, env


def _dump_database(target: Path) -> str:
    if connection.vendor == "postgresql":
        args, env = _pg_env()
        path = target / "db.dump"
        subprocess.run(  # noqa: S603 - fixed arguments from the settings, no user input
            [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "-f", str(path), *args],
            check=True,
            env=env,
            capture_output=True,
        )
        return path.name
    if connection.vendor == "sqlite":
        path = target / "db.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(path) as copy:
            connection.connection.backup(copy)
        copy.close()
        return path.name
    raise RuntimeError(f"no backup method for {connection.vendor}")


def _add_tree(archive: tarfile.TarFile, root: Path, name: str) -> int:
    files = 0
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.add(path, arcname=f"{name}/{path.relative_to(root).as_posix()}", recursive=False)
                files += 1
    return files


def backup(output_dir: Path | None = None) -> Path:
    """Write one archive (tar.gz) and return its path."""
    output_dir = Path(output_dir or settings.BACKUP_DIR)
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    archive_path = output_dir / f"backup-{stamp}.tar.gz"
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        # The counts and the restore point are read first; the dump then holds at least these rows
        # (rows written meanwhile are in the dump too, after the restore point).
        counts, point = table_counts(), restore_point()
        database = _dump_database(work)
        with tarfile.open(archive_path, "w:gz") as archive:
            archive.add(work / database, arcname=database)
            media = _add_tree(archive, Path(settings.MEDIA_ROOT), "media")
            private = _add_tree(archive, Path(settings.PRIVATE_MEDIA_ROOT), "private")
            anchors = []
            for index, place in enumerate(anchor_paths()):
                if place.is_file():
                    archive.add(place, arcname=f"anchors/{index}.log")
                    anchors.append(str(place))
            manifest = {
                "format": FORMAT,
                "created_at": timezone.now().isoformat(),
                "vendor": connection.vendor,
                "database": database,
                "counts": counts,
                "restore_point": point,
                "files": {"media": media, "private": private},
                "anchors": anchors,
                "keys_not_included": [
                    "SECRET_KEY",
                    "AUDIT_MAC_KEY",
                    "PII_ENCRYPTION_KEY",
                    "PII_HMAC_KEY",
                    "BID_MASTER_KEY",
                ],
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(datetime.datetime.now().timestamp())
            archive.addfile(info, io.BytesIO(data))
    return archive_path


def read_manifest(archive_path: Path) -> dict:
    with tarfile.open(archive_path, "r:gz") as archive:
        return json.load(archive.extractfile(MANIFEST))


def _restore_database(work: Path, manifest: dict) -> None:
    if manifest["vendor"] != connection.vendor:
        raise RuntimeError(f"the backup is of {manifest['vendor']}, this site runs on {connection.vendor}")
    connections.close_all()
    if connection.vendor == "postgresql":
        args, env = _pg_env()
        subprocess.run(  # noqa: S603 - fixed arguments from the settings, no user input
            [
                _pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                *args,
                str(work / manifest["database"]),
            ],
            check=True,
            env=env,
            capture_output=True,
        )
    else:
        with (
            sqlite3.connect(work / manifest["database"]) as source,
            sqlite3.connect(connection.settings_dict["NAME"]) as live,
        ):
            source.backup(live)
        source.close()
        live.close()


def _replace_tree(source: Path, root: Path) -> None:
    root = Path(root)
    if root.exists():
        shutil.rmtree(root)
    if source.is_dir():
        shutil.copytree(source, root)
    else:
        root.mkdir(parents=True, exist_ok=True)


def _restore_anchors(work: Path, manifest: dict) -> None:
    """Anchor places lost with the server get the archived anchors back; then every place gets the
    restore point, after which anchors of rows newer than the backup no longer count."""
    archived = sorted((work / "anchors").glob("*.log")) if (work / "anchors").is_dir() else []
    for index, place in enumerate(anchor_paths()):
        place.parent.mkdir(parents=True, exist_ok=True)
        if not place.exists() and archived:
            shutil.copyfile(archived[min(index, len(archived) - 1)], place)
        point = manifest.get("restore_point")
        if point:
            line = {
                "at": timezone.now().isoformat(),
                "restore_point": True,
                "seq": point["seq"],
                "mac": point["mac"],
            }
            with place.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(line, sort_keys=True) + "\n")


def _safe_extract(archive: tarfile.TarFile, target: Path) -> None:
    for member in archive.getmembers():
        if not (member.isfile() or member.isdir()):
            raise RuntimeError(f"unexpected entry in the archive: {member.name}")
    archive.extractall(target, filter="data")


def restore(archive_path: Path) -> RestoreReport:
    """Replace the database, the media and the private files by the archive's; add the restore point
    to every anchor place. Stop the web and worker processes first (docs/operations.md)."""
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        with tarfile.open(archive_path, "r:gz") as archive:
            _safe_extract(archive, work)
        manifest = json.loads((work / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            raise RuntimeError(f"unknown backup format {manifest.get('format')!r}")
        _restore_database(work, manifest)
        _replace_tree(work / "media", Path(settings.MEDIA_ROOT))
        _replace_tree(work / "private", Path(settings.PRIVATE_MEDIA_ROOT))
        _restore_anchors(work, manifest)
    return RestoreReport(manifest=manifest, counts=table_counts())
