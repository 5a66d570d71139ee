"""Time from `make run`'s first command to a working first answer, and on to the announced switch to the full model.

    GSFM_HOME=/empty/folder python scripts/first_answer.py [--backend local] [--port 7860] [--wait-switch]
    export GSFM_HOME=/empty/folder; make run & python scripts/first_answer.py --attach   # times `make run` itself

Run it in a fresh clone after `make install` (the dependency install is not counted). It runs `gsfm setup` (printing
each step's time), starts `gsfm app`, and once the app answers asks for a gene look-up, an enrichment and a chat
answer through `gradio_client`. With --attach it starts neither: it waits for the app that `make run`, started at the
same moment, brings up, and counts from its own start. With --wait-switch it then waits for the background build,
asks the same chat again and checks that the answer announces the switch. Prints a markdown table of the times.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from load_test import message_text  # scripts/ is on the path of a script run from it

QUESTION = "What might C1orf112 do?"


def _gsfm() -> str:
    return str(Path(sys.executable).with_name("gsfm"))


def setup(rows: list[tuple[str, float]], t0: float) -> None:
    proc = subprocess.Popen([_gsfm(), "setup"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in proc.stdout:
        sys.stdout.write(line)
        step = re.match(r"\[\d+/\d+\] (.+?): .* \((\d+) s\)$", line.strip())
        if step:
            rows.append((f"setup: {step.group(1)}", float(step.group(2))))
    if proc.wait():
        raise SystemExit(f"gsfm setup failed ({proc.returncode})")
    rows.append(("`gsfm setup` done (since start)", time.monotonic() - t0))


def ask_all(client, rows: list[tuple[str, float]], t0: float, label: str) -> str:
    """A gene look-up, an enrichment and a chat answer; returns the chat answer's text."""
    for kind, args, api in (("gene look-up", ("C1orf112", [], False), "/gene_lookup"),
                            ("enrichment", ("MLH1 MSH2 MSH6 PMS2 EXO1", None, [], ""), "/enrich_genes"),
                            ("chat", (QUESTION, []), "/chat")):
        start = time.monotonic()
        out = client.predict(*args, api_name=api)
        rows.append((f"{label}{kind} ({time.monotonic() - start:.1f} s), answered at", time.monotonic() - t0))
    history = out[0]
    return message_text(history[-1]["content"]) if history else ""


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backend", default="local")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--wait-switch", action="store_true")
    p.add_argument("--attach", action="store_true", help="time the app that `make run` starts; start nothing")
    args = p.parse_args()
    from gradio_client import Client

    rows: list[tuple[str, float]] = []
    t0 = time.monotonic()
    app = None
    if not args.attach:
        setup(rows, t0)
        log = open(Path(os.environ.get("GSFM_HOME", ".")) / "first-answer-app.log", "w")  # noqa: SIM115
        app = subprocess.Popen([_gsfm(), "app", "--backend", args.backend, "--port", str(args.port)], stdout=log,
                               stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{args.port}"
        while True:
            try:
                client = Client(url, verbose=False)
                break
            except Exception:  # not up yet
                time.sleep(1)
        rows.append(("app up", time.monotonic() - t0))
        first = ask_all(client, rows, t0, "")
        print(f"first chat answer:\n{first}\n", flush=True)
        if args.wait_switch:
            from assistant.tools import serving

            while serving.build_status().stage != "done":
                time.sleep(20)
            rows.append(("background build done", time.monotonic() - t0))
            time.sleep(25)  # the app looks for the finished model every 20 s
            after = ask_all(client, rows, t0, "after the switch: ")
            print(f"chat answer after the switch:\n{after}\n", flush=True)
            rows.append(("switch announced in the answer: " + ("yes" if "Model switch" in after else "NO"), 0.0))
    finally:
        if app is not None:
            app.terminate()
            app.wait(timeout=30)
    print("| step | seconds |\n|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.0f} |")


if __name__ == "__main__":
    main()
