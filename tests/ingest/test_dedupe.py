import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.ingest.dedupe import (
    BANDS,
    NUM_PERM,
    NearDuplicateIndex,
    band_keys,
    content_hash,
    shingle_hashes,
    signature,
    similarity,
)
from pipeline.ingest.normalize import normalize

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
SEEDS = {path.name[:3]: normalize(path.read_text(encoding="utf-8")).text for path in sorted(CORPUS.rglob("0*_*.txt"))}


def repost(text: str) -> str:
    """The same article on another site: other chrome, a new intro, a few sentences rewritten."""
    paragraphs = text.split("\n")
    for i in range(2, len(paragraphs), max(3, len(paragraphs) // 4)):
        paragraphs[i] = paragraphs[i].replace("社区", "小区", 1) + "记者从相关部门了解到,这一做法还将在全市推广。"
    page = (
        "首页 | 新闻 | 政务 | 服务 | 互动\n当前位置:首页 > 地方新闻\n来源:中国社会报 2022-06-01\n"
        + "\n".join(paragraphs)
        + "\n责任编辑:赵六\n相关新闻\n某地召开社区工作会议\n某地开展志愿服务活动\n版权所有 某报社"
    )
    return normalize(page).text


def test_content_hash():
    assert content_hash("社区治理") == content_hash("社区治理")
    assert content_hash("社区治理") != content_hash("社区治理。")
    assert len(content_hash("")) == 64


def test_signature_is_fixed_size_bytes_and_deterministic():
    sig = signature(SEEDS["002"])
    assert isinstance(sig, bytes) and len(sig) == NUM_PERM * 8
    assert signature(SEEDS["002"]) == sig


def test_signature_is_datasketch_affine64_minhash_of_the_shingle_hashes():
    datasketch = pytest.importorskip("datasketch", minversion="2.0")
    for text in [*SEEDS.values(), "社区", "一二三四五", ""]:
        minhash = datasketch.MinHash(num_perm=NUM_PERM, seed=1, scheme="affine64", hashfunc=int)
        minhash.update_batch([int(h) for h in shingle_hashes(text)])
        assert minhash.hashvalues.astype("<u8").tobytes() == signature(text)


def test_a_long_text_is_hashed_chunk_by_chunk_to_the_same_minhash(monkeypatch):
    # The minimum over NUM_PERM permutations is taken a chunk of shingles at a time (all at once cost
    # 1 KiB a shingle: 17 GB for a 50 MB text); chunks of 7 cross every boundary of a seed's shingles.
    datasketch = pytest.importorskip("datasketch", minversion="2.0")
    from pipeline.ingest import dedupe

    monkeypatch.setattr(dedupe, "_CHUNK", 7)
    for text in [SEEDS["001"], "一二三四五六七八九十一二", "社区"]:
        minhash = datasketch.MinHash(num_perm=NUM_PERM, seed=1, scheme="affine64", hashfunc=int)
        minhash.update_batch([int(h) for h in shingle_hashes(text)])
        assert minhash.hashvalues.astype("<u8").tobytes() == dedupe.signature(text)


def test_shingles_are_the_5_grams_of_letters_digits_and_han():
    assert len(shingle_hashes("社区,治理 创新!")) == len("社区治理创新") - 4
    assert len(set(shingle_hashes("一二三四五一二三四五"))) == 5  # a repeated 5-gram hashes alike
    assert len(shingle_hashes("社区")) == 1
    assert len(shingle_hashes("。 ,")) == 0


SAMPLE = "苏州“五社联动”赋能善治之城,社区慈善基金引导5200万元资金下沉基层。"


def test_signature_and_band_keys_are_pinned():
    # Stores keep both: a change here needs a store migration (see pipeline.store).
    sig = signature(SAMPLE)
    assert sig[:16].hex() == "2033e09ac2083c004760eb3c9cee4c08"
    assert band_keys(sig)[:2] == [5906511560732847012, -7388093008171973482]


def test_signature_is_the_same_in_another_process():
    # Python's str hash differs per process (PYTHONHASHSEED); stored signatures must not.
    code = f"from pipeline.ingest.dedupe import signature; print(signature({SAMPLE!r}).hex())"
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={"PYTHONHASHSEED": "12345"}
    )
    assert other.stdout.strip() == signature(SAMPLE).hex()


def test_band_keys_one_per_band_none_for_an_empty_text():
    keys = band_keys(signature(SEEDS["000"]))
    assert len(keys) == len(set(keys)) == BANDS
    assert all(-(2**63) <= key < 2**63 for key in keys)  # an SQLite INTEGER
    assert band_keys(signature("。。 ,")) == []


def test_punctuation_and_spacing_do_not_matter():
    a = "苏州“五社联动”赋能善治之城,社区慈善基金引导5200万元资金下沉基层。"
    b = "苏州 五社联动 赋能善治之城\n社区慈善基金引导5200万元资金下沉基层"
    assert similarity(signature(a), signature(b)) == 1.0


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_repost_found_and_other_seeds_not(name):
    index = NearDuplicateIndex()
    for other, text in SEEDS.items():
        index.add(other, signature(text))
    assert len(index) == len(SEEDS)
    assert index.query(signature(repost(SEEDS[name]))) == [name]


def test_different_reports_on_the_same_subject_are_not_duplicates():
    a = (
        "幸福社区以“三社联动”为抓手,建立社区议事会,每月召开一次议事会议,全年共收集居民意见建议320条,"
        "解决率达到95%。社区还依托孵化基地培育社区社会组织26家,引入专业社工机构2家。"
    )
    b = (
        "和平社区推进“三社联动”,依托社区社会组织孵化基地培育志愿服务队伍12支,注册志愿者达到1800人,"
        "开展为老服务、青少年服务等项目15个,服务居民8000余人次。"
    )
    index = NearDuplicateIndex()
    index.add("a", signature(a))
    assert index.query(signature(b)) == []
    assert similarity(signature(a), signature(b)) < 0.2


def test_index_rebuilt_from_stored_bytes_answers_the_same():
    stored = {name: bytes(signature(text)) for name, text in SEEDS.items()}
    rebuilt = NearDuplicateIndex()
    for name, sig in stored.items():
        rebuilt.add(name, sig)
    assert rebuilt.query(stored["001"]) == ["001"]


def test_re_adding_an_id_replaces_it():
    index = NearDuplicateIndex()
    index.add("x", signature(SEEDS["000"]))
    index.add("x", signature(SEEDS["001"]))
    assert len(index) == 1
    assert index.query(signature(SEEDS["000"])) == []
    assert index.query(signature(SEEDS["001"])) == ["x"]


def test_empty_text_matches_nothing():
    index = NearDuplicateIndex()
    index.add("empty", signature(""))
    assert index.query(signature("")) == []
    assert index.query(signature("。。 ,")) == []


def test_bad_signature_rejected():
    with pytest.raises(ValueError):
        NearDuplicateIndex().add("x", b"\x00" * 10)
