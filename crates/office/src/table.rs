//! Reading a table out of an uploaded spreadsheet. See the crate header.

use crate::OfficeError;
use calamine::{Data, Reader};
use std::io::Cursor;

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

/// Reads `bytes` (named `file_name`) and finds the header row containing one
/// alias of every group in `required`.
pub fn read_table(file_name: &str, bytes: &[u8], required: &[&[&str]]) -> Result<Table, OfficeError> {
    let lower = file_name.to_lowercase();
    let (sheet, grid) = if lower.ends_with(".csv") {
        ("CSV".to_string(), read_csv(bytes)?)
    } else if lower.ends_with(".xlsx") || lower.ends_with(".xlsm") || lower.ends_with(".xls") || lower.ends_with(".ods") {
        read_workbook(bytes)?
    } else {
        return Err(OfficeError::UnsupportedType);
    };
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

fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, OfficeError> {
    let text = decode_text(bytes);
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    // The csv reader skips empty lines without counting them; place each record
    // at the line where its text starts so that row numbers are those an editor shows.
    let bytes = text.as_bytes();
    let mut grid: Vec<Vec<String>> = Vec::new();
    let (mut scanned, mut line) = (0usize, 1usize);
    for rec in rdr.records() {
        let rec = rec.map_err(|e| OfficeError::Unreadable(e.to_string()))?;
        let mut start = rec.position().map(|p| p.byte() as usize).unwrap_or(scanned).max(scanned);
        while start < bytes.len() && matches!(bytes[start], b'\n' | b'\r') {
            start += 1;
        }
        line += bytes[scanned..start].iter().filter(|&&b| b == b'\n').count();
        scanned = start;
        while grid.len() + 1 < line {
            grid.push(Vec::new());
        }
        grid.push(rec.iter().map(|s| s.to_string()).collect());
    }
    Ok(grid)
}

/// UTF-8 (BOM stripped) if valid, otherwise GBK.
fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GBK.decode(bytes).0.into_owned(),
    }
}

fn read_workbook(bytes: &[u8]) -> Result<(String, Vec<Vec<String>>), OfficeError> {
    let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| OfficeError::Unreadable(e.to_string()))?;
    let name = wb.sheet_names().first().cloned().ok_or(OfficeError::Empty)?;
    let range = wb.worksheet_range(&name).map_err(|e| OfficeError::Unreadable(e.to_string()))?;
    // Row numbers must match what Excel shows even when the used range does not
    // start at A1.
    let (first_row, first_col) = range.start().map(|(r, c)| (r as usize, c as usize)).unwrap_or((0, 0));
    let mut grid: Vec<Vec<String>> = vec![Vec::new(); first_row];
    for row in range.rows() {
        let mut cells = vec![String::new(); first_col];
        cells.extend(row.iter().map(cell_text));
        grid.push(cells);
    }
    Ok((name, grid))
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "是".into() } else { "否".into() },
        Data::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{d:02}")
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
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
        assert!(matches!(read_table("a.xlsx", b"not a zip", &[&["区划代码"]]), Err(OfficeError::Unreadable(_))));
        assert!(matches!(read_table("a.csv", "名称\n彝良县\n".as_bytes(), &[&["区划代码"]]), Err(OfficeError::NoHeader(_))));
        assert!(matches!(read_table("a.csv", "区划代码\n".as_bytes(), &[&["区划代码"]]), Err(OfficeError::Empty)));
    }
}
