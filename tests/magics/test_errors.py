"""Every user mistake is one 'error:' line, no traceback, the cell fails, and the kernel lives on."""
import pytest

from tests.magics.conftest import TRAIN, one_error_line, run_ok, seed_artifact


@pytest.fixture
def ready(start_kernel, catalog_service, tmp_path):
    entry = catalog_service.save(seed_artifact(tmp_path / "art"), display_name="demo",
                                 freeform_tags={"team": "ml"})
    k = start_kernel()
    run_ok(k, "import pandas as pd\nX = pd.DataFrame({'a': [1, 2]})\nnot_a_model = 42")
    return k, entry.id


MISTAKES = [
    ("%catalog show no-such-id", "no model with id 'no-such-id'"),
    ("%catalog load no-such-id", "no model with id"),
    ("%catalog versions no-such-id", "no model with id"),
    ("%catalog delete no-such-id --yes", "no model with id"),
    ("%catalog predict no-such-id X", "no model with id"),
    ("%catalog list --tag 'bad tag'", "tag"),
    ("%catalog edit {id} --tag novalue", "key:value"),
    ("%catalog save X --name m --tag 'no colon' --sample X", "key:value"),
    ("%catalog save undefined_var --name m --sample X", "no variable named 'undefined_var'"),
    ("%catalog save not_a_model --name m", "--sample"),
    ("%catalog save X --name m --sample X --new-version-of no-such-id", "no model with id"),
    ("%catalog save X --name m --sample undefined_sample", "no variable named 'undefined_sample'"),
    ("%catalog save X", "a name is needed"),
    ("%catalog predict {id} undefined_data", "no variable named 'undefined_data'"),
    ("%catalog predict {id} not_a_model", "score.py failed on not_a_model (int): TypeError"),
    ("%catalog load {id} --as 'not an identifier'", "--as needs a Python variable name"),
    ("%catalog edit {id}", "nothing to change"),
    ("%catalog edit {id} --name ''", "--name is empty"),
    ("%catalog edit {id} --remove-tag nope", "no tag 'nope'"),
    ("%catalog frobnicate", "invalid choice"),
    ("%catalog list --state gone", "invalid choice"),
    ("%catalog list --limit 0", "limit"),
    ("%catalog list --search 'nosuchfield:x'", "nosuchfield"),
    ("%catalog show 'unclosed", "closing quotation"),
    ("%catalog delete {id}", "--yes"),
    ("%%catalog show {id}\nsome body", "takes no cell body"),
    ("%%catalog edit {id}\n---\ntags: [a:b\n---\n", "not valid YAML"),
    ("%%catalog edit {id}\n---\ncolour: red\n---\n", "unknown front-matter key 'colour'"),
    ("%%catalog edit {id}\n---\nname: x\n", "no closing '---'"),
    ("%%catalog edit {id} --description d\nbody text", "given twice"),
    ("%catalog save not_a_model --name m --sample X --ignore-pending-changes", "predict"),
]


@pytest.mark.parametrize("code, expected", MISTAKES, ids=[m[0].split("\n")[0] for m in MISTAKES])
def test_user_mistakes_are_one_line(ready, code, expected):
    k, model_id = ready
    line = one_error_line(k.run(code.replace("{id}", model_id)))
    assert expected.lower() in line.lower(), line
    assert k.run("print(1 + 1)").stdout.strip() == "2"


def test_unexpected_failures_are_one_line_with_the_traceback_behind_tb(start_kernel):
    k = start_kernel()
    # An object that explodes on any attribute access is nothing any layer planned for.
    run_ok(k, TRAIN)
    run_ok(k, "class Boom:\n    def __getattr__(self, name):\n        raise RuntimeError('boom')\nb = Boom()")
    result = k.run("%catalog save b --name boom --sample X.head() --ignore-pending-changes")
    line = one_error_line(result)
    assert "RuntimeError: boom" in line and "%tb" in line
    tb = k.run("%tb")
    assert "RuntimeError" in (tb.stdout + tb.stderr + str(tb.error))  # the traceback is kept
    assert k.run("print(1 + 1)").stdout.strip() == "2"
