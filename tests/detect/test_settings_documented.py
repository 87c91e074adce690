from pathlib import Path

from netvigil.detect.config import DEFAULT_RULES, DetectorConfig

DOC = Path(__file__).resolve().parents[2] / "docs" / "detector.md"


def test_every_detector_setting_is_documented() -> None:
    text = DOC.read_text("utf-8")
    missing = [name for name in DetectorConfig.__dataclass_fields__ if f"| `{name}` |" not in text]
    assert not missing, f"document these settings in docs/detector.md: {missing}"


def test_every_signal_rule_is_documented_with_its_values() -> None:
    text = DOC.read_text("utf-8")
    for signal, rule in DEFAULT_RULES.items():
        assert f"| `{signal}` |" in text, signal
        if rule.weight:
            assert f"| `{signal}` | {rule.warning:g} | {rule.critical:g} | {rule.weight:g} |" in text, signal


def test_every_default_in_the_table_is_the_real_default() -> None:
    text = DOC.read_text("utf-8")
    config = DetectorConfig()
    for name in DetectorConfig.__dataclass_fields__:
        if name == "rules":
            continue
        assert f"| `{name}` | {getattr(config, name)} |" in text, name
