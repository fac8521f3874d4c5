"""Imported first by the fork server (see ``pool``): what the server writes while it
imports the heavy packages (TensorFlow's start-up lines) goes to the file the pool names
in ``RUN_EXAMPLES_SERVER_LOG``, which the build logs at debug level, not to its terminal."""

import os

_path = os.environ.get("RUN_EXAMPLES_SERVER_LOG")
if _path:
    _log = os.open(_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(_log, 1)
    os.dup2(_log, 2)
    os.close(_log)
