//! An organisation's 附件2 (社会组织开展乡村振兴项目明细表) filled offline and
//! uploaded back: `/projects/import` (the form, the blank table to download,
//! the upload).
//!
//! Guarantees: only an organisation's own users reach the page (officers get
//! 403); the upload comes through the CSRF-checking `PostedUpload` and is
//! handed whole to `duijie_app::projects::import_list`, which decides access,
//! checks every cell and writes all lines or none; a refused file is answered
//! with the reader's Chinese reason, bad cells as a table by row and column
//! (at most 1,000, the rest counted and the full list downloadable through
//! `import_errors`), a file already imported is said to be so; a success
//! says how many projects were recorded and links to the list. Nothing here
//! writes.

use crate::pages::Layout;
use crate::pages::actions::xlsx_download;
use crate::pages::designations::actor;
use crate::pages::import_errors::{ImportKind, keep};
use crate::auth::{CurrentUser, PostedUpload};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use duijie_app::projects::{self as ops, ListImport};
use duijie_domain::Role;
use duijie_office::RowError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects/import", get(form).post(upload))
        .route("/projects/import/template.xlsx", get(template))
}

#[derive(Template, WebTemplate)]
#[template(path = "project_import.html")]
struct ImportPage {
    layout: Layout,
    /// Why the file as a whole was refused (unreadable, already imported).
    form_error: Option<String>,
    file_name: String,
    errors: Vec<RowError>,
    more_errors: usize,
    /// The full error list's download token, when there are errors.
    errors_token: String,
    /// How many projects the last upload recorded.
    recorded: Option<usize>,
}

#[derive(serde::Deserialize, Default)]
struct Shown {
    /// Set after a successful import: how many projects it recorded.
    #[serde(default)]
    recorded: Option<String>,
}

/// The page for an organisation's user; anyone else is refused before anything is shown.
async fn page(state: &AppState, cu: &CurrentUser) -> Result<ImportPage, AppError> {
    if cu.principal.role() != Role::Organization || cu.principal.org_id().is_none() {
        return Err(AppError::Forbidden);
    }
    Ok(ImportPage {
        layout: Layout::new(state, cu, "projects", None).await,
        form_error: None,
        file_name: String::new(),
        errors: Vec::new(),
        more_errors: 0,
        errors_token: String::new(),
        recorded: None,
    })
}

async fn form(State(state): State<AppState>, cu: CurrentUser, Query(q): Query<Shown>) -> Result<ImportPage, AppError> {
    let mut p = page(&state, &cu).await?;
    p.recorded = q.recorded.and_then(|n| n.parse().ok());
    Ok(p)
}

async fn upload(State(state): State<AppState>, PostedUpload { user: cu, form }: PostedUpload) -> Result<Response, AppError> {
    let mut p = page(&state, &cu).await?;
    let Some((name, bytes)) = form.named_file() else {
        p.form_error = Some("请选择填好的项目明细表（.xlsx 或 .csv）".into());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    };
    let file_name = duijie_app::files::clean_file_name(name);
    p.file_name = file_name.clone();
    let limits = state.config.import_limits.projects();
    match ops::import_list(&state, &cu.principal, &actor(&cu), name, bytes, &limits).await {
        Ok(ListImport::Recorded(ids)) => Ok(Redirect::to(&format!("/projects/import?recorded={}", ids.len())).into_response()),
        Ok(ListImport::Refused { errors, more }) => {
            p.errors_token = keep(&state, &cu, &file_name, bytes, ImportKind::Projects);
            p.errors = errors;
            p.more_errors = more;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
        }
        Err(e) => match AppError::from(e) {
            e @ (AppError::Invalid(_) | AppError::BadRequest(..)) => {
                p.form_error = Some(e.message());
                Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
            }
            e @ AppError::Conflict(_) => {
                p.form_error = Some(e.message());
                Ok((StatusCode::CONFLICT, p).into_response())
            }
            e => Err(e),
        },
    }
}

/// The blank 附件2, headed with the organisation's name.
async fn template(State(state): State<AppState>, cu: CurrentUser) -> Result<Response, AppError> {
    page(&state, &cu).await?;
    let unit = crate::pages::unit_of(&state, &cu).await;
    let bytes = duijie_office::project_list::project_list_template(&unit).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(xlsx_download("project-list-template.xlsx", "社会组织开展乡村振兴项目明细表（填报模板）.xlsx", bytes))
}
