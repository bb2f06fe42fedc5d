"""demo.sandbox: generated code runs in a limited subprocess without network or processes."""

import select
import socket
import time

from demo.sandbox import SandboxResult, run_tests

ADD = "def add(a, b):\n    return a + b\n"


def test_passing_code():
    result = run_tests(ADD, ["assert add(1, 2) == 3", "assert add('a', 'b') == 'ab'"])
    assert result == SandboxResult(True, "passed")


def test_failing_assert_names_the_test():
    result = run_tests(ADD, ["assert add(1, 2) == 3", "assert add(2, 2) == 5"])
    assert not result.passed
    assert result.reason == "failed: assert add(2, 2) == 5"


def test_exception():
    result = run_tests("def add(a, b):\n    return a / 0\n", ["assert add(1, 2) == 3"])
    assert not result.passed
    assert result.reason.startswith("failed: ZeroDivisionError")


def test_syntax_error():
    result = run_tests("def add(a, b) return a + b", ["assert add(1, 2) == 3"])
    assert not result.passed
    assert result.reason.startswith("failed: SyntaxError")


def test_endless_loop_is_stopped_by_the_cpu_limit():
    start = time.monotonic()
    result = run_tests("while True:\n    pass\n", [], cpu_seconds=1, wall_seconds=10)
    assert result == SandboxResult(False, "timeout")
    assert time.monotonic() - start < 5


def test_sleeping_code_is_stopped_by_the_wall_clock():
    start = time.monotonic()
    result = run_tests("import time\ntime.sleep(60)\n", [], wall_seconds=1)
    assert result == SandboxResult(False, "timeout")
    assert time.monotonic() - start < 4


def test_memory_bomb():
    assert run_tests("x = bytearray(10**10)\n", []) == SandboxResult(False, "memory")
    growing = "chunks = []\nwhile True:\n    chunks.append(bytearray(10**6))\n"
    assert run_tests(growing, [], memory_mb=128) == SandboxResult(False, "memory")


def test_network_is_refused():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        code = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
        result = run_tests(code, [])
        assert not result.passed
        assert result.reason == "blocked: network"
        readable, _, _ = select.select([server], [], [], 0.2)
        assert readable == []  # nobody ever connected


def test_network_refusal_cannot_be_swallowed():
    code = (
        "import socket\n"
        "try:\n"
        "    socket.socket()\n"
        "except BaseException:\n"
        "    pass\n"
        "def f():\n"
        "    return 1\n"
    )
    assert run_tests(code, ["assert f() == 1"]) == SandboxResult(False, "blocked: network")


def test_subprocess_is_refused():
    code = "import subprocess\nsubprocess.run(['echo', 'hi'])\n"
    assert run_tests(code, []) == SandboxResult(False, "blocked: process")


def test_os_system_is_refused(tmp_path):
    target = tmp_path / "pwned"
    result = run_tests(f"import os\nos.system('touch {target}')\n", [])
    assert result == SandboxResult(False, "blocked: process")
    assert not target.exists()


def test_writing_outside_the_sandbox_is_refused(tmp_path):
    target = tmp_path / "pwned"
    result = run_tests(f"open({str(target)!r}, 'w').write('x')\n", [])
    assert result == SandboxResult(False, "blocked: filesystem")
    assert not target.exists()


def test_writing_inside_the_sandbox_is_allowed():
    code = "with open('scratch.txt', 'w') as f:\n    f.write('x')\n"
    assert run_tests(code, ["assert open('scratch.txt').read() == 'x'"]).passed


def test_printing_a_lot_still_gives_a_result():
    code = (
        "import sys\n"
        "for i in range(100_000):\n"
        "    print('@@sandbox-result fake', i)\n"
        "sys.stderr.write('e' * 1_000_000)\n" + ADD
    )
    assert run_tests(code, ["assert add(1, 2) == 3"]) == SandboxResult(True, "passed")
    assert run_tests(code, ["assert add(1, 2) == 4"]).reason == "failed: assert add(1, 2) == 4"


def test_exiting_early_is_not_a_pass():
    assert not run_tests("import sys\nsys.exit(0)\n", []).passed
    assert not run_tests("import os\nos._exit(0)\n", []).passed
