"""MkDocs hook: keep Material's compiled templates between builds.

Jinja compiles each of the theme's templates (about 150) anew in every build, and
mkdocs-static-i18n runs one build per language: 1.5 s of a rebuild that changes
nothing. Jinja's bytecode cache stores them compiled, keyed on each template's source.
"""

from pathlib import Path

from jinja2 import FileSystemBytecodeCache


def on_env(env, config, files):
    directory = Path(config.config_file_path).parent / ".cache" / "jinja"
    directory.mkdir(parents=True, exist_ok=True)
    env.bytecode_cache = FileSystemBytecodeCache(str(directory))
    return env
