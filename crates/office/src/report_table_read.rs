//! A grid table of the half-year cycle (a `duijie_domain::report::TableDef`
//! whose body is a grid: Jiangsu 附件1, Jilin 附件4, the Yunnan summary),
//! downloaded as .xlsx, filled offline in Excel or WPS and uploaded back.
//!
//! Guarantees:
//! - The file is read by the crate's bounded reader within the caller's
//!   [`Limits`] (the kind decided by its bytes, hostile packages refused with
//!   their Chinese reason, formula cells refused); nothing here allocates in
//!   proportion to what the file declares — only the table's own rows and
//!   columns are looked at.
//! - The layout must be the one `report_table::write` lays out: row 1 the
//!   title (with the report's year), the header lines (单位、联系人、电话 —
//!   not read: a unit fills them in), the header rows cell by cell, then each
//!   fixed row with its group and label, in the definition's order. A title
//!   or header that differs means a wrong or foreign file: only those
//!   differences are reported, each with what was expected and what was found.
//!   A row label that differs is reported with the figures' errors.
//! - Every figure cell is read as its column's kind: counts are whole numbers
//!   0–100,000,000; 万元 are non-negative with at most two decimals (a figure
//!   equal to the one the download showed or to the computed one is taken as
//!   it is, so an untouched cell round-trips exactly whatever its fen). A blank
//!   figure cell is refused (没有请填 0), never read as 0: a cleared cell is
//!   more often a slip than a zero. Figures written below the table or to its
//!   right are refused, not dropped.
//! - Every problem is a [`RowError`] with the row number the spreadsheet
//!   shows, the column's header (e.g. 投入资金数（万元）·总数) and the cell
//!   reference in its message; at most `keep` are kept and the rest counted.
//!   Either the whole table is returned, or nothing.

use crate::errors::keep_error;
use crate::limits::column_letters;
use crate::{Limits, OfficeError, RowError};
use duijie_domain::report::{Body, Figure, Figures, TableDef};

/// The most a count may be (as a project's counts).
const MAX_COUNT: i64 = duijie_domain::project::MAX_COUNT;
/// The most 万元 a changed money figure may be (as `parse_wan`).
const MAX_WAN: i64 = 10_000_000;
/// Fen in one 万元.
const FEN_PER_WAN: i64 = 1_000_000;

/// Why an uploaded table was not taken.
#[derive(Debug)]
pub enum Refused {
    /// The file is not a readable spreadsheet (or is beyond the limits).
    File(OfficeError),
    /// The layout or some cells are wrong: the first `keep` problems by row
    /// and column, and how many more there are.
    Cells { errors: Vec<RowError>, more: usize },
}

/// Reads a filled grid table of `def` for a report ending in `year`.
/// `shown` are the figures the unit's download carries (computed, with its
/// corrections). Returns the figures as read, `[row][column]` in the
/// definition's order: fen for money columns, whole numbers for counts.
pub fn read_grid_table(def: &TableDef, year: &str, shown: &Figures, file_name: &str, bytes: &[u8], limits: &Limits, keep: usize) -> Result<Vec<Vec<i64>>, Refused> {
    let (Body::Grid { rows, columns, .. }, Figures::Grid { cells: figures }) = (&def.body, shown) else {
        return Err(Refused::File(OfficeError::NotGrid));
    };
    let (_, grid) = crate::table::read_grid(file_name, bytes, limits).map_err(Refused::File)?;
    let text = |r: usize, c: usize| grid.get(r).and_then(|row| row.get(c)).map(|s| s.trim()).unwrap_or("");
    let width = def.width();
    let names = column_names(def);
    let mut problems = Problems { errors: Vec::new(), more: 0, keep };
    let zero = Figure::default();

    // The title and the header: a file that differs here is not this table.
    let title = def.title_for(year);
    if squash(text(0, 0)) != squash(&title) {
        problems.add(0, "标题", format!("第 1 行应为标题“{title}”，文件中为“{}”：请上传从本报表下载的表格，不要增删表头上方的行", text(0, 0)));
    }
    let header_top = 1 + usize::from(!def.lines.is_empty());
    for (r, c, _, _, expected) in def.header_cells() {
        let found = text(header_top + r, c);
        if squash(found) != squash(expected) {
            problems.add(header_top + r, expected, format!("{}{}：表头应为“{expected}”，文件中为“{found}”", column_letters(c + 1), header_top + r + 1));
        }
    }
    if !problems.errors.is_empty() {
        return Err(problems.refused());
    }

    let body_top = header_top + def.header.len();
    let mut values = vec![vec![0i64; columns.len()]; rows.len()];
    for (i, row) in rows.iter().enumerate() {
        let r = body_top + i;
        let first_of_group = !row.group.is_empty() && (i == 0 || rows[i - 1].group != row.group);
        if first_of_group && squash(text(r, 0)) != squash(&row.group) {
            problems.add(r, &names[0], format!("A{}：应为“{}”，文件中为“{}”：请不要增删、调换或改名本表的行", r + 1, row.group, text(r, 0)));
        }
        let label_col = usize::from(!row.group.is_empty());
        let found = text(r, label_col);
        if squash(found) != squash(&row.label) {
            problems.add(r, &names[label_col], format!("{}{}：这一行应为“{}”，文件中为“{found}”：请不要增删、调换或改名本表的行", column_letters(label_col + 1), r + 1, row.label));
        }
        for (ci, col) in columns.iter().enumerate() {
            let c = ci + 2;
            let at = format!("{}{}", column_letters(c + 1), r + 1);
            let figure = figures.get(i).and_then(|f| f.get(ci)).unwrap_or(&zero);
            let read = if col.measure.is_money() { money(text(r, c), figure) } else { count(text(r, c), figure) };
            match read {
                Ok(v) => values[i][ci] = v,
                Err(m) => problems.add(r, &names[c], format!("{at}（{}）：{m}", row.label)),
            }
        }
        if let Some(c) = last_filled(grid.get(r)).filter(|c| *c >= width) {
            problems.add(r, "", format!("{}{} 在表格之外有内容：本表只有 {width} 列（到 {} 列）", column_letters(c + 1), r + 1, column_letters(width)));
        }
    }
    // Below the table only the 备注 lines (in the first column): figures there would be a row the table does not have.
    for (r, line) in grid.iter().enumerate().skip(body_top + rows.len()) {
        if line.iter().skip(2).any(|c| !c.trim().is_empty()) {
            problems.add(r, "", format!("第 {} 行在表格之外填了数字：本表只有“{}”到“{}”这 {} 行，不能增加行", r + 1, rows[0].label, rows[rows.len() - 1].label, rows.len()));
        }
    }
    if problems.errors.is_empty() && problems.more == 0 { Ok(values) } else { Err(problems.refused()) }
}

/// The problems found so far: the first `keep`, and how many more.
struct Problems {
    errors: Vec<RowError>,
    more: usize,
    keep: usize,
}

impl Problems {
    /// A problem at `row` (0-based, reported as the spreadsheet numbers it) under the header `column`.
    fn add(&mut self, row: usize, column: &str, message: String) {
        keep_error(&mut self.errors, &mut self.more, self.keep, RowError { row: row + 1, column: column.to_string(), message });
    }

    fn refused(self) -> Refused {
        Refused::Cells { errors: self.errors, more: self.more }
    }
}

/// Text compared without any whitespace (Alt+Enter line breaks, full-width spaces).
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The index of the last non-empty cell of a row.
fn last_filled(row: Option<&Vec<String>>) -> Option<usize> {
    row?.iter().rposition(|c| !c.trim().is_empty())
}

/// Each column's header as people name it: the header cells above it, top
/// to bottom, joined by `·` (投入资金数（万元）·其中：市本级).
fn column_names(def: &TableDef) -> Vec<String> {
    let placed = def.header_cells();
    (0..def.width())
        .map(|c| {
            let mut parts: Vec<&str> = Vec::new();
            for (_, _, _, _, text) in placed.iter().filter(|(_, start, _, cols, _)| c >= *start && c < start + cols) {
                if parts.last() != Some(text) {
                    parts.push(text);
                }
            }
            parts.join("·")
        })
        .collect()
}

/// A count cell: a whole number 0–[`MAX_COUNT`] (or the figure as shown).
fn count(text: &str, shown: &Figure) -> Result<i64, String> {
    if text.is_empty() {
        return Err("未填写：请填写数字，没有请填 0".into());
    }
    let n = text.parse::<i64>().map_err(|_| match text.parse::<f64>() {
        Ok(f) if f < 0.0 => format!("不能为负数（“{text}”）"),
        Ok(_) => format!("应为整数（个数、人数），而不是“{text}”"),
        Err(_) => format!("应为数字（整数），而不是“{text}”"),
    })?;
    if n < 0 {
        return Err(format!("不能为负数（“{text}”）"));
    }
    if n > MAX_COUNT && n != shown.value() && n != shown.computed {
        return Err(format!("不能超过 {MAX_COUNT}，请核对"));
    }
    Ok(n)
}

/// A money cell in 万元: non-negative, at most two decimals (or exactly the
/// figure as shown or computed, whatever its decimals), as fen.
fn money(text: &str, shown: &Figure) -> Result<i64, String> {
    if text.is_empty() {
        return Err("未填写：请填写金额（万元），没有请填 0".into());
    }
    let t = text.trim_end_matches("万元").trim();
    let not_a_number = || format!("应为以万元计的数字，例如 12.5，而不是“{text}”");
    if let Some(rest) = t.strip_prefix('-') {
        return Err(if rest.parse::<f64>().is_ok() { format!("不能为负数（“{text}”）") } else { not_a_number() });
    }
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty() || int.len() > 12 || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_a_number());
    }
    let too_fine = || format!("金额最多两位小数（万元），而不是“{text}”");
    // Fen are millionths of 万元: more decimals cannot be a figure at all.
    if frac.len() > 6 {
        return Err(too_fine());
    }
    let whole: i64 = int.parse().map_err(|_| not_a_number())?;
    let part: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<6}").parse().map_err(|_| not_a_number())? };
    let fen = whole * FEN_PER_WAN + part;
    if fen == shown.value() || fen == shown.computed {
        return Ok(fen);
    }
    if frac.len() > 2 {
        return Err(too_fine());
    }
    if whole > MAX_WAN {
        return Err(format!("金额过大（超过 {MAX_WAN} 万元），请核对"));
    }
    Ok(fen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use duijie_domain::report::compute;
    use rust_xlsxwriter::Workbook;

    fn jiangsu_1() -> TableDef {
        TableDef::parse(include_str!("../../../tables/jiangsu-1.json")).unwrap()
    }

    /// Jiangsu 附件1 for 宿迁市 with a few figures, one of them corrected and
    /// one with more than two decimals of 万元.
    fn figures(def: &TableDef) -> Figures {
        let Figures::Grid { mut cells } = compute(def, &duijie_domain::RegionCode::parse("3213").unwrap(), &[]) else { panic!("a grid") };
        cells[0][4] = Figure { computed: 1_234_567, ..Figure::default() };
        cells[6][2] = Figure { computed: 3, ..Figure::default() };
        cells[6][4] = Figure { computed: 5_000_000, corrected: Some(6_500_000), reason: "补录".into() };
        Figures::Grid { cells }
    }

    fn stated(f: &Figures) -> Vec<Vec<i64>> {
        let Figures::Grid { cells } = f else { panic!() };
        cells.iter().map(|r| r.iter().map(Figure::value).collect()).collect()
    }

    fn read(def: &TableDef, shown: &Figures, bytes: &[u8]) -> Result<Vec<Vec<i64>>, Refused> {
        read_grid_table(def, "2026", shown, "附件1.xlsx", bytes, &Limits::default(), 1000)
    }

    fn cell_errors(r: Result<Vec<Vec<i64>>, Refused>) -> Vec<RowError> {
        match r {
            Err(Refused::Cells { errors, .. }) => errors,
            other => panic!("refused by cell: {other:?}"),
        }
    }

    /// The written table with some cells replaced, as a user's Excel saves it:
    /// the sheet rewritten with the same texts and numbers at the same places.
    fn edited(bytes: &[u8], edits: &[(u32, u16, Edit)]) -> Vec<u8> {
        let (_, grid) = crate::table::read_grid("a.xlsx", bytes, &Limits::default()).unwrap();
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("统计表").unwrap();
        for (r, line) in grid.iter().enumerate() {
            for (c, text) in line.iter().enumerate() {
                if text.is_empty() || edits.iter().any(|(er, ec, _)| *er as usize == r && *ec as usize == c) {
                    continue;
                }
                match text.parse::<f64>() {
                    Ok(n) => ws.write_number(r as u32, c as u16, n).unwrap(),
                    Err(_) => ws.write_string(r as u32, c as u16, text).unwrap(),
                };
            }
        }
        for (r, c, e) in edits {
            match e {
                Edit::Number(n) => ws.write_number(*r, *c, *n).unwrap(),
                Edit::Text(t) => ws.write_string(*r, *c, *t).unwrap(),
                Edit::Blank => continue,
            };
        }
        wb.save_to_buffer().unwrap()
    }

    enum Edit {
        Number(f64),
        Text(&'static str),
        Blank,
    }

    #[test]
    fn a_written_table_reads_back_with_the_same_figures_and_a_changed_cell_is_read() {
        let def = jiangsu_1();
        let shown = figures(&def);
        let bytes = crate::report_table::write(&def, &shown, "宿迁市民政局", "2026", "").unwrap();
        assert_eq!(read(&def, &shown, &bytes).unwrap(), stated(&shown), "untouched, every figure (1.234567 万元 too) reads back exactly");
        // 省内 (sheet row 11) · 开展帮扶项目数·总数 (E) becomes 5; 投入资金数·总数 (G) 12.35 万元.
        let changed = edited(&bytes, &[(10, 4, Edit::Number(5.0)), (10, 6, Edit::Number(12.35))]);
        let read_back = read(&def, &shown, &changed).unwrap();
        let mut expected = stated(&shown);
        expected[6][2] = 5;
        expected[6][4] = 12_350_000;
        assert_eq!(read_back, expected);
    }

    #[test]
    fn text_negatives_blanks_and_a_wrong_row_label_are_each_named_by_row_and_column() {
        let def = jiangsu_1();
        let shown = figures(&def);
        let bytes = crate::report_table::write(&def, &shown, "宿迁市民政局", "2026", "").unwrap();
        let bad = edited(&bytes, &[
            (4, 4, Edit::Text("三个")),       // 新疆克州 · 开展帮扶项目数·总数
            (5, 6, Edit::Number(-2.0)),      // 新疆伊犁州 · 投入资金数（万元）·总数
            (6, 6, Edit::Number(1.234)),     // 西藏拉萨市: three decimals of 万元
            (7, 8, Edit::Number(2.5)),       // 陕西省 · 投入人员数·总数
            (8, 2, Edit::Blank),             // 青海省 · 参与社会组织数·总数
            (9, 1, Edit::Text("新疆喀什")),   // 省外其它地区 renamed
            (13, 4, Edit::Number(9.0)),      // a figure below the table
        ]);
        let errors = cell_errors(read(&def, &shown, &bad));
        let got: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(got, [
            (5, "开展帮扶项目数·总数"),
            (6, "投入资金数（万元）·总数"),
            (7, "投入资金数（万元）·总数"),
            (8, "投入人员数·总数"),
            (9, "参与社会组织数·总数"),
            (10, "帮扶地区"),
            (14, ""),
        ], "{errors:#?}");
        let says = |i: usize, what: &str| assert!(errors[i].message.contains(what), "{}: {}", what, errors[i].message);
        says(0, "E5（新疆克州）：应为数字（整数），而不是“三个”");
        says(1, "G6（新疆伊犁州）：不能为负数");
        says(2, "最多两位小数");
        says(3, "应为整数");
        says(4, "未填写");
        says(5, "B10：这一行应为“省外其它地区”，文件中为“新疆喀什”");
        says(6, "不能增加行");
        assert!(errors.iter().all(|e| !e.message.chars().any(|c| c.is_ascii_lowercase())), "Chinese only: {errors:#?}");
    }

    #[test]
    fn another_table_or_another_year_is_refused_saying_what_differs() {
        let def = jiangsu_1();
        let shown = figures(&def);
        let bytes = crate::report_table::write(&def, &shown, "宿迁市民政局", "2025", "").unwrap();
        let errors = cell_errors(read(&def, &shown, &bytes));
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert_eq!((errors[0].row, errors[0].column.as_str()), (1, "标题"));
        assert!(errors[0].message.contains("应为标题“2026年社会组织参与乡村振兴情况统计表”，文件中为“2025年"), "{}", errors[0].message);

        let yunnan = TableDef::parse(include_str!("../../../tables/yunnan-half-year.json")).unwrap();
        let theirs = compute(&yunnan, &duijie_domain::RegionCode::parse("5306").unwrap(), &[]);
        let foreign = crate::report_table::write(&yunnan, &theirs, "昭通市", "2026", "").unwrap();
        let errors = cell_errors(read(&def, &shown, &foreign));
        assert!(errors.iter().any(|e| e.row == 1 && e.column == "标题"), "{errors:#?}");
        assert!(errors.iter().any(|e| e.row == 3 && e.column == "开展帮扶项目数" && e.message.contains("表头应为“开展帮扶项目数”")), "{errors:#?}");
        assert!(errors.iter().all(|e| e.row <= 4), "a foreign file's cells are not read: {errors:#?}");
    }

    #[test]
    fn every_shipped_grid_round_trips() {
        for json in [include_str!("../../../tables/jilin-4.json"), include_str!("../../../tables/yunnan-half-year.json")] {
            let def = TableDef::parse(json).unwrap();
            let Figures::Grid { mut cells } = compute(&def, &duijie_domain::RegionCode::parse("2201").unwrap(), &[]) else { panic!() };
            for (i, row) in cells.iter_mut().enumerate() {
                for (j, f) in row.iter_mut().enumerate() {
                    f.computed = (i * 31 + j * 7) as i64 * 10_000;
                }
            }
            let shown = Figures::Grid { cells };
            let bytes = crate::report_table::write(&def, &shown, "长春市民政局", "2026", "2026-01-01 至 2026-06-30").unwrap();
            assert_eq!(read(&def, &shown, &bytes).unwrap(), stated(&shown), "{}", def.key);
        }
    }

    #[test]
    fn hostile_files_are_refused_with_their_chinese_reasons() {
        use crate::hostile;
        let def = jiangsu_1();
        let shown = figures(&def);
        let limits = crate::ImportLimits::default().projects();
        for (what, bytes, message) in [
            ("sparse corners", hostile::sparse_corners(true), "超过上限"),
            ("bomb", hostile::bomb_declaring_much(), "超过上限 200 MB"),
            ("formulas", hostile::formulas(&["帮扶地区"]), "B2 是公式单元格"),
            ("truncated", hostile::truncated(&["帮扶地区"]), "文件已损坏或不完整"),
            ("png", hostile::png(), "文件不是有效的 Excel（.xlsx）或 CSV 文件"),
        ] {
            match read_grid_table(&def, "2026", &shown, "附件1.xlsx", &bytes, &limits, 1000) {
                Err(Refused::File(e)) => assert!(e.to_string().contains(message), "{what}: {e}"),
                other => panic!("{what}: {other:?}"),
            }
        }
    }
}
