"""Run untrusted generated Python code against assert-statement tests, in a separate process.

Each call starts a fresh `python -I -S -B` (isolated: no user site, no environment variables,
no site-packages, so only the standard library) in an empty temporary directory. The runner
script below limits itself before it touches the generated code:

- resource limits: CPU seconds, address space, file size (1 MiB), no core files, and
  RLIMIT_NPROC 0 (no new processes or threads; not enforced when running as root);
- an audit hook (PEP 578; hooks cannot be removed) that refuses network use (every
  "socket.*" event), new processes (subprocess, os.system, exec*, spawn*, fork, kill, pty),
  loading ctypes, and writing, deleting or renaming files outside the temporary directory.

The code and then each test run in one fresh namespace; the code's stdout and stderr go to
/dev/null and the runner reports on a duplicate of the original stdout, so nothing the code
prints can be taken for the result. The wall-clock limit is enforced here: the runner is the
leader of its own session, and on timeout its whole process group is killed.

Audit hooks are a guard against accidents of generated code, not a security boundary against
code written to escape (PEP 578 says as much): run the worker itself in a container.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass

MIB = 1024 * 1024
FILE_SIZE_LIMIT = 1 * MIB
RESULT_MARKER = "@@sandbox-result"

RUNNER = r"""
import os, sys, resource

cpu_seconds, memory_bytes, file_bytes = (int(arg) for arg in sys.argv[1:4])


def limit(which, soft, hard):
    try:
        resource.setrlimit(which, (soft, hard))
    except (ValueError, OSError):
        pass


limit(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 1)  # SIGXCPU, then SIGKILL
limit(resource.RLIMIT_AS, memory_bytes, memory_bytes)
limit(resource.RLIMIT_FSIZE, file_bytes, file_bytes)
limit(resource.RLIMIT_CORE, 0, 0)
limit(resource.RLIMIT_NPROC, 0, 0)

import io, json

payload = json.loads(sys.stdin.buffer.read().decode("utf-8"))
code, tests, marker = payload["code"], payload["tests"], payload["marker"]

# Report on a copy of stdout; everything the code writes to fd 1 or 2 goes to /dev/null.
result_fd, write, dumps, exit_now = os.dup(1), os.write, json.dumps, os._exit
devnull = os.open(os.devnull, os.O_RDWR)
os.dup2(devnull, 0)
os.dup2(devnull, 1)
os.dup2(devnull, 2)
sys.stdin = io.StringIO()
sys.stdout = sys.stderr = io.TextIOWrapper(
    io.FileIO(devnull, "w", closefd=False), encoding="utf-8", errors="replace"
)

SANDBOX = os.path.realpath(os.getcwd())
PROCESS_EVENTS = {
    "subprocess.Popen", "os.system", "os.posix_spawn", "os.fork", "os.forkpty", "pty.spawn",
    "os.kill", "os.killpg", "signal.pthread_kill",
}
FILE_EVENTS = {
    "os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.truncate", "os.chmod", "os.chown",
    "os.link", "os.symlink", "os.utime", "shutil.rmtree",
}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


class Blocked(BaseException):
    # Not an Exception, so a plain `except Exception` in the code does not swallow it.
    pass


blocked = []


def outside(path):
    if not isinstance(path, (str, bytes, os.PathLike)):
        return False  # a file descriptor, a length, flags...
    real = os.path.realpath(os.fsdecode(path))
    return real != SANDBOX and not real.startswith(SANDBOX + os.sep)


def refused(event, args):
    if event.startswith("socket."):
        return "network"
    if event in PROCESS_EVENTS or event.startswith(("os.exec", "os.spawn")):
        return "process"
    if event == "import" and str(args[0]).partition(".")[0] in ("ctypes", "_ctypes"):
        return "ctypes"
    if event == "open":
        path, mode, flags = args
        writes = isinstance(mode, str) and any(c in mode for c in "wax+")
        writes = writes or (isinstance(flags, int) and flags & WRITE_FLAGS)
        if writes and outside(path):
            return "filesystem"
    elif event in FILE_EVENTS and any(outside(arg) for arg in args):
        return "filesystem"
    return None


def audit(event, args):
    kind = refused(event, args)
    if kind:
        blocked.append(kind)
        raise Blocked(kind)


def describe(exc):
    text = str(exc)
    return type(exc).__name__ + (": " + text if text else "")


def report(passed, reason):
    line = marker + " " + dumps({"passed": passed, "reason": reason[:200]}) + "\n"
    write(result_fd, line.encode("utf-8", "replace"))


memory_line = (marker + " " + dumps({"passed": False, "reason": "memory"}) + "\n").encode()
namespace = {"__name__": "__sandbox__", "__builtins__": __builtins__}
current = None
sys.addaudithook(audit)
try:
    exec(compile(code, "<generated>", "exec"), namespace)
    for index, current in enumerate(tests):
        exec(compile(current, "<test %d>" % index, "exec"), namespace)
    passed, reason = True, "passed"
except Blocked as exc:
    passed, reason = False, "blocked: " + exc.args[0]
except MemoryError:
    namespace.clear()
    passed, reason = False, "memory"
except AssertionError as exc:
    passed, reason = False, "failed: " + (current or describe(exc))
except BaseException as exc:
    passed, reason = False, "failed: " + describe(exc)
if blocked:  # the code caught the refusal and carried on: still a failure
    passed, reason = False, "blocked: " + blocked[0]
try:
    report(passed, " ".join(reason.split()))
except MemoryError:
    namespace.clear()
    write(result_fd, memory_line)
exit_now(0)  # no atexit handlers or lingering threads of the code after the report
"""


@dataclass(frozen=True)
class SandboxResult:
    passed: bool
    reason: str  # "passed", "failed: ...", "timeout", "memory", "blocked: network", ...


def run_tests(
    code: str,
    tests: list[str],
    *,
    cpu_seconds: int = 2,
    wall_seconds: float = 5.0,
    memory_mb: int = 256,
) -> SandboxResult:
    """Run `code`, then each assert statement of `tests`, in a fresh limited subprocess."""
    marker = f"{RESULT_MARKER}-{secrets.token_hex(8)}@@"
    payload = json.dumps({"code": code, "tests": list(tests), "marker": marker}).encode()
    limits = [str(max(1, int(cpu_seconds))), str(memory_mb * MIB), str(FILE_SIZE_LIMIT)]
    with tempfile.TemporaryDirectory(prefix="loraland-sandbox-") as workdir:
        process = subprocess.Popen(
            [sys.executable, "-I", "-S", "-B", "-c", RUNNER, *limits],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=workdir,
            env={"HOME": workdir, "TMPDIR": workdir},
            start_new_session=True,  # setsid: the runner leads its own process group
        )
        try:
            stdout, stderr = process.communicate(payload, timeout=wall_seconds)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            return SandboxResult(False, "timeout")
        except BaseException:
            _kill_group(process)
            raise
    return _result(stdout, stderr, process.returncode, marker)


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):  # the pid is still ours: not yet reaped
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()


def _result(stdout: bytes, stderr: bytes, returncode: int, marker: str) -> SandboxResult:
    for line in reversed(stdout.decode("utf-8", "replace").splitlines()):
        if line.startswith(marker):
            data = json.loads(line[len(marker) :])
            return SandboxResult(bool(data["passed"]), str(data["reason"]))
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL):  # the CPU limit's two signals
        return SandboxResult(False, "timeout")
    if b"MemoryError" in stderr:
        return SandboxResult(False, "memory")
    return SandboxResult(False, f"crashed: exit {returncode}")
