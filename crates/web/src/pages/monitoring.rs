//! The export to the national monitoring system (监测系统导出) for
//! rural-revitalisation officers: the batches of their region (newest first)
//! with the form that exports the next one, a batch's page (its corrections
//! and its log receipt) and its file, and the export layout (模板), which a
//! national administrator edits.
//!
//! Guarantees: every handler only reads the request, calls
//! `duijie_app::monitoring` (which decides access: a batch of another region
//! is 404, an organisation or civil-affairs office 403) and renders; a
//! refused form comes back with each bad field's message beside it and what
//! was typed kept.

use crate::auth::{CurrentUser, Posted};
use crate::pages::designations::actor;
use crate::pages::{Layout, Toast, done, fmt_time};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use duijie_app::monitoring::{self as ops, ExportInput};
use duijie_app::reports::Records;
use duijie_domain::FieldError;
use duijie_domain::monitoring::{Figure, Period};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/monitoring", get(list).post(export))
        .route("/monitoring/layout", get(layout_page).post(save_layout))
        .route("/monitoring/batches/{id}", get(batch))
        .route("/monitoring/batches/{id}/file", get(download))
}

/// A batch in the list.
struct BatchRow {
    id: i64,
    number: i64,
    region: String,
    period: String,
    rows: i64,
    corrections: i64,
    by: String,
    at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "monitoring_list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<BatchRow>,
    form: ExportForm,
    errors: Vec<FieldError>,
    example: bool,
}

impl ListPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

#[derive(serde::Deserialize, Default, Clone)]
struct ExportForm {
    #[serde(default)]
    region: String,
    #[serde(default)]
    period: String,
}

async fn list_page(state: &AppState, cu: &CurrentUser, form: ExportForm, errors: Vec<FieldError>, toast: Option<String>) -> Result<ListPage, AppError> {
    let p = Records::of(state);
    let rows = ops::list(p, &cu.principal)
        .await?
        .into_iter()
        .map(|b| BatchRow {
            id: b.id,
            number: b.number,
            region: state.tree.full_name(&b.region_code),
            period: format!("{}（{}）", b.period.label(), b.period),
            rows: b.row_count,
            corrections: b.correction_count,
            by: format!("{}（{}）", b.created_unit, b.created_by),
            at: fmt_time(b.created_at),
        })
        .collect();
    let example = ops::layout(p).await?.layout.example;
    Ok(ListPage { layout: Layout::new(state, cu, "monitoring", toast).await, rows, form, errors, example })
}

async fn list(State(state): State<AppState>, cu: CurrentUser, Query(t): Query<Toast>) -> Result<Response, AppError> {
    // The half-year that ended last: what is usually reported.
    let period = Period::containing(duijie_app::today()).previous().to_string();
    // The caller's own region by name (empty for the whole country: the field's default is the caller's region).
    let own = cu.principal.region();
    let region = if own.level() == duijie_domain::Level::National { String::new() } else { state.tree.full_name(own) };
    let form = ExportForm { region, period };
    Ok(list_page(&state, &cu, form, Vec::new(), t.ok).await?.into_response())
}

async fn export(State(state): State<AppState>, p: Posted<ExportForm>) -> Result<Response, AppError> {
    let (cu, form) = (p.user, p.form);
    let records = Records::of(&state);
    let input = ExportInput { region: form.region.clone(), period: form.period.clone() };
    let outcome = match ops::check(records, &cu.principal, &input).await {
        Ok((region, period)) => ops::export(records, &cu.principal, &actor(&cu), &region, &period).await.map_err(AppError::from),
        Err(e) => Err(AppError::from(e)),
    };
    match outcome {
        Ok(b) => {
            let said = if b.correction_count > 0 { format!("，含 {} 行更正", b.correction_count) } else { String::new() };
            Ok(done(&format!("/monitoring/batches/{}", b.id), &format!("已生成第 {} 批（{} 行{said}），可下载文件报送", b.number, b.row_count)))
        }
        Err(AppError::Invalid(errors)) => Ok((StatusCode::UNPROCESSABLE_ENTITY, list_page(&state, &cu, form, errors, None).await?).into_response()),
        Err(e) => Err(e),
    }
}

/// A correction as the page shows it.
struct CorrectionRow {
    kind: &'static str,
    county: String,
    org: String,
    what: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "monitoring_batch.html")]
struct BatchPage {
    layout: Layout,
    id: i64,
    number: i64,
    region: String,
    period: String,
    rows: i64,
    by: String,
    at: String,
    previous: Option<i64>,
    corrections: Vec<CorrectionRow>,
    receipt_index: Option<u64>,
    receipt_leaf: String,
    digest: String,
}

async fn batch(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>, Query(t): Query<Toast>) -> Result<Response, AppError> {
    let d = ops::batch(Records::of(&state), &cu.principal, id).await?;
    let corrections = d
        .corrections
        .iter()
        .map(|c| CorrectionRow { kind: c.kind.label(), county: c.row().county_name.clone(), org: c.row().org_name.clone(), what: c.describe(&d.layout) })
        .collect();
    let b = &d.batch;
    Ok(BatchPage {
        layout: Layout::new(&state, &cu, "monitoring", t.ok).await,
        id,
        number: b.number,
        region: d.region_name.clone(),
        period: format!("{}（{}）", b.period.label(), b.period),
        rows: b.row_count,
        by: format!("{}（{}）", b.created_unit, b.created_by),
        at: fmt_time(b.created_at),
        previous: d.previous_number,
        corrections,
        receipt_index: d.receipt.as_ref().map(|r| r.index),
        receipt_leaf: d.receipt.as_ref().map(|r| r.leaf_hash.clone()).unwrap_or_default(),
        digest: b.digest.clone(),
    }
    .into_response())
}

async fn download(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>) -> Result<Response, AppError> {
    let (name, bytes) = ops::file(Records::of(&state), &cu.principal, id, &state.config.public_url).await?;
    Ok(crate::xlsx_download(&name, bytes))
}

/// A column of the layout as the page lists it.
struct ColumnRow {
    header: String,
    figure: &'static str,
    meaning: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "monitoring_layout.html")]
struct LayoutPage {
    layout: Layout,
    title: String,
    example: bool,
    saved: String,
    columns: Vec<ColumnRow>,
    figures: Vec<(&'static str, &'static str)>,
    may_edit: bool,
    text: String,
    errors: Vec<FieldError>,
}

#[derive(serde::Deserialize, Default)]
struct LayoutForm {
    #[serde(default)]
    layout: String,
}

async fn layout_view(state: &AppState, cu: &CurrentUser, text: Option<String>, errors: Vec<FieldError>, toast: Option<String>) -> Result<LayoutPage, AppError> {
    let may_edit = ops::may_edit_layout(&cu.principal);
    if !may_edit && !ops::may_export(&cu.principal) {
        return Err(AppError::Forbidden);
    }
    let current = ops::layout(Records::of(state)).await?;
    let l = &current.layout;
    Ok(LayoutPage {
        layout: Layout::new(state, cu, "monitoring", toast).await,
        title: l.title.clone(),
        example: l.example,
        saved: match current.saved_at {
            Some(at) => format!("{} 由 {} 保存", fmt_time(at), current.saved_by),
            None => "平台自带的示例模板".into(),
        },
        columns: l.columns.iter().map(|c| ColumnRow { header: c.header.clone(), figure: c.figure.as_str(), meaning: c.figure.label() }).collect(),
        figures: Figure::ALL.iter().map(|f| (f.as_str(), f.label())).collect(),
        may_edit,
        text: text.unwrap_or_else(|| l.to_json()),
        errors,
    })
}

async fn layout_page(State(state): State<AppState>, cu: CurrentUser, Query(t): Query<Toast>) -> Result<Response, AppError> {
    Ok(layout_view(&state, &cu, None, Vec::new(), t.ok).await?.into_response())
}

async fn save_layout(State(state): State<AppState>, p: Posted<LayoutForm>) -> Result<Response, AppError> {
    let (cu, form) = (p.user, p.form);
    match ops::save_layout(Records::of(&state), &cu.principal, &actor(&cu), &form.layout).await.map_err(AppError::from) {
        Ok(l) => Ok(done("/monitoring/layout", &format!("导出模板已保存（{} 列），之后的导出按新模板生成", l.columns.len()))),
        Err(AppError::Invalid(errors)) => Ok((StatusCode::UNPROCESSABLE_ENTITY, layout_view(&state, &cu, Some(form.layout), errors, None).await?).into_response()),
        Err(e) => Err(e),
    }
}
