"""`.env` syntax as Docker Compose v2 reads it (values checked against its `config`)."""

import pytest

from composer.config.envfile import parse_env_text, read_env_files
from composer.errors import ComposeError

PROCESS = {"PATH": "/usr/bin", "HOME": "/home/u"}


def parse(text, process=PROCESS):
    return parse_env_text(text, ".env", process.get, [])


PARSES = [
    pytest.param("A=1\nB = 2 \n", {"A": "1", "B": "2"}, id="plain-and-blanks"),
    pytest.param("export C=3\n", {"C": "3"}, id="export"),
    pytest.param("  D=4 # comment\nE=5#not-a-comment\n", {"D": "4", "E": "5#not-a-comment"}, id="inline-comment"),
    pytest.param("# only a comment\n\n   \n#A=1\nB=2", {"B": "2"}, id="comment-lines-no-final-newline"),
    pytest.param("J:9\n", {"J": "9"}, id="yaml-style-colon"),
    pytest.param("F=\"6 # q\"\n", {"F": "6 # q"}, id="double-quoted-hash"),
    pytest.param("G='7 $A'\nA=x\n", {"G": "7 $A", "A": "x"}, id="single-quoted-literal"),
    pytest.param("A=x\nH=\"8 $A ${A}\"\nI=$A$A\n", {"A": "x", "H": "8 x x", "I": "xx"}, id="interpolated"),
    pytest.param('A="multi\nline"\nB=2\n', {"A": "multi\nline", "B": "2"}, id="multi-line-double"),
    pytest.param("A='multi\nline'\n", {"A": "multi\nline"}, id="multi-line-single"),
    pytest.param('B="esc\\n\\t\\"q\\" \\$A \\\\"\n', {"B": 'esc\n\t"q" $A \\'}, id="double-escapes"),
    pytest.param("C='s\\'q \\n'\n", {"C": "s'q \\n"}, id="single-escapes"),
    pytest.param('F="\\0101"\n', {"F": "A"}, id="octal-escape"),
    pytest.param("D=\nE=\"\"\nF=''\n", {"D": "", "E": "", "F": ""}, id="empty-values"),
    pytest.param('F="x" # c\n', {"F": "x"}, id="comment-after-quotes"),
    pytest.param("A= spaced value  \nB=  \"q\"  \n", {"A": "spaced value", "B": "q"}, id="trimmed"),
    pytest.param("\ufeffA=bom\n", {"A": "bom"}, id="byte-order-mark"),
    pytest.param("A=1\r\nB=2\r\n", {"A": "1", "B": "2"}, id="crlf"),
    pytest.param("A=1\nA=2\nB=${A}\n", {"A": "2", "B": "2"}, id="later-wins"),
    pytest.param("C=${UNSET:-def}\nD=${PATH:+alt}\n", {"C": "def", "D": "alt"}, id="operators"),
    pytest.param("PATH\nHOME\nNOPE\n", {"PATH": "/usr/bin", "HOME": "/home/u"}, id="inherited"),
    pytest.param("PATH=/mine\nX=$PATH\n", {"PATH": "/mine", "X": "/usr/bin"}, id="process-env-first-in-lookups"),
    pytest.param("E.F=1\nG-H=2\nI[0]=3\n", {"E.F": "1", "G-H": "2", "I[0]": "3"}, id="dots-dashes-brackets"),
    pytest.param("U=$NOT_SET\n", {"U": ""}, id="unset-is-empty"),
    pytest.param("A=$$lit\nB='$$'\n", {"A": "$lit", "B": "$$"}, id="dollar-escape"),
    pytest.param("A=`x`\n", {"A": "`x`"}, id="backticks-literal"),
]


@pytest.mark.parametrize("text,expected", PARSES)
def test_parse(text, expected):
    assert parse(text) == expected


ERRORS = [
    pytest.param('A=1\nB="unterminated\nC=2\n', '.env:2: unterminated quoted value "unterminated; close the " quote', id="unterminated"),
    pytest.param("A B=1\n", ".env:1: variable name 'A B' contains a space; remove the space or quote the value after =", id="space-in-key"),
    pytest.param("\nA$=1\n", ".env:2: unexpected character '$' in variable name 'A$=1'; variable names may use letters, digits, _ . - [ ]", id="bad-key-char"),
    pytest.param("A=${B:?need b}\n", ".env:1: required variable B is missing a value: need b; set B in the environment or in the .env file", id="required"),
    pytest.param("X=1\nA=${B\n", '.env:2: invalid interpolation format "${B"; escape a literal $ as $$', id="bad-template"),
    pytest.param('A="ok"\nB="${B"\n', '.env:2: invalid interpolation format "${B"; escape a literal $ as $$', id="bad-template-quoted"),
]


@pytest.mark.parametrize("text,line", ERRORS)
def test_parse_errors(text, line):
    with pytest.raises(ComposeError) as caught:
        parse(text)
    assert caught.value.lines() == [line]


def test_unset_variables_warn(tmp_path):
    warnings = []
    parse_env_text("A=$NOPE\nB=${NOPE}\n", ".env", {}.get, warnings)
    assert warnings == ['The "NOPE" variable is not set. Defaulting to a blank string.']


def test_files_in_order_later_wins_and_sees_earlier(tmp_path):
    first, second = tmp_path / "a.env", tmp_path / "b.env"
    first.write_text("A=1\nB=first\n")
    second.write_text("B=second\nC=${A}-${B}\n")
    values = read_env_files([str(first), str(second)], {}, [])
    assert values == {"A": "1", "B": "second", "C": "1-first"}  # lookups: process, earlier files, then this file


def test_process_environment_is_looked_up_not_returned(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("A=${HOME}/x\n")
    assert read_env_files([str(env_file)], {"HOME": "/h", "OTHER": "o"}, []) == {"A": "/h/x"}


@pytest.mark.parametrize(
    "make,line",
    [
        pytest.param(lambda p: None, "{p}: cannot read env file: No such file or directory; check the path", id="missing"),
        pytest.param(lambda p: p.mkdir(), "{p}: env file is a directory; pass a file to --env-file", id="directory"),
    ],
)
def test_file_errors(tmp_path, make, line):
    path = tmp_path / "x.env"
    make(path)
    with pytest.raises(ComposeError) as caught:
        read_env_files([str(path)], {}, [])
    assert caught.value.lines() == [line.format(p=path)]
