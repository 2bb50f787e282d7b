"""%load_ext model_catalog_ext in a real kernel registers a %catalog that answers --help."""


def test_catalog_help_in_a_real_kernel(kernel):
    loaded = kernel.run("%load_ext model_catalog_ext")
    assert loaded.status == "ok", loaded.error
    result = kernel.run("%catalog --help")
    assert result.status == "ok", result.error
    assert "usage: %catalog" in result.stdout
    assert "SUBCOMMAND" in result.stdout


def test_bad_arguments_print_one_line_and_keep_the_kernel(kernel):
    kernel.run("%load_ext model_catalog_ext")
    result = kernel.run("%catalog --no-such-flag")
    assert result.status == "ok"  # a user mistake is not a traceback
    assert result.stdout.startswith("error:")
    assert kernel.run("print(1 + 1)").stdout.strip() == "2"
