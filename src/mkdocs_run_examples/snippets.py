"""Expand ``--8<--`` includes exactly as the site's pymdownx.snippets does."""

from pathlib import Path

import markdown
import yaml


class SnippetExpander:
    """pymdownx.snippets' own preprocessor, with the site's options.

    ``options`` are the extension's options from mkdocs.yml; relative base paths
    are taken from ``root``, the folder of mkdocs.yml.
    """

    def __init__(self, options, root):
        options = dict(options or {})
        base_paths = options.get("base_path", ["."])
        base_paths = [base_paths] if isinstance(base_paths, str) else base_paths
        options["base_path"] = [str((Path(root) / base).resolve()) for base in base_paths]
        self._markdown = markdown.Markdown(
            extensions=["pymdownx.snippets"], extension_configs={"pymdownx.snippets": options}
        )

    @classmethod
    def from_mkdocs_yml(cls, path):
        """The expander configured by an mkdocs.yml."""
        path = Path(path)
        config = yaml.load(path.read_text(encoding="utf-8"), Loader=_TagTolerantLoader)
        options = {}
        for extension in config.get("markdown_extensions", []):
            if isinstance(extension, dict) and "pymdownx.snippets" in extension:
                options = extension["pymdownx.snippets"]
        return cls(options, path.parent)

    def expand(self, text):
        """The Markdown ``text`` with every include replaced by what it includes."""
        return "\n".join(self._markdown.preprocessors["snippet"].run(text.split("\n")))


class _TagTolerantLoader(yaml.SafeLoader):
    """A safe loader that reads MkDocs' tags (``!ENV``, ``!relative``) as plain values."""


_TagTolerantLoader.add_multi_constructor("!", lambda loader, suffix, node: None)
