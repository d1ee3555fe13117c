//! Uploaded files: reading a multipart form (naming and recognising the file
//! is `duijie_app::files`).
//!
//! Guarantees: every multipart failure (oversized body, broken transfer) becomes
//! a Chinese message, never a 500.

use crate::AppError;
use axum::body::Bytes;
use axum::extract::Multipart;
use std::collections::HashMap;

/// The text fields (every value, in order) and the uploaded file (field `file`) of a multipart form.
pub struct MultipartForm {
    pub text: HashMap<String, Vec<String>>,
    /// The last part named `file`.
    pub file: Option<(String, Bytes)>,
    /// Every part named `file` that holds a chosen file (a name and some
    /// bytes), in order: an `<input type="file" name="file" multiple>`.
    pub files: Vec<(String, Bytes)>,
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
    let mut form = MultipartForm { text: HashMap::new(), file: None, files: Vec::new() };
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
            let chosen = (file_name.unwrap_or_default(), bytes);
            if !chosen.0.is_empty() && !chosen.1.is_empty() {
                form.files.push(chosen.clone());
            }
            form.file = Some(chosen);
        } else {
            form.text.entry(name).or_default().push(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    Ok(form)
}
