"""Which part of the code may import which: the table in docs/ARCHITECTURE.md, checked
against every import in composer/ and netplugins/ (function-local ones too), plus the
rules a table cannot say (no verb imports another's, no module over 400 lines)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 400
# (part, imported part) → why it is allowed for now
KNOWN_IMPORTS: dict[tuple[str, str], str] = {}
# module → why it may be longer for now
KNOWN_LONG: dict[str, str] = {}
BASE = {"composer/__init__.py", "composer/errors.py", "composer/paths.py", "composer/atomic.py", "composer/crash.py"}


def rules() -> dict[str, set[str]]:
    """Part → the parts it may import, from the table under 'Which part may import which'."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    section = text.split("## Which part may import which", 1)[1].split("\n## ", 1)[0]
    found = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 2 or cells[0] in ("part", "") or cells[0].startswith("---"):
            continue
        allowed = {name.strip() for name in cells[1].split("(")[0].split(",")} - {"—", ""}
        found[cells[0]] = allowed
    return found


def part_of_file(path: str) -> str:
    if path.startswith("netplugins/"):
        return "netplugins"
    if path in BASE:
        return "base"
    if path in ("composer/__main__.py", "composer/cli/driver.py"):
        return "cli" if path == "composer/__main__.py" else "cli.driver"
    if path.startswith("composer/drivers/") and path.count("/") > 2:  # a driver package: drivers.<name>
        return "drivers." + path.split("/")[2]
    return path.split("/")[1].removesuffix(".py")


def part_of_module(module: str) -> str | None:
    """The part a dotted module belongs to (None: not ours)."""
    names = module.split(".")
    if names[0] == "netplugins":
        return "netplugins"
    if names[0] != "composer":
        return None
    if len(names) == 1 or names[1] in ("errors", "paths", "atomic", "crash", "__version__"):
        return "base"
    if names[1] == "drivers" and len(names) > 2 and (ROOT / "composer" / "drivers" / names[2]).is_dir():  # a driver package
        return f"drivers.{names[2]}"
    if names[1] == "cli" and len(names) > 2 and names[2] == "driver":
        return "cli.driver"
    return names[1]


def imports(path: Path) -> list[str]:
    """Every module the file imports, absolute, wherever the import statement is."""
    tree = ast.parse(path.read_text())
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            found.append(base)
            found += [f"{base}.{alias.name}" for alias in node.names]  # `from composer import records`
    return found


def source_files() -> list[Path]:
    return sorted(p for d in ("composer", "netplugins") for p in (ROOT / d).rglob("*.py"))


def test_the_table_names_every_part():
    parts = {part_of_file(str(p.relative_to(ROOT))) for p in source_files()}
    assert parts <= set(rules()), f"parts missing from the table: {sorted(parts - set(rules()))}"


def test_each_part_imports_only_what_the_table_allows():
    table = rules()
    wrong = []
    for path in source_files():
        relative = str(path.relative_to(ROOT))
        part = part_of_file(relative)
        allowed = table[part] | {part, "base"}
        if part == "cli.driver":
            allowed |= table["cli"] | {"cli"}
        for module in imports(path):
            target = part_of_module(module)
            if target is None or target in allowed or (part, target) in KNOWN_IMPORTS:
                continue
            wrong.append(f"{relative} ({part}) imports {module} ({target})")
    assert not sorted(set(wrong)), "\n".join(sorted(set(wrong)))


def test_no_verb_imports_another_verb():
    # not verbs: what `up` is asked and answers; the snapshot every verb's plan is made from
    shared = {"composer.verbs.options", "composer.verbs.observe"}
    wrong = []
    for path in sorted((ROOT / "composer" / "verbs").glob("*.py")):
        own = f"composer.verbs.{path.stem}"
        for module in imports(path):
            verb = ".".join(module.split(".")[:3])
            if module.startswith("composer.verbs.") and verb not in shared | {own}:
                wrong.append(f"{path.name} imports {module}")
    assert not wrong, wrong


@pytest.mark.parametrize("package", ["netplugins"])
def test_netplugins_imports_nothing_of_composer(package):
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / package).rglob("*.py")
                 if any(m.split(".")[0] == "composer" for m in imports(p))]
    assert not offenders


def test_no_module_is_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for p in source_files() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert set(long) <= set(KNOWN_LONG), {k: v for k, v in long.items() if k not in KNOWN_LONG}
