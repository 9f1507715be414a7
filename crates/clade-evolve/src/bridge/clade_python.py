"""The evaluator's `sys.executable` under Clade: runs the script it is given
in the sandbox (Clade answers over the bridge's socket) and passes the
script's stdout, stderr and exit code through. Python's own options are
accepted where they mean nothing in the sandbox (-u, -B, -E, -s, -S, -I,
-O); `-c CODE` runs CODE from a file in the temporary folder."""

import os
import socket
import struct
import sys
import tempfile

QUIET_OPTIONS = {"-u", "-B", "-E", "-s", "-S", "-I", "-O", "-OO", "-b", "-q"}


def frame(sock, data):
    sock.sendall(struct.pack("<I", len(data)) + data)


def exact(sock, n):
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise ConnectionError("Clade closed the connection")
        out += chunk
    return out


def read(sock):
    (n,) = struct.unpack("<I", exact(sock, 4))
    return exact(sock, n)


def script_argv(argv, tmp):
    args = list(argv)
    while args and args[0] in QUIET_OPTIONS:
        args.pop(0)
    if not args:
        raise SystemExit("clade: the sandboxed Python needs a script to run (an interactive interpreter is not offered)")
    if args[0] == "-c" and len(args) >= 2:
        fd, path = tempfile.mkstemp(suffix=".py", dir=tmp)
        with os.fdopen(fd, "w") as f:
            f.write(args[1])
        return [path] + args[2:]
    if args[0].startswith("-"):
        raise SystemExit(f"clade: the sandboxed Python does not take the option {args[0]}")
    return [os.path.abspath(args[0])] + args[1:]


def main(socket_path, tmp):
    import json

    argv = script_argv(sys.argv[1:], tmp)
    stdin = b"" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.buffer.read()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(socket_path)
    frame(sock, json.dumps({"op": "exec", "argv": argv}).encode())
    frame(sock, stdin)
    reply = json.loads(read(sock))
    sys.stdout.buffer.write(read(sock))
    sys.stdout.buffer.flush()
    sys.stderr.buffer.write(read(sock))
    if reply.get("status") == "exited" and isinstance(reply.get("exit_code"), int):
        code = reply["exit_code"]
    else:
        sys.stderr.write(f"\nclade: the program failed in the sandbox ({reply.get('status')}): {reply.get('message', '')}\n")
        code = 1
    sys.stderr.flush()
    os._exit(code & 0xFF if code >= 0 else 1)
