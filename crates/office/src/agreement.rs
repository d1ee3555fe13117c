//! The pairing agreement (结对帮扶协议书) as a Word `.docx` file.
//!
//! Guarantees:
//! - [`agreement_docx`] writes a complete agreement: title, 协议编号 and 批次,
//!   a table of both parties, 第一条 to 第六条 and a signature block, on A4
//!   with the margins and fonts (宋体 title, 仿宋 body, 黑体 article headings)
//!   of Chinese official documents.
//! - Every optional value that is empty is replaced by a sentence that reads
//!   correctly (the term defaults to 自签订之日起至项目完成之日止), so no
//!   label is ever followed by nothing; fill-in blanks appear only where a
//!   person writes or seals by hand.
//! - Text is XML-escaped by docx-rs; multi-line text becomes one paragraph per
//!   line, so the file opens in Word, WPS, LibreOffice and python-docx.
//! - The duty clauses state the rules of the notices: voluntary
//!   participation, no profit in the name of revitalisation, and 不搞行政摊派、
//!   不下指标任务; changes go through a formal written request approved by
//!   civil affairs and rural revitalisation departments.
//! - A team's agreement (组团式, [`Agreement::members`] not empty) names every
//!   member with its credit code, county and share (分工, funds), and leaves a
//!   seal line for each member besides the lead's.

use crate::OfficeError;
use crate::receipt::Receipt;
use docx_rs::{
    AlignmentType, Docx, LineSpacing, LineSpacingType, PageMargin, Paragraph, Run, RunFonts, SpecialIndentType, Table,
    TableCell, TableRow, VAlignType, VMergeType, WidthType,
};
use std::io::Cursor;

/// One party of the agreement as printed in the parties table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Party {
    pub name: String,
    /// 统一社会信用代码; may be empty.
    pub credit_code: String,
    pub address: String,
    pub contact_name: String,
    pub contact_phone: String,
}

/// One member of a team (帮扶团) and its share, as its agreement names it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamMember {
    pub name: String,
    pub credit_code: String,
    /// The county it pairs with, e.g. "云南省昭通市镇雄县".
    pub county: String,
    /// 分工, e.g. "产业帮扶".
    pub role: String,
    /// Funds it commits in 万元, formatted ("30.00"); may be empty.
    pub funds_wan: String,
}

/// Everything printed on one pairing agreement. Optional values are empty
/// strings (or `people == 0`) and are rendered as sensible defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Agreement {
    /// 协议编号, e.g. "JDXY-2026-000012".
    pub number: String,
    /// 批次, e.g. "云南省社会组织结对帮扶名单（第一批）".
    pub batch: String,
    /// e.g. "社会组织与县（市、区）结对（百会结百县）".
    pub kind_label: String,
    /// 甲方: the social organisation.
    pub org: Party,
    /// 乙方: the county bureau, village committee, …
    pub target: Party,
    /// Full region name, e.g. "云南省昭通市彝良县".
    pub target_region: String,
    /// Household / party branch / member enterprise detail; may be empty.
    pub target_detail: String,
    /// 组团式 team ("XX帮扶团，牵头单位：…"); may be empty.
    pub team: String,
    /// A team's agreement: every member and its share (甲方 is then the lead).
    pub members: Vec<TeamMember>,
    /// 帮扶领域, e.g. ["教育", "健康"].
    pub fields: Vec<String>,
    /// 帮扶内容与承诺: free text, may be multi-line, may be empty.
    pub commitments: String,
    /// Planned funds in 万元, already formatted ("50.00"); may be empty.
    pub funds_wan: String,
    /// People sent; 0 = not stated.
    pub people: i64,
    /// "2026年01月01日" or empty.
    pub term_start: String,
    pub term_end: String,
    /// Signing deadline, e.g. "2026年12月31日"; may be empty.
    pub sign_deadline: String,
    /// The verifiable log's receipt of the record (none before it is recorded).
    pub receipt: Option<Receipt>,
}

const TITLE: &str = "结对帮扶协议书";

/// The receipt's QR code, 2.5 cm square (EMU: 360,000 per cm).
fn qr_picture(r: &Receipt) -> docx_rs::Pic {
    let png = r.qr_png();
    let side = image::load_from_memory(&png).map_or(0, |i| i.width());
    docx_rs::Pic::new_with_dimensions(png, side, side).size(900_000, 900_000)
}
/// Printed where a party's detail was not supplied; the signer writes it in.
const TO_FILL: &str = "（签订时填写）";

// Sizes are in half-points: 二号 22pt for the title, 四号 14pt for the body,
// 小四 12pt in tables.
const TITLE_SIZE: usize = 44;
const BODY_SIZE: usize = 28;
const TABLE_SIZE: usize = 24;
/// Two characters of first-line indent at the body size, in twips.
const INDENT_2_CHARS: i32 = 560;
/// A4 text width with the margins below (11906 − 1588 − 1474), in twips.
const TEXT_WIDTH: usize = 8844;

fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new().east_asia(east_asia).ascii("Times New Roman").hi_ansi("Times New Roman")
}

fn body_run(text: impl Into<String>) -> Run {
    Run::new().add_text(text).fonts(fonts("仿宋")).size(BODY_SIZE)
}

fn body_spacing() -> LineSpacing {
    // 1.5 lines, a little space after each paragraph.
    LineSpacing::new().line_rule(LineSpacingType::Auto).line(360).after(60)
}

/// A body paragraph with the customary two-character first-line indent.
fn body(text: impl Into<String>) -> Paragraph {
    Paragraph::new()
        .add_run(body_run(text))
        .indent(None, Some(SpecialIndentType::FirstLine(INDENT_2_CHARS)), None, None)
        .line_spacing(body_spacing())
}

/// An article: "第一条" and its heading in 黑体, then the body text.
fn article_heading(number: &str, heading: &str) -> Paragraph {
    Paragraph::new()
        .add_run(Run::new().add_text(format!("{number}　{heading}")).fonts(fonts("黑体")).size(BODY_SIZE))
        .indent(None, Some(SpecialIndentType::FirstLine(INDENT_2_CHARS)), None, None)
        .line_spacing(LineSpacing::new().line_rule(LineSpacingType::Auto).line(360).before(120).after(60))
        .keep_next(true)
}

fn or_default<'a>(value: &'a str, default: &'a str) -> &'a str {
    let v = value.trim();
    if v.is_empty() { default } else { v }
}

fn table_cell(text: &str, width: usize, bold: bool) -> TableCell {
    // One paragraph per line so that a multi-line address stays readable.
    let mut cell = TableCell::new().width(width, WidthType::Dxa).vertical_align(VAlignType::Center);
    for line in text.lines() {
        let mut run = Run::new().add_text(line).fonts(fonts("仿宋")).size(TABLE_SIZE);
        if bold {
            run = run.bold();
        }
        cell = cell.add_paragraph(Paragraph::new().add_run(run));
    }
    cell
}

const PARTY_COL: usize = 1500;
const LABEL_COL: usize = 2300;
const VALUE_COL: usize = TEXT_WIDTH - PARTY_COL - LABEL_COL;

/// Rows for one party: the party label merged down the first column.
fn party_rows(label: &str, party: &Party, with_code: bool) -> Vec<TableRow> {
    let mut items: Vec<(&str, &str)> = vec![("名称", or_default(&party.name, TO_FILL))];
    if with_code {
        items.push(("统一社会信用代码", or_default(&party.credit_code, TO_FILL)));
    }
    items.push(("地址", or_default(&party.address, TO_FILL)));
    items.push(("联系人", or_default(&party.contact_name, TO_FILL)));
    items.push(("联系电话", or_default(&party.contact_phone, TO_FILL)));
    items
        .into_iter()
        .enumerate()
        .map(|(i, (name, value))| {
            let first = if i == 0 {
                table_cell(label, PARTY_COL, true).vertical_merge(VMergeType::Restart)
            } else {
                TableCell::new()
                    .width(PARTY_COL, WidthType::Dxa)
                    .vertical_merge(VMergeType::Continue)
                    .add_paragraph(Paragraph::new())
            };
            TableRow::new(vec![first, table_cell(name, LABEL_COL, false), table_cell(value, VALUE_COL, false)])
                .cant_split()
        })
        .collect()
}

fn parties_table(a: &Agreement) -> Table {
    let mut rows = party_rows("甲方\n（社会组织）", &a.org, true);
    // The target's code is printed only when known: bureaus and village
    // committees often do not quote one on agreements.
    rows.extend(party_rows("乙方\n（结对对象）", &a.target, !a.target.credit_code.trim().is_empty()));
    Table::new(rows).set_grid(vec![PARTY_COL, LABEL_COL, VALUE_COL]).width(TEXT_WIDTH, WidthType::Dxa)
}

/// "教育、健康" from the fields, ignoring blanks.
fn join_fields(fields: &[String]) -> String {
    fields.iter().map(|f| f.trim()).filter(|f| !f.is_empty()).collect::<Vec<_>>().join("、")
}

fn term_sentence(start: &str, end: &str) -> String {
    match (start.trim(), end.trim()) {
        ("", "") => "本协议期限自签订之日起至项目完成之日止。".to_string(),
        (s, "") => format!("本协议期限自{s}起至项目完成之日止。"),
        ("", e) => format!("本协议期限自签订之日起至{e}止。"),
        (s, e) => format!("本协议期限自{s}起至{e}止。"),
    }
}

fn article_one(a: &Agreement) -> Vec<Paragraph> {
    let org = or_default(&a.org.name, "甲方");
    let target = or_default(&a.target.name, "乙方");
    let region = a.target_region.trim();
    let kind = or_default(&a.kind_label, "结对帮扶");
    let mut first = format!("甲方{org}与乙方{target}本着自愿参与、优势互补、注重实效的原则，结成帮扶对子");
    if !region.is_empty() && !target.starts_with(region) {
        first.push_str(&format!("，结对地区为{region}"));
    }
    first.push_str(&format!("。结对类型：{kind}。"));
    let mut out = vec![body(first)];
    let detail = a.target_detail.trim();
    if !detail.is_empty() {
        out.push(body(format!("具体帮扶对象：{detail}。")));
    }
    let team = a.team.trim();
    if !team.is_empty() && a.members.is_empty() {
        out.push(body(format!("甲方以组团式帮扶方式参与本结对，所在帮扶团：{team}。")));
    }
    if !a.members.is_empty() {
        out.push(body(format!("本协议为组团式帮扶协议，帮扶团：{}。甲方为帮扶团牵头单位，代表帮扶团各成员单位签订本协议；各成员单位及其分工如下：", or_default(team, "（未命名）"))));
        for (i, m) in a.members.iter().enumerate() {
            let funds = if m.funds_wan.trim().is_empty() { "承担资金根据具体帮扶项目另行商定".to_string() } else { format!("承担资金{}万元", m.funds_wan.trim()) };
            out.push(body(format!(
                "{}. {}（统一社会信用代码：{}），结对{}，分工：{}，{funds}。",
                i + 1,
                or_default(&m.name, TO_FILL),
                or_default(&m.credit_code, TO_FILL),
                or_default(&m.county, "乙方所在县"),
                or_default(&m.role, "由帮扶团协商确定")
            )));
        }
    }
    let batch = a.batch.trim();
    if !batch.is_empty() {
        out.push(body(format!("本结对关系列入{batch}。")));
    }
    out
}

fn article_two(a: &Agreement) -> Vec<Paragraph> {
    let fields = join_fields(&a.fields);
    let mut out = vec![body(if fields.is_empty() {
        "（一）帮扶领域：由双方根据乙方实际需求协商确定。".to_string()
    } else {
        format!("（一）帮扶领域：{fields}。")
    })];
    let lines: Vec<&str> = a.commitments.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if lines.is_empty() {
        out.push(body(
            "（二）帮扶内容与承诺：双方根据乙方实际需求另行协商确定具体帮扶项目，并以项目清单等书面形式予以明确。",
        ));
    } else {
        out.push(body("（二）帮扶内容与承诺："));
        out.extend(lines.into_iter().map(body));
    }
    let funds = a.funds_wan.trim();
    out.push(body(if funds.is_empty() {
        "（三）计划投入资金：根据具体帮扶项目另行商定。".to_string()
    } else {
        format!("（三）计划投入资金（含物资折价）：{funds}万元。")
    }));
    out.push(body(if a.people > 0 {
        format!("（四）计划派出帮扶人员：{}人。", a.people)
    } else {
        "（四）计划派出帮扶人员：根据帮扶项目实际需要安排。".to_string()
    }));
    out
}

fn article_three() -> Vec<Paragraph> {
    [
        "（一）甲方责任",
        "1. 坚持自愿参与，根据自身宗旨、业务范围和能力，认真履行本协议约定的帮扶内容。",
        "2. 依法依规筹集、使用和管理帮扶资金和物资，做到专款专用、公开透明，接受业务主管单位、登记管理机关和社会监督。",
        "3. 不得以乡村振兴名义开展营利活动或谋取不正当利益，不得为非法社会组织提供便利。",
        "4. 定期向乙方及有关部门报告帮扶进展和成效，如实提供项目资料。",
        "（二）乙方责任",
        "1. 尊重甲方意愿，不搞行政摊派、不下指标任务。",
        "2. 及时提供帮扶需求信息，明确专人负责联络对接，为甲方开展帮扶活动提供必要的便利和服务保障。",
        "3. 协助甲方组织实施帮扶项目，管好用好帮扶资源，配合做好项目跟踪和成效评估。",
    ]
    .into_iter()
    .map(body)
    .collect()
}

fn article_four(a: &Agreement) -> Vec<Paragraph> {
    vec![body(term_sentence(&a.term_start, &a.term_end)), body("协议期满，双方可根据帮扶成效协商续签。")]
}

fn article_five() -> Vec<Paragraph> {
    vec![
        body(
            "本协议履行期间，任何一方需要变更结对关系或帮扶内容、提前终止本协议的，应当以正式书面文件提出申请，\
             经民政部门和乡村振兴部门审核同意后方可变更或终止。未经同意，任何一方不得擅自变更或终止本协议。",
        ),
        body("结对帮扶名单的调整保留历史记录，原结对关系及其履行情况留存备查。"),
    ]
}

fn article_six(a: &Agreement) -> Vec<Paragraph> {
    let deadline = a.sign_deadline.trim();
    vec![
        body("本协议一式两份，甲乙双方各执一份，具有同等效力。"),
        body(if deadline.is_empty() {
            "双方应在结对帮扶名单公布后及时签订本协议。".to_string()
        } else {
            format!("双方应于{deadline}前完成本协议签订。")
        }),
        body("本协议自双方代表签字并加盖公章之日起生效。本协议未尽事宜，由双方协商解决。"),
    ]
}

/// The signature block: two columns without borders.
fn signature_table() -> Table {
    let half = TEXT_WIDTH / 2;
    let cell = |text: &str| {
        TableCell::new().width(half, WidthType::Dxa).add_paragraph(
            Paragraph::new()
                .add_run(body_run(text))
                .line_spacing(LineSpacing::new().line_rule(LineSpacingType::Auto).line(360).before(240)),
        )
    };
    let row = |left: &str, right: &str| TableRow::new(vec![cell(left), cell(right)]).cant_split();
    Table::without_borders(vec![
        row("甲方（盖章）：", "乙方（盖章）："),
        row("代表签字：", "代表签字："),
        row("日期：____年__月__日", "日期：____年__月__日"),
    ])
    .set_grid(vec![half, half])
    .width(TEXT_WIDTH, WidthType::Dxa)
}

/// Builds the agreement as `.docx` bytes.
pub fn agreement_docx(a: &Agreement) -> Result<Vec<u8>, OfficeError> {
    let number = or_default(&a.number, "（待编号）");
    let batch = or_default(&a.batch, "（未列入批次）");
    let mut doc = Docx::new()
        .page_size(11906, 16838)
        .page_margin(PageMargin::new().top(2098).bottom(1984).left(1588).right(1474).header(851).footer(992))
        .default_fonts(fonts("仿宋"))
        .default_size(BODY_SIZE)
        .add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .line_spacing(LineSpacing::new().before(240).after(360))
                .add_run(Run::new().add_text(TITLE).fonts(fonts("宋体")).size(TITLE_SIZE).bold()),
        )
        .add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Right)
                .add_run(body_run(format!("协议编号：{number}")).size(TABLE_SIZE)),
        )
        .add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Right)
                .line_spacing(LineSpacing::new().after(120))
                .add_run(body_run(format!("批次：{batch}")).size(TABLE_SIZE)),
        )
        .add_table(parties_table(a))
        .add_paragraph(
            body("为深入贯彻落实社会组织参与乡村振兴有关部署，甲乙双方经平等协商，就结对帮扶事宜达成如下协议：")
                .line_spacing(body_spacing().before(240)),
        );
    let articles: [(&str, &str, Vec<Paragraph>); 6] = [
        ("第一条", "结对关系", article_one(a)),
        ("第二条", "帮扶领域与内容", article_two(a)),
        ("第三条", "双方责任", article_three()),
        ("第四条", "协议期限", article_four(a)),
        ("第五条", "协议的变更与终止", article_five()),
        ("第六条", "其他", article_six(a)),
    ];
    for (number, heading, paragraphs) in articles {
        doc = doc.add_paragraph(article_heading(number, heading));
        for p in paragraphs {
            doc = doc.add_paragraph(p);
        }
    }
    doc = doc.add_paragraph(Paragraph::new().line_spacing(LineSpacing::new().before(240))).add_table(signature_table());
    let mut seals: Vec<&str> = Vec::new();
    for m in a.members.iter().map(|m| m.name.trim()).filter(|n| !n.is_empty() && *n != a.org.name.trim()) {
        if !seals.contains(&m) {
            seals.push(m);
        }
    }
    for name in seals {
        doc = doc.add_paragraph(
            Paragraph::new().add_run(body_run(format!("成员单位（盖章）：{name}　　代表签字：")))
                .line_spacing(LineSpacing::new().line_rule(LineSpacingType::Auto).line(360).before(240)),
        );
    }
    if let Some(r) = &a.receipt {
        doc = doc.add_paragraph(Paragraph::new().line_spacing(LineSpacing::new().before(360)).add_run(body_run(r.line()).size(TABLE_SIZE)));
        doc = doc.add_paragraph(Paragraph::new().add_run(Run::new().add_image(qr_picture(r))));
    }
    let mut out = Cursor::new(Vec::new());
    doc.build().pack(&mut out).map_err(|e| OfficeError::WriteDocx(e.to_string()))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn sample() -> Agreement {
        Agreement {
            number: "JDXY-2026-000012".into(),
            batch: "云南省社会组织结对帮扶名单（第一批）".into(),
            kind_label: "社会组织与县（市、区）结对（百会结百县）".into(),
            org: Party {
                name: "云南省青少年发展基金会".into(),
                credit_code: "535300005097103990".into(),
                address: "云南省昆明市五华区".into(),
                contact_name: "李明".into(),
                contact_phone: "0871-12345678".into(),
            },
            target: Party {
                name: "云南省昭通市彝良县乡村振兴局".into(),
                credit_code: String::new(),
                address: "云南省昭通市彝良县角奎镇".into(),
                contact_name: "王芳".into(),
                contact_phone: "0870-7654321".into(),
            },
            target_region: "云南省昭通市彝良县".into(),
            target_detail: String::new(),
            team: "教育帮扶团，牵头单位：云南省青少年发展基金会".into(),
            members: Vec::new(),
            fields: vec!["教育".into(), "健康".into()],
            commitments: "资助困难学生200名\n援建乡村学校图书室3所".into(),
            funds_wan: "50.00".into(),
            people: 6,
            term_start: "2026年01月01日".into(),
            term_end: "2027年12月31日".into(),
            sign_deadline: "2026年12月31日".into(),
            receipt: Some(Receipt { index: 128, leaf_hash: "3f5a0c".into(), base_url: "https://duijie.example.cn".into() }),
        }
    }

    /// The named parts of the package, with `word/document.xml` as text.
    fn unpack(bytes: &[u8]) -> (Vec<String>, String) {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let names: Vec<String> = zip.file_names().map(str::to_string).collect();
        let mut xml = String::new();
        zip.by_name("word/document.xml").unwrap().read_to_string(&mut xml).unwrap();
        (names, xml)
    }

    /// Parses the whole XML: every element closed in order, every reference a
    /// predefined entity or a character reference; panics otherwise.
    fn assert_well_formed(xml: &str) {
        use quick_xml::events::Event;
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut open: Vec<Vec<u8>> = Vec::new();
        loop {
            match reader.read_event() {
                Ok(Event::Eof) => break,
                Ok(Event::Start(e)) => open.push(e.name().as_ref().to_vec()),
                Ok(Event::End(e)) => assert_eq!(open.pop().as_deref(), Some(e.name().as_ref())),
                Ok(Event::GeneralRef(r)) => {
                    let name = r.decode().unwrap();
                    assert!(
                        name.starts_with('#') || ["amp", "lt", "gt", "quot", "apos"].contains(&name.as_ref()),
                        "unknown entity &{name};"
                    );
                }
                Ok(_) => {}
                Err(e) => panic!("document.xml is not well-formed at {}: {e}", reader.buffer_position()),
            }
        }
        assert!(open.is_empty(), "unclosed elements: {open:?}");
    }

    #[test]
    fn agreement_is_a_docx_with_title_parties_fields_funds_and_deadline() {
        let bytes = agreement_docx(&sample()).unwrap();
        let (names, xml) = unpack(&bytes);
        assert!(names.iter().any(|n| n == "[Content_Types].xml"), "{names:?}");
        assert!(names.iter().any(|n| n == "word/document.xml"), "{names:?}");
        assert_well_formed(&xml);
        for needle in [
            TITLE,
            "JDXY-2026-000012",
            "云南省社会组织结对帮扶名单（第一批）",
            "云南省青少年发展基金会",
            "535300005097103990",
            "云南省昭通市彝良县乡村振兴局",
            "教育",
            "健康",
            "50.00万元",
            "6人",
            "资助困难学生200名",
            "援建乡村学校图书室3所",
            "本协议期限自2026年01月01日起至2027年12月31日止。",
            "双方应于2026年12月31日前完成本协议签订。",
            "不搞行政摊派、不下指标任务",
            "民政部门和乡村振兴部门",
            "甲方（盖章）",
            "乙方（盖章）",
            "____年__月__日",
            "可验证日志回执：第 128 条 3f5a0c（扫描二维码",
            "宋体",
            "仿宋",
        ] {
            assert!(xml.contains(needle), "document.xml lacks {needle}");
        }
        for n in ["第一条", "第二条", "第三条", "第四条", "第五条", "第六条"] {
            assert!(xml.contains(n), "missing article {n}");
        }
        // The target's code was not given, so its row is left out rather than blank.
        assert_eq!(xml.matches("统一社会信用代码").count(), 1);
    }

    #[test]
    fn the_receipt_is_printed_with_a_qr_code_of_its_verify_address() {
        let a = sample();
        let pictures = crate::receipt::tests::media(&agreement_docx(&a).unwrap());
        let codes: Vec<Vec<String>> = pictures.iter().map(|p| crate::receipt::tests::decode(p)).collect();
        assert_eq!(codes, vec![vec![a.receipt.unwrap().url()]]);
        let none = Agreement { receipt: None, ..sample() };
        assert!(crate::receipt::tests::media(&agreement_docx(&none).unwrap()).is_empty());
    }

    #[test]
    fn an_agreement_with_every_optional_value_empty_still_reads_sensibly() {
        let a = Agreement {
            org: Party { name: "某某公益基金会".into(), ..Party::default() },
            target: Party { name: "某某村民委员会".into(), ..Party::default() },
            ..Agreement::default()
        };
        let (_, xml) = unpack(&agreement_docx(&a).unwrap());
        assert_well_formed(&xml);
        for needle in [
            "本协议期限自签订之日起至项目完成之日止。",
            "（待编号）",
            "（未列入批次）",
            TO_FILL,
            "帮扶领域：由双方根据乙方实际需求协商确定。",
            "另行协商确定具体帮扶项目",
            "计划投入资金：根据具体帮扶项目另行商定。",
            "根据帮扶项目实际需要安排",
            "结对类型：结对帮扶。",
            "结对帮扶名单公布后及时签订",
        ] {
            assert!(xml.contains(needle), "document.xml lacks {needle}");
        }
        for blank in ["：。", "自起", "至止", "甲方与", "与乙方本着"] {
            assert!(!xml.contains(blank), "an empty value left a blank label: {blank}");
        }
    }

    #[test]
    fn a_team_agreement_names_every_member_its_share_and_a_seal_line() {
        let mut a = sample();
        a.members = vec![
            TeamMember { name: "云南省青少年发展基金会".into(), credit_code: "535300005097103990".into(), county: "云南省昭通市彝良县".into(), role: "教育帮扶".into(), funds_wan: "30.00".into() },
            TeamMember { name: "云南省慈善总会".into(), credit_code: "01530000509710399B".into(), county: "云南省昭通市彝良县".into(), role: "医疗健康".into(), funds_wan: String::new() },
        ];
        let (_, xml) = unpack(&agreement_docx(&a).unwrap());
        assert_well_formed(&xml);
        for needle in [
            "本协议为组团式帮扶协议，帮扶团：教育帮扶团",
            "1. 云南省青少年发展基金会（统一社会信用代码：535300005097103990），结对云南省昭通市彝良县，分工：教育帮扶，承担资金30.00万元。",
            "2. 云南省慈善总会（统一社会信用代码：01530000509710399B），结对云南省昭通市彝良县，分工：医疗健康，承担资金根据具体帮扶项目另行商定。",
            "成员单位（盖章）：云南省慈善总会",
        ] {
            assert!(xml.contains(needle), "document.xml lacks {needle}");
        }
        // The lead seals as 甲方, not again as a member.
        assert!(!xml.contains("成员单位（盖章）：云南省青少年发展基金会"));
        assert!(!xml.contains("所在帮扶团"));
    }

    #[test]
    fn xml_special_characters_in_names_are_escaped() {
        let mut a = sample();
        a.org.name = r#"A&B<公益>"基金会""#.into();
        a.target.address = "X路<1>号 & '2'栋".into();
        a.commitments = "捐赠 <图书> & \"文具\"".into();
        let bytes = agreement_docx(&a).unwrap();
        let (_, xml) = unpack(&bytes);
        assert_well_formed(&xml);
        assert!(xml.contains("A&amp;B&lt;公益&gt;&quot;基金会&quot;"), "name not escaped");
        assert!(!xml.contains("A&B"), "raw & in text");
        assert!(!xml.contains("<公益>") && !xml.contains("<图书>"), "raw < > in text");
        // Every & starts an entity.
        for (i, _) in xml.match_indices('&') {
            let rest = &xml[i..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#"].iter().any(|e| rest.starts_with(e)),
                "unescaped & at {i}: {}",
                &rest[..rest.len().min(20)]
            );
        }
    }
}
