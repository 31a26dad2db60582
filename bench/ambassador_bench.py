#!/usr/bin/env python3
"""Ambassador forwarder on loopback, side by side with a direct connection and with socat.

    python3 bench/ambassador_bench.py [--smoke] [--json FILE]

Contenders: direct (no proxy), our forwarder (netplugins.forwarder), `socat
TCP-LISTEN:P,fork,reuseaddr TCP:127.0.0.1:Q`, and the same with -b131072. Measures:
  bulk      iperf3 through each contender, both directions (Gbit/s)
  rate      connect-send-receive-close per second, from a C client (4 processes)
  pingpong  round trip of 64 bytes on one connection, p50/p99 (µs)
  connect   the same round trip on a new connection each time, p50/p99 (µs)
Contenders are interleaved (their order rotates each round) and every measurement is
repeated (5 rounds; --smoke: 1 short round, about 10 s), reporting the median and the
min–max, ratios to direct and to socat, and paired figures (per round, against direct in
that same round: the goals use these, as other load on the machine drifts between rounds). The C load generator is compiled with gcc
at start, so the client is never the bottleneck. Needs gcc, iperf3 and socat.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from netplugins.forwarder.api import start_forwarder, stop_forwarder  # noqa: E402

LOADGEN_C = r"""
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

static int dial(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) { close(fd); return -1; }
    return fd;
}

static int io_full(int fd, char *buf, int n, int writing) {
    for (int done = 0; done < n;) {
        int r = writing ? write(fd, buf + done, n - done) : read(fd, buf + done, n - done);
        if (r <= 0) return -1;
        done += r;
    }
    return n;
}

static pid_t workers_pid[64];
static int workers_count;

static void stop_workers(int sig) {
    (void)sig;
    for (int i = 0; i < workers_count; i++) kill(workers_pid[i], SIGKILL);
    while (wait(NULL) > 0) {}
    _exit(0);
}

static void serve(int port, int workers) {  /* echo server: forked workers share the listener */
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 4096) < 0) { perror("bind"); exit(1); }
    for (int i = 0; i < workers && i < 64; i++) {
        pid_t pid = fork();
        if (pid > 0) { workers_pid[workers_count++] = pid; continue; }
        if (pid == 0) {
            static char buf[65536];
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            for (;;) {
                int c = accept(ls, NULL, NULL), r;
                if (c < 0) continue;
                setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                while ((r = read(c, buf, sizeof buf)) > 0)
                    if (io_full(c, buf, r, 1) < 0) break;
                close(c);
            }
        }
    }
    signal(SIGTERM, stop_workers);
    printf("ready\n");
    fflush(stdout);
    for (;;) pause();
}

static void rate(int port, double seconds, int procs) {
    long *counts = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    double start = now(), end = start + seconds;
    for (int i = 0; i < procs; i++) {
        if (fork() == 0) {
            char buf[16] = "0123456789abcdef";
            long n = 0, errs = 0;
            while (now() < end) {
                int fd = dial(port);
                if (fd < 0) { errs++; continue; }
                if (io_full(fd, buf, 16, 1) < 0 || io_full(fd, buf, 16, 0) < 0) errs++; else n++;
                close(fd);
            }
            counts[i * 2] = n; counts[i * 2 + 1] = errs;
            _exit(0);
        }
    }
    while (wait(NULL) > 0) {}
    double elapsed = now() - start;
    long total = 0, errs = 0;
    for (int i = 0; i < procs; i++) { total += counts[i * 2]; errs += counts[i * 2 + 1]; }
    printf("%.1f %ld\n", total / elapsed, errs);
}

static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }

static void report(double *lat, int count) {
    qsort(lat, count, sizeof *lat, cmp);
    printf("%.1f %.1f\n", lat[count / 2] * 1e6, lat[(int)(count * 0.99)] * 1e6);
}

static void pingpong(int port, int count, int size) {
    int fd = dial(port);
    char *buf = calloc(1, size);
    double *lat = malloc(count * sizeof *lat);
    if (fd < 0) { perror("connect"); exit(1); }
    for (int i = -200; i < count; i++) {  /* the first 200 warm up */
        double t0 = now();
        if (io_full(fd, buf, size, 1) < 0 || io_full(fd, buf, size, 0) < 0) { perror("pingpong"); exit(1); }
        if (i >= 0) lat[i] = now() - t0;
    }
    report(lat, count);
}

static void connlat(int port, int count) {
    char buf[16] = "0123456789abcdef";
    double *lat = malloc(count * sizeof *lat);
    for (int i = 0; i < count; i++) {
        double t0 = now();
        int fd = dial(port);
        if (fd < 0 || io_full(fd, buf, 16, 1) < 0 || io_full(fd, buf, 16, 0) < 0) { perror("connect"); exit(1); }
        close(fd);
        lat[i] = now() - t0;
    }
    report(lat, count);
}

int main(int argc, char **argv) {
    if (argc == 4 && !strcmp(argv[1], "serve")) serve(atoi(argv[2]), atoi(argv[3]));
    else if (argc == 5 && !strcmp(argv[1], "rate")) rate(atoi(argv[2]), atof(argv[3]), atoi(argv[4]));
    else if (argc == 5 && !strcmp(argv[1], "pingpong")) pingpong(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
    else if (argc == 4 && !strcmp(argv[1], "connlat")) connlat(atoi(argv[2]), atoi(argv[3]));
    else { fprintf(stderr, "usage: loadgen serve PORT WORKERS | rate PORT SECONDS PROCS | pingpong PORT COUNT SIZE | connlat PORT COUNT\n"); return 2; }
    return 0;
}
"""

CONTENDERS = ("direct", "forwarder", "socat", "socat-b128k")
FULL = {"rounds": 5, "bulk": ["-t", "3"], "rate_seconds": 2.0, "pings": 20000, "connects": 2000}
SMOKE = {"rounds": 1, "bulk": ["-n", "512M"], "rate_seconds": 0.5, "pings": 2000, "connects": 300}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_listening(port: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"nothing listens on port {port}")


class Bench:
    """Backends, proxies and the load generator, all stopped by close()."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.procs: list[subprocess.Popen] = []
        self.forwarder: subprocess.Popen | None = None
        self.ports: dict[str, tuple[int, int]] = {}

    def start(self) -> None:
        self.loadgen = self._build_loadgen()
        self.echo_port, self.iperf_port = free_port(), free_port()
        self._spawn([self.loadgen, "serve", str(self.echo_port), "16"], stdout=subprocess.PIPE).stdout.readline()
        self._spawn(["iperf3", "-s", "-p", str(self.iperf_port)], stdout=subprocess.DEVNULL)
        wait_listening(self.iperf_port)
        self.ports["direct"] = (self.echo_port, self.iperf_port)
        self.forwarder = self._start_forwarder()
        self.ports["socat"] = self._start_socat([])
        self.ports["socat-b128k"] = self._start_socat(["-b131072"])

    def _build_loadgen(self) -> str:
        source, binary = self.workdir / "loadgen.c", self.workdir / "loadgen"
        source.write_text(LOADGEN_C)
        subprocess.run(["gcc", "-O2", "-o", str(binary), str(source)], check=True)
        return str(binary)

    def _spawn(self, command: list[str], **kwargs) -> subprocess.Popen:
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
        self.procs.append(proc)
        return proc

    def _start_forwarder(self) -> subprocess.Popen:
        echo, bulk = free_port(), free_port()
        config = self.workdir / "forwarder.json"
        config.write_text(json.dumps({"stats": str(self.workdir / "stats.json"), "ambassadors": [
            {"name": "echo", "listen": f"tcp://127.0.0.1:{echo}", "target": f"tcp://127.0.0.1:{self.echo_port}"},
            {"name": "bulk", "listen": f"tcp://127.0.0.1:{bulk}", "target": f"tcp://127.0.0.1:{self.iperf_port}"},
        ]}))
        proc = start_forwarder(str(config), log_path=str(self.workdir / "forwarder.log"))
        self.ports["forwarder"] = (echo, bulk)
        return proc

    def _start_socat(self, options: list[str]) -> tuple[int, int]:
        ports = []
        for backend in (self.echo_port, self.iperf_port):
            port = free_port()
            self._spawn(["socat", *options, f"TCP-LISTEN:{port},fork,reuseaddr", f"TCP:127.0.0.1:{backend}"])
            wait_listening(port)
            ports.append(port)
        return ports[0], ports[1]

    def forwarder_memory(self) -> dict[str, int]:
        status = Path(f"/proc/{self.forwarder.pid}/status").read_text()
        return {key: int(re.search(rf"{key}:\s+(\d+)", status).group(1)) for key in ("VmRSS", "VmHWM")}

    def close(self) -> None:
        if self.forwarder is not None:
            stop_forwarder(self.forwarder, timeout=5)
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    # -- measurements: each returns {metric: value} --------------------------------------

    def bulk(self, contender: str, settings: dict) -> dict[str, float]:
        port = self.ports[contender][1]
        out = {}
        for name, extra in (("bulk_up_gbps", []), ("bulk_down_gbps", ["-R"])):
            result = subprocess.run(["iperf3", "-c", "127.0.0.1", "-p", str(port), "-J", *settings["bulk"], *extra],
                                    capture_output=True, text=True, timeout=60)
            data = json.loads(result.stdout)
            out[name] = data["end"]["sum_received"]["bits_per_second"] / 1e9
        return out

    def rate(self, contender: str, settings: dict) -> dict[str, float]:
        rate, errors = self._loadgen("rate", self.ports[contender][0], settings["rate_seconds"], 4)
        return {"connections_per_s": rate, "connection_errors": errors}

    def pingpong(self, contender: str, settings: dict) -> dict[str, float]:
        p50, p99 = self._loadgen("pingpong", self.ports[contender][0], settings["pings"], 64)
        return {"pingpong_p50_us": p50, "pingpong_p99_us": p99}

    def connect(self, contender: str, settings: dict) -> dict[str, float]:
        p50, p99 = self._loadgen("connlat", self.ports[contender][0], settings["connects"])
        return {"connect_p50_us": p50, "connect_p99_us": p99}

    def _loadgen(self, *args: object) -> list[float]:
        result = subprocess.run([self.loadgen, *map(str, args)], capture_output=True, text=True, timeout=120, check=True)
        return [float(word) for word in result.stdout.split()]


def run(smoke: bool = False) -> dict:
    """Measure every contender; the result holds raw samples, summaries, ratios and goals."""
    settings = SMOKE if smoke else FULL
    samples: dict[str, dict[str, list[float]]] = {}
    # SIGTERM (a harness's time budget) must reach the finally: the forwarder runs in a
    # session of its own, so killing our process group would not stop it.
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    with tempfile.TemporaryDirectory(prefix="ambassador-bench-") as tmp:
        bench = Bench(Path(tmp))
        try:
            bench.start()
            idle = bench.forwarder_memory()
            measures: list[Callable[[str, dict], dict[str, float]]] = [bench.bulk, bench.rate, bench.pingpong, bench.connect]
            for round_no in range(settings["rounds"]):
                order = CONTENDERS[round_no % 4:] + CONTENDERS[:round_no % 4]
                for measure in measures:
                    for contender in order:
                        for metric, value in measure(contender, settings).items():
                            samples.setdefault(metric, {}).setdefault(contender, []).append(value)
            memory = {"idle_rss_kib": idle["VmRSS"], "peak_rss_kib": bench.forwarder_memory()["VmHWM"]}
        finally:
            bench.close()
            signal.signal(signal.SIGTERM, previous)
    summary = summarize(samples)
    return {"smoke": smoke, "rounds": settings["rounds"], "samples": samples, "summary": summary,
            "forwarder_memory": memory, "goals": goals(summary)}


def _exit_on_sigterm(_signum: int, _frame: object) -> None:
    raise SystemExit(143)


def summarize(samples: dict[str, dict[str, list[float]]]) -> dict[str, dict[str, dict[str, float]]]:
    """Median, min–max and ratios of medians; plus paired figures: the median over rounds of
    (contender vs direct in the same round), which cancels most of the drift a shared,
    loaded machine adds between rounds."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for metric, by_contender in samples.items():
        medians = {c: statistics.median(v) for c, v in by_contender.items()}
        direct = by_contender["direct"]
        out[metric] = {
            c: {"median": medians[c], "min": min(v), "max": max(v),
                "vs_direct": _ratio(medians[c], medians["direct"]), "vs_socat": _ratio(medians[c], medians["socat"]),
                "paired_ratio_to_direct": statistics.median(_ratio(x, d) for x, d in zip(v, direct)),
                "paired_added_to_direct": statistics.median(x - d for x, d in zip(v, direct))}
            for c, v in by_contender.items()
        }
    return out


def _ratio(value: float, base: float) -> float:
    return value / base if base else float("nan")


def goals(summary: dict) -> dict[str, dict[str, object]]:
    """The issue's targets for the forwarder, with the measured value next to each."""
    fwd = {metric: summary[metric]["forwarder"] for metric in summary}
    bulk = min(fwd["bulk_up_gbps"]["paired_ratio_to_direct"], fwd["bulk_down_gbps"]["paired_ratio_to_direct"])
    bulk_socat = min(
        fwd["bulk_up_gbps"]["median"] / max(summary["bulk_up_gbps"][s]["median"] for s in ("socat", "socat-b128k")),
        fwd["bulk_down_gbps"]["median"] / max(summary["bulk_down_gbps"][s]["median"] for s in ("socat", "socat-b128k")),
    )
    added = fwd["pingpong_p50_us"]["paired_added_to_direct"]
    return {
        "bulk >= 90% of direct": {"measured": round(bulk, 3), "met": bulk >= 0.9},
        "bulk >= best socat": {"measured": round(bulk_socat, 3), "met": bulk_socat >= 1.0},
        "connection rate >= 3x socat": {"measured": round(fwd["connections_per_s"]["vs_socat"], 2), "met": fwd["connections_per_s"]["vs_socat"] >= 3},
        "added p50 latency <= 50 us": {"measured": round(added, 1), "met": added <= 50},
    }


def print_report(result: dict) -> None:
    print(f"ambassador bench ({'smoke, ' if result['smoke'] else ''}{result['rounds']} rounds; median [min-max], ratio to direct / to socat)")
    for metric, by_contender in result["summary"].items():
        print(f"  {metric}")
        for contender in CONTENDERS:
            s = by_contender[contender]
            print(f"    {contender:<12} {s['median']:>10.1f} [{s['min']:.1f}-{s['max']:.1f}]  x{s['vs_direct']:.2f} / x{s['vs_socat']:.2f}"
                  f"  paired to direct: x{s['paired_ratio_to_direct']:.2f}, {s['paired_added_to_direct']:+.1f}")
    memory = result["forwarder_memory"]
    print(f"  forwarder RSS: idle {memory['idle_rss_kib']} KiB, peak {memory['peak_rss_kib']} KiB")
    for goal, outcome in result["goals"].items():
        print(f"  goal {goal}: {outcome['measured']} -> {'met' if outcome['met'] else 'NOT met'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one short round (about 10 s)")
    parser.add_argument("--json", metavar="FILE", help="also write the full result as JSON")
    args = parser.parse_args()
    result = run(args.smoke)
    print_report(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
