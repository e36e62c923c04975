"""The ``govcase`` command: a thin Click layer over :mod:`pipeline.api`.

Each command parses its options, calls one library function and renders the
result. Errors a user can act on are printed as one Chinese line, never a
traceback.
"""

from __future__ import annotations

import json
import sys

import click

from . import __version__
from .records import MeasureKind
from .segment import DEFAULT_SEGMENTER
from .store import DEFAULT_DB, StoreError

DB_OPTION = click.option(
    "--db",
    type=click.Path(dir_okay=False),
    default=str(DEFAULT_DB),
    show_default=True,
    help="Case database: a SQLite file, or a PostgreSQL server as postgresql://user@host/dbname.",
)
SEGMENTER_OPTION = click.option(
    "--segmenter",
    type=click.Choice(["jieba", "rjieba"]),
    default=DEFAULT_SEGMENTER,
    show_default=True,
    help="Word segmenter (same dictionary; rjieba is much faster).",
)


ALL_OPTION = click.option(
    "--all",
    "all_documents",
    is_flag=True,
    help="Also documents labelled 相关报道 or 无关 (by default only 治理案例 count).",
)


def fail(message: str, code: int = 2) -> None:
    click.echo(f"错误: {message}", err=True)
    sys.exit(code)


class GovcaseGroup(click.Group):
    """Turns the errors a user can act on into one line on stderr."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except StoreError as exc:
            fail(str(exc))
        except FileNotFoundError as exc:
            fail(f"文件不存在: {exc.filename or exc}")


@click.group(cls=GovcaseGroup)
@click.version_option(__version__, prog_name="govcase")
def main() -> None:
    """govcase: 基层治理案例文本挖掘 — turn Chinese community-governance case
    reports into a comparable case database.

    \b
    Typical use:
      govcase run corpus/reports         # ingest, extract, cluster, write outputs/
      govcase ingest new_articles/ https://example.org/case.html
      govcase search 养老 --theme 精准服务供给
      govcase evaluate --gold corpus/gold
    """


def _ingest_with_progress(
    paths, db, jobs, segmenter, max_mb, timeout=15.0, quiet=False, engine="local", scheduler=None
):
    from tqdm import tqdm

    from . import api

    bar = tqdm(desc="导入", unit="篇", disable=quiet or not sys.stderr.isatty(), file=sys.stderr)

    def on_error(err):
        tqdm.write(f"错误: {err.path}: {err.reason}", file=sys.stderr)

    summary = api.ingest(
        paths,
        db=db,
        jobs=jobs,
        segmenter=segmenter,
        max_bytes=int(max_mb * 1024 * 1024),
        url_timeout=timeout,
        on_progress=lambda source, outcome: bar.update(1),
        on_error=on_error,
        engine=engine,
        scheduler=scheduler,
    )
    bar.close()
    click.echo(
        f"导入 {summary.ingested} 篇,重复 {summary.duplicates} 篇,未变化 {summary.unchanged} 篇,"
        f"出错 {summary.failed} 个({summary.seconds:.1f} 秒)"
    )
    return summary


@main.command()
@click.argument("paths", nargs=-1, required=True)
@DB_OPTION
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@SEGMENTER_OPTION
@click.option(
    "--max-mb", type=click.FloatRange(0.001), default=20.0, show_default=True, help="Largest file accepted, in MB."
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.1),
    default=15.0,
    show_default=True,
    help="Seconds to wait for a URL before giving up on it.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="Where documents are analysed: here (--jobs processes) or on a Dask cluster.",
)
@click.option(
    "--scheduler",
    metavar="tcp://HOST:8786",
    help="Dask scheduler to use with --engine dask; without it a LocalCluster of --jobs workers is started.",
)
def ingest(paths, db, jobs, segmenter, max_mb, timeout, engine, scheduler):
    """Ingest files, directories (recursive) and http(s) URLs.

    Reads txt/md/html/docx/pdf in any encoding, converts Traditional to
    Simplified, strips web boilerplate, skips reposted copies, then
    structures and extracts each document into the store. Exit status 1
    when any input failed (each failure is one line on stderr).

    \b
    Examples:
      govcase ingest corpus/reports
      govcase ingest a.html b.docx --db cases.db --jobs 2
      govcase ingest archive/ --engine dask --scheduler tcp://10.0.0.5:8786 --db postgresql://govcase@dbhost/cases
    """
    if scheduler and engine != "dask":
        fail("--scheduler 只能与 --engine dask 一起使用")
    summary = _ingest_with_progress(paths, db, jobs, segmenter, max_mb, timeout, engine=engine, scheduler=scheduler)
    sys.exit(1 if summary.failed else 0)


@main.command()
@click.argument("corpus", default="corpus/reports", type=click.Path(exists=True))
@DB_OPTION
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default="outputs",
    show_default=True,
    help="Directory for tables, charts and exports.",
)
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True)
@SEGMENTER_OPTION
def run(corpus, db, out_dir, jobs, segmenter):
    """The main job: ingest CORPUS, extract, cluster and write outputs/.

    \b
    Example:
      govcase run corpus/reports --db outputs/govcase.db --out outputs
    """
    from . import api

    _ingest_with_progress([corpus], db, jobs, segmenter, 20.0)
    result = api.finish_run(db, out_dir, segmenter=segmenter)
    for line in result.summary_lines():
        click.echo(line)


@main.command("extract")
@DB_OPTION
@SEGMENTER_OPTION
@click.argument("docs", nargs=-1)
def extract_cmd(db, segmenter, docs):
    """Re-run structure and extraction over stored documents (all, or DOCS)."""
    from . import api

    store = api.open_store(db)
    doc_ids = [store.resolve(d) or d for d in docs] or None
    count = api.extract_stored(store, segmenter=segmenter, doc_ids=doc_ids)
    click.echo(f"已重新抽取 {count} 篇文档")


@main.command()
@click.argument("doc")
@DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the gold-schema JSON of the document.")
def show(doc, db, as_json):
    """Print a document's metadata, structure and extracted records.

    DOC is a document id (or prefix), a source path or a file stem. The
    relevance label (治理案例 / 相关报道 / 无关) comes with the features
    that decided it.
    """
    from . import api
    from .render import render_document

    shown = api.show(db, doc)
    if as_json:
        click.echo(json.dumps(shown["gold_schema"], ensure_ascii=False, indent=2))
    else:
        click.echo(render_document(shown))


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="Output directory.")
@DB_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "parquet"]),
    default="json",
    show_default=True,
    help="json: one file per document (gold schema); parquet: one file per record table.",
)
def export(out_dir, db, fmt):
    """Write one JSON file per document in the gold schema (corpus/gold/SCHEMA.md),
    or every record table as Parquet for pandas, Dask, Spark or DuckDB.

    \b
    Examples:
      govcase export --out outputs/export
      govcase export --format parquet --out outputs/parquet --db postgresql://govcase@dbhost/cases
    """
    from . import api

    files = api.export(db, out_dir, fmt=fmt)
    click.echo(f"已导出 {len(files)} 个文件到 {out_dir}")


@main.command()
@click.option(
    "--gold",
    "gold_dir",
    type=click.Path(exists=True, file_okay=False),
    default="corpus/gold",
    show_default=True,
    help="Directory of gold JSON files.",
)
@DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.option(
    "--themes-lodo/--no-themes-lodo",
    default=True,
    show_default=True,
    help="Also score themes with leave-one-document-out training.",
)
def evaluate(gold_dir, db, as_json, themes_lodo):
    """Score stored extractions against gold annotations.

    Per-field precision/recall/F1 (figures, changes, mechanisms, measures,
    themes) and accuracy (locations, metadata), as SCHEMA.md defines them.

    \b
    Example:
      govcase evaluate --gold corpus/gold --json
    """
    from . import api

    report = api.evaluate(db, gold_dir, themes_lodo=themes_lodo)
    click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if as_json else report.render_table())


@main.command()
@click.option(
    "--gold",
    "gold_dir",
    type=click.Path(exists=True, file_okay=False),
    multiple=True,
    default=["corpus/gold"],
    show_default=True,
    help="Gold directory (repeatable).",
)
@click.option(
    "--corpus",
    "corpus_dir",
    type=click.Path(exists=True, file_okay=False),
    multiple=True,
    default=["corpus/reports"],
    show_default=True,
    help="Directory of the reports the gold describes (repeatable).",
)
@click.option(
    "--relevance",
    "relevance_dir",
    type=click.Path(exists=True, file_okay=False),
    multiple=True,
    default=["corpus/relevance"],
    show_default=True,
    help="Directory of texts labelled 治理案例/相关报道/无关 in NAME.json (repeatable).",
)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="models", show_default=True)
@click.option(
    "--model",
    "which",
    type=click.Choice(["all", "themes", "headings", "mechanisms", "titles", "relevance"]),
    default="all",
    show_default=True,
    help="Which model to rebuild: the theme model, the heading classifier, the mechanism model, the title "
    "model, the relevance model, or all.",
)
def train(gold_dir, corpus_dir, relevance_dir, out_dir, which):
    """Rebuild the theme, heading, mechanism, title and relevance models from the gold.

    The relevance model (治理案例 / 相关报道 / 无关) takes every report of --corpus as a
    case and the labelled texts of --relevance as the rest. Each model writes a card into --out.

    \b
    Example (the shipped models; the heading classifier also learns from the page-shaped fixtures):
      govcase train --model themes --gold corpus/gold --gold tests/fixtures/reports \\
                    --corpus corpus/reports --corpus tests/fixtures/reports
      govcase train --model headings --gold corpus/gold --gold tests/fixtures/reports --gold tests/fixtures/pages \\
                    --corpus corpus/reports --corpus tests/fixtures/reports --corpus tests/fixtures/pages
      govcase train --model mechanisms --gold corpus/gold --gold tests/fixtures/reports --gold tests/fixtures/pages \\
                    --corpus corpus/reports --corpus tests/fixtures/reports --corpus tests/fixtures/pages \\
                    --relevance corpus/relevance
      govcase train --model titles --gold corpus/gold --gold tests/fixtures/reports --gold tests/fixtures/pages \\
                    --corpus corpus/reports --corpus tests/fixtures/reports --corpus tests/fixtures/pages \\
                    --relevance corpus/relevance
      govcase train --model relevance --corpus corpus/reports --corpus tests/fixtures/reports \\
                    --relevance corpus/relevance
    """
    if which in ("all", "themes"):
        from .themes_train import train as train_model

        click.echo(str(train_model(gold_dir, corpus_dir, out_dir)))
    # Dependency order: headings read the title model's headline; relevance reads every extractor's output.
    if which in ("all", "titles"):
        from .titles_train import train as train_titles

        click.echo(str(train_titles([*gold_dir, *relevance_dir], [*corpus_dir, *relevance_dir], out_dir)))
    if which in ("all", "headings"):
        from .headings_train import train as train_headings

        click.echo(str(train_headings(gold_dir, corpus_dir, out_dir)))
    if which in ("all", "mechanisms"):
        from .mechanisms_train import train as train_mechanisms

        click.echo(str(train_mechanisms(gold_dir, corpus_dir, out_dir, off_topic_dir=relevance_dir)))
    if which in ("all", "relevance"):
        from .relevance import train as train_relevance

        click.echo(str(train_relevance(corpus_dir, relevance_dir, out_dir)))


@main.command()
@DB_OPTION
@click.option("--out", "out_file", type=click.Path(dir_okay=False), default="outputs/clusters.csv", show_default=True)
@SEGMENTER_OPTION
@ALL_OPTION
def cluster(db, out_file, segmenter, all_documents):
    """Group stored measures across documents into labelled practice clusters.

    Only the measures of governance cases (relevance 治理案例) unless --all.
    """
    from . import api

    result = api.cluster(db, out_file=out_file, segmenter=segmenter, all_documents=all_documents)
    click.echo(f"{len(result.clusters)} 个实践聚类,已写入 {out_file}")


@main.command()
@click.argument("query", default="")
@DB_OPTION
@click.option("--theme", multiple=True, help="Theme from the taxonomy (repeatable).")
@click.option("--city", multiple=True, help="City, e.g. 深圳 or 深圳市 (repeatable).")
@click.option("--province", multiple=True, help="Province (repeatable).")
@click.option("--mechanism", multiple=True, help="Mechanism name, e.g. 三社联动 (repeatable).")
@click.option(
    "--kind",
    type=click.Choice([kind.value for kind in MeasureKind]),
    multiple=True,
    help="做法 (measure), 成效 (outcome) or 经验 (lesson).",
)
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@ALL_OPTION
def search(query, db, theme, city, province, mechanism, kind, limit, fmt, all_documents):
    """Search stored practices by keyword, theme, place, mechanism and kind.

    The query is normalized and segmented like the documents, so Traditional
    queries and two-character words (社区, 养老, 社工) are found. Without a
    query, everything matching the filters is listed. Practices of documents
    labelled 相关报道 or 无关 are left out unless --all.

    \b
    Examples:
      govcase search 养老
      govcase search 议事 --city 深圳 --kind measure
      govcase search --theme 社会组织培育 --format csv > 培育.csv
    """
    from . import api
    from .search import format_hits
    from .search import search as run_search

    store = api.open_store(db, readonly=True)
    result = run_search(
        store,
        query,
        theme=list(theme) or None,
        city=list(city) or None,
        province=list(province) or None,
        mechanism=list(mechanism) or None,
        kind=list(kind) or None,
        limit=limit,
        all_documents=all_documents,
    )
    click.echo(format_hits(result, fmt))


@main.command()
@DB_OPTION
@click.option(
    "--by",
    type=click.Choice(["case", "community", "street", "district", "city", "province"]),
    default="case",
    show_default=True,
    help="One row per case, or per place at this level (counts summed where meaningful, else listed).",
)
@click.option("--theme", "themes", multiple=True, help="Only these themes (repeatable).")
@click.option("--place", "--city", "places", multiple=True, help="Only cases in these places, any level (repeatable).")
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False),
    default="outputs/compare.xlsx",
    show_default=True,
    help="Output file; the extension picks the format.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "csv", "md", "html"]),
    default=None,
    help="Override the format chosen by the extension.",
)
@click.option(
    "--chart/--no-chart",
    default=True,
    show_default=True,
    help="Also draw the theme heatmap and the indicator bars next to the output (PNG and SVG).",
)
@ALL_OPTION
def compare(db, by, themes, places, out_file, fmt, chart, all_documents):
    """Compare cases side by side: one row per case (place chain, title, date,
    source), one value per indicator (its sentence kept), practices per theme;
    plus mechanisms, clusters and sources.

    \b
    Examples:
      govcase compare --out outputs/compare.xlsx
      govcase compare --by city --place 深圳 --out 深圳.md
      govcase compare --by province --theme 党建引领 --out 党建.md
    """
    from pathlib import Path

    from . import api
    from .compare import compare as build
    from .compare import write

    store = api.open_store(db, readonly=True)
    comparison = build(
        store, by=by, themes=list(themes) or None, places=list(places) or None, all_documents=all_documents
    )
    write(comparison, out_file, fmt)
    click.echo(f"对比表已写入 {out_file}")
    if chart:
        from .charts import heatmap, indicator_panels

        stem = Path(out_file).with_suffix("")
        for path in heatmap(comparison, f"{stem}_heatmap.png", f"{stem}_heatmap.svg"):
            click.echo(f"热力图已写入 {path}")
        if comparison.indicator_headers:
            for path in indicator_panels(comparison, f"{stem}_indicators.png", f"{stem}_indicators.svg"):
                click.echo(f"指标图已写入 {path}")


@main.command()
@DB_OPTION
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (only this machine by default)."
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Serve with gunicorn and this many worker processes (many users); default one threaded server.",
)
def serve(db, host, port, workers):
    """Serve the case database as a Chinese web page for civil-affairs staff.

    Opens the database read-only. Pages: 搜索, 主题, 案例, 对比; a JSON API
    under /api (see README).

    \b
    Example:
      govcase serve --db outputs/govcase.db --port 8000
      govcase serve --db postgresql://govcase_web@dbhost/cases --workers 4 --host 0.0.0.0
    """
    from .web.app import serve as run_server

    click.echo(f"在浏览器中打开 http://{host}:{port}/ (Ctrl+C 结束)")
    run_server(db, host, port, workers=workers)


@main.command("check-data")
@click.argument("directory", required=False, type=click.Path(exists=True, file_okay=False))
def check_data(directory):
    """Check the word lists and tables a researcher edits (corpus/ or DIRECTORY).

    Prints each mistake as file:line (a word listed twice, a word under two kinds that
    exclude each other, a wrong column count, an unknown kind, a broken pattern, a file no
    loader knows) and exits with status 1 when there is one.

    \b
    Example:
      govcase check-data
      govcase check-data my_corpus/
    """
    from . import api
    from .vocabulary import FILES

    errors = api.check_data(directory)
    for error in errors:
        click.echo(str(error), err=True)
    if errors:
        raise SystemExit(1)
    click.echo(f"数据文件均无误({len(FILES)} 个)")
