import collections
import pickle

import pytest

from risseg.utils.safe_pickle import UnsafePickleError, safe_load_pickle, safe_loads

PLAIN = [
    {
        "ref_id": 1,
        "split": "testAB",
        "sent_ids": (3, 4),
        "tags": {"a", "b"},
        "raw": b"caf\xc3\xa9",
        "score": 0.5,
        "ok": True,
        "none": None,
    }
]


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_plain_data_roundtrips_every_protocol(protocol):
    assert safe_loads(pickle.dumps(PLAIN, protocol=protocol)) == PLAIN


def test_python2_pickle_with_non_ascii_str_falls_back_to_latin1():
    # What Python 2's cPickle wrote for [{'raw': 'caf\xe9'}] (protocol 0, a py2 str).
    data = b"(lp0\n(dp1\nS'raw'\np2\nS'caf\\xe9'\np3\nsa."
    assert safe_loads(data) == [{"raw": "caf\xe9"}]


def test_python2_protocol2_set_uses_builtin_module_name():
    data = b"\x80\x02c__builtin__\nset\nq\x00]q\x01K\x01a\x85q\x02Rq\x03."
    assert safe_loads(data) == {1}


class _Evil:
    def __reduce__(self):
        return (print, ("pwned",))


@pytest.mark.parametrize("obj", [_Evil(), collections.OrderedDict(a=1), [print]])
def test_non_plain_globals_are_refused_naming_the_file(tmp_path, obj):
    path = tmp_path / "refs(unc).p"
    path.write_bytes(pickle.dumps(obj))
    with pytest.raises(UnsafePickleError, match=r"refs\(unc\)\.p"):
        safe_load_pickle(path)


def test_malformed_and_missing_files_name_the_file(tmp_path):
    path = tmp_path / "broken.p"
    path.write_bytes(pickle.dumps(PLAIN)[:-5])
    with pytest.raises(ValueError, match="broken.p"):
        safe_load_pickle(path)
    path.write_bytes(b"not a pickle at all")
    with pytest.raises(ValueError, match="broken.p"):
        safe_load_pickle(path)
    with pytest.raises(FileNotFoundError, match="absent.p"):
        safe_load_pickle(tmp_path / "absent.p")
