"""The machine a benchmark ran on, its load, and the memory of a process (Linux /proc).

Every result file records ``machine_info()`` and the load average before and after the
measurement: this VM is shared, and a figure taken under load must say so.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

PROC = Path("/proc")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def cpu_model(cpuinfo: str | None = None) -> str:
    """The first 'model name' of /proc/cpuinfo ('unknown' elsewhere)."""
    text = _read(PROC / "cpuinfo") if cpuinfo is None else cpuinfo
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            return value.strip()
    return platform.processor() or "unknown"


def ram_gb(meminfo: str | None = None) -> float | None:
    """Total memory in GiB, from MemTotal of /proc/meminfo."""
    text = _read(PROC / "meminfo") if meminfo is None else meminfo
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024**2, 1)
    return None


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def machine_info() -> dict:
    """CPU count and model, RAM, Python and OS, and the load average now."""
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model(),
        "ram_gb": ram_gb(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "load_average": load_average(),
    }


def kib_to_mb(kib: int) -> float:
    """KiB (what /proc and getrusage report on Linux) in MB (10**6 B), one decimal."""
    return round(kib * 1024 / 1e6, 1)


def process_memory_mb(pid: int | str = "self", status: str | None = None) -> dict[str, float]:
    """Resident memory now (VmRSS) and at its peak (VmHWM) of a process, in MB (10**6 B)."""
    text = _read(PROC / str(pid) / "status") if status is None else status
    out = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            kib = int(value.split()[0])
            out["rss_mb" if key == "VmRSS" else "peak_rss_mb"] = kib_to_mb(kib)
    return out


def disk_size_mb(folder: Path) -> float:
    """The size of every file under ``folder`` (symlinks not followed), in MB (10**6 B)."""
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    return round(total / 1e6, 2)
