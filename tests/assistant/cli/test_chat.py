"""`gsfm ask` and `gsfm eval-agent` on the small model."""


def test_cli_ask_and_eval_agent(small_tools, small_model_dir, small_index_dir, tmp_path, capsys):
    import json

    from assistant.main import main

    where = ["--model", str(small_model_dir), "--index", str(small_index_dir)]
    main(["ask", "Which genes group with TMEM41B?", "--backend", "none", "--json", *where])
    out = json.loads(capsys.readouterr().out)
    assert out["tool_calls"][0]["name"] == "similar_genes" and out["tool_calls"][0]["rows"]
    assert out["backend"]["mode"] == "rules"

    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"id": "a", "use": "unknown_gene", "question": "Which genes group with TMEM41B?", '
        '"tools": ["similar_genes"], "cite_result": true}\n'
        '{"id": "b", "use": "fake_gene", "question": "What does FOOBAR1 do?", "tools": [], "refuse": true, '
        '"must_contain": ["I don\'t know that gene"]}\n'
    )
    bench = tmp_path / "benchmarks.md"
    bench.write_text("# Benchmarks\n\n## Model\n\nkept\n\n## Assistant\n\nold text\n\n## Later\n\nkept too\n")
    for _ in range(2):  # a second run replaces its own sub-section
        main(["eval-agent", "--backend", "none", "--questions", str(questions), "--out", str(bench), *where])
    text = bench.read_text()
    assert text.count("### none backend") == 1 and "kept\n" in text and "kept too" in text
    assert "| 2 | 100% | 100%" in text and "| 1/1 | 0 |" in text
