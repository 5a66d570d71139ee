"""The options of `gsfm train` and `torchrun -m gsfm_model.train` (argparse only, so `gsfm` need not import torch)."""
from __future__ import annotations

import argparse


def add_train_arguments(p: argparse.ArgumentParser) -> None:
    """Add the training options (preset, recipe, out, epochs, minutes, seed, resume) to `p`."""
    p.add_argument("--preset", default="default", choices=["default", "quick", "small"],
                   help="default: reference architecture, default recipe, 22 epochs (~15 min on 2 cores); "
                        "quick: the default's head and a 2-epoch DAE, served first on a fresh machine (~2 min); "
                        "small: small recipe, < 2 min")
    p.add_argument("--recipe", help="corpus recipe name or .toml path (default: the preset's)")
    p.add_argument("--out", help="model folder (default: $GSFM_HOME/models/<preset>)")
    p.add_argument("--epochs", type=int, help="number of epochs in all (default: the preset's, 22 for default)")
    p.add_argument("--minutes", type=float, help="optional wall-clock budget: stop early when it is spent; 0 = none "
                                                 "(default: the preset's; none for default)")
    p.add_argument("--seed", type=int, help="random seed (default 0)")
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out, if there is one")
