//! Spreadsheets a stranger might upload to hurt the server, made on the fly for
//! the tests of every importer (this crate's, the CLI's and the web's).
//!
//! Guarantees: [`hostile_files`] returns each kind of hostile file with the part
//! of the message every importer must answer it with (under the default
//! [`crate::ImportLimits`]); the files are small to keep and send (the largest,
//! the million-row sheet, is about 10 MB and written once to disk), however
//! much they declare or inflate to.

use std::io::Write;
use std::path::{Path, PathBuf};
use xlsx_zip::write::SimpleFileOptions;
use xlsx_zip::{CompressionMethod, ZipWriter};

/// One hostile file and what the reader must say about it.
#[derive(Debug, Clone)]
pub struct Hostile {
    /// What it is, for assertion messages.
    pub what: &'static str,
    /// The name it is uploaded under.
    pub name: &'static str,
    pub bytes: Vec<u8>,
    /// A part of the Chinese message it must be refused with.
    pub message: &'static str,
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;

const SHEET: &str = "xl/worksheets/sheet1.xml";

fn deflated() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(CompressionMethod::Deflated).compression_level(Some(1))
}

/// A minimal package whose sheet part is written by `sheet`.
fn package(sheet: impl FnOnce(&mut ZipWriter<std::io::Cursor<Vec<u8>>>)) -> Vec<u8> {
    let mut zip = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in [("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS), ("xl/workbook.xml", WORKBOOK), ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)] {
        zip.start_file(name, deflated()).expect("zip entry");
        zip.write_all(text.as_bytes()).expect("zip write");
    }
    zip.start_file(SHEET, deflated()).expect("zip entry");
    sheet(&mut zip);
    zip.finish().expect("zip finish").into_inner()
}

const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

/// Only A1 and XFD1048576 hold values; `dimension` is declared as is, or left out.
pub fn sparse_corners(dimension: bool) -> Vec<u8> {
    package(|zip| {
        let dim = if dimension { r#"<dimension ref="A1:XFD1048576"/>"# } else { "" };
        let xml = format!(
            r#"{SHEET_HEAD}{dim}<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>"#
        );
        zip.write_all(xml.as_bytes()).expect("zip write");
    })
}

/// A sheet part that inflates to `inflated` bytes of tags the reader skips.
fn bomb(inflated: usize) -> Vec<u8> {
    package(|zip| {
        zip.write_all(SHEET_HEAD.as_bytes()).expect("zip write");
        zip.write_all(b"<sheetData>").expect("zip write");
        let mut chunk = Vec::with_capacity(1 << 20);
        while chunk.len() < (1 << 20) - 70_000 {
            chunk.extend_from_slice(b"<pad v=\"");
            chunk.extend(std::iter::repeat_n(b'a', 60_000));
            chunk.extend_from_slice(b"\"/>");
        }
        let mut written = 0;
        while written < inflated {
            zip.write_all(&chunk).expect("zip write");
            written += chunk.len();
        }
        zip.write_all(b"</sheetData></worksheet>").expect("zip write");
    })
}

/// Sets the uncompressed size that the local and central headers of `name` declare.
pub fn declare_size(zip: &mut [u8], name: &str, size: u32) {
    let name = name.as_bytes();
    let at = |zip: &[u8], i: usize, off: usize| u16::from_le_bytes([zip[i + off], zip[i + off + 1]]) as usize;
    let mut i = 0;
    while i + 46 <= zip.len() {
        if zip[i..].starts_with(b"PK\x03\x04") && at(zip, i, 26) == name.len() && zip[i + 30..].starts_with(name) {
            zip[i + 22..i + 26].copy_from_slice(&size.to_le_bytes());
        }
        if zip[i..].starts_with(b"PK\x01\x02") && at(zip, i, 28) == name.len() && zip[i + 46..].starts_with(name) {
            zip[i + 24..i + 28].copy_from_slice(&size.to_le_bytes());
        }
        i += 1;
    }
}

/// A zip whose sheet declares 2 KB but inflates past 200 MB.
pub fn bomb_declaring_little() -> Vec<u8> {
    let mut zip = bomb(210 * 1024 * 1024);
    declare_size(&mut zip, SHEET, 2048);
    zip
}

/// A zip whose sheet declares nearly 4 GB.
pub fn bomb_declaring_much() -> Vec<u8> {
    let mut zip = bomb(1024 * 1024);
    declare_size(&mut zip, SHEET, 0xFFFF_F000);
    zip
}

/// A package of 10,001 entries (five parts and 9,996 empty ones).
pub fn many_entries() -> Vec<u8> {
    package(|zip| {
        zip.write_all(SHEET_HEAD.as_bytes()).expect("zip write");
        zip.write_all(b"<sheetData/></worksheet>").expect("zip write");
        for i in 0..9_996 {
            zip.start_file(format!("xl/media/e{i}.bin"), SimpleFileOptions::default().compression_method(CompressionMethod::Stored)).expect("zip entry");
        }
    })
}

/// A sheet with `header` and one data row whose second cell is a formula (the
/// cached value is a plausible name, which must not be imported).
pub fn formulas(header: &[&str]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("xlsx write");
        ws.write_string(1, c as u16, "x").expect("xlsx write");
    }
    let formula = rust_xlsxwriter::Formula::new("=CONCAT(\"彝良县\",\"促进会\")").set_result("彝良县促进会");
    ws.write_formula(1, 1, formula).expect("xlsx write");
    ws.write_formula(2, 1, "=B2").expect("xlsx write");
    wb.save_to_buffer().expect("xlsx save")
}

/// A well-formed sheet with `header`, cut in half as an interrupted upload would be.
pub fn truncated(header: &[&str]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("xlsx write");
        ws.write_string(1, c as u16, "某某").expect("xlsx write");
    }
    let mut bytes = wb.save_to_buffer().expect("xlsx save");
    bytes.truncate(bytes.len() / 2);
    bytes
}

/// The first bytes of a PNG image.
pub fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0".to_vec();
    b.extend(std::iter::repeat_n(0u8, 200));
    b
}

/// Writes (once per `dir`) a sheet of 1,048,576 rows: `header`, then numbered rows.
pub fn million_rows(dir: &Path, header: &[&str]) -> PathBuf {
    let path = dir.join("million-rows.xlsx");
    if path.exists() {
        return path;
    }
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet_with_constant_memory().expect("temp file");
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("xlsx write");
    }
    for r in 1..1_048_576u32 {
        for c in 0..header.len() as u16 {
            ws.write_number(r, c, f64::from(r) + f64::from(c)).expect("xlsx write");
        }
    }
    wb.save(&path).expect("xlsx save");
    path
}

/// Every hostile file, the million-row sheet written to `dir`; `header` is the
/// importer's header, so that only the hostility can be refused.
pub fn hostile_files(dir: &Path, header: &[&str]) -> Vec<Hostile> {
    let million = std::fs::read(million_rows(dir, header)).expect("million-row file");
    vec![
        Hostile { what: "sparse A1+XFD1048576, declared", name: "sparse.xlsx", bytes: sparse_corners(true), message: "文件声明了 1,048,576 行 × 16,384 列，超过上限" },
        Hostile { what: "sparse A1+XFD1048576, undeclared", name: "sparse2.xlsx", bytes: sparse_corners(false), message: "文件有 1,048,576 行，超过上限" },
        Hostile { what: "a million rows", name: "million.xlsx", bytes: million, message: "文件声明了 1,048,576 行" },
        Hostile { what: "zip bomb declaring little", name: "bomb.xlsx", bytes: bomb_declaring_little(), message: "文件中的压缩条目解压后比它声明的大小更大" },
        Hostile { what: "zip bomb declaring much", name: "bomb2.xlsx", bytes: bomb_declaring_much(), message: "文件解压后有 4,096 MB，超过上限 200 MB" },
        Hostile { what: "10,001 zip entries", name: "entries.xlsx", bytes: many_entries(), message: "文件内含 10,001 个压缩条目，超过上限 10,000 个" },
        Hostile { what: "truncated", name: "truncated.xlsx", bytes: truncated(header), message: "文件已损坏或不完整" },
        Hostile { what: "PNG named .xlsx", name: "photo.xlsx", bytes: png(), message: "文件不是有效的 Excel（.xlsx）或 CSV 文件" },
        Hostile { what: "empty", name: "empty.xlsx", bytes: Vec::new(), message: "文件是空的" },
        Hostile { what: "formula cells", name: "formulas.xlsx", bytes: formulas(header), message: "B2 是公式单元格（另有 1 个公式单元格）：公式单元格不能导入，请粘贴为数值" },
    ]
}
