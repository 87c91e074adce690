"""`netvigil watch` with files it cannot read: each goes to failed/ with its reason, the loop goes on,
and a restart never reads the same file again. Real files, the real command, a real store."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

from netvigil.pipeline.watch import MAX_TRIES, READING
from netvigil.store import open_store

GOOD = (
    "time,entity,signal,value\n2022-01-05T10:30:00Z,country:KZ,probe,1523\n1641378900,country:KZ,probe,1510\n"
)
ROW = '{"time": 1641378600, "entity": "country:KZ", "signal": "probe", "value": %s}\n'

BAD = {
    "deep.jsonl": ("[" * 1000 + "]" * 1000 + "\n").encode(),
    "digits.jsonl": (ROW % ("1" * 5000)).encode(),
    "wide.csv": ('time,entity,signal,value\n1641378600,country:KZ,probe,"' + "1" * 200_000 + '"\n').encode(),
    "huge-time.csv": ("time,entity,signal,value\n" + "1" * 400 + ",country:KZ,probe,1\n").encode(),
    "zz.csv": b"time,entity,signal,value\n1641378600,country:ZZ,probe,1\n",
    "empty.jsonl": b"",
    "cut.csv.gz": gzip.compress((GOOD * 2000).encode())[:300],
    "latin1.csv": "time,entity,signal,value\n1641378600,country:KZ,caf\xe9,1\n".encode("latin-1"),
    "binary.csv": bytes(range(256)) * 4,
}
EXPECTED_LINE = {
    "deep.jsonl": 1,
    "digits.jsonl": 1,
    "wide.csv": 2,
    "huge-time.csv": 2,
    "zz.csv": 2,
    "empty.jsonl": 1,
}


def watch_once(db: Path, inbox: Path) -> subprocess.CompletedProcess[str]:
    netvigil = str(Path(sys.executable).parent / "netvigil")
    command = [netvigil, "watch", "--once", "--inbox", str(inbox), "--db", str(db)]
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(command, check=False, capture_output=True, text=True, timeout=300, env=env)


def fill_inbox(inbox: Path) -> None:
    inbox.mkdir()
    for age, (name, body) in enumerate(BAD.items()):
        (inbox / name).write_bytes(body)
        os.utime(inbox / name, (1000 + age, 1000 + age))
    (inbox / "good.csv").write_text(GOOD)
    (inbox / "good.jsonl").write_text(ROW % "7")


def test_unreadable_files_go_to_failed_with_their_reason_and_the_round_goes_on(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    fill_inbox(inbox)
    db = tmp_path / "w.duckdb"
    first = watch_once(db, inbox)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Traceback" not in first.stdout + first.stderr
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["good.csv", "good.jsonl"]
    failed = inbox / "failed"
    assert sorted(p.name for p in failed.iterdir() if not p.name.endswith(".error")) == sorted(BAD)
    for name in BAD:
        note = (failed / f"{name}.error").read_text("utf-8")
        assert note.startswith(str(inbox / name)) and len(note.splitlines()) == 1, note
        if name in EXPECTED_LINE:
            assert note.startswith(f"{inbox / name}:{EXPECTED_LINE[name]}: "), note
    assert not [p for p in inbox.iterdir() if p.is_file()]
    with open_store(db) as store:
        assert store.state.get(READING) == ""
    again = watch_once(db, inbox)
    assert again.returncode == 0 and "ingested" not in again.stdout and "failed" not in again.stdout
    assert sorted(p.name for p in failed.iterdir() if not p.name.endswith(".error")) == sorted(BAD)


def test_a_file_two_runs_died_on_is_set_aside_unread_and_a_restart_moves_on(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "poison.csv").write_text(GOOD)
    (inbox / "next.csv").write_text(GOOD.replace("1523", "1600"))
    os.utime(inbox / "poison.csv", (1000, 1000))
    db = tmp_path / "w.duckdb"
    with open_store(db) as store:  # what two runs killed while reading poison.csv leave behind
        store.state.set(READING, json.dumps({"file": "poison.csv", "tries": MAX_TRIES}))
    first = watch_once(db, inbox)
    assert first.returncode == 0, first.stdout + first.stderr
    note = (inbox / "failed" / "poison.csv.error").read_text("utf-8")
    assert "stopped 2 times while reading this file" in note and "move it back" in note
    assert (inbox / "done" / "next.csv").exists()
    with open_store(db) as store:
        assert store.state.get(READING) == ""


def test_a_file_one_run_died_on_is_read_again(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "big.csv").write_text(GOOD)
    db = tmp_path / "w.duckdb"
    with open_store(db) as store:  # what one run killed while reading big.csv leaves behind
        store.state.set(READING, json.dumps({"file": "big.csv", "tries": 1}))
    assert watch_once(db, inbox).returncode == 0
    assert (inbox / "done" / "big.csv").exists() and not (inbox / "failed").exists()
