//! The province's list of project natures (项目性质, `/projects/natures`): its
//! provincial civil-affairs or rural-revitalisation office reads and replaces
//! it, one name per line.
//!
//! Guarantees: the handlers only read the form, call `duijie_app::projects`
//! (which decides who may, and checks every name) and render; a refused list
//! comes back with every bad name explained and the text as typed.

use crate::auth::{CurrentUser, Posted};
use crate::pages::designations::actor;
use crate::pages::{Layout, done};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use duijie_app::projects::{self as ops, NatureList};
use duijie_domain::FieldError;

pub fn router() -> Router<AppState> {
    Router::new().route("/projects/natures", get(show).post(save))
}

#[derive(Template, WebTemplate)]
#[template(path = "project_natures.html")]
struct NaturesPage {
    layout: Layout,
    list: NatureList,
    /// The textarea's content: the list, one per line, or what was typed.
    text: String,
    errors: Vec<FieldError>,
    max_chars: usize,
}

async fn page(state: &AppState, cu: &CurrentUser, toast: Option<String>, text: Option<String>, errors: Vec<FieldError>) -> Result<NaturesPage, AppError> {
    let list = ops::nature_list(state, &cu.principal).await?;
    Ok(NaturesPage {
        layout: Layout::new(state, cu, "projects", toast).await,
        text: text.unwrap_or_else(|| list.natures.join("\n")),
        list,
        errors,
        max_chars: duijie_domain::project::MAX_NATURE_CHARS,
    })
}

#[derive(serde::Deserialize, Default)]
struct Toast {
    #[serde(default)]
    ok: Option<String>,
}

async fn show(State(state): State<AppState>, cu: CurrentUser, Query(t): Query<Toast>) -> Result<NaturesPage, AppError> {
    page(&state, &cu, t.ok, None, Vec::new()).await
}

#[derive(serde::Deserialize, Default)]
struct NaturesForm {
    /// One name per line; blank lines are skipped.
    #[serde(default)]
    natures: String,
}

async fn save(State(state): State<AppState>, p: Posted<NaturesForm>) -> Result<Response, AppError> {
    let cu = p.user;
    let names: Vec<String> = p.form.natures.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
    match ops::set_natures(&state, &cu.principal, &actor(&cu), &names).await.map_err(AppError::from) {
        Ok(_) => Ok(done("/projects/natures", "项目性质列表已保存")),
        Err(AppError::Invalid(errors)) => Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&state, &cu, None, Some(p.form.natures), errors).await?).into_response()),
        Err(e @ (AppError::Conflict(_) | AppError::Changed { .. })) => {
            let errors = vec![FieldError::new("natures", e.message())];
            Ok((StatusCode::CONFLICT, page(&state, &cu, None, Some(p.form.natures), errors).await?).into_response())
        }
        Err(e) => Err(e),
    }
}
