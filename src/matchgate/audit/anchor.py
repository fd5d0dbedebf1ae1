"""A signed head of the audit chain, kept where the store's administrators cannot write.

In: the chain's head (sequence number and hash) and an Ed25519 private key
(PEM); later the anchor document and the public (or private) key. Out: the
anchor as JSON bytes, and the head it vouches for after its signature has
been checked. The chain proves any edit behind its head; an anchor proves
the head itself: an intruder who rewrites the tail of the chain together
with its head cannot produce the signature of a key held elsewhere.

Signing uses `cryptography`'s Ed25519 (RFC 8032). The signed message is the
canonical JSON (audit/chain.py) of `{"seq", "hash", "at"}`.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from matchgate.audit.chain import canonical_json
from matchgate.errors import ErrorCategory, InvalidArgument, MatchgateError

FORMAT = "matchgate-audit-anchor/1"


class AnchorMismatch(MatchgateError):
    """The anchor's signature does not hold, or the chain no longer holds the anchored head."""

    category = ErrorCategory.TAMPERED


@dataclass(frozen=True)
class AnchoredHead:
    seq: int
    hash: str
    at: str


def new_key() -> tuple[bytes, bytes]:
    """A fresh Ed25519 key pair as (private PEM, public PEM)."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return private, _public_pem(key.public_key())


def _public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _message(head: AnchoredHead) -> bytes:
    return canonical_json({"seq": head.seq, "hash": head.hash, "at": head.at}).encode("utf-8")


def _private_key(pem: bytes, source: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        raise InvalidArgument(f"{source}: not an unencrypted PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidArgument(f"{source}: not an Ed25519 key")
    return key


def _public_key(pem: bytes, source: str) -> Ed25519PublicKey:
    if b"PRIVATE KEY" in pem:
        return _private_key(pem, source).public_key()
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError):
        raise InvalidArgument(f"{source}: not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidArgument(f"{source}: not an Ed25519 key")
    return key


def sign_head(head: AnchoredHead, private_pem: bytes, *, key_source: str) -> bytes:
    """The anchor document (JSON, one line) for `head`, signed with the key."""
    key = _private_key(private_pem, key_source)
    document = {
        "format": FORMAT,
        "seq": head.seq,
        "hash": head.hash,
        "at": head.at,
        "public_key": _public_pem(key.public_key()).decode("ascii"),
        "signature": base64.b64encode(key.sign(_message(head))).decode("ascii"),
    }
    return (canonical_json(document) + "\n").encode("utf-8")


def check_anchor(
    document: bytes, public_pem: bytes, *, source: str, key_source: str
) -> AnchoredHead:
    """The head an anchor vouches for, once its signature holds under the given key."""
    try:
        data = json.loads(document)
        head = AnchoredHead(seq=int(data["seq"]), hash=str(data["hash"]), at=str(data["at"]))
        signature = base64.b64decode(data["signature"], validate=True)
        if data.get("format") != FORMAT:
            raise ValueError(data.get("format"))
    except (ValueError, KeyError, TypeError):
        raise InvalidArgument(f"{source}: not a matchgate audit anchor") from None
    try:
        _public_key(public_pem, key_source).verify(signature, _message(head))
    except InvalidSignature:
        raise AnchorMismatch(
            f"{source}: the signature does not hold under {key_source} (forged or altered anchor)"
        ) from None
    return head
