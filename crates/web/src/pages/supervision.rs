//! Supervision flags (监管预警) for the civil-affairs and rural-revitalisation
//! offices: the flags over their region (standing ones, or the history), a
//! flag's page with its rule, evidence, a link to the record and its
//! handling, and the form that acknowledges, notes or closes it.
//!
//! Guarantees: every handler only reads the request, calls
//! `duijie_app::supervision` (which decides access: a flag outside the
//! caller's scope is 404, an organisation or a supervising unit 403) and
//! renders; a refused step comes back with each bad field's message beside it
//! and what was typed kept.

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
use duijie_app::supervision::{self as ops, FlagDetail, ListQuery, StepInput};
use duijie_domain::FieldError;
use duijie_domain::supervision::{Rule, Status};
use duijie_store::supervision::Flag;

pub fn router() -> Router<AppState> {
    Router::new().route("/supervision/flags", get(list)).route("/supervision/flags/{id}", get(detail).post(step))
}

/// A flag as a list row and a page heading show it.
struct FlagRow {
    id: i64,
    rule: &'static str,
    subject: String,
    region: String,
    evidence: String,
    raised: String,
    state: String,
}

fn row(state: &AppState, f: &Flag) -> FlagRow {
    FlagRow {
        id: f.id,
        rule: f.rule.label(),
        subject: f.org_name.clone().unwrap_or_default(),
        region: state.tree.full_name(&f.region_code),
        evidence: f.evidence.clone(),
        raised: fmt_time(f.raised_at),
        state: match f.cleared_at {
            Some(at) => format!("已消除（{}）", fmt_time(at)),
            None => f.status.label().to_string(),
        },
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "supervision_flags.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<FlagRow>,
    rules: Vec<(&'static str, &'static str)>,
    rule: String,
    all: bool,
    limit: i64,
}

async fn list(State(state): State<AppState>, cu: CurrentUser, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    let flags = ops::list(&state.db, &cu.principal, &q).await?;
    let rows = flags.iter().map(|f| row(&state, f)).collect();
    Ok(ListPage {
        layout: Layout::new(&state, &cu, "supervision", None).await,
        rows,
        rules: Rule::ALL.iter().map(|r| (r.as_str(), r.label())).collect(),
        rule: q.rule.trim().to_string(),
        all: q.show.trim() == "all",
        limit: ops::LIST_LIMIT,
    }
    .into_response())
}

/// One step of the handling as the page shows it.
struct StepRow {
    step: &'static str,
    note: String,
    by: String,
    at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "supervision_flag.html")]
struct FlagPage {
    layout: Layout,
    flag: FlagRow,
    explanation: String,
    record: Option<(String, String)>,
    cleared: bool,
    steps: Vec<StepRow>,
    may_handle: bool,
    acknowledged: bool,
    form: StepInput,
    errors: Vec<FieldError>,
}

impl FlagPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

/// The page of the record a flag is about, and what to call the link.
fn record_link(f: &Flag) -> Option<(String, String)> {
    match f.entity.as_str() {
        "pairing" => Some((format!("/pairing/{}", f.entity_id), "查看结对".into())),
        "project" => Some((format!("/projects/{}", f.entity_id), "查看项目".into())),
        "organization" => Some((format!("/orgs/{}", f.entity_id), "查看组织".into())),
        "complaint" => Some((format!("/complaints/{}", f.entity_id), "查看投诉举报".into())),
        "report_unit" => f.entity_id.split_once(':').map(|(report, unit)| (format!("/reports/{report}/units/{unit}"), "查看报表".into())),
        _ => None,
    }
}

fn page(state: &AppState, layout: Layout, d: FlagDetail, form: StepInput, errors: Vec<FieldError>) -> FlagPage {
    FlagPage {
        layout,
        flag: row(state, &d.flag),
        explanation: d.flag.rule.explanation(),
        record: record_link(&d.flag),
        cleared: d.flag.cleared_at.is_some(),
        steps: d.steps.into_iter().map(|s| StepRow { step: s.step.label(), note: s.note, by: format!("{}（{}）", s.unit, s.actor), at: fmt_time(s.at) }).collect(),
        may_handle: d.may_handle,
        acknowledged: d.flag.status == Status::Acknowledged,
        form,
        errors,
    }
}

async fn detail(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>, Query(t): Query<Toast>) -> Result<Response, AppError> {
    let d = ops::detail(&state.db, &cu.principal, id).await?;
    let layout = Layout::new(&state, &cu, "supervision", t.ok).await;
    Ok(page(&state, layout, d, StepInput::default(), Vec::new()).into_response())
}

async fn step(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<StepInput>) -> Result<Response, AppError> {
    let (cu, form) = (p.user, p.form);
    match ops::step(&state.db, &cu.principal, &actor(&cu), id, &form).await.map_err(AppError::from) {
        Ok(d) => Ok(done(&format!("/supervision/flags/{id}"), &format!("已{}：{}", step_label(&form.step), d.flag.status.label()))),
        Err(AppError::Invalid(errors)) => {
            let d = ops::detail(&state.db, &cu.principal, id).await?;
            let layout = Layout::new(&state, &cu, "supervision", None).await;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&state, layout, d, form, errors)).into_response())
        }
        Err(e) => Err(e),
    }
}

fn step_label(step: &str) -> &'static str {
    duijie_domain::supervision::Step::parse(step).map_or("处理", |s| s.label())
}
