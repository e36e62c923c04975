"""Practice clusters across cities: similar measures grouped, labelled and cross-tabulated.

Measures are vectorized with TF-IDF over segmenter tokens (reduced with
TruncatedSVD when the vocabulary is large) and L2-normalized, so k-means on
them approximates cosine clustering.  The number of clusters is the best
silhouette over a small range of k, measured on a sample when n is large.
Each cluster is labelled with its class-based TF-IDF top terms (c-TF-IDF,
as in BERTopic) and its dominant theme.  The same input and
``random_state`` give the same clusters.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .themes import content_tokens

_HAN = re.compile(r"[\u4e00-\u9fff]")
UNKNOWN_CITY = "未知"
UNLABELLED = "未分类"
LARGE_N = 5_000  # above this: MiniBatchKMeans, k chosen on a sample
SAMPLE_FIT = 10_000  # items used to choose k when n is large
SAMPLE_SILHOUETTE = 3_000  # items the silhouette is computed on
SVD_MIN_VOCAB = 300  # reduce dimensions only when the vocabulary is larger than this
SVD_DIMS = 100
LABEL_TERMS = 3
MIN_DOCS_FOR_SHARED = 3


@dataclass
class ClusterInput:
    measure_id: int | str
    doc_id: str
    city: str | None
    heading: str
    text: str
    themes: list[str] = field(default_factory=list)


@dataclass
class ClusterMember:
    measure_id: int | str
    doc_id: str
    city: str | None
    heading: str


@dataclass
class Cluster:
    cluster_id: int
    label: str  # "dominant theme: top terms"
    theme: str | None  # most frequent first theme of the members
    terms: list[str]  # c-TF-IDF top terms, best first
    members: list[ClusterMember]

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass
class ClusterResult:
    clusters: list[Cluster]
    assignments: list[int]  # cluster_id of each input item, in input order
    k: int
    method: str  # kmeans | minibatch-kmeans | single
    silhouette: float | None
    items: list[ClusterInput] = field(repr=False, default_factory=list)

    def members_frame(self):
        """One row per measure: its cluster (id, label, theme) and its source (doc, city, heading)."""
        import pandas as pd

        rows = [
            {
                "cluster_id": c.cluster_id,
                "cluster_label": c.label,
                "cluster_theme": c.theme,
                "measure_id": m.measure_id,
                "doc_id": m.doc_id,
                "city": m.city,
                "heading": m.heading,
            }
            for c in self.clusters
            for m in c.members
        ]
        return pd.DataFrame(
            rows, columns=["cluster_id", "cluster_label", "cluster_theme", "measure_id", "doc_id", "city", "heading"]
        )

    def city_cluster_matrix(self):
        """Counts of measures per city (rows) and cluster id (columns), as a pandas DataFrame."""
        return _crosstab([_city(i) for i in self.items], self.assignments, "city", "cluster")

    def city_theme_matrix(self):
        """Counts of measures per city and first theme: each measure counted once."""
        themes = [i.themes[0] if i.themes else UNLABELLED for i in self.items]
        return _crosstab([_city(i) for i in self.items], themes, "city", "theme")


def write_clusters_csv(result: ClusterResult, path) -> Path:
    """Write :meth:`ClusterResult.members_frame` as CSV (UTF-8 with BOM, so Excel shows the Chinese)."""
    from .fileio import atomic_path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        result.members_frame().to_csv(tmp, index=False, encoding="utf-8-sig")
    return path


def _city(item: ClusterInput) -> str:
    return item.city or UNKNOWN_CITY


def _crosstab(rows: list, cols: list, row_name: str, col_name: str):
    import pandas as pd

    return pd.crosstab(pd.Series(rows, name=row_name), pd.Series(cols, name=col_name))


def cluster_measures(
    items: Sequence[ClusterInput],
    *,
    k: int | None = None,
    random_state: int = 0,
    segmenter: str = "jieba",
    k_range: Sequence[int] | None = None,
) -> ClusterResult:
    """Group measures into practice clusters.

    Args:
        items: the measures, with city and themes when known.
        k: number of clusters; chosen by silhouette when None.
        random_state: seed of every randomized step.
        segmenter: "jieba" or "rjieba" (much faster on large inputs).
        k_range: candidate k values when ``k`` is None (default: a small range scaled to n).
    """
    items = list(items)
    n = len(items)
    if n == 0:
        return ClusterResult([], [], 0, "single", None, items)
    docs = [content_tokens(f"{i.heading}\n{i.text}", segmenter) for i in items]
    vectors, counts, vocab = _vectorize(docs, [i.doc_id for i in items], random_state)
    if n < 3 or vectors.shape[1] == 0:
        labels, used_k, method, sil = np.zeros(n, dtype=int), 1, "single", None
    else:
        labels, used_k, method, sil = _kmeans(vectors, k, k_range, random_state)
    labels = _by_size(labels)
    terms = _ctfidf_terms(counts, labels, vocab)
    clusters = []
    for cid in range(labels.max() + 1):
        idx = np.flatnonzero(labels == cid)
        firsts = Counter(items[i].themes[0] for i in idx if items[i].themes)
        theme = min(firsts.items(), key=lambda kv: (-kv[1], kv[0]))[0] if firsts else None
        label = "、".join(terms[cid]) or UNLABELLED
        members = [ClusterMember(items[i].measure_id, items[i].doc_id, items[i].city, items[i].heading) for i in idx]
        clusters.append(Cluster(cid, f"{theme}: {label}" if theme else label, theme, terms[cid], members))
    return ClusterResult(clusters, labels.tolist(), used_k, method, sil, items)


def _vectorize(docs: list[list[str]], doc_ids: list[str], random_state: int):
    """TF-IDF vectors (SVD-reduced when the vocabulary is large), token counts and the vocabulary."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
    from sklearn.preprocessing import normalize

    counter = CountVectorizer(analyzer=_identity, min_df=2 if len(docs) >= 1000 else 1)
    try:
        counts = counter.fit_transform(docs)
    except ValueError:  # no tokens at all
        from scipy.sparse import csr_matrix

        return np.zeros((len(docs), 0)), csr_matrix((len(docs), 0)), np.array([], dtype=object)
    vocab = counter.get_feature_names_out()
    counts, vocab = _shared_terms(counts, vocab, doc_ids)
    if counts.shape[1] == 0:  # no term shared across documents: nothing to group by
        return np.zeros((len(docs), 0)), counts, vocab
    vectors = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
    dims = min(SVD_DIMS, vectors.shape[1] - 1, len(docs) - 1)
    if vectors.shape[1] > SVD_MIN_VOCAB and dims >= 2:
        vectors = normalize(TruncatedSVD(dims, random_state=random_state).fit_transform(vectors))
    return vectors, counts, vocab


def _shared_terms(counts, vocab: np.ndarray, doc_ids: list[str]):
    """Keep terms used in at least two source documents (when there are several).

    Words found in a single report (its place and people names, its own
    slogans) would otherwise pull each report's measures into one cluster,
    hiding the practices that cities share.
    """
    from scipy.sparse import csr_matrix

    ids = {d: i for i, d in enumerate(dict.fromkeys(doc_ids))}
    if len(ids) < MIN_DOCS_FOR_SHARED:
        return counts, vocab
    rows = np.array([ids[d] for d in doc_ids])
    by_doc = csr_matrix((np.ones(len(rows)), (rows, np.arange(len(rows)))), shape=(len(ids), len(rows)))
    docs_per_term = np.asarray(((by_doc @ (counts > 0)) > 0).sum(axis=0)).ravel()
    keep = np.flatnonzero(docs_per_term > 1)
    return counts[:, keep], vocab[keep]


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _kmeans(vectors, k: int | None, k_range: Sequence[int] | None, random_state: int):
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.metrics import silhouette_score

    n = vectors.shape[0]
    large = n > LARGE_N

    def model(kk: int):
        if large:
            return MiniBatchKMeans(kk, random_state=random_state, n_init=1, batch_size=4096)
        return KMeans(kk, random_state=random_state, n_init=4)

    method = "minibatch-kmeans" if large else "kmeans"
    rng = np.random.default_rng(random_state)
    if k is not None:
        k = max(1, min(k, n))
        labels = model(k).fit_predict(vectors) if k > 1 else np.zeros(n, dtype=int)
        return labels, k, method, None
    fit_idx = np.sort(rng.choice(n, SAMPLE_FIT, replace=False)) if n > SAMPLE_FIT else np.arange(n)
    sample = vectors[fit_idx]
    sil_idx = (
        np.sort(rng.choice(len(fit_idx), SAMPLE_SILHOUETTE, replace=False))
        if len(fit_idx) > SAMPLE_SILHOUETTE
        else np.arange(len(fit_idx))
    )
    candidates = [c for c in (k_range or _default_k_range(n)) if 2 <= c < len(fit_idx)]
    best = (-2.0, 1, None)
    for cand in candidates:
        labels = model(cand).fit_predict(sample)
        if len(set(labels[sil_idx])) < 2:
            continue
        score = silhouette_score(sample[sil_idx], labels[sil_idx], metric="cosine")
        if score > best[0] + 1e-9:
            best = (score, cand, labels)
    score, best_k, labels = best
    if labels is None:
        return np.zeros(n, dtype=int), 1, "single", None
    if len(fit_idx) < n:
        labels = model(best_k).fit_predict(vectors)
    return labels, best_k, method, round(float(score), 4)


def _default_k_range(n: int) -> list[int]:
    """A few k values around sqrt(n/2) (a common rule of thumb), capped at 60 for readability."""
    centre = min(30, max(2, int(round((n / 2) ** 0.5))))
    top = max(3, 2 * centre)
    low = max(2, centre // 2)
    step = max(1, (top - low) // 6)
    return list(range(low, top + 1, step))


def _by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters by size (largest = 0), ties by first appearance, so ids read the same every run."""
    order = {}
    for lab in labels:
        order.setdefault(int(lab), len(order))
    sizes = Counter(int(lab) for lab in labels)
    ranked = sorted(sizes, key=lambda lab: (-sizes[lab], order[lab]))
    remap = {lab: i for i, lab in enumerate(ranked)}
    return np.array([remap[int(lab)] for lab in labels], dtype=int)


def _ctfidf_terms(counts, labels: np.ndarray, vocab: np.ndarray) -> list[list[str]]:
    """Top terms per cluster by class-based TF-IDF (BERTopic):

    W(t, c) = tf(t, c) * log(1 + A / f(t)), with tf the term's count in the
    cluster, A the average number of words per cluster and f(t) the term's
    count across all clusters. Written here because scikit-learn has no
    class-based variant and BERTopic would bring a deep-learning stack.
    """
    from scipy.sparse import csr_matrix

    n_clusters = int(labels.max()) + 1
    if counts.shape[1] == 0:
        return [[] for _ in range(n_clusters)]
    membership = csr_matrix((np.ones(len(labels)), (labels, np.arange(len(labels)))), shape=(n_clusters, len(labels)))
    tf = np.asarray((membership @ counts).todense(), dtype=float)
    avg_words = tf.sum() / n_clusters
    freq = tf.sum(axis=0)
    weights = tf * np.log1p(avg_words / np.maximum(freq, 1))
    out = []
    for row in weights:
        top = [j for j in np.argsort(-row, kind="stable") if row[j] > 0 and _readable(vocab[j])]
        out.append([str(vocab[j]) for j in top[:LABEL_TERMS]])
    return out


def _readable(term: str) -> bool:
    # Single characters (化, 微) are segmentation leftovers and Latin tokens are
    # mostly page furniture; neither makes a readable Chinese label.
    return len(term) > 1 and bool(_HAN.search(term))


def cluster_scores(result: ClusterResult, gold_themes: dict) -> dict:
    """NMI and ARI of the cluster assignments against each gold measure's first theme.

    Args:
        gold_themes: measure_id -> first theme (or the list of gold themes).
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    pairs = []
    for item, cid in zip(result.items, result.assignments, strict=False):
        gold = gold_themes.get(item.measure_id)
        if gold:
            pairs.append((cid, gold if isinstance(gold, str) else gold[0]))
    if not pairs:
        return {"nmi": None, "ari": None, "measures": 0}
    predicted, truth = zip(*pairs, strict=False)
    return {
        "nmi": round(float(normalized_mutual_info_score(truth, predicted)), 4),
        "ari": round(float(adjusted_rand_score(truth, predicted)), 4),
        "measures": len(pairs),
        "clusters": len(set(predicted)),
        "themes": len(set(truth)),
    }
