"""Fargate task sizes: the CPU/memory pairs AWS accepts, and parsing of the values people write.

AWS (Amazon ECS Developer Guide, "Task CPU and memory", Linux containers, platform 1.4.0):

=========  =====================================================
CPU units  memory (MiB)
=========  =====================================================
256        512, 1024, 2048
512        1024 … 4096 in steps of 1024
1024       2048 … 8192 in steps of 1024
2048       4096 … 16384 in steps of 1024
4096       8192 … 30720 in steps of 1024
8192       16384 … 61440 in steps of 4096
16384      32768 … 122880 in steps of 8192
=========  =====================================================

moto accepts any value (and crashes later in RunTask when a container has no memory); AWS
refuses an invalid pair at RegisterTaskDefinition, so the course does too.
"""

from __future__ import annotations

import re

VALID_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}


def _parse_size(value: str | int | None, unit: str) -> int | None:
    """``"512"``/``512`` as is; ``"<x> <unit>"`` (vcpu, gb) × 1024; None when unparseable."""
    if value is None:
        return None
    text = str(value).strip().lower()
    m = re.fullmatch(rf"([0-9.]+)\s*{unit}", text)
    try:
        if m:
            return int(round(float(m.group(1)) * 1024))
        return int(float(text))
    except ValueError:
        return None


def parse_cpu(value: str | int | None) -> int | None:
    """CPU units from ``"256"``, ``256``, ``"1 vCPU"``, ``"0.25 vcpu"``; None when unparseable."""
    return _parse_size(value, "vcpu")


def parse_memory(value: str | int | None) -> int | None:
    """Memory in MiB from ``"512"``, ``512``, ``"1 GB"``, ``"0.5GB"``; None when unparseable."""
    return _parse_size(value, "gb")
    text = str(value).strip().lower()
    m = re.fullmatch(r"([0-9.]+)\s*gb", text)
    try:
        if m:
            return int(round(float(m.group(1)) * 1024))
        return int(float(text))
    except ValueError:
        return None


def describe_valid(cpu: int | None = None) -> str:
    """Human text listing the valid pairs (for one CPU value, or all)."""
    rows = VALID_SIZES.items() if cpu not in VALID_SIZES else [(cpu, VALID_SIZES[cpu])]  # type: ignore[index]
    parts = []
    for c, mems in rows:
        if len(mems) <= 3:
            parts.append(f"cpu {c} ({c / 1024:g} vCPU): memory {', '.join(map(str, mems))}")
        else:
            parts.append(f"cpu {c} ({c / 1024:g} vCPU): memory {mems[0]}-{mems[-1]} in steps of {mems[1] - mems[0]}")
    return "; ".join(parts)


def is_valid(cpu: int, memory: int) -> bool:
    return memory in VALID_SIZES.get(cpu, ())
