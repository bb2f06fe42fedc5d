"""Keep `manage.py serve`'s processes running: one that exits is started again after a backoff
(1 s, doubling to 30 s; back to 1 s once it has run a minute), and the others go on. A worker
killed by the kernel for its memory, or by a deploy, never takes daphne down with it."""

import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 30.0
HEALTHY_AFTER_S = 60.0  # a process that ran this long starts over from the first backoff


@dataclass
class Child:
    """One supervised process: its name, how to start it, and its restarts."""

    name: str
    start: Callable[[], subprocess.Popen]
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    backoff_s: float = FIRST_BACKOFF_S
    restart_at: float | None = None  # when it is to be started again, once it has exited
    restarts: int = field(default=0)

    def launch(self) -> None:
        self.proc, self.started_at, self.restart_at = self.start(), time.monotonic(), None


class Supervisor:
    def __init__(self, log: Callable[[str], None]):
        self.children: list[Child] = []
        self.log = log

    def add(self, name: str, start: Callable[[], subprocess.Popen]) -> Child:
        child = Child(name, start)
        child.launch()
        self.children.append(child)
        return child

    def check(self) -> None:
        """Note the processes that exited; start again those whose backoff has passed."""
        now = time.monotonic()
        for child in self.children:
            if child.restart_at is None and child.proc.poll() is not None:
                ran_s = now - child.started_at
                if ran_s >= HEALTHY_AFTER_S:
                    child.backoff_s = FIRST_BACKOFF_S
                child.restart_at = now + child.backoff_s
                self.log(
                    f"{child.name} exited with status {child.proc.returncode} after "
                    f"{ran_s:.0f} s; starting it again in {child.backoff_s:.0f} s"
                )
                child.backoff_s = min(child.backoff_s * 2, MAX_BACKOFF_S)
            elif child.restart_at is not None and now >= child.restart_at:
                child.restarts += 1
                child.launch()
                self.log(f"{child.name} started again (restart {child.restarts})")

    def run(self, every_s: float = 0.5) -> None:
        """Supervise until interrupted (Ctrl-C, or SIGTERM turned into SystemExit)."""
        while True:
            self.check()
            time.sleep(every_s)

    def processes(self) -> list[subprocess.Popen]:
        return [child.proc for child in self.children if child.proc is not None]
