#!/usr/bin/env python3
"""Encrypt and decrypt reviewdesk bundles in the sm2-sm3 suite with Python's gmssl alone.

An independent implementation of docs/bundle-format.md, "Encrypted bundles", cipher
sm2-sm4-cbc-hmac-sm3, so that an auditor can check our national-algorithm encryption without
our binary (and CI checks that each side opens what the other wrote):

    python3 tools/gm_bundle.py decrypt BUNDLE --key KEYFILE --out PLAIN.rdbundle
    python3 tools/gm_bundle.py encrypt PLAIN.rdbundle --to PUBFILE --out BUNDLE

KEYFILE is a reviewdesk key file (identities/NAME.key). In the clear, its "encryption" field is
"sm2-secret:" and the hex scalar. Sealed under a passphrase (init --protect), give the
passphrase in a file with --passphrase-file: the key is stretched with PBKDF2-HMAC-SM3 (through
hashlib, which needs an OpenSSL with SM3) and the secrets opened with SM4-CBC after their
HMAC-SM3 tag is checked. PUBFILE is what `reviewdesk key export`
writes; its "recipient" is "sm2:04" and the hex of x and y.

The layout (after the plain header, which ends with an empty line):
    SM2 ciphertext, C1C3C2, C1 = 04||x||y   65 + 32 + 48 bytes; the 48 bytes are the SM4 key (16)
                                            and the HMAC-SM3 key (32)
    IV                                       16 bytes
    SM4-CBC ciphertext, PKCS#7 padded
    HMAC-SM3 tag                             32 bytes, over header || wrapped || IV || ciphertext

Requires: pip install gmssl. Pure Python: about a megabyte a minute, fine for a test bundle.
"""

import argparse
import hmac
import json
import secrets
import sys

from gmssl import func, sm2, sm3, sm4

MAGIC = b"reviewdesk-encrypted-bundle/1\n"
CIPHER = "sm2-sm4-cbc-hmac-sm3"
WRAPPED = 65 + 32 + 48
N = int(sm2.default_ecc_table["n"], 16)


def sm3_digest(data: bytes) -> bytes:
    return bytes.fromhex(sm3.sm3_hash(list(data)))


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    """HMAC (RFC 2104) with SM3: 64-byte blocks, 32-byte output."""
    key = key.ljust(64, b"\0")
    inner = sm3_digest(bytes(k ^ 0x36 for k in key) + data)
    return sm3_digest(bytes(k ^ 0x5C for k in key) + inner)


def sm2_for(public_hex: str = "", private_hex: str = "") -> sm2.CryptSM2:
    crypt = sm2.CryptSM2(private_key=private_hex, public_key="", mode=1)
    # gmssl strips a leading "04" with lstrip, which also eats an x that starts with 0 or 4.
    crypt.public_key = public_hex
    return crypt


def split_header(data: bytes):
    if not data.startswith(MAGIC):
        sys.exit("not an encrypted reviewdesk bundle")
    end = data.find(b"\n\n")
    if end < 0 or end > 1024:
        sys.exit("the plain header is damaged")
    header = data[: end + 2]
    fields = dict(line.split(": ", 1) for line in header.decode().splitlines()[1:] if line)
    if fields.get("cipher") != CIPHER:
        sys.exit(f"cipher is {fields.get('cipher')!r}, not {CIPHER}")
    return header, fields, data[end + 2 :]


def unseal(key: dict, passphrase: bytes) -> dict:
    """The secrets of a key file sealed in the sm2-sm3 suite."""
    import hashlib

    sealed = key["sealed"]
    if (sealed.get("kdf"), sealed.get("aead")) != ("pbkdf2-hmac-sm3", "sm4-cbc-hmac-sm3"):
        sys.exit(f"sealed with {sealed.get('kdf')} + {sealed.get('aead')}, not the national algorithms")
    keys = hashlib.pbkdf2_hmac("sm3", passphrase, bytes.fromhex(sealed["salt"]), sealed["rounds"], 48)
    context = "reviewdesk-key-v1|{}|{}|{}|{}".format(
        key["name"], key["suite"], key["public"], key.get("recipient") or ""
    ).encode()
    blob = bytes.fromhex(sealed["ciphertext"])
    iv, ciphertext, tag = blob[:16], blob[16:-32], blob[-32:]
    if not hmac.compare_digest(hmac_sm3(keys[16:], context + iv + ciphertext), tag):
        sys.exit("wrong passphrase, or the key file was altered")
    cipher = sm4.CryptSM4()
    cipher.set_key(keys[:16], sm4.SM4_DECRYPT)
    return json.loads(cipher.crypt_cbc(iv, ciphertext))


def decrypt(args):
    key = json.load(open(args.key, encoding="utf-8"))
    if "sealed" in key:
        if not args.passphrase_file:
            sys.exit("the key file is sealed: give --passphrase-file")
        key.update(unseal(key, open(args.passphrase_file, "rb").read().rstrip(b"\r\n")))
    secret = key.get("encryption", "")
    if not secret.startswith("sm2-secret:"):
        sys.exit("the key file holds no SM2 encryption key")
    private_hex = secret[len("sm2-secret:") :]
    header, fields, body = split_header(open(args.bundle, "rb").read())
    if fields.get("recipient") != key.get("recipient"):
        sys.exit(f"addressed to {fields.get('for', fields.get('recipient'))}, not to this key")
    wrapped, rest = body[:WRAPPED], body[WRAPPED:]
    if wrapped[0] != 4 or len(rest) < 16 + 16 + 32 or (len(rest) - 48) % 16:
        sys.exit("the ciphertext is damaged")
    # gmssl's decrypt takes C1 without its 04 and does not check C3: checked here.
    crypt = sm2_for(private_hex=private_hex)
    keys = crypt.decrypt(wrapped[1:])
    xy = bytes.fromhex(crypt._kg(int(private_hex, 16), wrapped[1:65].hex()))
    if not hmac.compare_digest(sm3_digest(xy[:32] + keys + xy[32:]), wrapped[65:97]):
        sys.exit("SM2: C3 does not match: wrong key, or the keys were altered")
    enc_key, mac_key = keys[:16], keys[16:]
    iv, ciphertext, tag = rest[:16], rest[16:-32], rest[-32:]
    if not hmac.compare_digest(hmac_sm3(mac_key, header + wrapped + iv + ciphertext), tag):
        sys.exit("HMAC-SM3 tag does not match: the bundle was altered")
    cipher = sm4.CryptSM4()
    cipher.set_key(enc_key, sm4.SM4_DECRYPT)
    plain = cipher.crypt_cbc(iv, ciphertext)
    open(args.out, "wb").write(plain)
    print(f"decrypted {len(plain)} bytes (SM2 → SM4-CBC, HMAC-SM3 checked) to {args.out}")


def encrypt(args):
    pub = json.load(open(args.to, encoding="utf-8"))
    recipient = pub.get("recipient", "")
    if not recipient.startswith("sm2:04"):
        sys.exit("the public key file names no SM2 encryption key")
    # gmssl draws the SM2 ephemeral k from `random`; draw it from `secrets` instead.
    func.random_hex = lambda n: "%064x" % (1 + secrets.randbelow(N - 1))
    keys = secrets.token_bytes(48)
    c1c3c2 = sm2_for(public_hex=recipient[len("sm2:04") :]).encrypt(keys)
    wrapped = b"\x04" + c1c3c2
    header = MAGIC
    if pub.get("fingerprint"):
        header += f"for: {pub['fingerprint']}\n".encode()
    header += f"recipient: {recipient}\ncipher: {CIPHER}\n\n".encode()
    iv = secrets.token_bytes(16)
    cipher = sm4.CryptSM4()
    cipher.set_key(keys[:16], sm4.SM4_ENCRYPT)
    ciphertext = cipher.crypt_cbc(iv, open(args.plain, "rb").read())
    tag = hmac_sm3(keys[16:], header + wrapped + iv + ciphertext)
    open(args.out, "wb").write(header + wrapped + iv + ciphertext + tag)
    print(f"encrypted to {pub.get('name', '?')} ({pub.get('fingerprint', '?')}) in {args.out}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("decrypt")
    d.add_argument("bundle")
    d.add_argument("--key", required=True)
    d.add_argument("--out", required=True)
    d.add_argument("--passphrase-file")
    e = sub.add_parser("encrypt")
    e.add_argument("plain")
    e.add_argument("--to", required=True)
    e.add_argument("--out", required=True)
    args = p.parse_args()
    decrypt(args) if args.command == "decrypt" else encrypt(args)


if __name__ == "__main__":
    main()
