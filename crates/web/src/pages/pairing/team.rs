//! Group pairing pages (组团式帮扶): forming a team (帮扶团), its page with every
//! member's share, step and consent, its one agreement and its signed scan.
//!
//! Guarantees: every handler authenticates and goes through
//! `duijie_app::pairing::team` (a team outside the caller's scope answers 404;
//! each party consents only to its own pairing, and only officers who manage
//! a pairing confirm it once signed; the signed scan signs only the pairings
//! the caller may sign). The form shows what is wrong under each
//! field and keeps what was typed; a change redirects back to the team with a toast.

use super::super::designations::actor;
use super::super::{Layout, Toast, done, fmt_date};
use super::{batch_rows, status_class, BatchRow};
use crate::auth::{CurrentUser, Posted, PostedUpload};
use crate::format::wan_or_empty;
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use duijie_app::pairing::team::{self as ops, TeamInput};
use duijie_app::pairing::{may, steps_for};
use duijie_domain::authz::{Action, Target, decide};
use duijie_domain::pairing::Step;
use duijie_domain::{FieldError, Role};
use duijie_store::pairing::{self, Batch};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/pairing/teams/new", get(new_form).post(new_submit))
        .route("/pairing/teams/{id}", get(page))
        .route("/pairing/teams/{id}/step", post(step))
        .route("/pairing/teams/{id}/agreement.docx", get(agreement))
        .route("/pairing/teams/{id}/signed", post(upload_signed))
}

#[derive(Template, WebTemplate)]
#[template(path = "pairing_team_new.html")]
struct NewPage {
    layout: Layout,
    form: TeamInput,
    errors: Vec<FieldError>,
    batches: Vec<BatchRow>,
    is_org: bool,
}

impl NewPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    /// Whole-form problems (a refused proposal of one member), said at the top.
    fn top_errors(&self) -> Vec<&str> {
        let shown = ["name", "batch_id", "lead", "members", "counties", "commitments"];
        self.errors.iter().filter(|e| !shown.contains(&e.field.as_str()) || (e.field == "lead" && self.is_org)).map(|e| e.message.as_str()).collect()
    }
}

async fn new_page(state: &AppState, cu: &CurrentUser, form: TeamInput, errors: Vec<FieldError>) -> Result<NewPage, AppError> {
    let who = &cu.principal;
    if who.role() != Role::Organization && !decide(who, Action::ProposePairing, Target::Region(who.region())).is_allowed() {
        return Err(AppError::Forbidden);
    }
    let batches: Vec<Batch> = pairing::batches(&state.db).await?.into_iter().filter(|b| !b.is_published()).collect();
    Ok(NewPage { layout: Layout::new(state, cu, "pairing", None).await, form, errors, batches: batch_rows(state, cu, &batches), is_org: who.role() == Role::Organization })
}

async fn new_form(State(state): State<AppState>, cu: CurrentUser) -> Result<NewPage, AppError> {
    new_page(&state, &cu, TeamInput::default(), Vec::new()).await
}

async fn new_submit(State(state): State<AppState>, p: Posted<TeamInput>) -> Result<Response, AppError> {
    let cu = p.user;
    match ops::form(&state, &cu.principal, &actor(&cu), &p.form).await.map_err(AppError::from) {
        Ok(id) => Ok(done(&format!("/pairing/teams/{id}"), "帮扶团已组建，结对提议已发送给各成员和县级，等待同意")),
        Err(AppError::Invalid(errors)) => Ok((StatusCode::UNPROCESSABLE_ENTITY, new_page(&state, &cu, p.form, errors).await?).into_response()),
        Err(e) => Err(e),
    }
}

/// One member pairing as the team page shows it.
struct MemberRow {
    id: i64,
    org_name: String,
    is_lead: bool,
    county: String,
    role: String,
    funds: String,
    status: &'static str,
    status_class: &'static str,
    org_consent: &'static str,
    county_consent: &'static str,
    /// The caller may open the pairing's own page.
    can_open: bool,
    /// (step key, label, is a refusal) the caller may take now.
    steps: Vec<(&'static str, &'static str, bool)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "pairing_team.html")]
struct TeamPage {
    layout: Layout,
    id: i64,
    name: String,
    lead: String,
    batch: String,
    deadline: String,
    counties: String,
    total_funds: String,
    rows: Vec<MemberRow>,
    agreed: bool,
    can_sign: bool,
    signed_file: Option<i64>,
}

async fn page(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>, Query(t): Query<Toast>) -> Result<TeamPage, AppError> {
    let who = &cu.principal;
    let team = ops::visible(&state.db, who, id).await?;
    let batch = pairing::batch(&state.db, team.batch_id).await?.ok_or(AppError::NotFound)?;
    let rows = team
        .pairings
        .iter()
        .map(|p| {
            let c = p.consents();
            MemberRow {
                id: p.id,
                org_name: p.org_name.clone(),
                is_lead: p.org_id == team.lead_org_id,
                county: p.place(&state.tree),
                role: p.team_role.clone(),
                funds: if p.funds_fen > 0 { format!("{} 万元", wan_or_empty(p.funds_fen)) } else { "—".into() },
                status: p.status().label(),
                status_class: status_class(p.status()),
                org_consent: if c.org { "已同意" } else { "待同意" },
                county_consent: if c.county { "已同意" } else { "待同意" },
                can_open: may(who, Action::ViewPairing, p),
                steps: steps_for(who, p)
                    .into_iter()
                    .filter(|s| matches!(s, Step::OrgConsent | Step::CountyConsent | Step::Decline | Step::Activate))
                    .map(|s| (s.key(), s.label(), s == Step::Decline))
                    .collect(),
            }
        })
        .collect();
    Ok(TeamPage {
        layout: Layout::new(&state, &cu, "pairing", t.ok).await,
        id: team.id,
        name: team.name.clone(),
        lead: team.lead_name.clone(),
        batch: super::batch_title(&state, &batch),
        deadline: batch.deadline().map(|d| fmt_date(&d)).unwrap_or_default(),
        counties: ops::county_names(&state, &team),
        total_funds: wan_or_empty(team.pairings.iter().filter(|p| !p.status().is_closed()).map(|p| p.funds_fen).sum()),
        agreed: ops::agreed(&team),
        can_sign: !ops::signable(who, &team).is_empty(),
        signed_file: team.pairings.iter().filter_map(|p| p.signed_file_id).max(),
        rows,
    })
}

#[derive(serde::Deserialize)]
struct StepForm {
    pairing_id: i64,
    step: Step,
    #[serde(default)]
    note: String,
}

async fn step(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<StepForm>) -> Result<Response, AppError> {
    let cu = p.user;
    let after = ops::step(&state, &cu.principal, &actor(&cu), id, p.form.pairing_id, p.form.step, &p.form.note).await?;
    Ok(done(&format!("/pairing/teams/{id}"), &format!("办理完成：{}（{}），当前状态：{}", p.form.step.label(), after.org_name, after.status().label())))
}

async fn agreement(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>) -> Result<Response, AppError> {
    let team = ops::visible(&state.db, &cu.principal, id).await?;
    let bytes = crate::agreement::team_agreement_docx(&state, &team).await?;
    Ok(super::word_file(&format!("team-agreement-{id}.docx"), &format!("组团式结对帮扶协议书-{}.docx", team.name), bytes))
}

async fn upload_signed(State(state): State<AppState>, Path(id): Path<i64>, PostedUpload { user: cu, form }: PostedUpload) -> Result<Response, AppError> {
    let Some((name, bytes)) = form.chosen_file() else {
        return Err(AppError::field("file", "请选择已签订协议的扫描件"));
    };
    let signed = ops::upload_signed(&state, &cu.principal, &actor(&cu), id, name, bytes).await?;
    Ok(done(&format!("/pairing/teams/{id}"), &format!("已上传帮扶团签订的协议，{} 个结对待确认生效", signed.len())))
}
