"""Pure parts of the Compose v2 verbs: Go --format templates and tables, docker stats' numbers,
scale's SERVICE=N arguments, cp's argument split and destination rules."""

from __future__ import annotations

import pytest

from composer.cli.cp_cmd import local_destination, split_arg
from composer.cli.go_format import render, tabwrite
from composer.cli.scale_cmd import parse_replicas
from composer.cli.stats_cmd import binary_size, decimal_size, stats_row
from composer.errors import ComposerError

ROWS = [{"Name": "p_data", "Driver": "local"}, {"Name": "p_longer_name", "Driver": "local"}]
HEADERS = {"Name": "VOLUME NAME", "Driver": "DRIVER"}


def test_table_is_go_tabwriter_with_min_width_10_and_padding_3():
    assert render(ROWS, "table", "table {{.Driver}}\t{{.Name}}", HEADERS) == [
        "DRIVER    VOLUME NAME", "local     p_data", "local     p_longer_name"]
    assert tabwrite(["a-long-column-value\tx", "b\ty"]) == ["a-long-column-value   x", "b                     y"]


def test_templates_json_and_custom():
    assert render(ROWS, "json", "", HEADERS)[0] == '{"Name":"p_data","Driver":"local"}'
    assert render(ROWS, "{{.Name}}", "", HEADERS) == ["p_data", "p_longer_name"]
    assert render(ROWS[:1], "{{json .Name}} {{upper .Driver}}", "", HEADERS) == ['"p_data" LOCAL']
    assert render(ROWS[:1], "{{json .}}", "", HEADERS) == ['{"Name":"p_data","Driver":"local"}']
    assert render(ROWS, "table {{.Name}}", "", HEADERS) == ["VOLUME NAME", "p_data", "p_longer_name"]


def test_template_errors_are_one_line():
    with pytest.raises(ComposerError, match="can't evaluate field Nope"):
        render(ROWS, "{{.Nope}}", "", HEADERS)
    with pytest.raises(ComposerError, match="unsupported action"):
        render(ROWS, "{{range .}}", "", HEADERS)


def test_sizes_as_go_units():
    assert binary_size(0) == "0B" and binary_size(1590000) == "1.516MiB" and binary_size(8 * 1024**3) == "8GiB"
    assert decimal_size(648) == "648B" and decimal_size(1234) == "1.23kB" and decimal_size(12_345_678) == "12.3MB"


def test_stats_row_cpu_and_memory():
    before = {"cpu_ns": 0, "system_ns": 0}
    now = {"cpu_ns": 500, "system_ns": 2000, "online_cpus": 2, "memory": 512 * 1024, "memory_limit": 1024 * 1024,
           "block_read": 0, "block_write": 4096, "net_rx": 1234, "net_tx": 10, "pids": 3}
    row = stats_row("ab" * 32, "p-web-1", now, before)
    assert row == {"BlockIO": "0B / 4.1kB", "CPUPerc": "50.00%", "Container": "ab" * 32, "ID": "ab" * 6, "MemPerc": "50.00%",
                   "MemUsage": "512KiB / 1MiB", "Name": "p-web-1", "NetIO": "1.23kB / 10B", "PIDs": "3"}
    stopped = stats_row("cd" * 32, "p-web-2", None, None)
    assert stopped["CPUPerc"] == "0.00%" and stopped["MemUsage"] == "0B / 0B" and stopped["PIDs"] == "0"


def test_scale_arguments_as_compose():
    assert parse_replicas(["web=3", "db=0"]) == {"web": 3, "db": 0}
    for bad, message in (("web", "invalid scale specifier: web"), ("=2", "invalid scale specifier: =2"),
                         ("web=x", "invalid scale specifier: can't parse replica value as int: web=x")):
        with pytest.raises(ComposerError) as caught:
            parse_replicas([bad])
        assert caught.value.one_line() == message
    with pytest.raises(ComposerError, match="requires at least 1 arg"):
        parse_replicas([])


def test_cp_split_arg_as_compose():
    assert split_arg("web:/etc/hosts") == ("web", "/etc/hosts")
    assert split_arg("/abs/a:b") == ("", "/abs/a:b")
    assert split_arg("./file:name.txt") == ("", "./file:name.txt")
    assert split_arg("plain") == ("", "plain")
    assert split_arg("-") == ("", "-")


def test_cp_local_destination_rules(tmp_path):
    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_text("x")
    assert local_destination(str(tmp_path / "dir"), "dir", False) == (str(tmp_path / "dir"), None)
    assert local_destination(str(tmp_path / "dir"), "dir", True) == (str(tmp_path / "dir"), ".")
    assert local_destination(str(tmp_path / "new"), "dir", False) == (str(tmp_path), "new")
    assert local_destination(str(tmp_path / "file"), "file", False) == (str(tmp_path), "file")
    with pytest.raises(ComposerError, match="cannot copy a directory to a file"):
        local_destination(str(tmp_path / "file"), "dir", False)
    with pytest.raises(ComposerError, match="does not exist"):
        local_destination(str(tmp_path / "missing") + "/", "file", False)
    with pytest.raises(ComposerError, match="does not exist"):
        local_destination(str(tmp_path / "no" / "such"), "file", False)
