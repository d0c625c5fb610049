"""The harness itself: check_log() must catch what it promises to catch,
or every "log is clean" verdict elsewhere is worthless."""

import pytest

import krjenv


@pytest.mark.parametrize("line", [
    "2026/01/09 18:00:00 [alert] 1#1: something",
    "2026/01/09 18:00:00 [crit] 1#1: something",
    "2026/01/09 18:00:00 [emerg] 1#1: something",
    "2026/01/09 18:00:00 [alert] 1#1: worker process 77 exited on signal 11",
    "==77==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x1",
    "krj_query.c:10:5: runtime error: signed integer overflow",
])
def test_check_log_catches(tmp_path, line):
    n = krjenv.Nginx(tmp_path, "")
    n.error_log_path.write_text("2026/01/09 [notice] 1#1: fine\n%s\n" % line)
    with pytest.raises(AssertionError):
        n.check_log()


def test_check_log_catches_sanitizer_file(tmp_path):
    n = krjenv.Nginx(tmp_path, "")
    n.error_log_path.write_text("")
    (tmp_path / "asan.1234").write_text("==1234==ERROR: LeakSanitizer\n")
    with pytest.raises(AssertionError):
        n.check_log()


def test_check_log_clean(tmp_path):
    n = krjenv.Nginx(tmp_path, "")
    n.error_log_path.write_text(
        "2026/01/09 [notice] 1#1: start\n2026/01/09 [error] 1#1: refused\n")
    n.check_log()
    assert n.bad_log_lines() == [], "notice and error lines are allowed"
