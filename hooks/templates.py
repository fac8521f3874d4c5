"""MkDocs hook: keep compiled templates between builds.

Jinja compiles each of the theme's templates (about 150) and mkdocstrings' (24) anew
in every build, and mkdocs-static-i18n runs one build per language: about 2 s of a
rebuild that changes nothing. Jinja's bytecode cache stores them compiled, keyed on
each template's source.
"""

from pathlib import Path

from jinja2 import FileSystemBytecodeCache


def bytecode_cache(config):
    directory = Path(config.config_file_path).parent / ".cache" / "jinja"
    directory.mkdir(parents=True, exist_ok=True)
    return FileSystemBytecodeCache(str(directory))


def on_pre_build(config):
    # mkdocstrings renders while the pages are, before on_env.
    mkdocstrings = config.plugins.get("mkdocstrings")
    if mkdocstrings is not None:
        mkdocstrings.get_handler("python").env.bytecode_cache = bytecode_cache(config)


def on_env(env, config, files):
    env.bytecode_cache = bytecode_cache(config)
    return env
