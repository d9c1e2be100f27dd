"""The task watchdog: one small process per kernel that kills every task process the kernel leaves behind.

Why it exists: a task's container process is started in its own session and process group and
with ``PR_SET_PDEATHSIG`` (see :mod:`.process`), so it dies with the kernel. But the death signal
reaches only that *direct* child: a grandchild (a worker the task started with ``subprocess``)
is re-parented to PID 1 and runs on forever when the kernel is killed with SIGKILL (a "Restart
kernel" that had to force it, an out-of-memory kill, a crash).

How it works: the kernel starts this file once, as a plain script (standard library only), with
pipes on its stdin and stdout. Each container process, before it execs its command, waits while
the kernel writes ``register <pid>`` and the watchdog answers ``ok <pid>`` (see :mod:`.process`):
no instant of a task runs unowned. ``watch <pid>`` registers without an answer (a new watchdog
learning the tasks of one that died), ``reap <pid>`` kills a task and answers once it is done,
``kill <pid>`` does the same without an answer.

Every container process is a *child subreaper* (``PR_SET_CHILD_SUBREAPER``): a descendant whose
parent exits is re-parented to it, not to PID 1, so while it lives its whole tree hangs below it,
whatever sessions and groups its workers moved to (a double fork with ``setsid`` included). The
watchdog walks that tree every quarter second (every 20 ms in a task's first second) and remembers
every descendant. To kill a task it SIGSTOPs the root (it starts nothing more and keeps its
orphans), kills every descendant, walks the tree again and kills what appeared meanwhile, until
nothing is left, then kills the root. When the kernel dies, its task processes are *stopped*
(their parent-death signal is SIGSTOP once the watchdog has them), the pipe reaches end-of-file
(and the watchdog's parent changes): the watchdog kills every task that way, then exits.

When a root exits by itself, what it left behind is killed, as Docker stops a container when its
main process ends: its group, its session and every descendant seen (one orphaned in the last
quarter second before the root's exit, into a session of its own, can slip through: that root
can no longer be walked).

Run as ``python -I watchdog.py <kernel pid>``; the protocol is one line per command.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

SCAN_S = 0.25
KILL_ROUNDS = 50    # kill, walk the tree again, kill what appeared meanwhile: until nothing is left
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
        for root in roots:
            self._walk(root)
        with self.lock:
            for pid, (_root, start) in list(self.seen.items()):
                st = _stat(pid)
                if st is None or st[3] != start:
                    del self.seen[pid]

    def _walk(self, root: int) -> None:
        with self.lock:
            stack = [root] + [p for p, (r, _s) in self.seen.items() if r == root]
        found: dict[int, tuple[int, int]] = {}
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

    def kill(self, root: int) -> None:
        """SIGKILL everything the root started (its tree, group, session, every descendant seen), then the root.

        A root that is still alive is stopped first (a task whose kernel died is already stopped:
        see :mod:`.process`): it starts nothing new, and as a child subreaper it keeps every orphan
        of its tree, so walking the tree again until no live descendant is left finds them all.
        """
        with self.lock:
            known = root in self.roots   # not known: already killed (or never watched): only leftovers
            start = self.roots.pop(root, None)
        st = _stat(root)
        alive = known and st is not None and start is not None and st[3] == start  # the same process, live
        if alive:
            try:
                os.kill(root, signal.SIGSTOP)
            except OSError:
                alive = False
        for _ in range(KILL_ROUNDS):
            if alive:
                self._walk(root)
            procs = _all()
            with self.lock:
                mine = {p for p, (r, s) in self.seen.items() if r == root and procs.get(p, (0, 0, 0, -1))[3] == s}
            if alive or root not in procs:
                # the group and session are named after the root (it was started with setsid); a live
                # process with the root's pid that is not the root means the pid was reused: not ours
                mine |= {p for p, (_pp, pg, sid, _s) in procs.items() if pg == root or sid == root}
            mine -= {root, os.getpid(), 1}
            if not mine:
                break
            for p in mine:
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.001)
        if alive or root not in _all():
            try:
                os.killpg(root, signal.SIGKILL)
            except OSError:
                pass
        if alive:
            try:
                os.kill(root, signal.SIGKILL)
            except OSError:
                pass
        with self.lock:
            for p in [p for p, (r, _s) in self.seen.items() if r == root]:
                del self.seen[p]

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
            if parts[0] in ("watch", "register"):
                dog.watch(int(parts[1]))
                if parts[0] == "register":  # the task's process waits for this answer before it runs
                    _answer(parts[1])
            elif parts[0] in ("kill", "reap"):
                dog.kill(int(parts[1]))
                if parts[0] == "reap":  # the kernel waits until the tree is dead
                    _answer(parts[1])
        done.set()  # end of file: the kernel is gone (or closed the pipe on purpose)

    threading.Thread(target=read, daemon=True).start()
    try:
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
    finally:
        dog.kill_all()


def _answer(pid: str) -> None:
    try:
        sys.stdout.write(f"ok {pid}\n")
        sys.stdout.flush()
    except (OSError, ValueError):
        pass  # the kernel is gone: end-of-file on stdin follows


if __name__ == "__main__":
    main()
