#!/usr/bin/python3
"""Runs a command on a pseudo-terminal, acts at its prompt, and reports what the terminal showed.

    pty_run.py PROMPT --answer TEXT -- COMMAND [ARG...]
    pty_run.py PROMPT --interrupt -- COMMAND [ARG...]

Waits (a 120 s guard) until PROMPT appears on the terminal, then either types TEXT and Enter,
or types Ctrl-C (the line discipline sends SIGINT to the command), and waits (120 s) for the
command to end. Prints the terminal's text (what a user would have seen, so a secret typed with
echo off must not be in it), a line `echo on` or `echo off` (the terminal's ECHO flag after the
command ended: this process keeps the terminal's slave side open, so the settings outlive the
command) and a last line `exit N` (a negative N: killed by that signal). Exits 2 if the prompt
never came, 3 if the command did not end.
"""
import fcntl, os, select, sys, termios, time

prompt, action = sys.argv[1].encode(), sys.argv[2]
if action == "--answer":
    keys = sys.argv[3].encode() + b"\r"
elif action == "--interrupt":
    keys = b"\x03"
else:
    sys.exit("pty_run.py: the second argument is --answer TEXT or --interrupt")
command = sys.argv[sys.argv.index("--") + 1:]
master, slave = os.openpty()
pid = os.fork()
if pid == 0:
    os.close(master)
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for target in (0, 1, 2):
        os.dup2(slave, target)
    os.execv(command[0], command)

seen = b""
def pump(timeout):
    global seen
    ready, _, _ = select.select([master], [], [], timeout)
    if not ready:
        return True
    try:
        chunk = os.read(master, 4096)
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
os.write(master, keys)
deadline = time.time() + 120
done, status = 0, 0
while done == 0 and time.time() < deadline:
    pump(0.05)
    done, status = os.waitpid(pid, os.WNOHANG)
while select.select([master], [], [], 0)[0] and pump(0):  # what it wrote just before it ended
    pass
if done == 0:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    sys.stdout.write(seen.decode(errors="replace"))
    print("\nstill running after 120 s: killed")
    sys.exit(3)
sys.stdout.write(seen.decode(errors="replace"))
print("\necho %s" % ("on" if termios.tcgetattr(slave)[3] & termios.ECHO else "off"))
print("exit %d" % os.waitstatus_to_exitcode(status))
