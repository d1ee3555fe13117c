//! Commendations (表彰) for the civil-affairs and rural-revitalisation
//! offices: those issued within their region, and the form that records one
//! in their own name.
//!
//! Guarantees: handlers only read the request, call
//! `duijie_app::commendations` (which decides access and checks every field)
//! and render; a refused form comes back with each bad field's message beside
//! it and what was typed kept.

use crate::auth::{CurrentUser, Posted};
use crate::pages::designations::actor;
use crate::pages::{Layout, Toast, done};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use duijie_app::commendations::{self as ops, CommendInput};
use duijie_domain::FieldError;

pub fn router() -> Router<AppState> {
    Router::new().route("/commendations", get(list).post(record))
}

struct Row {
    title: String,
    doc_no: String,
    issued_on: String,
    unit: String,
    orgs: Vec<(i64, String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "commendations.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    may_commend: bool,
    form: CommendInput,
    errors: Vec<FieldError>,
}

impl ListPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

async fn page(state: &AppState, cu: &CurrentUser, form: CommendInput, errors: Vec<FieldError>, toast: Option<String>) -> Result<ListPage, AppError> {
    let rows = ops::list(state, &cu.principal)
        .await?
        .into_iter()
        .map(|(c, named)| Row {
            title: c.title,
            doc_no: c.doc_no,
            issued_on: c.issued_on,
            unit: c.created_unit,
            orgs: named.into_iter().map(|n| (n.org_id, n.org_name, n.citation)).collect(),
        })
        .collect();
    Ok(ListPage { layout: Layout::new(state, cu, "commendations", toast).await, rows, may_commend: ops::may_commend(&cu.principal), form, errors })
}

async fn list(State(state): State<AppState>, cu: CurrentUser, Query(t): Query<Toast>) -> Result<Response, AppError> {
    Ok(page(&state, &cu, CommendInput::default(), Vec::new(), t.ok).await?.into_response())
}

async fn record(State(state): State<AppState>, p: Posted<CommendInput>) -> Result<Response, AppError> {
    let (cu, form) = (p.user, p.form);
    match ops::record(&state, &cu.principal, &actor(&cu), &form).await.map_err(AppError::from) {
        Ok(_) => Ok(done("/commendations", &format!("已记录表彰：{}", form.title.trim()))),
        Err(AppError::Invalid(errors)) => Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&state, &cu, form, errors, None).await?).into_response()),
        Err(e) => Err(e),
    }
}
