//! Pairings whose agreement is due or overdue, over the API.

use super::*;

pub(super) fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r
        .routes(routes!(due))
}

/// 未签协议的结对及剩余天数。
#[derive(Serialize, ToSchema)]
pub struct DueDto {
    #[serde(flatten)]
    pub pairing: PairingDto,
    /// 协议签订截止日期（ISO 日期）。
    pub deadline: String,
    /// 距截止的天数；负数为已逾期。
    pub days_left: i64,
}

/// 催签：调用者范围内双方已同意但尚未上传已签协议、30 天内到期或已逾期的结对，最急的在前。
#[utoipa::path(get, path = "/api/v1/pairing/due", tag = "pairing",
    responses((status = 200, body = [DueDto]), (status = 401, body = ErrorBody)))]
pub async fn due(State(state): State<AppState>, user: ApiUser) -> Result<Json<Vec<DueDto>>, ApiError> {
    let list = pairing::remind::due(&state.db, &user.principal.scope(), duijie_app::today(), 30).await?;
    Ok(Json(
        list.iter()
            .map(|d| DueDto { pairing: pairing_dto(&state, &d.pairing), deadline: d.deadline.format("%Y-%m-%d").to_string(), days_left: d.days_left })
            .collect(),
    ))
}
