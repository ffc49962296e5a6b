# The kernel's failure cases through a real Jupyter client: a forged (badly signed) message, the listening
# addresses, an OutOfMemoryError, a native crash and the error names. Prints "name: value" lines for KernelProtocolTest.
# Usage: kernel_hardening.py KERNEL_NAME MARKER_FILE KERNEL_STDERR_FILE (run with JTINY_ENGINE_OPTS=-Xmx256m and a
# JTINY_STARTUP script that declares int fromStartup = 7)
import json
import os
import sys
import time

from jupyter_client.manager import KernelManager
from jupyter_client.session import Session
from kernel_session import TIMEOUT, error_text, out, result_text, run


def listening(pid):
    """(ip, port) of every listening TCP socket the process holds, from /proc."""
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    found = []
    for table, v6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        with open(table) as f:
            for line in f.readlines()[1:]:
                cols = line.split()
                if cols[3] != "0A" or cols[9] not in inodes:
                    continue
                hexip, hexport = cols[1].split(":")
                if v6:
                    ip = "::1" if hexip == "00000000000000000000000001000000" else (
                        "::" if set(hexip) == {"0"} else ("::ffff:" if hexip.startswith("0000000000000000FFFF0000") else "v6:") + hexip)
                    if hexip.startswith("0000000000000000FFFF0000"):
                        ip = ".".join(str(int(hexip[24:][i:i + 2], 16)) for i in (6, 4, 2, 0))
                else:
                    ip = ".".join(str(int(hexip[i:i + 2], 16)) for i in (6, 4, 2, 0))
                found.append((ip, int(hexport, 16)))
    return found


def main():
    marker, log = sys.argv[2], sys.argv[3]
    km = KernelManager(kernel_name=sys.argv[1])
    km.ip = "127.0.0.1"
    with open(log, "w") as stderr:
        km.start_kernel(stderr=stderr)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=TIMEOUT)
        reply, outputs = run(kc, "fromStartup")
        out("startup", [reply["status"], result_text(outputs)])

        # 1. A message signed with the wrong key: no reply, no output, no side effect; the kernel goes on.
        forger = Session(key=b"wrong", username="mallory")
        code = ('java.nio.file.Files.writeString(java.nio.file.Path.of(%s), "ran");\nSystem.out.println("SHOULD-NOT-RUN");'
                % json.dumps(marker))
        forged = forger.send(kc.shell_channel.socket, "execute_request",
                             {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                              "allow_stdin": False, "stop_on_error": True})
        forged_id = forged["header"]["msg_id"]
        seen = []
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            for get in (kc.get_shell_msg, kc.get_iopub_msg):
                try:
                    msg = get(timeout=0.2)
                except Exception:
                    continue
                if msg["parent_header"].get("msg_id") == forged_id:
                    seen.append(msg["msg_type"])
        out("bad_signature", [seen, os.path.exists(marker)])
        reply, outputs = run(kc, "1+1")
        out("after_bad_signature", [reply["status"], result_text(outputs), os.path.exists(marker)])

        # 2. Every listening socket of the kernel process is on 127.0.0.1.
        info = km.get_connection_info()
        ports = sorted(info[k] for k in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"))
        sockets = listening(km.provisioner.process.pid)
        out("bound", [info["ip"], sorted({ip for ip, _ in sockets}), all(p in [q for _, q in sockets] for p in ports)])

        # 3. OutOfMemoryError in a cell with the engine at -Xmx256m.
        reply, outputs = run(kc, "var l = new java.util.ArrayList<long[]>();\nwhile (true) l.add(new long[1 << 24]);")
        out("oom", [reply["status"], reply.get("ename"), "OutOfMemoryError" in error_text(reply, outputs)])
        reply, outputs = run(kc, "1+1")
        out("after_oom", [reply["status"], result_text(outputs)])

        # 4. A native crash (a write to address 0 through the foreign-memory API) kills the engine JVM only.
        run(kc, "int before = 5;")
        reply, outputs = run(kc, "var seg = java.lang.foreign.MemorySegment.NULL.reinterpret(8);\n"
                                 "seg.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 1L);")
        text = error_text(reply, outputs)
        report = text.split("its report is ")[1].split(";")[0] if "its report is " in text else ""
        out("native_crash", [reply["status"], reply.get("ename"), "crashed" in text and "state was lost" in text,
                             os.path.isfile(report) and "SIGSEGV" in open(report, errors="replace").read()])
        if os.path.isfile(report):
            os.remove(report)
        reply, outputs = run(kc, "before")
        out("after_crash_state", [reply["status"], "before" in error_text(reply, outputs)])
        reply, outputs = run(kc, "tensor(1f, 2f).sum().item()")
        out("after_crash", [reply["status"], result_text(outputs)])

        # 5. Error names.
        reply, outputs = run(kc, 'throw new IllegalStateException("boom");')
        out("ename_exception", [reply["status"], reply.get("ename"),
                                [c["ename"] for t, c in outputs if t == "error"], "boom" in error_text(reply, outputs)])
        reply, outputs = run(kc, "int x = \"s\";")
        out("ename_compile", [reply["status"], reply.get("ename"), [c["ename"] for t, c in outputs if t == "error"]])
        reply, outputs = run(kc, "System.exit(3);")
        out("ename_exit", [reply["status"], reply.get("ename"), "state was lost" in error_text(reply, outputs)])
        reply, outputs = run(kc, "1+1")
        out("after_exit", [reply["status"], result_text(outputs)])
        reply, outputs = run(kc, "fromStartup")
        out("startup_after_restart", [reply["status"], result_text(outputs)])
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    with open(log) as f:
        text = f.read()
    out("log", ["rejected signature" in text, "SHOULD-NOT-RUN" in text])


if __name__ == "__main__":
    main()
