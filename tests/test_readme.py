"""README.md's set-up commands stay what CI runs, and its Python example runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bash_blocks(text):
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def commands(block):
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    test_command = commands(bash_blocks(readme)[1])
    assert len(test_command) == 1 and "pytest" in test_command[0]
    assert test_command[0] in commands(ci)


def test_readme_has_exactly_two_setup_commands():
    blocks = bash_blocks((ROOT / "README.md").read_text())
    setup = [cmd for block in blocks[:2] for cmd in commands(block)]
    assert len(setup) == 2
    assert all(cmd.startswith("python3 -m venv .venv && ") and "-c constraints.txt" in cmd for cmd in setup)


def test_quick_example_runs(capsys):
    readme = (ROOT / "README.md").read_text()
    example = re.search(r"## Quick example\n\n```python\n(.*?)```", readme, flags=re.S).group(1)
    # The full 20,000-step budget is the example's point but not this test's: train 200 steps.
    shortened = example.replace("gan.fit()", "gan.fit(steps=200, eval_every=0)")
    assert shortened != example
    namespace = {}
    exec(compile(shortened, "README.md", "exec"), namespace)
    assert namespace["x"].shape == (10_000, 1)
    assert "ks_statistic" in namespace["report"].to_dict()
