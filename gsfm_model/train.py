"""Train the gene-set autoencoder: a flat loop, checkpointed every epoch, resumable after a kill.

    gsfm train [--preset default|small] [--recipe R] [--out DIR] [--epochs N] [--minutes M] [--seed S] [--resume]
    torchrun --nproc_per_node=2 -m gsfm_model.train --preset small     # DistributedDataParallel, same options

Length: the default model trains a fixed number of epochs (TrainConfig.epochs), the same on every machine and under
any load. An optional wall-clock budget (--minutes, counted from the start, corpus building included, fitting the
item-item head excluded) stops a run early; a stop in mid-epoch is saved and `--resume` continues there.

Item-item head (GSFMConfig.item_item, on in the presets): fitted in closed form on the training rows (not the
validation split) right after the model is built, before any gradient step; it is what `predict` returns. It is
stored once, in model.safetensors (checkpoint/ holds only the optimizer), and a resumed run reads it back from
there instead of refitting. Under torchrun only rank 0 fits it (and only rank 0 saves); the other ranks' copies
stay zero, unused, since training never reads the head and DDP is told not to broadcast buffers.

Determinism: the model is initialised from the seed; each epoch's order comes from (seed, epoch)
(DistributedSampler) and each batch's input masking and dropout from (seed, epoch, batch, rank). The checkpoint
stores the weights, the optimizer, the LR scheduler and the position (epoch, batch), which therefore also fixes
every later random draw: a run resumed after a kill or a spent budget ends exactly where an uninterrupted run would.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from time import monotonic

import numpy as np
import torch
import torch.distributed as dist
from safetensors.torch import load_file, save_file
from torch.utils.data import DistributedSampler
from tqdm.auto import tqdm

from .data.corpus import Corpus, build_corpus
from .data.fileio import atomic_dir
from .data.paths import model_folder
from .errors import InputError
from .inference import write_folder
from .model import GeneSetDAE, GSFMConfig, make_batch
from .train_options import add_train_arguments


@dataclass
class TrainConfig:
    """Optimisation settings (the network and its objective live in GSFMConfig)."""

    recipe: str = "default"  # corpus recipe (gsfm_model/data/recipes/<name>.toml or a path)
    epochs: int = 22  # the default model: a fixed number of epochs, so every machine trains the same model (22
    # take about 15 minutes on 2 idle cores: 13.3 minutes of batches at 1,137 sets/s, docs/benchmarks.md)
    minutes: float | None = None  # optional wall-clock budget of this run (--minutes): stop early when it is spent
    batch_size: int = 128
    lr: float = 1e-3  # Adam
    lr_factor: float = 0.25  # ReduceLROnPlateau on the validation loss
    lr_patience: int = 2
    val_fraction: float = 0.02  # sets held out (chosen with the seed) for the validation loss
    seed: int = 0


# preset -> (training settings, model settings other than vocab_size)
HEAD = {"item_item": True, "dae_weight": 2.0}  # scores: the item-item head plus 2x the DAE (standardised)
PRESETS: dict[str, tuple[TrainConfig, dict]] = {
    "default": (TrainConfig(), {"d_model": 256, **HEAD}),  # the reference architecture, 22 epochs (~15 minutes)
    "small": (TrainConfig(recipe="small", epochs=30, minutes=1.5), {"d_model": 64, **HEAD}),  # tests, quick runs
    # what a fresh machine serves first while the default model trains: the same head (it alone ranks) and a DAE of
    # 2 epochs for the embeddings (about 1.5 minutes)
    "quick": (TrainConfig(epochs=2), {"d_model": 256, "item_item": True, "dae_weight": 0.0}),
}
RESUMABLE_CHANGES = {"epochs", "minutes"}  # settings a resumed run may change


def default_out(preset: str) -> Path:
    return model_folder(preset)


# ---- distributed setup --------------------------------------------------------------------------------------
@dataclass
class Dist:
    rank: int = 0
    world: int = 1
    device: torch.device = torch.device("cpu")

    @property
    def main(self) -> bool:
        return self.rank == 0


def setup_dist() -> Dist:
    """One process, or one of torchrun's (gloo on CPU, nccl on GPU); torch threads = this process's share of cores."""
    world, local_world = int(os.environ.get("WORLD_SIZE", 1)), int(os.environ.get("LOCAL_WORLD_SIZE", 1))
    torch.set_num_threads(max(1, len(os.sched_getaffinity(0)) // local_world))
    if world == 1:
        return Dist(device=torch.device("cuda" if torch.cuda.is_available() else "cpu"))
    if torch.cuda.is_available():
        device = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
        torch.cuda.set_device(device)
        dist.init_process_group("nccl")
    else:
        device = torch.device("cpu")
        dist.init_process_group("gloo")
    return Dist(dist.get_rank(), world, device)


def all_mean(value: float, d: Dist) -> float:
    """The mean of `value` over all processes."""
    if d.world == 1:
        return value
    t = torch.tensor([value], dtype=torch.float64, device=d.device)
    dist.all_reduce(t)
    return t.item() / d.world


def agree(flag: bool, d: Dist) -> bool:
    """Rank 0's flag, on every process (so all stop together)."""
    if d.world == 1:
        return flag
    t = torch.tensor([int(flag)], device=d.device)
    dist.broadcast(t, 0)
    return bool(t.item())


def batch_seed(seed: int, epoch: int, batch: int, rank: int) -> int:
    return int(np.random.SeedSequence([seed, epoch, batch, rank]).generate_state(1)[0])


@dataclass
class Progress:
    """Where training stands: `epoch` epochs done, plus `batch` batches of the next one (their losses summed)."""

    epoch: int = 0
    batch: int = 0
    loss_sum: float = 0.0


# ---- checkpoints --------------------------------------------------------------------------------------------
def save_checkpoint(out: Path, model: GeneSetDAE, optimizer: torch.optim.Optimizer, scheduler, corpus: Corpus,
                    tc: TrainConfig, progress: Progress, log: list[dict], item_item_seconds: float | None) -> None:
    """Atomically (re)write the model folder and its checkpoint/ (optimizer tensors + JSON state)."""
    opt = optimizer.state_dict()
    last = log[-1]
    info = {
        "corpus": {"recipe": asdict(corpus.recipe), "data_versions": corpus.data_versions,
                   "fingerprint": corpus.fingerprint(), "n_sets": len(corpus), "n_genes": len(corpus.genes)},
        "train_config": asdict(tc),
        "training": {"epochs": last["epoch"], "train_loss": last["train_loss"], "val_loss": last["val_loss"],
                     "seconds": round(sum(e["seconds"] for e in log), 1),
                     "sets_per_s": round(sum(e["sets_per_s"] * e["seconds"] for e in log)
                                         / max(sum(e["seconds"] for e in log), 1e-9), 1),  # mean over the run
                     "processes": last["processes"], "item_item_seconds": item_item_seconds,
                     "torch": torch.__version__,
                     "saved_at": datetime.now(UTC).isoformat(timespec="seconds")},
    }
    with atomic_dir(out) as tmp:
        write_folder(tmp, model, corpus.genes, info)
        (tmp / "train_log.jsonl").write_text("".join(json.dumps(e) + "\n" for e in log))
        ckpt = tmp / "checkpoint"
        ckpt.mkdir()
        save_file({f"{i}.{k}": v.detach().cpu().contiguous() for i, s in opt["state"].items() for k, v in s.items()},
                  str(ckpt / "optimizer.safetensors"))
        state = {"progress": asdict(progress), "param_groups": opt["param_groups"],
                 "scheduler": scheduler.state_dict(), "log": log, **info}
        (ckpt / "state.json").write_text(json.dumps(state, indent=1))


def load_checkpoint(out: Path, model: GeneSetDAE, optimizer: torch.optim.Optimizer, scheduler,
                    cfg: GSFMConfig, tc: TrainConfig, corpus: Corpus) -> tuple[Progress, list[dict], float | None]:
    """Restore weights (the item-item head included), optimizer and scheduler from `out`; returns (progress, log,
    the head's original fitting seconds). Refuses a mismatch."""
    state = json.loads((out / "checkpoint" / "state.json").read_text())
    saved = json.loads((out / "config.json").read_text())
    old_tc = {k: v for k, v in state["train_config"].items() if k not in RESUMABLE_CHANGES}
    new_tc = {k: v for k, v in asdict(tc).items() if k not in RESUMABLE_CHANGES}
    mismatch = [name for name, old, new in [
        ("model config", GSFMConfig.from_dict(saved).to_dict(), cfg.to_dict()),
        ("corpus", state["corpus"]["fingerprint"], corpus.fingerprint()),
        ("training settings", old_tc, new_tc)] if old != new]
    if mismatch:
        raise InputError(f"Cannot resume {out}: its {' and '.join(mismatch)} differ from this run's. "
                         "Drop --resume to start afresh, or use another --out.")
    model.load_state_dict(load_file(str(out / "model.safetensors")), strict=True)
    tensors = load_file(str(out / "checkpoint" / "optimizer.safetensors"))
    opt_state: dict[int, dict] = {}
    for key, value in tensors.items():
        i, name = key.split(".", 1)
        opt_state.setdefault(int(i), {})[name] = value
    optimizer.load_state_dict({"state": opt_state, "param_groups": state["param_groups"]})
    scheduler.load_state_dict(state["scheduler"])
    return Progress(**state["progress"]), state["log"], state["training"].get("item_item_seconds")


# ---- training -----------------------------------------------------------------------------------------------
def evaluate(model: GeneSetDAE, corpus: Corpus, rows: np.ndarray, cfg: GSFMConfig, seed: int,
             device: torch.device, batch_size: int = 1024) -> float:
    """Mean loss over `rows` of the corpus, without dropout, with masking fixed by the seed."""
    model.eval()
    rng = np.random.default_rng([seed, 1])
    total = 0.0
    with torch.no_grad():
        for start in range(0, len(rows), batch_size):
            batch = rows[start:start + batch_size]
            _, loss = model(*make_batch(corpus.matrix[batch], cfg, rng, device))
            total += loss.item() * len(batch)
    model.train()
    return total / max(1, len(rows))


def train_epoch(net: torch.nn.Module, optimizer: torch.optim.Optimizer, corpus: Corpus, rows: np.ndarray,
                cfg: GSFMConfig, tc: TrainConfig, d: Dist, progress: Progress, deadline: float | None,
                show: bool) -> None:
    """Train on the epoch's `rows` from batch `progress.batch` on, until the epoch ends or the deadline passes
    (all processes stop at the same batch); advances `progress`."""
    net.train()
    n_batches = math.ceil(len(rows) / tc.batch_size)
    bar = tqdm(range(progress.batch, n_batches), initial=progress.batch, total=n_batches, leave=False,
               desc=f"epoch {progress.epoch + 1}/{tc.epochs}", disable=not show, unit="batch")
    for b in bar:
        if agree(deadline is not None and monotonic() > deadline, d):
            break
        seed = batch_seed(tc.seed, progress.epoch, b, d.rank)
        torch.manual_seed(seed)  # dropout
        batch = corpus.matrix[rows[b * tc.batch_size:(b + 1) * tc.batch_size]]
        _, loss = net(*make_batch(batch, cfg, np.random.default_rng(seed), d.device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        progress.batch += 1
        progress.loss_sum += loss.item()
        bar.set_postfix(loss=f"{progress.loss_sum / progress.batch:.5f}", refresh=False)


@dataclass
class TrainingRun:
    """One run's data, model and optimisation state, and the folder it writes."""

    out: Path
    tc: TrainConfig
    cfg: GSFMConfig
    d: Dist
    corpus: Corpus
    train_rows: np.ndarray
    val_rows: np.ndarray
    model: GeneSetDAE
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.ReduceLROnPlateau
    progress: Progress = field(default_factory=Progress)
    log: list[dict] = field(default_factory=list)
    item_item_seconds: float | None = None  # fitting time of the item-item head (None: no head, or not rank 0)


def preset_settings(preset: str, recipe: str | None, epochs: int | None, minutes: float | None,
                    seed: int | None) -> tuple[TrainConfig, dict]:
    """The preset's training settings with the given overrides (None = keep the preset's), and its model settings."""
    if preset not in PRESETS:
        raise InputError(f"Unknown preset {preset!r}; choose one of {', '.join(PRESETS)}.")
    base_tc, base_model = PRESETS[preset]
    tc = replace(base_tc, **{k: v for k, v in dict(recipe=recipe, epochs=epochs, seed=seed).items() if v is not None})
    if minutes is not None:
        tc.minutes = minutes if minutes > 0 else None
    return tc, base_model


def fit_head(model: GeneSetDAE, corpus: Corpus, train_rows: np.ndarray, cfg: GSFMConfig) -> float:
    """Fit the item-item head on the training rows; returns the seconds it took."""
    t_fit = monotonic()
    model.item_item.fit(corpus.matrix[train_rows], cfg.item_p, cfg.item_beta)
    seconds = round(monotonic() - t_fit, 1)
    print(f"item-item head fitted on {len(train_rows):,} sets in {seconds:.0f} s", file=sys.stderr)
    return seconds


def start_run(out: Path, tc: TrainConfig, model_settings: dict, d: Dist, resume: bool) -> TrainingRun:
    """Build the corpus and its validation split, the model, optimizer and LR schedule; then restore them from
    the checkpoint in `out` (with `resume`) or fit the item-item head."""
    corpus = build_corpus(tc.recipe)
    order = np.random.default_rng(tc.seed).permutation(len(corpus))
    n_val = max(1, round(len(corpus) * tc.val_fraction))
    val_rows, train_rows = np.sort(order[:n_val]), order[n_val:]
    cfg = GSFMConfig(vocab_size=len(corpus.genes), **model_settings)
    torch.manual_seed(tc.seed)
    model = GeneSetDAE(cfg)
    model.init_output_bias(np.asarray(corpus.matrix[train_rows].mean(0)).ravel())
    model.to(d.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=tc.lr, fused=True)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=tc.lr_factor, patience=tc.lr_patience)
    r = TrainingRun(out, tc, cfg, d, corpus, train_rows, val_rows, model, optimizer, scheduler)
    if resume and (out / "checkpoint" / "state.json").exists():
        r.progress, r.log, r.item_item_seconds = load_checkpoint(out, model, optimizer, scheduler, cfg, tc, corpus)
    elif model.item_item is not None and d.main:  # fit the head (rank 0 only: it alone saves the model)
        r.item_item_seconds = fit_head(model, corpus, train_rows, cfg)
    return r


def end_epoch(r: TrainingRun, n_batches: int, t0: float, first_batch: int) -> bool:
    """Validate after the batches just trained, log them and save the checkpoint; True if the epoch is complete."""
    progress, tc, d = r.progress, r.tc, r.d
    train_seconds = monotonic() - t0
    train_loss = all_mean(progress.loss_sum / progress.batch, d)
    if not math.isfinite(train_loss):
        raise InputError(f"Training diverged (loss {train_loss}) in epoch {progress.epoch + 1}; "
                         "lower the learning rate.")
    val_loss = evaluate(r.model, r.corpus, r.val_rows, r.cfg, tc.seed, d.device)
    finished = progress.batch == n_batches
    if finished:
        r.scheduler.step(val_loss)
    done = progress.epoch + 1 if finished else round(progress.epoch + progress.batch / n_batches, 3)
    r.log.append({"epoch": done, "train_loss": round(train_loss, 6),
                  "val_loss": round(val_loss, 6), "lr": r.optimizer.param_groups[0]["lr"],
                  "seconds": round(monotonic() - t0, 2),
                  "sets_per_s": round((progress.batch - first_batch) * tc.batch_size * d.world / train_seconds, 1),
                  "processes": d.world, **({} if finished else {"partial": True})})
    if finished:
        r.progress = Progress(epoch=progress.epoch + 1)
    if d.main:
        save_checkpoint(r.out, r.model, r.optimizer, r.scheduler, r.corpus, tc, r.progress, r.log,
                        r.item_item_seconds)
        tqdm.write(f"epoch {done}: train loss {train_loss:.5f}, val loss {val_loss:.5f}, "
                   f"{r.log[-1]['sets_per_s']:,.0f} sets/s, {r.log[-1]['seconds']:.0f} s", file=sys.stderr)
    return finished


def train_epochs(r: TrainingRun, net: torch.nn.Module, sampler: DistributedSampler, deadline: float | None,
                 show: bool) -> None:
    """Train epoch after epoch until `tc.epochs` are done or the deadline passes, saving after each."""
    while r.progress.epoch < r.tc.epochs:
        t0, first_batch = monotonic(), r.progress.batch
        sampler.set_epoch(r.progress.epoch)
        rows = r.train_rows[np.fromiter(sampler, np.int64)]
        train_epoch(net, r.optimizer, r.corpus, rows, r.cfg, r.tc, r.d, r.progress, deadline, show)
        if r.progress.batch == first_batch:
            break  # the budget was spent before this epoch began
        if not end_epoch(r, math.ceil(len(rows) / r.tc.batch_size), t0, first_batch):
            break  # budget spent in mid-epoch


def train(preset: str = "default", out: str | Path | None = None, recipe: str | None = None,
          epochs: int | None = None, minutes: float | None = None, seed: int | None = None,
          resume: bool = False, model_overrides: dict | None = None, show_progress: bool = True) -> Path:
    """Train a model and write its folder (default `$GSFM_HOME/models/<preset>`); returns the folder.

    The preset sets the recipe, width and budget; the other arguments override it (None = keep the preset's).
    model_overrides: GSFMConfig fields, e.g. {"mask_fraction": 0.5, "scored": "hidden"}.
    """
    tc, model_settings = preset_settings(preset, recipe, epochs, minutes, seed)
    out = Path(out).expanduser() if out else default_out(preset)
    if out.exists() and any(out.iterdir()) and not (out / "config.json").exists():
        raise InputError(f"{out} exists and is not a model folder; choose another --out.")
    t_start = monotonic()
    d = setup_dist()
    r = start_run(out, tc, {**model_settings, **(model_overrides or {})}, d, resume)
    # broadcast_buffers=False: the [V, V] head takes no part in training, so it is never sent between ranks
    net = r.model if d.world == 1 else torch.nn.parallel.DistributedDataParallel(
        r.model, device_ids=[d.device.index] if d.device.type == "cuda" else None, broadcast_buffers=False)
    sampler = DistributedSampler(range(len(r.train_rows)), num_replicas=d.world, rank=d.rank, seed=tc.seed)
    if d.main:
        print(f"training {out.name}: {len(r.train_rows):,} sets ({len(r.val_rows)} held out), "
              f"{r.cfg.vocab_size:,} genes, {sum(p.numel() for p in r.model.parameters()):,} parameters, "
              f"{d.world} process(es) x {torch.get_num_threads()} threads"
              + (f"; resuming after epoch {r.progress.epoch}, batch {r.progress.batch}" if r.log else ""),
              file=sys.stderr)
    fit_seconds = r.item_item_seconds if r.item_item_seconds is not None and not r.log else 0.0  # fitted now
    deadline = t_start + tc.minutes * 60 + fit_seconds if tc.minutes is not None else None
    train_epochs(r, net, sampler, deadline, show_progress and d.main)
    if d.world > 1:
        dist.barrier()
        dist.destroy_process_group()
    return out


# ---- command line -------------------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> None:
    """Train from parsed `gsfm train` options and print where the model went."""
    out = train(preset=args.preset, out=args.out, recipe=args.recipe, epochs=args.epochs, minutes=args.minutes,
                seed=args.seed, resume=args.resume)
    if int(os.environ.get("RANK", 0)) == 0:
        print(out)


def main(argv: list[str] | None = None) -> None:
    """`python -m gsfm_model.train` (e.g. under torchrun): the options of `gsfm train`."""
    parser = argparse.ArgumentParser(prog="python -m gsfm_model.train", description=__doc__.splitlines()[0])
    add_train_arguments(parser)
    run(parser.parse_args(argv))


if __name__ == "__main__":
    main()
