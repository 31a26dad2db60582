"""Ignore/include matching of develop.watch rules: pattern syntax, ignore files, editor files."""

from __future__ import annotations

from pathlib import Path

import pytest

from composer.config.model import BuildConfig, Develop, Service, WatchRule
from composer.watch.patterns import DOCKERIGNORE, GITIGNORE, compile_pattern, compile_patterns, matches_path_or_parent
from composer.watch.rules import watched_rule


@pytest.mark.parametrize(
    "pattern, path, is_dir, expected",
    [
        ("*.pyc", "a.pyc", False, True),
        ("*.pyc", "deep/er/a.pyc", False, True),  # no slash: any depth
        ("*.pyc", "a.py", False, False),
        ("/build", "build", True, True),
        ("/build", "src/build", True, False),  # leading slash: anchored
        ("src/*.py", "src/a.py", False, True),
        ("src/*.py", "src/x/a.py", False, False),  # * does not cross /
        ("src/*.py", "lib/src/a.py", False, False),  # a slash inside: anchored
        ("**/tmp", "a/b/tmp", True, True),
        ("**/tmp", "tmp", True, True),
        ("logs/**", "logs/a/b.txt", False, True),
        ("a/**/z", "a/z", False, True),
        ("a/**/z", "a/b/c/z", False, True),
        ("?.txt", "a.txt", False, True),
        ("?.txt", "ab.txt", False, False),
        ("[abc].txt", "b.txt", False, True),
        ("[!abc].txt", "d.txt", False, True),
        ("[!abc].txt", "a.txt", False, False),
        ("[a-c]?", "bz", False, True),
        (r"\*.txt", "*.txt", False, True),
        (r"\*.txt", "a.txt", False, False),
        ("build/", "build", True, True),
        ("build/", "build", False, False),  # trailing slash: directories only
        ("./dist", "dist", True, True),
        ("a[b", "a[b", False, True),  # an unclosed [ is literal
    ],
)
def test_gitignore_pattern_syntax(pattern, path, is_dir, expected):
    compiled = compile_pattern(pattern, GITIGNORE)
    assert compiled is not None
    assert compiled.matches(path, is_dir) is expected


@pytest.mark.parametrize("text", ["", "   ", "# a comment", "/", "!"])
def test_blank_lines_comments_and_empty_patterns_are_skipped(text):
    assert compile_pattern(text) is None


def test_dockerignore_patterns_are_anchored_at_the_base():
    patterns = compile_patterns(["node_modules", "*.log"], DOCKERIGNORE)
    assert matches_path_or_parent(patterns, "node_modules/x/y.js", False)
    assert not matches_path_or_parent(patterns, "web/node_modules/x.js", False)
    assert matches_path_or_parent(patterns, "a.log", False)
    assert not matches_path_or_parent(patterns, "sub/a.log", False)


def test_last_match_wins_and_negation_reincludes():
    patterns = compile_patterns(["*.log", "!keep.log"])
    assert matches_path_or_parent(patterns, "x.log", False)
    assert not matches_path_or_parent(patterns, "keep.log", False)
    assert not matches_path_or_parent(patterns, "sub/keep.log", False)


def test_a_file_in_an_ignored_directory_cannot_be_reincluded():
    patterns = compile_patterns(["cache/", "!cache/keep"])
    assert matches_path_or_parent(patterns, "cache/keep", False)
    assert matches_path_or_parent(patterns, "cache/other", False)


# --- rules: which host paths fire a rule ---------------------------------------------------


def _rule(tmp_path: Path, **fields) -> tuple[Path, object]:
    app = tmp_path / "app"
    app.mkdir(exist_ok=True)
    build = fields.pop("build", None)
    rule = WatchRule(path=str(app), action=fields.pop("action", "sync"), target=fields.pop("target", "/app"), **fields)
    service = Service(name="web", develop=Develop(watch=(rule,)), build=build)
    return app, watched_rule(service, 0, rule)


@pytest.mark.parametrize(
    "relative",
    [".git/HEAD", "pkg/.git/objects/ab", ".main.py.swp", "main.py~", ".#main.py", "#main.py#", "4913", "x.py___jb_tmp___", ".a.composer-sync-1234abcd"],
)
def test_editor_temp_files_and_git_are_always_ignored(tmp_path, relative):
    app, rule = _rule(tmp_path)
    assert not rule.covers(str(app / relative), False)


def test_ordinary_files_are_covered_and_outside_paths_are_not(tmp_path):
    app, rule = _rule(tmp_path)
    assert rule.covers(str(app / "main.py"), False)
    assert rule.covers(str(app / "pkg"), True)
    assert not rule.covers(str(tmp_path / "other.py"), False)
    assert not rule.covers(str(tmp_path / "app-old" / "x"), False)  # a sibling sharing the prefix
    assert not rule.covers(str(app), True)  # the watched directory itself


def test_ignore_patterns_are_relative_to_the_rule_path(tmp_path):
    app, rule = _rule(tmp_path, ignore=("node_modules/", "/build", "*.tmp"))
    assert not rule.covers(str(app / "node_modules" / "x" / "y.js"), False)
    assert not rule.covers(str(app / "build" / "out.bin"), False)
    assert rule.covers(str(app / "src" / "build" / "keep.py"), False)
    assert not rule.covers(str(app / "deep" / "a.tmp"), False)


def test_dockerignore_and_gitignore_at_the_rule_path_apply(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / ".gitignore").write_text("__pycache__/\n*.pyc\n")
    (app / ".dockerignore").write_text("# docker\nsecrets\n")
    app, rule = _rule(tmp_path)
    assert not rule.covers(str(app / "pkg" / "__pycache__" / "m.cpython-311.pyc"), False)
    assert not rule.covers(str(app / "x.pyc"), False)
    assert not rule.covers(str(app / "secrets" / "key"), False)
    assert rule.covers(str(app / "pkg" / "secrets"), False)  # .dockerignore is anchored
    assert rule.covers(str(app / "main.py"), False)


def test_the_build_context_dockerignore_applies_relative_to_the_context(tmp_path):
    (tmp_path / ".dockerignore").write_text("app/generated\n")
    build = BuildConfig(context=str(tmp_path), dockerfile="Dockerfile")
    app, rule = _rule(tmp_path, build=build)
    assert not rule.covers(str(app / "generated" / "a.py"), False)
    assert rule.covers(str(app / "main.py"), False)


def test_include_keeps_only_matching_files_but_lets_directories_through(tmp_path):
    app, rule = _rule(tmp_path, include=("*.go", "assets/"))
    assert rule.covers(str(app / "main.go"), False)
    assert rule.covers(str(app / "pkg" / "util.go"), False)
    assert rule.covers(str(app / "assets" / "logo.png"), False)
    assert not rule.covers(str(app / "README.md"), False)
    assert rule.covers(str(app / "pkg"), True)


def test_a_file_rule_covers_only_that_file_and_maps_to_its_target(tmp_path):
    conf = tmp_path / "nginx.conf"
    conf.write_text("x")
    rule_model = WatchRule(path=str(conf), action="sync+restart", target="/etc/nginx/conf.d/default.conf")
    rule = watched_rule(Service(name="proxy", develop=Develop(watch=(rule_model,))), 0, rule_model)
    assert rule.is_file
    assert rule.covers(str(conf), False)
    assert not rule.covers(str(tmp_path / "other.conf"), False)
    assert rule.container_path(str(conf)) == "/etc/nginx/conf.d/default.conf"


def test_container_path_is_target_plus_the_path_below_the_rule(tmp_path):
    app, rule = _rule(tmp_path, target="/srv/app/")
    assert rule.container_path(str(app / "a" / "b.py")) == "/srv/app/a/b.py"
    assert rule.container_path(str(app)) == "/srv/app/"
