"""The tool-call parser: hand-made cases and raw outputs recorded from the real local models."""

import json
from pathlib import Path

import pytest

from assistant.llm.toolcalls import call_key, parse_tool_calls, stream_safe_length

FIXTURES = Path(__file__).parent / "fixtures" / "llm_outputs"
TOOLS = {"search_gene_sets", "gene_info", "enrich"}


def calls(parsed):
    return [(c["name"], c["args"]) for c in parsed.tool_calls]


def test_tagged_call_and_surrounding_text():
    text = 'Let me look.\n<tool_call>\n{"name": "gene_info", "arguments": {"symbol": "TP53"}}\n</tool_call>'
    parsed = parse_tool_calls(text, TOOLS)
    assert calls(parsed) == [("gene_info", {"symbol": "TP53"})]
    assert parsed.content == "Let me look."
    call = parsed.tool_calls[0]
    assert call["id"].startswith("call_") and call["type"] == "tool_call"


def test_several_tags_and_unclosed_last_tag():
    text = (
        '<tool_call>{"name": "gene_info", "arguments": {"symbol": "BRCA1"}}</tool_call>\n'
        '<tool_call>{"name": "gene_info", "arguments": {"symbol": "BRCA2"}}'
    )
    parsed = parse_tool_calls(text, TOOLS)
    assert calls(parsed) == [("gene_info", {"symbol": "BRCA1"}), ("gene_info", {"symbol": "BRCA2"})]
    assert parsed.content == ""
    assert len({c["id"] for c in parsed.tool_calls}) == 2


def test_fenced_json_with_parameters_key():
    text = 'Sure:\n```json\n{"name": "search_gene_sets", "parameters": {"query": "interferon"}}\n```\nDone.'
    parsed = parse_tool_calls(text, TOOLS)
    assert calls(parsed) == [("search_gene_sets", {"query": "interferon"})]
    assert parsed.content == "Sure:\n\nDone."


def test_bare_json_and_list_of_calls():
    text = '[{"name": "gene_info", "arguments": {"symbol": "MYC"}}, {"name": "enrich", "arguments": {"genes": ["A"]}}]'
    parsed = parse_tool_calls(text, TOOLS)
    assert calls(parsed) == [("gene_info", {"symbol": "MYC"}), ("enrich", {"genes": ["A"]})]
    bare = parse_tool_calls('I will call {"name": "gene_info", "arguments": {"symbol": "MYC"}}', TOOLS)
    assert calls(bare) == [("gene_info", {"symbol": "MYC"})]
    assert bare.content == "I will call"


def test_openai_shape_and_string_arguments():
    text = '{"type": "function", "function": {"name": "gene_info", "arguments": "{\\"symbol\\": \\"EGFR\\"}"}}'
    assert calls(parse_tool_calls(text, TOOLS)) == [("gene_info", {"symbol": "EGFR"})]


def test_stray_closing_tag_is_removed():
    parsed = parse_tool_calls('{"name": "gene_info", "arguments": {"symbol": "KRAS"}}\n</tool_call>', TOOLS)
    assert calls(parsed) == [("gene_info", {"symbol": "KRAS"})]
    assert parsed.content == ""


def test_unknown_tool_is_dropped():
    parsed = parse_tool_calls('<tool_call>{"name": "rm_rf", "arguments": {}}</tool_call>', TOOLS)
    assert parsed.tool_calls == []
    assert parsed.dropped == [{"name": "rm_rf", "args": {}, "reason": "unknown tool"}]


@pytest.mark.parametrize(
    "text",
    [
        '<tool_call>{"name": "gene_info", "arguments": {"symbol": </tool_call>',
        '```json\n{"name": "gene_info", arguments: {}}\n```',
        '{"name": "gene_info" "arguments": {}}',
        '{"name": "gene_info", "arguments": "not json"}',
    ],
)
def test_malformed_json_stays_text(text):
    parsed = parse_tool_calls(text, TOOLS)
    assert parsed.tool_calls == []
    assert parsed.content == text.strip()


def test_data_json_in_an_answer_is_not_a_call():
    text = 'TP53 is a tumour suppressor: {"name": "TP53", "chromosome": "17p13.1"}'
    parsed = parse_tool_calls(text, TOOLS)
    assert parsed.tool_calls == [] and parsed.dropped == []
    assert parsed.content == text


@pytest.mark.parametrize(
    "text",
    [
        '{"type": "function", "function": {"name": "gene_info", "description": "Look up a gene."}}',
        '{"name": "gene_info", "description": "Look up a gene.", "parameters": {"type": "object"}}',
        '{"name": "gene_info", "parameters": {"type": "object", "properties": {"symbol": {"type": "string"}}}}',
    ],
)
def test_echoed_tool_schemas_are_not_calls(text):
    parsed = parse_tool_calls(text, TOOLS)
    assert parsed.tool_calls == [] and parsed.dropped == [] and parsed.content == text


def test_repeated_calls_are_dropped():
    earlier = [call_key("gene_info", {"symbol": "TP53"})]
    text = (
        '<tool_call>{"name": "gene_info", "arguments": {"symbol": "TP53"}}</tool_call>'
        '<tool_call>{"name": "gene_info", "arguments": {"symbol": "MDM2"}}</tool_call>'
        '<tool_call>{"name": "gene_info", "arguments": {"symbol": "MDM2"}}</tool_call>'
    )
    parsed = parse_tool_calls(text, TOOLS, previous=earlier)
    assert calls(parsed) == [("gene_info", {"symbol": "MDM2"})]
    assert [d["reason"] for d in parsed.dropped] == ["repeated call", "repeated call"]


def test_call_key_ignores_argument_order():
    assert call_key("f", {"a": 1, "b": 2}) == call_key("f", {"b": 2, "a": 1})


def test_plain_text_is_untouched():
    parsed = parse_tool_calls("  TP53 encodes p53 [1].  ", TOOLS)
    assert parsed.tool_calls == [] and parsed.content == "TP53 encodes p53 [1]."


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("Hello there ", "Hello there"),
        ("Hello <tool_ca", "Hello"),
        ("Hello <b>bold</b>", "Hello <b>bold</b>"),
        ('Hi {"name": "gene_in', "Hi"),
        ('Hi {"name": "gene_info", "arguments": {}} more', "Hi"),
        ("Cite [1] and {1: 2} and", "Cite [1] and {1: 2} and"),
        ('```json\n{"name"', ""),
        ("code ``", "code"),
        ("```python\nx = 1\n``` ok", "```python\nx = 1\n``` ok"),
    ],
)
def test_stream_safe_length(text, safe):
    assert text[: stream_safe_length(text, TOOLS)] == safe


def test_streamed_prefix_is_prefix_of_final_content():
    text = 'Checking the gene now.\n\n<tool_call>\n{"name": "gene_info", "arguments": {"symbol": "TP53"}}\n</tool_call>'
    for end in range(len(text) + 1):
        prefix = text[: stream_safe_length(text[:end], TOOLS)]
        assert parse_tool_calls(text, TOOLS).content.startswith(prefix)


def _recorded_cases():
    manifest = FIXTURES / "cases.json"
    return json.loads(manifest.read_text()) if manifest.exists() else []


@pytest.mark.parametrize("case", _recorded_cases(), ids=lambda case: case["file"])
def test_recorded_model_outputs(case):
    """Raw outputs of Qwen2.5-Coder-1.5B and SmolLM2-135M, recorded by make_fixtures.py."""
    raw = (FIXTURES / case["file"]).read_text(encoding="utf-8")
    parsed = parse_tool_calls(raw, set(case["tools"]), [call_key(*c) for c in case["previous_calls"]])
    assert calls(parsed) == [tuple(c) for c in case["expected_calls"]]
    assert parsed.content == case["expected_content"]
    assert [d["reason"] for d in parsed.dropped] == case["expected_dropped"]


def test_recorded_outputs_cover_all_formats():
    cases = {case["file"]: case for case in _recorded_cases()}
    assert len(cases) >= 10
    raw = {name: (FIXTURES / name).read_text(encoding="utf-8") for name in cases}
    assert any("```json" in text for text in raw.values())  # what Qwen 1.5B actually writes
    assert cases["qwen1.5b_after_tool.txt"]["expected_dropped"] == ["repeated call"]
