import pytest

from config.env import EnvError, env_bool, env_int, env_list


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", "yes", " on "])
def test_env_bool_true(monkeypatch, raw):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG") is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "off", ""])
def test_env_bool_false(monkeypatch, raw):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG", default=True) is False


def test_env_bool_rejects_typos(monkeypatch):
    monkeypatch.setenv("FLAG", "ture")
    with pytest.raises(EnvError, match="FLAG must be true or false"):
        env_bool("FLAG")


def test_env_defaults_when_unset(monkeypatch):
    monkeypatch.delenv("UNSET_FOR_TEST", raising=False)
    assert env_bool("UNSET_FOR_TEST", default=True) is True
    assert env_int("UNSET_FOR_TEST", default=5) == 5
    assert env_list("UNSET_FOR_TEST", default=["a"]) == ["a"]


def test_env_int(monkeypatch):
    monkeypatch.setenv("N", " 31536000 ")
    assert env_int("N") == 31536000
    monkeypatch.setenv("N", "1y")
    with pytest.raises(EnvError, match="N must be an integer"):
        env_int("N")


def test_env_list_drops_blanks(monkeypatch):
    monkeypatch.setenv("HOSTS", "a.example.test, b.example.test,,")
    assert env_list("HOSTS") == ["a.example.test", "b.example.test"]
