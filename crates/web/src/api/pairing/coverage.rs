//! Which target counties are covered by pairings, over the API, as far as the caller may see each pairing.

use super::*;

pub(super) fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r
        .routes(routes!(coverage_of))
}

#[derive(Deserialize, IntoParams)]
pub struct CoverageParams {
    /// 目标县范围：national_key、national_key:53、provincial_key:53、counties:53、counties:5306；不填为本单位默认范围。
    #[serde(default)]
    pub targets: String,
    /// 只返回某类县：none（未结对）、one（一家组织）、several（多家组织）。
    #[serde(default)]
    pub show: String,
}

/// 覆盖情况汇总。
#[derive(Serialize, ToSchema)]
pub struct SummaryDto {
    /// 目标县数。
    pub targets: usize,
    /// 未结对的县数。
    pub none: usize,
    /// 一家组织结对的县数。
    pub one: usize,
    /// 多家组织结对的县数。
    pub several: usize,
}

impl From<Summary> for SummaryDto {
    fn from(s: Summary) -> Self {
        SummaryDto { targets: s.targets, none: s.none, one: s.one, several: s.several }
    }
}

/// 结对某县的一家组织。
#[derive(Serialize, ToSchema)]
pub struct CoveringDto {
    pub pairing_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub fields: String,
    /// consented、signed 或 active。
    pub status: String,
    /// 组团式帮扶：所在帮扶团的编号（不在帮扶团为空）。
    pub team_id: Option<i64>,
    /// 帮扶团名称（不在帮扶团为空字符串）。
    pub team_name: String,
    /// 帮扶团牵头单位名称（不在帮扶团为空字符串）。
    pub team_lead: String,
}

/// 一个目标县及结对它的组织。
#[derive(Serialize, ToSchema)]
pub struct CountyCoverageDto {
    pub code: String,
    pub name: String,
    pub full_name: String,
    pub organizations: Vec<CoveringDto>,
}

#[derive(Serialize, ToSchema)]
pub struct CoverageDto {
    /// 规范化后的目标范围。
    pub targets: String,
    /// 目标范围的中文名，例如“云南省国家乡村振兴重点帮扶县”。
    pub label: String,
    /// 全部目标县的汇总（不受 `show` 影响）。
    pub summary: SummaryDto,
    pub counties: Vec<CountyCoverageDto>,
}

/// 结对覆盖：目标县中哪些已有组织结对（双方同意、已签协议或已生效的县级结对）。
#[utoipa::path(get, path = "/api/v1/pairing/coverage", tag = "pairing", params(CoverageParams),
    responses((status = 200, body = CoverageDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn coverage_of(State(state): State<AppState>, user: ApiUser, Query(q): Query<CoverageParams>) -> Result<Json<CoverageDto>, ApiError> {
    let spec = if q.targets.trim().is_empty() { ops::default_targets(&user.principal) } else { q.targets.trim().to_string() };
    let t = ops::targets_for(&user.principal, &spec)?;
    let all = duijie_app::pairing::coverage(&state, &user.principal, &t).await?;
    let summary = Summary::of(&all).into();
    let counties = all
        .into_iter()
        .filter(|r| match q.show.as_str() {
            "none" => r.count() == 0,
            "one" => r.count() == 1,
            "several" => r.count() > 1,
            _ => true,
        })
        .map(|r| CountyCoverageDto {
            code: r.county.code,
            name: r.county.name,
            full_name: r.county.full_name,
            organizations: r
                .organizations
                .into_iter()
                .map(|o| CoveringDto {
                    pairing_id: o.pairing_id,
                    org_id: o.org_id,
                    org_name: o.org_name,
                    fields: o.fields,
                    status: o.status,
                    team_id: o.team_id,
                    team_name: o.team_name,
                    team_lead: o.team_lead,
                })
                .collect(),
        })
        .collect();
    Ok(Json(CoverageDto { targets: t.spec(), label: targets_label(&state.tree, &t), summary, counties }))
}
