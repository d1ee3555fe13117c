//! Adjustment requests after a list is published, and importing an official
//! list (结对帮扶名单) into a batch.
//!
//! Guarantees: a request carries a document number, a reason and the scanned
//! formal document; it is approved by the civil-affairs and the
//! rural-revitalisation department of the level that issued the list, each
//! once (`authz::ApproveAdjustment`); the import reads the list within the
//! pairing list's import limits, shows the first 1,000 bad rows and columns
//! (the rest counted, all downloadable) before anything is written, and writes
//! only after the uploader confirms.

use super::{Empty, require_region};
use crate::auth::{CurrentUser, Posted, PostedUpload};
use crate::pages::designations::actor;
use crate::pages::{Layout, Toast, done, fmt_time};
use duijie_app::pairing::{adjustment_visible, decide_adjustment, may, submit_adjustment};
use duijie_app::pickers::Typed;
use duijie_app::regions_designations::browse_root;
use duijie_app::require;
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use duijie_domain::authz::{Action, Target, decide};
use duijie_domain::pairing::Kind;
use duijie_domain::{Level, Principal, RegionCode, Role};
use duijie_office::RowError;
use duijie_store::pairing::adjust::{self, Adjustment, AdjustmentStatus, NewAdjustment, Op, Upload};
use duijie_store::pairing::list::{self as official, ImportPlan};
use duijie_store::pairing::{self, Batch};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/pairing/adjustments", get(list))
        .route("/pairing/adjustments/new", get(new_form).post(new_submit))
        .route("/pairing/adjustments/{id}", get(detail))
        .route("/pairing/adjustments/{id}/approve", post(approve))
        .route("/pairing/adjustments/{id}/reject", post(reject))
        .route("/pairing/import", get(import_form).post(import_upload))
        .route("/pairing/import/confirm", post(import_confirm))
        .route("/pairing/import/template.xlsx", get(template))
}

pub struct AdjRow {
    pub id: i64,
    pub op: &'static str,
    pub org_name: String,
    pub target: String,
    pub batch: String,
    pub doc_no: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub requested: String,
}

fn adj_row(state: &AppState, a: &Adjustment) -> AdjRow {
    AdjRow {
        id: a.id,
        op: a.op().label(),
        org_name: a.org_name.clone(),
        target: state.tree.full_name(&a.region_code),
        batch: a.batch_name.clone(),
        doc_no: a.doc_no.clone(),
        status: a.status_label(),
        status_class: match a.status {
            AdjustmentStatus::Approved => "tag-ok",
            AdjustmentStatus::Rejected => "tag-off",
            AdjustmentStatus::Pending => "tag-warn",
        },
        requested: format!("{}，{}", a.requested_by, fmt_time(a.requested_at)),
    }
}

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    ok: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "pairing_adjustments.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<AdjRow>,
    status: String,
}

async fn list(State(state): State<AppState>, cu: CurrentUser, Query(q): Query<ListQuery>) -> Result<ListPage, AppError> {
    let all = adjust::list(&state.db, &cu.principal, &q.status).await?;
    Ok(ListPage { layout: Layout::new(&state, &cu, "pairing", q.ok).await, rows: all.iter().map(|a| adj_row(&state, a)).collect(), status: q.status })
}

#[derive(Default, Clone)]
struct NewForm {
    batch_id: String,
    op: String,
    pairing_id: String,
    credit_code: String,
    kind: String,
    region: String,
    target_label: String,
    fields: String,
    doc_no: String,
    reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pairing_adjust_new.html")]
struct NewPage {
    layout: Layout,
    form: NewForm,
    error: Option<String>,
    batches: Vec<(i64, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    current: Option<super::Row>,
    /// Without a pairing chosen from its page: the listed pairings the caller
    /// may ask to change or end (id, how people read it).
    choices: Vec<(i64, String)>,
    is_org: bool,
}

#[derive(serde::Deserialize, Default)]
struct NewQuery {
    #[serde(default)]
    pairing: Option<i64>,
    #[serde(default)]
    op: String,
}

async fn new_page(state: &AppState, cu: &CurrentUser, form: NewForm, error: Option<String>) -> Result<NewPage, AppError> {
    let batches = pairing::batches(&state.db).await?.into_iter().filter(Batch::is_published).map(|b| (b.id, super::batch_title(state, &b))).collect();
    let current = match (form.pairing_id.parse::<i64>(), form.op.as_str()) {
        (Ok(id), "change" | "end") => Some(super::row(state, &duijie_app::pairing::visible(&state.db, &cu.principal, id).await?)),
        _ => None,
    };
    let choices = if current.is_none() {
        let active = pairing::Filter { status: "active".into(), ..pairing::Filter::default() };
        pairing::list(&state.db, &cu.principal.scope(), &active, 500, 0)
            .await?
            .0
            .into_iter()
            .filter(|p| p.listed_at.is_some() && p.delisted_at.is_none())
            .map(|p| {
                let label = if p.target_label.is_empty() { String::new() } else { format!("（{}）", p.target_label) };
                (p.id, format!("{} — {}{label} · {}", p.org_name, p.place(&state.tree), p.batch_name))
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(NewPage {
        layout: Layout::new(state, cu, "pairing", None).await,
        form,
        error,
        batches,
        kinds: Kind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        current,
        choices,
        is_org: cu.principal.role() == Role::Organization,
    })
}

async fn new_form(State(state): State<AppState>, cu: CurrentUser, Query(q): Query<NewQuery>) -> Result<NewPage, AppError> {
    let mut form = NewForm { op: if q.op.is_empty() { "add".into() } else { q.op }, kind: "county".into(), ..NewForm::default() };
    if let Some(id) = q.pairing {
        let p = duijie_app::pairing::visible(&state.db, &cu.principal, id).await?;
        form.pairing_id = id.to_string();
        form.batch_id = p.batch_id.to_string();
        form.kind = p.kind.as_str().into();
        if form.op == "add" {
            form.op = "change".into();
        }
    }
    new_page(&state, &cu, form, None).await
}

async fn new_submit(State(state): State<AppState>, PostedUpload { user: cu, form: mp }: PostedUpload) -> Result<Response, AppError> {
    let form = NewForm {
        batch_id: mp.get("batch_id"),
        op: mp.get("op"),
        pairing_id: mp.get("pairing_id"),
        credit_code: mp.get("credit_code"),
        kind: mp.get("kind"),
        region: mp.get("region"),
        target_label: mp.get("target_label"),
        fields: mp.get("fields"),
        doc_no: mp.get("doc_no"),
        reason: mp.get("reason"),
    };
    let result = async {
        let op = Op::parse(&form.op).ok_or_else(|| AppError::field("op", "请选择申请事项"))?;
        let batch_id: i64 = form.batch_id.parse().map_err(|_| AppError::field("batch_id", "请选择批次"))?;
        let org_id = if op != Op::Add {
            0
        } else if cu.principal.role() == Role::Organization {
            cu.principal.org_id().unwrap_or(0)
        } else {
            let mut typed = form.credit_code.clone();
            Typed::org(&state, &mut typed).await?.over("credit_code", Ok(()))?;
            let code = duijie_domain::Uscc::parse(&typed).map_err(|e| AppError::field("credit_code", e.to_string()))?;
            duijie_app::open(duijie_store::orgs::by_credit_code(&state.db, code.as_str()).await?, &cu.principal, Action::ViewOrgPublic)
                .map_err(|_| AppError::field("credit_code", "该组织尚未登记"))?
                .id
        };
        let mut typed = form.region.clone();
        Typed::region(&state.db, &state.tree, &mut typed, &browse_root(&cu.principal), Level::Village).await.over("region", Ok(()))?;
        let region = if typed.trim().is_empty() { None } else { Some(RegionCode::parse(&typed).map_err(|e| AppError::field("region", e.to_string()))?) };
        let n = NewAdjustment {
            batch_id,
            op,
            pairing_id: form.pairing_id.parse().ok(),
            org_id,
            kind: Kind::parse(&form.kind).unwrap_or(Kind::County),
            region,
            target_label: form.target_label.clone(),
            fields: form.fields.clone(),
            doc_no: form.doc_no.clone(),
            reason: form.reason.clone(),
        };
        let uploads: Vec<(String, &'static str, &[u8])> = match mp.chosen_file() {
            Some((name, bytes)) => {
                let ct = duijie_app::files::sniff_scan(bytes).ok_or_else(|| AppError::field("file", "正式文件请上传 PDF 或 JPG、PNG 扫描件"))?;
                vec![(duijie_app::files::clean_file_name(name), ct, bytes.as_ref())]
            }
            None => Vec::new(),
        };
        let files: Vec<Upload> = uploads.iter().map(|(n, ct, b)| Upload { file_name: n, content_type: ct, bytes: b }).collect();
        Ok(submit_adjustment(&state.db, &cu.principal, &actor(&cu), n, &files).await?)
    }
    .await;
    match result {
        Ok(id) => Ok(done(&format!("/pairing/adjustments/{id}"), "调整申请已提交，等待民政和乡村振兴部门审批")),
        Err(AppError::Invalid(fs)) => {
            let msg = fs.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("；");
            Ok((StatusCode::UNPROCESSABLE_ENTITY, new_page(&state, &cu, form, Some(msg)).await?).into_response())
        }
        Err(AppError::BadRequest(_, m)) => Ok((StatusCode::UNPROCESSABLE_ENTITY, new_page(&state, &cu, form, Some(m)).await?).into_response()),
        Err(e) => Err(e),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pairing_adjustment.html")]
struct DetailPage {
    layout: Layout,
    a: Adjustment,
    r: AdjRow,
    files: Vec<(i64, String)>,
    kind: &'static str,
    civil: String,
    rural: String,
    can_approve: bool,
    result_link: Option<i64>,
}

async fn detail(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>, Query(t): Query<Toast>) -> Result<DetailPage, AppError> {
    let a = adjustment_visible(&state.db, &cu.principal, id).await?;
    let pending = a.status == AdjustmentStatus::Pending;
    let dept_done = match cu.principal.role() {
        Role::CivilAffairs => a.civil_at.is_some(),
        Role::RuralRevitalization => a.rural_at.is_some(),
        _ => true,
    };
    let sign = |by: &Option<String>, at: Option<i64>| match (by, at) {
        (Some(b), Some(t)) => format!("已同意（{b}，{}）", fmt_time(t)),
        _ => "待审批".to_string(),
    };
    Ok(DetailPage {
        layout: Layout::new(&state, &cu, "pairing", t.ok).await,
        r: adj_row(&state, &a),
        files: adjust::files_of(&state.db, id).await?,
        kind: a.kind.label(),
        civil: sign(&a.civil_by, a.civil_at),
        rural: sign(&a.rural_by, a.rural_at),
        can_approve: pending && !dept_done && decide(&cu.principal, Action::ApproveAdjustment, Target::Region(&a.batch_region)).is_allowed(),
        result_link: a.result_pairing_id,
        a,
    })
}

async fn approve(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<Empty>) -> Result<Response, AppError> {
    let cu = p.user;
    let a = decide_adjustment(&state.db, &cu.principal, &actor(&cu), id, true, "").await?;
    let msg = if a.status == AdjustmentStatus::Approved { "两个部门均已同意，调整已生效，名单已更新" } else { "本部门已同意，等待另一部门审批" };
    Ok(done(&format!("/pairing/adjustments/{id}"), msg))
}

#[derive(serde::Deserialize, Default)]
struct RejectForm {
    #[serde(default)]
    reason: String,
}

async fn reject(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<RejectForm>) -> Result<Response, AppError> {
    let cu = p.user;
    decide_adjustment(&state.db, &cu.principal, &actor(&cu), id, false, &p.form.reason).await?;
    Ok(done(&format!("/pairing/adjustments/{id}"), "已驳回该申请"))
}

#[derive(Template, WebTemplate)]
#[template(path = "pairing_import.html")]
struct ImportPage {
    layout: Layout,
    batches: Vec<(i64, String)>,
    batch_id: String,
    form_error: Option<String>,
    plan: Option<ImportPlan>,
    errors: Vec<RowError>,
    more_errors: usize,
    /// The full error list's download token, when the upload has errors.
    errors_token: String,
    token: String,
}

async fn import_batches(state: &AppState, cu: &CurrentUser) -> Result<Vec<(i64, String)>, AppError> {
    Ok(pairing::batches(&state.db)
        .await?
        .into_iter()
        .filter(|b| !b.is_published() && decide(&cu.principal, Action::ManageBatch, Target::Region(&b.region())).is_allowed())
        .map(|b| (b.id, super::batch_title(state, &b)))
        .collect())
}

async fn import_page(state: &AppState, cu: &CurrentUser, toast: Option<String>) -> Result<ImportPage, AppError> {
    require_region(cu, Action::ManageBatch, cu.principal.region())?;
    Ok(ImportPage {
        layout: Layout::new(state, cu, "pairing", toast).await,
        batches: import_batches(state, cu).await?,
        batch_id: String::new(),
        form_error: None,
        plan: None,
        errors: Vec::new(),
        more_errors: 0,
        errors_token: String::new(),
        token: String::new(),
    })
}

async fn import_form(State(state): State<AppState>, cu: CurrentUser, Query(t): Query<Toast>) -> Result<ImportPage, AppError> {
    import_page(&state, &cu, t.ok).await
}

async fn import_upload(State(state): State<AppState>, PostedUpload { user: cu, form }: PostedUpload) -> Result<Response, AppError> {
    let mut page = import_page(&state, &cu, None).await?;
    page.batch_id = form.get("batch_id");
    let batch = match page.batch_id.parse::<i64>() {
        Ok(id) => pairing::batch(&state.db, id).await?,
        Err(_) => None,
    };
    let Some(batch) = batch.filter(|b| page.batches.iter().any(|(id, _)| *id == b.id)) else {
        page.form_error = Some("请选择要导入的批次（未发布的本级批次）".into());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let Some((file_name, bytes)) = form.named_file() else {
        page.form_error = Some("请选择要上传的名单文件".into());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let (rows, errors) = match duijie_office::read_pairing_list_limited(file_name, bytes, &state.config.import_limits.pairing()) {
        Ok(r) => r,
        Err(e) => {
            page.form_error = Some(e.to_string());
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let clean_name = duijie_app::files::clean_file_name(file_name);
    let plan = official::plan_import(&state.db, &state.tree, &batch, &clean_name, &rows, errors, duijie_office::MAX_SHOWN_ERRORS).await?;
    page.errors = plan.errors.clone();
    page.more_errors = plan.more_errors;
    if plan.errors.is_empty() {
        page.token = state.pairing_previews.put(cu.user.id, (batch.id, plan.clone()));
    } else {
        let kind = crate::pages::import_errors::ImportKind::Pairing { batch_id: batch.id };
        page.errors_token = crate::pages::import_errors::keep(&state, &cu, &clean_name, bytes, kind);
    }
    let status = if plan.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    page.plan = Some(plan);
    Ok((status, page).into_response())
}

#[derive(serde::Deserialize, Default)]
struct ConfirmForm {
    #[serde(default)]
    token: String,
}

async fn import_confirm(State(state): State<AppState>, p: Posted<ConfirmForm>) -> Result<Response, AppError> {
    let cu = p.user;
    require_region(&cu, Action::ManageBatch, cu.principal.region())?;
    let (batch_id, plan) = state.pairing_previews.take(&p.form.token, cu.user.id).ok_or_else(|| AppError::bad("预览已过期或已导入，请重新上传"))?;
    let batch = pairing::batch(&state.db, batch_id).await?.ok_or(AppError::NotFound)?;
    require(decide(&cu.principal, Action::ManageBatch, Target::Region(&batch.region())))?;
    let mut tx = state.db.begin().await?;
    let n = official::commit_import(&mut tx, &actor(&cu), &batch, &plan).await?;
    tx.commit().await?;
    Ok(done("/pairing", &format!("已导入 {n} 个结对到“{}”", batch.name)))
}

async fn template(_cu: CurrentUser) -> Result<Response, AppError> {
    let bytes = duijie_office::pairing_list::pairing_list_template().map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(super::xlsx_download("pairing-list-template.xlsx", "结对帮扶名单导入模板.xlsx", bytes))
}

/// Whether `who` may open the adjustment form for pairing `p` (used by the pairing page).
pub fn may_request_for(who: &Principal, p: &duijie_store::pairing::Pairing) -> bool {
    may(who, Action::ViewPairing, p) && decide(who, Action::RequestAdjustment, Target::Region(p.target())).is_allowed()
}
