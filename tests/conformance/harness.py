"""Compose v2 and composer on the same compose file: both `config --format json`, compared.

A case is a folder holding a compose file (and whatever it refers to: .env, included
files, …). Both tools run with the same fixed environment and the folder as project
directory; their parsed JSON is compared field by field. When both refuse the file the
case counts as a matched refusal, whatever the wording.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENVIRONMENT = {"HOME": "/home/tester", "PATH": "/usr/bin:/bin"}
COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")


@dataclass
class Outcome:
    ok: bool
    data: Any = None  # the parsed JSON when ok
    error: str = ""  # what it said when it refused
    seconds: float = 0.0
    text: str = ""  # the output as printed


@dataclass
class Result:
    case: Path
    status: str  # equal | differ | both-refuse | composer-refuses | composer-accepts
    reference: Outcome
    ours: Outcome
    differences: list[str] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return self.status in ("equal", "both-refuse")


def known_differences() -> dict[str, str]:
    """Case name → why composer differs on purpose (known_differences.txt, docs/compatibility.md)."""
    path = Path(__file__).resolve().parent / "known_differences.txt"
    lines = [line.strip() for line in path.read_text().splitlines()] if path.exists() else []
    return dict(tuple(part.strip() for part in line.split(":", 1)) for line in lines if line and not line.startswith("#"))


def compose_file(case: Path) -> Path:
    """The file to load: the one SOURCE.txt names, else the usual names, else the only YAML."""
    source = case / "SOURCE.txt"
    if source.exists():
        for line in source.read_text().splitlines():
            key, _, value = line.partition(":")
            name = Path(value.strip()).name
            if key.strip().lower() in ("file", "path") and name and (case / name).is_file():
                return case / name
    for name in COMPOSE_NAMES:
        if (case / name).is_file():
            return case / name
    yamls = sorted(p for p in case.iterdir() if p.suffix in (".yml", ".yaml"))
    if not yamls:
        raise FileNotFoundError(f"{case}: no compose file")
    return yamls[0]


def cases_under(root: Path) -> list[Path]:
    return sorted(p.resolve() for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")) and _has_yaml(p))


def _has_yaml(case: Path) -> bool:
    return any(p.suffix in (".yml", ".yaml") for p in case.iterdir())


def case_options(case: Path) -> dict[str, Any]:
    """options.json in a case: profiles, env_files, project_name, environment (added to ENVIRONMENT)."""
    path = case / "options.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _environment(case: Path) -> dict[str, str]:
    return {**ENVIRONMENT, **case_options(case).get("environment", {})}


def run_compose_v2(binary: Path, case: Path, fmt: str = "json") -> Outcome:
    options = case_options(case)
    with tempfile.TemporaryDirectory(prefix="compose-v2-config-") as docker_config:
        env = {**_environment(case), "DOCKER_CONFIG": docker_config}
        args = [str(binary), "-f", str(compose_file(case)), "--project-directory", str(case)]
        for profile in options.get("profiles", ()):
            args += ["--profile", profile]
        for env_file in options.get("env_files", ()):
            args += ["--env-file", str(case / env_file)]
        if "project_name" in options:
            args += ["-p", options["project_name"]]
        args += ["config", "--format", fmt]
        start = time.perf_counter()
        result = subprocess.run(args, capture_output=True, text=True, env=env, cwd=case, timeout=60)
        seconds = time.perf_counter() - start
    if result.returncode != 0:
        return Outcome(False, error=result.stderr.strip(), seconds=seconds)
    return Outcome(True, data=_parse(result.stdout, fmt), seconds=seconds, text=result.stdout)


def _parse(text: str, fmt: str) -> Any:
    if fmt == "json":
        return json.loads(text)
    import yaml

    return yaml.load(text, Loader=yaml.BaseLoader)  # strings stay strings: compares the text of scalars


def run_composer(case: Path, fmt: str = "json") -> Outcome:
    """composer's `config --format json`, in this process (the CLI's own steps)."""
    from composer.cli.config_cmd import _render
    from composer.config.load import load_project
    from composer.config.options import LoadOptions
    from composer.plan.graph import build_graph

    extra = case_options(case)
    options = LoadOptions(
        files=(str(compose_file(case)),),
        project_directory=str(case),
        project_name=extra.get("project_name"),
        env_files=tuple(str(case / name) for name in extra.get("env_files", ())),
        profiles=tuple(extra.get("profiles", ())),
        cwd=str(case),
        environ=_environment(case),
    )
    start = time.perf_counter()
    try:
        project = load_project(options)
        build_graph(project)
        text = _render(project, fmt, True)
    except Exception as exc:  # a refusal (ComposeError) or a crash: both are "refused" here
        message = str(exc) if type(exc).__name__.endswith("Error") and "composer" in type(exc).__module__ else f"CRASH {type(exc).__name__}: {exc}"
        return Outcome(False, error=message.strip(), seconds=time.perf_counter() - start)
    return Outcome(True, data=_parse(text, fmt), seconds=time.perf_counter() - start, text=text)


def differences(reference: Any, ours: Any, path: str = "") -> list[str]:
    """Where the two parsed documents differ, as key paths (`services.web.ports[0].mode`)."""
    if isinstance(reference, dict) and isinstance(ours, dict):
        out = []
        for key in reference:
            where = f"{path}.{key}" if path else str(key)
            if key not in ours:
                out.append(f"{where}: missing (Compose: {_short(reference[key])})")
            else:
                out += differences(reference[key], ours[key], where)
        out += [f"{path}.{key}: extra ({_short(ours[key])})" if path else f"{key}: extra ({_short(ours[key])})" for key in ours if key not in reference]
        return out
    if isinstance(reference, list) and isinstance(ours, list) and len(reference) == len(ours):
        return [d for i, (a, b) in enumerate(zip(reference, ours)) for d in differences(a, b, f"{path}[{i}]")]
    if reference != ours or type(reference) is not type(ours):
        return [f"{path}: Compose {_short(reference)} / composer {_short(ours)}"]
    return []


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 120 else text[:117] + "..."


def compare(binary: Path, case: Path, fmt: str = "json") -> Result:
    reference, ours = run_compose_v2(binary, case, fmt), run_composer(case, fmt)
    if reference.ok and ours.ok:
        diff = differences(reference.data, ours.data)
        return Result(case, "differ" if diff else "equal", reference, ours, diff)
    if not reference.ok and not ours.ok:
        return Result(case, "both-refuse", reference, ours)
    return Result(case, "composer-refuses" if reference.ok else "composer-accepts", reference, ours)


