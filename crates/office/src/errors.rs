//! The errors of an import: a bounded list for the page, the full list as a file.
//!
//! Guarantees: an importer keeps at most [`MAX_SHOWN_ERRORS`] errors for display
//! and counts the rest, so a page or `--json` answer never grows with a bad
//! file; [`errors_xlsx`] writes a list as an .xlsx (行, 列, 错误说明) that an
//! officer can sort and filter, in constant memory whatever its length.

use crate::{OfficeError, RowError};
use rust_xlsxwriter::{Format, Workbook};

/// Errors an import lists on its page (and in `--json`); the rest are counted.
pub const MAX_SHOWN_ERRORS: usize = 1_000;

/// Keeps `e` while fewer than `keep` errors are kept, otherwise counts it in `more`.
pub fn keep_error(errors: &mut Vec<RowError>, more: &mut usize, keep: usize, e: RowError) {
    if errors.len() < keep {
        errors.push(e);
    } else {
        *more += 1;
    }
}

/// Rows an .xlsx sheet holds below its header.
pub const MAX_XLSX_ERRORS: usize = 1_048_575;

/// `errors` as an .xlsx with the columns 行, 列, 错误说明; at most
/// [`MAX_XLSX_ERRORS`] are written, with a last line counting the rest.
pub fn errors_xlsx(errors: &[RowError]) -> Result<Vec<u8>, OfficeError> {
    let err = |e: rust_xlsxwriter::XlsxError| OfficeError::Write(e.to_string());
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet_with_constant_memory().map_err(err)?;
    ws.set_name("错误清单").map_err(err)?;
    let bold = Format::new().set_bold();
    for (c, (h, w)) in [("行", 8.0), ("列", 24.0), ("错误说明", 80.0)].into_iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold).map_err(err)?;
        ws.set_column_width(c as u16, w).map_err(err)?;
    }
    let shown = errors.len().min(MAX_XLSX_ERRORS - 1);
    for (i, e) in errors[..shown].iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_number(r, 0, e.row as f64).map_err(err)?;
        ws.write_string(r, 1, &e.column).map_err(err)?;
        ws.write_string(r, 2, &e.message).map_err(err)?;
    }
    if shown < errors.len() {
        let note = format!("另有 {} 处错误未列出（超过表格行数上限）", crate::limits::thousands((errors.len() - shown) as u64));
        ws.write_string(shown as u32 + 1, 2, note).map_err(err)?;
    }
    ws.set_freeze_panes(1, 0).map_err(err)?;
    wb.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_past_the_cap_are_counted_not_kept() {
        let (mut list, mut more) = (Vec::new(), 0);
        for row in 1..=1_005 {
            keep_error(&mut list, &mut more, MAX_SHOWN_ERRORS, RowError { row, column: "名称".into(), message: "名称不能为空".into() });
        }
        assert_eq!((list.len(), more), (1_000, 5));
        assert_eq!(list.last().map(|e| e.row), Some(1_000));
    }

    #[test]
    fn the_error_file_reads_back_with_its_explanation_column() {
        let errors = vec![
            RowError { row: 3, column: "统一社会信用代码".into(), message: "统一社会信用代码不能为空".into() },
            RowError { row: 7, column: "名称".into(), message: "名称不能超过 100 字".into() },
        ];
        let bytes = errors_xlsx(&errors).unwrap();
        let t = crate::read_table("错误.xlsx", &bytes, &[&["错误说明"]]).unwrap();
        assert_eq!(t.headers, vec!["行", "列", "错误说明"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[1].cells, vec!["7", "名称", "名称不能超过 100 字"]);
    }
}
