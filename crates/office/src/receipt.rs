//! A record's receipt in the verifiable log as printed on a document: one line
//! of text and a QR code of the address of the public 核验 page that checks it.
//!
//! Guarantees: the line and the QR code name the same entry index and leaf
//! hash; the QR code is a PNG of black modules on white with the standard quiet
//! zone, large enough to scan from paper (at least 4 pixels per module), and
//! encodes exactly [`Receipt::url`].

use image::{ImageBuffer, Luma};

/// A record's receipt: the log entry of its newest recorded change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The entry's index (from 0).
    pub index: u64,
    /// The entry's leaf hash, lowercase hex.
    pub leaf_hash: String,
    /// The platform's public address (`public_url`, e.g. `https://duijie.yn.gov.cn`); may be empty.
    pub base_url: String,
}

impl Receipt {
    /// `第 <index> 条 <leaf hash>`: what a person types or pastes on the 核验 page.
    pub fn short(&self) -> String {
        format!("第 {} 条 {}", self.index, self.leaf_hash)
    }

    /// The line printed on documents.
    pub fn line(&self) -> String {
        format!("可验证日志回执：{}（扫描二维码或在平台“记录核验”页面 /public/verify 核验）", self.short())
    }

    /// The address of the 核验 page checking this receipt.
    pub fn url(&self) -> String {
        format!("{}/public/verify?index={}&leaf={}", self.base_url.trim_end_matches('/'), self.index, self.leaf_hash)
    }

    /// The QR code of [`Receipt::url`] as a PNG.
    pub fn qr_png(&self) -> Vec<u8> {
        qr_png(&self.url())
    }

    /// Adds the sheet 核验回执 to a workbook: the line, the address and the QR
    /// code. A sheet of its own, so the table sheets read back as before.
    pub fn add_sheet(&self, wb: &mut rust_xlsxwriter::Workbook) -> Result<(), rust_xlsxwriter::XlsxError> {
        let ws = wb.add_worksheet();
        ws.set_name(SHEET)?;
        ws.set_column_width(0, 100)?;
        ws.write_string(0, 0, self.line())?;
        ws.write_string(1, 0, self.url())?;
        ws.insert_image(3, 0, &rust_xlsxwriter::Image::new_from_buffer(&self.qr_png())?)?;
        Ok(())
    }
}

/// The name of the sheet that carries a receipt in an exported workbook.
pub const SHEET: &str = "核验回执";

/// Pixels per module of the printed QR code.
const MODULE: u32 = 4;
/// The quiet zone around the symbol, in modules (ISO/IEC 18004).
const QUIET: u32 = 4;

/// A PNG of the QR code of `text` (error correction level M).
pub fn qr_png(text: &str) -> Vec<u8> {
    // A receipt address is short (under 200 bytes); QR version 40 at level M holds 2,331 bytes.
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).expect("a receipt address fits in a QR code");
    let width = code.width() as u32;
    let colors = code.to_colors();
    let side = (width + 2 * QUIET) * MODULE;
    let img = ImageBuffer::from_fn(side, side, |x, y| {
        let (mx, my) = ((x / MODULE).wrapping_sub(QUIET), (y / MODULE).wrapping_sub(QUIET));
        let dark = mx < width && my < width && colors[(my * width + mx) as usize] == qrcode::Color::Dark;
        Luma([if dark { 0u8 } else { 255 }])
    });
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).expect("writing a PNG to memory");
    png
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_qr_code_reads_back_as_the_verify_address() {
        let r = Receipt { index: 41, leaf_hash: "3f".repeat(32), base_url: "https://duijie.yn.gov.cn/".into() };
        assert_eq!(r.url(), format!("https://duijie.yn.gov.cn/public/verify?index=41&leaf={}", "3f".repeat(32)));
        assert!(r.line().contains(&r.short()));
        assert_eq!(decode(&r.qr_png()), vec![r.url()]);
    }

    #[test]
    fn a_workbook_carries_the_receipt_on_its_own_sheet_with_the_code() {
        let r = Receipt { index: 7, leaf_hash: "ab".repeat(32), base_url: String::new() };
        let mut wb = rust_xlsxwriter::Workbook::new();
        wb.add_worksheet().set_name("名单").unwrap();
        r.add_sheet(&mut wb).unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        use calamine::Reader;
        let mut book = calamine::open_workbook_from_rs::<calamine::Xlsx<_>, _>(std::io::Cursor::new(bytes.clone())).unwrap();
        assert_eq!(book.sheet_names(), vec!["名单".to_string(), SHEET.to_string()]);
        let sheet = book.worksheet_range(SHEET).unwrap();
        assert_eq!(sheet.get_value((0, 0)).unwrap().to_string(), r.line());
        assert_eq!(sheet.get_value((1, 0)).unwrap().to_string(), format!("/public/verify?index=7&leaf={}", "ab".repeat(32)));
        assert_eq!(media(&bytes).iter().map(|png| decode(png)).collect::<Vec<_>>(), vec![vec![r.url()]]);
    }

    /// The pictures inside an Office package (.xlsx, .docx).
    pub fn media(package: &[u8]) -> Vec<Vec<u8>> {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(package)).unwrap();
        let names: Vec<String> = zip.file_names().filter(|n| n.contains("media/") && !n.ends_with('/')).map(String::from).collect();
        names
            .iter()
            .map(|n| {
                let mut png = Vec::new();
                zip.by_name(n).unwrap().read_to_end(&mut png).unwrap();
                png
            })
            .collect()
    }

    /// The texts of the QR codes in a PNG, read by an independent decoder.
    pub fn decode(png: &[u8]) -> Vec<String> {
        let img = image::load_from_memory(png).unwrap().to_luma8();
        let mut prepared = rqrr::PreparedImage::prepare(img);
        prepared.detect_grids().iter().map(|g| g.decode().unwrap().1).collect()
    }
}
