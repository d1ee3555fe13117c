//! Group pairing (组团式帮扶) over the API: forming a team (帮扶团) and reading
//! one with its member pairings. Each member pairing is an ordinary pairing:
//! its steps, agreement and signed scan go through `/api/v1/pairings/{id}`.
//!
//! Guarantees: the same operations as the pages (`duijie_app::pairing::team`),
//! so a team outside the caller's scope answers 404 and every wrong field is
//! named in Chinese (422).

use super::*;
use duijie_app::pairing::team::{self as team_ops, TeamInput};

pub(super) fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(form_team)).routes(routes!(get_team))
}

/// 帮扶团（组团式帮扶）。
#[derive(Serialize, ToSchema)]
pub struct TeamDto {
    pub id: i64,
    /// 帮扶团名称。
    pub name: String,
    pub batch_id: i64,
    pub batch_name: String,
    /// 牵头单位。
    pub lead_org_id: i64,
    pub lead_name: String,
    /// 结对县全称，以“、”分隔。
    pub counties: String,
    /// 各成员与各县的结对：分工见 `team_role`，承担资金见 `funds_wan`。
    pub members: Vec<PairingDto>,
    /// 各成员和县级是否都已同意（此后可生成帮扶团协议书）。
    pub agreed: bool,
}

/// 组建帮扶团：每家成员与每个县各形成一个结对提议，须该成员和县级分别同意。
///
/// `members` 每行一家：统一社会信用代码、分工、承担资金（万元，可不填），以空格或逗号分隔；
/// `lead` 为牵头单位的统一社会信用代码（社会组织调用时为本组织，可不填）；`counties` 为县名或代码，以顿号分隔。
#[utoipa::path(post, path = "/api/v1/pairing/teams", tag = "pairing", request_body = TeamInput,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn form_team(State(state): State<AppState>, user: ApiUser, ApiJson(body): ApiJson<Value>) -> Result<(StatusCode, Json<Created>), ApiError> {
    let input: TeamInput = lenient(body, &[])?;
    let id = team_ops::form(&state, &user.principal, &user.actor(), &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// 帮扶团详情：成员、分工与各结对的状态；不在调用者范围内的帮扶团返回 404。
#[utoipa::path(get, path = "/api/v1/pairing/teams/{id}", tag = "pairing",
    params(("id" = i64, Path, description = "帮扶团编号")),
    responses((status = 200, body = TeamDto), (status = 404, body = ErrorBody)))]
pub async fn get_team(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>) -> Result<Json<TeamDto>, ApiError> {
    let t = team_ops::visible(&state.db, &user.principal, id).await?;
    Ok(Json(TeamDto {
        id: t.id,
        name: t.name.clone(),
        batch_id: t.batch_id,
        batch_name: t.batch_name.clone(),
        lead_org_id: t.lead_org_id,
        lead_name: t.lead_name.clone(),
        counties: team_ops::county_names(&state, &t),
        members: t.pairings.iter().map(|p| pairing_dto(&state, p)).collect(),
        agreed: team_ops::agreed(&t),
    }))
}
