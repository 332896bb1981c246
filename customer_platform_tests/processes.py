"""Starting the platform's servers (``dagster dev``, the daemon) from a test."""

import subprocess
import sys

#: Execs ``argv[1:]`` with SIGINT at its default: dagster dev and the daemon copy an ignored
#: SIGINT (as a test worker may have it) to SIGTERM too, and then no signal but SIGKILL stops
#: them. A wrapper process rather than ``preexec_fn``: that makes subprocess fork instead of
#: vfork, and forking a test process that holds gigabytes of mappings fails with ENOMEM on a
#: machine without swap.
_DEFAULT_SIGINT = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                   "os.execv(sys.argv[1], sys.argv[1:])")


def start_server(command: list[str], **popen_kwargs) -> subprocess.Popen:
    """``command`` in a session of its own (stop it and its children with ``os.killpg``)."""
    return subprocess.Popen([sys.executable, "-c", _DEFAULT_SIGINT, *command],
                            start_new_session=True, **popen_kwargs)
