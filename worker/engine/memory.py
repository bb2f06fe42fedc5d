"""Hand freed heap memory back to the operating system (glibc; a no-op elsewhere)."""

import ctypes
import ctypes.util


def _find_malloc_trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return getattr(libc, "malloc_trim", None)  # glibc only (not musl, not macOS)


_MALLOC_TRIM = _find_malloc_trim()


def release_freed_memory() -> None:
    """Reading an adapter allocates and frees about twice its size on the loader thread, and
    glibc keeps such freed blocks in that thread's arena for reuse instead of returning
    them. Trimming after each load keeps RSS at what is really held (README, "Memory")."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)
