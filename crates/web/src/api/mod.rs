//! The JSON API under `/api/v1`, for programs (a WeChat mini-program, a
//! provincial data exchange).
//!
//! Guarantees: every route is registered through `utoipa_axum::routes!`, so
//! `/api/openapi.json` describes every route that exists; every route but
//! `POST /api/v1/auth/token` and the public routes under `/api/v1/public/`
//! (published demands and offers, without personal data; the verifiable log's
//! checkpoint, proofs and public entries; filing a complaint and its status by
//! receipt) requires a bearer token; errors are
//! `{code, message, fields, request_id}` with a Chinese message, whatever
//! refused the request: the handler, the bearer token, or the extractors of
//! this module ([`ApiJson`], [`Path`], [`Query`]) for a body, path or query
//! string that cannot be read (400, 415 or 422, never a 500 or a plain-text
//! answer); every operation of `/api/openapi.json` documents those error
//! answers with that one shape ([`CommonErrors`]).

pub mod auth;
pub mod commendations;
pub mod complaints;
pub mod demand;
pub mod inbox;
pub mod log;
pub mod monitoring;
pub mod orgs;
pub mod pairing;
pub mod projects;
pub mod reports;
pub mod regions;
pub mod registry;
pub mod search;
pub mod supervision;
pub mod sheet;
pub mod users;

use crate::AppState;
use crate::error::{ApiError, AppError};
use axum::Router;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::path::ErrorKind;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::get;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "对接 Duijie API", description = "社会组织参与乡村振兴对接平台接口。除获取令牌外，所有接口都需要 `Authorization: Bearer <token>`。\n\n\
        **幂等键**：写操作（POST、PUT、PATCH、DELETE）可带请求头 `Idempotency-Key: <任意不超过 200 字符的唯一值>`。\
        同一用户用同一个键再次发送相同的请求（方法、路径和内容都相同）时，不会再次执行，而是返回第一次的应答\
        （应答头 `Idempotency-Replayed: true`）；键保留 24 小时。同一个键用于不同的请求返回 422；\
        第一次请求尚在处理时，重复的请求等待最多 10 秒，仍未完成则返回 409。第一次的应答为 5xx 时不保留，可以用同一个键重试。\n\n\
        **并发**：记录已被他人处理（状态已变化）时返回 409，`code` 为 `conflict`，`current` 为记录当前的状态。"),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "auth", description = "令牌"),
        (name = "regions", description = "行政区划与认定"),
        (name = "users", description = "用户管理"),
        (name = "audit", description = "审计"),
        (name = "organizations", description = "社会组织登记"),
        (name = "registry", description = "专项行动报名与联络员"),
        (name = "inbox", description = "站内消息"),
        (name = "demands", description = "需求项目库、供给项目库、供需对接与对接成功率"),
        (name = "pairing", description = "结对帮扶：批次、结对、协议、调整、覆盖、结对方案"),
        (name = "log", description = "可验证日志：签名检查点、包含证明与一致性证明（无需令牌）"),
        (name = "projects", description = "帮扶项目：录入、进展与佐证、受益方确认"),
        (name = "reports", description = "半年调度：发起、预填、修改与说明、报送、逐级审核、汇总与导出"),
        (name = "monitoring", description = "监测系统导出：按地区和统计期导出编号批次（含更正清单和核验回执），导出模板"),
        (name = "supervision", description = "监管预警：每日按规则发现的问题、证据与处理（知悉、备注、办结）；表彰"),
        (name = "complaints", description = "投诉举报与查处：公众投诉（无需令牌）与凭回执号查询进度，民政部门分派、调查、要求组织答复、办结（可列入信用名单）与整改复查，被投诉组织答复")
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

/// The OpenAPI router with every `/api/v1` route.
fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::token))
        .routes(routes!(auth::refresh))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(regions::search))
        .routes(routes!(regions::get_region))
        .routes(routes!(regions::list_designations, regions::add_designation))
        .routes(routes!(regions::kinds))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::sessions_of))
        .routes(routes!(users::revoke_session))
        .routes(routes!(users::verify_audit))
        .merge(orgs::routes())
        .merge(registry::routes())
        .merge(inbox::routes())
        .merge(demand::routes())
        .merge(search::routes())
        .merge(pairing::routes())
        .merge(log::routes())
        .merge(projects::routes())
        .merge(reports::routes())
        .merge(monitoring::routes())
        .merge(supervision::routes())
        .merge(commendations::routes())
        .merge(complaints::routes())
}

/// The OpenAPI document (also used by the snapshot test).
pub fn openapi() -> utoipa::openapi::OpenApi {
    parts().1
}

/// The routes and their description, with the error answers every operation shares.
fn parts() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (api, mut doc) = api_routes().split_for_parts();
    CommonErrors.modify(&mut doc);
    (api, doc)
}

pub fn router() -> Router<AppState> {
    let (api, doc) = parts();
    let ui = utoipa_swagger_ui::SwaggerUi::new("/api/docs")
        .url("/api/openapi.json", doc)
        .config(utoipa_swagger_ui::Config::new(["/api/openapi.json"]).validator_url("none").try_it_out_enabled(true));
    api.merge(ui).route("/api", get(|| async { axum::response::Redirect::to("/api/docs/") }))
}

/// The error answers that every operation may give, added to the description
/// of each operation that does not document them itself (all with [`ErrorBody`]):
/// 400 (a path, query string or body that cannot be read) and 422 (values that
/// are not accepted) where there are parameters or a body, 401 and 403 (an
/// applicant's account, or no permission) where a token is required, 404 where
/// the path names a record, 413 and 415 where there is a body, and 500 everywhere.
/// An error answer that a handler documents without a body gets [`ErrorBody`] too.
pub struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let global_security = openapi.security.clone().unwrap_or_default();
        for item in openapi.paths.paths.values_mut() {
            let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for op in ops.into_iter().flatten() {
                add_common_errors(op, &global_security);
            }
        }
    }
}

fn add_common_errors(op: &mut Operation, global_security: &[SecurityRequirement]) {
    let params = op.parameters.as_deref().unwrap_or_default();
    let in_path = params.iter().any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Path));
    let has_body = op.request_body.is_some();
    let has_input = has_body || !params.is_empty();
    // `security(())` (one empty requirement) marks a public operation.
    let secured = op.security.as_deref().unwrap_or(global_security).iter().any(|r| *r != SecurityRequirement::default());
    let common: [(u16, bool, &str); 8] = [
        (400, has_input, "请求无法读取：路径、查询参数或请求体格式不正确"),
        (401, secured, "未提供令牌，或令牌无效、已过期"),
        (403, secured, "无权进行此操作（或注册申请尚未审核通过）"),
        (404, in_path, "记录不存在，或不在调用者的范围内"),
        (413, has_body, "请求体过大"),
        (415, has_body, "请求体须为 JSON（Content-Type: application/json）"),
        (422, has_input, "参数或字段的值不被接受，见 `fields`"),
        (500, true, "系统内部错误；详情以 `request_id` 记入日志"),
    ];
    for (status, applies, description) in common {
        if applies {
            op.responses.responses.entry(status.to_string()).or_insert_with(|| error_response(description));
        }
    }
    for (status, response) in op.responses.responses.iter_mut() {
        if let RefOr::T(r) = response
            && status.parse::<u16>().is_ok_and(|s| s >= 400)
            && r.content.is_empty()
        {
            r.content.insert("application/json".into(), RefOr::T(error_content()));
        }
    }
}

fn error_content() -> utoipa::openapi::Content {
    ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build()
}

fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(ResponseBuilder::new().description(description).content("application/json", error_content()).build())
}

/// The part of an axum rejection's text after its English lead-in ("Failed to …: "), for the detail.
fn detail(text: &str) -> &str {
    text.split_once(": ").map_or(text, |(_, rest)| rest)
}

/// A JSON body whose rejections are answered in the API's error format: 415
/// without a JSON content type, 400 for text that is not JSON, 422 for JSON
/// that does not fit the operation's body, 413 past the size limit.
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let e = match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => return Ok(ApiJson(v)),
            Err(e) => e,
        };
        let text = e.body_text();
        let message = match &e {
            JsonRejection::MissingJsonContentType(_) => "请求体须为 JSON，请设置 Content-Type: application/json".to_string(),
            JsonRejection::JsonSyntaxError(_) => format!("请求体不是有效的 JSON：{}", detail(&text)),
            JsonRejection::JsonDataError(_) => format!("请求体的字段不符合要求：{}", detail(&text)),
            _ if e.status() == StatusCode::PAYLOAD_TOO_LARGE => "请求体过大".to_string(),
            _ => format!("无法读取请求体：{text}"),
        };
        Err(ApiError(AppError::BadRequest(e.status(), message)))
    }
}

/// A multipart body (the uploaded file in the field `file`) whose rejections
/// are answered in the API's error format: a body that is not
/// `multipart/form-data` is a 400 in Chinese, one past the size limit a 413.
pub struct ApiUpload(pub crate::uploads::MultipartForm);

impl<S: Send + Sync> FromRequest<S> for ApiUpload {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let mut mp = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(|e| ApiError(AppError::BadRequest(e.status(), "请求体须为 multipart/form-data，文件放在字段 file 中".into())))?;
        Ok(ApiUpload(crate::uploads::read_multipart(&mut mp).await?))
    }
}

/// A query string read like axum's `Query`, whose rejections are answered in
/// the API's error format (400, naming the parameter).
pub struct Query<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::try_from_uri(&parts.uri) {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e) => Err(ApiError(AppError::bad(format!("查询参数无效：{}", detail(&e.body_text()))))),
        }
    }
}

/// Path parameters read like axum's `Path`, whose rejections are answered in
/// the API's error format (400 for a value of the wrong form, such as
/// `/api/v1/demands/abc`).
pub struct Path<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => Err(ApiError(AppError::bad(path_message(e.kind())))),
            Err(e) => Err(ApiError(AppError::Internal(format!("path parameters: {}", e.body_text())))),
        }
    }
}

/// Reads a body into one of the operations' input types (all text), taking
/// numbers and booleans as their text, except the keys in `keep` (typed fields).
fn lenient<T: serde::de::DeserializeOwned>(v: serde_json::Value, keep: &[&str]) -> Result<T, ApiError> {
    let v = match v {
        serde_json::Value::Object(m) => serde_json::Value::Object(
            m.into_iter()
                .map(|(k, v)| match v {
                    serde_json::Value::Number(n) if !keep.contains(&k.as_str()) => (k, serde_json::Value::String(n.to_string())),
                    serde_json::Value::Bool(b) if !keep.contains(&k.as_str()) => (k, serde_json::Value::String(b.to_string())),
                    other => (k, other),
                })
                .collect(),
        ),
        other => other,
    };
    serde_json::from_value(v).map_err(|e| AppError::BadRequest(StatusCode::UNPROCESSABLE_ENTITY, format!("请求体字段类型不正确：{e}")).into())
}

fn path_message(kind: &ErrorKind) -> String {
    let expected = |t: &str| if t.starts_with(['i', 'u']) { "整数".to_string() } else { t.to_string() };
    match kind {
        ErrorKind::ParseErrorAtKey { key, value, expected_type } => format!("路径参数 {key} 的值“{value}”无效，应为{}", expected(expected_type)),
        ErrorKind::ParseErrorAtIndex { value, expected_type, .. } | ErrorKind::ParseError { value, expected_type } => {
            format!("路径中的“{value}”无效，应为{}", expected(expected_type))
        }
        other => format!("路径无效：{other}"),
    }
}

/// 新建记录的编号。
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
}

/// One step of a demand's or pairing's history.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct EventDto {
    /// Unix 秒。
    pub at: i64,
    /// 操作单位。
    pub actor: String,
    /// 之前的状态；录入或提出时为空。
    pub from_status: String,
    pub to_status: String,
    pub note: String,
}

impl From<duijie_store::history::Event> for EventDto {
    fn from(e: duijie_store::history::Event) -> EventDto {
        EventDto { at: e.at, actor: e.actor, from_status: e.from_status, to_status: e.to_status, note: e.note }
    }
}
