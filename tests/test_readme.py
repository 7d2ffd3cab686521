"""README.md runs as pasted: every Python snippet and every shell command in it.

The convention (README.md repeats it in a comment at its top; follow it in new sections):

- Every fenced block names its language; a bare fence fails this test, so nothing
  runnable is left out by accident.
- ```python with ``>>>`` prompts: a doctest (output compared; ``...`` matches anything,
  whitespace is normalized). Each block runs on its own, in a fresh namespace, as a
  reader pasting it into a new interpreter would: import what it uses.
- ```python without prompts: a file's contents (e.g. a claim file), executed in a fresh
  namespace.
- ```console: lines starting with ``$ `` are commands (a line ending in ``\\`` continues
  on the next); the other lines are output shown for reading and are not compared.
  ```sh / ```bash: every line that is not blank or a comment is a command.
- Commands run in README order with bash, in one scratch folder holding a copy of
  ``examples/`` (the README's commands start from a checkout's root), with this
  Python's ``wideminima`` and ``python`` first on PATH. Each must exit 0, or N when its
  comment says ``# exits N``, and print no traceback.
- A command that cannot run here (it installs, needs a cluster, takes minutes, ...)
  says so where readers see it, in its comment: ``(not run in CI: REASON)``.
- ```text (and json, toml, ...): output or data, not run.
- A Python block that imports an optional library (torch, dask, ...) that is not
  installed is skipped, naming the library.
"""

from __future__ import annotations

import doctest
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SHELLS = {"console", "sh", "bash", "shell"}
NOT_RUN = {"text", "json", "toml", "yaml", "csv", "latex", "markdown", "diff"}
OPTIONAL = {"torch", "cupy", "dask", "dask_jobqueue", "distributed", "scipy", "matplotlib", "sklearn", "array_api_strict", "array_api_compat"}
NOT_IN_CI = re.compile(r"\(not run in CI: ([^)]+)\)")
EXITS = re.compile(r"#.*\bexits (\d+)\b")


@dataclass(frozen=True)
class Block:
    """One fenced block of the README: its language, first line number (1-based) and text."""

    language: str
    line: int
    text: str


def blocks(markdown: str) -> list[Block]:
    """The fenced blocks of ``markdown`` in order (fences at the start of a line)."""
    found, inside, start, language, body = [], False, 0, "", []
    for number, line in enumerate(markdown.splitlines(), start=1):
        if line.startswith("```"):
            if inside:
                found.append(Block(language, start, "\n".join(body) + "\n"))
                inside = False
            else:
                inside, start, language, body = True, number, line[3:].strip().split(" ")[0], []
        elif inside:
            body.append(line)
    assert not inside, f"README.md:{start}: fence never closed"
    return found


def commands(block: Block) -> list[str]:
    """The commands of a shell block (continuation lines joined)."""
    found: list[str] = []
    pending = ""
    for line in block.text.splitlines():
        if pending:
            pending += "\n" + line
        elif block.language == "console":
            if not line.startswith("$ "):
                continue
            pending = line[2:]
        elif line.strip() and not line.lstrip().startswith("#"):
            pending = line
        else:
            continue
        if not pending.endswith("\\"):
            found.append(pending)
            pending = ""
    assert not pending, f"README.md:{block.line}: a command ends in a continuation"
    return found


README_BLOCKS = blocks(README.read_text(encoding="utf-8"))
PYTHON_BLOCKS = [b for b in README_BLOCKS if b.language == "python"]


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch folder laid out like a checkout's root for the README's commands: a copy of examples/."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def scratch(checkout: Path) -> Path:
    """The same with the example files made (``python examples/make_files.py``)."""
    made = subprocess.run([sys.executable, "examples/make_files.py"], cwd=checkout, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    return checkout


def test_every_block_names_its_language() -> None:
    unknown = [f"README.md:{b.line}: ```{b.language}" for b in README_BLOCKS
               if b.language not in SHELLS | NOT_RUN | {"python"}]
    assert not unknown, f"give each fence a language ({sorted(SHELLS | NOT_RUN | {'python'})}): {unknown}"
    assert len(PYTHON_BLOCKS) >= 3 and sum(b.language in SHELLS for b in README_BLOCKS) >= 5


def _missing_optional(source: str) -> str | None:
    for name in re.findall(r"^\s*(?:>>> |\.\.\. )?(?:from|import) (\w+)", source, flags=re.M):
        if name in OPTIONAL and importlib.util.find_spec(name) is None:
            return name
    return None


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=[f"line{b.line}" for b in PYTHON_BLOCKS])
def test_python_block_runs_as_pasted(block: Block, scratch: Path) -> None:
    missing = _missing_optional(block.text)
    if missing:
        pytest.skip(f"README.md:{block.line} needs the optional library {missing}")
    name = f"README.md:{block.line}"
    if ">>>" in block.text:
        test = doctest.DocTestParser().get_doctest(block.text, {"__name__": "__readme__"}, name, str(README), block.line - 1)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        runner.run(test)
        assert runner.failures == 0, f"{runner.failures} example(s) of {name} failed (see the output above)"
    else:
        exec(compile(block.text, name, "exec"), {"__name__": "__readme__"})  # noqa: S102 - the README's own code


@pytest.mark.slow
def test_shell_commands_run_as_pasted(checkout: Path) -> None:
    # The README's own `python examples/make_files.py` makes the files its later commands read.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    ran, skipped = 0, []
    for block in (b for b in README_BLOCKS if b.language in SHELLS):
        for command in commands(block):
            marker = NOT_IN_CI.search(command)
            if marker:
                assert marker.group(1).strip(), f"README.md:{block.line}: say why {command!r} is not run"
                for path in re.findall(r"tests/[\w/]+\.py", marker.group(1)):  # "tests/x.py runs it": it does
                    source = (ROOT / path).read_text()
                    options = re.findall(r"(?<!\S)--[\w-]+", command.split("#")[0])
                    assert all(f'"{o}"' in source for o in options), f"README.md:{block.line}: {path} lacks {options}"
                skipped.append(command)
                continue
            expected = int(EXITS.search(command).group(1)) if EXITS.search(command) else 0
            done = subprocess.run(["bash", "-c", command], cwd=checkout, env=env, capture_output=True, text=True,
                                  timeout=600)
            where = f"README.md:{block.line}: {command!r}"
            assert done.returncode == expected, f"{where} exited {done.returncode}, not {expected}:\n{done.stderr[-2000:]}"
            assert "Traceback" not in done.stderr, f"{where} printed a traceback:\n{done.stderr[-2000:]}"
            ran += 1
    assert ran >= 5 and len(skipped) <= ran, (ran, skipped)


def test_the_conventions_parse() -> None:
    text = "```console\n$ a --x \\\n    --y   # exits 1\nout\n$ b  # (not run in CI: installs)\n```\n```sh\n# c\nd\n```\n"
    console, sh = blocks(text)
    assert commands(console) == ["a --x \\\n    --y   # exits 1", "b  # (not run in CI: installs)"]
    assert commands(sh) == ["d"]
    assert EXITS.search(commands(console)[0]).group(1) == "1"
    assert NOT_IN_CI.search(commands(console)[1]).group(1) == "installs"
