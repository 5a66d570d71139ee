"""The terminal front end: the tools' `gsfm` twins (`tools`), the chat commands (`chat`: chat, ask, eval-agent)
and `gsfm setup` (`setup`). `assistant.main` collects them into the `gsfm` command."""
