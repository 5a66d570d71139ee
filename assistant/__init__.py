"""LangChain assistant over the gene set foundation model."""
