"""The soaks of bench/soak.py at CI sizes (full sizes: run the script), with their limits:
RSS growth ≤ 5 MiB, no descriptor growth, log disk ≤ max-size × max-file. Figures are
printed (pytest -s) for the record."""

from __future__ import annotations

import shutil

import pytest

from bench.soak import MIB, ambassador_soak, log_soak

pytest_plugins = ["tests.support.images"]
pytestmark = pytest.mark.slow

RSS_GROWTH_LIMIT_KIB = 5 * 1024


@pytest.mark.needs_root
def test_log_soak_keeps_supervisor_memory_flat_and_disk_bounded(tmp_path, busybox_ref):
    figures = log_soak(tmp_path, busybox_ref, 200 * MIB, max_size_mb=10, max_file=3)
    print(f"log soak: {figures}")
    assert figures["rss_growth_kib"] <= RSS_GROWTH_LIMIT_KIB
    assert figures["disk_bytes"] <= figures["disk_limit_bytes"] + 4096  # one record past max-size at most


@pytest.mark.skipif(not all(shutil.which(tool) for tool in ("gcc", "iperf3", "socat")), reason="needs gcc, iperf3 and socat")
def test_ambassador_soak_keeps_descriptors_and_memory_flat(tmp_path):
    figures = ambassador_soak(tmp_path, 30_000, 512 * MIB)
    print(f"ambassador soak: {figures}")
    assert figures["connection_errors"] == 0 and figures["connections"] >= 30_000
    assert figures["fds_after"] <= figures["fds_before"]
    assert figures["rss_growth_kib"] <= RSS_GROWTH_LIMIT_KIB
