"""Reading the audit log: checking the chain (`verify_chain`) and the staff listing."""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from pathlib import Path

from audit.models import Event
from audit.services import anchor_paths, compute_mac, mac_key

# Kinds of break, in the words `verify_audit` prints.
MISSING = "missing"  # a seq number is absent: rows were deleted
EDITED = "edited"  # the content no longer matches the MAC that the next row chained on
FORGED = "forged"  # the MAC was not made with the audit key over this content and predecessor
RELINKED = "relinked"  # the MAC is valid but does not follow the previous row: rows replaced
TRUNCATED = "truncated"  # an anchor names a seq beyond the end of the chain: the tail was deleted
REWRITTEN = "rewritten"  # the MAC at an anchored seq differs from the anchor: the tail was rewritten
UNANCHORED = "unanchored"  # events but no anchor could be read: deleting the tail would go unseen
DISAGREE = "disagree"  # two anchor places record different MACs for one seq: an anchor was forged


@dataclass(frozen=True)
class Anchor:
    seq: int
    mac: str
    at: str = ""


@dataclass(frozen=True)
class Problem:
    seq: int
    kind: str
    message: str


@dataclass
class VerifyResult:
    count: int = 0
    last_seq: int = 0
    last_mac: str = ""
    anchor_file: Path | None = None
    anchor_files: list[Path] = field(default_factory=list)
    anchors: int = 0
    bad_anchor_lines: int = 0
    problem: Problem | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None


def read_anchors(path: Path) -> tuple[dict[int, Anchor], int]:
    """Anchors by seq (the latest line wins) and the number of unreadable lines.

    A restore point (a line with `"restore_point": true`, written by `manage.py restore`) says the
    chain was legitimately taken back to its seq: the anchors written before it of later rows no
    longer count, and the point itself anchors its seq."""
    anchors: dict[int, Anchor] = {}
    bad = 0
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                anchor = Anchor(seq=int(data["seq"]), mac=str(data["mac"]), at=str(data.get("at", "")))
            except (ValueError, KeyError, TypeError):
                bad += 1
                continue
            if data.get("restore_point") is True:
                anchors = {seq: kept for seq, kept in anchors.items() if seq < anchor.seq}
            anchors[anchor.seq] = anchor
    return anchors, bad


def verify_chain(
    *, anchor_file: Path | None = None, chunk_size: int = 2000, require_anchor: bool = True
) -> VerifyResult:
    """Walk the whole chain in seq order (streamed, `chunk_size` rows at a time) and stop at the
    first broken row. Anchors are read first (from `anchor_file`, else from AUDIT_ANCHOR_FILE and
    every AUDIT_ANCHOR_MIRRORS), so every row they name was committed before the chain is read.

    With `require_anchor` (the default) a log with events but no readable anchor fails: without an
    anchor, deleting the newest rows cannot be seen. Two places that record different MACs for the
    same seq fail too (one of them was forged)."""
    key = mac_key()
    paths = [Path(anchor_file)] if anchor_file is not None else anchor_paths()
    result = VerifyResult(anchor_file=paths[0], anchor_files=paths)
    anchors: dict[int, Anchor] = {}
    for path in paths:
        if not path.is_file():
            result.warnings.append(f"no anchor file at {path}")
            continue
        try:
            found, bad = read_anchors(path)
        except OSError as exc:
            result.warnings.append(f"anchor file {path} cannot be read: {exc}")
            continue
        result.bad_anchor_lines += bad
        if bad:
            result.warnings.append(f"{bad} unreadable line(s) in anchor file {path}")
        for seq, anchor in found.items():
            known = anchors.get(seq)
            if known is not None and not hmac.compare_digest(known.mac, anchor.mac):
                result.problem = Problem(
                    seq=seq,
                    kind=DISAGREE,
                    message=(
                        f"seq {seq}: the anchor places disagree — {path} records another MAC than an "
                        "earlier place; one of them was forged"
                    ),
                )
                return result
            anchors[seq] = anchor
    result.anchors = len(anchors)

    rows = Event.objects.order_by("seq").iterator(chunk_size=chunk_size)
    expected_seq, prev_mac = 1, ""
    current = next(rows, None)
    while current is not None:
        following = next(rows, None)
        problem = _check_row(current, following, expected_seq, prev_mac, key, anchors)
        if problem is not None:
            result.problem = problem
            return result
        result.count += 1
        result.last_seq, result.last_mac = current.seq, current.mac
        expected_seq, prev_mac = current.seq + 1, current.mac
        current = following

    if not anchors and result.count and require_anchor:
        places = ", ".join(str(p) for p in paths)
        result.problem = Problem(
            seq=result.last_seq,
            kind=UNANCHORED,
            message=(
                f"seq {result.last_seq}: no anchor could be read (looked in {places}) — deleting the "
                "newest rows could not be detected; restore the anchor files, or wait for the anchor task"
            ),
        )
        return result
    if anchors:
        latest = anchors[max(anchors)]
        if latest.seq > result.last_seq:
            end = f"ends at seq {result.last_seq}" if result.count else "is empty"
            result.problem = Problem(
                seq=result.last_seq + 1,
                kind=TRUNCATED,
                message=(
                    f"seq {result.last_seq + 1}: truncated tail — the chain {end} but the anchor of "
                    f"{latest.at or 'an earlier run'} records seq {latest.seq}; rows "
                    f"{result.last_seq + 1}..{latest.seq} were deleted"
                ),
            )
    return result


def _check_row(row, following, expected_seq, prev_mac, key, anchors) -> Problem | None:
    seq = row.seq
    if seq != expected_seq:
        missing = f"{expected_seq}" if seq == expected_seq + 1 else f"{expected_seq}..{seq - 1}"
        return Problem(
            seq=expected_seq,
            kind=MISSING,
            message=(
                f"seq {missing} missing — row(s) deleted "
                f"(the chain jumps from seq {expected_seq - 1} to {seq})"
            ),
        )
    if not hmac.compare_digest(compute_mac(row, key), row.mac):
        if following is not None and hmac.compare_digest(following.prev_mac, row.mac):
            return Problem(
                seq=seq,
                kind=EDITED,
                message=f"seq {seq}: edited row — its content no longer matches its MAC",
            )
        detail = (
            "no later row chains on it, so it may also be the newest row edited"
            if following is None
            else "the next row does not chain on it"
        )
        return Problem(
            seq=seq,
            kind=FORGED,
            message=(
                f"seq {seq}: forged row — its MAC was not made with the audit key over this content "
                f"(written outside audit.record(); {detail})"
            ),
        )
    if not hmac.compare_digest(row.prev_mac, prev_mac):
        return Problem(
            seq=seq,
            kind=RELINKED,
            message=f"seq {seq}: does not follow seq {seq - 1} (previous MAC differs) — rows were replaced",
        )
    anchor = anchors.get(seq)
    if anchor is not None and not hmac.compare_digest(anchor.mac, row.mac):
        return Problem(
            seq=seq,
            kind=REWRITTEN,
            message=(
                f"seq {seq}: rewritten tail — the anchor of {anchor.at or 'an earlier run'} recorded "
                "another MAC for this row"
            ),
        )
    return None
