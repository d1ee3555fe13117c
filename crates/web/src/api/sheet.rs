//! The answer to a spreadsheet upload that was refused (a filled 附件2, a
//! filled grid table of a report): one shape for every such route.
//!
//! Guarantees: a refusal is a 422 in the API's error shape, plus every
//! problem by the row the spreadsheet shows and its column header, and how
//! many more there were; a missing or unreadable file is named on the field
//! `file`. Nothing was written when this is the answer.

use crate::error::{ApiError, AppError, ErrorBody, FieldProblem};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use duijie_office::RowError;
use serde::Serialize;
use utoipa::ToSchema;

/// 上传的表格中有问题的一格。
#[derive(Serialize, ToSchema)]
pub struct SheetCellError {
    /// 行号（与 Excel 中显示的一致）。
    pub row: usize,
    /// 列的表头；整行或表格之外的问题为空，标题行为“标题”。
    pub column: String,
    /// 问题说明。
    pub message: String,
}

/// 上传的表格被拒绝（没有写入或修改任何数据）：通用错误格式，另加逐格的问题。
#[derive(Serialize, ToSchema)]
pub struct SheetRefusal {
    #[serde(flatten)]
    pub error: ErrorBody,
    /// 每一处问题（最多 1000 处）；文件整体无法读取时为空，原因见 `message` 和 `fields`。
    pub errors: Vec<SheetCellError>,
    /// 超出所列的问题还有多少处。
    pub more_errors: usize,
}

fn refusal(message: String, fields: Vec<FieldProblem>, errors: Vec<SheetCellError>, more_errors: usize) -> Response {
    let error = ErrorBody { code: "invalid".into(), message, fields, request_id: crate::error::new_request_id(), current: None };
    (StatusCode::UNPROCESSABLE_ENTITY, Json(SheetRefusal { error, errors, more_errors })).into_response()
}

/// No file in the field `file`: `message` says what to upload.
pub fn no_file(message: &str) -> Response {
    refusal(message.to_string(), vec![FieldProblem { field: "file".into(), message: message.to_string() }], Vec::new(), 0)
}

/// Cells that are wrong: `message` sums them up.
pub fn cells(message: String, errors: Vec<RowError>, more: usize) -> Response {
    refusal(message, Vec::new(), errors.into_iter().map(|e| SheetCellError { row: e.row, column: e.column, message: e.message }).collect(), more)
}

/// An error of the operation: a file that cannot be read (fields) is a
/// refusal; anything else is answered as usual.
pub fn failed(e: duijie_app::Error) -> Result<Response, ApiError> {
    match AppError::from(e) {
        AppError::Invalid(fields) => {
            let message = fields.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("；");
            Ok(refusal(message, fields.into_iter().map(|f| FieldProblem { field: f.field, message: f.message }).collect(), Vec::new(), 0))
        }
        other => Err(ApiError(other)),
    }
}
