"""Build the corpus's Word fragments (f07, f21–f25) with python-docx.

    .venv/bin/python benchmarks/import_corpus/build_docx.py   # rewrites the .docx files here

The .docx files are committed (so the benchmark needs no build step); tests/importer checks that
they still hold what this script writes. Each fragment is described as blocks: ("p", text,
style) paragraphs and ("table", rows) tables, in document order.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

Block = tuple[Any, ...]

FRAGMENTS: dict[str, list[Block]] = {
    # A table with 岗位 | 职责 columns: each row one role, its duties numbered inside the cell.
    "f07-docx-table.docx": [
        ("p", "客户服务中心岗位职责一览表", "Title"),
        ("table", [
            ["岗位", "职责"],
            ["客服主管", "1、负责客户服务中心的全面管理。\n2、负责重大投诉的处理。\n"
                       "3、负责客服人员的培训与考核。"],
            ["客服助理", "1、负责来访来电的接待。\n2、负责报修的登记与跟进。\n"
                       "3、负责业户档案的管理。\n4、完成客服主管交办的其他工作。"],
            ["收费员", "1、负责各项费用的收取。\n2、负责票据的保管。"],
        ]),
    ],
    # Word's own numbering (List Number): the numbers are not in the text.
    "f21-docx-autonumber.docx": [
        ("p", "仓库管理员岗位职责", "Heading 1"),
        ("p", "负责仓库物资的入库验收与登记。", "List Number"),
        ("p", "负责物资的发放，做到先进先出。", "List Number"),
        ("p", "每月底对仓库物资进行盘点。", "List Number"),
        ("p", "保持仓库的整洁与安全。", "List Number"),
        ("p", "完成上级交办的其他工作。", "List Number"),
    ],
    # Traditional Chinese with heading styles and typed （1） numbers.
    "f22-docx-hant-headings.docx": [
        ("p", "客戶服務中心", "Title"),
        ("p", "客服主任崗位職責", "Heading 1"),
        ("p", "（1）在管理處經理的領導下，負責客服中心的日常工作。", None),
        ("p", "（2）負責業戶投訴的處理與回訪。", None),
        ("p", "（3）負責客服人員的排班。", None),
        ("p", "客服文員崗位職責", "Heading 1"),
        ("p", "（1）負責文件的收發與歸檔。", None),
        ("p", "（2）負責會議記錄的整理。", None),
        ("p", "（3）負責辦公用品的管理。", None),
        ("p", "（4）完成客服主任交辦的其他工作。", None),
    ],
    # 编制 / 审核 / 批准 in a table row above the duties; 批准 not yet given.
    "f23-docx-doc-control.docx": [
        ("table", [["编制：刘敏", "审核：陈刚", "批准："]]),
        ("p", "停车场管理员岗位职责", "Heading 1"),
        ("p", "1、负责停车场车辆的进出登记。", None),
        ("p", "2、负责停车费的收取。", None),
        ("p", "3、负责停车场的巡查，发现问题及时报告。", None),
        ("p", "4、完成班长交办的其他工作。", None),
    ],
    # A staffing table, then the duties of the same roles: headcount and hours join them.
    "f24-docx-staffing.docx": [
        ("p", "管理处客服人员配置", "Heading 1"),
        ("table", [
            ["岗位", "人数", "工作时间", "班次"],
            ["客服主管", "1", "8:30-17:30", "行政班"],
            ["客服助理", "2", "冬8:00-18:00 夏8:00-18:30", "两班倒"],
        ]),
        ("p", "客服主管岗位职责", "Heading 2"),
        ("p", "1、负责客服中心的全面工作。", None),
        ("p", "2、负责投诉的处理。", None),
        ("p", "客服助理岗位职责", "Heading 2"),
        ("p", "1、负责业户的接待。", None),
        ("p", "2、负责报修的登记。", None),
        ("p", "3、负责档案的管理。", None),
    ],
    # A titled procedure list in Traditional Chinese, with repeated page headers as noise.
    "f25-docx-hant-procedure.docx": [
        ("p", "某某物業服務有限公司  作業文件", "Header"),
        ("p", "協助客戶辦理裝修手續的流程：", None),
        ("p", "(1) 客服助理向業戶發放《裝修申請表》並說明裝修規定。", None),
        ("p", "(2) 業戶填妥後交客服助理，工程主管在3日內審核裝修方案。", None),
        ("p", "(3) 收費員收取裝修押金。", None),
        ("p", "某某物業服務有限公司  作業文件", "Header"),
        ("p", "(4) 客服助理發放《裝修許可證》。", None),
        ("p", "(5) 工程主管每日巡查裝修現場，填寫《裝修巡查記錄》。", None),
        ("p", "(6) 裝修完工後，工程主管組織驗收並退還押金。", None),
    ],
}


def build(blocks: list[Block]) -> bytes:
    """The .docx bytes of one fragment."""
    import docx

    document = docx.Document()
    for block in blocks:
        if block[0] == "p":
            _, text, style = block
            if style == "Header":
                # Page headers that a PDF-to-Word conversion leaves in the body text.
                document.add_paragraph(text)
            else:
                document.add_paragraph(text, style=style)
        else:
            rows = block[1]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    cell = table.cell(r, c)
                    lines = value.split("\n")
                    cell.text = lines[0]
                    for line in lines[1:]:
                        cell.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def main(out: Path = HERE) -> list[Path]:
    """Write every .docx fragment into `out`."""
    written = []
    for name, blocks in FRAGMENTS.items():
        path = out / name
        path.write_bytes(build(blocks))
        written.append(path)
    return written


if __name__ == "__main__":
    for p in main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(p)
