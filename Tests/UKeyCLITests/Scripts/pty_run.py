#!/usr/bin/python3
"""Runs a command on a pseudo-terminal, answers one prompt, and reports what the terminal showed.

    pty_run.py PROMPT ANSWER -- COMMAND [ARG...]

Waits (a 120 s guard) until PROMPT appears on the terminal, types ANSWER and Enter, then
collects everything the command wrote until it exits. Prints the terminal's text (what a user
would have seen, so a secret typed with echo off must not be in it), then a last line
`exit N`. Exits 2 if the prompt never came.
"""
import os, pty, select, sys, time

prompt, answer = sys.argv[1].encode(), sys.argv[2].encode()
command = sys.argv[sys.argv.index("--") + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(command[0], command)

seen = b""
def pump(timeout):
    global seen
    ready, _, _ = select.select([fd], [], [], timeout)
    if not ready:
        return True
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        return False
    if not chunk:
        return False
    seen += chunk
    return True

deadline = time.time() + 120
while prompt not in seen and time.time() < deadline:
    if not pump(0.1):
        break
if prompt not in seen:
    sys.stdout.write(seen.decode(errors="replace"))
    print("\nprompt never came")
    os.kill(pid, 9)
    sys.exit(2)
os.write(fd, answer + b"\r")
deadline = time.time() + 20
while time.time() < deadline and pump(0.2):
    pass
done, status = os.waitpid(pid, os.WNOHANG)
while done == 0 and time.time() < deadline:
    time.sleep(0.05)
    done, status = os.waitpid(pid, os.WNOHANG)
if done == 0:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    sys.stdout.write(seen.decode(errors="replace"))
    print("\nstill running after 20 s: killed")
    sys.exit(3)
sys.stdout.write(seen.decode(errors="replace"))
print("\nexit %d" % os.waitstatus_to_exitcode(status))
