# Talks to the jtiny kernel with a real Jupyter client (jupyter_client over ZeroMQ) and prints one
# "name: value" line per check; KernelProtocolTest asserts on them. Usage: kernel_session.py KERNEL_NAME
import json
import sys
import time

from jupyter_client.manager import KernelManager
import protocol_schema

TIMEOUT = 60


def start(kernel_name):
    """Starts the kernel named kernel_name and a client on it whose messages protocol_schema checks; waits until
    it answers. Returns (manager, client)."""
    km = KernelManager(kernel_name=kernel_name)
    km.start_kernel()
    kc = km.client()
    protocol_schema.watch(kc)
    kc.start_channels()
    kc.wait_for_ready(timeout=TIMEOUT)
    return km, kc


def run(kc, code, timeout=TIMEOUT):
    """Executes code; returns (reply content, list of (msg_type, content) from iopub for this request)."""
    msg_id = kc.execute(code)
    outputs = []
    deadline = time.monotonic() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
        outputs.append((msg["msg_type"], msg["content"]))
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    return reply["content"], outputs


def result_text(outputs):
    return "".join(c["data"].get("text/plain", "") for t, c in outputs if t == "execute_result")


def stream(outputs, name):
    return "".join(c["text"] for t, c in outputs if t == "stream" and c["name"] == name)


def error_text(reply, outputs):
    return (reply.get("ename", "") + " " + reply.get("evalue", "") + " "
            + " ".join(" ".join(c["traceback"]) for t, c in outputs if t == "error"))


def history(kc, **kwargs):
    msg_id = kc.history(raw=True, output=False, **kwargs)
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=TIMEOUT)
    return [reply["content"].get("status")] + [list(h) for h in reply["content"]["history"]]


def html(outputs):
    return "".join(c["data"].get("text/html", "") for t, c in outputs if t == "execute_result")


def result_data(outputs, mime):
    return "".join(c["data"].get(mime, "") for t, c in outputs if t == "execute_result")


def is_png(b64):
    import base64
    try:
        return base64.b64decode(b64).startswith(b"\x89PNG\r\n\x1a\n")
    except Exception:
        return False


def rich_display(kc):
    """Tablesaw tables and images as cell results; display(...) and updateDisplay(...) from cell code."""
    reply, outputs = run(kc, 'import tech.tablesaw.api.*;\nTable.create("people", StringColumn.create("name", "ann", "bob"), '
                             'IntColumn.create("age", 31, 42))')
    h = result_data(outputs, "text/html")
    out("table_small", [reply["status"], "<table" in h, "<th>name</th>" in h and "<th>age</th>" in h,
                        "<td>bob</td>" in h and "<td>42</td>" in h, "bob" in result_text(outputs),
                        stream(outputs, "stderr")])
    reply, outputs = run(kc, 'Table.create("big", IntColumn.indexColumn("i", 1000, 0), DoubleColumn.create("x", 1000))')
    h = result_data(outputs, "text/html")
    out("table_large", [reply["status"], "<th>i</th>" in h, "\u2026" in h, "<td>999</td>" in h, "<td>500</td>" not in h,
                        h.count("<tr>") <= 22, "1000 rows" in h])
    # Random noise does not compress: about 120 KB of PNG, far beyond JShell's 21844-char value string.
    reply, outputs = run(kc, "var img = new java.awt.image.BufferedImage(200, 200, java.awt.image.BufferedImage.TYPE_INT_RGB);\n"
                             "var rnd = new java.util.Random(1);\n"
                             "for (int y = 0; y < 200; y++) for (int x = 0; x < 200; x++) img.setRGB(x, y, rnd.nextInt());\n"
                             "img")
    png = result_data(outputs, "image/png")
    out("image", [reply["status"], is_png(png), len(png) > 30000, "200x200" in result_text(outputs)])

    reply, outputs = run(kc, 'System.out.print("before");\nvar shown = display(tensor(1f, 2f, 3f));\n'
                             'System.out.println("after");\ndisplay("hello");\nshown')
    seq = [t for t, c in outputs if t in ("stream", "display_data", "execute_result")]
    shown = [c for t, c in outputs if t == "display_data"]
    ident = result_text(outputs).strip('"')
    out("display", [reply["status"], seq, stream(outputs, "stdout"),
                    len(shown) == 2 and "shape [3]" in shown[0]["data"].get("text/html", ""),
                    len(shown) == 2 and shown[1]["data"] == {"text/plain": "hello"},
                    len(shown) >= 1 and shown[0].get("transient", {}).get("display_id") == ident and ident != ""])
    reply, outputs = run(kc, 'updateDisplay(shown, "updated");')
    upd = [c for t, c in outputs if t == "update_display_data"]
    out("update_display", [reply["status"], len(upd), len(upd) == 1 and upd[0]["data"].get("text/plain") == "updated",
                           len(upd) == 1 and upd[0].get("transient", {}).get("display_id") == ident])
    reply, outputs = run(kc, 'display(img);\ndisplay(Table.create("t", IntColumn.create("k", 7)));')
    shown = [c for t, c in outputs if t == "display_data"]
    out("display_rich", [reply["status"], len(shown), len(shown) == 2 and is_png(shown[0]["data"].get("image/png", "")),
                         len(shown) == 2 and "<th>k</th>" in shown[1]["data"].get("text/html", "")])

    reply, outputs = run(kc, "import org.knowm.xchart.*;\n"
                             'var chart = new XYChartBuilder().width(400).height(300).title("loss").build();\n'
                             'chart.addSeries("train", new double[] {1, 2, 3}, new double[] {0.9, 0.5, 0.3});\nchart')
    png = result_data(outputs, "image/png")
    out("chart", [reply["status"], is_png(png), png_size(png), "loss" in result_text(outputs)])
    reply, outputs = run(kc, "image(arange(28 * 28).reshape(28, 28))")
    png = result_data(outputs, "image/png")
    out("tensor_image", [reply["status"], is_png(png), png_size(png)])
    reply, outputs = run(kc, "image(zeros(3, 4, 4), 10)")
    out("tensor_image_rgb", [reply["status"], png_size(result_data(outputs, "image/png"))])
    reply, outputs = run(kc, "image(zeros(5, 4, 4, 2))")
    out("tensor_image_bad", [reply["status"], "[H, W] (grey), [C, H, W] or [H, W, C]" in error_text(reply, outputs)])


def png_size(b64):
    import base64
    import struct
    raw = base64.b64decode(b64) if b64 else b""
    return list(struct.unpack(">II", raw[16:24])) if len(raw) >= 24 else None


def out(name, value):
    print(name + ": " + json.dumps(value), flush=True)


def main():
    km, kc = start(sys.argv[1])
    try:
        info = kc.kernel_info(reply=True, timeout=TIMEOUT)["content"]
        out("kernel_info", [info.get("status"), info["language_info"]["name"], info["implementation"]])

        reply, outputs = run(kc, "1+1")
        out("one_plus_one", [reply["status"], result_text(outputs)])
        reply, outputs = run(kc, 'System.out.println("hi")')
        out("stdout", [reply["status"], stream(outputs, "stdout")])
        reply, outputs = run(kc, 'System.err.println("e")')
        out("stderr", [reply["status"], stream(outputs, "stderr")])
        reply, outputs = run(kc, "int a = 1;\nString s = 5;")
        out("compile_error", [reply["status"], error_text(reply, outputs)])
        reply, outputs = run(kc, 'int b = 2;\nObject o = null;\no.hashCode();')
        out("exception", [reply["status"], error_text(reply, outputs)])

        out("history_tail", history(kc, hist_access_type="tail", n=2))
        out("history_range", history(kc, hist_access_type="range", session=0, start=1, stop=3))
        out("history_search", history(kc, hist_access_type="search", pattern="*System.*.println(*", n=10))

        reply, outputs = run(kc, "tensor(new float[] {1, 2, 3, 4, 5, 6}, 2, 3)")
        h = html(outputs)
        out("html_small", [reply["status"], "<table" in h, "shape [2, 3]" in h, "realized" in h or "lazy" in h,
                           all(("<td>%d.0</td>" % v) in h for v in range(1, 7)), "6.0" in result_text(outputs)])
        reply, outputs = run(kc, "arange(10000).reshape(100, 100)")
        h = html(outputs)
        out("html_large", [reply["status"], "\u2026" in h, h.count("<td>") <= 21 * 21, "<td>9999</td>" in h, len(h) < 20000])

        rich_display(kc)

        run(kc, "Counters.reset();")
        reply, outputs = run(kc, "var t = tensor(1f, 2f, 3f).mul(2);\nCounters.kernelCount()")
        out("lazy", [reply["status"], result_text(outputs)])
        reply, outputs = run(kc, "t.sum().item()")
        out("sum", [reply["status"], result_text(outputs)])
        reply, outputs = run(kc, r'for (int i = 0; i < 3000; i++) System.out.print("\u00b1\u00b5\u20ac\ud83d\ude00");')
        text = stream(outputs, "stdout")
        out("stdout_utf8", [reply["status"], text == "\u00b1\u00b5\u20ac\U0001F600" * 3000, text.count("\ufffd"),
                            len([t for t, c in outputs if t == "stream"]) < 100])

        comp = kc.complete("tens", 4, reply=True, timeout=TIMEOUT)["content"]
        out("complete", [comp["status"], "tensor" in " ".join(comp["matches"]), comp["cursor_start"], comp["cursor_end"]])
        comms = kc.comm_info(reply=True, timeout=TIMEOUT)["content"]
        out("comm_info", [comms["status"], comms["comms"]])
        insp = kc.inspect("Math.abs(", 9, reply=True, timeout=TIMEOUT)["content"]
        out("inspect", [insp["status"], insp["found"], "abs" in insp["data"].get("text/plain", "")])
        for name, code in [("complete", "int x = 1;"), ("incomplete", "void f() {"), ("invalid", "int x = ;")]:
            kc.is_complete(code)
            r = kc.get_shell_msg(timeout=TIMEOUT)["content"]
            out("is_complete_" + name, r["status"])

        run(kc, "int kept = 41;")
        msg_id = kc.execute("while (true) {}")
        time.sleep(1.0)
        started = time.monotonic()
        km.interrupt_kernel()
        reply = kc.get_shell_msg(timeout=TIMEOUT)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = kc.get_shell_msg(timeout=TIMEOUT)
        out("interrupt", [reply["content"]["status"], time.monotonic() - started < 2.0])
        reply, outputs = run(kc, "1+2")
        out("after_interrupt", [reply["status"], result_text(outputs)])
        reply, outputs = run(kc, "kept + 1")
        out("state_kept", [reply["status"], result_text(outputs)])

        reply, outputs = run(kc, "System.exit(1);")
        out("exit", [reply["status"], error_text(reply, outputs)])
        reply, outputs = run(kc, "2+2")
        out("after_exit", [reply["status"], result_text(outputs)])

        msg_id = kc.execute("new java.util.Scanner(System.in).nextLine()", allow_stdin=True)
        req = kc.get_stdin_msg(timeout=TIMEOUT)
        kc.input("hello from stdin")
        reply = kc.get_shell_msg(timeout=TIMEOUT)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = kc.get_shell_msg(timeout=TIMEOUT)
        value = ""
        deadline = time.monotonic() + TIMEOUT
        while True:
            msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "execute_result":
                value = msg["content"]["data"].get("text/plain", "")
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
        out("stdin", [req["msg_type"], reply["content"]["status"], value])

        run(kc, "int gone = 7;")
        started = time.monotonic()
        km.restart_kernel(now=False)
        restart_s = time.monotonic() - started
        kc.wait_for_ready(timeout=TIMEOUT)
        reply, outputs = run(kc, "gone")
        out("restart_gone", [reply["status"], "gone" in error_text(reply, outputs), restart_s < 5.0])
        reply, outputs = run(kc, "1+1")
        out("restart_fresh", [reply["status"], result_text(outputs)])

        kc.shutdown()
        deadline = time.monotonic() + 20
        while km.is_alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        out("shutdown", not km.is_alive())
        count, problems, types = protocol_schema.report()
        out("schema", [count > 100, problems, types])
    finally:
        kc.stop_channels()
        if km.is_alive():
            km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
