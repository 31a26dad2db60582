"""build_dockerfile: which images a build needs, read from the Dockerfile text."""

import textwrap

import pytest

from composer.images.build_dockerfile import DockerfileError, parse_dockerfile, substitute


def images(text: str, args: dict[str, str] | None = None, target: str | None = None) -> list[str]:
    return parse_dockerfile(textwrap.dedent(text), args or {}).external_images(target)


def test_single_stage():
    assert images("FROM busybox:1.36\nRUN true\n") == ["busybox:1.36"]


def test_stage_references_and_scratch_are_not_images():
    text = """\
        FROM golang:1.22 AS Build
        RUN go build
        FROM scratch AS empty
        FROM build AS test
        FROM debian:12
        COPY --from=build /out /out
        COPY --from=1 /nothing /
        """
    assert images(text) == ["golang:1.22", "debian:12"]
    assert images(text, target="TEST") == ["golang:1.22"]
    assert images(text, target="empty") == []


def test_copy_and_mount_sources_that_are_images():
    text = """\
        FROM alpine:3 AS tools
        FROM debian:12
        COPY --chown=1:1 --from=nginx:1.25 /etc/nginx /etc/nginx
        COPY --from=tools /bin/sh /sh
        RUN --mount=type=bind,from=busybox:1,target=/bb --mount=type=cache,target=/c ls /bb
        """
    assert images(text) == ["alpine:3", "debian:12", "nginx:1.25", "busybox:1"]


def test_global_args_feed_from_lines_and_build_args_win():
    text = """\
        ARG REGISTRY=docker.io
        ARG VERSION=3.19 NAME="alpine"
        ARG IMAGE=${REGISTRY}/library/${NAME}:${VERSION}
        FROM $IMAGE
        ARG VERSION=ignored-inside-a-stage
        """
    assert images(text) == ["docker.io/library/alpine:3.19"]
    assert images(text, {"VERSION": "3.20", "UNDECLARED": "x"}) == ["docker.io/library/alpine:3.20"]
    assert images(text, {"IMAGE": "busybox"}) == ["busybox"]


def test_unused_stages_are_not_needed():
    text = """\
        FROM private/never-pulled:1 AS docs
        FROM busybox AS base
        FROM base AS release
        """
    assert images(text) == ["busybox"]
    assert images(text, target="docs") == ["private/never-pulled:1"]


def test_platform_flag_comments_continuations_and_escape_directive():
    text = """\
        # escape=`
        # a comment
        FROM --platform=linux/amd64 `
            # comments inside a continuation vanish
            registry.example:5000/team/app:1 `
            AS base
        RUN echo \\
        """
    parsed = parse_dockerfile(textwrap.dedent(text), {})
    assert [(s.name, s.base, s.line) for s in parsed.stages] == [("base", "registry.example:5000/team/app:1", 3)]


@pytest.mark.parametrize(
    "text, message",
    [
        ("RUN true\n", "line 1: RUN comes before the first FROM; a Dockerfile starts with FROM (only ARG may precede it)"),
        ("# only a comment\n", "it has no FROM instruction"),
        ("FROM\n", "line 1: FROM names no image"),
        ("FROM a b\n", "line 1: FROM takes an image and an optional `AS name`, not 'a b'"),
        ("ARG BASE\nFROM ${BASE}\n", "line 2: FROM ${BASE} names no image once its ARGs are substituted; give the ARG a default or a build arg"),
    ],
    ids=["before-from", "no-from", "empty-from", "extra-words", "empty-arg"],
)
def test_errors_name_the_line(text, message):
    with pytest.raises(DockerfileError) as caught:
        parse_dockerfile(text, {})
    assert str(caught.value) == message


def test_unknown_target_lists_the_stages():
    parsed = parse_dockerfile("FROM a AS one\nFROM b AS two\n", {})
    with pytest.raises(DockerfileError, match=r"^target 'three' is not a stage of the Dockerfile \(stages: one, two\)$"):
        parsed.external_images("three")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("$A", "1"),
        ("${A}x", "1x"),
        ("${MISSING:-fallback}", "fallback"),
        ("${A:-fallback}", "1"),
        ("${A:+alt}-${MISSING:+alt}", "alt-"),
        ("$MISSING/x", "/x"),
        ("no variables", "no variables"),
    ],
)
def test_substitute(value, expected):
    assert substitute(value, {"A": "1"}) == expected
