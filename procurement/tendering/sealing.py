"""Sealed bids (ARCHITECTURE.md, "Sealed bids"): the cryptography, and nothing else.

Each tender gets its own key pair (X25519) when its first bid is sealed. The public half is stored
as it is; the private half — the tender's data key — is stored only wrapped (AES-256-GCM) by the
master key `settings.BID_MASTER_KEY`, which lives in the environment or a key file, never in the
database or its backups.

A bid's content (price, proposal, document metadata) and each of its files are sealed with
AES-256-GCM under a one-time key agreed between a fresh ephemeral key pair and the tender's public
key (ECIES). Sealing therefore never needs the data key: submitting a bid cannot read any bid.
Unsealing needs it, and `unseal` is called from exactly three places (a test pins this):
`procurement.tendering.services.opening` (after the deadline), `procurement.tendering.services.bids` (the bidding
organization's own view of its bid) and `procurement.tendering.audit_sealing` (who acted in a sealed
audit event, read after the opening or by that person and their organization).

The receipt hash covers the ciphertexts and nonces (a bare hash of a price could be brute-forced).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_VERSION = "v1"
NONCE_BYTES = 12
_PUBLIC_BYTES = 32
_SEAL_INFO = b"procurement-bid-seal-v1"


@dataclass(frozen=True)
class Sealed:
    """What is stored for one sealed payload: `ciphertext` (ephemeral public key + AES-GCM output)
    and its `nonce`."""

    ciphertext: bytes
    nonce: bytes

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.ciphertext).hexdigest()


def master_key() -> bytes:
    """The master key from settings (base64 of 32 bytes). Outside production, a missing key is
    derived from SECRET_KEY so local data stays readable between runs; production refuses to start
    without the real key (config/settings/prod.py)."""
    value = getattr(settings, "BID_MASTER_KEY", "") or ""
    if value:
        try:
            key = base64.urlsafe_b64decode(value.encode())
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured("BID_MASTER_KEY must be base64 of 32 bytes") from exc
        if len(key) != 32:
            raise ImproperlyConfigured("BID_MASTER_KEY must be base64 of 32 bytes")
        return key
    if getattr(settings, "SETTINGS_KIND", "") == "prod":
        raise ImproperlyConfigured("BID_MASTER_KEY is required in production")
    return hashlib.sha256(b"bid-master-key:" + settings.SECRET_KEY.encode()).digest()


def _wrap_aad(tender_id: int, public_key: bytes) -> bytes:
    return b"tender-data-key:" + str(tender_id).encode() + b":" + public_key


def new_tender_key(tender_id: int) -> tuple[bytes, bytes]:
    """A fresh key pair for a tender: (public key, wrapped private key). The private key exists in
    clear only inside this function."""
    private = X25519PrivateKey.generate()
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    nonce = os.urandom(NONCE_BYTES)
    wrapped = nonce + AESGCM(master_key()).encrypt(nonce, raw, _wrap_aad(tender_id, public))
    return public, wrapped


def _unwrap(tender_key) -> X25519PrivateKey:
    """The tender's data key in clear. Private: reached only through `unseal`."""
    public = bytes(tender_key.public_key)
    wrapped = bytes(tender_key.wrapped_key)
    nonce, body = wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:]
    raw = AESGCM(master_key()).decrypt(nonce, body, _wrap_aad(tender_key.tender_id, public))
    return X25519PrivateKey.from_private_bytes(raw)


def _content_key(shared: bytes, ephemeral_public: bytes, tender_public: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SEAL_INFO).derive(
        shared + ephemeral_public + tender_public
    )


def seal(tender_key, plaintext: bytes, *, aad: bytes) -> Sealed:
    """Seal `plaintext` for the tender (only its data key can open it). `aad` binds the ciphertext to
    its place (tender, lot, organization or file id), so that it cannot be moved to another bid."""
    tender_public = bytes(tender_key.public_key)
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(tender_public))
    key = _content_key(shared, ephemeral_public, tender_public)
    nonce = os.urandom(NONCE_BYTES)
    return Sealed(ephemeral_public + AESGCM(key).encrypt(nonce, plaintext, aad), nonce)


def unseal(tender_key, sealed: Sealed, *, aad: bytes) -> bytes:
    """Open a sealed payload. Call sites: the opening service and the bidder's own view only."""
    private = _unwrap(tender_key)
    ciphertext = bytes(sealed.ciphertext)
    ephemeral_public, body = ciphertext[:_PUBLIC_BYTES], ciphertext[_PUBLIC_BYTES:]
    shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    key = _content_key(shared, ephemeral_public, bytes(tender_key.public_key))
    return AESGCM(key).decrypt(bytes(sealed.nonce), body, aad)


def seal_json(tender_key, payload: dict, *, aad: bytes) -> Sealed:
    return seal(tender_key, json.dumps(payload, ensure_ascii=False, sort_keys=True).encode(), aad=aad)


def receipt_hash(bid: Sealed, files: list[tuple[str, bytes]] = ()) -> str:
    """SHA-256 over the bid's ciphertext and nonce and, per file, its ciphertext's SHA-256 and its
    nonce; length-prefixed so that no two different bids share a receipt."""
    digest = hashlib.sha256(b"procurement-bid-receipt-v1")
    parts = [bid.ciphertext, bid.nonce]
    for file_digest, file_nonce in files:
        parts += [bytes.fromhex(file_digest), file_nonce]
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(bytes(part))
    return digest.hexdigest()
