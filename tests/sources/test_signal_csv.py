import gzip
from pathlib import Path

import pytest

from netvigil.model.errors import InputError
from netvigil.sources.signal_csv import read_points

GOOD = (
    "time,entity,signal,value\n2022-01-05T10:30:00Z,country:KZ,probe,1523\n"
    "1641378600,asn:29355,traffic,0.82\n"
)


def points(path: Path) -> list:
    return [p for chunk in read_points(path) for p in chunk]


def test_csv_gz_and_jsonl_give_the_same_points(tmp_path: Path) -> None:
    plain = tmp_path / "a.csv"
    plain.write_text(GOOD)
    packed = tmp_path / "a.csv.gz"
    packed.write_bytes(gzip.compress(GOOD.encode()))
    lines = tmp_path / "a.jsonl"
    lines.write_text(
        '{"time": "2022-01-05T10:30:00Z", "entity": "country:KZ", "signal": "probe", "value": 1523}\n\n'
        '{"time": 1641378600, "entity": "asn:29355", "signal": "traffic", "value": 0.82}\n'
    )
    expected = [(1641378600, "country:KZ", "probe", 1523.0), (1641378600, "asn:29355", "traffic", 0.82)]
    for path in (plain, packed, lines):
        assert [(p.time, p.entity, p.signal, p.value) for p in points(path)] == expected


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("time,entity,signal,value\n2022-01-05T10:30:00Z,country:KZ,probe,abc\n", 2, "not a number"),
        ("time,entity,signal,value\n2022-01-05T10:30:00,country:KZ,probe,1\n", 2, "ISO 8601 with a zone"),
        (
            "time,entity,signal,value\n2022-01-05T10:30:00Z,country:KZ,probe,1\n1641378600,KZ,probe,1\n",
            3,
            "not an entity",
        ),
        ("time,entity,signal,value\n1641378600000,country:KZ,probe,1\n", 2, "milliseconds"),
        ("time,entity,signal,value\n1641378600,country:KZ,Probe!,1\n", 2, "lower-case"),
        ("time,entity,signal,value\n1641378600,country:KZ,probe,\n", 2, "gap is a missing row"),
        ("time,entity,signal,value\n1641378600,country:KZ,probe\n", 2, "expected 4 fields"),
        ("when,what\n1,2\n", 1, "expected the header"),
        ("time,entity,signal,value\n1641378600,country:KZ,probe,nan\n", 2, "not finite"),
    ],
)
def test_bad_rows_name_file_and_line(tmp_path: Path, body: str, line: int, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(body)
    with pytest.raises(InputError, match=message) as caught:
        points(path)
    assert caught.value.line == line and str(caught.value).startswith(f"{path}:{line}:")


def test_bad_json_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"time": 1641378600, "entity": "country:KZ", "signal": "probe", "value": 1}\n{oops\n')
    with pytest.raises(InputError, match="not valid JSON") as caught:
        points(path)
    assert caught.value.line == 2


def test_wrong_compression_suffix_is_named(tmp_path: Path) -> None:
    lying = tmp_path / "a.csv.gz"
    lying.write_text(GOOD)
    with pytest.raises(InputError, match=r"not \.gz-compressed"):
        points(lying)
    hidden = tmp_path / "b.csv"
    hidden.write_bytes(gzip.compress(GOOD.encode()))
    with pytest.raises(InputError, match="gz-compressed but the name"):
        points(hidden)


def test_truncated_gzip_is_an_input_error(tmp_path: Path) -> None:
    body = GOOD + "".join(f"{1641378600 + 300 * i},country:KZ,probe,{i}\n" for i in range(50_000))
    data = gzip.compress(body.encode())
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="cannot be read to the end"):
        points(path)


HEADER = "time,entity,signal,value\n"
ROW = '{{"time": {time}, "entity": {entity}, "signal": "probe", "value": {value}}}\n'


def jsonl(time: str = "1641378600", entity: str = '"country:KZ"', value: str = "1") -> str:
    return ROW.format(time=time, entity=entity, value=value)


@pytest.mark.parametrize(
    ("name", "body", "line", "message"),
    [
        ("huge-value.csv", HEADER + "1641378600,country:KZ,probe," + "9" * 400 + "\n", 2, "not finite"),
        ("huge-time.csv", HEADER + "1" * 400 + ",country:KZ,probe,1\n", 2, "outside 1990–2100"),
        ("wide.csv", HEADER + '1641378600,country:KZ,probe,"' + "1" * 200_000 + '"\n', 2, "longer than"),
        ("wide-header.csv", "time," + "x" * 200_000 + "\n", 1, "longer than"),
        ("zz.csv", HEADER + "1641378600,country:ZZ,probe,1\n", 2, "ZZ is not an ISO 3166-1"),
        ("zzz.csv", HEADER + "1641378600,region:KZ-ZZZ,probe,1\n", 2, "KZ-ZZZ is not an ISO 3166-2"),
        ("scoped.csv", HEADER + "1641378600,service:whatsapp@country:ZZ,reachability,1\n", 2, "ZZ"),
        ("negative.csv", HEADER + "1641378600,country:KZ,probe,-1\n", 2, "negative"),
        ("far.csv", HEADER + "9999-12-31T23:59:59-23:59,country:KZ,probe,1\n", 2, "outside 1990–2100"),
        ("deep.jsonl", "[" * 1000 + "]" * 1000 + "\n", 1, "nested too deep"),
        ("digits.jsonl", jsonl(value="1" * 5000), 1, "more than 4300 digits"),
        ("huge-int.jsonl", jsonl(value="1" * 400), 1, "too large"),
        ("huge-time.jsonl", jsonl(time="1" * 400), 1, "outside 1990–2100"),
        ("nan-time.jsonl", jsonl(time="NaN"), 1, "outside 1990–2100"),
        ("bool-value.jsonl", jsonl(value="true"), 1, "boolean"),
        ("bool-time.jsonl", jsonl(time="false"), 1, "boolean"),
        ("deep-value.jsonl", jsonl(value="[" * 900 + "]" * 900), 1, "not a number"),
        ("number-entity.jsonl", jsonl(entity="5"), 1, "not text"),
        ("negative.jsonl", jsonl(value="-0.5"), 1, "negative"),
    ],
)
def test_hostile_rows_are_input_errors_at_their_line(
    tmp_path: Path, name: str, body: str, line: int, message: str
) -> None:
    path = tmp_path / name
    path.write_text(body)
    with pytest.raises(InputError, match=message) as caught:
        points(path)
    assert caught.value.line == line and str(caught.value).startswith(f"{path}:{line}:")
    assert len(str(caught.value)) < 300


@pytest.mark.parametrize("name", ["empty.csv", "empty.jsonl", "blank.csv", "blank.jsonl", "empty.csv.gz"])
def test_an_empty_file_is_refused_alike_in_both_formats(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    body = b"" if name.startswith("empty") else b"\n  \n\n"
    path.write_bytes(gzip.compress(body) if name.endswith(".gz") else body)
    with pytest.raises(InputError, match="the file is empty") as caught:
        points(path)
    assert caught.value.line == 1


def test_a_header_alone_is_a_file_of_no_points(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text(HEADER)
    assert points(path) == []


def test_zero_values_and_numeric_strings_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "zero.jsonl"
    path.write_text(jsonl(value="0") + jsonl(value='"-0"', time='"2022-01-05T10:35:00Z"'))
    assert [p.value for p in points(path)] == [0.0, 0.0]
