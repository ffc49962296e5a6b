# Executes a notebook with nbclient on the given kernel and writes the executed copy; NotebooksTest reads it.
# Usage: run_notebook.py KERNEL_NAME IN.ipynb OUT.ipynb [CELLS_DIR]   (exit 1, with the cell's error, if a cell fails)
# With CELLS_DIR, each code cell I also leaves plain files there for the test to read: I.source, I.result
# (text/plain of the execute_result), I.display (text/plain of display_data), I.html (text/html of results and
# displays), I.mimes (every MIME type shown), I.error (ename: evalue), I.stdout, I.stderr.
# A cell may wait longer than the default 120 s for its output when its metadata says so: {"jtiny": {"timeout": S}}
# (the training notebook's loop).
import os
import sys
import time

import nbclient
import nbformat


def coalesce(nb):
    """Merges consecutive stream outputs of the same name (the kernel sends one per write)."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        merged = []
        for o in cell.outputs:
            if (o.output_type == "stream" and merged and merged[-1].output_type == "stream"
                    and merged[-1].name == o.name):
                merged[-1].text += o.text
            else:
                merged.append(o)
        cell.outputs = merged


def dump(nb, cells_dir):
    os.makedirs(cells_dir, exist_ok=True)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for i, cell in enumerate(code):
        parts = {"source": cell.source, "result": "", "html": "", "stdout": "", "stderr": "", "mimes": "", "error": "",
                 "display": ""}
        mimes = set()
        for o in cell.outputs:
            if o.output_type == "stream":
                parts[o.name] += o.text
            elif o.output_type in ("execute_result", "display_data"):
                if o.output_type == "execute_result":
                    parts["result"] += o.data.get("text/plain", "")
                else:
                    parts["display"] += o.data.get("text/plain", "")
                parts["html"] += o.data.get("text/html", "")
                mimes.update(o.data.keys())
            elif o.output_type == "error":
                parts["error"] += o.ename + ": " + o.evalue
        parts["mimes"] = " ".join(sorted(mimes))
        for name, text in parts.items():
            with open(os.path.join(cells_dir, "%d.%s" % (i, name)), "w") as f:
                f.write(text)


def cell_timeout(cell):
    """Seconds to wait for a cell: its metadata's jtiny.timeout, else 120."""
    return int(cell.metadata.get("jtiny", {}).get("timeout", 120))


def main():
    kernel, src, dst = sys.argv[1], sys.argv[2], sys.argv[3]
    nb = nbformat.read(src, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name=kernel, timeout=120, timeout_func=cell_timeout,
                                     resources={"metadata": {"path": os.path.dirname(os.path.abspath(src))}})
    t0 = time.monotonic()
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as e:
        coalesce(nb)
        nbformat.write(nb, dst)
        print("cell error: %s" % e)
        sys.exit(1)
    nb.metadata.pop("widgets", None)
    coalesce(nb)
    nbformat.write(nb, dst)
    if len(sys.argv) > 4:
        dump(nb, sys.argv[4])
    print("executed %s in %.1f s" % (src, time.monotonic() - t0))


if __name__ == "__main__":
    main()
