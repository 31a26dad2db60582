"""Split a command string into words the way Compose does (go-shellwords).

Quotes work as in a POSIX shell, without expansion; a backslash outside single quotes
takes the next character literally, inside double quotes too (`"\r"` is `r`). An unquoted
`;`, `&`, `|`, `<` or `>` ends the command: Compose drops it and everything after, so
we do the same and say so in a warning.
"""

from __future__ import annotations

OPERATORS = ";&|<>"


class ShellSyntaxError(ValueError):
    pass


def split_words(text: str) -> tuple[list[str], str]:
    """('a "b c" && d') → (['a', 'b c'], '&& d'): the words, and the dropped rest ('' if none)."""
    words: list[str] = []
    word, in_word, quote, position = "", False, "", 0
    while position < len(text):
        char = text[position]
        if quote == "'":
            quote, word = ("", word) if char == "'" else (quote, word + char)
        elif quote == '"':
            if char == "\\" and position + 1 < len(text):  # go-shellwords: any character, `\r` is `r`
                position += 1
                word += text[position]
            elif char == '"':
                quote = ""
            else:
                word += char
        elif char in "'\"":
            quote, in_word = char, True
        elif char == "\\" and position + 1 < len(text):
            position += 1
            word, in_word = word + text[position], True
        elif char.isspace():
            if in_word:
                words.append(word)
            word, in_word = "", False
        elif char in OPERATORS:
            if char == ">" and word[:1].isdigit():  # `2>&1`: the fd number goes too (go-shellwords)
                in_word = False
            break
        else:
            word, in_word = word + char, True
        position += 1
    if quote:
        raise ShellSyntaxError(f"unterminated {quote} quote")
    if in_word:
        words.append(word)
    return words, text[position:].strip()
