"""The markdown report of a benchmark run: the model-quality section of docs/benchmarks.md."""
from __future__ import annotations

import os
import platform
import resource
from pathlib import Path

from .benchmark import BenchmarkResult

REPORT_START = "<!-- model-quality:start -->"
REPORT_END = "<!-- model-quality:end -->"


def peak_memory_gb() -> float:
    """Peak resident memory of this process (and finished children), GB."""
    kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return kb / 1024**2


def machine() -> str:
    """Cores and CPU model."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}"


def _fmt_train(info: dict) -> str:
    t = info.get("training", {})
    recipe = info.get("corpus", {}).get("recipe", {})
    parts = [f"recipe {recipe['name']}" if isinstance(recipe, dict) and "name" in recipe else "",
             f"vocabulary {info['vocab_size']:,}" if "vocab_size" in info else "",
             f"head + {info.get('dae_weight', 0)} x DAE" if info.get("item_item") else "",
             f"{t['epochs']} epochs" if "epochs" in t else "",
             f"training {t['seconds'] / 60:.1f} min" if "seconds" in t else "",
             f"{t['sets_per_s']:,.0f} sets/s" if "sets_per_s" in t else ""]
    return ", ".join(p for p in parts if p) or "no training record"


def render_report(result: BenchmarkResult, command: str) -> str:
    """The model-quality section of docs/benchmarks.md (between markers)."""
    s = result.scores
    libs = list(dict.fromkeys(s.library))
    lines = [REPORT_START, "## Model quality: gene-set completion", "",
             "Reference protocol (BENCHMARK.md): per term 5 seeded 50/50 splits with >= 5 universe genes per half; "
             "candidates = the library's universe genes minus the input half; median over splits, then over terms. "
             "GO_Biological_Process_2023 is scored only by scorers built from the `no_go` recipe (no GO source).", "",
             f"Command: `{command}`", "",
             "| scorer | " + " | ".join(f"{lib} AUROC | AP" for lib in libs) + " |",
             "|---|" + "---|---|" * len(libs)]
    for name in dict.fromkeys(s.scorer):
        cells = []
        for lib in libs:
            r = s[(s.scorer == name) & (s.library == lib)]
            cells += [f"{r.auroc.iloc[0]:.3f}", f"{r.ap.iloc[0]:.3f}"] if len(r) else ["–", "–"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    terms = s.drop_duplicates("library").set_index("library").terms
    lines += ["", "Terms scored: " + ", ".join(f"{lib} {terms[lib]}" for lib in libs) + ".", "", "Corpora:"]
    lines += [f"- `{r}`: {c['sets']:,} sets, {c['genes']:,} genes; scorer gene universe {c['universe']:,}"
              for r, c in result.corpora.items()]
    if result.models:
        lines += ["", "Models:"] + [f"- {k}: {_fmt_train(v)}" for k, v in result.models.items()]
    if result.speed:
        lines += ["", "### Speed (default corpus)", "", "| scorer | training | 1 set | 1,000 sets |",
                  "|---|---|---|---|"]
        for name, t in result.speed.items():
            info = result.models.get(f"{name} (default)")
            lines.append(f"| {name} | {_fmt_train(info) if info else '–'} | {t['one_set_s'] * 1000:.1f} ms "
                         f"| {t['batch_s']:.2f} s |")
    lines += ["", f"Machine: {machine()}. Benchmark wall time {result.seconds / 60:.1f} min, "
              f"peak memory {peak_memory_gb():.1f} GB.", REPORT_END]
    return "\n".join(lines) + "\n"


def write_report(section: str, path: Path) -> None:
    """Replace the model-quality section of `path` (other sections are kept), or create the file."""
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    if REPORT_START in text and REPORT_END in text:
        head, rest = text.split(REPORT_START, 1)
        text = head + section.rstrip("\n") + rest.split(REPORT_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
