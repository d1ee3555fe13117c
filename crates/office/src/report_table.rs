//! An official table of the half-year cycle (a `duijie_domain::report::TableDef`
//! with one unit's figures) as an Excel workbook.
//!
//! Guarantees: [`write`] lays the sheet out as the definition says — the
//! title merged across the table, the header lines (单位（盖章）…), the
//! header rows with their merged cells, a grid's row groups merged down the
//! first column (a row without a group spans both label columns), one line
//! per project for a list, then the 备注 lines. Money (fen) is written as a
//! number of 万元 with two decimals, counts as whole numbers, so the sheet
//! sums like the paper form; a corrected figure carries a note with the
//! computed figure and the reason. A4 landscape, fitted to the page width,
//! the title and header rows repeated on every printed page. A list is
//! written row by row through a temporary file (constant memory), so its
//! cost does not grow with its length beyond the lines it is given.

use crate::receipt::Receipt;
use crate::OfficeError;
use duijie_domain::report::{Body, Fact, Figures, ListField, TableDef};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Note, Workbook, Worksheet, XlsxError};

fn err(e: XlsxError) -> OfficeError {
    OfficeError::Write(e.to_string())
}

/// Fen as 万元 (exact to the cent in the cell's two-decimal view).
fn wan(fen: i64) -> f64 {
    fen as f64 / 1_000_000.0
}

/// Writes `figures` of `def` for the unit named `unit`; `year` fills `{year}`
/// in the title and `period` fills `{period}` in the header lines.
pub fn write(def: &TableDef, figures: &Figures, unit: &str, year: &str, period: &str) -> Result<Vec<u8>, OfficeError> {
    write_with_receipt(def, figures, unit, year, period, None)
}

/// As [`write`], with the log receipt of an approved report on a second sheet (核验回执).
pub fn write_with_receipt(def: &TableDef, figures: &Figures, unit: &str, year: &str, period: &str, receipt: Option<&Receipt>) -> Result<Vec<u8>, OfficeError> {
    let mut wb = Workbook::new();
    // A grid writes its row labels down merged groups before its figures, out
    // of row order, so it keeps its (at most 500-row) sheet in memory.
    let ws = match def.body {
        Body::List { .. } => wb.add_worksheet_with_constant_memory().map_err(err)?,
        Body::Grid { .. } => wb.add_worksheet(),
    };
    ws.set_name(&def.sheet).map_err(err)?;
    let width = def.width() as u16;
    let last = width - 1;
    let base = Format::new().set_font_name("宋体").set_font_size(11);
    let title_fmt = base.clone().set_bold().set_font_size(16).set_font_name("方正小标宋简体").set_align(FormatAlign::Center).set_align(FormatAlign::VerticalCenter);
    let head_fmt = base.clone().set_bold().set_border(FormatBorder::Thin).set_align(FormatAlign::Center).set_align(FormatAlign::VerticalCenter).set_text_wrap();
    let text_fmt = base.clone().set_border(FormatBorder::Thin).set_align(FormatAlign::VerticalCenter).set_text_wrap();
    let label_fmt = text_fmt.clone().set_align(FormatAlign::Center);
    let money_fmt = base.clone().set_border(FormatBorder::Thin).set_num_format("0.00");
    let count_fmt = base.clone().set_border(FormatBorder::Thin).set_num_format("0");

    let title = def.title_for(year);
    if width > 1 {
        ws.merge_range(0, 0, 0, last, &title, &title_fmt).map_err(err)?;
    } else {
        ws.write_string_with_format(0, 0, &title, &title_fmt).map_err(err)?;
    }
    ws.set_row_height(0, 36).map_err(err)?;
    let mut row: u32 = 1;
    if !def.lines.is_empty() {
        let n = def.lines.len() as u16;
        let span = (width / n).max(1);
        for (i, line) in def.lines.iter().enumerate() {
            let first = i as u16 * span;
            if first > last {
                break;
            }
            let end = if i as u16 == n - 1 { last } else { (first + span - 1).min(last) };
            let text = line.replace("{unit}", unit).replace("{period}", period);
            merge_or_write(ws, row, first, row, end, &text, &base)?;
        }
        row += 1;
    }
    let header_top = row;
    for (r, c, rows, cols, text) in def.header_cells() {
        let (r0, c0) = (header_top + r as u32, c as u16);
        merge_or_write(ws, r0, c0, r0 + rows as u32 - 1, c0 + cols as u16 - 1, text, &head_fmt)?;
    }
    let body_top = header_top + def.header.len() as u32;
    for (c, w) in (0..width).map(|c| (c, def.widths.get(c as usize).copied().unwrap_or(14.0))) {
        ws.set_column_width(c, w).map_err(err)?;
    }
    let mut r = body_top;
    match (&def.body, figures) {
        (Body::Grid { rows, columns, .. }, Figures::Grid { cells }) => {
            let mut i = 0;
            while i < rows.len() {
                let group = &rows[i].group;
                let run = rows[i..].iter().take_while(|x| !group.is_empty() && &x.group == group).count().max(1);
                if group.is_empty() {
                    merge_or_write(ws, r + i as u32, 0, r + i as u32, 1, &rows[i].label, &label_fmt)?;
                } else {
                    merge_or_write(ws, r + i as u32, 0, r + (i + run) as u32 - 1, 0, group, &label_fmt)?;
                    for (k, x) in rows.iter().enumerate().skip(i).take(run) {
                        ws.write_string_with_format(r + k as u32, 1, &x.label, &label_fmt).map_err(err)?;
                    }
                }
                i += run;
            }
            for (ri, line) in cells.iter().enumerate() {
                for (ci, (fig, col)) in line.iter().zip(columns).enumerate() {
                    let (rr, cc) = (r + ri as u32, ci as u16 + 2);
                    if col.measure.is_money() {
                        ws.write_number_with_format(rr, cc, wan(fig.value()), &money_fmt).map_err(err)?;
                    } else {
                        ws.write_number_with_format(rr, cc, fig.value() as f64, &count_fmt).map_err(err)?;
                    }
                    if fig.corrected.is_some() {
                        let computed = if col.measure.is_money() { format!("{:.2}", wan(fig.computed)) } else { fig.computed.to_string() };
                        let note = Note::new(format!("系统统计数：{computed}；修改原因：{}", fig.reason)).set_author("对接平台");
                        ws.insert_note(rr, cc, &note).map_err(err)?;
                    }
                }
            }
            r += rows.len() as u32;
        }
        (Body::List { columns, .. }, Figures::List { lines }) => {
            for fact in lines {
                for (ci, col) in columns.iter().enumerate() {
                    write_field(ws, r, ci as u16, fact, col.field, &text_fmt, &money_fmt, &count_fmt)?;
                }
                r += 1;
            }
        }
        _ => return Err(OfficeError::Write("报表样式与数字不匹配".into())),
    }
    r += 1;
    for note in &def.notes {
        merge_or_write(ws, r, 0, r, last, note, &base.clone().set_text_wrap())?;
        ws.set_row_height(r, 30).map_err(err)?;
        r += 1;
    }
    ws.set_freeze_panes(body_top, 0).map_err(err)?;
    ws.set_landscape();
    ws.set_paper_size(9); // A4
    ws.set_repeat_rows(0, body_top - 1).map_err(err)?;
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
    if let Some(r) = receipt {
        r.add_sheet(&mut wb).map_err(err)?;
    }
    wb.save_to_buffer().map_err(err)
}

fn merge_or_write(ws: &mut Worksheet, r0: u32, c0: u16, r1: u32, c1: u16, text: &str, fmt: &Format) -> Result<(), OfficeError> {
    if r0 == r1 && c0 == c1 {
        ws.write_string_with_format(r0, c0, text, fmt).map_err(err)?;
    } else {
        ws.merge_range(r0, c0, r1, c1, text, fmt).map_err(err)?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn write_field(ws: &mut Worksheet, r: u32, c: u16, f: &Fact, field: ListField, text: &Format, money: &Format, count: &Format) -> Result<(), OfficeError> {
    let s = |ws: &mut Worksheet, v: &str| ws.write_string_with_format(r, c, v, text).map(|_| ()).map_err(err);
    match field {
        ListField::OrgName => s(ws, &f.org_name),
        ListField::Region => s(ws, &f.region_name),
        ListField::Title => s(ws, &f.title),
        ListField::Nature => s(ws, &f.nature),
        ListField::Status => s(ws, f.status.label()),
        ListField::StartDate => s(ws, &f.start_date),
        ListField::EndDate => s(ws, &f.end_date),
        ListField::LastProgress => s(ws, &f.last_progress),
        ListField::Funds => ws.write_number_with_format(r, c, wan(f.funds_fen), money).map(|_| ()).map_err(err),
        ListField::PlannedFunds => ws.write_number_with_format(r, c, wan(f.planned_funds_fen), money).map(|_| ()).map_err(err),
        ListField::People => ws.write_number_with_format(r, c, f.people as f64, count).map(|_| ()).map_err(err),
        ListField::Beneficiaries => ws.write_number_with_format(r, c, f.beneficiaries as f64, count).map(|_| ()).map_err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};
    use duijie_domain::report::{Figure, compute};

    #[test]
    fn jiangsu_form_1_reads_back_with_its_merged_header_groups_figures_and_notes() {
        let def = TableDef::parse(include_str!("../../../tables/jiangsu-1.json")).unwrap();
        let Figures::Grid { mut cells } = compute(&def, &duijie_domain::RegionCode::parse("3213").unwrap(), &[]) else { panic!() };
        cells[0][4] = Figure { computed: 1_234_500, corrected: Some(2_000_000), reason: "补录".into() };
        cells[6][2] = Figure { computed: 3, ..Figure::default() };
        let bytes = write(&def, &Figures::Grid { cells }, "宿迁市民政局", "2026", "").unwrap();
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let merged = book.merge_cells_by_sheet_name("统计表").unwrap();
        let has = |a: (u32, u32), b: (u32, u32)| merged.iter().any(|d| d.start == a && d.end == b);
        assert!(has((0, 0), (0, 11)), "title across the table");
        assert!(has((2, 0), (3, 1)), "帮扶地区 over two rows and two columns");
        assert!(has((2, 2), (2, 3)), "参与社会组织数 over 总数 and 市本级");
        assert!(has((4, 0), (9, 0)), "省外 down its six rows");
        assert!(has((10, 0), (10, 1)), "省内 across both label columns");
        let sheet = book.worksheet_range("统计表").unwrap();
        let text = |r: u32, c: u32| sheet.get_value((r, c)).map(|v| v.to_string()).unwrap_or_default();
        assert_eq!(text(0, 0), "2026年社会组织参与乡村振兴情况统计表");
        assert_eq!(text(1, 0), "单位（盖章）：宿迁市民政局");
        assert_eq!(text(3, 3), "其中：市本级");
        assert_eq!(text(4, 1), "新疆克州");
        assert_eq!(sheet.get_value((4, 6)), Some(&Data::Float(2.0)), "the corrected figure, in 万元");
        assert_eq!(sheet.get_value((10, 4)), Some(&Data::Float(3.0)));
        assert!(text(12, 0).starts_with("备注：1.本表由各设区市民政局填写"));
    }
}
