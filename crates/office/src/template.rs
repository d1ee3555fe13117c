//! Import templates: the layout an import expects, as an `.xlsx` officers download,
//! fill in and upload back.

use crate::OfficeError;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};

/// A one-sheet workbook: a merged title row, a bold header row (required columns
/// marked with `*`), one example row, and text-formatted columns so that codes
/// keep their leading digits.
pub fn template_xlsx(title: &str, headers: &[(&str, bool)], example: &[&str]) -> Result<Vec<u8>, OfficeError> {
    let err = |e: rust_xlsxwriter::XlsxError| OfficeError::Write(e.to_string());
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("导入模板").map_err(err)?;
    let title_fmt = Format::new().set_bold().set_font_size(14).set_align(FormatAlign::Center);
    let head_fmt = Format::new().set_bold().set_border(FormatBorder::Thin).set_background_color("#DDEBF7");
    let text_fmt = Format::new().set_num_format("@");
    let last = headers.len().saturating_sub(1) as u16;
    ws.merge_range(0, 0, 0, last, title, &title_fmt).map_err(err)?;
    for (i, (h, required)) in headers.iter().enumerate() {
        let label = if *required { format!("{h}*") } else { h.to_string() };
        ws.write_string_with_format(1, i as u16, &label, &head_fmt).map_err(err)?;
        ws.set_column_width(i as u16, 18).map_err(err)?;
        ws.set_column_format(i as u16, &text_fmt).map_err(err)?;
    }
    for (i, v) in example.iter().enumerate() {
        ws.write_string(2, i as u16, *v).map_err(err)?;
    }
    wb.save_to_buffer().map_err(err)
}

/// A one-sheet workbook of text cells: a merged title row, a bold header row
/// and the data rows — the layout `read_table` reads back (header on row 2).
pub fn table_xlsx(sheet: &str, title: &str, headers: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, OfficeError> {
    let err = |e: rust_xlsxwriter::XlsxError| OfficeError::Write(e.to_string());
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet).map_err(err)?;
    let title_fmt = Format::new().set_bold().set_font_size(14).set_align(FormatAlign::Center);
    let head_fmt = Format::new().set_bold().set_border(FormatBorder::Thin).set_background_color("#DDEBF7");
    let last = headers.len().saturating_sub(1) as u16;
    ws.merge_range(0, 0, 0, last, title, &title_fmt).map_err(err)?;
    for (i, h) in headers.iter().enumerate() {
        ws.write_string_with_format(1, i as u16, *h, &head_fmt).map_err(err)?;
        ws.set_column_width(i as u16, if i < 2 { 24 } else { 16 }).map_err(err)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 2, c as u16, v).map_err(err)?;
        }
    }
    wb.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_reads_back_as_an_importable_table() {
        let bytes = template_xlsx("认定名单导入模板", &[("区划代码", true), ("名称", false)], &["530628", "彝良县"]).unwrap();
        let t = crate::read_table("模板.xlsx", &bytes, &[&["区划代码"]]).unwrap();
        assert_eq!(t.header_row, 2);
        assert_eq!(t.rows[0].row, 3);
        assert_eq!(t.rows[0].cells, vec!["530628".to_string(), "彝良县".to_string()]);
    }
}
