"""The project as a user installs it: a built wheel (not the checkout) answers from a folder outside the checkout,
so every file it reads at run time (prompts, recipes, the eval questions) ships inside the package."""
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


SOURCES = ["pyproject.toml", "README.md", "requirements.txt", "gsfm_model", "index", "assistant", "prompts"]


def test_every_package_is_listed():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for top in ("gsfm_model", "index", "assistant")
             for p in (ROOT / top).rglob("__init__.py")}
    assert found | {"gsfm_prompts"} == listed


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from a clean copy of the sources (no build folder of an earlier build can leak in)."""
    src, out = tmp_path_factory.mktemp("src"), tmp_path_factory.mktemp("wheel")
    for name in SOURCES:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, src / name, **({"ignore": shutil.ignore_patterns("__pycache__")}
                                         if (ROOT / name).is_dir() else {}))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(src)], check=True, cwd=out)
    return next(out.glob("gsfm-*.whl"))


def test_the_wheel_holds_every_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    prompts = {f"gsfm_prompts/{p.name}" for p in (ROOT / "prompts").glob("*.txt")}
    recipes = {f"gsfm_model/data/recipes/{p.name}" for p in (ROOT / "gsfm_model/data/recipes").glob("*.toml")}
    assert prompts and prompts <= names and recipes <= names
    assert "assistant/chat/eval_questions.jsonl" in names


def test_an_installed_wheel_answers_outside_the_checkout(wheel, small_model_dir, small_index_dir, tmp_path):
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True)
    env = {**os.environ, "PYTHONPATH": str(site), "GSFM_MODEL_DIR": str(small_model_dir),
           "GSFM_INDEX_DIR": str(small_index_dir)}
    code = ("import sys, assistant, gsfm_prompts; assert assistant.__file__.startswith(sys.argv[1]);"
            " assert gsfm_prompts.__file__.startswith(sys.argv[1]); from assistant.main import main;"
            " main(['ask', '--backend', 'none', 'What might TMEM41B do?'])")
    out = subprocess.run([sys.executable, "-c", code, str(site)], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith("**No-LLM mode**") and "TMEM41B" in out.stdout
