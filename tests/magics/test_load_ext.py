"""%load_ext model_catalog_ext in a real kernel: help, cheap loading, opt-in auto-loading."""
from tests.magics.conftest import last_value, one_error_line, run_ok


def test_catalog_help_in_a_real_kernel(kernel):
    loaded = kernel.run("%load_ext model_catalog_ext")
    assert loaded.status == "ok", loaded.error
    result = kernel.run("%catalog --help")
    assert result.status == "ok", result.error
    assert "usage: %catalog" in result.stdout
    assert "SUBCOMMAND" in result.stdout
    for command in ("list", "show", "save", "load", "predict", "download", "edit",
                    "deactivate", "activate", "delete", "versions"):
        assert f"    {command}" in result.stdout


def test_subcommand_help_documents_the_cell_body(kernel):
    run_ok(kernel, "%load_ext model_catalog_ext")
    save = run_ok(kernel, "%catalog save --help").stdout
    assert "usage: %catalog save" in save and "--ignore-pending-changes" in save
    assert "front-matter" in save.lower() and "%%catalog save" in save
    assert "--yes" in run_ok(kernel, "%catalog delete --help").stdout


def test_bad_arguments_print_one_line_and_keep_the_kernel(kernel):
    kernel.run("%load_ext model_catalog_ext")
    result = kernel.run("%catalog --no-such-flag")
    one_error_line(result)  # a user mistake is not a traceback
    assert kernel.run("print(1 + 1)").stdout.strip() == "2"


def test_loading_imports_nothing_heavy(kernel):
    run_ok(kernel, "%load_ext model_catalog_ext")
    heavy = last_value(kernel, "sorted(m for m in __import__('sys').modules if m.split('.')[0] in "
                               "('sqlalchemy', 'pandas', 'sklearn', 'onnx', 'onnxruntime', 'git', 'yaml') "
                               "or m.startswith(('model_catalog_ext.catalog', 'model_catalog_ext.api', "
                               "'model_catalog_ext.artifact')))")
    # ipykernel itself may import yaml/pandas in some setups; ours must add none of them
    ours = [m for m in heavy if m.startswith("model_catalog_ext")]
    assert ours == []


def test_kernel_config_line_loads_the_extension(start_kernel, tmp_path):
    """The documented opt-in for kernels JupyterLab starts: one line of kernel config."""
    profile = tmp_path / "ipython-dir" / "profile_default"
    profile.mkdir(parents=True)
    (profile / "ipython_kernel_config.py").write_text(
        'c.InteractiveShellApp.extensions.append("model_catalog_ext")\n')
    k = start_kernel(load_ext=False, IPYTHONDIR=tmp_path / "ipython-dir")
    result = run_ok(k, "%catalog --help")
    assert "usage: %catalog" in result.stdout
