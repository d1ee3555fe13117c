//! Uploaded files: reading a multipart form, naming and recognising the file.
//!
//! Guarantees: every multipart failure (oversized body, broken transfer) becomes
//! a Chinese message, never a 500; a file's type is decided by its first bytes,
//! not by the name or the browser's claim; stored names are the last path
//! segment without control characters.

use crate::AppError;
use axum::body::Bytes;
use axum::extract::Multipart;
use std::collections::HashMap;

/// The text fields (every value, in order) and the uploaded file (field `file`) of a multipart form.
pub struct MultipartForm {
    pub text: HashMap<String, Vec<String>>,
    pub file: Option<(String, Bytes)>,
}

impl MultipartForm {
    /// The first value of a text field, or "".
    pub fn get(&self, name: &str) -> String {
        self.text.get(name).and_then(|v| v.first()).cloned().unwrap_or_default()
    }

    /// The uploaded file if one was chosen (a name and some bytes).
    pub fn chosen_file(&self) -> Option<&(String, Bytes)> {
        self.file.as_ref().filter(|(n, b)| !n.is_empty() && !b.is_empty())
    }

    /// The uploaded file if one was chosen, even an empty one (a spreadsheet
    /// reader says that it is empty).
    pub fn named_file(&self) -> Option<&(String, Bytes)> {
        self.file.as_ref().filter(|(n, _)| !n.is_empty())
    }
}

pub async fn read_multipart(mp: &mut Multipart) -> Result<MultipartForm, AppError> {
    let mut form = MultipartForm { text: HashMap::new(), file: None };
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(AppError::BadRequest(e.status(), format!("上传失败：{}", e.body_text()))),
        };
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = field
            .bytes()
            .await
            .map_err(|e| AppError::BadRequest(e.status(), format!("上传失败：文件过大或传输中断（{}）", e.body_text())))?;
        if name == "file" {
            form.file = Some((file_name.unwrap_or_default(), bytes));
        } else {
            form.text.entry(name).or_default().push(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    Ok(form)
}

/// The last path segment of an uploaded file's name, at most 120 characters.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    base.chars().filter(|c| !c.is_control()).take(120).collect()
}

/// The content type of a scanned document (certificate, signed agreement,
/// formal letter), from its first bytes: PDF, JPG, PNG or WebP.
pub fn sniff_scan(b: &[u8]) -> Option<&'static str> {
    if b.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if b.len() > 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_are_recognised_by_their_bytes_not_their_names() {
        assert_eq!(sniff_scan(b"%PDF-1.4 ..."), Some("application/pdf"));
        assert_eq!(sniff_scan(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff_scan(b"MZ\x90\x00 an exe named scan.pdf"), None);
        assert_eq!(clean_file_name("C:\\Users\\x\\协议.pdf"), "协议.pdf");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
    }
}
