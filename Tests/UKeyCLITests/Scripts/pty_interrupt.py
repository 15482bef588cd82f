#!/usr/bin/python3
"""Runs a command on a pseudo-terminal, presses Ctrl-C at its prompt, and reports the terminal's
echo afterwards.

    pty_interrupt.py PROMPT -- COMMAND [ARG...]

Waits (a 120 s guard) until PROMPT appears, types Ctrl-C (the line discipline sends SIGINT to the
command), waits for the command to end, then prints what the terminal showed, a line
`echo on` or `echo off` (the terminal's ECHO flag after the command ended: this process keeps the
terminal's slave side open, so the settings outlive the command) and a last line `exit N` (a
negative N: killed by that signal). Exits 2 if the prompt never came.
"""
import fcntl, os, select, sys, termios, time

prompt = sys.argv[1].encode()
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
os.write(master, b"\x03")
deadline = time.time() + 120
done, status = 0, 0
while done == 0 and time.time() < deadline:
    pump(0.05)
    done, status = os.waitpid(pid, os.WNOHANG)
if done == 0:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    print("still running after Ctrl-C: killed")
    sys.exit(3)
sys.stdout.write(seen.decode(errors="replace"))
print("\necho %s" % ("on" if termios.tcgetattr(slave)[3] & termios.ECHO else "off"))
print("exit %d" % os.waitstatus_to_exitcode(status))
