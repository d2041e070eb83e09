"""The run manifest: what produced an output folder, in ``manifest.json`` beside the results.

Package versions, the torch build, the machine and device, the full resolved configuration
with its hash, the seeds and the command line, so that a result found later says exactly
how to get it again. Written atomically (a temporary file, then a rename).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import torch

from ._version import __version__

FILENAME = "manifest.json"
PACKAGES = ("torch", "numpy", "scipy", "numba", "pandas", "matplotlib", "tqdm")


def config_hash(config: Any) -> str:
    """SHA-256 of the configuration as canonical JSON (sorted keys): equal settings, equal hash."""
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()


def manifest(*, config: Any, seeds: list[int], device: str = "cpu", command: list[str] | None = None) -> dict[str, Any]:
    """The manifest of a result: ``config`` is the full resolved configuration (a dict, or
    a dict of them for a study), ``command`` the command line (default: ``sys.argv``)."""
    return {
        "ganzoo": __version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": list(sys.argv if command is None else command),
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in PACKAGES},
        "torch_build": {
            "version": torch.__version__,
            "cuda": torch.version.cuda,
            "git": getattr(torch.version, "git_version", None),
            "debug": bool(torch.version.debug),
        },
        "machine": {"platform": platform.platform(), "processor": platform.processor(), "cpus": os.cpu_count()},
        "device": _device(device),
        "seeds": [int(s) for s in seeds],
        "config_hash": config_hash(config),
        "config": config,
    }


def write_manifest(folder: str | Path, **fields: Any) -> Path:
    """Write :func:`manifest` ``(**fields)`` to ``folder/manifest.json`` atomically."""
    path = Path(folder) / FILENAME
    temporary = path.with_name(f".{FILENAME}.{os.getpid()}.tmp")
    try:
        temporary.write_text(json.dumps(manifest(**fields), indent=2, default=str))
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _device(device: str) -> dict[str, Any]:
    device = str(device)
    described: dict[str, Any] = {"name": device, "torch_threads": torch.get_num_threads()}
    if device.startswith("cuda") and torch.cuda.is_available():
        described["gpu"] = torch.cuda.get_device_name(torch.device(device))
    return described
