//! The JSON API under `/api/v1`, for programs (a WeChat mini-program, a
//! provincial data exchange).
//!
//! Guarantees: every route is registered through `utoipa_axum::routes!`, so
//! `/api/openapi.json` describes every route that exists; every route but
//! `POST /api/v1/auth/token` and the public lists under `/api/v1/public/`
//! (published demands and offers, without personal data) requires a bearer token; errors are
//! `{code, message, fields}` with a Chinese message; request bodies that are not
//! valid JSON get a 400 with that message, never a 500.

pub mod auth;
pub mod demand;
pub mod inbox;
pub mod orgs;
pub mod pairing;
pub mod regions;
pub mod registry;
pub mod search;
pub mod users;

use crate::AppState;
use crate::error::{ApiError, AppError};
use axum::Router;
use axum::extract::{FromRequest, Request};
use axum::routing::get;
use utoipa::OpenApi;
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
        (name = "pairing", description = "结对帮扶：批次、结对、协议、调整、覆盖、结对方案")
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
}

/// The OpenAPI document (also used by the snapshot test).
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_routes().split_for_parts().1
}

pub fn router() -> Router<AppState> {
    let (api, doc) = api_routes().split_for_parts();
    let ui = utoipa_swagger_ui::SwaggerUi::new("/api/docs")
        .url("/api/openapi.json", doc)
        .config(utoipa_swagger_ui::Config::new(["/api/openapi.json"]).validator_url("none").try_it_out_enabled(true));
    api.merge(ui).route("/api", get(|| async { axum::response::Redirect::to("/api/docs/") }))
}

/// A JSON body whose rejections are answered in the API's error format.
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(ApiError(AppError::BadRequest(e.status(), format!("请求体不是有效的 JSON：{}", e.body_text())))),
        }
    }
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
