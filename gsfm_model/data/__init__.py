"""The data layer: sources, the gene table and identifier resolution, libraries, GMT files, corpus recipes,
library matrices, file helpers and cache paths. It never imports the model."""
