"""Detached Ed25519 signatures of written files (``--sign``, ``verify --key``) and their keys.

Signatures are detached, over the exact bytes of a file: ``<file>.sig`` holds the 64-byte Ed25519
signature **base64-encoded on one line** (``base64 -d file.sig`` gives the raw signature, usable
with ``openssl pkeyutl -verify -rawin``).  Keys are PEM: PKCS#8 private key (written with mode
0600, unencrypted: keep it on the signing machine) and SubjectPublicKeyInfo public key.
``cryptography`` is imported only when a key is used.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path
from typing import Any

from liplanet_cert.errors import IntegrityError, Problem, UsageError
from liplanet_cert.integrity.stored import MAX_RESULT_BYTES

SIGNATURE_SUFFIX = ".sig"
MAX_KEY_BYTES = 64 * 1024


def keygen(out_prefix: str | Path) -> tuple[Path, Path]:
    """Write ``PREFIX.key`` (PEM PKCS#8 Ed25519 private key, mode 0600) and ``PREFIX.pub``.

    Refuses to overwrite an existing file.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from liplanet_cert.infra.atomic import write_bytes

    prefix = Path(out_prefix)
    priv_path, pub_path = Path(f"{prefix}.key"), Path(f"{prefix}.pub")
    for p in (priv_path, pub_path):
        if p.exists() or p.is_symlink():
            raise UsageError(
                Problem(str(p), message="refusing to overwrite an existing file", expected="a new key prefix")
            )
    key = Ed25519PrivateKey.generate()
    priv = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    pub = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    priv_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(
            priv_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600
        )  # never readable by others, not even briefly
    except OSError as exc:
        raise UsageError(Problem(str(priv_path), message=f"cannot create key file: {exc.strerror}")) from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(priv)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(priv_path, 0o600)
    write_bytes(pub_path, pub)
    return priv_path, pub_path


def _read_small(path: Path, what: str) -> bytes:
    from liplanet_cert.infra.inputfile import read_input_file

    return read_input_file(path, what, MAX_KEY_BYTES, error=IntegrityError)


def load_private_key(path: str | Path) -> Any:
    """Load an Ed25519 private key (PEM, unencrypted); raises :class:`IntegrityError`."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = Path(path)
    data = _read_small(path, "private key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise _key_error(
            path,
            f"not a usable private key: {str(exc).splitlines()[0][:120]}",
            "an unencrypted Ed25519 PEM private key (liplanet-cert keygen)",
        ) from None
    except Exception as exc:  # noqa: BLE001 - cryptography raises backend-specific errors on hostile input
        raise _key_error(
            path, f"not a usable private key: {type(exc).__name__}", "an Ed25519 PEM private key"
        ) from None
    return _ed25519(key, Ed25519PrivateKey, path, "an Ed25519 private key (liplanet-cert keygen)")


def load_public_key(path: str | Path) -> Any:
    """Load an Ed25519 public key (PEM); raises :class:`IntegrityError`."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    path = Path(path)
    data = _read_small(path, "public key")
    try:
        key = serialization.load_pem_public_key(data)
    except Exception as exc:  # noqa: BLE001
        raise _key_error(
            path,
            f"not a usable public key: {str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__}",
            "an Ed25519 PEM public key (liplanet-cert keygen)",
        ) from None
    return _ed25519(key, Ed25519PublicKey, path, "an Ed25519 public key")


def _key_error(path: Path, message: str, expected: str, found: str = "") -> IntegrityError:
    """A key file that is not a usable key."""
    return IntegrityError(Problem(str(path), "PEM", message, expected=expected, found=found))


def _ed25519(key: Any, cls: type, path: Path, expected: str) -> Any:
    """``key`` if it is an Ed25519 key of ``cls``, else :class:`IntegrityError`."""
    if not isinstance(key, cls):
        raise _key_error(path, "not an Ed25519 key", expected, type(key).__name__)
    return key


def signature_path(path: str | Path) -> Path:
    return Path(f"{path}{SIGNATURE_SUFFIX}")


def sign_file(path: str | Path, key: Any) -> Path:
    """Sign the exact bytes of ``path``; write ``<path>.sig`` (base64, one line) atomically.

    ``key`` is an Ed25519 private key object or the path of a PEM key file.
    """
    from liplanet_cert.infra.atomic import write_bytes

    if isinstance(key, (str, Path)):
        key = load_private_key(key)
    path = Path(path)
    data = path.read_bytes()
    sig = key.sign(data)
    return write_bytes(signature_path(path), base64.b64encode(sig) + b"\n")


def verify_signature(path: str | Path, sig: str | Path | None, pubkey: Any) -> bool:
    """True when ``sig`` (default ``<path>.sig``) is a valid Ed25519 signature of ``path``'s bytes.

    Raises :class:`IntegrityError` when a file is missing or the key or signature is malformed.
    """
    from cryptography.exceptions import InvalidSignature

    if isinstance(pubkey, (str, Path)):
        pubkey = load_public_key(pubkey)
    path = Path(path)
    sig_path = Path(sig) if sig is not None else signature_path(path)
    raw = _read_small(sig_path, "signature").strip()
    try:
        signature = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise IntegrityError(
            Problem(
                str(sig_path),
                "line 1",
                "signature is not base64",
                expected="a base64-encoded 64-byte Ed25519 signature (as written by --sign)",
            )
        ) from None
    if len(signature) != 64:
        raise IntegrityError(
            Problem(
                str(sig_path),
                "line 1",
                "signature has the wrong length",
                expected="64 bytes",
                found=f"{len(signature)} bytes",
            )
        )
    from liplanet_cert.infra.inputfile import read_input_file

    data = read_input_file(path, "signed file", MAX_RESULT_BYTES, error=IntegrityError)
    try:
        pubkey.verify(signature, data)
    except InvalidSignature:
        return False
    return True
