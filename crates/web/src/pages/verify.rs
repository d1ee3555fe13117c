//! The public 核验 page (no login): paste a receipt — an entry's index and leaf
//! hash — and see whether the newest signed checkpoint includes it, with the
//! checkpoint and the inclusion proof to check independently.
//!
//! Guarantees: no session is read; the answer is `duijie_app::log::check_receipt`'s,
//! and it says a record was changed when the checkpoint includes the receipt but
//! the stored audit row no longer gives it. Every visit also shows which
//! witnesses co-signed the newest checkpoint and, above all else, any witness's
//! refusal of a checkpoint as a fork (`duijie_app::log::witnessing`).

use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use crate::format::fmt_time;
use duijie_app::log::ReceiptCheck;

pub fn router() -> Router<AppState> {
    Router::new().route("/public/verify", get(page))
}

#[derive(serde::Deserialize, Default)]
struct ReceiptQuery {
    #[serde(default)]
    index: String,
    #[serde(default)]
    leaf: String,
}

/// One outcome as the page shows it.
struct Outcome {
    /// ok, altered, missing or pending (the CSS tag and the test's handle).
    kind: &'static str,
    title: &'static str,
    detail: String,
    note: String,
    hashes: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "public_verify.html")]
struct VerifyPage {
    index: String,
    leaf: String,
    error: String,
    outcome: Option<Outcome>,
    /// The newest checkpoint's size and who co-signed it (name, when).
    size: u64,
    cosigned_by: Vec<(String, String)>,
    /// Witnesses' refusals: (when, witness, why).
    alarms: Vec<(String, String, String)>,
}

async fn page(State(state): State<AppState>, Query(q): Query<ReceiptQuery>) -> Result<VerifyPage, AppError> {
    let w = duijie_app::log::witnessing(&state.db).await?;
    let mut page = VerifyPage {
        index: q.index.trim().to_string(),
        leaf: q.leaf.trim().to_ascii_lowercase(),
        error: String::new(),
        outcome: None,
        size: w.size,
        cosigned_by: w.cosigned_by.into_iter().map(|(name, at)| (name, fmt_time(at))).collect(),
        alarms: w.alarms.into_iter().map(|a| (fmt_time(a.raised_at), a.witness, a.reason)).collect(),
    };
    if page.index.is_empty() && page.leaf.is_empty() {
        return Ok(page);
    }
    let (Ok(index), Some(leaf)) = (page.index.parse::<u64>(), duijie_tlog::parse_hex(&page.leaf)) else {
        page.error = "请填写回执上的记录序号（非负整数）和叶哈希（64 位十六进制）".into();
        return Ok(page);
    };
    let outcome = match duijie_app::log::check_receipt(&state.db, index, &leaf).await {
        Err(duijie_app::Error::NotFound) => {
            page.error = "平台尚未签发检查点，请稍后再核验".into();
            return Ok(page);
        }
        Err(e) => return Err(e.into()),
        Ok(ReceiptCheck::Included { checkpoint, proof }) => Outcome {
            kind: "ok",
            title: "核验通过",
            detail: format!("第 {index} 条记录包含在最新检查点（共 {} 条记录）中，且平台现存的记录与回执一致。", checkpoint.size),
            note: checkpoint.note,
            hashes: proof.hashes,
        },
        Ok(ReceiptCheck::Altered { checkpoint, proof }) => Outcome {
            kind: "altered",
            title: "记录已被改动",
            detail: format!("回执中的第 {index} 条记录曾被检查点收录，但平台现存的这条记录与回执不符：它在签发后被改动过。"),
            note: checkpoint.note,
            hashes: proof.hashes,
        },
        Ok(ReceiptCheck::NotIncluded { checkpoint }) => Outcome {
            kind: "missing",
            title: "核验未通过",
            detail: format!("最新检查点（共 {} 条记录）不包含该回执：序号或叶哈希有误，或日志已被改写。", checkpoint.size),
            note: checkpoint.note,
            hashes: Vec::new(),
        },
        Ok(ReceiptCheck::Pending { checkpoint }) => Outcome {
            kind: "pending",
            title: "尚未收录",
            detail: format!("最新检查点只有 {} 条记录，第 {index} 条在其后；平台定时签发检查点，请稍后再核验。", checkpoint.size),
            note: checkpoint.note,
            hashes: Vec::new(),
        },
    };
    page.outcome = Some(outcome);
    Ok(page)
}
