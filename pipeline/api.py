"""The library API: everything the ``govcase`` command does, importable.

>>> from pipeline import api
>>> summary = api.ingest(["corpus/"], db="outputs/govcase.db")
>>> report = api.evaluate("outputs/govcase.db", "corpus/gold")
>>> print(report.render_table())
"""

from __future__ import annotations

import gc
import multiprocessing
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .fileio import PathLike
from .records import Document, Extraction, IngestError
from .segment import DEFAULT_SEGMENTER
from .store import DEFAULT_DB, DocumentRows, Store

if TYPE_CHECKING:
    from .cluster import ClusterResult
    from .evaluate import EvaluationReport
    from .profile import CaseProfile
    from .vocabulary import VocabularyError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_URL_TIMEOUT_S = 15.0


@dataclass
class IngestSummary:
    ingested: int = 0
    duplicates: int = 0  # exact or near copies stored as aliases of a canonical document
    unchanged: int = 0  # sources already stored with the same bytes (skipped)
    errors: list[IngestError] = field(default_factory=list)
    doc_ids: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> int:
        return len(self.errors)


def open_store(db: PathLike | Store = DEFAULT_DB, *, readonly: bool = False) -> Store:
    """The store behind ``db``: an open store as is, a ``postgresql://`` URL on its server, else a SQLite file."""
    from .pgstore import PgStore, is_url

    if isinstance(db, Store | PgStore):
        return db
    if isinstance(db, str) and is_url(db):
        # PgStore keeps Store's interface (tests/test_pgstore makes the same calls on both);
        # typed as Store until that interface is a Protocol of its own.
        return cast(Store, PgStore(db, readonly=readonly))
    return Store(db, readonly=readonly)


# -- ingest -------------------------------------------------------------------------
_worker_state: dict[str, Any] = {}


@dataclass(frozen=True)
class WorkerOptions:
    segmenter: str = DEFAULT_SEGMENTER
    max_bytes: int = DEFAULT_MAX_BYTES
    label_themes: bool = True
    url_timeout: float = DEFAULT_URL_TIMEOUT_S


def _init_worker(options: WorkerOptions) -> None:
    from .segment import get_segmenter

    # Loaded once per process, whatever the start method (a forked worker finds them loaded).
    get_segmenter(options.segmenter)
    _worker_state.clear()
    _worker_state["options"] = options
    if options.label_themes:
        from .themes import load_default_model

        _worker_state["theme_model"] = load_default_model()


def warm_up(options: WorkerOptions) -> None:
    """Load once in this process what every document needs: the segmenter's dictionary,
    the theme model, and the extraction rules and data files.

    The rules load on first use, so one shipped report is analysed here (one only:
    researchers add their own reports to that folder, and start-up must not grow
    with it). Workers forked afterwards share all of it instead of each loading it again.
    """
    from .numbers import cn2an_smart
    from .resources import reports_dir

    _init_worker(options)
    first = min(reports_dir().glob("*.txt"), default=None)
    if first is not None:
        _process_source(str(first))
    # cn2an loads on the first Chinese numeral the report may lack (~0.15 s, which each worker
    # paid again: 3 % of a --jobs 2 run over 3,000 short stories).
    cn2an_smart("一百二十")


def _process_source(source: str) -> DocumentRows | IngestError:
    """Worker: one source → its rows to store (store.DocumentRows), or IngestError for a user's bad input."""
    from .analyze import analyze_document, document_from_raw
    from .ingest.dedupe import signature
    from .ingest.read import ReadError, fetch_url, read_path
    from .store import document_rows

    options: WorkerOptions = _worker_state["options"]
    try:
        if source.startswith(("http://", "https://")):
            raw = fetch_url(source, timeout=options.url_timeout, max_bytes=options.max_bytes)
        else:
            raw = read_path(source, max_bytes=options.max_bytes)
        document = document_from_raw(raw)
        if not document.text.strip():
            return IngestError(source, "规范化后没有正文内容")
        analysis = analyze_document(
            document,
            segmenter=options.segmenter,
            theme_model=_worker_state.get("theme_model"),
            label_themes=options.label_themes,
        )
        return document_rows(
            document,
            analysis.structure,
            analysis.extraction,
            minhash=signature(document.text),
            index_text=analysis.index_text,
            measure_index=analysis.measure_index,
        )
    except ReadError as exc:
        return IngestError(source, exc.reason)
    except MemoryError:
        return IngestError(source, "内存不足,无法处理该文件")
    except Exception as exc:  # a bug on one document must not end the batch or lose the others
        return IngestError(source, f"处理失败(程序错误 {type(exc).__name__}: {exc}),已跳过该文件")


def _raw_hash(source: str) -> str | None:
    if source.startswith(("http://", "https://")):
        return None
    import hashlib

    digest = hashlib.sha256()
    try:
        with open(source, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None  # the worker reports the reason
    return digest.hexdigest()


def _sources(paths: Iterable[PathLike], errors: list[IngestError]) -> Iterator[str]:
    from .ingest.read import iter_sources

    for path in paths:
        text = str(path)
        if not text.startswith(("http://", "https://")) and not Path(text).exists():
            errors.append(IngestError(text, "路径不存在"))
            continue
        for source in iter_sources([path]):
            yield str(source)


def ingest(
    paths: Iterable[PathLike],
    *,
    db: PathLike | Store = DEFAULT_DB,
    jobs: int = 1,
    segmenter: str = DEFAULT_SEGMENTER,
    max_bytes: int = DEFAULT_MAX_BYTES,
    label_themes: bool = True,
    url_timeout: float = DEFAULT_URL_TIMEOUT_S,
    on_progress: Callable[[str, str], None] | None = None,
    on_error: Callable[[IngestError], None] | None = None,
    engine: str = "local",
    scheduler: str | None = None,
) -> IngestSummary:
    """Read, normalize, deduplicate, structure and extract files, directories and URLs.

    Documents are stored in transactions of up to BATCH_DOCS documents, so a
    killed run leaves every document complete or absent. Sources already
    stored with identical bytes are skipped, so a re-run (or a resumed,
    killed run) only does the new work. Bad inputs become ``IngestError`` rows and the
    batch goes on.

    Args:
        engine: "local" (this process, or ``jobs`` worker processes) or "dask" (a Dask
            cluster: the one at ``scheduler``, else a LocalCluster of ``jobs`` workers;
            see pipeline.dask_engine).
        on_progress: called with (source, outcome) per source, outcome one of
            ingested | duplicate | unchanged | error.
        on_error: called with each error as it happens.
    """
    started = time.perf_counter()
    store = open_store(db)
    summary = IngestSummary()

    def report(source: str, outcome: str) -> None:
        if on_progress:
            on_progress(source, outcome)

    def fail(err: IngestError) -> None:
        summary.errors.append(err)
        store.record_error(err.path, err.reason)
        if on_error:
            on_error(err)
        report(err.path, "error")

    early_errors: list[IngestError] = []
    todo: list[str] = []
    for source in _sources(paths, early_errors):
        row = store.doc_for_alias(source)
        if row is not None and row["raw_hash"] == _raw_hash(source):
            summary.unchanged += 1
            report(source, "unchanged")
            continue
        todo.append(source)
    for err in early_errors:
        fail(err)
    if todo:
        options = WorkerOptions(segmenter, max_bytes, label_themes, url_timeout)
        if engine == "dask":
            from .dask_engine import map_sources

            results = map_sources(todo, options, scheduler=scheduler, workers=jobs)
        elif engine == "local":
            results = _map(todo, jobs, options)
        else:
            raise ValueError(f"unknown engine {engine!r}")
        _store_results(store, results, summary, report, fail)
    summary.seconds = time.perf_counter() - started
    return summary


# Documents per transaction: a commit per document costs as much as storing
# it, and on a large store each commit writes every index page its documents
# touched (their ids are random), so larger batches share more pages: on a
# 10,000-document store 256 cost a quarter less per document than 64. A killed
# run loses at most the open batch (at most BATCH_SECONDS of work), whose
# sources are then not stored under their alias and are done again by the next run.
BATCH_DOCS = 256
BATCH_SECONDS = 2.0


def _store_results(
    store: Store,
    results: Iterable[tuple[str, DocumentRows | IngestError]],
    summary: IngestSummary,
    report: Callable[[str, str], None],
    fail: Callable[[IngestError], None],
) -> None:
    results = iter(results)
    while True:
        # Collect a batch first (reading and analysis happen here), so the write
        # lock is held only while storing, never while a slow URL or file is read.
        batch = []
        started = time.perf_counter()
        for item in results:
            batch.append(item)
            if len(batch) >= BATCH_DOCS or time.perf_counter() - started >= BATCH_SECONDS:
                break
        if not batch:
            return
        with store.transaction():
            for source, result in batch:
                _store_one(store, source, result, summary, report, fail)


def _store_one(
    store: Store,
    source: str,
    result: DocumentRows | IngestError,
    summary: IngestSummary,
    report: Callable[[str, str], None],
    fail: Callable[[IngestError], None],
) -> None:
    """The only per-document work of the process holding the store: a duplicate lookup, then inserts."""
    if isinstance(result, IngestError):
        fail(result)
        return
    canonical = store.doc_id_for_hash(result.content_hash)
    if canonical is None and result.minhash is not None:  # no minhash: no band keys, no near copy
        matches = store.near_duplicates(result.minhash, result.band_keys)
        canonical = matches[0] if matches else None
    if canonical is not None:
        store.add_alias(canonical, source, result.raw_hash)
        summary.duplicates += 1
        report(source, "duplicate")
        return
    if store.put_rows(result) is False:  # a server database: another writer stored it first
        summary.duplicates += 1
        report(source, "duplicate")
        return
    summary.ingested += 1
    summary.doc_ids.append(result.doc_id)
    report(source, "ingested")


def _map(sources: list[str], jobs: int, options: WorkerOptions) -> Iterator[tuple[str, DocumentRows | IngestError]]:
    """(source, result) in input order, in this process or a pool of workers."""
    if jobs <= 1 or len(sources) <= 1:
        _init_worker(options)
        for source in sources:
            yield source, _process_source(source)
        return
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    if method == "fork":
        warm_up(options)  # once, here, rather than once per worker
        # What warm_up loaded (dictionaries, gazetteer, models: millions of objects) lives as long
        # as the run: frozen, no collection in this process or a worker walks it again, and a
        # worker's collections no longer write to (and so copy) the pages it shares with this one.
        gc.freeze()
    context = multiprocessing.get_context(method)
    try:
        with context.Pool(jobs, initializer=_init_worker, initargs=(options,)) as pool:
            # imap keeps memory flat: results stream back in order, a chunk at a time.
            chunk = task_size(len(sources), jobs, CHUNK_DOCS)
            yield from zip(sources, pool.imap(_process_source, sources, chunksize=chunk), strict=False)
    finally:
        gc.unfreeze()  # a library caller's process collects its own objects again after the run


# Sources per task sent to a worker, at most: each task is a message each way and a wake-up
# of the pool's threads beside the storing (8 a task cost 0.3 s more CPU than 32 on 3,000
# short stories, 3 % of the run; docs/CHANGELOG.md).
CHUNK_DOCS = 32


def task_size(sources: int, workers: int, largest: int) -> int:
    """Sources per task: ``largest``, or fewer so that a small batch still makes four tasks
    per worker and every worker stays busy to its end."""
    return max(1, min(largest, sources // (4 * max(1, workers))))


# -- re-extraction, reading back --------------------------------------------------------
def extract_stored(
    db: PathLike | Store = DEFAULT_DB, *, segmenter: str = DEFAULT_SEGMENTER, doc_ids: list[str] | None = None
) -> int:
    """Re-run structure and extraction over stored documents (after a rule change)."""
    from .analyze import analyze_document
    from .themes import load_default_model

    store = open_store(db)
    model = load_default_model()
    count = 0
    for doc_id in doc_ids or store.doc_ids():
        analysis = analyze_document(store.get_document(doc_id), segmenter=segmenter, theme_model=model)
        store.replace_extraction(doc_id, analysis.structure, analysis.extraction, analysis.measure_index)
        count += 1
    return count


def stored_documents(db: PathLike | Store = DEFAULT_DB) -> Iterator[tuple[Document, Extraction]]:
    store = open_store(db)
    for doc_id in store.doc_ids():
        yield store.get_document(doc_id), store.get_extraction(doc_id)


def stored_with_profiles(db: PathLike | Store = DEFAULT_DB) -> Iterator[tuple[Document, Extraction, CaseProfile]]:
    """Each stored document with its extraction and its case profile."""
    from .profile import case_profile

    store = open_store(db)
    for doc, extraction in stored_documents(store):
        yield doc, extraction, case_profile(doc, store.get_structure(doc.doc_id), extraction)


def check_data(directory: PathLike | None = None) -> list[VocabularyError]:
    """Every mistake in the word lists and tables of ``directory`` (default: the data directory
    the pipeline reads), each naming its file and line; empty when all are fine."""
    from .vocabulary import check_all

    return check_all(Path(directory) if directory else None)


def export(db: PathLike | Store, out_dir: PathLike, *, fmt: str = "json") -> list[Path]:
    """One JSON file per document in the gold schema (corpus/gold/SCHEMA.md), with its case profile;
    or with ``fmt="parquet"`` one Parquet file per record table (pipeline.parquet)."""
    if fmt == "parquet":
        from .parquet import write_parquet

        return write_parquet(open_store(db, readonly=True), out_dir)
    from .export import write_export

    return write_export(stored_with_profiles(db), out_dir)


def evaluate(db: PathLike | Store, gold_dir: PathLike, *, themes_lodo: bool = True) -> EvaluationReport:
    """Score stored extractions against gold files (see SCHEMA.md, Scoring).

    With ``themes_lodo`` each gold document's measures are re-labelled by a
    theme model trained without that document (leave-one-document-out), so
    no document's own labels help predict it.
    """
    from .evaluate import load_gold_dir, score_documents
    from .export import to_gold_schema

    store = open_store(db)
    with_profiles = {doc.stem: (doc, ext, profile) for doc, ext, profile in stored_with_profiles(store)}
    stored = {stem: (doc, ext) for stem, (doc, ext, _) in with_profiles.items()}
    predicted = {stem: to_gold_schema(*item) for stem, item in with_profiles.items()}
    if themes_lodo:
        _relabel_themes_held_out(stored, gold_dir, predicted)
    gold = load_gold_dir(gold_dir)
    report = score_documents(predicted, gold)
    report.clusters = _cluster_agreement(store, {doc.doc_id: stem for stem, (doc, _) in stored.items()}, gold)
    return report


def _cluster_agreement(store: Store, stems: dict[str, str], gold: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """NMI/ARI of practice clusters against the first gold theme of the matching gold measure.

    Uses the stored clusters (``govcase cluster``/``run``); without them the
    stored measures are clustered in memory, and nothing is written.
    """
    from .cluster import ClusterInput, cluster_measures, cluster_scores
    from .evaluate import headings_match

    rows = store.measures_for_clustering()
    items = [ClusterInput(r.measure_id, r.doc_id, r.city, r.heading, r.text) for r in rows]
    if not items:
        return {"nmi": None, "ari": None, "measures": 0}
    stored_ids = [r.cluster_id for r in rows if r.cluster_id is not None]
    if len(stored_ids) == len(rows):
        from .cluster import ClusterResult

        result = ClusterResult(clusters=[], assignments=stored_ids, k=0, method="stored", silhouette=None, items=items)
    else:
        result = cluster_measures(items)
    gold_first: dict[int | str, str] = {}
    for stem_doc_id, stem in stems.items():
        open_gold = [m for m in gold.get(stem, {}).get("measures", []) if m.get("themes")]
        for item in (i for i in items if i.doc_id == stem_doc_id):
            match = next((g for g in open_gold if headings_match(g.get("heading"), item.heading)), None)
            if match is not None:
                open_gold.remove(match)
                gold_first[item.measure_id] = match["themes"][0]
    return cluster_scores(result, gold_first)


def _relabel_themes_held_out(
    stored: dict[str, tuple[Document, Extraction]], gold_dir: PathLike, predicted: dict[str, dict[str, Any]]
) -> None:
    from .themes import label_measures
    from .themes_train import held_out_models

    texts = {stem: doc.text for stem, (doc, _) in stored.items()}
    for stem, model in held_out_models(Path(gold_dir), texts):
        measures = stored[stem][1].measures
        label_measures(measures, model=model)
        for row, measure in zip(predicted[stem]["measures"], measures, strict=False):
            row["themes"] = list(measure.themes)


def show(db: PathLike | Store, ref: str) -> dict[str, Any]:
    """A document's metadata, structure and records, for display."""
    from .export import to_gold_schema
    from .store import StoreError

    store = open_store(db)
    doc_id = store.resolve(ref)
    if doc_id is None:
        raise StoreError(f"找不到文档: {ref}")
    doc = store.get_document(doc_id)
    extraction = store.get_extraction(doc_id)
    return {
        "document": doc,
        "structure": store.get_structure(doc_id),
        "extraction": extraction,
        "gold_schema": to_gold_schema(doc, extraction),
    }


# -- clusters and the main job ---------------------------------------------------------
def cluster(
    db: PathLike | Store = DEFAULT_DB,
    *,
    out_file: PathLike | None = None,
    segmenter: str = DEFAULT_SEGMENTER,
    all_documents: bool = False,
) -> ClusterResult:
    """Cluster the stored titled measures of governance cases (of every document with ``all_documents``)
    across documents; store the clusters and write a CSV.

    Practice passages (no heading of their own) are left out: a cluster lists named practices.
    """
    from .cluster import ClusterInput, cluster_measures, write_clusters_csv

    store = open_store(db)
    items = [
        ClusterInput(
            measure_id=r.measure_id,
            doc_id=r.doc_id,
            city=r.city or r.province or "未知",
            heading=r.heading,
            text=r.text,
            themes=r.themes,
        )
        for r in store.measures_for_clustering(cases_only=not all_documents)
    ]
    result = cluster_measures(items, segmenter=segmenter)
    store.put_clusters(result)
    if out_file is not None:
        write_clusters_csv(result, out_file)
    return result


@dataclass
class RunResult:
    documents: int
    measures: int
    clusters: int
    outputs: list[Path]

    def summary_lines(self) -> list[str]:
        lines = [f"库中共 {self.documents} 篇文档、{self.measures} 条做法,{self.clusters} 个实践聚类。", "输出文件:"]
        lines += [f"  {p}" for p in self.outputs]
        return lines


def finish_run(db: PathLike | Store, out_dir: PathLike, *, segmenter: str = DEFAULT_SEGMENTER) -> RunResult:
    """After ingest: clusters, comparison tables, charts and the gold-schema export."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    store = open_store(db)
    outputs: list[Path] = []
    result = cluster(store, out_file=out / "clusters.csv", segmenter=segmenter)
    outputs.append(out / "clusters.csv")
    outputs += write_comparison_outputs(store, out)
    export(store, out / "export")
    outputs.append(out / "export")
    return RunResult(store.count("documents"), store.count("measures"), len(result.clusters), outputs)


def write_comparison_outputs(store: Store, out: Path) -> list[Path]:
    """The case comparison (xlsx, md), the theme heatmap and one bar chart per indicator across cases."""
    from .charts import heatmap, indicator_panels
    from .compare import compare, write_markdown, write_xlsx

    comparison = compare(store, by="case")
    paths = [out / "compare.xlsx", out / "compare.md", out / "heatmap.png", out / "heatmap.svg"]
    write_xlsx(comparison, paths[0])
    write_markdown(comparison, paths[1])
    heatmap(comparison, paths[2], paths[3])
    if comparison.indicator_headers:
        paths += indicator_panels(comparison, out / "indicators.png", out / "indicators.svg")
    return paths
