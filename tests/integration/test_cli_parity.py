"""Compose v2's smaller verbs on real containers: create, scale, volumes, stats, cp, export,
ps IDs and templates, global flags in both places, and the verbs refused with a reason."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tarfile
import time

import pytest

from tests.support.images import BUSYBOX_REF

pytest_plugins = ["tests.support.project"]
pytestmark = pytest.mark.needs_root

FILES = f"""
services:
  web:
    image: {BUSYBOX_REF}
    command: [sh, -c, 'mkdir -p /srv/site && echo hello > /srv/site/index.html && chmod 640 /srv/site/index.html && exec sleep 600']
    volumes: [data:/data]
  busy:
    image: {BUSYBOX_REF}
    command: [sh, -c, 'while true; do :; done']
volumes:
  data: {{}}
"""


@pytest.fixture
def created(project):
    project.write(FILES)
    result = project.compose("--progress", "plain", "create", check=True)
    assert "Created" in result.stderr
    return project


def test_create_makes_containers_without_starting_them(created):
    rows = created.ps()
    assert {row["Service"]: row["State"] for row in rows.values()} == {"web": "created", "busy": "created"}


def test_ps_ids_are_stable_hex(created):
    full = created.compose("ps", "-a", "-q", check=True).stdout.split()
    assert len(full) == 2 and all(re.fullmatch(r"[0-9a-f]{64}", i) for i in full)
    created.compose("start", check=True)
    assert created.compose("ps", "-q", check=True).stdout.split() == full  # the same container, the same id
    short = created.compose("ps", "--format", "{{.ID}} {{.Service}}", check=True).stdout.splitlines()
    assert sorted(line.split()[0] for line in short) == sorted(i[:12] for i in full)
    table = created.compose("ps", "--format", "table {{.ID}}\t{{.Name}}", check=True).stdout.splitlines()
    assert table[0].split() == ["CONTAINER", "ID", "NAME"]
    assert {row["ID"] for row in created.ps().values()} == {i[:12] for i in full}
    assert created.compose("ps", "--filter", "status=running", "-q", check=True).stdout.split() == full
    assert created.compose("ps", "--filter", "source=x").stderr.strip() == "error: not implemented"
    created.write(FILES.replace("  busy:", "  gone:"))  # busy becomes an orphan
    assert len(created.compose("ps", "-q", check=True).stdout.split()) == 2
    assert created.compose("ps", "--orphans=false", "--format", "{{.Service}}", check=True).stdout.split() == ["web"]
    created.write(FILES)


def test_volumes_lists_the_projects_own(created):
    name = f"{created.name}_data"
    table = created.compose("volumes", check=True).stdout.splitlines()
    assert table[0] == "DRIVER    VOLUME NAME" and table[1].split() == ["local", name]
    assert created.compose("volumes", "-q", check=True).stdout.split() == [name]
    row = json.loads(created.compose("volumes", "--format", "json", check=True).stdout)
    assert row["Name"] == name and row["Driver"] == "local" and f"com.docker.compose.project={created.name}" in row["Labels"]
    assert created.compose("volumes", "--format", "{{.Name}}", "busy", check=True).stdout == ""
    assert created.compose("volumes", "--format", "{{.Name}}", "web", check=True).stdout.split() == [name]
    assert created.compose("volumes", "nope").stderr.strip() == "error: no such service: nope"


def test_scale_agrees_with_up_scale(created):
    created.compose("scale", "web=2", check=True)
    assert sorted(n for n, r in created.ps().items() if r["Service"] == "web" and r["State"] == "running") == [
        f"{created.name}-web-1", f"{created.name}-web-2"]
    created.compose("up", "-d", "--scale", "web=2", check=True)  # nothing to change: the same two
    assert sum(r["Service"] == "web" for r in created.ps().values()) == 2
    created.compose("scale", "web=1", check=True)
    assert sum(r["Service"] == "web" for r in created.ps().values()) == 1
    bad = created.compose("scale", "web")
    assert bad.returncode == 1 and bad.stderr.strip() == "error: invalid scale specifier: web"


def test_stats_no_stream_json(created):
    created.compose("start", check=True)
    out = created.compose("stats", "--no-stream", "--format", "json", check=True).stdout
    rows = {row["Name"]: row for row in map(json.loads, out.splitlines())}
    assert set(rows) == {f"{created.name}-web-1", f"{created.name}-busy-1"}
    for row in rows.values():
        assert set(row) == {"BlockIO", "CPUPerc", "Container", "ID", "MemPerc", "MemUsage", "Name", "NetIO", "PIDs"}
        assert re.fullmatch(r"\d+\.\d\d%", row["CPUPerc"]) and " / " in row["MemUsage"] and row["ID"] == row["Container"][:12]
    assert float(rows[f"{created.name}-busy-1"]["CPUPerc"][:-1]) > 5  # a busy loop shows
    table = created.compose("stats", "--no-stream", "web", check=True).stdout.splitlines()
    assert table[0].split()[:4] == ["CONTAINER", "ID", "NAME", "CPU"] and len(table) == 2


def test_cp_both_ways_keeps_modes(created, tmp_path):
    created.compose("start", "web", check=True)
    ready = created.compose("exec", "-T", "web", "sh", "-c", "while [ ! -f /srv/site/index.html ]; do sleep 0.1; done; stat -c %a /srv/site/index.html", check=True)
    assert ready.stdout.strip() == "640"
    out = tmp_path / "out"
    out.mkdir()
    created.compose("cp", f"web:/srv/site", str(out), check=True)
    copied = out / "site" / "index.html"
    assert copied.read_text() == "hello\n" and oct(copied.stat().st_mode & 0o777) == "0o640"
    created.compose("cp", "web:/srv/site/.", str(tmp_path / "flat"), check=True)
    assert (tmp_path / "flat" / "index.html").is_file()
    script = tmp_path / "run.sh"
    script.write_text("#!/bin/sh\necho ran\n")
    script.chmod(0o751)
    os.chown(script, 1234, 1234)
    created.compose("cp", str(script), "web:/data/", check=True)
    created.compose("cp", "-a", str(script), "web:/data/kept.sh", check=True)
    listing = created.compose("exec", "-T", "web", "stat", "-c", "%a %u %n", "/data/run.sh", "/data/kept.sh", check=True).stdout.splitlines()
    assert listing == ["751 1234 /data/run.sh", "751 1234 /data/kept.sh"]  # Docker keeps owners; -a: the container's user (none here)
    tar = created.compose("cp", "web:/srv/site/index.html", "-", check=True)
    assert tar.returncode == 0
    missing = created.compose("cp", "web:/nope", str(out))
    assert missing.returncode == 1 and "Could not find the file /nope" in missing.stderr


def test_cp_from_a_stopped_container_sees_its_volume(created, tmp_path):
    created.compose("start", "web", check=True)
    created.compose("exec", "-T", "web", "sh", "-c", "echo kept > /data/v.txt", check=True)
    created.compose("stop", "-t", "1", "web", check=True)
    created.compose("cp", "web:/data/v.txt", str(tmp_path / "v.txt"), check=True)
    assert (tmp_path / "v.txt").read_text() == "kept\n"


def test_export_writes_the_rootfs(created, tmp_path):
    target = tmp_path / "web.tar"
    created.compose("export", "web", "-o", str(target), check=True)
    with tarfile.open(target) as tar:
        names = set(tar.getnames())
    assert {"bin/sh", "bin/busybox"} & names and not any(n.startswith("proc/") for n in names)
    missing = created.compose("export", "web", "--index", "3")
    assert missing.returncode == 1 and "index 3" in missing.stderr


def test_global_flags_in_both_places(created):
    before = created.compose("--dry-run", "up", "-d", check=True)
    after = created.compose("up", "--dry-run", "-d", check=True)
    assert "DRY-RUN MODE" in before.stderr and before.stderr == after.stderr
    quiet = created.compose("--progress", "quiet", "--parallel", "1", "up", "-d", check=True)
    assert quiet.stderr == ""
    assert set(created.ps()) == {f"{created.name}-web-1", f"{created.name}-busy-1"}
    assert created.compose("--parallel", "0", "ps").returncode == 1


@pytest.mark.parametrize("verb", ["publish", "bridge"])
def test_unsupported_verbs_say_why(project, verb):
    result = project.compose(verb, "--index", "1", "web")
    assert result.returncode == 1 and result.stderr.startswith(f"error: compose {verb} is not supported: ")
    assert len(result.stderr.splitlines()) == 1


def test_push_copies_built_images_to_their_registry(project, tmp_path):
    from composer.images import ImageStore
    from tests.support.images import busybox_image
    from tests.support.registry import LocalRegistry, have_registry

    if not have_registry():
        pytest.skip("needs docker-registry and skopeo")
    with LocalRegistry(tmp_path / "registry") as registry:
        tag = f"{registry.address}/composer-test/pushed:1"
        busybox_image(ImageStore(), tag)
        (project.dir / "ctx").mkdir()
        (project.dir / "ctx" / "Dockerfile").write_text(f"FROM {BUSYBOX_REF}\n")
        project.write(f"services:\n  app:\n    image: {tag}\n    build: ./ctx\n  plain:\n    image: {BUSYBOX_REF}\n")
        result = project.compose("--progress", "plain", "push", check=True)
        assert f"Image {tag}  Pushed" in result.stderr and "Service plain  Skipped" in result.stderr
        check = subprocess.run(["skopeo", "inspect", "--tls-verify=false", f"docker://{tag}"], capture_output=True, text=True, timeout=60)
        assert check.returncode == 0, check.stderr
        missing = f"{registry.address}/composer-test/absent:1"
        project.write(f"services:\n  app:\n    image: {missing}\n    build: ./ctx\n")
        failed = project.compose("push")
        assert failed.returncode == 1 and "An image does not exist locally with the tag" in failed.stderr
        assert project.compose("push", "--ignore-push-failures").returncode == 0
        ImageStore().remove(tag)


def test_commit_makes_an_image_of_the_changes(created):
    from composer.images import ImageStore

    target = f"composer-test/{created.name}:committed"
    created.compose("start", "web", check=True)
    created.compose("exec", "-T", "web", "sh", "-c", "rm /bin/vi && mkdir -p /opt/new && echo kept > /opt/new/f", check=True)
    result = created.compose("--progress", "plain", "commit", "-m", "a change", "web", target, check=True)
    assert re.search(rf"Container {created.name}-web-1  Committed as sha256:[0-9a-f]{{64}}", result.stderr)
    try:
        created.write(f"services:\n  again:\n    image: {target}\n    command: [sleep, '600']\n")
        created.compose("up", "-d", "--remove-orphans", check=True)
        check = "test ! -e /bin/vi && cat /opt/new/f && test -L /etc/hosts"
        assert created.compose("exec", "-T", "again", "sh", "-c", check, check=True).stdout == "kept\n"
    finally:
        created.compose("down", "-t", "1", check=False)
        ImageStore().remove(target)
    assert created.compose("commit", "web").returncode == 1  # no name: the store keeps named images only


def test_attach_follows_output_and_passes_ctrl_c(project):
    import signal
    import sys
    import time

    project.write(f"services:\n  loop:\n    image: {BUSYBOX_REF}\n"
                  "    command: [sh, -c, 'trap \"echo got INT; exit 3\" INT; while true; do echo tick; sleep 0.2; done']\n")
    project.compose("up", "-d", check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    attached = subprocess.Popen([sys.executable, "-m", "composer", "-p", project.name, "attach", "--no-stdin", "loop"],
                                cwd=project.dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2.5)
    attached.send_signal(signal.SIGINT)
    out, err = attached.communicate(timeout=30)
    assert attached.returncode == 3, err  # the container's exit code, as docker attach
    assert "tick" in out and out.rstrip().endswith("got INT") and err == ""
    assert project.compose("attach", "loop").stderr.strip() == "error: You cannot attach to a stopped container, start it first"


def test_restart_takes_dependents_and_kill_removes_orphans(project):
    project.write(f"""
services:
  db:
    image: {BUSYBOX_REF}
    command: [sleep, "600"]
  web:
    image: {BUSYBOX_REF}
    command: [sleep, "600"]
    depends_on:
      db: {{restart: true}}
  other:
    image: {BUSYBOX_REF}
    command: [sleep, "600"]
    depends_on: [db]
  old:
    image: {BUSYBOX_REF}
    command: [sleep, "600"]
""")
    project.compose("up", "-d", check=True)
    restarted = project.compose("--progress", "plain", "restart", "-t", "1", "db", check=True).stderr
    assert f"{project.name}-db-1  Restarted" in restarted and f"{project.name}-web-1  Restarted" in restarted  # restart: true
    assert f"{project.name}-other-1" not in restarted
    alone = project.compose("--progress", "plain", "restart", "-t", "1", "--no-deps", "db", check=True).stderr
    assert f"{project.name}-web-1" not in alone
    project.write(f"services:\n  db:\n    image: {BUSYBOX_REF}\n    command: [sleep, '600']\n")
    killed = project.compose("--progress", "plain", "kill", "--remove-orphans", check=True).stderr
    assert f"Container {project.name}-old-1  Removed" in killed
    assert f"{project.name}-old-1" not in project.ps()


def test_create_no_build_never_builds(project):
    """As Compose v2: --no-build drops build:, so an image that is not there is pulled (and fails), never built."""
    from composer.images import ImageStore

    (project.dir / "ctx").mkdir()
    (project.dir / "ctx" / "Dockerfile").write_text(f"FROM {BUSYBOX_REF}\nRUN touch /built\n")
    project.write(f"services:\n  app:\n    build: ./ctx\n    command: [sleep, '600']\n")
    result = project.compose("--progress", "plain", "create", "--no-build")
    assert result.returncode != 0 and "Built" not in result.stderr and "Traceback" not in result.stderr
    assert f"service app: " in result.stderr and len(result.stderr.strip().splitlines()) <= 3
    assert ImageStore().get(f"{project.name}-app") is None and project.ps() == {}
    refused = project.compose("create", "--build", "--no-build")
    assert refused.returncode != 0 and "--build and --no-build are incompatible" in refused.stderr


def test_exec_privileged_gets_every_capability(project):
    """As docker exec --privileged: the exec'd process has every capability the host can give; others keep the defaults."""
    project.write(f"services:\n  box:\n    image: {BUSYBOX_REF}\n    command: [sleep, '600']\n")
    project.compose("up", "-d", check=True)
    with open("/proc/self/status") as status:
        host = next(int(line.split()[1], 16) for line in status if line.startswith("CapBnd:"))

    def caps(*flags):
        out = project.compose("exec", "-T", *flags, "box", "grep", "-E", "^Cap(Eff|Bnd)", "/proc/self/status", check=True).stdout
        return {line.split(":")[0]: int(line.split()[1], 16) for line in out.splitlines()}

    assert caps("--privileged") == {"CapEff": host, "CapBnd": host}
    plain = caps()
    assert plain["CapEff"] == plain["CapBnd"] and plain["CapEff"] & ~host == 0 and plain["CapEff"] != host
    assert not plain["CapEff"] & (1 << 21)  # CAP_SYS_ADMIN only with --privileged


def test_events_since_until_replay_the_recorded_past(project):
    """--since replays what the state records (create, start at their times); --until ends the stream."""
    project.write(f"services:\n  box:\n    image: {BUSYBOX_REF}\n    command: [sleep, '600']\n")
    project.compose("up", "-d", check=True)
    name = f"{project.name}-box-1"
    replay = project.compose("events", "--json", "--since", "1h", "--until", "0s", timeout=60, check=True).stdout
    assert [(e["action"], e["id"]) for e in map(json.loads, replay.splitlines())] == [("create", name), ("start", name)]
    text = project.compose("events", "--since", str(int(time.time()) - 3600), "--until=0s", timeout=60, check=True).stdout
    assert [line.split()[3] for line in text.splitlines()] == ["create", "start"]
    assert project.compose("events", "--since", "2099-01-01T00:00:00Z", "--until=0s", timeout=60, check=True).stdout == ""
    bad = project.compose("events", "--since", "yesterday")
    assert bad.returncode == 1 and bad.stderr.startswith('error: failed to parse value as time or duration: "yesterday"')


def test_commit_keeps_the_containers_run_settings(project):
    """As docker commit: the new image runs as the container did (its command, env, working dir, user, ports, labels)."""
    from composer.images import ImageStore

    project.write(f"""
services:
  app:
    image: {BUSYBOX_REF}
    command: [sh, -c, 'echo "$$GREETING from $$(pwd)" && exec sleep 600']
    environment: {{GREETING: hi}}
    working_dir: /srv
    user: "1000"
    expose: ["8080"]
    labels: {{tier: front}}
""")
    project.compose("up", "-d", check=True)
    target = f"composer-test/{project.name}:settings"
    try:
        project.compose("commit", "app", target, check=True)
        config = ImageStore().get(target).config
        assert config.cmd == ("sh", "-c", 'echo "$GREETING from $(pwd)" && exec sleep 600') and config.entrypoint is None
        assert "GREETING=hi" in config.env and any(item.startswith("PATH=") for item in config.env)
        assert (config.working_dir, config.user, config.labels["tier"]) == ("/srv", "1000", "front")
        assert "8080/tcp" in config.exposed_ports
        project.write(f"services:\n  again:\n    image: {target}\n")
        project.compose("up", "-d", "--remove-orphans", check=True)
        assert project.compose("exec", "-T", "again", "sh", "-c", 'echo "$GREETING $(pwd) $(id -u)"', check=True).stdout == "hi /srv 1000\n"
    finally:
        project.compose("down", "-t", "1")
        ImageStore().remove(target)
