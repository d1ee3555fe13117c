//! Importing a county's demand list (需求清单) from Excel or CSV.
//!
//! Guarantees: every row is checked with the same rules as the demand form
//! (`duijie_app::demand::check_demand`: fields, region within the officer's scope,
//! ID number check digit…); the preview names each bad row and column and
//! writes nothing; only the uploader can confirm, once, within 30 minutes; the
//! confirmed rows become drafts in one transaction, each remembering its file
//! and row; households' personal data is sealed before it is kept in memory.
//! The file is read within the demand list's import limits; a refused file is
//! answered with the reader's Chinese reason; at most 1,000 errors are listed,
//! with the rest counted and the full list downloadable (`import_errors`).

use super::actions::xlsx_download;
use super::designations::actor;
use super::{Layout, Toast, done};
use crate::auth::{CurrentUser, Posted, PostedUpload};
use duijie_app::demand::{DemandImport, IMPORT_EXAMPLE, IMPORT_HEADERS, commit_import, plan_import};
use duijie_app::require;
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use duijie_domain::authz::{Action, Target, decide};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/demands/import", get(form).post(upload))
        .route("/demands/import/confirm", post(confirm))
        .route("/demands/import/template.xlsx", get(template))
}

#[derive(Template, WebTemplate)]
#[template(path = "demand_import.html")]
struct ImportPage {
    layout: Layout,
    form_error: Option<String>,
    plan: Option<DemandImport>,
    token: String,
    /// The full error list's download token, when the upload has errors.
    errors_token: String,
}

fn may_import(cu: &CurrentUser) -> Result<(), AppError> {
    Ok(require(decide(&cu.principal, Action::EditDemand, Target::Region(cu.principal.region())))?)
}

async fn page(state: &AppState, cu: &CurrentUser, toast: Option<String>) -> Result<ImportPage, AppError> {
    may_import(cu)?;
    Ok(ImportPage {
        layout: Layout::new(state, cu, "demands", toast).await,
        form_error: None,
        plan: None,
        token: String::new(),
        errors_token: String::new(),
    })
}

/// The header groups a demand list must have: its required columns.
pub fn required() -> Vec<&'static [&'static str]> {
    IMPORT_HEADERS.iter().filter(|(_, r)| *r).map(|(h, _)| std::slice::from_ref(h)).collect()
}

async fn form(State(state): State<AppState>, cu: CurrentUser, Query(t): Query<Toast>) -> Result<ImportPage, AppError> {
    page(&state, &cu, t.ok).await
}

async fn upload(State(state): State<AppState>, PostedUpload { user: cu, form }: PostedUpload) -> Result<Response, AppError> {
    let mut p = page(&state, &cu, None).await?;
    let Some((name, bytes)) = form.named_file() else {
        p.form_error = Some("请选择要上传的需求清单".into());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    };
    let table = match duijie_office::read_table_limited(name, bytes, &required(), &state.config.import_limits.demands()) {
        Ok(t) => t,
        Err(e) => {
            p.form_error = Some(e.to_string());
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
        }
    };
    let file_name = duijie_app::files::clean_file_name(name);
    let plan = plan_import(&state, &cu.principal, &file_name, &table, duijie_office::MAX_SHOWN_ERRORS);
    let ok = plan.errors.is_empty() && !plan.rows.is_empty();
    if ok {
        p.token = state.demand_previews.put(cu.user.id, plan.clone());
    } else if !plan.errors.is_empty() {
        p.errors_token = super::import_errors::keep(&state, &cu, &file_name, bytes, super::import_errors::ImportKind::Demands);
    }
    p.plan = Some(plan);
    Ok((if ok { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY }, p).into_response())
}

#[derive(serde::Deserialize, Default)]
struct ConfirmForm {
    #[serde(default)]
    token: String,
}

async fn confirm(State(state): State<AppState>, p: Posted<ConfirmForm>) -> Result<Response, AppError> {
    let cu = p.user;
    may_import(&cu)?;
    let plan = state.demand_previews.take(&p.form.token, cu.user.id).ok_or_else(|| AppError::bad("预览已过期或已导入，请重新上传"))?;
    let n = commit_import(&state, &actor(&cu), &plan).await?;
    Ok(done("/demands", &format!("已导入 {n} 条需求（草稿），请核对后提交审核")))
}

async fn template(cu: CurrentUser) -> Result<Response, AppError> {
    may_import(&cu)?;
    let bytes = duijie_office::template::template_xlsx("县（市、区）乡村振兴帮扶需求清单", IMPORT_HEADERS, IMPORT_EXAMPLE).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(xlsx_download("demand-template.xlsx", "需求清单导入模板.xlsx", bytes))
}
