"""The regular expressions that stay in Python, grouped by the stage that reads them.

Words a researcher extends are data (corpus/, read by pipeline/vocabulary.py); what is here is
the shape of text that no word list describes: numerals in running text, dates and clock
times, clause and sentence ends, brackets, quotes and header lines. Each pattern says what it
matches, with an example, and why it is shaped so; the extractor that reads it is named in the
group's heading. Patterns built from a vocabulary file are built where that file is read (for
example ``figures._words``), and the patterns of extract/measures.py, extract/mechanisms.py and
extract/headings.py are still in those modules.
"""

from __future__ import annotations

import re

from .numbers import CN_DIGITS, CN_MAGNITUDES, NUMERAL

# -- Figures (extract/figures.py): numerals in running text and what around them makes them no figure ----
# A numeral in running text (百分之 kept apart: 百分之三十 is a percentage).
# The lookahead lets the regex engine skip non-numeral text fast.
NUMERAL_CANDIDATE = re.compile(rf"(?=[0-9{CN_DIGITS}{CN_MAGNITUDES}])(?P<pct>百分之)?(?P<num>{NUMERAL})")
# One space a layout may put between a number and its hedge or unit (1000 余人).
NUMBER_GAP = re.compile(r"[ \u3000]?")
# A clause ends at sentence punctuation, a colon, a line break, or a comma that
# is not a thousands separator (1,200 keeps its comma). Every alternative opens
# with the character it breaks at, so that the regex engine can skip to those.
CLAUSE_BREAK = re.compile(r"[。;!?:\n]|,(?<![0-9],)|,(?![0-9]{3}(?![0-9]))")
NAME_SPANS = re.compile(
    r"《[^《》\n]*》"
    r"|“[^“”\n]{1,30}”|‘[^‘’\n]{1,30}’|「[^「」\n]{1,30}」|『[^『』\n]{1,30}』|\"[^\"\n]{1,30}\""
)
# Clause punctuation inside quotes: a quoted clause (“…,…”) is prose, not a name.
CLAUSE_PUNCT = re.compile(r"[,。;!?:]")
# The link of a range (5000至1万元, 3-5年): the first number takes the second's unit.
RANGE_LINK = re.compile(r"[ \u3000]?(?:-|~|～|—|至|到)[ \u3000]?")
# A four-digit number before 年 that is a calendar year, not a count of years.
YEAR_NUMBER = re.compile(r"(?:19|20)[0-9]{2}\Z")
# Digits glued to a date, time, version or code (30.06.2017, 18:03, 10/2, ICP12345678),
# or right after a colon, where they are a field value (访问量:1024563次), not prose.
ARABIC_DIGITS = "0123456789"
GLUED_BEFORE = set(ARABIC_DIGITS + ".:/") | set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
GLUED_AFTER = re.compile(r"[.:/][0-9]")
HAS_ARABIC = re.compile("[0-9]")
# After a duration's measure word: 半 and a hedge (两年半, 两年多, 10天余). After 个, a
# duration split by its hedge (3个多月, 3个半小时); a plain 3个月 is read as the unit 个月.
DURATION_TAIL = re.compile("(半)?(多|余)?")
HEDGED_COUNTED_DURATION = re.compile("(多|余|半)?(月|小时)")
# A lone 一 is a count only as a hedged or halved duration (一年多, 一个半月), not in 一年来.
HEDGED_DURATION_AFTER_ONE = re.compile("(?:年|天|周|个月|小时)[多余半]|个[多余半](?:月|小时)")
# Where the noun after a unit can be: up to the next 、 or numeral, 16 chars at most.
AFTER_UNIT_WINDOW = re.compile(r"[^、0-9]{0,16}")
# Quote marks dropped from a piece before tagging (a regex: str.translate is slower on CJK text).
QUOTE_MARKS = re.compile('[“”‘’"《》「」『』]')

# -- Changes (extract/changes.py) ------------------------------------------------------------------
# What may stand between the numbers and the verb: anything but digits and
# clause punctuation, or a year (从2019年的856人增加到2022年的2345人).
CHANGE_FILLER = "(?:[^0-9,。;!?:、\n]|(?:19|20)[0-9]{2}年)"

# -- Metadata (extract/metadata.py): dates, clock times and the shapes of header lines -------------
# A clock time right after a date: the date is a time stamp (2023-05-22 18:06, 07时41分).
STAMP_TIME = re.compile(r"\s*\d{1,2}(?::\d{2}|时\d{1,2}分)")
YMD = (
    r"(?P<y>(?:19|20)\d{2})\s*"
    r"(?:[-/.]\s*(?P<m>\d{1,2})(?:\s*[-/.]\s*(?P<d>\d{1,2}))?"  # 2017-06-30, 2017.6
    r"|年\s*(?P<m2>\d{1,2})\s*月(?:\s*(?P<d2>\d{1,2})\s*[日号])?)"  # 2017年6月30日
)
DMY = r"(?P<d3>\d{1,2})\.(?P<m3>\d{1,2})\.(?P<y3>(?:19|20)\d{2})"  # 30.06.2017
DATE = re.compile(rf"(?<!\d)(?:{YMD}|{DMY})(?!\d)")
CLOCK_TIME = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?|\d{1,2}时\d{1,2}分(?:\d{1,2}秒)?")  # 09:02:33, 07时41分
# Sentence punctuation inside a line (a final ! or ? may close a headline): no headline.
LINE_SENTENCE_END = re.compile(r"[。;]|[!?](?!$)")
# A line opening with a list marker (一、 (二) 3. 第一): a list item, no headline.
LIST_MARKER_START = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.是]|\(?[一二三四五六七八九十\d]+\)|\d+[.、]|第[一二三四五六七八九十\d]+)"
)
# A line ending in a comma, colon or 、 goes on in the next: no headline.
TRAILING_CLAUSE = re.compile(r"[,:、]$")
# A closing line that is only a bracketed name, "(新华日报)": the source.
PAREN_LINE = re.compile(r"^[(\[【]([^()\[\]【】,。;:\d]{2,30})[)\]】]$")
# 据《人民日报》, (本文摘自《信阳日报》…): the outlet a report is taken from.
REPORTED_BY = re.compile(r"(?:据|摘自|选自|转载自|转自|原载)《([^《》]{2,20})》")
# A closing (大连市委政法委供稿), (梅山镇 供稿): the contributor of an official case, at the end of the text.
# Not 提供: (本版图片由莲花镇人民政府提供) credits photos.
CONTRIBUTED_BY = re.compile(r"[(]([^()\n,。;:]{2,30}?)\s*(?:供稿|报送)[)]\s*$")
# 吴忠日报讯(记者 ……), 央视网消息(新闻联播):, 新华社北京3月5日电: the outlet's own dateline opens the story
# (本报讯, 本网讯 name none).
PAPER_DATELINE = re.compile(
    r"^\s*(?:【[^】]{1,12}】)?(?:([\u4e00-\u9fff]{2,12}?(?:报|网|电视台))(?:讯|消息)"
    r"|(新华社|中新社)[\u4e00-\u9fff]{0,10}\d{1,2}月\d{1,2}日电)"
)
# 【转载】, [原创], 【图文】: a short tag in brackets before a headline.
TITLE_TAG = re.compile(r"^\s*(?:[【\[]\s*[^【】\[\]]{1,4}\s*[】\]]\s*)+")
# A series or column tag alone on the line above the headline: 【城乡社区治理典型案例】.
TAG_LINE = re.compile(r"\s*[【\[][^【】\[\]]{1,20}[】\]]\s*")
# A journal's running header: "第5卷第2期  基层治理评论  2023年4月", "2022年第3期".
# A newspaper's page header: "福建日报  2023年9月12日  星期二  第5版·乡村振兴", "大理日报 2024年1月22日 A2版".
MASTHEAD = re.compile(
    r"(?:第\s*\d+\s*卷\s*)?第\s*\d+\s*期|(?:19|20)\d{2}\s*年\s*第\s*\d+\s*期"
    r"|星期[一二三四五六日天]|(?:第\s*\d+|[A-Z]\d{1,2})\s*版(?:\s*[·・:]\s*[\u4e00-\u9fff]{2,8})?"
)
HAN_NAME = re.compile(r"[\u4e00-\u9fff]{2,20}")  # a journal or account name in a header line
# "来源:…", "发布时间:…", "作者:…": a short label and a colon open a labelled header line (metadata.is_header_line).
LABEL_LINE = re.compile(r"^[^,。]{1,6}[::]")
# ◆ ▲ ■ ● ★ ▶ before a sub-heading or a photo caption.
ORNAMENT = re.compile(r"^[◆◇■□●○▲△▶►★☆※•·▪]\s*")
ORGANISATION_LINE = re.compile(r"[\u4e00-\u9fff()]{4,30}")  # a name alone on its line: Han characters, maybe (…)
# Where a labelled value (来源:XX日报) ends: two spaces, a bracket or clause mark, the next label.
VALUE_END = re.compile(r"\s{2,}|[|()\[\]【】。;,]|\s(?=\S+[:])")
# Every date holds a year (see YMD, DMY): a cheap test that skips most lines.
YEAR_HINT = re.compile(r"(?:19|20)\d\d")
# Separators and brackets of a tool bar or breadcrumb line ("【字号:", "】", ">", "|").
CHROME_PUNCT = re.compile(r"[\s【】\[\]()|:>»›/·]+")
BREADCRUMB_SEP = re.compile(r"\s*[>»›]\s*")

# -- Titles (extract/titles.py): what an opening line of a saved page reads like ------------------
BREADCRUMB_LINE = re.compile(r"[>»›]|首页\s*[/|]|当前位置|您的位置|所在位置")
# Site, outlet and account names (宜昌市西陵区人民政府门户网站, 青秀民政, 蜀山发布).
SITE_NAME_END = re.compile(
    r"(?:人民政府|门户网站?|政府网|民政局|民政厅|民政|政务|融媒|网|频道|发布|公众号|日报|晚报|新闻|客户端|官网|在线|之窗)$"
)
NAV_SEPARATORS = re.compile(r"\s+|[|丨]")  # between the items of a navigation bar
PAGE_META_WORDS = re.compile(
    r"来源|发布时间|发布日期|时间[::]|日期[::]|作者|记者|编辑|责任编辑|浏览|阅读|点击[数量率]|字号|打印"
)
SENTENCE_MARK = re.compile(r"[。;!?]$|[。;]")  # a sentence, or a line closed as one
QUOTE_MARKS = re.compile(r"[“”「」『』\"]")
COLON = re.compile(r"[::]")
GARBLED = re.compile(r"[\u00c0-\u00ff\ufffd]")  # mojibake (ç½‘ç«™) and replacement characters
WECHAT_BANNER = re.compile(r"点击.{0,4}(?:蓝字|关注)|关注我们|长按|识别二维码|星标")

# -- Places (extract/places.py) --------------------------------------------------------------------
# A run of Han characters: a place-name stem holds nothing else.
CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")

# -- Structure (structure.py): paragraphs, sentences, quotes, headings -----------------------------
# A paragraph is one non-empty line of the normalized text.
PARAGRAPH = re.compile(r"[^\n]+")
# A sentence ends at 。!?;… (and any closing quotes/brackets right after).
SENTENCE_END = re.compile("[。!?;…\uff01\uff1f\uff1b]+[”’」』)\\]\uff09]*")
# Quote marks, opening and closing: sentence ends inside quotes do not end the sentence.
QUOTE_CHAR = re.compile("[“‘「『”’」』]")
# Clause or sentence punctuation outside quotes: where the title of a marked item ends.
TITLE_END = re.compile("[。,;:!?\uff0c\uff1b\uff1a\uff01\uff1f]")
# 【主要做法】: web pages box their section headings.
BRACKETED_HEADING = re.compile(r"[【\[〔]\s*([^【】\[\]〔〕]+?)\s*[】\]〕]\Z")
