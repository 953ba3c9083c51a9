"""DataConfig.from_params: defaults, resolution and every rejected value."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from icmt_pipeline.data.config import DataConfig, url_file_name
from icmt_pipeline.errors import ConfigError

SHA_A = "a" * 64
SHA_B = "b" * 64


def test_from_params_defaults_match_documented_values() -> None:
    config = DataConfig.from_params({}, "lastfm")
    assert config.raw_dir == Path("data/01_raw")
    assert config.mirror is None
    assert config.allow_network is True
    assert (config.download.retries, config.download.timeout_s) == (3, 60.0)
    assert config.seed == 2024
    assert config.split_method == "random"
    assert config.split_ratios == (0.8, 0.1, 0.1)
    assert config.head_share == 0.2
    assert config.k_core == 10
    assert config.source.min_rating is None
    assert config.dataset_dir == Path("data/01_raw/lastfm")


@pytest.mark.parametrize(
    ("dataset", "k_core", "min_rating"),
    [("gowalla", 20, None), ("yelp2018", 20, None), ("ml-1m", 10, 4.0)],
)
def test_from_params_per_dataset_defaults(
    dataset: str, k_core: int, min_rating: float | None
) -> None:
    config = DataConfig.from_params(None, dataset)
    assert config.k_core == k_core
    assert config.source.min_rating == min_rating


def test_from_params_resolves_the_chosen_source_only() -> None:
    params = {
        "sources": {
            "lastfm": {"k_core": 3, "url": "https://example.org/x.zip"},
            "gowalla": {"k_core": 7},
            # custom without path is fine while custom is not chosen
            "custom": {"k_core": 2},
        }
    }
    config = DataConfig.from_params(params, "gowalla")
    assert config.k_core == 7
    assert config.source.url is None


def test_from_params_custom_full() -> None:
    params = {
        "sources": {
            "custom": {
                "path": "logs.csv",
                "format": "csv",
                "sep": ";",
                "columns": {"user": "u", "item": "i", "rating": "r"},
                "id_type": "str",
                "min_rating": 3,
                "k_core": 2,
                "sha256": SHA_A.upper(),
                "item_names": {"path": "names.csv", "name_column": "title"},
            }
        }
    }
    source = DataConfig.from_params(params, "custom").source
    assert (source.path, source.format, source.sep) == ("logs.csv", "csv", ";")
    assert (source.columns.user, source.columns.rating) == ("u", "r")
    assert source.columns.timestamp is None
    assert source.min_rating == 3.0
    assert source.sha256 == SHA_A
    assert source.item_names.name_column == "title"
    assert source.item_names.id_column == "item_id"


def test_from_params_mirror_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICMT_DATA_MIRROR", "/srv/mirror")
    assert DataConfig.from_params({}, "lastfm").mirror == Path("/srv/mirror")
    # an explicit parameter wins over the environment
    explicit = DataConfig.from_params({"mirror": "/other"}, "lastfm")
    assert explicit.mirror == Path("/other")


def test_trusted_digests_by_name_and_dataset_name() -> None:
    params = {
        "trusted_sha256": {
            "train.txt": SHA_A,
            "gowalla/test.txt": [SHA_B, SHA_A],
            "yelp2018/test.txt": SHA_B,
        }
    }
    config = DataConfig.from_params(params, "gowalla")
    assert config.trusted_digests("train.txt") == (SHA_A,)
    assert set(config.trusted_digests("test.txt")) == {SHA_A, SHA_B}
    assert config.trusted_digests("other.txt") == ()


def test_from_params_unknown_dataset_lists_allowed() -> None:
    with pytest.raises(ConfigError, match=r"'movielens'.*lastfm, gowalla, yelp2018"):
        DataConfig.from_params({}, "movielens")


@pytest.mark.parametrize(
    ("params", "pattern"),
    [
        ({"seeds": 1}, r"'seeds' in data; allowed: raw_dir, mirror"),
        ({"download": {"retry": 2}}, r"'retry' in data.download; allowed: retries"),
        ({"split_ratios": {"val": 0.1}}, r"'val' in data.split_ratios"),
        ({"sources": {"movielens": {}}}, r"'movielens' in data.sources"),
        ({"sources": {"lastfm": {"min_rating": 1}}}, r"'min_rating'.*k_core, url"),
        (
            {"sources": {"custom": {"columns": {"users": "u"}}}},
            r"'users' in data.sources.custom.columns; allowed: user, item",
        ),
        (
            {"sources": {"custom": {"item_names": {"file": "x"}}}},
            r"'file' in data.sources.custom.item_names",
        ),
    ],
)
def test_from_params_unknown_key_named_with_allowed(params: dict, pattern: str) -> None:
    # unknown keys are rejected even under a dataset that is not chosen
    with pytest.raises(ConfigError, match=pattern):
        DataConfig.from_params(params, "gowalla")


@pytest.mark.parametrize(
    ("ratios", "pattern"),
    [
        ({"train": 0.7, "valid": 0.1, "test": 0.1}, r"sum to 1.*train=0.7"),
        ({"train": 0.9, "valid": 0.1, "test": 0.0}, r"all be > 0.*test=0.0"),
        ({"train": 1.2, "valid": -0.1, "test": -0.1}, r"all be > 0.*valid=-0.1"),
        ({"train": "0.8"}, r"data.split_ratios.train must be a number"),
    ],
)
def test_from_params_bad_ratios(ratios: dict, pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern):
        DataConfig.from_params({"split_ratios": ratios}, "lastfm")


def test_from_params_ratios_within_tolerance_accepted() -> None:
    # 0.8 + 0.1 + 0.1 + 5e-7 is 1 within the 1e-6 tolerance
    ratios = {"train": 0.8 + 5e-7, "valid": 0.1, "test": 0.1}
    assert DataConfig.from_params({"split_ratios": ratios}, "lastfm").split_ratios[0]


@pytest.mark.parametrize("head_share", [0, 1, 1.5, -0.2])
def test_from_params_head_share_outside_open_interval(head_share: float) -> None:
    with pytest.raises(ConfigError, match=r"head_share must be in the open interval"):
        DataConfig.from_params({"head_share": head_share}, "lastfm")


@pytest.mark.parametrize("k_core", [0, -3])
def test_from_params_k_core_below_one(k_core: int) -> None:
    with pytest.raises(ConfigError, match=rf"k_core must be >= 1, got {k_core}"):
        DataConfig.from_params({"sources": {"lastfm": {"k_core": k_core}}}, "lastfm")


@pytest.mark.parametrize(
    ("params", "dataset", "pattern"),
    [
        ({"split_method": "time"}, "lastfm", r"'time'; allowed: random, temporal"),
        ({"seed": 1.5}, "lastfm", r"data.seed must be an integer"),
        ({"seed": -5}, "lastfm", r"data.seed must be >= 0, got -5"),
        ({"seed": 2**32}, "lastfm", r"data.seed must be in 0..2\*\*32-1"),
        ({"allow_network": "yes"}, "lastfm", r"allow_network must be true or false"),
        ({"download": {"retries": -1}}, "lastfm", r"retries must be >= 0"),
        ({"download": {"timeout_s": 0}}, "lastfm", r"timeout_s must be > 0"),
        ({"sources": {"lastfm": {"k_core": True}}}, "lastfm", r"must be an integer"),
        ({"sources": {"lastfm": {"url": "ftp://x/y.zip"}}}, "lastfm", r"http"),
        ({"trusted_sha256": {"a.txt": "abc"}}, "lastfm", r"64 hexadecimal digits"),
        ({}, "custom", r"custom.path is required"),
        (
            {"sources": {"custom": {"path": "x.csv", "format": "json"}}},
            "custom",
            r"format is 'json'; allowed: auto, csv, parquet",
        ),
        (
            {"sources": {"custom": {"path": "x.csv", "id_type": "uuid"}}},
            "custom",
            r"id_type is 'uuid'; allowed: auto, str, int",
        ),
        (
            {"sources": {"custom": {"path": "x.csv", "min_rating": 4}}},
            "custom",
            r"min_rating is 4.0 but columns.rating is null",
        ),
        (
            {"sources": {"custom": {"path": "x", "columns": {"item": "user_id"}}}},
            "custom",
            r"maps two roles to the same column",
        ),
        ({"raw_dir": None}, "lastfm", r"raw_dir must be a folder path"),
        (
            {"split_method": "temporal"},
            "lastfm",
            r"needs timestamps and lastfm has none",
        ),
        (
            {"sources": {"custom": {"path": "x.csv", "split_method": "temporal"}}},
            "custom",
            r"columns.timestamp is null",
        ),
        (
            {"sources": {"gowalla": {"split_method": "last"}}},
            "gowalla",
            r"gowalla.split_method is 'last'",
        ),
    ],
)
def test_from_params_rejected_values(params: dict, dataset: str, pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern):
        DataConfig.from_params(params, dataset)


def test_from_params_rejects_wrapped_mapping() -> None:
    # the mapping is the content under the `data` key, not the whole file
    with pytest.raises(ConfigError, match=r"'data' in data"):
        DataConfig.from_params({"data": {}}, "lastfm")


def test_source_split_method_wins_for_its_dataset_only() -> None:
    # The README's own-data recipe: temporal for custom, the others unchanged.
    params = {
        "sources": {
            "custom": {
                "path": "x.csv",
                "split_method": "temporal",
                "columns": {"timestamp": "ts"},
            }
        }
    }
    assert DataConfig.from_params(params, "custom").split_method == "temporal"
    assert DataConfig.from_params(params, "lastfm").split_method == "random"
    params = {"split_method": "temporal", "sources": {"ml-1m": {}}}
    assert DataConfig.from_params(params, "ml-1m").split_method == "temporal"


@pytest.mark.parametrize(
    ("url", "segment"),
    [
        ("http://127.0.0.1:8765/v1/", "''"),
        ("http://127.0.0.1:8765/v1/.", "'.'"),
        ("http://127.0.0.1:8765/v1/..", "'..'"),
        ("http://127.0.0.1:8765/v1/%2e%2e", "'%2e%2e'"),
        ("http://127.0.0.1:8765", "''"),
        ("http://127.0.0.1:8765/a%2Fb.csv", "'a%2Fb.csv'"),
    ],
)
@pytest.mark.parametrize("key", ["path", "item_names.path"])
def test_from_params_custom_url_without_file_name(
    url: str, segment: str, key: str
) -> None:
    custom: dict = {"path": "x.csv"}
    if key == "path":
        custom["path"] = url
    else:
        custom["item_names"] = {"path": url}
    pattern = (
        rf"data.sources.custom.{key} URL '{url}' does not end in a usable file "
        rf"name \(last path segment {segment}\)"
    )
    with pytest.raises(ConfigError, match=pattern):
        DataConfig.from_params({"sources": {"custom": custom}}, "custom")


@pytest.mark.parametrize(
    ("url", "pattern"),
    [
        ("http://[::1/x.csv", r"custom.path is not a valid URL \(Invalid IPv6 URL\)"),
        ("http://127.0.0.1:port/x.csv", r"custom.path is not a valid URL \(Port"),
        ("http:///x.csv", r"custom.path URL has no host name, got 'http:///x.csv'"),
    ],
)
def test_from_params_custom_malformed_url(url: str, pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern):
        DataConfig.from_params({"sources": {"custom": {"path": url}}}, "custom")


def test_from_params_public_source_malformed_url() -> None:
    params = {"sources": {"ml-1m": {"url": "https://[::1/ml-1m.zip"}}}
    with pytest.raises(ConfigError, match=r"ml-1m.url is not a valid URL"):
        DataConfig.from_params(params, "ml-1m")


def test_url_file_name_decodes_last_segment() -> None:
    assert url_file_name("https://h/x/my%20data.csv?v=2") == "my data.csv"
    assert url_file_name("https://h/x/") is None


@pytest.mark.parametrize("sep", ["||", "::", ", ", '"', "\n"])
def test_from_params_custom_sep_must_be_one_character(sep: str) -> None:
    params = {"sources": {"custom": {"path": "logs.csv", "sep": sep}}}
    pattern = r"data.sources.custom.sep must be a single character.*got "
    pattern += re.escape(repr(sep))
    with pytest.raises(ConfigError, match=pattern):
        DataConfig.from_params(params, "custom")


def test_from_params_item_names_sep_must_be_one_character() -> None:
    params = {
        "sources": {"custom": {"path": "l.csv", "item_names": {"sep": "||"}}},
    }
    with pytest.raises(ConfigError, match=r"item_names.sep must be a single char"):
        DataConfig.from_params(params, "custom")


@pytest.mark.parametrize(("sep", "expected"), [("\t", "\t"), ("\\t", "\t"), ("|", "|")])
def test_from_params_custom_sep_single_character_and_tab(
    sep: str, expected: str
) -> None:
    # "\\t" is what YAML gives for '\t' in single quotes: read as a tab
    params = {"sources": {"custom": {"path": "logs.csv", "sep": sep}}}
    assert DataConfig.from_params(params, "custom").source.sep == expected


def test_from_params_raw_dir_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "raw.txt"
    target.write_text("not a folder")
    pattern = r"data.raw_dir is '.*raw.txt', which is a file, not a folder"
    with pytest.raises(ConfigError, match=pattern):
        DataConfig.from_params({"raw_dir": str(target)}, "lastfm")


def test_from_params_mirror_that_is_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "mirror.zip"
    target.write_bytes(b"PK")
    pattern = r"data.mirror is '.*mirror.zip', which is a file, not a folder"
    with pytest.raises(ConfigError, match=pattern):
        DataConfig.from_params({"mirror": str(target)}, "lastfm")
    monkeypatch.setenv("ICMT_DATA_MIRROR", str(target))
    with pytest.raises(ConfigError, match=r"the ICMT_DATA_MIRROR environment var"):
        DataConfig.from_params({}, "lastfm")
    # a mirror folder that does not exist yet is not an error here
    absent = tmp_path / "absent"
    assert DataConfig.from_params({"mirror": str(absent)}, "lastfm").mirror == absent
