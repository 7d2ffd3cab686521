"""The README's "Your own PyTorch model" example runs as written and prints what it shows (doctest)."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

README = Path(__file__).resolve().parents[1] / "README.md"


def _section(title: str) -> str:
    text = README.read_text()
    match = re.search(rf"^(#+) {re.escape(title)}\n(.*?)(?=^#{{1,3}} )", text, flags=re.S | re.M)
    assert match is not None, f"README has no section {title!r}"
    return match.group(2)


def test_your_own_pytorch_model_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", _section("Your own PyTorch model"), flags=re.S)
    assert blocks, "the section has no python example"
    parser = doctest.DocTestParser()
    test = parser.get_doctest("\n".join(blocks), {}, "README: Your own PyTorch model", str(README), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny models: thread start-up costs more than it saves on the shared CI cores
    try:
        runner.run(test)
    finally:
        torch.set_num_threads(threads)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 10 and result.failed == 0
