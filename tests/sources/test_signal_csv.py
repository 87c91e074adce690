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
