"""Variable substitution: every form, checked against what Docker Compose v2.40 gives."""

import pytest

from composer.config.interpolate import TemplateError, TreeInterpolator, substitute
from composer.config.source import MarkedDict, Override, Reset, read_source

ENV = {"A": "aval", "EMPTY": "", "HOST": "db.local", "PORT": "5432"}

SUBSTITUTIONS = [
    # plain forms
    ("$A", "aval", []),
    ("${A}", "aval", []),
    ("${A}b", "avalb", []),
    ("$A-b", "aval-b", []),
    ("$A.$A", "aval.aval", []),
    ("$A_B", "", ["A_B"]),
    ("é$A", "éaval", []),
    ("$AÉ", "avalÉ", []),
    ("postgres://$HOST:${PORT}/app", "postgres://db.local:5432/app", []),
    ("$UNSET ${UNSET}", " ", ["UNSET"]),
    ("${_U1}", "", ["_U1"]),
    # defaults
    ("${A:-d}", "aval", []),
    ("${A-d}", "aval", []),
    ("${EMPTY:-d}", "d", []),
    ("${EMPTY-d}", "", []),
    ("${UNSET:-d}", "d", []),
    ("${UNSET-d}", "d", []),
    ("${UNSET:-a b c}", "a b c", []),
    ("${UNSET:-a:b}", "a:b", []),
    ("${UNSET:-'x y'}", "'x y'", []),
    ("${A-}", "aval", []),
    ("${UNSET:-}", "", []),
    # alternatives
    ("${A:+alt}", "alt", []),
    ("${A+alt}", "alt", []),
    ("${EMPTY:+alt}", "", []),
    ("${EMPTY+alt}", "alt", []),
    ("${UNSET:+alt}", "", []),
    ("${UNSET+alt}", "", []),
    # required, when set
    ("${A:?must be set}", "aval", []),
    ("${A?oops}", "aval", []),
    ("${EMPTY?oops}", "", []),
    ("${A:?}x", "avalx", []),
    # nesting, evaluated only when used
    ("${X:-a${B:-b${C:-c}}}", "abc", []),
    ("${X:-a${B:-b${EMPTY-c}}}", "ab", []),
    ("${X-${EMPTY:-z}}", "z", []),
    ("${A:?${U}}", "aval", []),
    ("${A:+${B:-q}}", "q", []),
    ("${X:-${B}}}", "}", ["B"]),
    ("${A:-a}}", "aval}", []),
    ("${NESTED:-${A:-x}y}", "avaly", []),
    # dollars that are not variables
    ("$$HOME", "$HOME", []),
    ("$${A}", "${A}", []),
    ("$$$A", "$aval", []),
    ("${X:-$$}", "$", []),
    ("$", "$", []),
    ("a$", "a$", []),
    ("$-", "$-", []),
    ("$1A", "$1A", []),
    ("$A$", "aval$", []),
    ("100%", "100%", []),
]


@pytest.mark.parametrize("template,expected,missing", SUBSTITUTIONS, ids=[case[0] for case in SUBSTITUTIONS])
def test_substitute(template, expected, missing):
    seen = []
    assert substitute(template, ENV.get, seen.append) == expected
    assert sorted(set(seen)) == missing


BAD = [
    ("${A", 'invalid interpolation format "${A"'),
    ("${A:x}", 'invalid interpolation format "${A:x}"'),
    ("${}", 'invalid interpolation format "${}"'),
    ("x ${ A}", 'invalid interpolation format "x ${ A}"'),
    ("${A B}", 'invalid interpolation format "${A B}"'),
    ("${-x}", 'invalid interpolation format "${-x}"'),
    ("${1A}", 'invalid interpolation format "${1A}"'),
    ("${A/b}", 'invalid interpolation format "${A/b}"'),
    ("${A=}", 'invalid interpolation format "${A=}"'),
    ("${A:-${B}", 'invalid interpolation format "${A:-${B}"'),
    ("${X:?}", "required variable X is missing a value"),
    ("${X?}", "required variable X is missing a value"),
    ("${X:?must set X}", "required variable X is missing a value: must set X"),
    ("${EMPTY:?no empty}", "required variable EMPTY is missing a value: no empty"),
    ("${X:?err ${A}}", "required variable X is missing a value: err aval"),
    ("ok ${X?oops} ok", "required variable X is missing a value: oops"),
]


@pytest.mark.parametrize("template,message", BAD, ids=[case[0] for case in BAD])
def test_substitute_errors(template, message):
    with pytest.raises(TemplateError) as caught:
        substitute(template, ENV.get)
    assert caught.value.message == message


def interpolate(text, env=ENV):
    problems, warnings = [], []
    data = read_source(text, "compose.yaml").data
    return TreeInterpolator(env, problems, warnings).value(data, ()), [str(p) for p in problems], warnings


def test_tree_values_not_keys_and_marks_kept():
    text = "services:\n  ${A}:\n    image: ${A}:1\n    ports: ['${PORT}:5432', 80]\n    x-n: 3\n"
    data, problems, _ = interpolate(text)
    assert problems == []
    web = data["services"]["${A}"]
    assert web == {"image": "aval:1", "ports": ["5432:5432", 80], "x-n": 3}
    assert isinstance(web, MarkedDict)
    assert web.mark_of("image").line == 3
    assert web["ports"].mark_of(0).line == 4 and web["ports"].mark_of(0).column == 13


def test_tree_reports_every_problem_with_location():
    text = "services:\n  web:\n    image: ${A B}\n    environment:\n      - X=${REQ:?set REQ}\n    labels: {a: '${NO'}\n"
    _, problems, _ = interpolate(text)
    assert problems == [
        'compose.yaml:3:5: services.web.image: invalid interpolation format "${A B}"; escape a literal $ as $$',
        "compose.yaml:5:9: services.web.environment[0]: required variable REQ is missing a value: set REQ; set REQ in the environment or in the .env file",
        'compose.yaml:6:14: services.web.labels.a: invalid interpolation format "${NO"; escape a literal $ as $$',
    ]


def test_tree_warns_once_per_unset_variable():
    _, _, warnings = interpolate("a: $U1\nb: [$U1, $U2]\n")
    assert warnings == [
        'The "U1" variable is not set. Defaulting to a blank string.',
        'The "U2" variable is not set. Defaulting to a blank string.',
    ]


def test_tree_goes_inside_reset_and_override():
    data, _, _ = interpolate("a: !override {b: $A}\nc: !reset $A\n")
    assert isinstance(data["a"], Override) and data["a"].value == {"b": "aval"}
    assert isinstance(data["c"], Reset) and data["c"].value == "aval"


def test_tree_leaves_input_unchanged():
    source = read_source("a: $A\n", "compose.yaml").data
    TreeInterpolator(ENV, [], []).value(source, ())
    assert source == {"a": "$A"}
