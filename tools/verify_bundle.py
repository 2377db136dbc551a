#!/usr/bin/env python3
"""Verify a reviewdesk bundle (*.rdbundle) without reviewdesk: 独立校验评审包.

    python3 tools/verify_bundle.py FILE.rdbundle [--trust FINGERPRINT ...]

Written to be read by an auditor (审计). Every rule it applies is in docs/bundle-format.md,
whose section names appear below. It reads the tar in place (nothing is extracted to disk) and
checks, in this order:

  1. the tar: regular files only, named manifest.json, manifest.sig, events.jsonl and
     blobs/<sha256>, in that order, each once, within the size limits;
  2. the manifest signature (manifest.sig) under the exporter's key, and, with --trust, that the
     exporter's key has one of the given fingerprints;
  3. the SHA-256 and size of every entry against the manifest, and of every document against
     its own name;
  4. every event: its JSON, its envelope, its id (SHA-256 or SM3 of its bytes) and its signature
     under its author's key;
  5. every author's chain (seq and prev) and the manifest's event count, authors and meetings.

It prints a summary and exits 0, or prints what failed (the entry, or the line of events.jsonl)
and exits 1. It does not check what the events say (the body of each event) or whether the
author was allowed to say it: reviewdesk's import judges that against the meeting.

Needs Python 3.11 and `cryptography`; `gmssl` as well for bundles that hold SM2 (sm2-sm3) keys.
"""

import argparse
import hashlib
import json
import re
import sys
from datetime import datetime, timezone

# ---------------------------------------------------------------- constants ("Limits", "Suites")

MAX_BUNDLE_BYTES = 2 << 30
MAX_ENTRY_BYTES = 512 << 20
MAX_MANIFEST_BYTES = 16 << 20
MAX_SIGNATURE_BYTES = 4096
MAX_EVENTS = 500_000
MAX_LINE_BYTES = 1 << 20
MAX_EVENT_BYTES = MAX_LINE_BYTES - 1024
MAX_BLOBS = 50_000
MAX_SEQ = 2**63 - 1

MANIFEST_CONTEXT = b"reviewdesk manifest v1\n"
EVENT_CONTEXT = b"reviewdesk event v1\n"
ENCRYPTED_MAGIC = b"reviewdesk-encrypted-bundle/1\n"
SUITES = ("ed25519-sha256", "sm2-sm3")
SM2_ID = b"1234567812345678"  # the default distinguishing identifier of GM/T 0009
# The SM2 recommended curve (GB/T 32918.5): field prime, a, b, base point, order.
SM2_P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
SM2_A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
SM2_B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
SM2_GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
SM2_GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0
SM2_N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123

HEX = re.compile(r"[0-9a-f]+")  # keys and hashes are lower-case hex, one spelling each
BLOB_NAME = re.compile(r"blobs/[0-9a-f]{64}")
LINE = re.compile(r'\{"sig":"([0-9a-f]*)","event":(\{.*\})\}', re.DOTALL)
TIME = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d{1,9})?(Z|[+-]\d\d:\d\d)")


class Refused(Exception):
    """The bundle fails a check; the message says which and where."""


# ---------------------------------------------------------------- hashes, keys, signatures ("Suites", "Fingerprints")


def sm3(data):
    """SM3 (GB/T 32905): OpenSSL's through cryptography, or gmssl's where OpenSSL lacks it."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes

    try:
        h = hashes.Hash(hashes.SM3())
    except UnsupportedAlgorithm:
        from gmssl import sm3 as gm

        return bytes.fromhex(gm.sm3_hash(list(data)))
    h.update(data)
    return h.finalize()


def digest(suite, data):
    """The suite's hash: it names events and fingerprints keys."""
    return hashlib.sha256(data).digest() if suite == "ed25519-sha256" else sm3(data)


def fingerprint(suite, key):
    """The first 8 bytes of hash(suite ":" key), upper-case hex in groups of four."""
    h = digest(suite, suite.encode() + b":" + key)[:8].hex().upper()
    return "-".join(h[i : i + 4] for i in range(0, 16, 4))


def public_key(suite, text, what):
    """The key bytes of a hex public key, refused unless it is a key of its suite."""
    if suite not in SUITES:
        raise Refused(f"{what}: unknown suite {suite!r}")
    if not isinstance(text, str) or not HEX.fullmatch(text) or len(text) % 2:
        raise Refused(f"{what}: the key is not lower-case hex")
    key = bytes.fromhex(text)
    if suite == "ed25519-sha256" and len(key) != 32:
        raise Refused(f"{what}: an Ed25519 key is 32 bytes, this one {len(key)}")
    if suite == "sm2-sm3":
        if len(key) != 65 or key[0] != 4:
            raise Refused(f"{what}: an SM2 key is 65 bytes, 04 || x || y")
        x, y = int.from_bytes(key[1:33], "big"), int.from_bytes(key[33:], "big")
        if x >= SM2_P or y >= SM2_P or (y * y - x**3 - SM2_A * x - SM2_B) % SM2_P:
            raise Refused(f"{what}: the SM2 key is not a point of the curve")
    return key


def verifies(suite, key, message, signature):
    """Whether `signature` is `key`'s signature of `message` under `suite`."""
    if suite == "ed25519-sha256":
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            Ed25519PublicKey.from_public_bytes(key).verify(signature, message)
            return True
        except (InvalidSignature, ValueError):
            return False
    return sm2_verifies(key, message, signature)


def sm2_verifies(key, message, signature):
    """SM2 (GB/T 32918.2, 7.1) with the SM3 digest e = SM3(Z_A || M) and ID 1234567812345678.

    Z_A and e are computed here; gmssl does the curve arithmetic only. Its own helpers are not
    used: CryptSM2() strips the 04 prefix with str.lstrip("04"), which eats the key's first
    digits when they are 0 or 4, and its verify() checks neither the range of r and s nor the
    key (public_key() has checked the key)."""
    from gmssl import sm2

    if len(signature) != 64:
        return False
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (1 <= r < SM2_N and 1 <= s < SM2_N):
        return False
    curve = b"".join(v.to_bytes(32, "big") for v in (SM2_A, SM2_B, SM2_GX, SM2_GY))
    z = sm3(len(SM2_ID * 8).to_bytes(2, "big") + SM2_ID + curve + key[1:])
    e = sm3(z + message)
    verifier = sm2.CryptSM2(private_key="", public_key="")
    verifier.public_key = key[1:].hex()  # x || y, set directly (see above)
    try:
        return verifier.verify(signature.hex(), e) is True
    except (TypeError, ValueError):  # a sum at infinity: no x to compare
        return False


# ---------------------------------------------------------------- JSON ("JSON rules")


def strict_object(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise Refused(f"the key {k!r} appears twice in one object")
        obj[k] = v
    return obj


def no_constant(name):
    raise Refused(f"{name} is not JSON")


def parse_json(data, what):
    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=strict_object, parse_constant=no_constant)
    except Refused as e:
        raise Refused(f"{what}: {e}") from None
    except (ValueError, RecursionError) as e:  # UnicodeDecodeError is a ValueError
        raise Refused(f"{what}: not valid UTF-8 JSON ({e})") from None


def fields(obj, names, what):
    """`obj` as a dict with exactly these keys."""
    if not isinstance(obj, dict) or set(obj) != set(names):
        got = sorted(obj) if isinstance(obj, dict) else type(obj).__name__
        raise Refused(f"{what}: expected the fields {', '.join(names)}; found {got}")
    return obj


def version(obj, key, what):
    """A format or envelope version: 1. A higher one is a newer format, named as such."""
    value = obj.get(key) if isinstance(obj, dict) else None
    if type(value) is int and value > 1:
        raise Refused(f"{what}: {key} {value} is newer than this verifier knows (1): use a newer one")
    if type(value) is not int or value != 1:
        raise Refused(f"{what}: {key} must be 1, not {value!r}")


def strings(obj, names, what):
    for k in names:
        if not isinstance(obj[k], str):
            raise Refused(f"{what}: {k} must be a string")


def whole(value, what, low=0, high=MAX_SEQ):
    if type(value) is not int or not low <= value <= high:
        raise Refused(f"{what}: {value!r} is not a whole number from {low} to {high}")
    return value


def time_of(text, what):
    m = TIME.fullmatch(text) if isinstance(text, str) else None
    try:
        y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
        zone = m.group(8)
        offset = 0 if zone == "Z" else (1 if zone[0] == "+" else -1) * (int(zone[1:3]) * 60 + int(zone[4:]))
        return datetime(y, mo, d, h, mi, s, tzinfo=timezone.utc).timestamp() - offset * 60
    except (AttributeError, ValueError):
        raise Refused(f"{what}: {text!r} is not an RFC 3339 time") from None


# ---------------------------------------------------------------- the tar ("The tar")


def octal(field, what):
    text = field.split(b"\0", 1)[0].strip(b" ")
    if not re.fullmatch(rb"[0-7]+", text):
        raise Refused(f"{what}: the tar header's number {field!r} is not octal")
    return int(text, 8)


def tar_entries(f, length):
    """Yields (index from 1, name, size) of each tar entry, with `f` at the start of its content;
    refuses a header that is not a plain file before a byte of its content is read."""
    offset, index = 0, 0
    while True:
        f.seek(offset)
        header = f.read(512)
        if not header or header == bytes(512):  # the end of the archive
            return
        if len(header) < 512:
            raise Refused(f"the bundle is cut short at byte {offset + len(header)}")
        unsigned = sum(header[:148]) + 8 * 32 + sum(header[156:])
        if octal(header[148:156], f"tar header at byte {offset}") != unsigned:
            raise Refused(f"tar header at byte {offset}: the checksum does not match")
        name = header[0:100].split(b"\0", 1)[0]
        prefix = header[345:500].split(b"\0", 1)[0]
        if header[257:263] == b"ustar\0" and prefix:
            name = prefix + b"/" + name
        name = name.decode("utf-8", "replace")
        kind = header[156:157]
        if name.startswith("/") or "\\" in name or ".." in name.split("/"):
            raise Refused(f"entry {name!r} points outside the bundle")
        if kind not in (b"0", b"\0"):
            raise Refused(f"entry {name!r} is not a plain file (tar type {kind!r}): links, folders "
                          "and tar extension headers (long names, PAX records) are refused")
        size = octal(header[124:136], f"entry {name!r}")
        if offset + 512 + size > length:
            raise Refused(f"entry {name!r} is cut short: the bundle ends before its {size} bytes")
        index += 1
        yield index, name, size
        offset += 512 + (size + 511) // 512 * 512


def read_entry(f, size):
    data = f.read(size)
    if len(data) != size:
        raise Refused("the bundle is cut short")
    return data


def sha256_of(f, size):
    h, left = hashlib.sha256(), size
    while left:
        piece = f.read(min(left, 1 << 20))
        if not piece:
            raise Refused("the bundle is cut short")
        h.update(piece)
        left -= len(piece)
    return h.hexdigest()


# ---------------------------------------------------------------- the manifest ("manifest.json", "manifest.sig")


def read_manifest(raw):
    m = parse_json(raw, "manifest.json")
    keys = ("format", "bundle_id", "exporter", "created", "event_count", "meetings", "authors", "entries")
    version(m, "format", "manifest.json")
    fields(m, keys, "manifest.json")
    strings(m, ("bundle_id",), "manifest.json")
    ex = fields(m["exporter"], ("name", "key", "suite"), "manifest.json exporter")
    strings(ex, ("name", "key", "suite"), "manifest.json exporter")
    public_key(ex["suite"], ex["key"], "manifest.json exporter")
    time_of(m["created"], "manifest.json created")
    whole(m["event_count"], "manifest.json event_count", 0, MAX_EVENTS)
    if not isinstance(m["meetings"], list) or not all(isinstance(x, str) for x in m["meetings"]):
        raise Refused("manifest.json: meetings must be a list of strings")
    if not isinstance(m["authors"], list) or not isinstance(m["entries"], list):
        raise Refused("manifest.json: authors and entries must be lists")
    for a in m["authors"]:
        fields(a, ("key", "first_seq", "last_seq", "count", "head"), "manifest.json authors")
        strings(a, ("key", "head"), "manifest.json authors")
        for k in ("first_seq", "last_seq", "count"):
            whole(a[k], f"manifest.json authors {k}")
    if len(m["entries"]) > MAX_BLOBS + 1:
        raise Refused(f"manifest.json lists more than {MAX_BLOBS + 1} entries")
    listed = {}
    for e in m["entries"]:
        fields(e, ("name", "sha256", "size"), "manifest.json entries")
        strings(e, ("name", "sha256"), "manifest.json entries")
        whole(e["size"], "manifest.json entries size", 0, 2**64 - 1)
        if e["name"] in listed:
            raise Refused(f"manifest.json lists {e['name']!r} twice")
        listed[e["name"]] = e
    return m, listed


# ---------------------------------------------------------------- events ("events.jsonl", "Events", "Chains")


def read_event(line_no, text):
    """One line: the signed bytes (verbatim), their id, their signature and the envelope."""
    where = f"events.jsonl line {line_no}"
    m = LINE.fullmatch(text)
    if not m or len(m.group(1)) % 2:
        raise Refused(f'{where}: not {{"sig":"<hex>","event":{{...}}}} as reviewdesk writes it')
    signature, raw = bytes.fromhex(m.group(1)), m.group(2).encode("utf-8")
    if len(raw) > MAX_EVENT_BYTES:
        raise Refused(f"{where}: the event is {len(raw)} bytes, over MAX_EVENT_BYTES ({MAX_EVENT_BYTES})")
    env = parse_json(raw, where)
    version(env, "v", where)
    fields(env, ("v", "suite", "author", "seq", "prev", "time", "body"), where)
    key = public_key(env["suite"], env["author"], f"{where}: author")
    whole(env["seq"], f"{where}: seq", 1)
    if env["prev"] is not None and not isinstance(env["prev"], str):
        raise Refused(f"{where}: prev must be null or an event id")
    when = time_of(env["time"], f"{where}: time")
    if not 946_684_800 <= when < 4_102_444_800:
        raise Refused(f"{where}: time {env['time']} is not in the years 2000 to 2099")
    body = env["body"]
    if not isinstance(body, dict) or len(body) != 1 or not isinstance(next(iter(body.values())), dict):
        raise Refused(f"{where}: body must be one {{kind: {{...}}}}")
    event_id = digest(env["suite"], raw).hex()
    if not verifies(env["suite"], key, EVENT_CONTEXT + raw, signature):
        fp = fingerprint(env["suite"], key)
        raise Refused(f"{where}: the signature does not verify under its author {fp} (forged or altered)")
    return event_id, env


def lines_of(data):
    """(line number, text) of each line that is not blank, as reviewdesk reads them: split at
    "\n", one "\r" before it dropped, lines of ASCII white space skipped but counted."""
    for n, line in enumerate(data.split(b"\n"), 1):
        if len(line) > MAX_LINE_BYTES:
            raise Refused(f"events.jsonl line {n} is longer than MAX_LINE_BYTES ({MAX_LINE_BYTES})")
        line = line[:-1] if line.endswith(b"\r") else line
        if not line.strip(b" \t\r\n\x0c"):
            continue
        try:
            yield n, line.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(f"events.jsonl line {n} is not UTF-8") from None


def check_chains(events, manifest):
    """Each author's events: one per seq, seq 1 without prev, each prev the id of the event
    before it when the bundle holds that one; and the manifest's ranges. Returns the chains."""
    chains = {}
    for line_no, event_id, env in events:
        chains.setdefault(env["author"], {})
        chain = chains[env["author"]]
        if env["seq"] in chain:
            raise Refused(f"events.jsonl line {line_no}: a second event at seq {env['seq']} of its author "
                          "(a copy, or a fork)")
        chain[env["seq"]] = (line_no, event_id, env)
    for chain in chains.values():
        for seq, (line_no, _, env) in chain.items():
            if seq == 1 and env["prev"] is not None:
                raise Refused(f"events.jsonl line {line_no}: seq 1 names a prev")
            before = chain.get(seq - 1)
            if before and env["prev"] != before[1]:
                raise Refused(f"events.jsonl line {line_no}: prev is not the id of its author's "
                              f"seq {seq - 1} (line {before[0]}): the chain is broken")
    declared = {a["key"]: a for a in manifest["authors"]}
    if len(declared) != len(manifest["authors"]) or set(declared) != set(chains):
        raise Refused("manifest.json: its authors are not the authors of the events")
    for key, chain in chains.items():
        last = max(chain)
        found = {"first_seq": min(chain), "last_seq": last, "count": len(chain), "head": chain[last][1]}
        claimed = {k: declared[key][k] for k in found}
        if claimed != found:
            fp = fingerprint(chain[last][2]["suite"], bytes.fromhex(key))
            raise Refused(f"manifest.json: author {fp} is listed with {claimed}; the events give {found}")
    return chains


def check_log(events, manifest):
    """What the manifest says of the events (count, authors, meetings), each author's chain, and
    no revocation of the exporter's own key. Returns the chains and the meetings."""
    if len(events) != manifest["event_count"]:
        raise Refused(f"the manifest declares {manifest['event_count']} events, the bundle holds {len(events)}")
    chains = check_chains(events, manifest)
    meetings = []
    for line_no, _, env in events:
        [(kind, body)] = env["body"].items()
        if kind == "key_revoked" and body.get("key") == manifest["exporter"]["key"]:
            raise Refused(f"events.jsonl line {line_no} revokes the exporter's own key: another panel member "
                          "or the secretariat must export these events")
        meeting = body.get("id" if kind == "meeting_opened" else "meeting")
        if isinstance(meeting, str) and meeting not in meetings:
            meetings.append(meeting)
    if sorted(meetings) != sorted(manifest["meetings"]):
        raise Refused(f"manifest.json: meetings {manifest['meetings']} are not the events' meetings {meetings}")
    return chains, meetings


# ---------------------------------------------------------------- the whole bundle ("Checking a bundle")


def verify(path, trusted):
    with open(path, "rb") as f:
        f.seek(0, 2)
        length = f.tell()
        f.seek(0)
        start = f.read(512)
        if length == 0:
            raise Refused("the file is empty")
        if length > MAX_BUNDLE_BYTES:
            raise Refused(f"the file is {length} bytes, over MAX_BUNDLE_BYTES ({MAX_BUNDLE_BYTES})")
        if start.startswith(ENCRYPTED_MAGIC):
            raise Refused("this is an encrypted bundle (加密评审包); this script verifies plain bundles only. "
                          "Ask the sender for a plain export, or check it with `reviewdesk verify` on the "
                          "recipient's machine")
        if not (start.startswith(b"manifest.json") or start[257:262] == b"ustar"):
            raise Refused("not a bundle: the file is not a tar archive")
        manifest = listed = None
        seen, events, blobs, blob_bytes = set(), [], 0, 0
        for index, name, size in tar_entries(f, length):
            if name not in ("manifest.json", "manifest.sig", "events.jsonl") and not BLOB_NAME.fullmatch(name):
                raise Refused(f"forbidden entry {name!r}: only manifest.json, manifest.sig, events.jsonl "
                              "and blobs/<sha256> are allowed")
            if min(index, 3) != {"manifest.json": 1, "manifest.sig": 2}.get(name, 3):
                raise Refused(f"entry {index} is {name!r}: the order is manifest.json, manifest.sig, then "
                              "events.jsonl and blobs/…")
            if name in seen:
                raise Refused(f"entry {name!r} appears twice")
            if name.startswith("blobs/") and "events.jsonl" not in seen:
                raise Refused(f"entry {name!r} comes before events.jsonl")
            seen.add(name)
            if len(seen) > MAX_BLOBS + 3:
                raise Refused(f"more than MAX_BLOBS ({MAX_BLOBS}) documents")
            limit = {"manifest.json": MAX_MANIFEST_BYTES, "manifest.sig": MAX_SIGNATURE_BYTES}.get(name)
            limit = limit or MAX_ENTRY_BYTES
            if size > limit:
                raise Refused(f"entry {name!r} is {size} bytes, over its limit of {limit}")

            if name == "manifest.json":
                raw = read_entry(f, size)
                manifest, listed = read_manifest(raw)
                ex = manifest["exporter"]
                suite, key = ex["suite"], bytes.fromhex(ex["key"])
                continue
            if name == "manifest.sig":
                if not verifies(suite, key, MANIFEST_CONTEXT + raw, read_entry(f, size)):
                    raise Refused(f"manifest.sig: the manifest signature does not verify under the exporter's "
                                  f"key {fingerprint(suite, key)} (claims {ex['name']!r}): altered after export, "
                                  "or signed by another key")
                if trusted and fingerprint(suite, key) not in trusted:
                    raise Refused(f"the exporter {fingerprint(suite, key)} (claims {ex['name']!r}) is not one of "
                                  f"the fingerprints given with --trust: {', '.join(sorted(trusted))}")
                continue
            entry = listed.get(name)
            if entry is None:
                raise Refused(f"entry {name!r} is not listed in the manifest")
            if name == "events.jsonl":
                data = read_entry(f, size)
                actual = hashlib.sha256(data).hexdigest()
            else:
                actual = sha256_of(f, size)
                if actual != name[len("blobs/"):]:
                    raise Refused(f"entry {name!r}: its SHA-256 is {actual}, not its name")
                blobs, blob_bytes = blobs + 1, blob_bytes + size
            if (actual, size) != (entry["sha256"], entry["size"]):
                raise Refused(f"entry {name!r}: SHA-256 {actual} and size {size} do not match the manifest "
                              f"({entry['sha256']}, {entry['size']}): altered or damaged")
            if name == "events.jsonl":
                for line_no, text in lines_of(data):
                    if len(events) == MAX_EVENTS:
                        raise Refused(f"events.jsonl holds more than MAX_EVENTS ({MAX_EVENTS}) events")
                    events.append((line_no, *read_event(line_no, text)))
        if manifest is None or "manifest.sig" not in seen:
            raise Refused("the bundle lacks manifest.json or manifest.sig")
        for name in listed:
            if name not in seen:
                raise Refused(f"the manifest lists {name!r}, which the bundle lacks")
    chains, meetings = check_log(events, manifest)
    return manifest, events, chains, meetings, blobs, blob_bytes


# ---------------------------------------------------------------- the summary


def shown(text, limit=200):
    """Text from the bundle as it may be printed: control characters escaped (they could steer
    the terminal), cut to `limit` characters."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))
    return text if len(text) <= limit else text[:limit] + "…"


def summary(path, trusted, manifest, events, chains, meetings, blobs, blob_bytes):
    ex = manifest["exporter"]
    names, ids, closes = {ex["key"]: ex["name"]}, {event_id for _, event_id, _ in events}, []
    for _, event_id, env in events:
        [(kind, body)] = env["body"].items()
        people = []
        if kind == "meeting_opened":
            people = [body.get("secretariat")] + list(body.get("panel") or [])
        elif kind == "substitute_seated":
            people = [body.get("substitute")]
        for p in people:
            if isinstance(p, dict) and isinstance(p.get("key"), str):
                names[p["key"]] = str(p.get("name"))
        if kind == "meeting_closed":
            heads = [h.get("event") for h in body.get("heads") or [] if isinstance(h, dict)]
            pinned = [d.get("decision") for d in body.get("decisions") or [] if isinstance(d, dict)]
            closes.append((body.get("meeting"), event_id, heads, pinned))
    suites = {}
    for _, _, env in events:
        suites[env["suite"]] = suites.get(env["suite"], 0) + 1
    fp = fingerprint(ex["suite"], bytes.fromhex(ex["key"]))
    out = [
        f"评审包校验通过 / bundle verified: {path}",
        f"  format {manifest['format']}, bundle id {shown(manifest['bundle_id'])}, created {manifest['created']}",
        f"  exporter: {fp} ({ex['suite']}), claims the name {shown(ex['name'])!r}"
        + (" — matches --trust" if trusted else " — not checked against a trusted fingerprint (--trust)"),
        f"  events: {len(events)} ({', '.join(f'{s}: {n}' for s, n in sorted(suites.items()))})",
        f"  meetings: {', '.join(shown(m) for m in meetings) or '-'}",
        f"  documents: {blobs} ({blob_bytes} bytes)",
        f"  authors: {len(chains)} (fingerprint, suite, seqs, events, name as the bundle gives it)",
    ]
    for key, chain in sorted(chains.items(), key=lambda kv: names.get(kv[0], "")):
        suite = next(iter(chain.values()))[2]["suite"]
        seqs = sorted(chain)
        gaps = [f"{a + 1}-{b - 1}" if b - a > 2 else str(a + 1) for a, b in zip(seqs, seqs[1:]) if b > a + 1]
        gap = f", not in this bundle: {', '.join(gaps)}" if gaps else ""
        out.append(f"    {fingerprint(suite, bytes.fromhex(key))}  {suite:14}  seq {seqs[0]}-{seqs[-1]}  "
                   f"{len(chain)} event{'s' if len(chain) > 1 else ''}{gap}  {shown(names.get(key, '?'))}")
    for meeting, event_id, heads, pinned in closes:
        out.append(f"  close of {shown(meeting)} ({event_id[:16]}…): {sum(h in ids for h in heads)} of {len(heads)} "
                   f"pinned chain heads and {sum(d in ids for d in pinned)} of {len(pinned)} pinned decisions "
                   "are in this bundle")
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description="Verify a reviewdesk bundle without reviewdesk "
                                     "(see docs/bundle-format.md).")
    parser.add_argument("bundle", help="the .rdbundle file (a plain bundle, not an encrypted one)")
    parser.add_argument("--trust", action="append", default=[], metavar="FINGERPRINT",
                        help="require the exporter's key to have this fingerprint (e.g. 3F9A-12C4-88B0-E1D7); "
                             "may be given more than once")
    args = parser.parse_args()
    trusted = {t.strip().upper() for t in args.trust}
    try:
        result = verify(args.bundle, trusted)
    except Refused as e:
        print(f"拒绝 / REFUSED: {args.bundle}: {shown(e, 1000)}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"错误 / ERROR: {args.bundle}: {e}", file=sys.stderr)
        return 1
    except ImportError as e:
        print(f"错误 / ERROR: {e.name} is not installed: pip install cryptography gmssl", file=sys.stderr)
        return 1
    print(summary(args.bundle, trusted, *result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
