"""The prompt templates (`*.txt`), installed as the package `gsfm_prompts`; read with
`assistant.chat.prompts.load_prompt`."""
