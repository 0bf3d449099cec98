"""One command as a whole process: wall time, CPU (user + sys of the process and every child it waited for, such
as LibreOffice, pandoc, typst or a Jupyter kernel) and peak resident memory of the largest process in the tree."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass

# A fresh interpreter runs the command and reports its children's rusage, so earlier runs never count. The
# command runs in its own session: a timeout ends it and everything it started.
PROBE = """import json, os, resource, signal, subprocess, sys, time
t = time.perf_counter()
p = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                     start_new_session=True)
try:
    err = p.communicate(timeout=float(sys.argv[1]))[1]
    rc = p.returncode
except subprocess.TimeoutExpired:
    os.killpg(p.pid, signal.SIGKILL)
    err, rc = p.communicate()[1], "timeout"
wall = time.perf_counter() - t
u = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stderr.write(err[-5000:])
print(json.dumps({"rc": rc, "wall": wall, "cpu": u.ru_utime + u.ru_stime, "peak_mb": u.ru_maxrss / 1024}))
"""


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mb: float


def measured(cmd: list, cwd=None, env: dict | None = None, timeout: float = 3600) -> Run:
    """Raises subprocess.TimeoutExpired when the command ran past `timeout` seconds (it is then ended)."""
    done = subprocess.run([sys.executable, "-c", PROBE, str(timeout), *map(str, cmd)], cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, **(env or {})})
    data = json.loads(done.stdout.strip().splitlines()[-1])
    if data["rc"] == "timeout":
        raise subprocess.TimeoutExpired(cmd, timeout)
    if data["rc"] != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited {data['rc']}:\n{done.stderr[-3000:]}")
    return Run(data["wall"], data["cpu"], data["peak_mb"])
