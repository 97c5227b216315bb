"""The README's commands are the ones CI runs, and its engine quickstart works."""

import re
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _bash_blocks(text):
    return re.findall(r"```bash\n(.*?)```", text, flags=re.S)


def test_readme_has_exactly_two_commands_and_ci_runs_the_test_one():
    blocks = _bash_blocks((ROOT / "README.md").read_text())
    commands = [line for block in blocks for line in block.splitlines() if line.strip()]
    assert len(commands) == 2
    demo, tests = commands
    assert "python -m sklearn_deep" in demo
    assert "pytest" in tests
    assert tests in (ROOT / ".ci" / "run").read_text().splitlines()


def test_readme_engine_quickstart_runs():
    text = (ROOT / "README.md").read_text()
    code = re.search(r"## The engine in 20 lines\n\n```python\n(.*?)```", text, flags=re.S)
    namespace = {}
    exec(compile(code.group(1), "README quickstart", "exec"), namespace)
    assert namespace["predictions"].shape == (200,)
    assert np.isfinite(namespace["loss"].item())
