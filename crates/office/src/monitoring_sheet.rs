//! A batch of the export to the national monitoring system as an Excel workbook.
//!
//! Guarantees: [`write`] lays the main sheet out as the layout
//! (`duijie_domain::monitoring::Layout`) says — the title merged across the
//! table, a line naming the region, period, batch and who exported it, the
//! batch's log receipt (可验证日志回执：第 N 条 <叶哈希>) with the address of the
//! public 核验 page, the header, one line per row, then the layout's notes —
//! and a second sheet 更正 listing the corrections against the previous batch
//! (更正类型 新增/修改/删除, the row's cells, what changed), carrying the same
//! receipt, and a third sheet 核验回执 with its QR code. Money (fen) is written as a number of 万元 with two decimals,
//! counts as whole numbers, text as text (codes keep their leading digits).
//! The cells come only from the rows given: the file never computes a figure.

use crate::receipt::Receipt;
use crate::OfficeError;
use duijie_domain::monitoring::{Cell, Correction, Layout, Row};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

fn err(e: XlsxError) -> OfficeError {
    OfficeError::Write(e.to_string())
}

/// The name of the corrections sheet.
pub const CORRECTIONS_SHEET: &str = "更正";
/// The header of the corrections sheet's first column.
pub const KIND_HEADER: &str = "更正类型";
/// The header of the corrections sheet's last column.
pub const WHAT_HEADER: &str = "更正内容";
/// The row (0-based) of the main sheet's header; data follows it.
pub const HEADER_ROW: u32 = 3;

/// What a batch's file shows.
pub struct Sheet<'a> {
    pub layout: &'a Layout,
    /// 填报地区、统计期、批次、导出人 in one line.
    pub info: String,
    /// The batch's log receipt (none before it is recorded): its line heads both
    /// sheets and its QR code is on the sheet 核验回执.
    pub receipt: Option<&'a Receipt>,
    pub rows: &'a [Row],
    /// The corrections sheet's title line (which batch it corrects, or that it is the first).
    pub corrections_title: String,
    pub corrections: &'a [Correction],
}

struct Formats {
    base: Format,
    title: Format,
    head: Format,
    text: Format,
    money: Format,
    count: Format,
}

fn formats() -> Formats {
    let base = Format::new().set_font_name("宋体").set_font_size(11);
    Formats {
        title: base.clone().set_bold().set_font_size(16).set_align(FormatAlign::Center).set_align(FormatAlign::VerticalCenter),
        head: base.clone().set_bold().set_border(FormatBorder::Thin).set_align(FormatAlign::Center).set_align(FormatAlign::VerticalCenter).set_text_wrap(),
        text: base.clone().set_border(FormatBorder::Thin).set_align(FormatAlign::VerticalCenter).set_text_wrap(),
        money: base.clone().set_border(FormatBorder::Thin).set_num_format("0.00"),
        count: base.clone().set_border(FormatBorder::Thin).set_num_format("0"),
        base,
    }
}

fn line(ws: &mut Worksheet, r: u32, last: u16, text: &str, fmt: &Format) -> Result<(), OfficeError> {
    if last == 0 {
        ws.write_string_with_format(r, 0, text, fmt).map_err(err)?;
    } else {
        ws.merge_range(r, 0, r, last, text, fmt).map_err(err)?;
    }
    Ok(())
}

fn cell(ws: &mut Worksheet, r: u32, c: u16, v: &Cell, f: &Formats) -> Result<(), OfficeError> {
    match v {
        Cell::Text(t) => ws.write_string_with_format(r, c, t, &f.text),
        Cell::Money(fen) => ws.write_number_with_format(r, c, *fen as f64 / 1_000_000.0, &f.money),
        Cell::Count(n) => ws.write_number_with_format(r, c, *n as f64, &f.count),
    }
    .map_err(err)?;
    Ok(())
}

fn setup(ws: &mut Worksheet, header_row: u32) -> Result<(), OfficeError> {
    ws.set_freeze_panes(header_row + 1, 0).map_err(err)?;
    ws.set_landscape();
    ws.set_paper_size(9); // A4
    ws.set_repeat_rows(0, header_row).map_err(err)?;
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}

/// The workbook of a batch.
pub fn write(s: &Sheet<'_>) -> Result<Vec<u8>, OfficeError> {
    let f = formats();
    let mut wb = Workbook::new();
    let receipt_line = s.receipt.map_or_else(|| "可验证日志回执：尚未记入可验证日志".to_string(), Receipt::line);
    let columns = &s.layout.columns;
    let width = columns.len() as u16;
    {
        let ws = wb.add_worksheet();
        ws.set_name(&s.layout.sheet).map_err(err)?;
        let last = width.saturating_sub(1);
        line(ws, 0, last, &s.layout.title, &f.title)?;
        ws.set_row_height(0, 32).map_err(err)?;
        line(ws, 1, last, &s.info, &f.base)?;
        line(ws, 2, last, &receipt_line, &f.base)?;
        for (c, col) in columns.iter().enumerate() {
            ws.write_string_with_format(HEADER_ROW, c as u16, &col.header, &f.head).map_err(err)?;
            ws.set_column_width(c as u16, col.width.unwrap_or(14.0)).map_err(err)?;
        }
        let mut r = HEADER_ROW + 1;
        for row in s.rows {
            for (c, col) in columns.iter().enumerate() {
                cell(ws, r, c as u16, &row.cell(col.figure), &f)?;
            }
            r += 1;
        }
        if s.rows.is_empty() {
            line(ws, r, last, "本地区本统计期没有结对或帮扶项目记录", &f.text)?;
            r += 1;
        }
        r += 1;
        for note in &s.layout.notes {
            line(ws, r, last, note, &f.base.clone().set_text_wrap())?;
            ws.set_row_height(r, 30).map_err(err)?;
            r += 1;
        }
        setup(ws, HEADER_ROW)?;
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name(CORRECTIONS_SHEET).map_err(err)?;
        let last = width + 1;
        line(ws, 0, last, &s.corrections_title, &f.title)?;
        line(ws, 1, last, &receipt_line, &f.base)?;
        ws.write_string_with_format(2, 0, KIND_HEADER, &f.head).map_err(err)?;
        ws.set_column_width(0, 10).map_err(err)?;
        for (c, col) in columns.iter().enumerate() {
            ws.write_string_with_format(2, c as u16 + 1, &col.header, &f.head).map_err(err)?;
            ws.set_column_width(c as u16 + 1, col.width.unwrap_or(14.0)).map_err(err)?;
        }
        ws.write_string_with_format(2, width + 1, WHAT_HEADER, &f.head).map_err(err)?;
        ws.set_column_width(width + 1, 40).map_err(err)?;
        let mut r = 3;
        for corr in s.corrections {
            ws.write_string_with_format(r, 0, corr.kind.label(), &f.text).map_err(err)?;
            for (c, col) in columns.iter().enumerate() {
                cell(ws, r, c as u16 + 1, &corr.row().cell(col.figure), &f)?;
            }
            ws.write_string_with_format(r, width + 1, corr.describe(s.layout), &f.text).map_err(err)?;
            r += 1;
        }
        if s.corrections.is_empty() {
            line(ws, r, last, "本批没有更正", &f.text)?;
        }
        setup(ws, 2)?;
    }
    if let Some(r) = s.receipt {
        r.add_sheet(&mut wb).map_err(err)?;
    }
    wb.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};
    use duijie_domain::monitoring::{ChangeKind, Figure};

    fn row(org: i64, funds: i64) -> Row {
        Row {
            county_code: "530628".into(),
            county_name: "云南省昭通市彝良县".into(),
            org_id: org,
            org_name: format!("组织{org}"),
            credit_code: "53530000MJ0000000X".into(),
            org_type: "基金会".into(),
            pairing_status: "生效中".into(),
            signed_on: "2026-03-01".into(),
            pairings: 1,
            projects: 2,
            projects_done: 0,
            funds_fen: funds,
            planned_funds_fen: 0,
            people: 3,
            beneficiaries: 40,
            fields: "教育".into(),
        }
    }

    #[test]
    fn a_batch_reads_back_with_its_receipt_figures_and_corrections() {
        let layout = Layout::default_layout();
        let rows = [row(1, 1_250_000), row(2, 0)];
        let before = row(1, 1_000_000);
        let corrections = [Correction { kind: ChangeKind::Changed, key: rows[0].key(), before: Some(before), after: Some(rows[0].clone()), changed: vec![Figure::Funds] }];
        let receipt = Receipt { index: 7, leaf_hash: "ab".into(), base_url: String::new() };
        let bytes = write(&Sheet {
            layout: &layout,
            info: "填报地区：云南省昭通市彝良县".into(),
            receipt: Some(&receipt),
            rows: &rows,
            corrections_title: "第 2 批更正".into(),
            corrections: &corrections,
        })
        .unwrap();
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let main = book.worksheet_range(&layout.sheet).unwrap();
        let text = |r: u32, c: u32| main.get_value((r, c)).map(|v| v.to_string()).unwrap_or_default();
        assert_eq!(text(2, 0), receipt.line());
        assert_eq!(text(HEADER_ROW, 0), layout.columns[0].header);
        let funds = layout.columns.iter().position(|c| c.figure == Figure::Funds).unwrap() as u32;
        assert_eq!(main.get_value((HEADER_ROW + 1, funds)), Some(&Data::Float(1.25)));
        assert_eq!(text(HEADER_ROW + 1, 0), "530628", "codes are text");
        let corr = book.worksheet_range(CORRECTIONS_SHEET).unwrap();
        assert_eq!(corr.get_value((3, 0)).map(|v| v.to_string()).as_deref(), Some("修改"));
        let what = corr.get_value((3, layout.columns.len() as u32 + 1)).map(|v| v.to_string()).unwrap();
        assert!(what.contains("1.00 → 1.25"), "{what}");
    }
}
