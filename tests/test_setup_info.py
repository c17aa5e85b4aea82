"""The opening line of every notebook (course_utils.setup_info)."""

from __future__ import annotations

from course_utils.setup_info import describe_setup


def test_setup_line_names_fast_mode_and_versions(monkeypatch, tmp_path):
    import keras

    monkeypatch.setenv("COURSE_FAST", "1")
    (tmp_path / "mnist").mkdir()
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    line = describe_setup()
    assert line.startswith("Mode: fast")
    assert f"Keras {keras.__version__}" in line
    assert f"local mirror {tmp_path.resolve()} (mnist)" in line


def test_setup_line_without_mirror_says_where_data_will_come_from(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_FAST", raising=False)
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    line = describe_setup()
    assert line.startswith("Mode: full") and "no local mirror" in line and "\n" not in line
