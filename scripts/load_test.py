"""Load test of the running app through `gradio_client`: N concurrent clients, each making a bounded number of
requests that mix gene-set analysis, gene look-up and chat, on loopback only.

    python scripts/load_test.py [--url http://127.0.0.1:7860] [--clients 8] [--requests 5] [--chats 1]
                                [--user U --password P]
    python scripts/load_test.py --start none --clients 32     # starts `gsfm app --backend none` itself

Reports p50 / p95 per request type and overall, and every error by its message (a request turned away by a full
queue, or told "busy" by a full chat line, counts as an error and says so).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from urllib.parse import urlsplit

from assistant.app.line import BUSY

GENE_SETS = ["STAT1 IRF1 GBP1 CXCL10 IFNG TAP1", "MLH1 MSH2 MSH6 PMS2 EXO1", "TP53 MDM2 CDKN1A BAX BBC3"]
GENES = ["TP53", "C1orf112", "TMEM41B", "BRCA1", "FAM210A"]
QUESTIONS = ["What might C1orf112 do?", "Which genes behave most like TMEM263?"]


BUSY_START = BUSY.split(":")[0]  # the answer of a chat turned away by a full line


def message_text(content) -> str:
    """A chat message's text (Gradio hands it back as a string or as a list of {"type": "text", "text": ...})."""
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def one_client(url: str, auth: tuple[str, str] | None, i: int, requests: int, chats: int) -> list[tuple]:
    """One client's requests: `chats` chat turns, the rest alternating gene look-ups and gene-set analyses."""
    from gradio_client import Client

    client = Client(url, auth=auth, verbose=False)
    done = []
    for j in range(requests):
        if j < chats:
            kind, args, api = "chat", (QUESTIONS[(i + j) % len(QUESTIONS)], []), "/chat"
        elif j % 2:
            kind, args, api = "gene", (GENES[(i + j) % len(GENES)], [], False), "/gene_lookup"
        else:
            kind, args, api = "gene_set", (GENE_SETS[(i + j) % len(GENE_SETS)], None, [], ""), "/enrich_genes"
        start = time.perf_counter()
        try:
            out = client.predict(*args, api_name=api)
            busy = kind == "chat" and bool(out[0]) and message_text(out[0][-1]["content"]).startswith(BUSY_START)
            done.append((kind, time.perf_counter() - start, "busy: the chat line was full" if busy else None))
        except Exception as exc:  # every failure is reported by its message
            done.append((kind, time.perf_counter() - start, f"{type(exc).__name__}: {str(exc)[:120]}"))
    return done


def report(results: list[tuple], clients: int, wall: float) -> str:
    """p50 / p95 per request type and in all, and the errors."""
    lines = [f"{clients} clients, {len(results)} requests in {wall:.1f} s", "",
             "| requests | n | errors | p50 | p95 |", "|---|---|---|---|---|"]
    for kind in ("gene_set", "gene", "chat", "all"):
        rows = [r for r in results if kind in ("all", r[0])]
        ok = [t for _, t, err in rows if err is None]
        if rows:
            p50 = f"{statistics.median(ok):.2f} s" if ok else "n/a"
            p95 = f"{_p95(ok):.2f} s" if ok else "n/a"
            lines.append(f"| {kind} | {len(rows)} | {sum(e is not None for _, _, e in rows)} | {p50} | {p95} |")
    errors = sorted({e for _, _, e in results if e})
    return "\n".join(lines + ([""] + [f"- error: {e}" for e in errors] if errors else []))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:7860")
    parser.add_argument("--start", choices=["none", "local"], help="start the app with this backend first")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=5, help="requests per client (at most 50)")
    parser.add_argument("--chats", type=int, default=1, help="of which chat turns")
    parser.add_argument("--user")
    parser.add_argument("--password")
    args = parser.parse_args()
    if urlsplit(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("load_test.py only drives an app on loopback (127.0.0.1).")
    if not 1 <= args.requests <= 50 or not 1 <= args.clients <= 64:
        sys.exit("--requests must be 1..50 and --clients 1..64.")
    from assistant.app.launcher import running_app

    auth = (args.user, args.password) if args.user else None
    with running_app(args.start) if args.start else nullcontext(args.url) as url:
        start = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            jobs = [pool.submit(one_client, url, auth, i, args.requests, args.chats) for i in range(args.clients)]
            results = [r for job in jobs for r in job.result()]
        print(report(results, args.clients, time.perf_counter() - start))


if __name__ == "__main__":
    main()
