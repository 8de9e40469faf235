"""The README's runnable snippets run as written: the first-screen and the fixture examples."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

pytest_plugins = ("pytester",)

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
BLOCKS = [textwrap.dedent(b) for b in re.findall(r"```python\n(.*?)\n\s*```", README, re.S)]


def _block_containing(marker: str) -> str:
    (block,) = [b for b in BLOCKS if marker in b]
    return block


def test_first_screen_example_prints_the_statement(capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(BLOCKS[0], "README.md", "exec"), {})  # noqa: S102 - our own README
    out = capsys.readouterr().out
    # The spec example's line (openapi/apij-1.0-apim.yaml): 14 x 32.87 = 460.18 gross, 429.35 net.
    assert "2025-03-04 2025-03-17 14 32.87 460.18 429.35" in out
    assert out.splitlines()[-1].startswith("total ")


def test_fixture_example_passes_in_a_downstream_project(pytester: pytest.Pytester) -> None:
    example = _block_containing("def test_statement(apij_mock: ApijMock)")
    pytester.makepyfile(test_readme_example=example)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
