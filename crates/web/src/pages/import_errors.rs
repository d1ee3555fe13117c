//! The full error list of an upload, as an .xlsx (行, 列, 错误说明).
//!
//! Guarantees: a page lists at most 1,000 errors of an upload
//! (`duijie_office::MAX_SHOWN_ERRORS`) and links here for the rest; the upload
//! (its bytes and what was chosen with it) is kept for its uploader only, for
//! `previews::KEEP_SECONDS`, and the list is made again from it with the same
//! reader limits and checks as the page, so it begins with the errors the
//! page showed; nothing is written.

use super::actions::xlsx_download;
use crate::auth::CurrentUser;
use crate::{AppError, AppState};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use duijie_office::errors::MAX_XLSX_ERRORS;
use duijie_office::{OfficeError, RowError};
use duijie_store::imports;

pub fn router() -> Router<AppState> {
    Router::new().route("/imports/errors.xlsx", get(download))
}

/// Which importer an upload went to, with what was chosen alongside the file.
#[derive(Clone)]
pub enum ImportKind {
    Demands,
    Registry,
    Designations { kind: String, source: String },
    Pairing { batch_id: i64 },
    /// An organisation's filled 附件2 (`/projects/import`).
    Projects,
}

/// An upload whose check found errors.
#[derive(Clone)]
pub struct ErrorSource {
    pub file_name: String,
    pub bytes: Bytes,
    pub kind: ImportKind,
}

/// Keeps an upload with errors for its uploader; returns the download's token.
pub fn keep(state: &AppState, cu: &CurrentUser, file_name: &str, bytes: &Bytes, kind: ImportKind) -> String {
    state.error_files.put(cu.user.id, ErrorSource { file_name: file_name.to_string(), bytes: bytes.clone(), kind })
}

#[derive(serde::Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

fn refused(e: OfficeError) -> AppError {
    AppError::bad(e.to_string())
}

async fn download(State(state): State<AppState>, cu: CurrentUser, Query(q): Query<TokenQuery>) -> Result<Response, AppError> {
    let src = state.error_files.get(&q.token, cu.user.id).ok_or_else(|| AppError::bad("错误清单已过期（超过 30 分钟），请重新上传文件"))?;
    let limits = &state.config.import_limits;
    let (name, bytes) = (src.file_name.as_str(), &src.bytes[..]);
    let errors: Vec<RowError> = match &src.kind {
        ImportKind::Demands => {
            let table = duijie_office::read_table_limited(name, bytes, &super::demand_import::required(), &limits.demands()).map_err(refused)?;
            duijie_app::demand::plan_import(&state, &cu.principal, name, &table, MAX_XLSX_ERRORS).errors
        }
        ImportKind::Registry => {
            let table = duijie_office::read_table_limited(name, bytes, imports::ORG_REQUIRED, &limits.registry()).map_err(refused)?;
            let existing = duijie_store::orgs::all(&state.db).await?.into_iter().map(|o| (o.credit_code.clone(), o)).collect();
            imports::plan_organizations(&table, &state.tree, cu.principal.region(), &existing, MAX_XLSX_ERRORS).errors
        }
        ImportKind::Designations { kind, source } => {
            let table = duijie_office::read_table_limited(name, bytes, &[imports::CODE_COLUMN], &limits.designations()).map_err(refused)?;
            imports::plan_designations(&table, &state.tree, cu.principal.region(), kind, source, MAX_XLSX_ERRORS).errors
        }
        ImportKind::Pairing { batch_id } => {
            let (rows, errors) = duijie_office::read_pairing_list_limited(name, bytes, &limits.pairing()).map_err(refused)?;
            let batch = duijie_store::pairing::batch(&state.db, *batch_id).await?.ok_or(AppError::NotFound)?;
            duijie_store::pairing::list::plan_import(&state.db, &state.tree, &batch, name, &rows, errors, MAX_XLSX_ERRORS).await?.errors
        }
        ImportKind::Projects => duijie_app::projects::check_list(&state, &cu.principal, name, bytes, &limits.projects(), MAX_XLSX_ERRORS).await?.0,
    };
    let xlsx = duijie_office::errors_xlsx(&errors).map_err(|e| AppError::Internal(e.to_string()))?;
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    Ok(xlsx_download("import-errors.xlsx", &format!("{stem}-错误清单.xlsx"), xlsx))
}
