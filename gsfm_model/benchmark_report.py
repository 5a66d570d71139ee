"""The markdown report of a benchmark run: the model-quality section of docs/benchmarks.md."""
from __future__ import annotations

import os
import platform
import resource
from pathlib import Path

from .benchmark import BenchmarkResult
from .timesplit import TimesplitResult, train_command
from .timesplit_data import MAX_DIRECT, MAX_TERM, MIN_GAIN, MIN_TERM

REPORT_START = "<!-- model-quality:start -->"
REPORT_END = "<!-- model-quality:end -->"
TIMESPLIT_START = "<!-- timesplit:start -->"
TIMESPLIT_END = "<!-- timesplit:end -->"


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


def write_report(section: str, path: Path, start: str = REPORT_START, end: str = REPORT_END) -> None:
    """Replace the section of `path` between `start` and `end` (default: the model-quality one; other sections are
    kept), or append it, or create the file."""
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + section.rstrip("\n") + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _targets(genes) -> list[str]:
    """The time split's targets (issue 12) against the model's best ranker (z + neighbour vote where present);
    the baselines include the model-free co-occurrence neighbour vote."""
    base = genes[~genes.scorer.str.startswith("model")]
    best = genes[genes.scorer.str.startswith("model z +")]
    model = (best if len(best) else genes[genes.scorer == "model (z)"]).iloc[0]
    cooc = base[base.scorer.str.startswith("co-occurrence")].auroc.max()
    need_hits = max(0.55, base.hits_at_10.max() + 0.15)
    checks = [("hits@10", model.hits_at_10, need_hits, f">= 0.55 and >= best baseline + 0.15 = {need_hits:.3f}"),
              ("precision@10", model.precision_at_10, 0.15, ">= 0.15"),
              ("median AUROC", model.auroc, cooc + 0.02, f">= co-occurrence + 0.02 = {cooc + 0.02:.3f}")]
    return [f"- {name}: {value:.3f}, target {rule}: " + ("met" if value >= need else f"**{need - value:.3f} short**")
            for name, value, need, rule in checks]


def render_timesplit(result: TimesplitResult, command: str) -> str:
    """The time-split section of docs/benchmarks.md (between its markers)."""
    c, k, g = result.corpus, result.counts, result.genes
    lines = [TIMESPLIT_START, "## Time split on real data: 2020 -> 2022 (Bioconductor 3.12 -> 3.16)", "",
             f"Command: `{command}` (it trains the 2020 model first if it is missing: `{train_command()}`).", "",
             f"Training corpus: recipe `{c['recipe']}` (cutoff {c['cutoff']}): "
             + ", ".join(f"{n} ({v.rsplit(' ', 1)[-1]})" for n, v in c["libraries"].items())
             + f"; {c['sets']:,} sets, {c['genes']:,} genes (2022 symbols, mapped by Entrez ID). Every scorer is "
             f"built from it and scores the same {c['universe']:,}-gene universe. Truth: GO BP of Bioconductor 3.16 "
             "(GO_BP, propagated).", "",
             "### Gene level: rarely annotated genes (the use case)", "",
             f"Genes with <= {MAX_DIRECT} BP terms directly annotated with non-IEA evidence in 2020 (ND not counted) "
             f"that gain >= {MIN_GAIN} such terms by 2022: {k['selected']:,}; in the corpus vocabulary "
             f"{k['in_vocabulary']:,}; with >= 1 hit among the ranked terms {k['with_a_hit']:,} (scored). Each "
             f"gene ranks every 2020 GO BP term of {MIN_TERM}..{MAX_TERM} genes that does not contain it "
             f"({k['mean_candidates_per_gene']:,.0f} on average, of {k['terms_ranked']:,}); a hit is a term it "
             f"joins by 2022 ({k['mean_hits_per_gene']:.1f} per gene on average). hits@10: share of genes with "
             ">= 1 hit in their top 10; precision@10: mean share of hits in the top 10; AUROC: median over genes.",
             "", "| scorer | median AUROC | hits@10 | precision@10 | genes |", "|---|---|---|---|---|"]
    lines += [f"| {r.scorer} | {r.auroc:.3f} | {r.hits_at_10:.3f} | {r.precision_at_10:.3f} | {r.genes} |"
              for r in g.itertuples()]
    lines += ["", "Model (z): each term's scores standardised across the universe genes, as the product ranks a "
              "gene's terms; co-occurrence: the mean Jaccard (over corpus sets) between the gene and the term's "
              "2020 members, raw or standardised the same way; popularity: the term's size. Neighbour vote "
              "(`gsfm_model.ranking`): the gene's K nearest other genes (by the model's prediction for the "
              "single-gene set, or by Jaccard) vote sim^p for their terms, divided by term size^alpha; z + vote "
              "adds the two standardised across the gene's terms. K, p, alpha and the weight were chosen on a "
              "seeded half of the genes.", "",
              "Against the targets:"] + _targets(g)
    lines += ["", "### Term level: genes that join each GO BP term by 2022", "",
              f"Every 2020 GO BP term of {MIN_TERM}..{MAX_TERM} genes that gains members by 2022 "
              f"({k['terms_gaining_members']:,} terms) is fed its 2020 members; candidates are the universe genes "
              "not in the 2020 term, positives those in the 2022 term.", "",
              "| scorer | median AUROC | median AP | terms |", "|---|---|---|---|"]
    lines += [f"| {r.scorer} | {r.auroc:.3f} | {r.ap:.4f} | {r.terms:,} |" for r in result.terms.itertuples()]
    lines += ["", f"Model: {_fmt_train(result.model)}.",
              f"Machine: {machine()}. Benchmark wall time {result.seconds / 60:.1f} min "
              f"(the model already trained), peak memory {peak_memory_gb():.1f} GB.", TIMESPLIT_END]
    return "\n".join(lines) + "\n"
