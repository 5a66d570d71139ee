"""`python -m assistant.app`: the same options as `gsfm app`."""
from .options import main

main()
