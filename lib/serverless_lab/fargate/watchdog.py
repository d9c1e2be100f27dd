"""The task watchdog: one small process per kernel that kills every task process the kernel leaves behind.

Why it exists: a task's container process is started in its own session and process group and
with ``PR_SET_PDEATHSIG`` (see :mod:`.process`), so it dies with the kernel. But the death signal
reaches only that *direct* child: a grandchild (a worker the task started with ``subprocess``)
is re-parented to PID 1 and runs on forever when the kernel is killed with SIGKILL (a "Restart
kernel" that had to force it, an out-of-memory kill, a crash).

How it works: the kernel starts this file once, as a plain script (standard library only), with
a pipe on its stdin. For every container process it writes ``watch <pid>``; to kill one it writes
``kill <pid>``. The watchdog remembers each root and, every quarter second, every process that
descends from it (so a grandchild that escaped into a new session with ``setsid`` is known even
after its parent is gone; a worker started and orphaned within the first few milliseconds of a task
can still slip through). When a root exits, what it left behind is killed, as Docker stops a
container when its main process ends. When the kernel dies, the pipe reaches end-of-file (and the
watchdog's parent changes): it SIGKILLs each root's process group, its session and every
remembered descendant, then exits. Nothing about a task outlives the kernel.

Run as ``python -I watchdog.py <kernel pid>``; the protocol is one line per command.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

SCAN_S = 0.25
FAST_SCAN_S = 0.02  # for the first second after a task starts, when it is most likely to start workers
HAVE_PROC = os.path.isdir("/proc/self/task")  # without /proc (macOS), only groups and sessions are killed


def _stat(pid: int) -> tuple[int, int, int, int] | None:
    """(ppid, pgrp, session, starttime) from /proc, or None (gone, or not Linux)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode("ascii", "replace")
    except OSError:
        return None
    fields = data[data.rfind(")") + 2:].split()
    if fields and fields[0] in ("Z", "X"):
        return None  # a zombie has already exited
    try:
        return int(fields[1]), int(fields[2]), int(fields[3]), int(fields[19])
    except (IndexError, ValueError):
        return None


def _children(pid: int) -> list[int]:
    """Direct children of pid (Linux 3.5+: /proc/<pid>/task/<tid>/children); cheap, unlike a full scan."""
    out: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as f:
                out.extend(int(x) for x in f.read().split())
        except (OSError, ValueError):
            pass
    return out


def _all() -> dict[int, tuple[int, int, int, int]]:
    out: dict[int, tuple[int, int, int, int]] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return out
    for name in names:
        if name.isdigit():
            st = _stat(int(name))
            if st is not None:
                out[int(name)] = st
    return out


class Watchdog:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.roots: dict[int, int | None] = {}           # root pid -> its starttime
        self.seen: dict[int, tuple[int, int]] = {}       # descendant pid -> (root, starttime)
        self.last_watch = 0.0

    def watch(self, pid: int) -> None:
        st = _stat(pid)
        with self.lock:
            self.roots[pid] = st[3] if st else None
            self.last_watch = time.monotonic()

    def scan(self) -> None:
        """Remember every live descendant of every root (following /proc/<pid>/task/*/children)."""
        with self.lock:
            roots = list(self.roots)
            known = dict(self.seen)
        found: dict[int, tuple[int, int]] = {}
        for root in roots:
            stack = [root] + [p for p, (r, _s) in known.items() if r == root]
            visited: set[int] = set()
            while stack:
                pid = stack.pop()
                if pid in visited:
                    continue
                visited.add(pid)
                for child in _children(pid):
                    st = _stat(child)
                    if st is not None and child not in found:
                        found[child] = (root, st[3])
                        stack.append(child)
        with self.lock:
            for pid, entry in found.items():
                self.seen.setdefault(pid, entry)
            for pid, (_root, start) in list(self.seen.items()):
                st = _stat(pid)
                if st is None or st[3] != start:
                    del self.seen[pid]

    def kill(self, root: int) -> None:
        """SIGKILL the root's process group, its session and every descendant ever seen."""
        self.scan()
        procs = _all()
        with self.lock:
            start = self.roots.pop(root, None)
            mine = [p for p, (r, s) in self.seen.items() if r == root and procs.get(p, (0, 0, 0, -1))[3] == s]
            for p in mine:
                self.seen.pop(p, None)
        victims = set(mine)
        if start is None or (root in procs and procs[root][3] == start) or root not in procs:
            # the group and session are named after the root (it was started with setsid)
            victims |= {p for p, (_pp, pg, sid, _s) in procs.items() if pg == root or sid == root}
        try:
            os.killpg(root, signal.SIGKILL)
        except OSError:
            pass
        for p in victims:
            if p in (os.getpid(), 1):
                continue
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass

    def kill_all(self) -> None:
        with self.lock:
            roots = list(self.roots)
        for root in roots:
            self.kill(root)


def main() -> None:
    parent = int(sys.argv[1]) if len(sys.argv) > 1 else os.getppid()
    dog = Watchdog()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())

    def read() -> None:
        for line in sys.stdin:
            parts = line.split()
            if len(parts) != 2 or not parts[1].isdigit():
                continue
            if parts[0] == "watch":
                dog.watch(int(parts[1]))
            elif parts[0] == "kill":
                dog.kill(int(parts[1]))
        done.set()  # end of file: the kernel is gone (or closed the pipe on purpose)

    threading.Thread(target=read, daemon=True).start()
    while not done.wait(SCAN_S if time.monotonic() - dog.last_watch > 1 else FAST_SCAN_S):
        if os.getppid() != parent:
            break
        if dog.roots and HAVE_PROC:
            dog.scan()
            with dog.lock:
                roots = dict(dog.roots)
            ended = [r for r, start in roots.items() if (st := _stat(r)) is None or st[3] != start]
            for root in ended:  # the container's main process is gone: so is the container
                dog.kill(root)
    dog.kill_all()


if __name__ == "__main__":
    main()
