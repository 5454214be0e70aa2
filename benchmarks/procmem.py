"""Resident memory of the current process, read from the kernel (/proc/self/status).

tracemalloc only sees Python's allocator; torch and numpy allocate behind it, so RSS and its
high-water mark (VmHWM) are the honest numbers for "how much memory did this take".
"""

from __future__ import annotations

from typing import Optional


def _status_kib(field: str) -> Optional[int]:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def rss_bytes() -> Optional[int]:
    kib = _status_kib("VmRSS")
    return None if kib is None else kib * 1024


def peak_rss_bytes() -> Optional[int]:
    kib = _status_kib("VmHWM")
    return None if kib is None else kib * 1024


def reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0), so a later peak belongs to what ran since.

    Returns False where that is impossible; the caller then reports growth over the old peak,
    which can only understate it.
    """
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False
