import os
import stat

from config.env import load_env_file
from config.keys import KEYS, ensure


def read(path):
    return dict(
        line.split("=", 1)
        for line in path.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )


def test_ensure_creates_every_key_in_an_owner_only_file(tmp_path):
    path = tmp_path / ".env.local"
    assert ensure(path) == list(KEYS)
    values = read(path)
    assert set(values) == set(KEYS)
    assert all(len(value) >= 43 for value in values.values())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_ensure_never_changes_existing_keys(tmp_path):
    path = tmp_path / ".env.local"
    ensure(path)
    before = path.read_text()
    assert ensure(path) == []
    assert path.read_text() == before


def test_ensure_adds_only_missing_keys_and_keeps_other_lines(tmp_path):
    path = tmp_path / ".env.local"
    path.write_text("# mine\nDJANGO_SECRET_KEY=kept-secret\nDEMO_PASSWORD=x\nBID_MASTER_KEY=\n")
    path.chmod(0o644)
    added = ensure(path)
    assert "DJANGO_SECRET_KEY" not in added
    assert "BID_MASTER_KEY" in added
    values = read(path)
    assert values["DJANGO_SECRET_KEY"] == "kept-secret"
    assert values["DEMO_PASSWORD"] == "x"
    assert values["BID_MASTER_KEY"]
    assert path.read_text().startswith("# mine\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_filled_in_key_is_the_one_that_loads(tmp_path, monkeypatch):
    path = tmp_path / ".env.local"
    path.write_text("BID_MASTER_KEY=\n")
    ensure(path)
    monkeypatch.setattr(os, "environ", {})
    load_env_file(path)
    assert os.environ["BID_MASTER_KEY"] == read(path)["BID_MASTER_KEY"]
