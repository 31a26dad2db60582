"""cli: start-up of the CLI and loading + validating a 200-service compose file.

Contenders: `python3 -m composer` against the Compose v2 binary (which needs no engine
for these two commands, so this suite runs its anchor in smoke mode too when Compose v2
is already installed). In-process load time (composer.config.load.load_project) is
ours only: it shows how much of the wall time is Python start-up.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from bench.anchors.layout import IMAGE_REF
from bench.stats import interleave, timed
from bench.suites.base import Metric, NotAvailable, SuiteContext, SuiteResult, at_most, summary_ms

NAME = "cli"
MEASURES = "wall time of `compose --help` and of `compose config -q` on a generated 200-service file, ours vs Compose v2"
SERVICES = 200


def run(ctx: SuiteContext) -> SuiteResult:
    result = SuiteResult(NAME, MEASURES)
    compose_file = write_big_compose_file(ctx.workdir / "compose.yaml", SERVICES)
    check_accepts(ctx, ctx.composer_command("-f", str(compose_file), "config", "-q"), "composer")
    ours_help = ctx.composer_command("--help")
    ours_config = ctx.composer_command("-f", str(compose_file), "config", "-q")
    contenders = {
        "ours_help": lambda: _wall(ours_help, ctx),
        "ours_config": lambda: _wall(ours_config, ctx),
        "ours_load": lambda: _load_in_process(compose_file),
    }
    anchor_name = "Compose v2"
    try:
        binary = str(ctx.anchors.compose_v2())
        check_accepts(ctx, [binary, "-f", str(compose_file), "config", "-q"], "Compose v2")
        anchor_help, anchor_config = [binary, "--help"], [binary, "-f", str(compose_file), "config", "-q"]
        contenders["anchor_help"] = lambda: _wall(anchor_help, ctx)
        contenders["anchor_config"] = lambda: _wall(anchor_config, ctx)
    except NotAvailable as exc:
        result.notes.append(f"Compose v2 not measured: {exc}")
    samples, failures = interleave(contenders, ctx.repeats, ctx.deadline)
    result.notes += [f"{name} dropped: {reason}" for name, reason in failures.items()]
    result.metrics = [
        Metric("compose --help", "ms", summary_ms(samples, "ours_help"), summary_ms(samples, "anchor_help"),
               anchor_name, at_most(150, "≤ 150 ms")),
        Metric(f"config -q, {SERVICES} services", "ms", summary_ms(samples, "ours_config"),
               summary_ms(samples, "anchor_config"), anchor_name, at_most(200, "≤ 200 ms")),
        Metric(f"load_project in-process, {SERVICES} services", "ms", summary_ms(samples, "ours_load"),
               None, "", at_most(200, "≤ 200 ms"), "no anchor: Compose v2 has no in-process API"),
    ]
    return result


def write_big_compose_file(path: Path, count: int) -> Path:
    """A realistic-looking project both tools accept: each service depends on the one before,
    with environment, labels, a healthcheck, two networks and a named volume every tenth."""
    lines = ["name: cbench-cli", "services:"]
    for index in range(count):
        lines += [
            f"  svc{index}:",
            f"    image: {IMAGE_REF}",
            f"    command: [\"sh\", \"-c\", \"echo svc{index}; sleep 3600\"]",
            "    environment:",
            f"      INDEX: \"{index}\"",
            "      ROLE: ${ROLE:-worker}",
            "    labels:",
            f"      bench.index: \"{index}\"",
            "    restart: unless-stopped",
            "    networks: [front, back]",
            "    healthcheck:",
            "      test: [\"CMD\", \"true\"]",
            "      interval: 5s",
            "      timeout: 2s",
            "      retries: 3",
        ]
        if index:
            lines += ["    depends_on:", f"      svc{index - 1}:", "        condition: service_started"]
        if index % 10 == 0:
            lines += ["    volumes:", f"      - data{index}:/data"]
    lines += ["networks:", "  front: {}", "  back: {}", "volumes:"]
    lines += [f"  data{index}: {{}}" for index in range(0, count, 10)]
    path.write_text("\n".join(lines) + "\n")
    return path


def check_accepts(ctx: SuiteContext, command: list[str], who: str) -> None:
    """Fail loudly once, rather than time an error message five times."""
    result = subprocess.run(command, env=ctx.subprocess_env(), capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise NotAvailable(f"{who} rejects the generated file: {last[:300]}")


def _wall(command: list[str], ctx: SuiteContext) -> float:
    env = ctx.subprocess_env()
    return timed(lambda: subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60))


def _load_in_process(compose_file: Path) -> float:
    from composer.config.load import load_project
    from composer.config.options import LoadOptions

    options = LoadOptions(files=(str(compose_file),), cwd=str(compose_file.parent))
    return timed(lambda: load_project(options))

