//! The success rate of matching over the API, with its definition and breakdowns.

use super::*;

pub(super) fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r
        .routes(routes!(matching_stats))
}

#[derive(Deserialize, IntoParams)]
pub struct StatsParams {
    /// 地区（任意级别的区划代码，含下级）；不填为本单位所在地区。
    #[serde(default)]
    pub region: String,
    /// 统计期开始日期（含），例如 2026-01-01；不填为今年 1 月 1 日。
    #[serde(default)]
    pub from: String,
    /// 统计期结束日期（含），例如 2026-11-23；不填为今天（北京时间）。
    #[serde(default)]
    pub to: String,
}

/// 一组的发布数、对接成功数和成功率。
#[derive(Serialize, ToSchema)]
pub struct RateDto {
    /// 地区代码或帮扶领域。
    pub key: String,
    /// 地区名称（按地区分组时）；按领域分组时同 key。
    pub name: String,
    /// 统计期内发布的需求数。
    pub published: u64,
    /// 其中截至期末已对接成功的需求数。
    pub matched: u64,
    /// 成功率（0–1）；没有发布的需求时为 0。
    pub rate: f64,
    /// 成功率的百分数文字，例如“62.5%”。
    pub percent: String,
}

pub(super) fn rate_dto(r: &Rate, name: String) -> RateDto {
    RateDto { key: r.key.clone(), name, published: r.published, matched: r.matched, rate: r.rate, percent: r.percent() }
}

/// 供需对接成功率。
#[derive(Serialize, ToSchema)]
pub struct SuccessRateDto {
    /// 统计地区代码（含下级）。
    pub region: String,
    pub region_name: String,
    /// 统计期（ISO 日期，北京时间，含首尾两天）。
    pub from: String,
    pub to: String,
    /// 统计期的起止时刻（Unix 秒）。
    pub from_ts: i64,
    pub to_ts: i64,
    /// 合计。
    pub total: RateDto,
    /// 按下一级地区。
    pub by_region: Vec<RateDto>,
    /// 按帮扶领域。
    pub by_field: Vec<RateDto>,
    /// 统计期内发布的需求中，发布后超过 `long_unmatched_days` 天仍未对接的数量（按当前状态）。
    pub long_unmatched: u64,
    pub long_unmatched_days: i64,
    /// 成功率的口径。
    pub definition: String,
}

pub(super) fn parse_day(field: &str, s: &str, default: chrono::NaiveDate) -> Result<chrono::NaiveDate, AppError> {
    if s.trim().is_empty() {
        return Ok(default);
    }
    duijie_domain::date::parse_date(s).ok_or_else(|| AppError::field(field, "日期无效，例如 2026-11-23"))
}

/// 供需对接成功率：统计期内发布的需求中截至期末已对接成功的比例，含合计、按下一级地区、按帮扶领域，以及长期未对接的需求数；口径见 `definition`。
///
/// 默认为本单位所在地区、今年 1 月 1 日至今天。社会组织返回 403，辖区外的地区返回 404。
#[utoipa::path(get, path = "/api/v1/stats/matching", tag = "demands", params(StatsParams),
    responses((status = 200, body = SuccessRateDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn matching_stats(State(state): State<AppState>, user: ApiUser, Query(q): Query<StatsParams>) -> Result<Json<SuccessRateDto>, ApiError> {
    let who = &user.principal;
    let region = if q.region.trim().is_empty() { who.region().clone() } else { RegionCode::parse(&q.region).map_err(|e| AppError::field("region", format!("地区：{e}")))? };
    let today = duijie_app::today();
    let jan1 = chrono::NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let from = parse_day("from", &q.from, jan1)?;
    let to = parse_day("to", &q.to, today)?;
    let r: SuccessRate = ops::success_rate(&state, who, &region, from, to).await?;
    let mut names = Names::default();
    let mut by_region = Vec::with_capacity(r.by_region.len());
    for x in &r.by_region {
        let name = names.short(&state, &x.key).await;
        by_region.push(rate_dto(x, name));
    }
    Ok(Json(SuccessRateDto {
        region_name: names.full(&state, &r.region).await,
        region: region.to_string(),
        from: from.format("%Y-%m-%d").to_string(),
        to: to.format("%Y-%m-%d").to_string(),
        from_ts: r.from,
        to_ts: r.to,
        total: rate_dto(&r.total, String::new()),
        by_region,
        by_field: r.by_field.iter().map(|x| rate_dto(x, x.key.clone())).collect(),
        long_unmatched: r.long_unmatched,
        long_unmatched_days: LONG_UNMATCHED_DAYS,
        definition: r.definition.to_string(),
    }))
}
