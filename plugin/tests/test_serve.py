"""``mkdocs serve`` watches what the pages import: an edit of a ``sources`` folder runs
again the pages that use what changed, and only those, and reloads the browser."""

import os
import sys
import time
import urllib.request

import yaml
from test_files import free_port, serving, wait_for

SHAPES = "def area(side):\n    return side * side\n"
USES_IT = "# Area\n\n```python\nfrom shapes import area\n\nprint('area:', area(3))\n```\n"
DOES_NOT = "# Other\n\n```python\nprint('other page')\n```\n"


def test_serve_runs_again_the_pages_using_an_edited_source(tmp_path):
    project = tmp_path / "project"
    (project / "docs").mkdir(parents=True)
    (project / "docs" / "index.md").write_text(USES_IT, encoding="utf-8")
    (project / "docs" / "other.md").write_text(DOES_NOT, encoding="utf-8")
    (project / "src" / "shapes").mkdir(parents=True)
    source = project / "src" / "shapes" / "__init__.py"
    source.write_text(SHAPES, encoding="utf-8")
    config = {
        "site_name": "serve",
        "theme": {"name": "mkdocs"},
        "plugins": [{"run-examples": {"sources": {"shapes": "src/shapes"}}}],
    }
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    log = tmp_path / "serve.log"
    address = f"127.0.0.1:{free_port()}"
    # The pages import shapes as a reader's installed package would be imported.
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(project / "src"), *sys.path])}
    with serving(project, log, address, environment) as server:
        assert "area: 9" in served(address)
        source.write_text(SHAPES.replace("side * side", "side * side * 2"), encoding="utf-8")
        wait_for(log, "Reloading browsers", server)
        deadline = time.monotonic() + 60
        while "area: 18" not in served(address):
            assert time.monotonic() < deadline, log.read_text(encoding="utf-8")
            time.sleep(0.5)
    text = log.read_text(encoding="utf-8")
    assert "src/shapes" in text.split("Watching paths for changes:")[1].splitlines()[0], text
    assert text.count("running docs/index.md") == 2, text
    assert text.count("running docs/other.md") == 1, text


def served(address):
    """The home page as serve serves it now."""
    with urllib.request.urlopen(f"http://{address}/", timeout=30) as response:
        return response.read().decode("utf-8")
