"""core.uploads.check_json: the size and nesting gate an OSCAL upload passes before any parser reads it."""

import io

import pytest

from core.errors import Invalid, TooLarge
from core.uploads import check_json


def check(data: bytes, limit=1024 * 1024, max_depth=5):
    return check_json(io.BytesIO(data), limit=limit, max_depth=max_depth)


def test_brackets_inside_strings_and_escaped_quotes_do_not_count():
    assert check(b'{"a": ["[[[[[[[[", "\\"[[[[[[\\"", {"b": "}}}}]]]]"}]}') > 0


def test_one_level_too_deep_is_refused_at_its_byte():
    assert check(b"[[[[[1]]]]]") == 11
    with pytest.raises(Invalid) as exc:
        check(b'{"x": [[[[["deep"]]]]]}')
    assert exc.value.details == [{"field": "file", "message": exc.value.message}] and "10" in exc.value.message


def test_an_unterminated_string_of_escaped_quotes_is_one_linear_pass():
    # Restarting the string match at every quote made this quadratic (minutes for a few megabytes).
    assert check(b'"' + b'\\"' * 400_000) > 0


def test_over_the_limit_is_413_and_empty_is_422():
    with pytest.raises(TooLarge):
        check(b"[" * 10, limit=5)
    with pytest.raises(Invalid):
        check(b"")
