"""FAISS indexes over the model's gene and term embeddings, a text index, and precomputed term activations."""
from .build import build_index
from .store import GeneIndex, StaleIndexError, index_dir

__all__ = ["GeneIndex", "StaleIndexError", "build_index", "index_dir"]
