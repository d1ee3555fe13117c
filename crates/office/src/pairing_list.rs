//! The official pairing list (结对帮扶名单) as Excel, and reading it back.
//!
//! Guarantees:
//! - [`write_pairing_list`] writes the published layout: row 1 the title merged
//!   across all eight columns, row 2 the header [`PAIRING_LIST_HEADERS`], data
//!   from row 3 with 序号 1..n; codes are text cells (format `@`) so they keep
//!   their leading digits; thin borders, a bold filled header, the two top rows
//!   frozen and repeated on every printed page.
//! - [`pairing_list_template`] is the same layout, so an officer fills in the
//!   file they download and uploads it unchanged.
//! - [`read_pairing_list`] reads that layout (xlsx or csv, UTF-8 or GBK) and
//!   accepts the usual header variants; each row keeps its spreadsheet row
//!   number, and a missing required value is reported by row and by the
//!   column's name in the file.
//! - Only layout and required values are checked here: credit codes and names
//!   are validated and resolved to records by the store.

use crate::receipt::Receipt;
use crate::{ImportLimits, Limits, OfficeError, RowError, read_table_limited};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

/// The header row of the official list, in order.
pub const PAIRING_LIST_HEADERS: [&str; 8] = [
    "序号",
    "社会组织名称",
    "统一社会信用代码",
    "业务主管单位",
    "结对县（市、区）所在省份",
    "结对县（市、区）",
    "批次",
    "备注",
];

/// One line of the list (序号 is its position, not stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRow {
    pub org_name: String,
    pub credit_code: String,
    pub supervisor: String,
    pub province: String,
    pub county: String,
    pub batch: String,
    pub note: String,
}

impl ListRow {
    fn cells(&self) -> [&str; 7] {
        [&self.org_name, &self.credit_code, &self.supervisor, &self.province, &self.county, &self.batch, &self.note]
    }
}

const SHEET_NAME: &str = "结对帮扶名单";
/// Widths in characters, one per header, wide enough for typical values
/// (an organisation name runs to 20 characters or more).
const COLUMN_WIDTHS: [f64; 8] = [7.0, 40.0, 22.0, 26.0, 16.0, 20.0, 34.0, 20.0];

fn err(e: XlsxError) -> OfficeError {
    OfficeError::Write(e.to_string())
}

/// Writes the list under `title`; 序号 runs 1..n in the order given.
pub fn write_pairing_list(title: &str, rows: &[ListRow]) -> Result<Vec<u8>, OfficeError> {
    write_published_list(title, rows, None)
}

/// As [`write_pairing_list`], with the published batch's log receipt on a second sheet (核验回执).
pub fn write_published_list(title: &str, rows: &[ListRow], receipt: Option<&Receipt>) -> Result<Vec<u8>, OfficeError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(SHEET_NAME).map_err(err)?;
    let base = Format::new().set_font_name("宋体").set_font_size(11);
    let title_fmt = base
        .clone()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let head_fmt = base
        .clone()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color("#DDEBF7")
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let text_fmt = base
        .clone()
        .set_num_format("@")
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let seq_fmt = base
        .clone()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    // Cells typed later into empty rows stay text too, so codes keep their digits.
    let column_fmt = base.set_num_format("@");

    let last = (PAIRING_LIST_HEADERS.len() - 1) as u16;
    ws.merge_range(0, 0, 0, last, title, &title_fmt).map_err(err)?;
    ws.set_row_height(0, 36).map_err(err)?;
    ws.set_row_height(1, 32).map_err(err)?;
    for (c, (h, w)) in PAIRING_LIST_HEADERS.iter().zip(COLUMN_WIDTHS).enumerate() {
        let c = c as u16;
        ws.set_column_width(c, w).map_err(err)?;
        if c > 0 {
            ws.set_column_format(c, &column_fmt).map_err(err)?;
        }
        ws.write_string_with_format(1, c, *h, &head_fmt).map_err(err)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = i as u32 + 2;
        // 序号 is a number so that it sorts and sums like one.
        ws.write_number_with_format(r, 0, (i + 1) as f64, &seq_fmt).map_err(err)?;
        for (c, v) in row.cells().iter().enumerate() {
            ws.write_string_with_format(r, c as u16 + 1, *v, &text_fmt).map_err(err)?;
        }
    }
    ws.set_freeze_panes(2, 0).map_err(err)?;
    ws.set_landscape();
    ws.set_paper_size(9); // A4
    ws.set_repeat_rows(0, 1).map_err(err)?;
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
    if let Some(r) = receipt {
        r.add_sheet(&mut wb).map_err(err)?;
    }
    wb.save_to_buffer().map_err(err)
}

/// The import template: the official layout titled "结对帮扶名单导入模板",
/// with one example row.
pub fn pairing_list_template() -> Result<Vec<u8>, OfficeError> {
    write_pairing_list(
        "结对帮扶名单导入模板",
        &[ListRow {
            org_name: "云南省青少年发展基金会".into(),
            credit_code: "535300005097103990".into(),
            supervisor: "共青团云南省委".into(),
            province: "云南省".into(),
            county: "彝良县".into(),
            batch: "第一批".into(),
            note: "示例行，导入前请删除".into(),
        }],
    )
}

// Header aliases, compared after `normalise` below.
const ORG: &[&str] = &["社会组织名称", "组织名称", "社会组织"];
const CODE: &[&str] = &["统一社会信用代码", "社会信用代码", "信用代码"];
const COUNTY: &[&str] = &["结对县", "帮扶县", "结对县市区"];
const SUPERVISOR: &[&str] = &["业务主管单位", "主管单位"];
const PROVINCE: &[&str] = &["结对县所在省份", "所在省份", "省份"];
const BATCH: &[&str] = &["批次"];
const NOTE: &[&str] = &["备注"];

/// `read_table` cuts a header at its first bracket, which turns
/// "结对县（市、区）所在省份" into "结对县" as well; here the "（市、区）" note
/// is dropped first so the province column is not taken for the county.
fn normalise(h: &str) -> String {
    let mut s: String = h.chars().filter(|c| !c.is_whitespace() && *c != '*').collect();
    for note in ["（市、区）", "(市、区)", "（市,区）", "(市,区)"] {
        s = s.replace(note, "");
    }
    for open in ['（', '('] {
        if let Some(i) = s.find(open) {
            s.truncate(i);
        }
    }
    s
}

fn find_col(headers: &[String], aliases: &[&str]) -> Option<usize> {
    let names: Vec<String> = headers.iter().map(|h| normalise(h)).collect();
    aliases.iter().find_map(|a| names.iter().position(|n| n == a))
}

/// What [`read_pairing_list`] returns: complete rows with their spreadsheet
/// row numbers, and the errors of the others.
pub type PairingListRead = (Vec<(usize, ListRow)>, Vec<RowError>);

/// Reads an uploaded list (xlsx or csv, same layout; title rows above the
/// header are skipped by `read_table`) within the pairing list's default limits.
///
/// Required columns: 社会组织名称, 统一社会信用代码, 结对县（市、区）; optional:
/// 业务主管单位, 所在省份, 批次, 备注. Header variants accepted: 组织名称 /
/// 社会组织; 信用代码; 结对县 / 帮扶县; 省份 / 所在省份 / 结对县（市、区）所在省份.
///
/// Returns the complete rows with their spreadsheet row numbers, and one
/// [`RowError`] per missing required value (the column as named in the file's
/// header); a row with an error is not among the returned rows. Blank rows are
/// skipped. A file without the required columns is [`OfficeError::NoHeader`].
pub fn read_pairing_list(file_name: &str, bytes: &[u8]) -> Result<PairingListRead, OfficeError> {
    read_pairing_list_limited(file_name, bytes, &ImportLimits::default().pairing())
}

/// [`read_pairing_list`] within `limits`.
pub fn read_pairing_list_limited(file_name: &str, bytes: &[u8], limits: &Limits) -> Result<PairingListRead, OfficeError> {
    let required = "社会组织名称、统一社会信用代码、结对县（市、区）";
    let no_header = || OfficeError::NoHeader(required.to_string());
    // `read_table` only locates the header row; the columns are then found with
    // the stricter `normalise`.
    let table = read_table_limited(file_name, bytes, &[ORG, CODE, &["结对县", "帮扶县"]], limits).map_err(|e| match e {
        OfficeError::NoHeader(_) => no_header(),
        e => e,
    })?;
    let org = find_col(&table.headers, ORG).ok_or_else(no_header)?;
    let code = find_col(&table.headers, CODE).ok_or_else(no_header)?;
    let county = find_col(&table.headers, COUNTY).ok_or_else(no_header)?;
    let supervisor = find_col(&table.headers, SUPERVISOR);
    let province = find_col(&table.headers, PROVINCE);
    let batch = find_col(&table.headers, BATCH);
    let note = find_col(&table.headers, NOTE);
    let column_name = |idx: usize, official: &str| {
        let h: String = table.headers[idx].trim().trim_end_matches('*').trim().to_string();
        if h.is_empty() { official.to_string() } else { h }
    };

    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for r in &table.rows {
        let item = ListRow {
            org_name: r.get(Some(org)).to_string(),
            credit_code: r.get(Some(code)).to_string(),
            supervisor: r.get(supervisor).to_string(),
            province: r.get(province).to_string(),
            county: r.get(Some(county)).to_string(),
            batch: r.get(batch).to_string(),
            note: r.get(note).to_string(),
        };
        let mut complete = true;
        for (idx, official, value) in [
            (org, PAIRING_LIST_HEADERS[1], &item.org_name),
            (code, PAIRING_LIST_HEADERS[2], &item.credit_code),
            (county, PAIRING_LIST_HEADERS[5], &item.county),
        ] {
            if value.is_empty() {
                complete = false;
                let column = column_name(idx, official);
                errors.push(RowError { row: r.row, message: format!("{column}不能为空"), column });
            }
        }
        if complete {
            rows.push((r.row, item));
        }
    }
    Ok((rows, errors))
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};
    use std::io::Cursor;

    fn row(org: &str, code: &str, county: &str) -> ListRow {
        ListRow {
            org_name: org.into(),
            credit_code: code.into(),
            supervisor: "云南省民政厅".into(),
            province: "云南省".into(),
            county: county.into(),
            batch: "第一批".into(),
            note: String::new(),
        }
    }

    fn sample() -> Vec<ListRow> {
        vec![
            row("云南省青少年发展基金会", "535300005097103990", "彝良县"),
            // Leading zeros must survive: a code written as a number would lose them.
            row("云南省慈善总会", "01530000509710399B", "镇雄县"),
            ListRow {
                note: "组团式：教育帮扶团".into(), ..row("云南省扶贫基金会", "53530000000000001J", "会泽县")
            },
        ]
    }

    #[test]
    fn a_written_list_reads_back_with_row_numbers_from_3() {
        let rows = sample();
        let bytes = write_pairing_list("云南省社会组织与129个县（市、区）结对帮扶名单（第一批）", &rows).unwrap();
        let (read, errors) = read_pairing_list("名单.xlsx", &bytes).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(read.iter().map(|(n, _)| *n).collect::<Vec<_>>(), vec![3, 4, 5]);
        assert_eq!(read.into_iter().map(|(_, r)| r).collect::<Vec<_>>(), rows);
    }

    #[test]
    fn calamine_sees_the_merged_title_and_the_exact_header() {
        let title = "全国性社会组织、东部省（直辖市）社会组织与160个国家乡村振兴重点帮扶县结对帮扶名单";
        let bytes = write_pairing_list(title, &sample()).unwrap();
        let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        let merged = wb.merge_cells_by_sheet_name(SHEET_NAME).unwrap();
        assert_eq!(merged.len(), 1);
        assert_eq!((merged[0].start, merged[0].end), ((0, 0), (0, 7)), "title merged over A1:H1");
        let range = wb.worksheet_range(SHEET_NAME).unwrap();
        assert_eq!(range.get_value((0, 0)), Some(&Data::String(title.to_string())));
        let header: Vec<String> =
            (0..8).map(|c| range.get_value((1, c)).map(|d| d.to_string()).unwrap_or_default()).collect();
        assert_eq!(header, PAIRING_LIST_HEADERS.map(String::from).to_vec());
        assert_eq!(range.get_value((2, 0)), Some(&Data::Float(1.0)), "序号 starts at 1");
        assert_eq!(range.get_value((4, 0)), Some(&Data::Float(3.0)));
        assert_eq!(range.get_value((3, 2)), Some(&Data::String("01530000509710399B".into())));
    }

    #[test]
    fn the_template_is_the_official_layout_with_one_example_row() {
        let bytes = pairing_list_template().unwrap();
        let (read, errors) = read_pairing_list("模板.xlsx", &bytes).unwrap();
        assert!(errors.is_empty());
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].0, 3);
        assert_eq!(read[0].1.county, "彝良县");
    }

    #[test]
    fn a_gbk_csv_with_the_same_header_and_aliases_reads() {
        let text = "结对帮扶名单\n\
                    序号,社会组织名称,统一社会信用代码,业务主管单位,结对县（市、区）所在省份,结对县（市、区）,批次,备注\n\
                    1,云南省慈善总会,01530000509710399B,云南省民政厅,云南省,镇雄县,第一批,\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let (read, errors) = read_pairing_list("名单.csv", &gbk).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            read,
            vec![(3, ListRow { note: String::new(), ..row("云南省慈善总会", "01530000509710399B", "镇雄县") })]
        );

        let text = "组织名称,信用代码,省份,帮扶县\n某某基金会,53530000000000001J,云南省,彝良县\n";
        let (read, _) = read_pairing_list("名单.csv", text.as_bytes()).unwrap();
        let r = &read[0].1;
        assert_eq!((r.org_name.as_str(), r.province.as_str(), r.county.as_str()), ("某某基金会", "云南省", "彝良县"));
    }

    #[test]
    fn a_row_without_its_county_is_an_error_at_that_row_and_column() {
        let rows = vec![
            row("云南省慈善总会", "535300005097103990", "镇雄县"),
            row("云南省扶贫基金会", "53530000000000001J", ""),
        ];
        let bytes = write_pairing_list("名单", &rows).unwrap();
        let (read, errors) = read_pairing_list("名单.xlsx", &bytes).unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].row, 4);
        assert_eq!(errors[0].column, "结对县（市、区）");
        assert!(errors[0].message.contains("不能为空"));
    }

    #[test]
    fn a_file_without_the_required_header_is_no_header() {
        let text = "社会组织名称,统一社会信用代码,业务主管单位\n某某基金会,53530000000000001J,云南省民政厅\n";
        assert!(matches!(read_pairing_list("名单.csv", text.as_bytes()), Err(OfficeError::NoHeader(_))));
        // Only the province column: its name starts like the county's but is not it.
        let text = "社会组织名称,统一社会信用代码,结对县（市、区）所在省份\n某某基金会,53530000000000001J,云南省\n";
        assert!(matches!(read_pairing_list("名单.csv", text.as_bytes()), Err(OfficeError::NoHeader(_))));
    }
}
