#!/usr/bin/env python3
"""Checks that every signature a client received has its durable audit entry.

usage: check_released.py AUDIT_LOG RESPONSE... [--exact N]
Each RESPONSE is a /v1/sign answer body (files that are empty or not a complete 200 answer are
skipped: the client never received a signature from them). For each received signature the log's
line seq+1 must carry the answer's hash, decision allow and the same subject; no two answers may
name the same entry; the log's seqs count from 0 without duplicates. --exact N: exactly N answers
carried signatures. Prints how many were checked.
"""
import json
import sys

args = sys.argv[1:]
exact = None
if "--exact" in args:
    i = args.index("--exact")
    exact = int(args[i + 1])
    del args[i:i + 2]
log_path, responses = args[0], args[1:]
entries = [json.loads(line) for line in open(log_path, encoding="utf-8") if line.strip()]
seqs = [e["seq"] for e in entries]
if seqs != list(range(len(seqs))):
    sys.exit("FAIL: the log's seqs are not 0..n-1 without duplicates")
hashes = [e["hash"] for e in entries]
if len(set(hashes)) != len(hashes):
    sys.exit("FAIL: duplicate hashes in the log")
seen = set()
checked = 0
for path in responses:
    try:
        with open(path, encoding="utf-8") as f:
            r = json.load(f)
    except (OSError, ValueError):
        continue
    outputs = r.get("outputs") or {}
    if "simplesigning.sig" not in outputs:
        continue
    seq = int(r["auditEntry"]["seq"])
    if seq in seen:
        sys.exit(f"FAIL: two answers name entry {seq}")
    seen.add(seq)
    if seq >= len(entries):
        sys.exit(f"FAIL: {path}: entry {seq} is not in the log ({len(entries)} entries)")
    e = entries[seq]
    if e["hash"] != r["auditEntry"]["hash"] or e["decision"] != "allow":
        sys.exit(f"FAIL: {path}: entry {seq} is not this signature's allow record")
    if e["subject"] != r["decision"]["subject"] and not e["subject"].endswith(r["decision"]["subject"]):
        sys.exit(f"FAIL: {path}: entry {seq} names another subject")
    checked += 1
if exact is not None and checked != exact:
    sys.exit(f"FAIL: {checked} signatures received, want {exact}")
print(checked)
