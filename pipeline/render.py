"""Plain-text rendering of a stored document for ``govcase show``."""

from __future__ import annotations

from .vocabulary import approx_positions

SECTION_NAMES = {
    "background": "背景",
    "measures": "做法",
    "outcomes": "成效",
    "lessons": "经验",
    "problems": "问题",
    "other": "其他",
    "references": "参考文献",
    "plans": "下一步",
}


def _clip(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def render_document(shown: dict) -> str:
    doc = shown["document"]
    structure = shown["structure"]
    ext = shown["extraction"]
    meta = ext.metadata
    place = ext.primary_place()
    script = "繁体" if doc.script == "traditional" else "简体"
    lines = [
        f"文档 {doc.doc_id}  ({doc.source_format}, {script}原文, {len(doc.text)} 字)",
        f"来源文件: {'; '.join(doc.aliases)}",
        f"标题: {meta.title or '—'}",
        f"发布日期: {meta.published or '—'}    来源: {meta.source or '—'}",
    ]
    if ext.relevance:
        from .relevance import explain

        lines += explain(ext.relevance)
    if place:
        chain = " ".join(p for p in (place.province, place.city, place.district, place.street, place.community) if p)
        lines.append(f"地点: {chain}" + (f"  (代码 {place.code})" if place.code else ""))
    if structure:
        lines.append("")
        lines.append(
            f"结构: {len(structure.paragraphs)} 段, {len(structure.sentences)} 句, "
            f"{len(structure.sections)} 部分, {len(structure.items)} 个列举项"
        )
        for si, section in enumerate(structure.sections):
            lines.append(
                f"  [{SECTION_NAMES.get(section.kind, section.kind)}] {section.heading or '(无标题)'}"
                f"  {section.start}-{section.end}"
            )
            for item in structure.items:
                if item.section == si:
                    lines.append(
                        f"    {'  ' * item.level}{item.marker} {_clip(item.heading, 40)}  {item.start}-{item.end}"
                    )
    lines.append("")
    lines.append(f"做法/成效/经验 ({len(ext.titled_measures)}):")
    for m in ext.titled_measures:
        lines.append(f"  - [{m.kind}] {m.heading}  主题: {'、'.join(m.themes) or '—'}  {m.start}-{m.end}")
    if ext.passages:
        lines.append(f"无小标题的实践段落 ({len(ext.passages)}):")
        for m in ext.passages:
            lines.append(f"  - [{m.kind}] «{m.label}»  主题: {'、'.join(m.themes) or '—'}  {m.start}-{m.end}")
    lines.append(f"机制 ({len(ext.mechanisms)}):")
    for mech in ext.mechanisms:
        definition = f" = {_clip(mech.definition, 50)}" if mech.definition else ""
        lines.append(f"  - {mech.name}{definition}  ×{mech.mentions}")
    lines.append(f"数字 ({len(ext.figures)}):")
    for fig in ext.figures:
        value = int(fig.value) if float(fig.value).is_integer() else fig.value
        written_after = approx_positions().get(fig.approx or "", "pre") != "pre"  # 1000多, 96.5%以上
        before, after = ("", fig.approx or "") if written_after else (fig.approx or "", "")
        lines.append(f"  - {before}{value}{after}{fig.unit}  {fig.subject or ''}  «{_clip(fig.text, 40)}»")
    if ext.changes:
        lines.append(f"变化 ({len(ext.changes)}):")
        for ch in ext.changes:
            lines.append(f"  - {ch.subject or ''}: {ch.from_value:g} → {ch.to_value:g} {ch.unit}")
    return "\n".join(lines)
