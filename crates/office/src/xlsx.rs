//! Reading the first sheet of an .xlsx package as a stream, within [`Limits`].
//!
//! Guarantees:
//! - The package is refused before any part is read when it has more entries
//!   than allowed or its entries declare more uncompressed bytes than allowed;
//!   every part that is read is counted while it inflates against what is
//!   left of that limit, and a part that inflates past its declared size is
//!   refused (the zip reader stops there), so a header that lies about its
//!   size cannot help; no XML token may exceed 1 MB, so no parser buffer
//!   grows with the file.
//! - The sheet is read twice: first only counted (declared `<dimension>`, the
//!   last row and column that hold a value, cell slots, formulas, which shared
//!   strings are used), then — only if all is within limits and no cell is a
//!   formula — kept. Nothing is allocated in proportion to what the file merely
//!   declares (`<dimension>`, `count`/`uniqueCount`).
//! - Only the shared strings the sheet uses are kept. Values read as people see
//!   them: whole numbers without decimals, date-formatted numbers as
//!   `YYYY-MM-DD`, booleans as 是/否.

use crate::OfficeError;
use crate::limits::{Limits, column_letters, thousands};
use crate::table::{too_many_cells, too_many_columns, too_many_rows};
use std::cell::Cell;
use std::io::{BufReader, Cursor, Read};
use std::rc::Rc;
use xlsx_xml::events::{BytesStart, Event};
use xlsx_zip::ZipArchive;

/// Longest run of bytes between two `<` accepted in a part: a cell holds at
/// most 32,767 characters, so a longer token is not a spreadsheet's.
const MAX_TOKEN_BYTES: usize = 1 << 20;

/// Why a guarded read stopped.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Stop {
    None,
    Budget,
    /// The part inflated past the size its header declares (the zip reader
    /// refuses to go on).
    Lying,
    Token,
}

/// Counts the bytes a part inflates to against the package's remaining budget
/// and the length of each XML token.
struct Guarded<R> {
    inner: R,
    left: Rc<Cell<u64>>,
    declared: u64,
    seen: u64,
    run: usize,
    stop: Rc<Cell<Stop>>,
}

impl<R: Read> Read for Guarded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // Never ask for more than the declared size, so that a read past it
        // fails only once the declared bytes are all in: then it is a lie.
        let remaining = usize::try_from(self.declared.saturating_sub(self.seen)).unwrap_or(usize::MAX).max(1);
        let want = buf.len().min(remaining);
        let n = match self.inner.read(&mut buf[..want]) {
            Ok(n) => n,
            Err(e) => {
                if self.seen >= self.declared {
                    self.stop.set(Stop::Lying);
                }
                return Err(e);
            }
        };
        self.seen += n as u64;
        let left = self.left.get();
        if n as u64 > left {
            self.stop.set(Stop::Budget);
            return Err(std::io::Error::other("uncompressed size over the limit"));
        }
        self.left.set(left - n as u64);
        for &b in &buf[..n] {
            if b == b'<' {
                self.run = 0;
            } else {
                self.run += 1;
            }
        }
        if self.run > MAX_TOKEN_BYTES {
            self.stop.set(Stop::Token);
            return Err(std::io::Error::other("token too long"));
        }
        Ok(n)
    }
}

struct Package<'a> {
    zip: ZipArchive<Cursor<&'a [u8]>>,
    limits: Limits,
    left: Rc<Cell<u64>>,
    stop: Rc<Cell<Stop>>,
}

fn mb(bytes: u64) -> String {
    thousands(bytes.div_ceil(1024 * 1024))
}

impl<'a> Package<'a> {
    fn open(bytes: &'a [u8], limits: &Limits) -> Result<Package<'a>, OfficeError> {
        let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(|_| OfficeError::Damaged)?;
        if zip.len() > limits.max_zip_entries {
            return Err(OfficeError::TooLarge(format!(
                "文件内含 {} 个压缩条目，超过上限 {} 个；这不是普通的 Excel 表格",
                thousands(zip.len() as u64),
                thousands(limits.max_zip_entries as u64)
            )));
        }
        let mut declared: u64 = 0;
        for i in 0..zip.len() {
            let entry = zip.by_index_raw(i).map_err(|_| OfficeError::Damaged)?;
            declared = declared.saturating_add(entry.size());
        }
        if declared > limits.max_uncompressed_bytes {
            return Err(OfficeError::TooLarge(format!(
                "文件解压后有 {} MB，超过上限 {} MB",
                mb(declared),
                mb(limits.max_uncompressed_bytes)
            )));
        }
        let pkg = Package {
            zip,
            limits: *limits,
            left: Rc::new(Cell::new(limits.max_uncompressed_bytes)),
            stop: Rc::new(Cell::new(Stop::None)),
        };
        if pkg.has("mimetype") && !pkg.has("xl/workbook.xml") {
            return Err(OfficeError::OldFormat(" OpenDocument（.ods）"));
        }
        if !pkg.has("xl/workbook.xml") {
            return Err(OfficeError::NotSpreadsheet);
        }
        Ok(pkg)
    }

    fn has(&self, name: &str) -> bool {
        self.zip.index_for_name(name).is_some()
    }

    /// A streaming XML reader over part `name`, or `None` if there is no such part.
    fn part(&mut self, name: &str) -> Result<Option<xlsx_xml::Reader<BufReader<Guarded<impl Read + '_>>>>, OfficeError> {
        if !self.has(name) {
            return Ok(None);
        }
        let file = self.zip.by_name(name).map_err(|_| OfficeError::Damaged)?;
        let declared = file.size();
        let guarded = Guarded { inner: file, left: self.left.clone(), declared, seen: 0, run: 0, stop: self.stop.clone() };
        let mut reader = xlsx_xml::Reader::from_reader(BufReader::new(guarded));
        reader.config_mut().trim_text(false);
        Ok(Some(reader))
    }
}

/// Reads the next event or names why it could not be read.
macro_rules! next {
    ($pkg_failure:expr, $xml:expr, $buf:expr) => {
        match $xml.read_event_into($buf) {
            Ok(ev) => ev,
            Err(_) => return Err($pkg_failure),
        }
    };
}

fn attr(e: &BytesStart, name: &str) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.as_ref() == name).and_then(|a| a.normalized_value(xlsx_xml::XmlVersion::Implicit1_0).ok()).map(|v| v.into_owned())
}

/// An attribute by local name whatever its prefix (`r:id`).
fn attr_local(e: &BytesStart, local: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref().rsplit(':').next() == Some(local) && a.key.as_ref().contains(':'))
        .and_then(|a| a.normalized_value(xlsx_xml::XmlVersion::Implicit1_0).ok())
        .map(|v| v.into_owned())
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// The parts the sheet needs, from the workbook and its relationships.
struct Parts {
    sheet_name: String,
    sheet: String,
    shared_strings: String,
    styles: String,
    date1904: bool,
}

fn resolve(target: &str) -> String {
    match target.strip_prefix('/') {
        Some(abs) => abs.to_string(),
        None => format!("xl/{}", target.trim_start_matches("./")),
    }
}

fn parts(pkg: &mut Package) -> Result<Parts, OfficeError> {
    let (mut sheet_name, mut sheet_rid, mut date1904) = (None, None, false);
    {
        let failure = pkg.failure_fn();
        let mut xml = pkg.part("xl/workbook.xml")?.ok_or(OfficeError::NotSpreadsheet)?;
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match next!(failure(), xml, &mut buf) {
                Event::Start(e) | Event::Empty(e) => match local(e.name().as_ref()) {
                    "workbookPr" => date1904 = matches!(attr(&e, "date1904").as_deref(), Some("1" | "true")),
                    "sheet" if sheet_name.is_none() => {
                        sheet_name = attr(&e, "name");
                        sheet_rid = attr_local(&e, "id");
                    }
                    _ => {}
                },
                Event::Eof => break,
                _ => {}
            }
        }
    }
    let sheet_name = sheet_name.ok_or(OfficeError::Empty)?;
    let mut parts = Parts {
        sheet_name,
        sheet: "xl/worksheets/sheet1.xml".into(),
        shared_strings: "xl/sharedStrings.xml".into(),
        styles: "xl/styles.xml".into(),
        date1904,
    };
    let failure = pkg.failure_fn();
    if let Some(mut xml) = pkg.part("xl/_rels/workbook.xml.rels")? {
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match next!(failure(), xml, &mut buf) {
                Event::Start(e) | Event::Empty(e) if local(e.name().as_ref()) == "Relationship" => {
                    let (Some(id), Some(target), kind) = (attr(&e, "Id"), attr(&e, "Target"), attr(&e, "Type").unwrap_or_default()) else {
                        continue;
                    };
                    if sheet_rid.as_deref() == Some(id.as_str()) {
                        parts.sheet = resolve(&target);
                    } else if kind.ends_with("/sharedStrings") {
                        parts.shared_strings = resolve(&target);
                    } else if kind.ends_with("/styles") {
                        parts.styles = resolve(&target);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
    }
    Ok(parts)
}

impl Package<'_> {
    /// The message for a failed read, made after the part's borrow ends: a
    /// limit if the guard stopped it, else damage.
    fn failure_fn(&self) -> impl Fn() -> OfficeError + 'static {
        let stop = self.stop.clone();
        let limit = self.limits.max_uncompressed_bytes;
        move || match stop.get() {
            Stop::Budget => OfficeError::TooLarge(format!("文件解压后超过上限 {} MB", mb(limit))),
            Stop::Lying => OfficeError::TooLarge("文件中的压缩条目解压后比它声明的大小更大（可能是恶意构造的压缩包），已拒绝".into()),
            Stop::Token | Stop::None => OfficeError::Damaged,
        }
    }
}

/// `B12` → (row 12, column 2), 1-based; saturating for absurd numbers so that
/// limits, not overflow, decide.
fn parse_ref(r: &str) -> Option<(usize, usize)> {
    let letters = r.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
    if letters == 0 || letters == r.len() {
        return None;
    }
    let col = r[..letters].bytes().fold(0usize, |acc, b| acc.saturating_mul(26).saturating_add((b.to_ascii_uppercase() - b'A' + 1) as usize));
    let digits = &r[letters..];
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let row = digits.bytes().fold(0usize, |acc, b| acc.saturating_mul(10).saturating_add((b - b'0') as usize));
    Some((row, col))
}

/// One cell as the sheet XML gives it.
#[derive(Default)]
struct RawCell {
    row: usize,
    col: usize,
    kind: String,
    style: usize,
    formula: bool,
    has_value: bool,
    value: String,
}

/// Walks the `<c>` elements of a sheet, calling `cell` for each; `dimension`
/// is called with the declared last (row, column) when the sheet has one.
fn walk_sheet(
    pkg: &mut Package,
    path: &str,
    mut dimension: impl FnMut(usize, usize) -> Result<(), OfficeError>,
    mut cell: impl FnMut(&RawCell) -> Result<(), OfficeError>,
) -> Result<(), OfficeError> {
    let failure = pkg.failure_fn();
    let mut xml = pkg.part(path)?.ok_or(OfficeError::Damaged)?;
    let mut buf = Vec::new();
    let (mut row, mut col) = (0usize, 0usize);
    let mut current: Option<RawCell> = None;
    // Inside <v>, <t> of an inline string (not phonetic <rPh>), or neither.
    let (mut in_value, mut in_text, mut in_phonetic) = (false, false, false);
    let mut depth_ok = false;
    loop {
        buf.clear();
        match next!(failure(), xml, &mut buf) {
            Event::Start(e) => match local(e.name().as_ref()) {
                "sheetData" => depth_ok = true,
                "row" if depth_ok => {
                    row = attr(&e, "r").and_then(|r| r.parse().ok()).unwrap_or(row + 1);
                    col = 0;
                }
                "c" if depth_ok => current = Some(start_cell(&e, &mut row, &mut col)),
                "f" if current.is_some() => {
                    if let Some(c) = current.as_mut() {
                        c.formula = true;
                    }
                }
                "v" if current.is_some() => in_value = true,
                "rPh" => in_phonetic = true,
                "t" if current.is_some() && !in_phonetic => in_text = true,
                "is" if current.is_some() => {
                    if let Some(c) = current.as_mut() {
                        c.has_value = true;
                    }
                }
                _ => {}
            },
            Event::Empty(e) => match local(e.name().as_ref()) {
                "dimension" => {
                    if let Some((r, c)) = attr(&e, "ref").and_then(|r| parse_ref(r.rsplit(':').next().unwrap_or(""))) {
                        dimension(r, c)?;
                    }
                }
                "row" if depth_ok => {
                    row = attr(&e, "r").and_then(|r| r.parse().ok()).unwrap_or(row + 1);
                    col = 0;
                }
                "c" if depth_ok => {
                    start_cell(&e, &mut row, &mut col);
                }
                "f" => {
                    if let Some(c) = current.as_mut() {
                        c.formula = true;
                    }
                }
                _ => {}
            },
            Event::Text(t) if in_value || in_text => {
                if let Some(c) = current.as_mut() {
                    c.value.push_str(&t.xml10_content());
                    c.has_value |= in_value;
                }
            }
            Event::CData(t) if in_value || in_text => {
                if let Some(c) = current.as_mut() {
                    c.value.push_str(&t);
                }
            }
            Event::GeneralRef(r) if in_value || in_text => {
                if let Some(c) = current.as_mut() {
                    push_entity(&r, &mut c.value)?;
                }
            }
            Event::End(e) => match local(e.name().as_ref()) {
                "v" => in_value = false,
                "t" => in_text = false,
                "rPh" => in_phonetic = false,
                "sheetData" => depth_ok = false,
                "c" => {
                    if let Some(c) = current.take() {
                        cell(&c)?;
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(())
}

fn start_cell(e: &BytesStart, row: &mut usize, col: &mut usize) -> RawCell {
    match attr(e, "r").as_deref().and_then(parse_ref) {
        Some((r, c)) => {
            *row = r;
            *col = c;
        }
        None => {
            *row = (*row).max(1);
            *col += 1;
        }
    }
    RawCell {
        row: *row,
        col: *col,
        kind: attr(e, "t").unwrap_or_default(),
        style: attr(e, "s").and_then(|s| s.parse().ok()).unwrap_or(0),
        ..RawCell::default()
    }
}

fn push_entity(r: &xlsx_xml::events::BytesRef, out: &mut String) -> Result<(), OfficeError> {
    if let Some(s) = xlsx_xml::escape::resolve_predefined_entity(r) {
        out.push_str(s);
        return Ok(());
    }
    match r.resolve_char_ref() {
        Ok(Some(c)) => {
            out.push(c);
            Ok(())
        }
        _ => Err(OfficeError::Damaged),
    }
}

/// What the counting pass learns.
#[derive(Default)]
struct Survey {
    last_row: usize,
    widest: (usize, usize),
    slots: usize,
    row_width: (usize, usize),
    formulas: usize,
    first_formula: Option<(usize, usize)>,
    /// Indices of the shared strings used, sorted and unique after the pass.
    strings: Vec<u32>,
}

pub(crate) fn read(bytes: &[u8], limits: &Limits) -> Result<(String, Vec<Vec<String>>), OfficeError> {
    let mut pkg = Package::open(bytes, limits)?;
    let parts = parts(&mut pkg)?;

    let mut s = Survey::default();
    let before = pkg.left.get();
    walk_sheet(
        &mut pkg,
        &parts.sheet,
        |rows, cols| {
            if rows > limits.max_rows || cols > limits.max_columns {
                return Err(OfficeError::TooLarge(format!(
                    "文件声明了 {} 行 × {} 列，超过上限（{} 行 × {} 列）；请只保留要导入的数据后重新保存",
                    thousands(rows as u64),
                    thousands(cols as u64),
                    thousands(limits.max_rows as u64),
                    thousands(limits.max_columns as u64)
                )));
            }
            Ok(())
        },
        |c| {
            if !c.has_value && !c.formula {
                return Ok(());
            }
            if c.formula {
                s.formulas += 1;
                s.first_formula.get_or_insert((c.row, c.col));
            }
            s.last_row = s.last_row.max(c.row);
            if c.col > s.widest.1 {
                s.widest = (c.row, c.col);
            }
            // Slots: each row counts up to its last cell with a value.
            if s.row_width.0 != c.row {
                s.slots = s.slots.saturating_add(s.row_width.1);
                s.row_width = (c.row, 0);
            }
            s.row_width.1 = s.row_width.1.max(c.col);
            if c.kind == "s"
                && s.strings.len() <= limits.max_cells()
                && let Ok(i) = c.value.trim().parse::<u32>()
            {
                s.strings.push(i);
            }
            Ok(())
        },
    )?;
    s.slots = s.slots.saturating_add(s.row_width.1);
    if s.last_row > limits.max_rows {
        return Err(too_many_rows(s.last_row, limits));
    }
    if s.widest.1 > limits.max_columns {
        return Err(too_many_columns(s.widest.0, s.widest.1, limits));
    }
    if s.slots > limits.max_cells() {
        return Err(too_many_cells(limits));
    }
    if let Some((row, col)) = s.first_formula {
        let more = if s.formulas > 1 { format!("（另有 {} 个公式单元格）", thousands(s.formulas as u64 - 1)) } else { String::new() };
        return Err(OfficeError::Formula { cell: format!("{}{}", column_letters(col), row), more });
    }
    s.strings.sort_unstable();
    s.strings.dedup();

    let sheet_bytes = before - pkg.left.get();
    let strings = shared_strings(&mut pkg, &parts.shared_strings, &s.strings)?;
    let dates = date_styles(&mut pkg, &parts.styles)?;
    // The second pass reads again the bytes the first one counted.
    pkg.left.set(pkg.left.get() + sheet_bytes);
    let mut grid: Vec<Vec<String>> = Vec::new();
    let mut text_left = limits.max_uncompressed_bytes;
    walk_sheet(
        &mut pkg,
        &parts.sheet,
        |_, _| Ok(()),
        |c| {
            if !c.has_value {
                return Ok(());
            }
            let text = cell_text(c, &s.strings, &strings, &dates, parts.date1904);
            if text.is_empty() {
                return Ok(());
            }
            text_left = text_left.checked_sub(text.len() as u64).ok_or_else(|| too_many_cells(limits))?;
            // The counting pass bounded rows and columns; a part that changed
            // between the passes cannot exist, but stay within them regardless.
            if c.row == 0 || c.col == 0 || c.row > limits.max_rows || c.col > limits.max_columns {
                return Err(OfficeError::Damaged);
            }
            if grid.len() < c.row {
                grid.resize_with(c.row, Vec::new);
            }
            let cells = &mut grid[c.row - 1];
            if cells.len() < c.col {
                cells.resize_with(c.col, String::new);
            }
            cells[c.col - 1] = text;
            Ok(())
        },
    )?;
    Ok((parts.sheet_name, grid))
}

/// The used shared strings, aligned with `used` (sorted indices).
fn shared_strings(pkg: &mut Package, path: &str, used: &[u32]) -> Result<Vec<String>, OfficeError> {
    let mut out = vec![String::new(); used.len()];
    if used.is_empty() {
        return Ok(out);
    }
    let failure = pkg.failure_fn();
    let Some(mut xml) = pkg.part(path)? else { return Ok(out) };
    let mut buf = Vec::new();
    let (mut index, mut in_text, mut in_phonetic) = (0u32, false, false);
    let mut text = String::new();
    let last = used[used.len() - 1];
    loop {
        buf.clear();
        match next!(failure(), xml, &mut buf) {
            Event::Start(e) => match local(e.name().as_ref()) {
                "si" => text.clear(),
                "rPh" => in_phonetic = true,
                "t" if !in_phonetic => in_text = true,
                _ => {}
            },
            Event::Empty(e) if local(e.name().as_ref()) == "si" => index = index.saturating_add(1),
            Event::Text(t) if in_text => text.push_str(&t.xml10_content()),
            Event::CData(t) if in_text => text.push_str(&t),
            Event::GeneralRef(r) if in_text => push_entity(&r, &mut text)?,
            Event::End(e) => match local(e.name().as_ref()) {
                "t" => in_text = false,
                "rPh" => in_phonetic = false,
                "si" => {
                    if let Ok(k) = used.binary_search(&index) {
                        out[k] = std::mem::take(&mut text);
                    }
                    if index == last {
                        break;
                    }
                    index = index.saturating_add(1);
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// Built-in number formats that show dates or times.
fn builtin_date(id: u32) -> bool {
    matches!(id, 14..=22 | 27..=36 | 45..=47 | 50..=58)
}

/// Whether a custom format code shows a date or time: it has d, m, y, h or s
/// outside quoted text, escapes and `[…]` (colours, conditions, locales).
fn code_is_date(code: &str) -> bool {
    let (mut quoted, mut bracket, mut escaped) = (false, false, false);
    for ch in code.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match ch {
            '"' => quoted = !quoted,
            '\\' if !quoted => escaped = true,
            '[' if !quoted => bracket = true,
            ']' if !quoted => bracket = false,
            c if !quoted && !bracket && matches!(c.to_ascii_lowercase(), 'd' | 'm' | 'y' | 'h' | 's') => return true,
            _ => {}
        }
    }
    false
}

/// For each cell format (`s` attribute), whether it shows a date.
fn date_styles(pkg: &mut Package, path: &str) -> Result<Vec<bool>, OfficeError> {
    let failure = pkg.failure_fn();
    let Some(mut xml) = pkg.part(path)? else { return Ok(Vec::new()) };
    let mut buf = Vec::new();
    let mut custom: Vec<(u32, bool)> = Vec::new();
    let mut xfs: Vec<u32> = Vec::new();
    let mut in_xfs = false;
    loop {
        buf.clear();
        match next!(failure(), xml, &mut buf) {
            Event::Start(e) | Event::Empty(e) => match local(e.name().as_ref()) {
                "numFmt" => {
                    if let (Some(id), Some(code)) = (attr(&e, "numFmtId").and_then(|v| v.parse().ok()), attr(&e, "formatCode")) {
                        custom.push((id, code_is_date(&code)));
                    }
                }
                "cellXfs" => in_xfs = true,
                "xf" if in_xfs => xfs.push(attr(&e, "numFmtId").and_then(|v| v.parse().ok()).unwrap_or(0)),
                _ => {}
            },
            Event::End(e) if local(e.name().as_ref()) == "cellXfs" => in_xfs = false,
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(xfs
        .into_iter()
        .map(|id| custom.iter().find(|(c, _)| *c == id).map(|(_, d)| *d).unwrap_or_else(|| builtin_date(id)))
        .collect())
}

fn cell_text(c: &RawCell, used: &[u32], strings: &[String], dates: &[bool], date1904: bool) -> String {
    let v = c.value.as_str();
    match c.kind.as_str() {
        "s" => v
            .trim()
            .parse::<u32>()
            .ok()
            .and_then(|i| used.binary_search(&i).ok())
            .map(|k| strings[k].clone())
            .unwrap_or_default(),
        "inlineStr" | "str" | "e" | "d" => v.to_string(),
        "b" => if v.trim() == "1" { "是".into() } else { "否".into() },
        _ => match v.trim().parse::<f64>() {
            Ok(f) if dates.get(c.style).copied().unwrap_or(false) => excel_date(f, date1904).unwrap_or_else(|| number_text(f)),
            Ok(f) => number_text(f),
            Err(_) => v.to_string(),
        },
    }
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 { format!("{}", f as i64) } else { f.to_string() }
}

/// A serial date as `YYYY-MM-DD` (1900 system with its leap-year quirk, or 1904).
fn excel_date(serial: f64, date1904: bool) -> Option<String> {
    if !(0.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let whole = serial.floor() as i64;
    // Days since 1899-12-30.
    let days = if date1904 {
        whole + 1462
    } else if whole < 61 {
        whole + 1
    } else {
        whole
    };
    // Days since 1970-01-01, then the civil date (H. Hinnant's algorithm).
    let z = days - 25_569 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_dates_read_as_calendar_dates() {
        assert_eq!(excel_date(44435.0, false).as_deref(), Some("2021-08-27"));
        assert_eq!(excel_date(1.0, false).as_deref(), Some("1900-01-01"));
        assert_eq!(excel_date(61.0, false).as_deref(), Some("1900-03-01"));
        assert_eq!(excel_date(0.0, true).as_deref(), Some("1904-01-01"));
        assert_eq!(excel_date(-1.0, false), None);
    }

    #[test]
    fn date_formats_are_told_from_number_formats() {
        assert!(code_is_date("yyyy-mm-dd"));
        assert!(code_is_date("yyyy\"年\"m\"月\"d\"日\""));
        assert!(!code_is_date("0.00"));
        assert!(!code_is_date("[Red]#,##0"));
        assert!(!code_is_date("\"day\"0"));
        assert!(!code_is_date("General"));
        assert!(builtin_date(14) && !builtin_date(49));
    }

    #[test]
    fn cell_references_parse_and_saturate() {
        assert_eq!(parse_ref("A1"), Some((1, 1)));
        assert_eq!(parse_ref("XFD1048576"), Some((1_048_576, 16_384)));
        assert_eq!(parse_ref("A99999999999999999999999").map(|r| r.0), Some(usize::MAX));
        assert_eq!(parse_ref("12"), None);
        assert_eq!(parse_ref("AB"), None);
    }
}
