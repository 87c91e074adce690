"""The Monash IP Observatory's CSV series as signal points (real files, tests/fixtures/timeseries)."""

from collections import Counter
from pathlib import Path

import pytest

from netvigil.model.errors import InputError
from netvigil.sources.monash import read_monash, with_totals, write_signal_file
from netvigil.sources.signal_csv import read_points

SERIES = Path(__file__).parents[1] / "fixtures" / "timeseries"
LAURA = SERIES / "monash-usa-2020-08-31_HurrLaura.csv"
BORDER = SERIES / "monash-ukr-2022-01-18_border-regions.csv"


def test_counties_become_local_entities_below_their_state() -> None:
    points = list(read_monash(LAURA))
    counts = Counter(p.entity for p in points)
    assert len(points) == 35_856 and len(counts) == 216 and set(counts.values()) == {166}
    assert {e.split("/")[0] for e in counts} == {"local:US-AR", "local:US-LA", "local:US-MS", "local:US-TX"}
    first = next(p for p in points if p.entity == "local:US-LA/calcasieu")
    assert (first.time, first.signal) == (1_598_227_200, "connectivity")
    assert "local:US-LA/saint-john-the-baptist" in counts and "local:US-LA/jefferson-davis" in counts


def test_totals_sum_each_hour_per_state_and_for_the_country() -> None:
    points = with_totals(read_monash(LAURA))
    hour = [p for p in points if p.time == 1_598_227_200]
    first = {p.entity: p.value for p in hour if not p.entity.startswith("local:")}
    assert first == {
        "country:US": 1984,
        "region:US-AR": 288,
        "region:US-LA": 275,
        "region:US-MS": 272,
        "region:US-TX": 1149,
    }  # the same sums as tests/tools/monash_to_signals.py made for tests/fixtures/signals


def test_border_regions_get_their_iso_codes_and_utc_times() -> None:
    points = list(read_monash(BORDER))
    regions = {p.entity for p in points}
    assert regions == {
        "region:RU-BEL", "region:RU-BRY", "region:RU-KRS", "region:RU-ROS", "region:RU-VOR",
        "region:UA-43", "region:UA-14", "region:UA-30", "region:UA-09", "region:UA-40",
    }  # fmt: skip
    kursk = min((p for p in points if p.entity == "region:RU-KRS"), key=lambda p: p.time)
    assert (kursk.time, kursk.signal, kursk.value) == (1_638_327_600, "latency", 100.8)  # 06:00 +03 → 03:00Z


def test_the_written_signal_file_reads_back_as_the_same_points(tmp_path: Path) -> None:
    out = tmp_path / "border.csv"
    assert write_signal_file(read_monash(BORDER), out) == 3_830
    back = sorted((p.time, p.entity, p.value) for chunk in read_points(out) for p in chunk)
    assert back == sorted((p.time, p.entity, p.value) for p in read_monash(BORDER))


def test_a_file_of_another_layout_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "x.csv"
    other.write_text("time,entity,signal,value\n1598227200,country:US,probe,1\n")
    with pytest.raises(InputError, match="not a Monash IP Observatory series"):
        list(read_monash(other))


def test_a_bad_row_says_its_line(tmp_path: Path) -> None:
    lines = LAURA.read_text().splitlines()[:4]
    lines[3] = lines[3].replace(",USA,", ",XYZ,")
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"bad.csv:4: not a Monash row: 'XYZ'"):
        list(read_monash(bad))


@pytest.mark.parametrize("damage", [b"\xa7\xff\x00random", b"\n1598227200,24-Aug-2020 \xe9,7,USA\n"])
def test_bytes_that_are_not_text_are_an_input_error_with_a_line(tmp_path: Path, damage: bytes) -> None:
    head = LAURA.read_bytes().split(b"\n", 3)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(damage if damage.startswith(b"\xa7") else b"\n".join(head[:3]) + damage)
    with pytest.raises(InputError, match=r"bad.csv:\d+: not UTF-8 text"):
        list(read_monash(bad))


@pytest.mark.parametrize(
    ("column", "bad", "said"),
    [
        (2, "1e400", "is not finite"),
        (0, "99999999999999999999999", "outside 1990–2100"),
        (2, "-3", "negative"),
    ],
)
def test_values_and_times_follow_the_signal_file_rules(
    tmp_path: Path, column: int, bad: str, said: str
) -> None:
    lines = LAURA.read_text().splitlines()[:3]
    fields = lines[2].split(",")
    fields[column] = bad
    lines[2] = ",".join(fields)
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=rf"bad.csv:3: not a Monash row: .*{said}"):
        list(read_monash(path))
