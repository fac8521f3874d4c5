"""The repository's own hygiene: lint, format, the GitHub workflows' audit, and the README's
commands as .ci/run and the Makefile have them."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import ROOT

BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["zizmor", "--offline", "--persona=pedantic", ".github/workflows/"],
    ],
    ids=["ruff-check", "ruff-format", "zizmor"],
)
def test_tool_reports_nothing(command):
    result = subprocess.run(
        [str(BIN / command[0]), *command[1:]], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def readme_commands():
    """The README's table of the two commands: command -> what it does."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## The two commands\n")[1].split("\n## ")[0]
    return dict(re.findall(r"^\| `(make [\w-]+)` \| ([^|]+) \|", section, re.MULTILINE))


def ci_commands():
    """The lines .ci/run runs, without comments and blank lines."""
    lines = (line.strip() for line in (ROOT / ".ci/run").read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def test_ci_runs_the_readmes_test_command():
    commands = readme_commands()
    assert len(commands) == 2, commands  # run the site, run the tests
    [test_command] = [command for command, does in commands.items() if "test suite" in does]
    assert test_command in ci_commands()


def test_every_make_target_named_has_a_rule():
    """Each `make <target>` of the README, and each make line of .ci/run, is a Makefile rule."""
    rules = set(re.findall(r"^([\w-]+):(?!=)", (ROOT / "Makefile").read_text(), re.MULTILINE))
    named = re.findall(r"`make ([\w-]+)", (ROOT / "README.md").read_text())
    named += [line.split()[1] for line in ci_commands() if line.startswith("make ")]
    assert named
    assert set(named) <= rules, set(named) - rules


# What a newcomer reads first: what this is, the two commands, how pages run their
# examples, where to go next. Measurements live in benchmarks/results/ and on the
# Contributing page.
README_SECTIONS = [
    "What is in it",
    "The two commands",
    "How pages run their examples",
    "Where to go next",
]
README_MAX_LINES = 100
# A measured time or ratio: "3.1 s", "0.53 × import", "= 1.25".
MEASUREMENT = re.compile(r"\d\s?s\b|×\s?import|=\s?\d+\.\d+")


def test_the_readme_is_for_newcomers():
    readme = (ROOT / "README.md").read_text("utf-8")
    assert re.findall(r"^## (.+)$", readme, re.MULTILINE) == README_SECTIONS
    assert len(readme.splitlines()) <= README_MAX_LINES
    assert MEASUREMENT.findall(readme) == []


def test_the_readme_s_links_lead_to_files_of_the_repository():
    readme = (ROOT / "README.md").read_text("utf-8")
    links = [link for link in re.findall(r"\]\(([^)#]+)\)", readme) if "://" not in link]
    assert links
    assert [link for link in links if not (ROOT / link).exists()] == []


def make_commands(target):
    """The commands `make <target>` runs (``make -n``), the virtualenv's tools by name."""
    shown = subprocess.run(
        ["make", "-n", "-s", target], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    lines = [line for line in shown.splitlines() if "ruff" in line]
    return [line.replace(".venv/bin/", f"{BIN}/") for line in lines]


def test_make_format_fixes_what_make_lint_reports(tmp_path):
    """A file with an unused import, unsorted imports and the wrong format, in a folder
    with the repository's ruff settings: `make lint` fails there, `make format` fixes it."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "sloppy.py").write_text(
        "import sys\nimport os\nimport json\n\n\n\ndef f( x ):\n    return os.path.join( x,'a' )\n"
    )

    def run(target):
        return [
            subprocess.run(line, shell=True, cwd=tmp_path, capture_output=True).returncode
            for line in make_commands(target)
        ]

    assert run("lint") != [0]
    run("format")
    assert run("lint") == [0]


def workflow(name):
    return yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text("utf-8"))


def test_pull_requests_get_the_report_of_what_they_change_from_main_s_cache_read_only():
    """ci.yml's job for pull requests restores the example cache pages.yml's deploy of main
    saves, without saving one, builds, and puts the report in its summary and an artifact."""
    ci, pages = workflow("ci.yml"), workflow("pages.yml")
    assert "pull_request_target" not in ci[True]  # YAML reads the key `on` as True
    job = ci["jobs"]["changes"]
    assert job["if"] == "github.event_name == 'pull_request'"
    assert job["permissions"] == {"contents": "read"}
    uses = [step["uses"].split("@")[0] for step in job["steps"] if "uses" in step]
    assert "actions/cache/restore" in uses and "actions/cache" not in uses  # read only
    [restore] = [s for s in job["steps"] if s.get("uses", "").startswith("actions/cache/restore")]
    [saved] = [s for s in pages["jobs"]["build"]["steps"] if "actions/cache@" in s.get("uses", "")]
    assert restore["with"]["path"] == saved["with"]["path"] == ".cache/run-examples"
    assert saved["with"]["key"].startswith(restore["with"]["key"])
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert "make build" in runs
    assert "-m mkdocs_run_examples.changes .cache/reference .cache/run-examples" in runs
    assert '>> "$GITHUB_STEP_SUMMARY"' in runs
    [upload] = [s for s in job["steps"] if "actions/upload-artifact@" in s.get("uses", "")]
    assert upload["with"]["path"] == "changes/"
