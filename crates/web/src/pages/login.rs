//! Login, logout and the dashboard.
//!
//! Guarantees: the login form is CSRF-protected by a pre-login cookie; a wrong
//! username and a wrong password get the same message, and so do a throttled
//! account and a throttled unknown name (told until when they must wait); a
//! successful login replaces any previous session cookie; an applicant is led
//! to its application; logout deletes the session server-side.

use super::{Layout, Toast};
use crate::auth::{CurrentUser, LOGIN_CSRF_COOKIE, LoginPosted, Posted, SESSION_COOKIE, set_cookie};
use crate::security::ClientAddr;
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use duijie_domain::demand::Status;
use duijie_domain::{Level, Role};
use duijie_store::sessions::{self, Kind};
use duijie_store::users::{self, Login};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(root))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/dashboard", get(dashboard))
}

async fn root(user: Result<CurrentUser, AppError>) -> Redirect {
    Redirect::to(if user.is_ok() { "/dashboard" } else { "/login" })
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    username: String,
    error: Option<String>,
    demo: bool,
}

fn login_response(state: &AppState, status: axum::http::StatusCode, username: String, error: Option<String>) -> Response {
    let csrf = duijie_domain::crypto::random_token();
    let page = LoginPage { csrf: csrf.clone(), username, error, demo: state.demo };
    (status, [(header::SET_COOKIE, set_cookie(LOGIN_CSRF_COOKIE, &csrf, 3600))], page).into_response()
}

async fn login_page(State(state): State<AppState>) -> Response {
    login_response(&state, axum::http::StatusCode::OK, String::new(), None)
}

#[derive(serde::Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

async fn login(State(state): State<AppState>, client: ClientAddr, LoginPosted { form }: LoginPosted<LoginForm>) -> Result<Response, AppError> {
    use axum::http::StatusCode;
    let username = form.username.trim().to_string();
    if username.is_empty() || form.password.is_empty() {
        return Ok(login_response(&state, StatusCode::UNPROCESSABLE_ENTITY, username, Some("请输入用户名和密码".into())));
    }
    let outcome = users::login(&state.db, &username, &form.password, &client.0).await?;
    let user = match outcome {
        Login::Ok(u) => u,
        Login::BadCredentials => {
            return Ok(login_response(&state, StatusCode::UNAUTHORIZED, username, Some("用户名或密码错误".into())));
        }
        Login::Throttled(until) => {
            return Ok(login_response(&state, StatusCode::TOO_MANY_REQUESTS, username, Some(crate::auth::throttled_message(until))));
        }
        Login::Disabled => {
            return Ok(login_response(&state, StatusCode::FORBIDDEN, username, Some("账号已停用，请联系管理员".into())));
        }
    };
    let (token, _) = sessions::create(&state.db, user.id, Kind::Web).await?;
    let cookie = set_cookie(SESSION_COOKIE, &token, sessions::WEB_MAX_SECONDS);
    let clear = set_cookie(LOGIN_CSRF_COOKIE, "", 0);
    let home = match user.org_id {
        Some(org) if user.is_applicant() => format!("/orgs/{org}"),
        _ => "/dashboard".to_string(),
    };
    let mut res = Redirect::to(&home).into_response();
    res.headers_mut().append(header::SET_COOKIE, cookie.parse().map_err(|_| AppError::Internal("cookie".into()))?);
    res.headers_mut().append(header::SET_COOKIE, clear.parse().map_err(|_| AppError::Internal("cookie".into()))?);
    Ok(res)
}

#[derive(serde::Deserialize)]
struct Empty {}

async fn logout(State(state): State<AppState>, posted: Posted<Empty>) -> Result<Response, AppError> {
    sessions::delete(&state.db, &posted.user.token).await?;
    let clear = set_cookie(SESSION_COOKIE, "", 0);
    Ok(([(header::SET_COOKIE, clear)], Redirect::to("/login")).into_response())
}

/// A designated county in the dashboard's list.
struct KeyCounty {
    code: String,
    name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
struct Dashboard {
    layout: Layout,
    scope_name: String,
    scope_code: String,
    role_key: &'static str,
    key_counties: Vec<KeyCounty>,
    poverty_count: usize,
    child_count: usize,
    /// 供需对接成功率 this year so far, for government users who may read it.
    rate: Option<super::demand::RateView>,
    /// 待办: what waits for this user, per kind of task.
    todo: Vec<duijie_app::todo::Task>,
    todo_total: usize,
    /// An organisation's own pairings (place, status, link), newest first.
    my_pairings: Vec<(String, &'static str, String)>,
    /// Demands recommended to an organisation (title, score, link).
    recommended: Vec<(String, i64, String)>,
    /// An organisation on a credit list: the list and its reason.
    credit_warning: Option<(&'static str, String)>,
    /// An office's demands by stage (label, count, link).
    demand_stages: Vec<(&'static str, i64, String)>,
}

async fn dashboard(State(state): State<AppState>, cu: CurrentUser, Query(t): Query<Toast>) -> Result<Response, AppError> {
    if let Some(org) = cu.user.org_id.filter(|_| cu.user.is_applicant()) {
        return Ok(Redirect::to(&format!("/orgs/{org}")).into_response());
    }
    Ok(dashboard_page(&state, &cu, t).await?.into_response())
}

async fn dashboard_page(state: &AppState, cu: &CurrentUser, t: Toast) -> Result<Dashboard, AppError> {
    let layout = Layout::new(state, cu, "dashboard", t.ok).await;
    let rate = super::demand::dashboard_rate(state, cu).await?;
    let region = if cu.principal.role() == Role::Organization { duijie_domain::RegionCode::national() } else { cu.principal.region().clone() };
    // An organisation's dashboard shows its own work, not the designated counties.
    let is_org = cu.principal.role() == Role::Organization;
    let key = if is_org { Vec::new() } else { duijie_store::designations::current_of_kind(&state.db, "national_key", &region).await? };
    let poverty = if is_org { Vec::new() } else { duijie_store::designations::current_of_kind(&state.db, "former_poverty", &region).await? };
    let key_counties = key
        .iter()
        .filter_map(|d| duijie_domain::RegionCode::parse(&d.region_code).ok())
        .map(|c| KeyCounty { name: state.tree.full_name(&c), code: c.as_str().to_string() })
        .collect();
    let todo = duijie_app::todo::of(state, &cu.principal).await?;
    let who = &cu.principal;
    let (mut my_pairings, mut recommended, mut credit_warning, mut demand_stages) = (Vec::new(), Vec::new(), None, Vec::new());
    if let Some(org_id) = who.org_id().filter(|_| who.role() == Role::Organization) {
        let all = duijie_store::pairing::Filter::default();
        my_pairings = duijie_store::pairing::list(&state.db, &who.scope(), &all, 10, 0)
            .await?
            .0
            .iter()
            .map(|p| (format!("{} · {}", p.place(&state.tree), p.batch_name), p.status().label(), format!("/pairing/{}", p.id)))
            .collect();
        let recs = duijie_app::demand::recommend_for_org(state, who, 5).await?;
        let ids: Vec<i64> = recs.iter().map(|r| r.demand_id).collect();
        let demands = duijie_store::demand::by_ids(&state.db, &ids).await?;
        recommended = recs
            .iter()
            .filter_map(|r| demands.iter().find(|d| d.id == r.demand_id).map(|d| (d.title.clone(), i64::from(r.score.total), format!("/demands/{}", d.id))))
            .collect();
        if let Ok(o) = duijie_app::open(duijie_store::orgs::get(&state.db, org_id).await?, who, duijie_domain::Action::ViewOrganization) {
            credit_warning = o.credit_list().map(|l| (l.label(), o.credit_list_reason.clone()));
        }
    } else {
        for status in [Status::Draft, Status::Submitted, Status::Published, Status::Taken, Status::InProgress, Status::Done] {
            let f = duijie_store::demand::Filter { status: status.as_str().into(), ..Default::default() };
            let (_, n) = duijie_app::demand::list(state, &who.scope(), &f, 0, 0).await?;
            demand_stages.push((status.label(), n, format!("/demands?status={}", status.as_str())));
        }
    }
    Ok(Dashboard {
        my_pairings,
        recommended,
        credit_warning,
        demand_stages,
        todo_total: todo.iter().map(|t| t.count).sum(),
        todo,
        layout,
        scope_name: if region.level() == Level::National { "全国".into() } else { state.tree.full_name(&region) },
        scope_code: region.to_string(),
        role_key: cu.principal.role().as_str(),
        key_counties,
        poverty_count: poverty.len(),
        child_count: state.tree.children(&region).len(),
        rate,
    })
}
