//! Uploaded files: their names and what they are.
//!
//! Guarantees: a file's type is decided by its first bytes, not by the name or
//! the browser's claim; stored names are the last path segment without
//! control characters.

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
