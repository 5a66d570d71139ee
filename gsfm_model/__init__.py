"""Gene Set Foundation Model: gene-set libraries, training corpora, the model and its inference API.

    import gsfm_model
    model = gsfm_model.load()             # $GSFM_HOME/models/default (train it with `gsfm train`)
    scores = model.predict([["TP53", "MDM2", "CDKN1A"]])   # [1, len(model.genes)] logits
"""
from __future__ import annotations

__all__ = ["GSFM", "load"]


def __getattr__(name: str):
    # lazy, so that `import gsfm_model.data.genes` (and every `gsfm` command) does not pay for importing torch
    if name in __all__:
        from . import inference

        return getattr(inference, name)
    raise AttributeError(f"module 'gsfm_model' has no attribute {name!r}")
