//! The supply library: offers listed (from the catalogue, or one organisation's from the database), published by an organisation that may take new work, closed, hidden and featured.

use super::*;

/// One page of offers (featured first, then newest) and the total: one
/// organisation's from the database, everyone's (or those of organisations
/// registered under `region`) from the matching catalogue, then their rows by
/// id — the same answer as `supply::list` (a storage test holds the two equal).
pub async fn offers(state: &Platform, org_id: Option<i64>, region: Option<&RegionCode>, published_only: bool, limit: i64, offset: i64) -> Result<(Vec<Offer>, i64), Error> {
    if org_id.is_some() {
        return Ok(supply::list(&state.db, org_id, region, published_only, limit, offset).await?);
    }
    let under = region.map_or("", |r| r.as_str());
    let (ids, total) = state.derived.matches().await.list_offers(under, published_only, usize::try_from(offset).unwrap_or(0), usize::try_from(limit).unwrap_or(0));
    Ok((supply::by_ids(&state.db, &ids).await?, total as i64))
}

/// What an organisation types to publish an offer.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct OfferInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Fields, `、`-separated.
    #[serde(default)]
    pub fields: String,
    /// Provinces, prefectures or counties by name or code, `、`-separated; empty: anywhere.
    #[serde(default)]
    pub target_regions: String,
    #[serde(default)]
    #[schema(schema_with = crate::schema::wan)]
    pub funds_wan: String,
    #[serde(default)]
    #[schema(schema_with = crate::schema::integer)]
    pub people: String,
    #[serde(default)]
    pub period_start: String,
    #[serde(default)]
    pub period_end: String,
    /// How many demands it can take.
    #[serde(default)]
    #[schema(schema_with = crate::schema::integer)]
    pub capacity: String,
}

/// Publishes an offer for the caller's organisation.
pub async fn create_offer(state: &Platform, who: &Principal, actor: &Actor, i: &OfferInput) -> Result<i64, Error> {
    let org_id = who.org_id().filter(|_| who.role() == Role::Organization).ok_or(Error::Forbidden)?;
    crate::open(duijie_store::orgs::get(&state.db, org_id).await?, who, Action::ManageOffer)?;
    let mut errors = Vec::new();
    if i.title.trim().is_empty() || i.title.chars().count() > 80 {
        errors.push(FieldError::new("title", "请填写项目名称（80 字以内）"));
    }
    let fields = match duijie_domain::org::parse_fields(&i.fields) {
        Ok(f) if !f.is_empty() => f,
        Ok(_) => {
            errors.push(FieldError::new("fields", "请填写帮扶领域"));
            String::new()
        }
        Err(m) => {
            errors.push(FieldError::new("fields", m));
            String::new()
        }
    };
    let regions = match crate::pairing::parse_regions(&state.tree, &i.target_regions, Level::County) {
        Ok(r) => r.into_iter().map(|c| c.as_str().to_string()).collect(),
        Err(m) => {
            errors.push(FieldError::new("target_regions", m));
            Vec::new()
        }
    };
    let funds_fen = duijie_domain::pairing::parse_wan(&i.funds_wan).unwrap_or_else(|m| {
        errors.push(FieldError::new("funds_wan", m));
        0
    });
    let int = |errors: &mut Vec<FieldError>, field: &str, v: &str, dflt: i64, max: i64| -> i64 {
        match v.trim() {
            "" => dflt,
            s => s.parse::<i64>().ok().filter(|n| (0..=max).contains(n)).unwrap_or_else(|| {
                errors.push(FieldError::new(field, format!("应为 0–{max} 的整数")));
                dflt
            }),
        }
    };
    let people = int(&mut errors, "people", &i.people, 0, 100_000);
    let capacity = int(&mut errors, "capacity", &i.capacity, 1, 10_000).max(1);
    let date = |errors: &mut Vec<FieldError>, field: &str, v: &str| -> String {
        if v.trim().is_empty() {
            return String::new();
        }
        match duijie_store::imports::parse_date(v) {
            Some(d) => d.format("%Y-%m-%d").to_string(),
            None => {
                errors.push(FieldError::new(field, "日期无效，例如 2026-12-31"));
                String::new()
            }
        }
    };
    let period_start = date(&mut errors, "period_start", &i.period_start);
    let period_end = date(&mut errors, "period_end", &i.period_end);
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let n = NewOffer { org_id, title: i.title.trim().into(), description: i.description.trim().into(), fields, target_regions: regions, funds_fen, people, period_start, period_end, capacity, is_demo: false };
    let mut tx = state.db.begin().await?;
    let id = supply::create(&mut tx, actor, &n).await.map_err(crate::pairing::form_error)?;
    tx.commit().await?;
    Ok(id)
}

/// Closes or republishes (the organisation), hides or features (an officer in scope).
pub async fn set_offer_status(state: &Platform, who: &Principal, actor: &Actor, id: i64, status: OfferStatus, reason: &str, featured: Option<bool>) -> Result<Offer, Error> {
    let offer = crate::open(supply::get(&state.db, id).await?, who, Action::ManageOffer)?;
    let own = who.role() == Role::Organization;
    if own && (status == OfferStatus::Hidden || featured.is_some()) {
        return Err(Error::Forbidden);
    }
    if own && offer.status == OfferStatus::Hidden {
        return Err(Error::rejected(format!("该项目已被管理部门下架（{}），请联系管理部门", offer.hidden_reason)));
    }
    if !own && status == OfferStatus::Closed {
        return Err(Error::rejected("供给项目由社会组织自行关闭；管理部门可以下架"));
    }
    let mut tx = state.db.begin().await?;
    let after = supply::set_status(&mut tx, actor, id, status, reason, featured).await.map_err(crate::pairing::form_error)?;
    tx.commit().await?;
    Ok(after)
}
