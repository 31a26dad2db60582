"""Global flags as Compose v2 has them: before the verb, and --dry-run after it too."""

from __future__ import annotations

import pytest

from composer.cli.main import _apply_globals, build_parser, chosen_verb
from composer.errors import ComposerError
from composer.executor import tasks


def parse(*argv: str):
    return build_parser(only=chosen_verb(list(argv))).parse_args(list(argv))


def test_progress_is_global_and_per_verb():
    assert parse("--progress", "plain", "up", "-d").progress == "plain"
    assert parse("up", "--progress", "json").progress == "json"
    assert parse("--progress", "quiet", "down").progress == "quiet"  # down's own, unset, does not overwrite
    assert parse("ps").progress is None


def test_progress_auto_means_no_choice():
    args = parse("--progress", "auto", "up")
    _apply_globals(args)
    assert args.progress is None


@pytest.mark.parametrize("verb", ["up", "down", "ps", "logs", "config", "build", "pull", "start", "images"])
def test_dry_run_before_or_after_the_verb(verb):
    assert parse("--dry-run", verb).dry_run
    assert parse(verb, "--dry-run").dry_run
    assert not parse(verb).dry_run


def test_valued_global_is_skipped_when_finding_the_verb():
    assert chosen_verb(["--parallel", "2", "up"]) == "up"
    assert chosen_verb(["--progress", "plain", "--compatibility", "ps"]) == "ps"


def test_parallel_sets_the_executor_limit():
    try:
        _apply_globals(parse("--parallel", "3", "up"))
        assert tasks.parallel_limit() == 3
        _apply_globals(parse("--parallel", "-1", "up"))
        assert tasks.parallel_limit() == tasks.UNLIMITED
        with pytest.raises(ComposerError):
            _apply_globals(parse("--parallel", "0", "up"))
    finally:
        tasks.choose_parallel_limit(None)
    assert tasks.parallel_limit({}) == tasks.DEFAULT_PARALLEL_LIMIT


def test_compatibility_and_all_resources_are_accepted():
    args = parse("--compatibility", "--all-resources", "config")
    assert args.compatibility and args.all_resources


def test_dry_run_after_a_verb_with_positionals():
    assert parse("exec", "--dry-run", "web", "true").dry_run
