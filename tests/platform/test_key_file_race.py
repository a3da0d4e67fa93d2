"""Fault 0: many processes creating the identity key at once must agree on one key."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROUNDS = 40
PROCESSES = 12

# Every process waits (spinning, for a precise start) until the same instant, loads (and
# if need be creates) the key of a fresh data dir, then moves on to the next round's dir.
_LOAD = """
import sys, time
from gigstation.platform.config import Settings
from gigstation.platform.keys import newest_key_bytes
base, start, rounds = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
for i in range(rounds):
    at = start + i * 0.05
    while time.time() < at:
        pass
    try:
        print(i, newest_key_bytes(Settings.from_env({}, data_dir=f"{base}/d{i}")).hex(), flush=True)
    except Exception as exc:
        print(i, "ERROR", type(exc).__name__, exc, flush=True)
"""


def test_processes_starting_at_once_share_one_key(tmp_path: Path) -> None:
    start_at = time.time() + 3.0  # after every interpreter has started
    procs = [
        subprocess.Popen([sys.executable, "-c", _LOAD, str(tmp_path), str(start_at), str(ROUNDS)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(PROCESSES)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    keys: dict[int, set[str]] = {}
    for out in outputs:
        for line in out.splitlines():
            i, _, key = line.partition(" ")
            keys.setdefault(int(i), set()).add(key)
    errors = [k for ks in keys.values() for k in ks if k.startswith("ERROR")]
    assert not errors, f"{len(errors)} loads failed, e.g. {errors[0]}"
    assert len(keys) == ROUNDS
    split = {i: ks for i, ks in keys.items() if len(ks) != 1}
    assert not split, f"processes disagreed on the key in {len(split)} of {ROUNDS} rounds"
    for i in range(ROUNDS):
        files = [f for f in (tmp_path / f"d{i}").rglob("*") if f.is_file()]
        assert len(files) == 1, f"one key file and no temporary file left behind: {files}"
        assert files[0].stat().st_mode & 0o077 == 0, "owner-only permissions"
        assert len(bytes.fromhex(next(iter(keys[i])))) == 32
