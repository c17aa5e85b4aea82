"""cpu_computes_bfloat16 reads the processor's flags, and says no where it cannot tell."""

from course_utils import cpu_computes_bfloat16


def test_reads_the_amx_flag(tmp_path):
    with_amx = tmp_path / "with"
    with_amx.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx512f amx_bf16 amx_tile amx_int8\n")
    without = tmp_path / "without"
    without.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx512f avx512_bf16\n")
    assert cpu_computes_bfloat16(str(with_amx)) is True
    assert cpu_computes_bfloat16(str(without)) is False  # avx512_bf16 converts, AMX multiplies


def test_no_cpuinfo_means_float32(tmp_path):
    assert cpu_computes_bfloat16(str(tmp_path / "missing")) is False


def test_a_flag_named_in_another_line_does_not_count(tmp_path):
    other = tmp_path / "other"
    other.write_text("model name\t: amx_bf16 marketing\nflags\t\t: fpu sse2\n")
    assert cpu_computes_bfloat16(str(other)) is False
