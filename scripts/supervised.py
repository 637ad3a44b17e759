"""Start one supervised program in a clean process group: supervisord runs each program through this.

supervisord makes each program the leader of a process group of its own and stops it by signalling
the whole group. A program killed with SIGKILL cannot take its children along: Airflow's scheduler
leaves its LocalExecutor workers and its log server (which keeps the log port, so the new scheduler
cannot serve logs) behind, in a group nobody signals any more, not even ``make stop``. So before
exec'ing the program (same pid: supervisord and ``kill`` still see the program itself) this kills what
is left of the group of the program's previous start, recorded in ``GROUPS_DIR/NAME``, and records its
own group there. ``devstack.py stop`` calls ``kill_leftovers`` for every recorded group.

Only processes of this stack are touched: members of the old group in supervisord's session (the
launcher starts supervisord in a session of its own). A group id reused by anything else is left alone
(and the environment cannot tell: Airflow's process titles overwrite what ``/proc/PID/environ`` shows).

    python scripts/supervised.py GROUPS_DIR/NAME -- argv...
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path


def _members(pgid: int, sid: int) -> list[int]:
    """Processes in process group ``pgid`` of session ``sid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            stat = (entry / "stat").read_text()
            # Fields after the command name (which may hold spaces and parentheses): state ppid pgrp session ...
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and int(fields[3]) == sid:
                found.append(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
    return found


def kill_group_leftovers(record: Path, sid: int) -> list[int]:
    """SIGKILL what is still alive of the group recorded in ``record`` (in session ``sid``); the pids killed."""
    try:
        pgid = int(record.read_text().strip())
    except (OSError, ValueError):
        return []
    killed = []
    for pid in _members(pgid, sid):
        try:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        except (ProcessLookupError, PermissionError):
            pass
    return killed


def kill_leftovers(groups_dir: Path, sid: int) -> list[int]:
    """``kill_group_leftovers`` for every program recorded in ``groups_dir``, forgetting the records."""
    killed = []
    for record in sorted(groups_dir.glob("*")) if groups_dir.is_dir() else []:
        killed += kill_group_leftovers(record, sid)
        record.unlink(missing_ok=True)
    return killed


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: supervised.py GROUPS_DIR/NAME -- argv...", file=sys.stderr)
        return 2
    record, command = Path(argv[0]), argv[2:]
    killed = kill_group_leftovers(record, os.getsid(0))
    if killed:
        print(f"[supervised] killed {len(killed)} process(es) left by the previous start: {killed}", flush=True)
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(str(os.getpgrp()))
    os.execvp(command[0], command)
    return 127  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
