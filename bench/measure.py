"""Runs a command and writes its wall time, exit code, CPU time and peak RSS
(JSON) to a file: `measure.py OUT.json CMD [ARGS...]`.

Why a launcher: Linux counts into a process's peak RSS the memory of the
process that started it (its mm at fork or vfork, carried over at exec).
Forked from this small launcher, the command's figure has a floor of this
launcher's few MB instead of the benchmark harness's. The command inherits
stdin, stdout and stderr.
"""

import json
import os
import sys
import time


def main():
    out, cmd = sys.argv[1], sys.argv[2:]
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.monotonic() - started
    with open(out, "w") as f:
        json.dump({
            "exit": os.waitstatus_to_exitcode(status),
            "wall_s": wall,
            "maxrss_kb": usage.ru_maxrss,
            "user_s": usage.ru_utime,
            "sys_s": usage.ru_stime,
        }, f)


if __name__ == "__main__":
    main()
