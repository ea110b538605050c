#!/usr/bin/env python3
"""Checks an impact receipt's ledger proofs against the published seals with
nothing but hashlib, independently of the service's code (docs/LEDGER.md).

usage: verify_receipt.py RECEIPT.json SEALS.json
RECEIPT.json is GET /api/v1/receipts/{token}; SEALS.json GET /api/v1/ledger/seals
(every seal from the first). Exit 0 when every proof gives its seal's root
and the seals chain; otherwise a message and exit 1.
"""
import hashlib, json, sys

def sha(*parts):
    return hashlib.sha256(b"".join(parts)).digest()

def root_from_path(leaf_hash, index, size, path):  # RFC 9162, 2.1.3.2
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf_hash
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = sha(b"\x01", p, r)
            while fn & 1 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = sha(b"\x01", r, p)
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None

receipt = json.load(open(sys.argv[1]))
seals = json.load(open(sys.argv[2]))["items"]
prev = bytes(32)
for s in seals:  # each seal's prev is the hash of the one before
    if bytes.fromhex(s["prev"]) != prev:
        sys.exit("seal %d does not chain to the seal before" % s["seq"])
    ints = [int(s[k]) for k in ("seq", "first_entry_id", "last_entry_id", "entries")]
    prev = sha(b"\x02", *[i.to_bytes(8, "big") for i in ints], bytes.fromhex(s["root"]), prev)
by_seq = {s["seq"]: s for s in seals}
if not receipt["proofs"]:
    sys.exit("the receipt has no proofs")
for p in receipt["proofs"]:
    leaf, seal = bytes.fromhex(p["leaf"]), by_seq[p["seal_seq"]]
    if leaf[0] != 1 or int.from_bytes(leaf[1:9], "big") != int(p["entry_id"]):
        sys.exit("entry %s: the leaf is another entry's" % p["entry_id"])
    root = root_from_path(sha(b"\x00", leaf), p["index"], seal["entries"], [bytes.fromhex(h) for h in p["path"]])
    if root is None or root.hex() != seal["root"]:
        sys.exit("entry %s is not in seal %d" % (p["entry_id"], seal["seq"]))
print("ok: %d proofs against %d seals" % (len(receipt["proofs"]), len(seals)))
