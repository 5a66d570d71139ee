"""The chat layer: the LangChain agent (`agent.Assistant`) and what surrounds it: routing, guards on the
question and the answer, grounding checks, the templated no-LLM mode, prompts, and the evaluation."""
