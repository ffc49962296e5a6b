# Every magic through a real Jupyter client: prints "name: value" lines for KernelMagicsTest.
# Usage: kernel_magics.py KERNEL_NAME CLASSES_DIR LOAD_FILE (CLASSES_DIR holds a compiled class demo.Hello)
import json
import re
import sys

import protocol_schema
from kernel_session import TIMEOUT, error_text, out, result_text, run, start, stream


def data(outputs, kind, mime):
    return [c["data"].get(mime, "") for t, c in outputs if t == kind]


def result(outputs, mime):
    return "".join(data(outputs, "execute_result", mime))


def shown(outputs, mime):
    return data(outputs, "display_data", mime)


def main():
    classes, load_file = sys.argv[2], sys.argv[3]
    km, kc = start(sys.argv[1])
    try:
        reply, outputs = run(kc, "%lsmagic")
        text = result_text(outputs)
        out("lsmagic", [reply["status"], "%%bench" in text, "%kernels" in text, "%maven" in text])
        reply, outputs = run(kc, "%help bench")
        out("help", [reply["status"], "%%bench [-n RUNS] [--warmup K] [--devices A,B]" in result_text(outputs)])
        reply, outputs = run(kc, "%timeit?")
        out("help_question", [reply["status"], "%timeit [-n LOOPS]" in result_text(outputs)])

        # %%debug 4: the trace, with the cell's kernel source, in the cell's output.
        reply, outputs = run(kc, "%%debug 4\nvar d = arange(16).reshape(4, 4).add(1).sum(1);\nd.realize();")
        plain, html = "".join(shown(outputs, "text/plain")), "".join(shown(outputs, "text/html"))
        out("cell_debug", [reply["status"], "*** " in plain, "r_4_4" in plain, "<pre" in html and "<span" in html,
                           "class " in plain or "__kernel" in plain])
        reply, outputs = run(kc, "Config.debug()")
        out("cell_debug_restored", [reply["status"], result_text(outputs)])

        # %debug 2 for the session, then off.
        reply, outputs = run(kc, "%debug 2")
        out("debug_on", [reply["status"], result_text(outputs)])
        reply, outputs = run(kc, "arange(8).mul(3).sum().item()")
        out("debug_session", [reply["status"], result_text(outputs), any("*** " in p for p in shown(outputs, "text/plain"))])
        reply, outputs = run(kc, "%debug 0\narange(8).mul(4).sum().item()")
        out("debug_off", [reply["status"], result_text(outputs), len(shown(outputs, "text/plain"))])

        # %kernels lists exactly what Counters counted in the previous cell.
        reply, outputs = run(kc, "Counters.reset();\nvar y = arange(64).reshape(8, 8).mul(2).add(1).relu();\n"
                                 "var z = y.sum(1).add(y.max(1));\nz.realize();\nCounters.kernelCount()")
        counted = result_text(outputs)
        reply, outputs = run(kc, "%kernels")
        text = result_text(outputs)
        m = re.match(r"(\d+) kernels?\b", text)
        out("kernels", [reply["status"], counted, m.group(1) if m else text[:200], "<details" in result(outputs, "text/html"),
                        "mul" in text and "relu" in text])
        reply, outputs = run(kc, "%%kernels --opts --none\nCounters.reset();\narange(32).reshape(4, 8).exp().sum(1).realize();\n"
                                 "Counters.kernelCount()")
        report = "".join(shown(outputs, "text/plain"))
        m = re.match(r"(\d+) kernels?\b", report)
        out("cell_kernels", [reply["status"], result_text(outputs), m.group(1) if m else report[:200]])

        # %%bench: an HTML table with one row per kernel plus a total, and a PNG chart.
        reply, outputs = run(kc, "%%bench -n 3 --warmup 1\nvar b = arange(1 << 16).mul(2).add(1);\nb.sum()")
        html, png = result(outputs, "text/html"), result(outputs, "image/png")
        kernels = re.findall(r"<td[^>]*>([Er]_\w+)</td>", html)
        out("bench", [reply["status"], len(kernels) >= 1, "total" in html.lower(), html.count("<tr") >= len(kernels) + 2,
                      png[:8] == "iVBORw0K", sorted({m for t, c in outputs if t == "execute_result" for m in c["data"]})])
        reply, outputs = run(kc, "%%bench -n 2 --warmup 1 --devices JAVA,OPENCL\narange(1 << 14).mul(2).sum()")
        html = result(outputs, "text/html")
        out("bench_devices", [reply["status"], "JAVA" in html and "OPENCL:0" in html, result(outputs, "image/png")[:8] == "iVBORw0K"])

        # %graph, %devices, %device.
        reply, outputs = run(kc, "%graph arange(16).reshape(4, 4).mul(2).sum(1)")
        out("graph", [reply["status"], "<svg" in result(outputs, "image/svg+xml"), "kernel" in result_text(outputs)])
        reply, outputs = run(kc, "%devices")
        out("devices", [reply["status"], "<table" in result(outputs, "text/html"), "JAVA" in result_text(outputs)])
        reply, outputs = run(kc, "%device NOPE")
        out("device_bad", [reply["status"], reply.get("ename"), error_text(reply, outputs).count("\n"),
                           "available: JAVA" in error_text(reply, outputs)])
        reply, outputs = run(kc, "%device JAVA\ntensor(1f).device()")
        out("device", [reply["status"], result_text(outputs)])

        # %time, %%time, %timeit as IPython prints them.
        reply, outputs = run(kc, "%time arange(1000).sum().item()")
        o = stream(outputs, "stdout")
        out("time", [reply["status"], result_text(outputs), bool(re.search(r"CPU times: user .+, sys: .+, total: .+\nWall time: ", o))])
        reply, outputs = run(kc, "%%time\nvar t = arange(100);\nt.max().item()")
        out("cell_time", [reply["status"], result_text(outputs), "Wall time: " in stream(outputs, "stdout")])
        reply, outputs = run(kc, "%timeit -n 3 -r 2 arange(100).sum().item()")
        o = stream(outputs, "stdout")
        out("timeit", [reply["status"], bool(re.search(r"± .+ per loop \(mean ± std\. dev\. of 2 runs, 3 loops each\)", o)), o])

        # Settings.
        reply, outputs = run(kc, "%beam 2\nConfig.getInt(\"BEAM\", 0)")
        out("beam", [reply["status"], result_text(outputs)])
        reply, outputs = run(kc, "%jit off\nConfig.getInt(\"JIT\", 1)")
        out("jit", [reply["status"], result_text(outputs)])
        reply, outputs = run(kc, "%jit on")
        reply, outputs = run(kc, "%cache info")
        out("cache", [reply["status"], "compile cache" in result_text(outputs)])

        # Class path, Maven, load.
        reply, outputs = run(kc, "%classpath " + classes + "\nnew demo.Hello().greet()")
        out("classpath", [reply["status"], result_text(outputs)])
        reply, outputs = run(kc, "%classpath /no/such/dir")
        out("classpath_bad", [reply["status"], reply.get("ename"), "no such file or folder: /no/such/dir" in error_text(reply, outputs)])
        reply, outputs = run(kc, "%maven tech.tablesaw:tablesaw-core:0.44.4")
        out("maven", [reply["status"], result_text(outputs).startswith("resolved tech.tablesaw:tablesaw-core:0.44.4: "),
                      "already on the class path" in result_text(outputs)])
        reply, outputs = run(kc, "%maven org.example.nothing:nope:1.0")
        out("maven_bad", [reply["status"], reply.get("ename"), "cannot resolve org.example.nothing:nope:1.0" in error_text(reply, outputs)])
        reply, outputs = run(kc, "%load " + load_file + "\nloaded * 2")
        out("load", [reply["status"], result_text(outputs)])

        # Wrong use: one line naming the problem and the choices; the session goes on.
        reply, outputs = run(kc, "%frobnicate 3")
        out("unknown", [reply["status"], reply.get("ename"), reply.get("evalue", "").count("\n"),
                        "unknown magic %frobnicate; magics are %debug" in reply.get("evalue", "")])
        reply, outputs = run(kc, "%%bench --fast\n1+1")
        out("bad_option", [reply["status"], reply.get("evalue", "").count("\n"), "--fast" in reply.get("evalue", ""),
                           "--warmup" in reply.get("evalue", "")])
        reply, outputs = run(kc, "%%bench\nint twice(int a) { return 2 * a; }")
        out("bench_method", [reply["status"], "declare it in a cell of its own" in reply.get("evalue", "")])
        reply, outputs = run(kc, "%debug 0\nint k = 1;\nString bad = 5;")
        out("line_numbers", [reply["status"], "line 3:" in error_text(reply, outputs)])
        reply, outputs = run(kc, "1+1")
        out("after", [reply["status"], result_text(outputs)])

        # Completion of magic names and options.
        found = {}
        for code in ("%be", "%%be", "%%bench --w", "x = 1;\n%kern", "%jit o"):
            c = kc.complete(code, len(code), reply=True, timeout=TIMEOUT)["content"]
            found[code] = [c["matches"], c["cursor_start"]]
        out("complete", found)
        count, problems, types = protocol_schema.report()
        out("schema", [count > 50, problems])
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
