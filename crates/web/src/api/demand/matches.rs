//! Matching over the API: 接单 (an organisation takes a demand), 点单 (a county orders from an offer), and the other side's decision.

use super::*;

pub(super) fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r
        .routes(routes!(take))
        .routes(routes!(order))
        .routes(routes!(match_decision))
}

/// 新对接的编号。
#[derive(Serialize, ToSchema)]
pub struct MatchCreated {
    pub match_id: i64,
}

/// 社会组织承接已发布的需求（接单），等待县级乡村振兴部门确认。
///
/// 可附本组织的供给项目 `offer_id`、承诺资金 `funds_wan`（万元）、派出人数 `people` 和说明 `note`。
/// 列入信用名单、未审核通过或已注销的组织不能承接（422，原因见 message）。
#[utoipa::path(post, path = "/api/v1/demands/{id}/take", tag = "demands",
    params(("id" = i64, Path, description = "需求编号")), request_body = MatchInput,
    responses((status = 201, body = MatchCreated), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn take(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, ApiJson(body): ApiJson<Value>) -> Result<(StatusCode, Json<MatchCreated>), ApiError> {
    let input: MatchInput = lenient(body, &["offer_id"])?;
    let match_id = ops::take(&state, &user.principal, &user.actor(), id, &input).await?;
    Ok((StatusCode::CREATED, Json(MatchCreated { match_id })))
}

/// 县级乡村振兴部门为本县的需求向供给项目点单（须填 `offer_id`），等待社会组织确认。
#[utoipa::path(post, path = "/api/v1/demands/{id}/order", tag = "demands",
    params(("id" = i64, Path, description = "需求编号")), request_body = MatchInput,
    responses((status = 201, body = MatchCreated), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn order(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, ApiJson(body): ApiJson<Value>) -> Result<(StatusCode, Json<MatchCreated>), ApiError> {
    let input: MatchInput = lenient(body, &["offer_id"])?;
    let match_id = ops::order(&state, &user.principal, &user.actor(), id, &input).await?;
    Ok((StatusCode::CREATED, Json(MatchCreated { match_id })))
}

#[derive(Deserialize, ToSchema)]
pub struct MatchDecision {
    /// true 确认对接；false 谢绝（另一方）或取消（提出方）。
    pub confirm: bool,
    /// 谢绝的原因（谢绝时必填）。
    #[serde(default)]
    pub reason: String,
}

/// 确认或谢绝对接：接单由县级确认，点单由社会组织确认；提出方可以取消。确认后需求变为“已对接”并形成项目。返回决定后的对接。
#[utoipa::path(post, path = "/api/v1/matches/{id}/decision", tag = "demands",
    params(("id" = i64, Path, description = "对接编号")), request_body = MatchDecision,
    responses((status = 200, body = MatchDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn match_decision(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, ApiJson(r): ApiJson<MatchDecision>) -> Result<Json<MatchDto>, ApiError> {
    let m = ops::decide_match(&state, &user.principal, &user.actor(), id, r.confirm, &r.reason).await?;
    Ok(Json(match_dto(&m)))
}
