#!/usr/bin/env python3
"""Checks a twoline proof against signed checkpoints, with the Python standard library only.

usage: verify_proof.py --checkpoint FILE [--checkpoint FILE] --public-key FILE --proof FILE
                       [--origin ORIGIN]

An inclusion proof needs the checkpoint of its tree size; a consistency proof needs the checkpoints
of both its sizes. Prints "ok ..." and exits 0, or prints "bad <reason>" and exits 1.
docs/proofs.md describes every format read here.
"""
import argparse
import base64
import hashlib
import json
import re
import sys


class Bad(Exception):
    pass


# --- Ed25519 verification (RFC 8032 §5.1.7), on extended coordinates -------------------------------

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def point_add(a, b):
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    pa, pb = (y1 - x1) * (y2 - x2) % P, (y1 + x1) * (y2 + x2) % P
    pc, pd = 2 * t1 * t2 * D % P, 2 * z1 * z2 % P
    e, f, g, h = pb - pa, pd - pc, pd + pc, pb + pa
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def scalar_mult(s, point):
    result = (0, 1, 1, 0)
    while s:
        if s & 1:
            result = point_add(result, point)
        point = point_add(point, point)
        s >>= 1
    return result


def decompress(data):
    """The curve point of a 32-byte encoding, or None (RFC 8032 §5.1.3)."""
    y = int.from_bytes(data, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        return None if sign else (0, y, 1, 0)
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        return None
    if x & 1 != sign:
        x = P - x
    return (x, y, 1, x * y % P)


BASE = decompress((4 * pow(5, P - 2, P) % P).to_bytes(32, "little"))


def same_point(a, b):
    return (a[0] * b[2] - b[0] * a[2]) % P == 0 and (a[1] * b[2] - b[1] * a[2]) % P == 0


def ed25519_verify(public_key, message, signature):
    if len(public_key) != 32 or len(signature) != 64:
        return False
    a, r = decompress(public_key), decompress(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= L:
        return False
    k = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little") % L
    return same_point(scalar_mult(s, BASE), point_add(r, scalar_mult(k, a)))


# --- keys, signed notes and checkpoints (C2SP signed-note and tlog-checkpoint) ---------------------

def b64decode(text, what):
    """Strict standard base64: the decoded bytes must encode back to exactly `text`."""
    try:
        data = base64.b64decode(text, validate=True)
    except ValueError:
        raise Bad(f"{what} is not base64")
    if base64.b64encode(data).decode() != text:
        raise Bad(f"{what} is not canonical base64")
    return data


def key_id(name, public_key):
    return hashlib.sha256(name.encode() + b"\n\x01" + public_key).digest()[:4]


def parse_verifier_key(text):
    """<name>+<8 hex digits key id>+base64(0x01 || 32-byte Ed25519 public key)."""
    parts = text.split("+", 2)
    if len(parts) != 3 or not parts[0] or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
        raise Bad("public key: expected <name>+<key id>+<key>")
    key = b64decode(parts[2], "public key")
    if len(key) != 33 or key[0] != 0x01:
        raise Bad("public key: not an Ed25519 key")
    if key_id(parts[0], key[1:]).hex() != parts[1]:
        raise Bad("public key: the key id does not belong to this name and key")
    return (parts[0], bytes.fromhex(parts[1]), key[1:])


def open_note(note, verifiers):
    """The text of a signed note, if a known key signed it (and no known key's signature fails)."""
    if re.search(r"[\x00-\x09\x0b-\x1f\x7f]", note):
        raise Bad("malformed note: contains a control character")
    split = note.rfind("\n\n")
    if split < 0:
        raise Bad("malformed note: no blank line between the text and the signatures")
    text, signatures = note[:split + 1], note[split + 2:]
    if not signatures.endswith("\n"):
        raise Bad("malformed note: the signature lines must end with a newline")
    signed_by, seen = [], []
    for line in signatures[:-1].split("\n"):
        match = re.fullmatch(r"\u2014 ([^ +]+) ([A-Za-z0-9+/=]+)", line)
        if not match:
            raise Bad("malformed note: a signature line is not '\u2014 <name> <base64>'")
        name, blob = match.group(1), b64decode(match.group(2), "a signature")
        if len(blob) < 5:
            raise Bad("malformed note: a signature is too short")
        seen.append(f"{name}+{blob[:4].hex()}")
        for known_name, known_id, public_key in verifiers:
            if (known_name, known_id) != (name, blob[:4]):
                continue
            if not ed25519_verify(public_key, text.encode(), blob[4:]):
                raise Bad(f"wrong signature: the signature by key {name} does not verify")
            signed_by.append(name)
    if not signed_by:
        raise Bad(f"unknown key: the note is not signed by a known key (signed by {', '.join(seen)})")
    return text


def open_checkpoint(note, verifiers, origin):
    lines = open_note(note, verifiers)[:-1].split("\n")
    if len(lines) < 3 or not lines[0] or not re.fullmatch(r"0|[1-9][0-9]*", lines[1]):
        raise Bad("malformed checkpoint: expected origin, tree size and root hash lines")
    root = b64decode(lines[2], "the checkpoint's root hash")
    if len(root) != 32:
        raise Bad("malformed checkpoint: the root hash is not 32 bytes")
    if lines[0] != origin:
        raise Bad(f"wrong origin: the checkpoint is for \"{lines[0]}\", expected \"{origin}\"")
    return int(lines[1]), root


# --- Merkle trees (RFC 9162 §2.1) --------------------------------------------------------------------

def hash_leaf(data):
    return hashlib.sha256(b"\x00" + data).digest()


def hash_children(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion_proof(index, size, leaf_hash, path):
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        raise Bad(f"inclusion proof rejected: leaf index {index} is not below the tree size {size}")
    fn, sn, r = index, size - 1, leaf_hash
    for p in path:
        if sn == 0:
            raise Bad("inclusion proof rejected: the inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = hash_children(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise Bad("inclusion proof rejected: the inclusion proof is truncated")
    return r


def verify_consistency(first, second, path, first_hash, second_hash):
    """RFC 9162 §2.1.4.2 (equal sizes: an empty proof and equal roots)."""
    if first == 0 or first > second:
        raise Bad(f"consistency proof rejected: sizes {first} and {second} are not 0 < from <= to")
    if first == second:
        if path or first_hash != second_hash:
            raise Bad("consistency proof rejected: equal sizes need an empty proof and equal roots")
        return
    if not path:
        raise Bad("consistency proof rejected: the consistency proof is empty")
    if first & (first - 1) == 0:
        path = [first_hash] + path
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise Bad("consistency proof rejected: the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = hash_children(c, fr), hash_children(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = hash_children(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != first_hash or sr != second_hash:
        raise Bad("consistency proof rejected: the proof does not lead to both checkpoints' roots")


# --- journal entries: the bytes a leaf hashes ------------------------------------------------------

def json_members(line):
    """The members of a one-line JSON object: (key, value, the value's exact text), in order."""
    decoder, members, at = json.JSONDecoder(), [], 1
    if not line.startswith("{") or not line.endswith("}"):
        raise Bad("tampered entry: the entry is not a JSON object")
    try:
        while True:
            key, at = decoder.raw_decode(line, at)
            if line[at] != ":":
                raise ValueError
            value, end = decoder.raw_decode(line, at + 1)
            members.append((key, value, line[at + 1:end]))
            if line[end] == "}" and end == len(line) - 1:
                return members
            if line[end] != ",":
                raise ValueError
            at = end + 1
    except (ValueError, IndexError):
        raise Bad("tampered entry: the entry is not a compact JSON object")


def field(tag, data):
    return bytes([tag]) + len(data).to_bytes(4, "little") + data


def entry_encoding(line):
    """(seq, zone, canonical encoding) of a journal line; checks its hash field."""
    members = json_members(line)
    keys = [key for key, _, _ in members]
    values = {key: value for key, value, _ in members}
    texts = {key: text for key, _, text in members}
    if keys == ["seq", "kind", "zone", "prev", "command", "decision", "hash"]:
        kind, body = 2, field(7, texts["command"].encode()) + field(8, texts["decision"].encode())
    elif keys == ["seq", "kind", "zone", "prev", "profile_sha256", "profile", "tariff", "hash"]:
        kind, body = 1, field(5, values["profile"].encode()) + field(6, values["tariff"].encode())
        if hashlib.sha256(values["profile"].encode()).hexdigest() != values["profile_sha256"]:
            raise Bad("tampered entry: profile_sha256 does not match the profile")
    else:
        raise Bad("tampered entry: the entry's keys are not those of a journal entry")
    if values["kind"] != ("command" if kind == 2 else "profile"):
        raise Bad("tampered entry: the entry's kind does not match its keys")
    seq, prev = values["seq"], values["prev"]
    if type(seq) is not int or seq < 1 or not re.fullmatch(r"[0-9a-f]{64}", prev):
        raise Bad("tampered entry: seq or prev is malformed")
    encoding = (b"\x01" + field(1, seq.to_bytes(8, "little")) + field(2, bytes.fromhex(prev)) +
                field(3, kind.to_bytes(8, "little")) + field(4, values["zone"].encode()) + body)
    if hashlib.sha256(encoding).hexdigest() != values["hash"]:
        raise Bad("tampered entry: the entry's hash field does not match its content")
    return seq, values["zone"], encoding


# --- proofs ------------------------------------------------------------------------------------------

def hex_hash(text, what):
    if not isinstance(text, str) or not re.fullmatch(r"[0-9a-f]{64}", text):
        raise Bad(f"malformed proof: {what} is not 64 lowercase hex digits")
    return bytes.fromhex(text)


def checkpoint_of_size(checkpoints, size):
    for checkpoint_size, root in checkpoints:
        if checkpoint_size == size:
            return root
    covered = ", ".join(str(s) for s, _ in checkpoints)
    raise Bad(f"wrong size: the proof needs a checkpoint of size {size}, "
              f"the checkpoints cover {covered} entries")


def check_inclusion(proof, checkpoints):
    if set(proof) != {"type", "zone", "seq", "leaf_index", "tree_size", "leaf_hash", "entry", "path"}:
        raise Bad("malformed proof: not the keys of an inclusion proof")
    seq, index, size = proof["seq"], proof["leaf_index"], proof["tree_size"]
    root = checkpoint_of_size(checkpoints, size)
    if type(seq) is not int or seq < 1 or index != seq - 1:
        raise Bad("malformed proof: leaf_index is not seq - 1")
    entry_seq, zone, encoding = entry_encoding(proof["entry"])
    if (entry_seq, zone) != (seq, proof["zone"]):
        raise Bad(f"tampered entry: the entry is seq {entry_seq} of zone {zone}, "
                  f"the proof is for seq {seq} of zone {proof['zone']}")
    leaf_hash = hash_leaf(encoding)
    if leaf_hash != hex_hash(proof["leaf_hash"], "leaf_hash"):
        raise Bad(f"tampered entry: the entry's leaf hash is {leaf_hash.hex()}, "
                  f"the proof's leaf_hash is {proof['leaf_hash']}")
    path = [hex_hash(h, "a path element") for h in proof["path"]]
    computed = root_from_inclusion_proof(index, size, leaf_hash, path)
    if computed != root:
        raise Bad(f"inclusion proof rejected: the inclusion proof leads to root {computed.hex()}, "
                  f"not to the root {root.hex()} of the tree of size {size}")
    return f"ok inclusion: seq {seq} of zone {zone} is in the journal's first {size} entries"


def check_consistency(proof, checkpoints):
    if set(proof) != {"type", "zone", "from", "to", "path"}:
        raise Bad("malformed proof: not the keys of a consistency proof")
    first, second = proof["from"], proof["to"]
    path = [hex_hash(h, "a path element") for h in proof["path"]]
    verify_consistency(first, second, path, checkpoint_of_size(checkpoints, first),
                       checkpoint_of_size(checkpoints, second))
    return f"ok consistency: zone {proof['zone']}'s first {first} entries are unchanged in its first {second}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", action="append", required=True)
    parser.add_argument("--public-key", action="append", required=True)
    parser.add_argument("--proof", required=True)
    parser.add_argument("--origin")
    args = parser.parse_args()
    try:
        verifiers = []
        for path in args.public_key:
            with open(path, encoding="utf-8") as file:
                verifiers.append(parse_verifier_key(file.read().strip()))
        with open(args.proof, encoding="utf-8") as file:
            try:
                proof = json.load(file)
            except ValueError as error:
                raise Bad(f"malformed proof: not JSON ({error})")
        if not isinstance(proof, dict) or proof.get("type") not in ("inclusion", "consistency"):
            raise Bad("malformed proof: no type inclusion or consistency")
        origin = args.origin or "twoline/" + str(proof.get("zone"))
        checkpoints = []
        for path in args.checkpoint:
            with open(path, encoding="utf-8") as file:
                checkpoints.append(open_checkpoint(file.read(), verifiers, origin))
        check = check_inclusion if proof["type"] == "inclusion" else check_consistency
        print(check(proof, checkpoints))
        return 0
    except (Bad, OSError, UnicodeDecodeError) as error:
        print(f"bad {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
