"""storable.loads reads a body exactly as json.loads did before orjson read it first: the same
document (types, key order, -0.0 and all) or the same refusal, for any bytes."""
from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plugin.storable import UnreadableJson, Unstorable, loads

documents = st.recursive(
    st.none() | st.booleans() | st.text() | st.floats()
    | st.integers(-2**70, 2**70) | st.sampled_from([2**63, -2**63 - 1, 2**64, 10**19, -0.0, 1e308]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4),
    max_leaves=12,
)
encodings = st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "utf-32-be"])


@st.composite
def bodies(draw) -> bytes:
    text = json.dumps(draw(documents), ensure_ascii=draw(st.booleans()), allow_nan=True)
    for _ in range(draw(st.integers(0, 3))):  # a mutation: what a broken or hostile client sends
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(['"', "\\", "\\u", "\\ud800", "\x00", "\x1f", "0", "1" * 20,
                                                 "-", ".", "e9", "NaN", "[", "]", "{", "}", ",", ":", " ", "\ufeff"])) + text[at:]
    try:
        return text.encode(draw(encodings))
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def outcome(read, body: bytes) -> tuple[Any, ...]:
    try:
        document = read(body)
    except Unstorable as error:
        return ("unstorable", error.field, repr(error.document))
    except UnreadableJson as error:
        return (type(error).__name__, error.field, error.message)
    return ("read", repr(document))


def json_alone(body: bytes) -> Any:
    """storable.loads as it was: json.loads alone."""
    import plugin.storable as storable
    try:
        original, storable._parsed = storable._parsed, json.loads
        return loads(body)
    finally:
        storable._parsed = original


@settings(max_examples=1500, deadline=None)
@given(st.one_of(bodies(), st.binary(max_size=40)))
def test_any_body_reads_as_json_alone_reads_it(body):
    assert outcome(loads, body) == outcome(json_alone, body)


@pytest.mark.parametrize("body", [
    b"18446744073709551616", b"[-9223372036854775809]", b'{"quantity": 100000000000000000000}', b"9223372036854775807",
    b"-0", b"-0.0", b"1E400", b"NaN", b'"\\ud800"', b'"\xed\xa0\x80"', b"\xef\xbb\xbf{}", b'{"a":1,"b":2,"a":3}',
    b"[" * 1100 + b"]" * 1100, b"[" * 1000 + b"]" * 1000, b'{"a":' * 990 + b"1" + b"}" * 990, b"[" * 400 + b"]" * 400, b'"\\u0000"', "{}".encode("utf-16"),
])
def test_the_bodies_orjson_reads_otherwise_or_not_at_all(body):
    assert outcome(loads, body) == outcome(json_alone, body)


def test_an_integer_past_64_bits_stays_an_integer():
    assert loads(b'{"quantity": 18446744073709551616}') == {"quantity": 18446744073709551616}
    assert type(loads(b"[-9223372036854775809]")[0]) is int
