import re
from pathlib import Path

import pytest

from service.config import DEFAULT_CONFIG, KEYS, load_config
from service.errors import ConfigError

MINIMAL = '[corpus]\npath = "c"\n[index]\npath = "i"\n'
README = Path(__file__).resolve().parent.parent / "README.md"


def test_default_config_loads_with_paths_relative_to_it():
    config = load_config(DEFAULT_CONFIG, environ={})
    assert config.corpus_path == DEFAULT_CONFIG.parent / "seeds"
    assert config.index_path == DEFAULT_CONFIG.parent / "var" / "index"
    assert config.engine == "whoosh" and config.synonyms


def test_search_config_names_another_file(tmp_path):
    path = tmp_path / "other.toml"
    path.write_text('[corpus]\npath = "c"\n[index]\npath = "i"\n')
    config = load_config(None, environ={"SEARCH_CONFIG": str(path)})
    assert config.corpus_path == tmp_path / "c" and config.source == path


def test_environment_overrides_parse_as_json_or_stay_strings():
    env = {"SEARCH_SERVICE__PORT": "8080", "SEARCH_SERVICE__HOST": "0.0.0.0"}
    config = load_config(DEFAULT_CONFIG, environ=env)
    assert (config.port, config.host) == (8080, "0.0.0.0")


@pytest.mark.parametrize(
    "text, message",
    [
        (
            '[corpus]\npath = "c"\n[index]\npath = "i"\nspeed = 3\n',
            "réglage inconnu « index.speed »",
        ),
        ('[corpus]\npath = "c"\n', "réglage manquant"),
        (f'{MINIMAL}[service]\nport = "x"\n', "port"),
        (f"{MINIMAL}[service]\nanswer_cache_mb = -1\n", "« answer_cache_mb » doit être positif"),
        ("[corpus\n", "configuration illisible"),
        (
            '[corpus]\npath = "c"\n[index]\npath = "i"\n[synonyms]\ngroups = [["seul"]]\n',
            "synonyms",
        ),
    ],
)
def test_bad_config_names_the_file_and_the_key(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(message)) as e:
        load_config(path, environ={})
    assert str(path) in str(e.value)


def test_bad_override_is_an_error():
    with pytest.raises(ConfigError, match="port"):
        load_config(DEFAULT_CONFIG, environ={"SEARCH_SERVICE__PORT": "huit"})


def test_every_setting_is_in_config_toml_and_documented_in_the_readme():
    toml = DEFAULT_CONFIG.read_text("utf-8")
    readme = README.read_text("utf-8")
    for section, key in KEYS:
        assert f"[{section}]" in toml and re.search(rf"^{key} = ", toml, re.M), key
        assert f"`{section}.{key}`" in readme, f"{section}.{key} is not documented in README.md"
