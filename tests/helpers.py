"""Small helpers that several test modules share."""

from __future__ import annotations

import socket

import pytest
import torch

METHODS = ["min", "geometric", "arithmetic", "max"]  # NMI / AMI average methods


def free_port() -> int:
    """A TCP port on loopback that is free right now, for a torch.distributed rendezvous."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
