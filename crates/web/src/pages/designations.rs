//! Changing designations: one county at a time, or a whole list imported from
//! Excel/CSV with a preview before anything is written.
//!
//! Guarantees: each change is allowed by `authz` for that region; an import is
//! checked row by row and shown to the officer first; only a preview without
//! errors can be committed, by the same user, once; the commit is one
//! transaction; every write is audited by the store. The file is read within
//! the designation list's import limits; at most 1,000 errors are listed, the
//! rest counted and downloadable (`import_errors`).

use super::regions::DesignationDraft;
use super::{Layout, done};
use crate::auth::{CurrentUser, Posted, PostedUpload};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use duijie_domain::authz::{Action, Target, decide};
use duijie_domain::{Decision, RegionCode};
use duijie_office::RowError;
use duijie_store::designations::{self, Kind};
use duijie_store::{Actor, imports};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/regions/{code}/designations", post(add))
        .route("/designations/{id}/end", post(end))
        .route("/designations/import", get(import_form).post(import_upload))
        .route("/designations/import/commit", post(import_commit))
        .route("/designations/template.xlsx", get(template))
}

/// The audit actor for a logged-in user.
pub fn actor(cu: &CurrentUser) -> Actor {
    Actor { user_id: Some(cu.user.id), name: cu.user.username.clone(), unit: cu.user.display_name.clone() }
}

async fn add(State(state): State<AppState>, Path(raw): Path<String>, p: Posted<DesignationDraft>) -> Result<Response, AppError> {
    let code = super::regions::code_from_path(&raw)?;
    match decide(&p.user.principal, Action::EditDesignation, Target::Region(&code)) {
        Decision::Allow if state.tree.get(&code).is_some() => {}
        Decision::Forbidden => return Err(AppError::Forbidden),
        _ => return Err(AppError::NotFound),
    }
    let kinds = designations::kinds(&state.db).await?;
    let new = match duijie_app::regions_designations::validate_new(&code, &p.form.kind, &p.form.valid_from, &p.form.source, &p.form.note, &kinds) {
        Ok(new) => new,
        Err(duijie_app::Error::Invalid(errors)) => {
            let page = super::regions::region_view(&state, &p.user, &code, None, p.form.clone(), errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let mut tx = state.db.begin().await?;
    designations::add(&mut tx, &actor(&p.user), &new).await?;
    tx.commit().await?;
    Ok(done(&format!("/regions/{code}"), "认定已添加"))
}

#[derive(serde::Deserialize)]
struct EndForm {
    #[serde(default)]
    reason: String,
}

async fn end(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<EndForm>) -> Result<Response, AppError> {
    let d = duijie_app::open(designations::get(&state.db, id).await?, &p.user.principal, Action::EditDesignation)?;
    let reason = p.form.reason.trim();
    if reason.is_empty() {
        return Err(AppError::field("reason", "请填写撤销原因（例如依据的文件）"));
    }
    let mut tx = state.db.begin().await?;
    designations::end(&mut tx, &actor(&p.user), id, reason).await?;
    tx.commit().await?;
    Ok(done(&format!("/regions/{}", d.region_code), "认定已撤销，记录保留在历史中"))
}

pub struct PreviewRow {
    pub row: usize,
    pub code: String,
    pub name: String,
    pub valid_from: String,
    pub source: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "designation_import.html")]
struct ImportPage {
    layout: Layout,
    kinds: Vec<Kind>,
    file_name: String,
    kind_name: String,
    errors: Vec<RowError>,
    preview: Vec<PreviewRow>,
    token: String,
    form_error: Option<String>,
    more_errors: usize,
    /// The full error list's download token, when the upload has errors.
    errors_token: String,
}

/// Who may import at all: anyone who may edit designations somewhere in their own region.
fn may_import(cu: &CurrentUser) -> Result<(), AppError> {
    match decide(&cu.principal, Action::EditDesignation, Target::Region(cu.principal.region())) {
        Decision::Allow => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

async fn import_page(state: &AppState, cu: &CurrentUser, toast: Option<String>) -> Result<ImportPage, AppError> {
    Ok(ImportPage {
        layout: Layout::new(state, cu, "designations", toast).await,
        kinds: designations::kinds(&state.db).await?,
        file_name: String::new(),
        kind_name: String::new(),
        errors: Vec::new(),
        preview: Vec::new(),
        token: String::new(),
        form_error: None,
        more_errors: 0,
        errors_token: String::new(),
    })
}

async fn import_form(State(state): State<AppState>, cu: CurrentUser, Query(t): Query<super::Toast>) -> Result<ImportPage, AppError> {
    may_import(&cu)?;
    import_page(&state, &cu, t.ok).await
}

async fn import_upload(State(state): State<AppState>, PostedUpload { user: cu, form }: PostedUpload) -> Result<Response, AppError> {
    may_import(&cu)?;
    let (kind, source, file) = (form.get("kind"), form.get("source"), form.file);
    let mut page = import_page(&state, &cu, None).await?;
    let Some(kind_row) = page.kinds.iter().find(|k| k.key == kind).cloned() else {
        page.form_error = Some("请选择认定类别".into());
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    // An empty file goes on to the reader, which says that it is empty.
    let Some((file_name, bytes)) = file.filter(|(n, _)| !n.is_empty()) else {
        page.form_error = Some("请选择要上传的文件".into());
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    page.file_name = file_name.clone();
    page.kind_name = kind_row.name.clone();
    let table = match duijie_office::read_table_limited(&file_name, &bytes, &[imports::CODE_COLUMN], &state.config.import_limits.designations()) {
        Ok(t) => t,
        Err(e) => {
            page.form_error = Some(e.to_string());
            // No preview of a file that could not be read (it would offer to confirm nothing).
            page.file_name.clear();
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let plan = imports::plan_designations(&table, &state.tree, cu.principal.region(), &kind, &source, duijie_office::MAX_SHOWN_ERRORS);
    page.preview = plan
        .rows
        .iter()
        .map(|(row, d)| PreviewRow {
            row: *row,
            code: d.region_code.clone(),
            name: RegionCode::parse(&d.region_code).map(|c| state.tree.full_name(&c)).unwrap_or_default(),
            valid_from: d.valid_from.as_ref().map(super::fmt_date).unwrap_or_else(|| "—".into()),
            source: d.source.clone(),
        })
        .collect();
    page.errors = plan.errors;
    page.more_errors = plan.more_errors;
    if page.errors.is_empty() {
        page.token = state.pending.put(cu.user.id, plan.rows.into_iter().map(|(_, d)| d).collect());
    } else {
        let kind = super::import_errors::ImportKind::Designations { kind, source };
        page.errors_token = super::import_errors::keep(&state, &cu, &file_name, &bytes, kind);
    }
    let status = if page.errors.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, page).into_response())
}

#[derive(serde::Deserialize)]
struct CommitForm {
    #[serde(default)]
    token: String,
}

async fn import_commit(State(state): State<AppState>, p: Posted<CommitForm>) -> Result<Response, AppError> {
    may_import(&p.user)?;
    let Some(rows) = state.pending.take(&p.form.token, p.user.user.id) else {
        return Err(AppError::bad("导入预览已失效（超过 30 分钟或已提交），请重新上传文件"));
    };
    let mut tx = state.db.begin().await?;
    let (added, unchanged) = designations::add_many(&mut tx, &actor(&p.user), &rows).await?;
    tx.commit().await?;
    Ok(done("/designations/import", &format!("导入完成：新增 {added} 条，{unchanged} 条已存在未改动")))
}

async fn template(_cu: CurrentUser) -> Result<Response, AppError> {
    let bytes = duijie_office::template::template_xlsx(
        "区划认定名单导入模板",
        &[("区划代码", true), ("名称", false), ("认定日期", false), ("依据", false), ("备注", false)],
        &["530628", "彝良县", "2021-08-27", "关于公布国家乡村振兴重点帮扶县名单的通知", ""],
    )
    .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"designation-template.xlsx\"; filename*=UTF-8''%E8%AE%A4%E5%AE%9A%E5%90%8D%E5%8D%95%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"),
        ],
        bytes,
    )
        .into_response())
}
