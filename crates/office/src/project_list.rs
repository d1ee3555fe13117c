//! Jiangsu's 附件2, 社会组织开展乡村振兴项目明细表 (the project detail table),
//! as Excel.
//!
//! Guarantees: [`write_project_list`] writes the seed's layout — row 1 the
//! title merged across the seven columns, row 2 单位（盖章）, 联系人 and 电话,
//! row 3 the header [`PROJECT_LIST_HEADERS`], one row per project from row 4,
//! then the 备注 line of the form. 投入资金（万元） is a number with two
//! decimals (fen divided exactly by 1,000,000), counts are whole numbers, so
//! the sheet sums like the form; A4 landscape with the header rows repeated
//! on every printed page. With no lines it is the blank form an organisation
//! downloads to fill offline ([`project_list_template`]).
//!
//! [`read_project_list`] reads that form back, filled: the header row is
//! found under the title and 单位 rows (`read_table_limited`, within the
//! caller's [`Limits`], so a hostile file is refused with its Chinese reason),
//! every column of [`PROJECT_LIST_HEADERS`] must be there, the 备注 line is
//! skipped rather than read as a project, and each line keeps the row number
//! the spreadsheet shows. Cells are returned as text, unchecked: what they
//! mean is decided by the one reading of a project (`NewProject::parse`).

use crate::{Limits, OfficeError, read_table_limited};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

/// The header row of 附件2, in order.
pub const PROJECT_LIST_HEADERS: [&str; 7] = ["社会组织名称", "帮扶地区（省/市/县）", "项目名称", "项目性质", "投入资金（万元）", "投入人员数", "受益人数"];

/// The form's title.
pub const TITLE: &str = "社会组织开展乡村振兴项目明细表";

/// The form's note, as the seed prints it.
pub const NOTE: &str = "备注：本表由各社会组织填报，项目性质包含民生帮扶、产业帮扶、消费帮扶、教育帮扶、生态帮扶、医疗卫生帮扶、志愿服务及其他。";

/// One project's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectLine {
    pub org_name: String,
    pub region: String,
    pub title: String,
    pub nature: String,
    pub funds_fen: i64,
    pub people: i64,
    pub beneficiaries: i64,
}

const COLUMN_WIDTHS: [f64; 7] = [36.0, 30.0, 36.0, 14.0, 16.0, 12.0, 12.0];

fn err(e: XlsxError) -> OfficeError {
    OfficeError::Write(e.to_string())
}

/// Writes the table for the reporting unit `unit` (单位), one row per line in the order given.
pub fn write_project_list(unit: &str, lines: &[ProjectLine]) -> Result<Vec<u8>, OfficeError> {
    let mut wb = Workbook::new();
    // Written row by row through a temporary file: memory does not grow with the rows.
    let ws = wb.add_worksheet_with_constant_memory().map_err(err)?;
    ws.set_name("项目明细表").map_err(err)?;
    let base = Format::new().set_font_name("宋体").set_font_size(11);
    let title_fmt = base.clone().set_bold().set_font_size(16).set_align(FormatAlign::Center).set_align(FormatAlign::VerticalCenter);
    let head_fmt = base.clone().set_bold().set_border(FormatBorder::Thin).set_align(FormatAlign::Center).set_align(FormatAlign::VerticalCenter).set_text_wrap();
    let text_fmt = base.clone().set_border(FormatBorder::Thin).set_align(FormatAlign::VerticalCenter).set_text_wrap();
    let money_fmt = base.clone().set_border(FormatBorder::Thin).set_num_format("0.00");
    let count_fmt = base.clone().set_border(FormatBorder::Thin).set_num_format("0");
    let last = (PROJECT_LIST_HEADERS.len() - 1) as u16;
    ws.merge_range(0, 0, 0, last, TITLE, &title_fmt).map_err(err)?;
    ws.set_row_height(0, 36).map_err(err)?;
    ws.merge_range(1, 0, 1, 2, &format!("单位（盖章）：{unit}"), &base).map_err(err)?;
    ws.merge_range(1, 3, 1, 4, "联系人：", &base).map_err(err)?;
    ws.merge_range(1, 5, 1, 6, "电话：", &base).map_err(err)?;
    for (c, (h, w)) in PROJECT_LIST_HEADERS.iter().zip(COLUMN_WIDTHS).enumerate() {
        ws.set_column_width(c as u16, w).map_err(err)?;
        ws.write_string_with_format(2, c as u16, *h, &head_fmt).map_err(err)?;
    }
    for (i, l) in lines.iter().enumerate() {
        let r = i as u32 + 3;
        for (c, v) in [&l.org_name, &l.region, &l.title, &l.nature].into_iter().enumerate() {
            ws.write_string_with_format(r, c as u16, v, &text_fmt).map_err(err)?;
        }
        // Fen are exact integers; hundredths of 万元 are exact in the cell's decimal view.
        ws.write_number_with_format(r, 4, l.funds_fen as f64 / 1_000_000.0, &money_fmt).map_err(err)?;
        ws.write_number_with_format(r, 5, l.people as f64, &count_fmt).map_err(err)?;
        ws.write_number_with_format(r, 6, l.beneficiaries as f64, &count_fmt).map_err(err)?;
    }
    let note_row = lines.len() as u32 + 4;
    ws.merge_range(note_row, 0, note_row, last, NOTE, &base.clone().set_text_wrap()).map_err(err)?;
    ws.set_row_height(note_row, 30).map_err(err)?;
    ws.set_freeze_panes(3, 0).map_err(err)?;
    ws.set_landscape();
    ws.set_paper_size(9); // A4
    ws.set_repeat_rows(0, 2).map_err(err)?;
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
    wb.save_to_buffer().map_err(err)
}

/// The blank form: the official layout without lines, headed by `unit`.
pub fn project_list_template(unit: &str) -> Result<Vec<u8>, OfficeError> {
    write_project_list(unit, &[])
}

/// One line of a filled form, its cells as typed (trimmed), in the order of
/// [`PROJECT_LIST_HEADERS`], with the row number the spreadsheet shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilledLine {
    pub row: usize,
    pub cells: [String; 7],
}

/// Header names accepted for each column (compared as `Table::col` does:
/// spaces, `*` and a trailing `（…）` note removed).
const ALIASES: [&[&str]; 7] = [
    &["社会组织名称", "组织名称", "社会组织"],
    &["帮扶地区", "帮扶地区省/市/县"],
    &["项目名称"],
    &["项目性质"],
    &["投入资金"],
    &["投入人员数", "投入人员", "投入人数"],
    &["受益人数", "受益人口"],
];

/// Whether a line is the form's note (备注：… or 注：… in its first filled
/// cell, nothing else on the line), which is not a project.
fn is_note(cells: &[String]) -> bool {
    let mut filled = cells.iter().map(|c| c.trim()).filter(|c| !c.is_empty());
    let first = filled.next().unwrap_or("");
    ["备注", "注：", "注:", "说明："].iter().any(|p| first.starts_with(p)) && filled.next().is_none()
}

/// Reads a filled 附件2 within `limits`: its lines (blank rows and the 备注
/// line skipped), or why the file cannot be read as the form at all.
pub fn read_project_list(file_name: &str, bytes: &[u8], limits: &Limits) -> Result<Vec<FilledLine>, OfficeError> {
    let required = || OfficeError::NoHeader(PROJECT_LIST_HEADERS.join("、"));
    let table = read_table_limited(file_name, bytes, &ALIASES, limits).map_err(|e| match e {
        OfficeError::NoHeader(_) => required(),
        e => e,
    })?;
    let mut cols = [0usize; 7];
    for (c, aliases) in cols.iter_mut().zip(ALIASES) {
        *c = table.col(aliases).ok_or_else(required)?;
    }
    let lines: Vec<FilledLine> = table
        .rows
        .iter()
        .filter(|r| !is_note(&r.cells))
        .map(|r| FilledLine { row: r.row, cells: cols.map(|c| r.get(Some(c)).to_string()) })
        .collect();
    if lines.is_empty() {
        return Err(OfficeError::Empty);
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    #[test]
    fn the_table_reads_back_with_its_header_figures_and_merged_title() {
        let lines = [ProjectLine { org_name: "演示·江苏省乡村振兴公益基金会".into(), region: "陕西省汉中市略阳县".into(), title: "助学".into(), nature: "教育帮扶".into(), funds_fen: 12_345_000, people: 3, beneficiaries: 120 }];
        let bytes = write_project_list("江苏省民政厅", &lines).unwrap();
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let merged = book.merge_cells_by_sheet_name("项目明细表").unwrap();
        assert!(merged.iter().any(|d| d.start == (0, 0) && d.end == (0, 6)), "title merged across the form");
        let sheet = book.worksheet_range("项目明细表").unwrap();
        let header: Vec<String> = (0..7).map(|c| sheet.get_value((2, c)).map(|v| v.to_string()).unwrap_or_default()).collect();
        assert_eq!(header, PROJECT_LIST_HEADERS);
        assert_eq!(sheet.get_value((3, 4)), Some(&Data::Float(12.345)));
        assert_eq!(sheet.get_value((3, 6)), Some(&Data::Float(120.0)));
        assert!(sheet.get_value((5, 0)).is_some_and(|v| v.to_string().starts_with("备注")));
    }

    fn line(region: &str, nature: &str, fen: i64, people: i64, beneficiaries: i64) -> ProjectLine {
        ProjectLine { org_name: "演示·江苏省乡村振兴公益基金会".into(), region: region.into(), title: "助学".into(), nature: nature.into(), funds_fen: fen, people, beneficiaries }
    }

    #[test]
    fn a_written_table_reads_back_line_by_line_without_its_note() {
        let lines = [line("陕西省汉中市略阳县", "教育帮扶", 12_340_000, 3, 120), line("江苏省宿迁市泗阳县", "产业帮扶", 500_000, 0, 7)];
        let bytes = write_project_list("演示·江苏省乡村振兴公益基金会", &lines).unwrap();
        let read = read_project_list("附件2.xlsx", &bytes, &Limits::default()).unwrap();
        assert_eq!(read.len(), 2, "the 备注 line is not a project: {read:?}");
        assert_eq!(read[0].row, 4, "rows are numbered as the spreadsheet shows them");
        assert_eq!(read[0].cells, ["演示·江苏省乡村振兴公益基金会", "陕西省汉中市略阳县", "助学", "教育帮扶", "12.34", "3", "120"].map(String::from));
        assert_eq!(read[1].row, 5);
        assert_eq!((read[1].cells[4].as_str(), read[1].cells[5].as_str()), ("0.5", "0"));
    }

    #[test]
    fn the_blank_form_is_the_layout_with_no_lines() {
        let bytes = project_list_template("某某基金会").unwrap();
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
        let sheet = book.worksheet_range("项目明细表").unwrap();
        let header: Vec<String> = (0..7).map(|c| sheet.get_value((2, c)).map(|v| v.to_string()).unwrap_or_default()).collect();
        assert_eq!(header, PROJECT_LIST_HEADERS);
        assert!(matches!(read_project_list("附件2.xlsx", &bytes, &Limits::default()), Err(OfficeError::Empty)), "only the note below the header");
    }

    #[test]
    fn a_csv_with_the_header_and_a_note_reads_and_a_missing_column_is_named() {
        let text = "社会组织开展乡村振兴项目明细表\n单位（盖章）：某某基金会,,,联系人：,,电话：\n\
                    社会组织名称,帮扶地区（省/市/县）,项目名称,项目性质,投入资金（万元）,投入人员数,受益人数\n\
                    某某基金会,陕西省/汉中市/略阳县,助学,教育帮扶,约5万,2,-3\n\n备注：本表由各社会组织填报\n";
        let read = read_project_list("附件2.csv", text.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!((read[0].row, read[0].cells[4].as_str(), read[0].cells[6].as_str()), (4, "约5万", "-3"));
        let text = "社会组织名称,帮扶地区（省/市/县）,项目名称,项目性质,投入资金（万元）,受益人数\n某某基金会,略阳县,助学,教育帮扶,5,3\n";
        let e = read_project_list("附件2.csv", text.as_bytes(), &Limits::default()).unwrap_err();
        assert!(e.to_string().contains("投入人员数"), "{e}");
    }

    #[test]
    fn hostile_files_are_refused_with_their_chinese_reasons() {
        use crate::hostile;
        let header = &PROJECT_LIST_HEADERS[..];
        let limits = crate::ImportLimits::default().projects();
        for (what, bytes, message) in [
            ("sparse corners", hostile::sparse_corners(true), "文件声明了 1,048,576 行 × 16,384 列，超过上限"),
            ("bomb", hostile::bomb_declaring_much(), "超过上限 200 MB"),
            ("formulas", hostile::formulas(header), "B2 是公式单元格"),
            ("truncated", hostile::truncated(header), "文件已损坏或不完整"),
            ("png", hostile::png(), "文件不是有效的 Excel（.xlsx）或 CSV 文件"),
        ] {
            let e = read_project_list("附件2.xlsx", &bytes, &limits).expect_err(what).to_string();
            assert!(e.contains(message), "{what}: {e}");
        }
    }
}
