//! Reading a table out of an uploaded spreadsheet. See the crate header.

use crate::OfficeError;
use crate::limits::{Limits, column_letters, thousands};

/// One data row with the spreadsheet's own row number (1-based, as shown).
#[derive(Debug, Clone)]
pub struct SheetRow {
    pub row: usize,
    pub cells: Vec<String>,
}

impl SheetRow {
    /// The trimmed text of column `idx`, empty if absent.
    pub fn get(&self, idx: Option<usize>) -> &str {
        idx.and_then(|i| self.cells.get(i)).map(|s| s.trim()).unwrap_or("")
    }

    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// A problem with one cell (or row), for the preview and `--json` output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub message: String,
}

/// A table read from a file: its header and data rows (blank rows dropped).
#[derive(Debug, Clone)]
pub struct Table {
    pub file_name: String,
    pub sheet: String,
    pub header_row: usize,
    pub headers: Vec<String>,
    pub rows: Vec<SheetRow>,
}

impl Table {
    /// Index of the first column whose header (spaces, `*` and `（…）` notes
    /// removed) equals one of `aliases`.
    pub fn col(&self, aliases: &[&str]) -> Option<usize> {
        self.headers.iter().position(|h| aliases.contains(&normalise_header(h).as_str()))
    }
}

fn normalise_header(h: &str) -> String {
    let mut s: String = h.chars().filter(|c| !c.is_whitespace() && *c != '*').collect();
    for open in ['（', '('] {
        if let Some(i) = s.find(open) {
            s.truncate(i);
        }
    }
    s
}

/// [`read_table_limited`] with the registry's limits, the most generous.
pub fn read_table(file_name: &str, bytes: &[u8], required: &[&[&str]]) -> Result<Table, OfficeError> {
    read_table_limited(file_name, bytes, required, &Limits::default())
}

/// Reads `bytes` (named `file_name`) within `limits` and finds the header row
/// containing one alias of every group in `required`.
pub fn read_table_limited(file_name: &str, bytes: &[u8], required: &[&[&str]], limits: &Limits) -> Result<Table, OfficeError> {
    let (sheet, grid) = read_grid(file_name, bytes, limits)?;
    let header_idx = grid
        .iter()
        .position(|cells| {
            let names: Vec<String> = cells.iter().map(|c| normalise_header(c)).collect();
            required.iter().all(|group| group.iter().any(|a| names.iter().any(|n| n == a)))
        })
        .ok_or_else(|| OfficeError::NoHeader(required.iter().map(|g| g[0]).collect::<Vec<_>>().join("、")))?;
    let headers = grid[header_idx].clone();
    let rows: Vec<SheetRow> = grid
        .into_iter()
        .enumerate()
        .skip(header_idx + 1)
        .map(|(i, cells)| SheetRow { row: i + 1, cells })
        .filter(|r| !r.is_blank())
        .collect();
    if rows.is_empty() {
        return Err(OfficeError::Empty);
    }
    Ok(Table { file_name: file_name.to_string(), sheet, header_row: header_idx + 1, headers, rows })
}

/// The first sheet as rows of cell texts (index = row number − 1). The kind is
/// decided by the bytes; the name only has to be one a spreadsheet may have.
pub(crate) fn read_grid(file_name: &str, bytes: &[u8], limits: &Limits) -> Result<(String, Vec<Vec<String>>), OfficeError> {
    let lower = file_name.to_lowercase();
    if ![".csv", ".xlsx", ".xlsm", ".xls", ".ods"].iter().any(|ext| lower.ends_with(ext)) {
        return Err(OfficeError::UnsupportedType);
    }
    if bytes.is_empty() {
        return Err(OfficeError::EmptyFile);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return crate::xlsx::read(bytes, limits);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Err(OfficeError::OldFormat("旧版 Excel（.xls）"));
    }
    // Text has no NUL bytes; images, PDFs and the like do within their first bytes.
    if lower.ends_with(".csv") && !bytes[..bytes.len().min(8192)].contains(&0) {
        return Ok(("CSV".to_string(), read_csv(bytes, limits)?));
    }
    Err(OfficeError::NotSpreadsheet)
}

fn read_csv(bytes: &[u8], limits: &Limits) -> Result<Vec<Vec<String>>, OfficeError> {
    if bytes.len() as u64 > limits.max_uncompressed_bytes {
        return Err(OfficeError::TooLarge(format!(
            "文件有 {} MB，超过上限 {} MB",
            bytes.len() as u64 / (1024 * 1024),
            limits.max_uncompressed_bytes / (1024 * 1024)
        )));
    }
    let text = decode_text(bytes);
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    // The csv reader skips empty lines without counting them; place each record
    // at the line where its text starts so that row numbers are those an editor shows.
    let bytes = text.as_bytes();
    let mut grid: Vec<Vec<String>> = Vec::new();
    let (mut scanned, mut line, mut cells) = (0usize, 1usize, 0usize);
    for rec in rdr.records() {
        let rec = rec.map_err(|_| OfficeError::Damaged)?;
        let mut start = rec.position().map(|p| p.byte() as usize).unwrap_or(scanned).max(scanned);
        while start < bytes.len() && matches!(bytes[start], b'\n' | b'\r') {
            start += 1;
        }
        line += bytes[scanned..start].iter().filter(|&&b| b == b'\n').count();
        scanned = start;
        if line > limits.max_rows {
            return Err(too_many_rows(text.lines().count(), limits));
        }
        let width = rec.iter().enumerate().filter(|(_, f)| !f.trim().is_empty()).last().map_or(0, |(i, _)| i + 1);
        if width > limits.max_columns {
            return Err(too_many_columns(line, width, limits));
        }
        cells += width;
        if cells > limits.max_cells() {
            return Err(too_many_cells(limits));
        }
        while grid.len() + 1 < line {
            grid.push(Vec::new());
        }
        grid.push(rec.iter().take(width).map(|s| s.to_string()).collect());
    }
    Ok(grid)
}

pub(crate) fn too_many_rows(rows: usize, limits: &Limits) -> OfficeError {
    OfficeError::TooLarge(format!(
        "文件有 {} 行，超过上限 {} 行；请分成几个文件导入",
        thousands(rows as u64),
        thousands(limits.max_rows as u64)
    ))
}

pub(crate) fn too_many_columns(row: usize, col: usize, limits: &Limits) -> OfficeError {
    OfficeError::TooLarge(format!(
        "第 {} 行第 {} 列（{} 列）有内容，超过上限 {} 列；请删除多余的列",
        thousands(row as u64),
        thousands(col as u64),
        column_letters(col),
        thousands(limits.max_columns as u64)
    ))
}

pub(crate) fn too_many_cells(limits: &Limits) -> OfficeError {
    OfficeError::TooLarge(format!("文件的单元格超过上限 {} 个；请分成几个文件导入", thousands(limits.max_cells() as u64)))
}

/// UTF-8 (BOM stripped) if valid, otherwise GBK.
fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GBK.decode(bytes).0.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_in_gbk_with_a_title_row_reads_with_spreadsheet_row_numbers() {
        let text = "国家乡村振兴重点帮扶县名单\n区划代码,名称*\n530628,彝良县\n\n530627,镇雄县\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let t = read_table("名单.csv", &gbk, &[&["区划代码"]]).unwrap();
        assert_eq!(t.header_row, 2);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].row, 3);
        assert_eq!(t.rows[1].row, 5, "blank row 4 is skipped but numbering keeps it");
        assert_eq!(t.col(&["名称"]), Some(1));
        assert_eq!(t.rows[1].get(t.col(&["名称"])), "镇雄县");
    }

    #[test]
    fn xlsx_numbers_and_dates_read_as_people_see_them() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "区划代码").unwrap();
        ws.write_string(0, 1, "认定日期").unwrap();
        ws.write_number(1, 0, 530628.0).unwrap();
        let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2021, 8, 27).unwrap();
        ws.write_datetime_with_format(1, 1, &date, &fmt).unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let t = read_table("list.xlsx", &bytes, &[&["区划代码"]]).unwrap();
        assert_eq!(t.rows[0].row, 2);
        assert_eq!(t.rows[0].cells, vec!["530628".to_string(), "2021-08-27".to_string()]);
    }

    #[test]
    fn unreadable_inputs_say_why() {
        assert!(matches!(read_table("a.pdf", b"x", &[&["区划代码"]]), Err(OfficeError::UnsupportedType)));
        assert!(matches!(read_table("a.xlsx", b"not a zip", &[&["区划代码"]]), Err(OfficeError::NotSpreadsheet)));
        assert!(matches!(read_table("a.csv", "名称\n彝良县\n".as_bytes(), &[&["区划代码"]]), Err(OfficeError::NoHeader(_))));
        assert!(matches!(read_table("a.csv", "区划代码\n".as_bytes(), &[&["区划代码"]]), Err(OfficeError::Empty)));
    }
}

#[cfg(test)]
mod hostile_tests {
    use super::*;
    use crate::hostile;

    const HEADER: &[&str] = &["统一社会信用代码", "名称", "区划代码"];

    #[test]
    fn every_hostile_file_is_refused_with_its_message() {
        let dir = tempfile::tempdir().unwrap();
        for h in hostile::hostile_files(dir.path(), HEADER) {
            let e = read_table_limited(h.name, &h.bytes, &[&["统一社会信用代码"]], &Limits::default())
                .expect_err(h.what)
                .to_string();
            assert!(e.contains(h.message), "{}: {e}", h.what);
            assert!(!e.chars().any(|c| c.is_ascii_alphabetic() && !"XFDMB.xlsCSVExcelB".contains(c)), "{}: English in {e}", h.what);
        }
    }

    #[test]
    fn a_formula_is_refused_even_with_a_cached_value() {
        let bytes = hostile::formulas(HEADER);
        let e = read_table("f.xlsx", &bytes, &[&["统一社会信用代码"]]).unwrap_err();
        assert!(matches!(&e, OfficeError::Formula { cell, .. } if cell == "B2"), "{e}");
    }

    #[test]
    fn a_dimension_that_lies_small_does_not_let_far_cells_in() {
        // The counting pass, not the declaration, decides: XFD1048576 has a value.
        let e = read_table("s.xlsx", &hostile::sparse_corners(false), &[&["名称"]]).unwrap_err();
        assert!(e.to_string().contains("文件有 1,048,576 行"), "{e}");
        let wide = Limits { max_rows: 2_000_000, ..Limits::default() };
        let e = read_table_limited("s.xlsx", &hostile::sparse_corners(false), &[&["名称"]], &wide).unwrap_err();
        assert!(e.to_string().contains("第 1,048,576 行第 16,384 列（XFD 列）有内容，超过上限 200 列"), "{e}");
    }

    #[test]
    fn limits_are_the_configured_ones() {
        let small = Limits { max_rows: 3, max_columns: 2, max_uncompressed_bytes: 1024 * 1024, max_zip_entries: 10 };
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for r in 0..4 {
            ws.write_string(r, 0, "名称").unwrap();
        }
        let bytes = wb.save_to_buffer().unwrap();
        let e = read_table_limited("a.xlsx", &bytes, &[&["名称"]], &small).unwrap_err();
        assert!(e.to_string().contains("文件声明了 4 行 × 1 列，超过上限（3 行 × 2 列）"), "{e}");
        let e = read_table_limited("a.csv", "名称\na\nb\nc\n".as_bytes(), &[&["名称"]], &small).unwrap_err();
        assert!(e.to_string().contains("文件有 4 行，超过上限 3 行"), "{e}");
        let e = read_table_limited("a.csv", "名称,a,b\n".as_bytes(), &[&["名称"]], &small).unwrap_err();
        assert!(e.to_string().contains("第 1 行第 3 列（C 列）有内容，超过上限 2 列"), "{e}");
        let e = read_table_limited("a.xlsx", &hostile::bomb_declaring_much(), &[&["名称"]], &small).unwrap_err();
        assert!(e.to_string().contains("超过上限 1 MB"), "{e}");
    }

    #[test]
    fn the_kind_is_decided_by_the_bytes() {
        assert!(matches!(read_table("a.csv", &hostile::png(), &[&["名称"]]), Err(OfficeError::NotSpreadsheet)));
        assert!(matches!(read_table("a.csv", b"", &[&["名称"]]), Err(OfficeError::EmptyFile)));
        let ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0];
        assert_eq!(read_table("a.xls", &ole, &[&["名称"]]).unwrap_err().to_string(), "暂不支持旧版 Excel（.xls）文件，请在 Excel 或 WPS 中另存为 .xlsx 后上传");
        // An .xlsx uploaded under a .csv name is still read as what it is.
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "名称").unwrap();
        ws.write_string(1, 0, "彝良县").unwrap();
        let t = read_table("a.csv", &wb.save_to_buffer().unwrap(), &[&["名称"]]).unwrap();
        assert_eq!(t.rows[0].cells, vec!["彝良县"]);
    }

    #[test]
    fn shared_and_inline_strings_rich_text_and_entities_read_back() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "名称").unwrap();
        ws.write_string(0, 2, "备注").unwrap();
        ws.write_string(2, 0, "A&B <县>").unwrap();
        ws.write_boolean(2, 1, true).unwrap();
        ws.write_number(2, 2, 0.5).unwrap();
        let bold = rust_xlsxwriter::Format::new().set_bold();
        ws.write_rich_string(3, 0, &[(&bold, "彝良"), (&rust_xlsxwriter::Format::default(), "县")]).unwrap();
        let t = read_table("a.xlsx", &wb.save_to_buffer().unwrap(), &[&["名称"]]).unwrap();
        assert_eq!(t.rows[0].row, 3);
        assert_eq!(t.rows[0].cells, vec!["A&B <县>", "是", "0.5"]);
        assert_eq!(t.rows[1].cells, vec!["彝良县"]);
    }
}
