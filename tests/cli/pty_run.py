"""Runs a command with a pseudo-terminal as its stdin, stdout and stderr,
prints what the terminal showed and exits with the command's status.

    python3 pty_run.py [--answer TEXT] PROGRAM [ARG...]

With --answer, types TEXT and Enter once the command asks "[y/N]".
"""
import os
import pty
import sys

args = sys.argv[1:]
answer = None
if args[:1] == ["--answer"]:
    answer, args = args[1], args[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(args[0], args)
seen = b""
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
    if answer is not None and b"[y/N]" in seen:
        os.write(fd, answer.encode() + b"\n")
        answer = None
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
